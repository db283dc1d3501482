import { describe, expect, it } from "vitest";

import { choiceOf, isChoice, textOf } from "./forms";

const KINDS = ["address", "cluster"] as const;

function formOf(fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

describe("reading a form as the API's types", () => {
  it("takes a select's value that is one of the choices", () => {
    expect(choiceOf(formOf({ kind: "cluster" }), "kind", KINDS)).toBe("cluster");
    expect(isChoice(KINDS, "address")).toBe(true);
  });

  it("refuses, by name, a value the API would not take", () => {
    expect(() => choiceOf(formOf({ kind: "transaction" }), "kind", KINDS)).toThrow("kind: one of address, cluster");
    expect(() => choiceOf(formOf({}), "kind", KINDS)).toThrow();
    expect(isChoice(KINDS, null)).toBe(false);
  });

  it("reads a missing text field as empty", () => {
    expect(textOf(formOf({ note: "seen at a mixer" }), "note")).toBe("seen at a mixer");
    expect(textOf(formOf({}), "note")).toBe("");
  });
});
