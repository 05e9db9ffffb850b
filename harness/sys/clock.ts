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

/** Nanoseconds since `epochNs` (a realtimeNs() value). */
export function sinceEpochNs(epochNs: bigint): number {
  return Number(realtimeNs() - epochNs);
}

/** A kernel timestamp (seconds + nanoseconds, realtime) on the same epoch-relative scale. */
export function timespecSinceEpochNs(sec: bigint | number, nsec: bigint | number, epochNs: bigint): number {
  return Number(BigInt(sec) * 1_000_000_000n + BigInt(nsec) - epochNs);
}
