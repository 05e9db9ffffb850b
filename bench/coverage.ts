/**
 * RFC 9293 coverage of the conformance suite: plays every script under specs/tcp (or the given
 * directory) against the reference model in each mode its name allows, records the results in
 * the last-run file (so kernel results from an earlier `npm test` or `tcpdrill run` are kept
 * beside them), and prints the coverage summary. Last line: `rfc9293: <covered>/<total> MUST
 * covered` (observable MUSTs). Exit 1 if a header names an unknown requirement.
 *
 *   npx tsx bench/coverage.ts [dir]
 */
import * as path from "node:path";
import type { RunRecord } from "../lib/baseline/record";
import { buildCoverage, formatCoverage } from "../lib/coverage/report";
import { renderDiagnostic } from "../lib/diagnostics/render";
import { mergeIntoFile, readRecords, recordOf } from "../harness/baseline/io";
import { resultsFile } from "../harness/coverage/results";
import { scanRequirementHeaders } from "../harness/coverage/scan";
import { expandScripts } from "../harness/cli/run-options";
import { modesForScript } from "../harness/runner/config";
import { modelTargetFactory, runJob } from "../harness/runner/run-job";

async function main(): Promise<void> {
  const cwd = process.cwd();
  const dir = process.argv[2] ?? path.relative(cwd, path.join(__dirname, "../specs/tcp"));
  const scanned = scanRequirementHeaders(dir, cwd);
  for (const p of scanned.problems) console.error(renderDiagnostic(p.diagnostic, p.source));
  const factory = modelTargetFactory();
  const fresh: RunRecord[] = [];
  const t0 = performance.now();
  for (const file of expandScripts([dir])) {
    for (const mode of modesForScript(file)) {
      const r = recordOf((await runJob(file, mode, { target: "model" }, factory)).trace, cwd);
      if (r !== undefined) fresh.push(r);
    }
  }
  const ms = performance.now() - t0;
  const file = resultsFile(undefined, process.env, cwd);
  let records: readonly RunRecord[] = fresh;
  if (file !== undefined) {
    mergeIntoFile(file, fresh);
    records = readRecords(file);
  }
  const report = buildCoverage(scanned.specs, records);
  const text = formatCoverage(report, { levels: [] });
  console.log(`model runs: ${fresh.length} in ${ms.toFixed(0)} ms, ${fresh.filter((r) => r.verdict !== "pass").length} failing${file !== undefined ? `; recorded in ${path.relative(cwd, file)}` : ""}`);
  process.stdout.write(text.replace(/^\n/, ""));
  if (scanned.problems.some((p) => p.diagnostic.severity === "error")) process.exitCode = 1;
}

void main();
