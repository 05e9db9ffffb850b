/**
 * The model target's speed: every .pkt under specs/tcp (or the directories/files given), in every
 * mode its name allows, against the reference model. Virtual time: a script's scripted seconds
 * cost nothing, so the figure is parse + model + runner work only.
 * Last line: `model: <ms> ms for <n> scripts` (target < 2 s). Fails (exit 1) if a run fails.
 *
 *   npx tsx bench/model.ts [dir-or-script...]
 */
import { statSync } from "node:fs";
import * as path from "node:path";
import { findScripts } from "../harness/mocha/register";
import { modesForScript } from "../harness/runner/config";
import { modelTargetFactory, runJob } from "../harness/runner/run-job";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const roots = args.length > 0 ? args : [path.join(__dirname, "../specs/tcp")];
  const files = roots.flatMap((r) => (statSync(r).isDirectory() ? findScripts(r) : [r]));
  const factory = modelTargetFactory();
  let runs = 0;
  let scripted = 0;
  const failures: string[] = [];
  const t0 = performance.now();
  for (const file of files) {
    for (const mode of modesForScript(file)) {
      const r = await runJob(file, mode, { target: "model" }, factory);
      runs++;
      scripted += r.trace.scriptedUsecs;
      if (r.trace.verdict !== "pass") failures.push(`${file} (${mode}): ${r.trace.failure?.message ?? r.trace.verdict}`);
    }
  }
  const ms = performance.now() - t0;
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(`runs: ${runs} (${files.length} scripts × their modes), ${(scripted / 1e6).toFixed(1)} s of scripted time`);
  console.log(`model: ${ms.toFixed(0)} ms for ${files.length} scripts`);
  if (failures.length > 0) process.exitCode = 1;
}

void main();
