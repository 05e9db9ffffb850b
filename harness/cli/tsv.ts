/**
 * `tcpdrill run --tsv FILE`: the runs as a verdict table in the columns of the upstream corpus's
 * verdicts.tsv, so a run can be compared with packetdrill's (lib/corpus/verdicts.ts).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { formatVerdicts, tableMode, type VerdictRow } from "../../lib/corpus/verdicts";
import type { Trace } from "../../lib/trace/types";
import type { JobResult } from "../runner/run-job";

/** packetdrill's first error line: `<file name>:<line>: <message>`. */
export function firstErrorLine(t: Trace): string {
  if (t.verdict === "pass" || t.failure === undefined) return "";
  const line = t.failure.span?.start.line;
  return `${path.basename(t.script)}${line !== undefined ? `:${line}` : ""}: ${scriptErrorClass(t)}${t.failure.message}`;
}

const NOT_FROM_THE_SCRIPT = new Set(["E-io", "E-environment", "E-no-shell", "E-timeout", "E-internal"]);

/** packetdrill prefixes errors found before the run starts with their class; the table keys on it. */
function scriptErrorClass(t: Trace): string {
  const code = t.failure?.code;
  if (t.verdict !== "error" || code === undefined || NOT_FROM_THE_SCRIPT.has(code) || t.entries.length > 0) return "";
  return code === "E-syntax" || code === "E-unterminated" ? "syntax error: " : "semantic error: ";
}

export function verdictRow(t: Trace, ccForced: boolean, root = process.cwd()): VerdictRow {
  const verdict = t.verdict === "pass" ? "pass" : "fail";
  return {
    script: path.relative(root, path.resolve(t.script)),
    mode: tableMode(t.mode),
    verdict,
    // Without --cc the run used the host's default congestion control: that column's condition.
    verdictHostDefaultCc: ccForced ? "" : verdict,
    wallS: t.wallMs / 1000,
    reason: firstErrorLine(t),
  };
}

export function writeTsv(file: string, results: readonly JobResult[], ccForced: boolean): void {
  writeFileSync(file, formatVerdicts(results.map((r) => verdictRow(r.trace, ccForced))));
}
