/** The time slider: transactions before the chosen block time are not drawn. */

import { when } from "../../format";
import type { TimeWindow as Window } from "../../hooks/explorerState";

interface Props {
  range: [number, number];
  value: Window;
  onChange: (window: Window) => void;
}

export function TimeWindow({ range, value, onChange }: Props) {
  const [low, high] = range;
  if (low === high) return null;
  const since = value[0] ?? low;
  return (
    <label>
      Drawn from {when(since)}
      <input
        type="range"
        min={low}
        max={high}
        value={since}
        aria-label="show transactions from"
        onChange={(e) => onChange([Number(e.target.value) <= low ? null : Number(e.target.value), value[1]])}
      />
    </label>
  );
}
