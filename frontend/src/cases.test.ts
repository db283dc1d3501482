import { describe, expect, it } from "vitest";

import { nextSteps } from "./cases";
import { emptyModel, snapshot, withNeighbours } from "./graph/model";

describe("the case workflow", () => {
  it("offers only what the server's transitions allow", () => {
    expect(nextSteps("open", false).map((s) => s.to)).toEqual(["in_progress"]);
    expect(nextSteps("in_progress", false).map((s) => s.to)).toEqual(["confirmed", "dismissed"]);
    expect(nextSteps("closed", false)).toEqual([]);
  });

  it("closes a confirmed case only through a second person's approval, asked once", () => {
    expect(nextSteps("confirmed", false)).toEqual([{ label: "Ask to close", kind: "approval", to: "close" }]);
    expect(nextSteps("confirmed", true)).toEqual([]);
  });
});

describe("saving the view", () => {
  it("keeps the drawn nodes and edges with what the investigator added, not what was hidden", () => {
    const model = withNeighbours(emptyModel(), "A", {
      items: [
        { txid: "t1", time: 1, height: 1, value: 5, direction: "out" },
        { txid: "t2", time: 2, height: 2, value: 7, direction: "in" },
      ],
      cut: true,
      returned: 2,
      matched: 9,
      total: 9,
      notes: [],
    });
    model.nodes["t:t2"] = { ...model.nodes["t:t2"], hidden: true };
    model.nodes["a:A"] = { ...model.nodes["a:A"], note: "the thief" };
    const saved = snapshot(model);
    expect(saved.nodes.map((n) => n.id).sort()).toEqual(["a:A", "t:t1"]);
    expect(saved.nodes.find((n) => n.id === "a:A")).toMatchObject({ note: "the thief", cut: true });
    expect(saved.edges).toEqual([{ source: "a:A", target: "t:t1", value: 5 }]);
  });

  it("keeps where each drawn node stands, for the report's figure", () => {
    const model = withNeighbours(emptyModel(), "A", {
      items: [{ txid: "t1", time: 1, height: 1, value: 5, direction: "out" }],
      cut: false,
      returned: 1,
      matched: 1,
      total: 1,
      notes: [],
    });
    const saved = snapshot(model, { "a:A": { x: 10, y: -20 } });
    expect(saved.nodes.find((n) => n.id === "a:A")).toMatchObject({ position: { x: 10, y: -20 } });
    expect(saved.nodes.find((n) => n.id === "t:t1")).not.toHaveProperty("position");
  });
});
