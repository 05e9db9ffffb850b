/**
 * Runs many scripts at once without hurting their timing. A kernel run spends almost all its time
 * waiting for scripted instants; what competes for the CPU is setting up and tearing down a
 * sandbox (namespace, tun0, capture socket, thread), the same moments that made packetdrill fail
 * 75 % of its runs when everything started at once. So:
 *   - at most one sandbox is being created or closed at any moment (`gate`);
 *   - the longest scripts start first (longest-processing-time order), so the run ends soon after
 *     the longest script does instead of with one long script running alone at the end.
 */
import { availableParallelism } from "node:os";
import type { TargetFactory } from "./run-job";

/** A simple FIFO mutex. */
export class Gate {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** `factory` whose targets are created and closed one at a time (through `gate`). */
export function gatedFactory(factory: TargetFactory, gate: Gate): TargetFactory {
  return async (config, cwd) => {
    const target = await gate.run(() => factory(config, cwd));
    const close = target.close.bind(target);
    let closing: Promise<void> | undefined;
    (target as { close: () => Promise<void> }).close = () => (closing ??= gate.run(close));
    return target;
  };
}

/**
 * Default parallelism. Kernel runs: one per core. They mostly wait, but all of them share this
 * process's one JavaScript thread, whose stalls (spawning a command's process, GC) land in other
 * runs' timing windows; measured on the corpus (2 cores, bench/corpus.ts, quiet machine): -j 2
 * 158 s 322/325 agree, -j 3 110 s 319, -j 4 87 s 311. Model runs: one at a time — they are pure
 * computation on that same thread, so running several at once gains nothing (and keeps output
 * in order).
 */
export function defaultJobs(target: "kernel" | "model"): number {
  return target === "model" ? 1 : Math.max(1, availableParallelism());
}

/**
 * A script's scripted duration in seconds, estimated from its event times without parsing:
 * absolute times set the clock, `+t` advances it. Good enough to order runs longest first.
 */
export function estimateSeconds(text: string): number {
  let t = 0;
  let longest = 0;
  for (const line of text.split("\n")) {
    const m = /^\s*(\+?)(\d*\.?\d+)(?:\s*~\s*\+?(\d*\.?\d+))?\s/.exec(line);
    if (m === null) continue;
    const v = Number(m[2]);
    const end = m[3] !== undefined ? Number(m[3]) : undefined;
    if (!Number.isFinite(v)) continue;
    if (m[1] === "+") t += end ?? v;
    else t = end ?? v;
    longest = Math.max(longest, t);
  }
  return longest;
}

/** Indices of `weights` in longest-first order (ties keep their order). */
export function longestFirst(weights: readonly number[]): number[] {
  return weights.map((w, i) => [w, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
}
