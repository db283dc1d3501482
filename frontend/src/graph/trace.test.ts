import { describe, expect, it } from "vitest";

import type { Flow } from "./model";
import { endpoints, NOT_LOOKED_UP, traceSummary, UNTAGGED } from "./trace";

const at = (address: string, hop: number, haircut: number, poison = haircut) => ({ address, hop, haircut, poison, risk: null });

// A spends into t1, which pays B and C; B spends on into t2, which pays D. The money rests at C and D.
const forward: Flow = {
  source: "A",
  direction: "forward",
  cut: false,
  addresses: [at("A", 0, 100), at("B", 1, 60), at("C", 1, 40), at("D", 2, 30, 60)],
  transactions: [
    { txid: "t1", hop: 1 },
    { txid: "t2", hop: 2 },
  ],
  edges: [
    { from: "A", to: "t1", value: 100 },
    { from: "t1", to: "B", value: 60 },
    { from: "t1", to: "C", value: 40 },
    { from: "B", to: "t2", value: 60 },
    { from: "t2", to: "D", value: 60 },
  ],
};

describe("where traced funds ended", () => {
  it("is the addresses that did not pass the money on, most traced first", () => {
    expect(endpoints(forward).map((a) => a.address)).toEqual(["C", "D"]);
  });

  it("backward, is the addresses nothing paid within the trace", () => {
    const backward: Flow = {
      ...forward,
      source: "D",
      direction: "backward",
      addresses: [at("D", 0, 60), at("B", 1, 60), at("X", 1, 10)],
      edges: [
        { from: "t2", to: "D", value: 60 },
        { from: "B", to: "t2", value: 60 },
        { from: "X", to: "t2", value: 10 },
        { from: "t1", to: "B", value: 60 },
      ],
    };
    expect(endpoints(backward).map((a) => a.address)).toEqual(["X"]);
  });

  it("sums the traced amounts by category, says which were not looked up, and how far it went", () => {
    const summary = traceSummary(forward, { C: "exchange" });
    expect(summary).toMatchObject({ hops: 2, addresses: 3, transactions: 2 });
    expect(summary.ended).toEqual([
      { category: "exchange", addresses: 1, haircut: 40, poison: 40 },
      { category: NOT_LOOKED_UP, addresses: 1, haircut: 30, poison: 60 },
    ]);
    expect(traceSummary(forward, { C: null, D: null }).ended).toEqual([
      { category: UNTAGGED, addresses: 2, haircut: 70, poison: 100 },
    ]);
  });
});
