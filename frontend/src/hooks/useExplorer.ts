/** The explorer's state (a reducer, explorerState.ts) and what the screen can ask of it. The start the
 * address bar names draws a fresh graph; colouring by category looks up tags as the graph grows. */

import { useCallback, useEffect, useEffectEvent, useReducer } from "react";

import { messageOf } from "../api";
import { shortId } from "../format";
import { uncategorised } from "../graph/model";
import {
  addressExpand,
  moneyFollow,
  pathFind,
  type StartKind,
  startLoad,
  TAGS_AT_ONCE,
  tagsLookUp,
  transactionExpand,
} from "./explorerLoads";
import { explorerInitial, explorerReducer } from "./explorerState";

export function useExplorer(kind: StartKind, start: string, limit: number) {
  const [state, dispatch] = useReducer(explorerReducer, limit, explorerInitial);

  const run = useCallback(async (what: string, step: () => Promise<void>) => {
    dispatch({ type: "working", what });
    try {
      await step();
    } catch (failure) {
      dispatch({ type: "failed", error: messageOf(failure) });
    } finally {
      dispatch({ type: "finished" });
    }
  }, []);

  // A new start only: the filters it expands with are read when it begins, not watched.
  const begin = useEffectEvent(() => run("loading the start", () => startLoad(dispatch, kind, start, state.filters)));
  useEffect(() => {
    if (!start) return;
    dispatch({ type: "started" });
    void begin();
  }, [kind, start]);

  // The next batch once this one is in: looked-up addresses leave `uncategorised`.
  const wanted = state.colourBy === "category" ? uncategorised(state.model).slice(0, TAGS_AT_ONCE).join("\n") : "";
  useEffect(() => {
    if (wanted) void run("looking up tags", () => tagsLookUp(dispatch, wanted.split("\n")));
  }, [wanted, run]);

  function expand(id: string) {
    const node = state.model.nodes[id];
    if (!node || node.kind === ("cluster" as string)) return;
    void run(`expanding ${shortId(node.ref)}`, () =>
      node.kind === "address" ? addressExpand(dispatch, node.ref, state.filters) : transactionExpand(dispatch, node.ref),
    );
  }

  /** The selected address, when one is: where paths and flows start. */
  function selectedAddress(): string | null {
    const source = state.selected ? state.model.nodes[state.selected] : undefined;
    return source?.kind === "address" ? source.ref : null;
  }

  function followMoney(direction: string, hops: number) {
    const source = selectedAddress();
    if (source) void run("following the money", () => moneyFollow(dispatch, source, direction, hops));
  }

  function findPath(target: string) {
    const source = selectedAddress();
    if (source) void run("finding a path", () => pathFind(dispatch, source, target));
  }

  return { state, dispatch, expand, followMoney, findPath };
}
