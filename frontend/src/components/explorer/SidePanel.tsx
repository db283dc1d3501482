/** Beside the canvas: the selected node's panel, how much is drawn, and the list of nodes. */

import type { Dispatch } from "react";

import type { ExplorerAction, ExplorerState } from "../../hooks/explorerState";
import { NodeList } from "./NodeList";
import { NodePanel } from "./NodePanel";
import { TraceSummary } from "./TraceSummary";

interface Props {
  state: ExplorerState;
  dispatch: Dispatch<ExplorerAction>;
  start: string;
  drawnNodes: number;
  onExpand: (id: string) => void;
  onPath: (target: string) => void;
  onFollow: (direction: string, hops: number) => void;
}

export function SidePanel({ state, dispatch, start, drawnNodes, onExpand, onPath, onFollow }: Props) {
  const { model, selected } = state;
  const chosen = selected ? model.nodes[selected] : undefined;
  const nodes = Object.keys(model.nodes).length;
  return (
    <aside className="panel" aria-label="selected node">
      {!start && <p>Start from an address, a cluster, a transaction or a case.</p>}
      {start && !chosen && <p>Select a node; double-click, or press Expand, to bring its neighbours.</p>}
      {chosen && (
        <NodePanel
          key={chosen.id}
          node={chosen}
          onExpand={() => onExpand(chosen.id)}
          onChange={(change) => dispatch({ type: "nodeChanged", id: chosen.id, change })}
          onPath={onPath}
          onFollow={onFollow}
        />
      )}
      <p className="count">
        {nodes} nodes, {Object.keys(model.edges).length} edges
        {drawnNodes < nodes && `; ${drawnNodes} drawn (hidden, or outside the time window)`}
      </p>
      {state.trace && <TraceSummary summary={state.trace} />}
      <NodeList model={model} selected={selected} onSelect={(id) => dispatch({ type: "selected", id })} />
    </aside>
  );
}
