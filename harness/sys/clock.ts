/**
 * The sandbox clock: CLOCK_REALTIME, because that is the clock the kernel stamps packets with
 * (SO_TIMESTAMPNS on the capture socket: `net_timestamp_set` uses ktime_get_real()). Syscall
 * start/end times, capture times and injection times are all read from it, on any thread, so
 * they are directly comparable.
 *
 * Absolute realtime nanoseconds (~1.8e18) do not fit a double exactly, so times are expressed as
 * nanoseconds since an epoch (a bigint realtime instant, normally the sandbox's creation), which
 * stay exact numbers for 104 days.
 */
import { libc } from "./libc";

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
/** CLOCK_REALTIME as of the latest tick (it moves once per jiffy; see tick.ts). */
export const CLOCK_REALTIME_COARSE = 5;

const scratch = new BigInt64Array(2);

/** A clock's time in nanoseconds, as a bigint. */
export function clockNs(clock: number): bigint {
  libc().clock_gettime(clock, scratch);
  return scratch[0]! * 1_000_000_000n + scratch[1]!;
}

/** CLOCK_REALTIME in nanoseconds, as a bigint. */
export function realtimeNs(): bigint {
  return clockNs(CLOCK_REALTIME);
}

/** tv_sec's low and high words and tv_nsec, read as numbers. */
const words = new Uint32Array(scratch.buffer);
let splitEpoch: bigint | undefined;
let epochSec = 0;
let epochNsec = 0;

/**
 * Nanoseconds since `epochNs` (a realtimeNs() value). Runs thousands of times a second while a run
 * waits for an event's time, so it allocates nothing: no BigInt, the difference taken in numbers
 * (exact: seconds and nanoseconds are small integers, and the result stays below 2^53).
 */
export function sinceEpochNs(epochNs: bigint): number {
  if (epochNs !== splitEpoch) {
    splitEpoch = epochNs;
    epochSec = Number(epochNs / 1_000_000_000n);
    epochNsec = Number(epochNs % 1_000_000_000n);
  }
  libc().clock_gettime(CLOCK_REALTIME, scratch);
  return (words[0]! + words[1]! * 0x1_0000_0000 - epochSec) * 1e9 + (words[2]! - epochNsec);
}

/** A kernel timestamp (seconds + nanoseconds, realtime) on the same epoch-relative scale. */
export function timespecSinceEpochNs(sec: bigint | number, nsec: bigint | number, epochNs: bigint): number {
  return Number(BigInt(sec) * 1_000_000_000n + BigInt(nsec) - epochNs);
}
