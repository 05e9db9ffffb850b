#!/usr/bin/env node
"use strict";
// Runs one TypeScript file of this checkout in this process, through tsx, under Node or Deno:
//   node bin/run-ts.js file.ts [args...]        deno run -A bin/run-ts.js file.ts [args...]
// (`node -r tsx/cjs file.ts` has no Deno equivalent: Deno would load file.ts as an ES module.)
// The file sees process.argv as [runtime, file.ts, args...].
const path = require("node:path");
const file = process.argv[2];
if (file === undefined) {
  process.stderr.write("usage: run-ts.js file.ts [args...]\n");
  process.exit(2);
}
require("tsx/cjs");
if (typeof Deno !== "undefined") require(path.join(__dirname, "..", "harness", "runtime", "deno-stack-traces.ts"));
process.argv.splice(1, 1);
require(path.resolve(file));
