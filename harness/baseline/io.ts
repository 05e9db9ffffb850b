/**
 * Reading and writing run record files (the last-run results and baselines share the format of
 * lib/baseline/record.ts). Writes go to a temporary file renamed into place, so a reader never
 * sees half a file and an interrupted run leaves the previous one intact.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { mergeRecords, parseRecordFile, recordFile, recordFromTrace, type RunRecord } from "../../lib/baseline/record";
import type { Trace } from "../../lib/trace/types";

/** The records in `file`; [] when it does not exist. Throws an Error naming the file otherwise. */
export function readRecords(file: string): RunRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const parsed = parseRecordFile(text);
  if ("error" in parsed) throw new Error(`${file}: ${parsed.error}`);
  return parsed;
}

export function writeRecords(file: string, records: readonly RunRecord[]): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(recordFile(records), null, 1) + "\n");
  renameSync(tmp, file);
}

/** Adds `fresh` to the records already in `file` (same script × mode × target: replaced). */
export function mergeIntoFile(file: string, fresh: readonly RunRecord[]): void {
  let old: RunRecord[] = [];
  try {
    old = readRecords(file);
  } catch {
    // An unreadable or foreign file is replaced rather than blocking every later run.
  }
  writeRecords(file, mergeRecords(old, fresh));
}

/** How records name a script: relative to `cwd`, with `/` separators on every platform. */
export function scriptKey(file: string, cwd: string): string {
  return path.relative(cwd, path.resolve(cwd, file)).split(path.sep).join("/");
}

/**
 * The record of a run, or undefined for runs that say nothing about the script (the target
 * could not be created here: no root, no /dev/net/tun). Recording those would overwrite a real
 * result with the machine's limits.
 */
export function recordOf(trace: Trace, cwd: string): RunRecord | undefined {
  if (trace.verdict === "error" && trace.failure?.code === "E-environment") return undefined;
  return recordFromTrace(trace, scriptKey(trace.script, cwd));
}
