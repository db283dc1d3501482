/** Pages share code through components/ and hooks/, never by importing another page: a page that
 * imports one ties two screens together, and the next change to one breaks the other. */

import { describe, expect, it } from "vitest";

const pages = import.meta.glob<string>("./pages/**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true });

/** The imports of a file in src/pages/ that land in src/pages/ again. */
function importsOfPages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]);
  return specifiers.filter((specifier) => specifier.startsWith(".") && resolved(specifier).startsWith("pages/"));
}

/** A relative import from src/pages/ as a path under src/. */
function resolved(specifier: string): string {
  const parts = ["pages"];
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

describe("pages", () => {
  it("finds the screens (the glob is not empty)", () => {
    expect(Object.keys(pages)).toContain("./pages/Explorer.tsx");
  });

  it("tells a page importing another page from one importing components", () => {
    const source = `import { A } from "./CasePage";\nimport { B } from "../pages/Cases";\nimport { C } from "../components/Status";`;
    expect(importsOfPages(source)).toEqual(["./CasePage", "../pages/Cases"]);
  });

  it.each(Object.entries(pages))("%s imports no other page", (_, source) => {
    expect(importsOfPages(source)).toEqual([]);
  });
});
