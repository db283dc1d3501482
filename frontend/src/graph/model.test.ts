import { describe, expect, it } from "vitest";

import {
  addressId,
  elements,
  emptyModel,
  inWindow,
  type NeighbourEdge,
  type Page,
  timeRange,
  txId,
  withAddress,
  withCluster,
  withFlow,
  uncategorised,
  withCategories,
  withNeighbours,
  withNode,
  withPath,
  withTransaction,
} from "./model";

const page = <T>(items: T[], cut = false): Page<T> => ({
  items,
  cut,
  returned: items.length,
  matched: items.length + (cut ? 10 : 0),
  total: null,
  notes: [],
});

const spendAndReceive: NeighbourEdge[] = [
  { txid: "t1", time: 100, height: 1, value: 5e8, direction: "out" },
  { txid: "t2", time: 200, height: 2, value: 2e8, direction: "in" },
];

describe("expanding an address", () => {
  it("links it to its transactions in the direction the money moved", () => {
    const model = withNeighbours(emptyModel(), "A", page(spendAndReceive));
    expect(Object.keys(model.edges).sort()).toEqual([`a:A->t:t1`, `t:t2->a:A`]);
    expect(model.nodes[addressId("A")].expanded).toBe(true);
    expect(model.edges["a:A->t:t1"].value).toBe(5e8);
  });

  it("marks the address cut when the server cut the answer", () => {
    const model = withNeighbours(emptyModel(), "A", page(spendAndReceive, true));
    expect(model.nodes[addressId("A")].cut).toBe(true);
    const drawn = elements(model).find((e) => e.data.id === addressId("A"));
    expect(drawn?.classes).toContain("cut");
  });

  it("keeps what is known of a node already there, and never mutates the model it was given", () => {
    const start = withNode(withAddress(emptyModel(), { address: "A", risk: 0.9, cluster: "c1" }), addressId("A"), {
      note: "suspect",
      pinned: true,
    });
    const after = withNeighbours(start, "A", page(spendAndReceive));
    expect(after.nodes[addressId("A")]).toMatchObject({ risk: 0.9, cluster: "c1", note: "suspect", pinned: true });
    expect(Object.keys(start.edges)).toHaveLength(0);
  });
});

describe("expanding a transaction", () => {
  it("brings its inputs and outputs, leaving out outputs with no address", () => {
    const model = withTransaction(emptyModel(), {
      txid: "t1",
      time: 100,
      inputs: page([{ address: "A", value: 6e8, risk: 0.9 }]),
      outputs: page([
        { n: 0, address: "B", value: 5e8, risk: null },
        { n: 1, address: null, value: 0, risk: null },
      ]),
    });
    expect(Object.keys(model.nodes).sort()).toEqual([addressId("A"), addressId("B"), txId("t1")]);
    expect(Object.keys(model.edges).sort()).toEqual(["a:A->t:t1", "t:t1->a:B"]);
    expect([model.nodes[addressId("A")].risk, model.nodes[addressId("B")].risk]).toEqual([0.9, null]);
  });
});

describe("hiding and the time window", () => {
  it("draws neither a hidden node nor its edges", () => {
    const model = withNode(withNeighbours(emptyModel(), "A", page(spendAndReceive)), txId("t1"), { hidden: true });
    const ids = elements(model).map((e) => e.data.id);
    expect(ids).not.toContain(txId("t1"));
    expect(ids).not.toContain("a:A->t:t1");
  });

  it("keeps only transactions inside the window, and every address", () => {
    const model = withNeighbours(emptyModel(), "A", page(spendAndReceive));
    expect(timeRange(model)).toEqual([100, 200]);
    const late = inWindow(model, 150, null);
    expect(Object.keys(late.nodes).sort()).toEqual([addressId("A"), txId("t2")]);
    expect(Object.keys(late.edges)).toEqual(["t:t2->a:A"]);
  });
});

describe("clusters", () => {
  it("draws a cluster's members inside its box only when grouped", () => {
    const model = withCluster(emptyModel(), {
      cluster: "cl1",
      risk: 0.8,
      members: page([
        { address: "A", risk: 0.9 },
        { address: "B", risk: 0.2 },
      ]),
    });
    const grouped = elements(model, true);
    expect(grouped.filter((e) => e.data.id === "c:cl1")).toHaveLength(1);
    expect(grouped.find((e) => e.data.id === addressId("A"))?.data).toMatchObject({ parent: "c:cl1" });
    expect(elements(model).find((e) => e.data.id === addressId("A"))?.data).not.toHaveProperty("parent");
  });
});

describe("paths", () => {
  it("adds the path's addresses and transactions and names its edges to highlight", () => {
    const { model, edgeIds } = withPath(emptyModel(), {
      nodes: ["A", "t1", "B", "t2", "C"],
      values: [5, 4, 4, 3],
      risks: [0.9, null, 0.2, null, null],
    });
    expect(edgeIds).toEqual(["a:A->t:t1", "t:t1->a:B", "a:B->t:t2", "t:t2->a:C"]);
    expect(model.nodes[txId("t2")].kind).toBe("transaction");
    const drawn = elements(model, false, edgeIds).filter((e) => e.group === "edges");
    expect(drawn.every((e) => e.classes === "path")).toBe(true);
  });

  it("colours the path's addresses by the scores it brings, and keeps a score it does not bring", () => {
    const known = withAddress(emptyModel(), { address: "C", risk: 0.7, cluster: null });
    const { model } = withPath(known, { nodes: ["A", "t1", "C"], values: [5, 4], risks: [0.9, null, null] });
    expect(model.nodes[addressId("A")].risk).toBe(0.9);
    expect(model.nodes[addressId("C")].risk).toBe(0.7);
    const colourOf = (id: string) => (elements(model).find((e) => e.data.id === id)?.data as { colour: string }).colour;
    expect(colourOf(addressId("A"))).not.toBe("#9aa5b1");
  });
});

describe("following the money", () => {
  it("tells transactions from addresses and draws each hop's amount", () => {
    const model = withFlow(emptyModel(), {
      source: "A",
      direction: "forward",
      addresses: [{ address: "B", hop: 1, risk: 0.4, haircut: 9, poison: 9 }],
      transactions: [{ txid: "t1", hop: 1 }],
      edges: [
        { from: "A", to: "t1", value: 10 },
        { from: "t1", to: "B", value: 9 },
      ],
      cut: true,
    });
    expect(Object.keys(model.edges).sort()).toEqual(["a:A->t:t1", "t:t1->a:B"]);
    expect(model.nodes[txId("t1")].kind).toBe("transaction");
    expect(model.nodes[addressId("A")].cut).toBe(true);
    expect(model.nodes[addressId("B")].risk).toBe(0.4);
  });
});

describe("colour by category", () => {
  it("looks each address up once and colours it by its category, grey when untagged", () => {
    const model = withNeighbours(emptyModel(), "A", page(spendAndReceive));
    expect(uncategorised(model)).toEqual(["A"]);
    const tagged = withCategories(model, ["A"], { A: "exchange" });
    expect(uncategorised(tagged)).toEqual([]);
    const colour = (m: typeof model) =>
      (elements(m, false, [], "category").find((e) => e.data.id === addressId("A"))?.data as { colour: string }).colour;
    expect(colour(tagged)).toBe("#1d4ed8");
    expect(colour(withCategories(model, ["A"], {}))).toBe("#9aa5b1");
  });
});
