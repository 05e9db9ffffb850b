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
  return `${path.basename(t.script)}${line !== undefined ? `:${line}` : ""}: ${t.failure.message}`;
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
