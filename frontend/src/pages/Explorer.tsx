/** The graph explorer: start from an address, cluster, transaction or case; expand with filters; colour
 * by risk or category (with a legend); group by cluster; find paths; follow the money (with where it ended);
 * hide, pin and annotate; a time window; export PNG, SVG and JSON. The state and its rules live in useExplorer (a reducer); this page lays them out. */

import { useMemo, useRef } from "react";
import { useSearchParams } from "react-router-dom";

import { Legend } from "../components/explorer/Legend";
import { SaveToCase } from "../components/explorer/SaveToCase";
import { SidePanel } from "../components/explorer/SidePanel";
import { StartForm } from "../components/explorer/StartForm";
import { Toolbar } from "../components/explorer/Toolbar";
import { Failure } from "../components/Status";
import { GraphCanvas, type GraphHandle } from "../graph/GraphCanvas";
import { elements, inWindow } from "../graph/model";
import type { StartKind } from "../hooks/explorerLoads";
import { useExplorer } from "../hooks/useExplorer";

const KINDS: StartKind[] = ["address", "cluster", "tx", "case"]; // when the address bar names several, the first

export function Explorer() {
  const [params, setParams] = useSearchParams();
  // Start from what the address bar names: a fresh graph each time it changes.
  const kind = KINDS.find((k) => params.get(k)) ?? "address";
  const start = params.get(kind) ?? "";
  const { state, dispatch, expand, followMoney, findPath } = useExplorer(kind, start, Number(params.get("limit")) || 50);
  const canvas = useRef<GraphHandle>(null);
  const { model, timeWindow, grouped, path, colourBy } = state;
  const drawn = useMemo(
    () => elements(inWindow(model, timeWindow[0], timeWindow[1]), grouped, path, colourBy),
    [model, timeWindow, grouped, path, colourBy],
  );
  const drawnNodes = drawn.filter((element) => element.group === "nodes" && element.data.kind !== "cluster").length;

  return (
    <div className="explorer">
      <StartForm key={`${kind}:${start}`} kind={kind} current={start} onStart={(k, value) => setParams({ [k]: value })} />
      <Toolbar state={state} dispatch={dispatch} canvas={canvas} />
      {Object.keys(model.nodes).length > 0 && <SaveToCase model={model} start={start} positions={() => canvas.current?.positions() ?? {}} />}
      {state.busy && <p className="loading" role="status">{state.busy}…</p>}
      {state.error && <Failure error={state.error} />}
      {state.notice && <p className="notice" role="note">{state.notice}</p>}
      <div className="explorer-body">
        <div className="canvas-wrap">
          <GraphCanvas ref={canvas} elements={drawn} onSelect={(id) => dispatch({ type: "selected", id })} onExpand={expand} />
          {Object.keys(model.nodes).length > 0 && <Legend model={model} colourBy={colourBy} />}
        </div>
        <SidePanel
          state={state}
          dispatch={dispatch}
          start={start}
          drawnNodes={drawnNodes}
          onExpand={expand}
          onPath={findPath}
          onFollow={followMoney}
        />
      </div>
    </div>
  );
}
