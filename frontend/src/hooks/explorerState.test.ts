import { describe, expect, it } from "vitest";

import { addressId, type NeighbourEdge, type Page, txId } from "../graph/model";
import { cutNotice, type ExplorerAction, explorerInitial, explorerReducer, type ExplorerState } from "./explorerState";

const page = <T>(items: T[], cut = false): Page<T> => ({
  items,
  cut,
  returned: items.length,
  matched: items.length + (cut ? 10 : 0),
  total: null,
  notes: cut ? ["Narrow the dates."] : [],
});

const spend: NeighbourEdge[] = [{ txid: "t1", time: 100, height: 1, value: 5e8, direction: "out" }];
const address = { address: "A", risk: 0.9, cluster: "c1" };

const after = (...actions: ExplorerAction[]): ExplorerState => actions.reduce(explorerReducer, explorerInitial(50));

describe("starting the graph", () => {
  it("draws an address with its transactions at once", () => {
    const state = after({ type: "addressStarted", found: address, page: page(spend) });
    expect(Object.keys(state.model.nodes).sort()).toEqual([addressId("A"), txId("t1")]);
    expect(state.model.nodes[addressId("A")].risk).toBe(0.9);
    expect(state.notice).toBeNull();
  });

  it("forgets the previous graph, selection and path on a new start", () => {
    const state = after(
      { type: "addressStarted", found: address, page: page(spend) },
      { type: "selected", id: addressId("A") },
      { type: "started" },
    );
    expect(state.model.nodes).toEqual({});
    expect(state.selected).toBeNull();
    expect(state.path).toEqual([]);
  });

  it("groups a cluster's members and says when only the riskiest are shown", () => {
    const members = { ...page([{ address: "A", risk: 0.9 }], true), total: 40 };
    const state = after({ type: "clusterStarted", found: { cluster: "c1", risk: 0.9, members } });
    expect(state.grouped).toBe(true);
    expect(state.notice).toBe("Cut: the 1 riskiest of 40 members shown.");
  });

  it("says a case without subjects has nothing to draw yet", () => {
    expect(after({ type: "caseStarted", caseId: "7", subjects: [] }).notice).toBe("Case #7 has no subjects yet: add them on its page.");
  });

  it("draws every subject of a case", () => {
    const state = after({ type: "caseStarted", caseId: "7", subjects: [{ kind: "address", found: address }] });
    expect(Object.keys(state.model.nodes)).toEqual([addressId("A")]);
    expect(state.notice).toBeNull();
  });
});

describe("expanding", () => {
  it("says how many of how many transactions a cut expansion shows, and how to narrow it", () => {
    const state = after({ type: "neighboursFound", address: "A", page: page(spend, true) });
    expect(state.notice).toBe("Cut: 1 transactions shown (11 edges matched). Narrow the dates.");
  });

  it("counts a hub's cut in transactions, not edges: one transaction can be both spent into and paying", () => {
    const edges: NeighbourEdge[] = Array.from({ length: 50 }, (_, i) => ({
      txid: `t${i % 40}`, time: 100, height: 1, value: 1, direction: i < 40 ? "out" : "in",
    }));
    const hub = { ...page(edges, true), matched: 1234, total: 784, notes: [] };
    expect(cutNotice(hub)).toBe("Cut: 40 of 784 transactions shown (1,234 edges matched).");
  });

  it("keeps what was looked up meanwhile: the answer adds to the graph as it is then", () => {
    const state = after(
      { type: "addressStarted", found: address, page: page([]) },
      { type: "tagsFound", batch: ["A"], tags: [{ address: "A", category: "exchange" }] },
      { type: "neighboursFound", address: "A", page: page(spend) },
    );
    expect(state.model.nodes[addressId("A")].category).toBe("exchange");
    expect(state.model.nodes[txId("t1")]).toBeDefined();
  });
});

describe("paths and flows", () => {
  const selectedA = [{ type: "addressStarted", found: address, page: page([]) }] as ExplorerAction[];

  it("says no path was found and leaves the graph as it was", () => {
    const before = after(...selectedA);
    const state = explorerReducer(before, { type: "pathFound", source: "A", target: "B", paths: [] });
    expect(state.notice).toBe("No path of at most 4 hops from A to B.");
    expect(state.model).toBe(before.model);
  });

  it("adds a path found and highlights its edges", () => {
    const path = { nodes: ["A", "t9", "B"], values: [1, 1], risks: [0.9, null, 0.5] };
    const state = after(...selectedA, { type: "pathFound", source: "A", target: "B", paths: [path] });
    expect(state.path).toEqual([`${addressId("A")}->${txId("t9")}`, `${txId("t9")}->${addressId("B")}`]);
    expect(state.notice).toBe("Path: 1 hops.");
  });

  it("says how far the money was followed and why a trace was cut", () => {
    const reached = { address: "B", hop: 1, risk: 0.3, haircut: 5, poison: 5 };
    const flow = { source: "A", direction: "backward" as const, addresses: [reached], transactions: [], edges: [], cut: true, notes: ["Too wide."] };
    const state = after(...selectedA, { type: "flowFound", hops: 2, flow, looked: [], tags: [] });
    expect(state.notice).toBe("Backward 2 hops: 1 addresses. Cut: Too wide.");
    expect(state.model.nodes[addressId("A")].cut).toBe(true);
    expect(state.model.nodes[addressId("B")].risk).toBe(0.3);
  });

  it("sums where the traced funds ended by the category each endpoint's tags give", () => {
    const reached = { address: "B", hop: 1, risk: null, haircut: 7, poison: 9 };
    const flow = { source: "A", direction: "forward" as const, addresses: [reached], transactions: [], edges: [], cut: false, notes: [] };
    const tags = [{ address: "B", category: "exchange" }];
    const state = after(...selectedA, { type: "flowFound", hops: 1, flow, looked: ["B"], tags });
    expect(state.trace?.ended).toEqual([{ category: "exchange", addresses: 1, haircut: 7, poison: 9 }]);
    expect(state.model.nodes[addressId("B")].category).toBe("exchange");
    expect(after(...selectedA, { type: "flowFound", hops: 1, flow, looked: ["B"], tags }, { type: "started" }).trace).toBeNull();
  });
});

describe("tags, filters and requests", () => {
  it("colours an address by its abuse before its category, and marks untagged ones looked up", () => {
    const state = after(
      { type: "caseStarted", caseId: "1", subjects: [{ kind: "address", found: address }, { kind: "address", found: { ...address, address: "B" } }] },
      { type: "tagsFound", batch: ["A", "B"], tags: [{ address: "A", category: "exchange", abuse: "ransomware" }] },
    );
    expect(state.model.nodes[addressId("A")].category).toBe("ransomware");
    expect(state.model.nodes[addressId("B")].category).toBeNull();
  });

  it("changes one filter and keeps the others", () => {
    const state = after({ type: "filtersChanged", change: { direction: "in" } });
    expect(state.filters).toEqual({ direction: "in", minBtc: "", limit: 50, since: "", until: "" });
  });

  it("clears the last error when a new request starts, and the busy line when it ends", () => {
    const failed = after({ type: "working", what: "finding a path" }, { type: "failed", error: "Timeout" }, { type: "finished" });
    expect(failed.error).toBe("Timeout");
    expect(failed.busy).toBeNull();
    const again = explorerReducer(failed, { type: "working", what: "expanding" });
    expect(again.error).toBeNull();
    expect(again.busy).toBe("expanding");
  });
});
