/**
 * How late the runner itself was: for every action it performs (an injection, a call's start),
 * the actual instant minus the one the script meant (`due`). packetdrill's own lateness is tens
 * of microseconds; whatever tcpdrill adds shifts the kernel's view of every later event, and
 * with it which jiffy a timer or a tcp_info counter lands in.
 */
import type { Trace } from "./types";

export interface Lateness {
  /** Actions with a scripted instant. */
  readonly actions: number;
  /** Percentiles and maximum, µs (0 when there are no actions). */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Each action's lateness in µs, in trace order (early actions count as 0). */
export function actionLateness(trace: Trace): number[] {
  const out: number[] = [];
  for (const e of trace.entries) {
    if (e.kind === "inject" && e.due !== undefined) out.push(Math.max(0, e.time - e.due));
    else if (e.kind === "syscall" && e.due !== undefined) out.push(Math.max(0, e.start - e.due));
  }
  return out;
}

/** Nearest-rank percentile (`p` in %) of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarizeLateness(traces: readonly Trace[]): Lateness {
  const all = traces.flatMap(actionLateness).sort((a, b) => a - b);
  return { actions: all.length, p50: percentile(all, 50), p90: percentile(all, 90), p99: percentile(all, 99), max: all.length === 0 ? 0 : all[all.length - 1]! };
}
