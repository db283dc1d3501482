/** The canvas's nodes as a list of buttons: the keyboard's way in (and a screen reader's). */

import { riskLevel, shortId } from "../../format";
import type { GraphModel } from "../../graph/model";

const LIST_MAX = 200;

interface Props {
  model: GraphModel;
  selected: string | null;
  onSelect: (id: string) => void;
}

export function NodeList({ model, selected, onSelect }: Props) {
  const nodes = Object.values(model.nodes)
    .filter((n) => !n.hidden)
    .sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1) || a.id.localeCompare(b.id))
    .slice(0, LIST_MAX);
  if (!nodes.length) return null;
  return (
    <details open={nodes.length <= 30}>
      <summary>Nodes</summary>
      <ul className="node-list" aria-label="nodes">
        {nodes.map((n) => (
          <li key={n.id}>
            <button type="button" aria-pressed={n.id === selected} onClick={() => onSelect(n.id)}>
              {n.kind === "address" ? "Address" : "Tx"} {shortId(n.ref, 6)}
              {n.kind === "address" && ` · ${riskLevel(n.risk)}${n.category ? ` · ${n.category}` : ""}`}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
