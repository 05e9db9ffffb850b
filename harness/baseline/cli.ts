/**
 * The record-keeping half of `tcpdrill run`: `--results` (the last-run file `tcpdrill coverage`
 * reads), `--baseline FILE` (report only what changed against a recorded run; exit status from
 * new failures and changed reasons only) and `--update-baseline` (record this run into FILE).
 * run.ts spreads RECORD_OPTIONS into its options and hands its results to finishRecords.
 */
import { existsSync } from "node:fs";
import { styleText } from "node:util";
import { compareRuns, describeFailure, type Change, type Comparison } from "../../lib/baseline/compare";
import { mergeRecords, recordKey, type RunRecord } from "../../lib/baseline/record";
import { renderDiagnostic } from "../../lib/diagnostics/render";
import { assertNever } from "../../lib/util/assert-never";
import type { JobResult } from "../runner/run-job";
import { resultsFile } from "../coverage/results";
import type { CliIo } from "../cli/io";
import { mergeIntoFile, readRecords, recordOf, writeRecords } from "./io";

export const RECORD_OPTIONS = {
  results: { type: "string" },
  baseline: { type: "string" },
  "update-baseline": { type: "boolean" },
} as const;

export const RECORD_USAGE = `  --results FILE           record each run's verdict here for tcpdrill coverage
                           (default .tcpdrill/last-run.json; "off" records nothing)
  --baseline FILE          compare with a recorded run: report only new failures, new passes
                           and changed reasons; exit status 1 only for new failures/changed reasons
  --update-baseline        record this run into the --baseline FILE (exit status 0 once written)
`;

export interface RecordValues {
  readonly results?: string | undefined;
  readonly baseline?: string | undefined;
  readonly "update-baseline"?: boolean | undefined;
  readonly json?: boolean | undefined;
}

/** Usage errors in the record options, checked before any script runs. */
export function checkRecordOptions(values: RecordValues): string | undefined {
  if (values["update-baseline"] === true && values.baseline === undefined) return "--update-baseline needs --baseline FILE";
  if (values.baseline !== undefined && values["update-baseline"] !== true) {
    if (!existsSync(values.baseline)) return `no baseline ${values.baseline}; record one with --baseline ${values.baseline} --update-baseline`;
    try {
      readRecords(values.baseline);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}

/** Whether run.ts should print each run as it finishes (a baseline run reports changes only). */
export function reportsEachRun(values: RecordValues): boolean {
  return values.baseline === undefined || values.json === true;
}

/** One change as a line; `detailed`: the rendered diagnostic follows, so a new failure's message is left to it. */
function line(c: Change, colour: boolean, detailed: boolean): string {
  const r = c.current;
  const what = `${r.script} (${r.mode}) ${r.target}`;
  const paint = (s: string, col: "red" | "green" | "yellow") => (colour ? styleText(col, s) : s);
  switch (c.kind) {
    case "new-failure":
      return `${paint("NEW FAILURE", "red")} ${what}${detailed ? "" : `: ${describeFailure(r)}`}${c.baseline === undefined ? " (not in the baseline)" : ""}`;
    case "changed-reason":
      return `${paint("CHANGED    ", "yellow")} ${what}: ${describeFailure(r)}\n    baseline: ${describeFailure(c.baseline!)}`;
    case "new-pass":
      return `${paint("NEW PASS   ", "green")} ${what} (baseline: ${describeFailure(c.baseline!)})`;
    case "known-failure":
    case "pass":
      return "";
    default:
      return assertNever(c.kind);
  }
}

export function formatComparison(cmp: Comparison, baselineFile: string, jobs: ReadonlyMap<string, JobResult>, colour: boolean): string {
  const out: string[] = [];
  for (const c of [...cmp.newFailures, ...cmp.changedReasons, ...cmp.newPasses]) {
    const job = jobs.get(recordKey(c.current));
    const diagnostic = c.kind !== "new-pass" ? job?.trace.failure : undefined;
    out.push(line(c, colour, diagnostic !== undefined));
    if (diagnostic !== undefined) out.push(renderDiagnostic(diagnostic, job?.source).replace(/^/gm, "    "));
  }
  out.push(
    `baseline ${baselineFile}: ${cmp.newFailures.length} new failure(s), ${cmp.changedReasons.length} changed reason(s), ${cmp.newPasses.length} new pass(es); ${cmp.knownFailures.length} known failure(s) unchanged`,
  );
  return out.join("\n") + "\n";
}

/**
 * After all runs: record results, compare with / update the baseline. Returns the exit status:
 * `status` (run.ts's own) without a baseline; with one, 1 for new failures or changed reasons, 0
 * otherwise (2 stays 2: the environment could not run anything).
 */
export function finishRecords(values: RecordValues, results: readonly JobResult[], io: CliIo, status: number, cwd = process.cwd()): number {
  const jobs = new Map<string, JobResult>();
  const records: RunRecord[] = [];
  for (const job of results) {
    const r = recordOf(job.trace, cwd);
    if (r === undefined) continue;
    records.push(r);
    jobs.set(recordKey(r), job);
  }
  const file = resultsFile(values.results, io.env, cwd);
  if (file !== undefined && records.length > 0) {
    try {
      mergeIntoFile(file, records);
    } catch (e) {
      io.stderr.write(`tcpdrill run: cannot record results in ${file}: ${(e as Error).message}\n`);
    }
  }
  if (values.baseline === undefined) return status;
  const colour = io.stdout.isTTY === true && io.env?.["NO_COLOR"] === undefined;
  let baseline: RunRecord[];
  try {
    baseline = readRecords(values.baseline);
  } catch (e) {
    io.stderr.write(`tcpdrill run: ${(e as Error).message}\n`);
    return 2;
  }
  const cmp = compareRuns(baseline, records);
  if (values.json === true) {
    const brief = (c: Change) => ({ ...c.current, ...(c.baseline !== undefined ? { baseline: c.baseline } : {}) });
    io.stdout.write(
      JSON.stringify({ baseline: values.baseline, newFailures: cmp.newFailures.map(brief), changedReasons: cmp.changedReasons.map(brief), newPasses: cmp.newPasses.map(brief), knownFailures: cmp.knownFailures.length }) + "\n",
    );
  } else {
    io.stdout.write(formatComparison(cmp, values.baseline, jobs, colour));
  }
  if (values["update-baseline"] === true) {
    try {
      writeRecords(values.baseline, mergeRecords(baseline, records));
    } catch (e) {
      io.stderr.write(`tcpdrill run: cannot write the baseline ${values.baseline}: ${(e as Error).message}\n`);
      return 2;
    }
    if (values.json !== true) io.stdout.write(`baseline ${values.baseline} updated with ${records.length} run(s)\n`);
    return status === 2 ? 2 : 0;
  }
  if (status === 2) return 2;
  return cmp.regressed ? 1 : 0;
}
