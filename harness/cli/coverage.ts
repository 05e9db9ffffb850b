/**
 * `tcpdrill coverage [dir]`: which RFC 9293 requirements the scripts under dir (default
 * specs/tcp) declare they check (`// rfc9293: MUST-10 SHLD-5` in their header), and whether those
 * scripts passed on the last recorded run, against the kernel and the model. Ends with the
 * summary line `rfc9293: <covered>/<total> MUST covered` (observable MUSTs only).
 *
 * Exit status: 0 report printed, 1 a header names an id RFC 9293 does not have (reported with
 * file:line:col), 2 usage error.
 */
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { coverageJson, buildCoverage, formatCoverage } from "../../lib/coverage/report";
import type { RequirementLevel } from "../../lib/coverage/rfc9293";
import { renderDiagnostic } from "../../lib/diagnostics/render";
import type { RunRecord } from "../../lib/baseline/record";
import { readRecords } from "../baseline/io";
import { resultsFile } from "../coverage/results";
import { scanRequirementHeaders } from "../coverage/scan";
import type { CliIo } from "./io";

const USAGE = `usage: tcpdrill coverage [options] [dir]

List RFC 9293's numbered requirements with the scripts under dir (default specs/tcp) that
declare them in a '// rfc9293: MUST-10 SHLD-5' header line, and how those scripts fared on
their last run (kernel and model, as recorded by tcpdrill run and npm test).

options:
  --results FILE   the last-run records to read (default .tcpdrill/last-run.json, or
                   \$TCPDRILL_RESULTS)
  --level LEVELS   list only these levels, comma-separated: MUST,SHLD,MAY,REC (the summary
                   still counts everything)
  --gaps           list only observable requirements no script covers
  --json           the whole report as one JSON object
  -h, --help       show this help
`;

const LEVELS: readonly RequirementLevel[] = ["MUST", "SHLD", "MAY", "REC"];

export async function coverageCommand(argv: string[], io: CliIo, cwd: string = process.cwd()): Promise<number> {
  let values: { results?: string | undefined; level?: string | undefined; gaps?: boolean | undefined; json?: boolean | undefined; help?: boolean | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { results: { type: "string" }, level: { type: "string" }, gaps: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }));
    if (positionals.length > 1) throw new Error("give at most one directory");
  } catch (e) {
    io.stderr.write(`tcpdrill coverage: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(USAGE);
    return 0;
  }
  const levels = values.level?.split(",").map((l) => l.trim().toUpperCase());
  const badLevel = levels?.find((l) => !LEVELS.includes(l as RequirementLevel));
  if (badLevel !== undefined) {
    io.stderr.write(`tcpdrill coverage: unknown level '${badLevel}' (MUST, SHLD, MAY or REC)\n`);
    return 2;
  }
  const dir = positionals[0] ?? "specs/tcp";
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    io.stderr.write(`tcpdrill coverage: no directory ${dir}\n`);
    return 2;
  }
  const scanned = scanRequirementHeaders(dir, cwd);
  for (const p of scanned.problems) io.stderr.write(renderDiagnostic(p.diagnostic, p.source) + "\n");
  const file = resultsFile(values.results, io.env, cwd);
  let records: RunRecord[] = [];
  if (file !== undefined) {
    if (!existsSync(file)) io.stderr.write(`tcpdrill coverage: no results recorded yet in ${file} (npm test or tcpdrill run record them); every script shows "not run"\n`);
    try {
      records = readRecords(file);
    } catch (e) {
      io.stderr.write(`tcpdrill coverage: ${(e as Error).message}; pass/fail not shown\n`);
    }
  }
  const report = buildCoverage(scanned.specs, records);
  if (values.json === true) {
    io.stdout.write(JSON.stringify({ dir, results: file ?? null, ...(coverageJson(report) as object), errors: scanned.problems.map((p) => p.diagnostic) }) + "\n");
  } else {
    io.stdout.write(formatCoverage(report, { ...(levels !== undefined ? { levels: levels as RequirementLevel[] } : {}), gapsOnly: values.gaps === true }));
  }
  return scanned.problems.some((p) => p.diagnostic.severity === "error") ? 1 : 0;
}
