/** The graph's tools: expansion filters, colour and grouping, the time window, fit and export. */

import { type Dispatch, type RefObject, useMemo } from "react";

import type { GraphHandle } from "../../graph/GraphCanvas";
import { type ColourBy, timeRange } from "../../graph/model";
import type { ExplorerAction, ExplorerState } from "../../hooks/explorerState";
import { ExpandFilters } from "./ExpandFilters";
import { ExportButtons } from "./ExportButtons";
import { TimeWindow } from "./TimeWindow";

interface Props {
  state: ExplorerState;
  dispatch: Dispatch<ExplorerAction>;
  canvas: RefObject<GraphHandle | null>;
}

export function Toolbar({ state, dispatch, canvas }: Props) {
  const range = useMemo(() => timeRange(state.model), [state.model]);
  const view = (change: Extract<ExplorerAction, { type: "viewChanged" }>["change"]) => dispatch({ type: "viewChanged", change });
  return (
    <div className="toolbar" role="toolbar" aria-label="graph tools">
      <ExpandFilters filters={state.filters} onChange={(change) => dispatch({ type: "filtersChanged", change })} />
      <label>
        Colour by
        <select value={state.colourBy} onChange={(e) => view({ colourBy: e.target.value as ColourBy })}>
          <option value="risk">risk</option>
          <option value="category">category</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={state.grouped} onChange={(e) => view({ grouped: e.target.checked })} /> Group by cluster
      </label>
      {range && <TimeWindow range={range} value={state.timeWindow} onChange={(timeWindow) => view({ timeWindow })} />}
      <ExportButtons canvas={canvas} model={state.model} />
    </div>
  );
}
