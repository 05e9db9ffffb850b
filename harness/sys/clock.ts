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

const scratch = new BigInt64Array(2);

/** CLOCK_REALTIME in nanoseconds, as a bigint. */
export function realtimeNs(): bigint {
  libc().clock_gettime(CLOCK_REALTIME, scratch);
  return scratch[0]! * 1_000_000_000n + scratch[1]!;
}

/** Nanoseconds since `epochNs` (a realtimeNs() value). */
export function sinceEpochNs(epochNs: bigint): number {
  return Number(realtimeNs() - epochNs);
}

/** A kernel timestamp (seconds + nanoseconds, realtime) on the same epoch-relative scale. */
export function timespecSinceEpochNs(sec: bigint | number, nsec: bigint | number, epochNs: bigint): number {
  return Number(BigInt(sec) * 1_000_000_000n + BigInt(nsec) - epochNs);
}
