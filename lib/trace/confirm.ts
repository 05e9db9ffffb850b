/**
 * Confirming a kernel run's outcome by running it again.
 *
 * Much of Linux TCP runs off the jiffy tick (HZ=250 here: 4 ms), and a timer does not always
 * fire on the tick it is due: at a tick boundary each busy CPU runs its own tick, and only one of
 * them advances `jiffies`; when another CPU's tick runs first it still sees the old value, and a
 * timer due then waits for that CPU's next tick (kernel/time/tick-sched.c: tick_sched_do_timer;
 * kernel/time/timer.c: run_local_timers). So the delayed ACK of
 * fastopen/server/opt34/fin-close-socket.pkt, due on the next tick after the FIN, came a tick late
 * in about 1 run in 10 (ftrace: the arming CPU's tick ran 23 µs before the timekeeper's), and
 * such a script fails where packetdrill, alone on an idle machine, passed. Where a verdict hangs
 * on which side of a tick an event fell, the runner's own lateness (tens to hundreds of µs) moves
 * it too.
 *
 * No setting of a shared machine removes that, so tcpdrill measures it: a run whose outcome could
 * be such luck (it failed, or one of its timed packets came within CLOSE_MARGIN_US of its window's
 * edge) is run again, up to a number of repeats, until one outcome has a majority; that outcome
 * is the verdict, and the report says how the repeats went.
 */
import type { Repeats, Trace } from "./types";

export interface ConfirmPolicy {
  /** Repeats allowed after the first run (0: never repeat). */
  readonly repeats: number;
  /** Runs that took longer (wall ms) are not repeated: a long script's failure costs that much again. */
  readonly maxWallMs: number;
  /** A passing run whose tightest timing check had less room than this (µs) is repeated. */
  readonly closeMarginUs: number;
}

/**
 * The runner's own drift moves where a script's events fall between ticks by up to ~1.5 ms
 * (session 9: shutdown-rdwr-send-queue-ack-close's ACK landed 1.3–3.1 ms into its jiffy over 90
 * runs). A timer-driven packet that passes only when that drift is large passes near the edge:
 * shutdown-rdwr-send-queue-ack-close's TLP, which packetdrill and most runs see a tick too late,
 * passed 30 µs, 404 µs and more than 500 µs inside its window (it cannot pass by more than the
 * ~1 ms its ACK may lie from the next tick). Of the corpus's other passes only a few come that
 * close (sack-shift-sacked-7-3-4-8-9-fack 0.8–1.1 ms, fin-close-socket ~1.1 ms); the rest have 2 ms
 * and more.
 */
export const CLOSE_MARGIN_US = 1000;

export const defaultConfirmPolicy: ConfirmPolicy = { repeats: 2, maxWallMs: 5_000, closeMarginUs: CLOSE_MARGIN_US };

/** Whether `t`'s outcome should be confirmed by running the script again. */
export function needsConfirmation(t: Trace, policy: ConfirmPolicy): boolean {
  if (policy.repeats <= 0 || t.target !== "kernel" || t.wallMs > policy.maxWallMs) return false;
  switch (t.verdict) {
    case "fail":
      return true;
    case "pass":
      return t.timingMarginUs !== undefined && t.timingMarginUs < policy.closeMarginUs;
    case "error":
      // Found before the run (a parse error) or about the environment: running again changes nothing.
      return false;
  }
}

/** A run's outcome as repeats are compared: the verdict, and for a failure its line and code. */
export function outcomeKey(t: Trace): string {
  if (t.verdict === "pass") return "pass";
  return `${t.verdict}:${t.failure?.span?.start.line ?? "-"}:${t.failure?.code ?? "-"}`;
}

/** An outcome for people: "pass", or "fail at line 18 (E-timing)". */
export function outcomeText(t: Trace): string {
  if (t.verdict === "pass") return "pass";
  const line = t.failure?.span?.start.line;
  return `${t.verdict}${line !== undefined ? ` at line ${line}` : ""}${t.failure?.code !== undefined ? ` (${t.failure.code})` : ""}`;
}

/** Runs needed before `total` runs can have a majority (more than half). */
function majorityOf(total: number): number {
  return Math.floor(total / 2) + 1;
}

/**
 * Whether the runs so far settle the outcome: one outcome has a majority of the `1 + repeats`
 * runs allowed, or no run is left.
 */
export function settled(runs: readonly Trace[], repeats: number): boolean {
  const total = 1 + repeats;
  if (runs.length >= total) return true;
  return Math.max(...countOutcomes(runs).values()) >= majorityOf(total);
}

/** How many runs had each outcome (outcomeKey). */
function countOutcomes(runs: readonly Trace[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(outcomeKey(r), (counts.get(outcomeKey(r)) ?? 0) + 1);
  return counts;
}

/**
 * The run that stands for all of them: the first run of the most frequent outcome (the earliest
 * such outcome on a tie), with `repeats` saying how the others went. One run stands for itself.
 */
export function representative(runs: readonly Trace[]): Trace {
  if (runs.length === 0) throw new RangeError("representative: no runs");
  if (runs.length === 1) return runs[0]!;
  const counts = countOutcomes(runs);
  let best = runs[0]!;
  for (const r of runs) if (counts.get(outcomeKey(r))! > counts.get(outcomeKey(best))!) best = r;
  const key = outcomeKey(best);
  const others = runs.filter((r) => outcomeKey(r) !== key).map(outcomeText);
  return { ...best, repeats: { runs: runs.length, agreeing: counts.get(key)!, others } };
}

/** "2 of 3 runs (other: fail at line 18 (E-timing))", or "2 of 2 runs" when they all agreed. */
export function describeRepeats(r: Repeats): string {
  const others = r.others.length > 0 ? ` (other${r.others.length > 1 ? "s" : ""}: ${r.others.join("; ")})` : "";
  return `${r.agreeing} of ${r.runs} runs${others}`;
}

/** Of `traces`, those confirmed by running again, and those of them whose runs did not all agree. */
export function confirmationOf(traces: readonly Trace[]): { readonly repeated: readonly Trace[]; readonly split: readonly Trace[] } {
  const repeated = traces.filter((t) => t.repeats !== undefined);
  return { repeated, split: repeated.filter((t) => t.repeats!.others.length > 0) };
}
