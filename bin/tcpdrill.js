#!/usr/bin/env node
"use strict";
// Runs the compiled CLI when `npm run build` has produced dist/; otherwise (a git checkout) loads the
// TypeScript sources through tsx, which is a devDependency there.
const path = require("node:path");
const fs = require("node:fs");
const compiled = path.join(__dirname, "..", "dist", "harness", "cli", "main.js");
if (fs.existsSync(compiled)) {
  require(compiled).main(process.argv.slice(2));
} else {
  require("tsx/cjs");
  // Under Deno, tsx's source maps need help to reach stack traces (see that file).
  if (typeof Deno !== "undefined") require(path.join(__dirname, "..", "harness", "runtime", "deno-stack-traces.ts"));
  require(path.join(__dirname, "..", "harness", "cli", "main.ts")).main(process.argv.slice(2));
}
