/** What starts from a selected address: follow the money, and find a path to another address. */

import { useState } from "react";

export function FollowMoney({ onFollow }: { onFollow: (direction: string, hops: number) => void }) {
  const [direction, setDirection] = useState("forward");
  const [hops, setHops] = useState(3);
  return (
    <div className="actions" role="group" aria-label="follow the money">
      <select aria-label="direction of the money" value={direction} onChange={(e) => setDirection(e.target.value)}>
        <option value="forward">where it went</option>
        <option value="backward">where it came from</option>
      </select>
      <select aria-label="hops" value={hops} onChange={(e) => setHops(Number(e.target.value))}>
        {[1, 2, 3, 4, 5, 6].map((n) => (
          <option key={n} value={n}>{n} hops</option>
        ))}
      </select>
      <button type="button" onClick={() => onFollow(direction, hops)}>Follow the money</button>
    </div>
  );
}

export function PathForm({ onPath }: { onPath: (target: string) => void }) {
  const [target, setTarget] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (target.trim()) onPath(target.trim());
      }}
    >
      <label>
        Path to address
        <input value={target} onChange={(e) => setTarget(e.target.value)} />
      </label>
      <button type="submit">Find path</button>
    </form>
  );
}
