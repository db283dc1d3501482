// The hooks' rules, as errors: an effect that reads a value it does not list runs on stale state.
//
// TypeScript 7 (the Go compiler, `typescript` here) ships no JavaScript API, and typescript-eslint's
// parser needs one (it accepts TypeScript below 6.1). The parser alone gets TypeScript 5.9, installed
// under the alias `typescript-eslint-ts`: every `require("typescript")` made while ESLint runs is
// answered by it. The build and the type check still use TypeScript 7 (docs/frontend.md).
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
