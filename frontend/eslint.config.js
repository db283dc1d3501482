// The hooks' rules, as errors: an effect that reads a value it does not list runs on stale state.
//
// TypeScript 7 (the Go compiler, `typescript` here) ships no JavaScript API, and typescript-eslint's
// parser needs one (it accepts TypeScript below 6.1). The parser alone gets TypeScript 5.9, installed
// under the alias `typescript-eslint-ts`: every `require("typescript")` made while ESLint runs is
// answered by it. The build and the type check still use TypeScript 7 (docs/frontend.md).
//
// This hook depends on the exact versions package.json pins (no ^): typescript 7.0.2, typescript-eslint-ts
// (npm:typescript@5.9.3) and @typescript-eslint/parser 8.74.0; a newer parser may load TypeScript another
// way. Remove it once typescript-eslint supports TypeScript 7 (its release notes say so, or its
// `@typescript/native` backend accepts a released 7.x): then delete this hook and import the parser
// directly, drop `typescript-eslint-ts` and the `overrides` entry from package.json, run `npm install`,
// and check that `npm run lint` still reports a broken hooks rule (docs/dependencies.md).
import Module from "node:module";

import reactHooks from "eslint-plugin-react-hooks";

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === "typescript" ? "typescript-eslint-ts" : request, ...rest);
};
const { default: typescriptParser } = await import("@typescript-eslint/parser");

export default [
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { parser: typescriptParser },
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: "error" },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
];
