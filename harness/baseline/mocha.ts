/**
 * The mocha integration's record keeping (used by harness/mocha/register.ts): every script ×
 * mode × target it plays is recorded into the last-run file, and with a baseline
 * (TCPDRILL_BASELINE=<file>, recorded with `tcpdrill run --baseline <file> --update-baseline`)
 * each test is judged against it:
 * - a known failure (same verdict, code and line as recorded) is pending, with the recorded reason;
 * - a known failure that now passes passes, and says "new pass" in the output;
 * - a known failure that fails differently fails ("changed reason", both reasons shown);
 * - anything else passes or fails as without a baseline.
 */
import { classify, describeFailure } from "../../lib/baseline/compare";
import { recordKey, type RunRecord } from "../../lib/baseline/record";
import type { Trace } from "../../lib/trace/types";
import { assertNever } from "../../lib/util/assert-never";
import { resultsFile } from "../coverage/results";
import { mergeIntoFile, readRecords, recordOf } from "./io";

export interface RunBookOptions {
  /** Baseline file; default $TCPDRILL_BASELINE; none when both are absent. */
  readonly baseline?: string;
  /** Results file; default $TCPDRILL_RESULTS, else <root>/.tcpdrill/last-run.json; "off": none. */
  readonly results?: string;
}

export class RunBook {
  private readonly fresh: RunRecord[] = [];
  private readonly baseline: ReadonlyMap<string, RunRecord> | undefined;
  readonly baselineFile: string | undefined;
  private readonly resultsPath: string | undefined;

  constructor(
    private readonly root: string,
    options: RunBookOptions = {},
    env: Record<string, string | undefined> = process.env,
  ) {
    this.baselineFile = options.baseline ?? (env["TCPDRILL_BASELINE"] || undefined);
    // A missing or broken baseline is a setup error: say so loudly rather than judge without it.
    this.baseline = this.baselineFile !== undefined ? new Map(readRecords(this.baselineFile).map((r) => [recordKey(r), r])) : undefined;
    if (this.baselineFile !== undefined && this.baseline?.size === 0) throw new Error(`TCPDRILL_BASELINE: ${this.baselineFile} holds no runs (missing or empty)`);
    this.resultsPath = resultsFile(options.results, env, root);
  }

  /**
   * Records a finished run and returns what the test should do: "pass", "fail" (throw `report`),
   * or "pending" (known failure); `note` is a line to print (new pass, known failure's reason).
   */
  settle(trace: Trace): { readonly action: "pass" | "fail" | "pending"; readonly note?: string } {
    const record = recordOf(trace, this.root);
    if (record !== undefined) this.fresh.push(record);
    const failed = trace.verdict !== "pass";
    if (this.baseline === undefined || record === undefined) return { action: failed ? "fail" : "pass" };
    const before = this.baseline.get(recordKey(record));
    const kind = classify(record, before);
    switch (kind) {
      case "known-failure":
        return { action: "pending", note: `known failure (baseline ${this.baselineFile}): ${describeFailure(before!)}` };
      case "new-pass":
        return { action: "pass", note: `new pass: the baseline has ${describeFailure(before!)}; record it with tcpdrill run --baseline ${this.baselineFile} --update-baseline` };
      case "changed-reason":
        return { action: "fail", note: `changed reason: the baseline has ${describeFailure(before!)}` };
      case "new-failure":
        return { action: "fail" };
      case "pass":
        return { action: "pass" };
      default:
        return assertNever(kind);
    }
  }

  /** Writes this session's records into the results file (merged with earlier ones). */
  flush(): void {
    if (this.resultsPath === undefined || this.fresh.length === 0) return;
    try {
      mergeIntoFile(this.resultsPath, this.fresh);
    } catch (e) {
      console.log(`      (could not record results in ${this.resultsPath}: ${(e as Error).message})`);
    }
  }
}
