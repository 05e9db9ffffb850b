/**
 * One run's outcome as it is kept between runs: the last-run results file that `tcpdrill
 * coverage` reads, and the baselines `tcpdrill run --baseline` compares against, share this shape.
 * A record is keyed by script × mode × target; it keeps the verdict and the first error (code,
 * script line, message). Plain data, stable order, so a baseline file diffs well under git.
 */
import type { IpMode, TargetKind, Trace, Verdict } from "../trace/types";

export interface RunRecord {
  /** Script path relative to the directory the run was started from, with `/` separators. */
  readonly script: string;
  readonly mode: IpMode;
  readonly target: TargetKind;
  readonly verdict: Verdict;
  /** The first error's diagnostic code (absent when the run passed). */
  readonly code?: string;
  /** The script line of the first error, when it has one. */
  readonly line?: number;
  /** The first error's message, shown to people (may carry measured times; not compared). */
  readonly reason?: string;
}

export interface RecordFile {
  readonly format: "tcpdrill-runs";
  readonly version: 1;
  readonly records: readonly RunRecord[];
}

export function recordKey(r: Pick<RunRecord, "script" | "mode" | "target">): string {
  return `${r.script}\t${r.mode}\t${r.target}`;
}

export function recordFromTrace(trace: Trace, script: string): RunRecord {
  const f = trace.failure;
  return {
    script,
    mode: trace.mode,
    target: trace.target,
    verdict: trace.verdict,
    ...(trace.verdict !== "pass" && f !== undefined ? { code: f.code, reason: f.message } : {}),
    ...(trace.verdict !== "pass" && f?.span !== undefined ? { line: f.span.start.line } : {}),
  };
}

function compareRecords(a: RunRecord, b: RunRecord): number {
  const ka = recordKey(a);
  const kb = recordKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** `fresh` replaces the records of the runs it has; the rest of `old` is kept. Sorted by key. */
export function mergeRecords(old: readonly RunRecord[], fresh: readonly RunRecord[]): RunRecord[] {
  const byKey = new Map(old.map((r) => [recordKey(r), r]));
  for (const r of fresh) byKey.set(recordKey(r), r);
  return [...byKey.values()].sort(compareRecords);
}

export function recordFile(records: readonly RunRecord[]): RecordFile {
  return { format: "tcpdrill-runs", version: 1, records: [...records].sort(compareRecords) };
}

const MODES: readonly string[] = ["ipv4", "ipv4-mapped-ipv6", "ipv6"];
const TARGETS: readonly string[] = ["kernel", "model"];
const VERDICTS: readonly string[] = ["pass", "fail", "error"];

/** Parses a record file's JSON text; an error message (no file name: the caller adds it) otherwise. */
export function parseRecordFile(text: string): RunRecord[] | { readonly error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  const d = data as Partial<RecordFile> | null;
  if (d === null || typeof d !== "object" || d.format !== "tcpdrill-runs" || d.version !== 1 || !Array.isArray(d.records)) {
    return { error: "not a tcpdrill run record file (expected format \"tcpdrill-runs\", version 1)" };
  }
  const out: RunRecord[] = [];
  for (const [i, r] of (d.records as unknown[]).entries()) {
    const x = r as Partial<RunRecord> | null;
    if (
      x === null ||
      typeof x !== "object" ||
      typeof x.script !== "string" ||
      !MODES.includes(x.mode as string) ||
      !TARGETS.includes(x.target as string) ||
      !VERDICTS.includes(x.verdict as string) ||
      (x.code !== undefined && typeof x.code !== "string") ||
      (x.line !== undefined && typeof x.line !== "number") ||
      (x.reason !== undefined && typeof x.reason !== "string")
    ) {
      return { error: `record ${i} is malformed` };
    }
    out.push(x as RunRecord);
  }
  return out;
}
