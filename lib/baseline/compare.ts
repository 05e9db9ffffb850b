/**
 * Compares a run with a recorded baseline, per script × mode × target, and keeps only what
 * changed. Two failures are "the same" when verdict, diagnostic code and script line agree; the
 * message is not compared because it can carry measured times (a kernel's timing jitter must not
 * turn a known failure into a changed one).
 *
 * A changed reason is reported like a new failure: the run still fails, but in a way nobody has
 * accepted yet. Only new failures and changed reasons make the run fail (`regressed`); new passes
 * are good news to record with --update-baseline, and known failures are expected.
 */
import { recordKey, type RunRecord } from "./record";

export type ChangeKind =
  /** Passed in the baseline (or not in it) and fails now. */
  | "new-failure"
  /** Failed in the baseline and passes now. */
  | "new-pass"
  /** Failed in the baseline and fails now at another place or with another code. */
  | "changed-reason"
  /** Failed in the baseline and fails the same way now. */
  | "known-failure"
  /** Passed (or was not in the baseline) and passes now. */
  | "pass";

export interface Change {
  readonly kind: ChangeKind;
  readonly current: RunRecord;
  readonly baseline?: RunRecord;
}

export interface Comparison {
  /** Every current run, in the order given. */
  readonly changes: readonly Change[];
  readonly newFailures: readonly Change[];
  readonly newPasses: readonly Change[];
  readonly changedReasons: readonly Change[];
  readonly knownFailures: readonly Change[];
  /** True when the run should fail a pipeline: a new failure or a changed reason. */
  readonly regressed: boolean;
}

export function sameFailure(a: RunRecord, b: RunRecord): boolean {
  return a.verdict === b.verdict && a.code === b.code && a.line === b.line;
}

export function classify(current: RunRecord, baseline: RunRecord | undefined): ChangeKind {
  const failsNow = current.verdict !== "pass";
  const failedBefore = baseline !== undefined && baseline.verdict !== "pass";
  if (!failsNow) return failedBefore ? "new-pass" : "pass";
  if (!failedBefore) return "new-failure";
  return sameFailure(current, baseline) ? "known-failure" : "changed-reason";
}

export function compareRuns(baseline: readonly RunRecord[], current: readonly RunRecord[]): Comparison {
  const before = new Map(baseline.map((r) => [recordKey(r), r]));
  const changes = current.map((c): Change => {
    const b = before.get(recordKey(c));
    return { kind: classify(c, b), current: c, ...(b !== undefined ? { baseline: b } : {}) };
  });
  const of = (k: ChangeKind) => changes.filter((c) => c.kind === k);
  const newFailures = of("new-failure");
  const changedReasons = of("changed-reason");
  return { changes, newFailures, newPasses: of("new-pass"), changedReasons, knownFailures: of("known-failure"), regressed: newFailures.length + changedReasons.length > 0 };
}

/** `fail at line 12: E-timing: message` — how a recorded outcome reads in reports. */
export function describeFailure(r: RunRecord): string {
  if (r.verdict === "pass") return "pass";
  const where = r.line !== undefined ? ` at line ${r.line}` : "";
  return `${r.verdict}${where}: ${r.code ?? "?"}${r.reason !== undefined ? `: ${r.reason}` : ""}`;
}
