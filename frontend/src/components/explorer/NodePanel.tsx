/** The selected node: what it is, expand, hide, pin, annotate, open its page; from an address, follow
 * the money or find a path. Keyed by the node, so its forms start afresh for each one. */

import { Link } from "react-router-dom";

import { riskLevel, shortId, when } from "../../format";
import type { GraphNode } from "../../graph/model";
import { FollowMoney, PathForm } from "./AddressTools";

interface Props {
  node: GraphNode;
  onExpand: () => void;
  onChange: (change: Partial<GraphNode>) => void;
  onPath: (target: string) => void;
  onFollow: (direction: string, hops: number) => void;
}

export function NodePanel({ node, onExpand, onChange, onPath, onFollow }: Props) {
  return (
    <div>
      <h3>{node.kind === "address" ? "Address" : "Transaction"}</h3>
      <p className="ref">{node.ref}</p>
      {node.kind === "address" && (
        <p>
          Risk: <span className={`risk ${riskLevel(node.risk)}`}>{riskLevel(node.risk)}</span>
          {node.cluster && <> · cluster {shortId(node.cluster, 6)}</>}
        </p>
      )}
      {node.kind === "transaction" && <p>Block time: {when(node.time)}</p>}
      {node.cut && <p className="notice">Cut: not every neighbour is shown.</p>}
      <div className="actions">
        <button type="button" onClick={onExpand}>Expand</button>
        <button type="button" onClick={() => onChange({ hidden: true })}>Hide</button>
        <button type="button" onClick={() => onChange({ pinned: !node.pinned })}>{node.pinned ? "Unpin" : "Pin"}</button>
        <Link to={node.kind === "address" ? `/addresses/${encodeURIComponent(node.ref)}` : `/transactions/${node.ref}`}>
          Open page
        </Link>
      </div>
      <label>
        Note
        <input defaultValue={node.note} onBlur={(e) => onChange({ note: e.target.value })} />
      </label>
      {node.kind === "address" && <FollowMoney onFollow={onFollow} />}
      {node.kind === "address" && <PathForm onPath={onPath} />}
    </div>
  );
}
