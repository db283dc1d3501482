import { describe, expect, it } from "vitest";

import { firstModelMessage, pageRange, phaseLine, phaseSteps, scoreText } from "./queue";

const job = { status: "running", phase: "writing", addresses_total: 5000, addresses_scored: 1250, explained: 0, explain_top: 100 };

describe("scoreText", () => {
  it("spreads a wall of near-1 probabilities by rank", () => {
    expect(scoreText(0.9731, 3, 5210)).toBe("0.973 · #3 of 5,210 · top 0.06%");
    expect(scoreText(0.9999, 1, 40)).toBe(">0.999 · #1 of 40 · top 2.5%");
    expect(scoreText(0.5, 20, 40)).toBe("0.500 · #20 of 40 · top 50%");
  });
  it("says only the probability when nothing was ranked", () => {
    expect(scoreText(1, 1, 0)).toBe("1.000");
  });
});

describe("pageRange", () => {
  it("names the rows on the page and the total", () => {
    expect(pageRange(2, 25, 213)).toBe("26–50 of 213");
    expect(pageRange(9, 25, 213)).toBe("201–213 of 213");
    expect(pageRange(1, 25, 0)).toBe("none");
  });
});

describe("phaseSteps", () => {
  it("marks the phases before the current one done and counts the current one", () => {
    const steps = phaseSteps(job);
    expect(steps.map((s) => s.state)).toEqual(["done", "done", "current", "pending", "pending"]);
    expect(steps[2].progress).toBe(0.25);
    expect(steps[0].progress).toBeNull();
  });
  it("reads a finished job as all done and a queued one as none started", () => {
    expect(phaseSteps({ ...job, status: "succeeded", phase: "explaining" }).every((s) => s.state === "done")).toBe(true);
    expect(phaseSteps({ ...job, status: "queued", phase: "" }).every((s) => s.state === "pending")).toBe(true);
  });
  it("does not show a failed job's phase as current", () => {
    expect(phaseSteps({ ...job, status: "failed", phase: "flagging" })[3].state).toBe("pending");
  });
});

describe("phaseLine", () => {
  it("says what a running job is doing", () => {
    expect(phaseLine(job)).toBe("writing 1,250 of 5,000 scores");
    expect(phaseLine({ ...job, phase: "flagging" })).toBe("flagging clusters");
    expect(phaseLine({ ...job, status: "succeeded" })).toBe("succeeded");
  });
});

describe("firstModelMessage", () => {
  it("is true to the first run's state", () => {
    expect(firstModelMessage({ active_version: null, first_model: "training" })).toMatch(/being trained on the loaded blocks/);
    expect(firstModelMessage({ active_version: null, first_model: "waiting_for_blocks" })).toMatch(/once the demo world's blocks/);
    expect(firstModelMessage({ active_version: 4, first_model: "trained" })).toBeNull();
  });
});
