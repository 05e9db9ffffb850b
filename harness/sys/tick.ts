/**
 * The kernel's jiffy tick, located on the sandbox clock (CLOCK_REALTIME).
 *
 * Much of TCP counts in jiffies (HZ=250 here: 4 ms): tcp_info's busy/rwnd/sndbuf-limited
 * chronographs (tcp_chrono_start/stop use tcp_jiffies32), the retransmit, delayed-ACK and
 * keep-alive timers (timer-wheel expiries are whole jiffies). Whether 50 ms of scripted time is 12
 * or 13 jiffies depends on where the script starts relative to the tick, so a run that starts at
 * a random phase passes or fails such a check at random. Starting every run at the same phase
 * makes those values the same on every run.
 *
 * The tick is found from the coarse clock: CLOCK_REALTIME_COARSE only moves when the tick
 * updates timekeeping (tick_do_update_jiffies64 then update_wall_time), so the fine clock read
 * just after the coarse one changes is a jiffy boundary plus the reader's latency. The tick is a
 * fixed grid (tick_next_period advances by TICK_NSEC), also across NOHZ idle, where jiffies are
 * caught up on that grid, so the earliest of a few such readings locates it for good.
 */
import { CLOCK_REALTIME_COARSE, clockNs as read, realtimeNs } from "./clock";
/** Readings this close after a candidate boundary count as seeing it (ns). */
const CLUSTER_NS = 200_000n;

export interface Tick {
  /** The tick period (ns): 1e9 / HZ. */
  readonly periodNs: number;
  /** A jiffy boundary (realtime ns, bigint); the others are this plus multiples of periodNs. */
  readonly boundaryNs: bigint;
}

let located: Tick | undefined;

/**
 * Locates the tick: busy-reads the clocks across `steps` ticks (steps × periodNs of blocked
 * thread, ~50 ms; done once per process, before any run needs the thread). Undefined when the
 * coarse clock does not move as a tick would (then runs simply start at any phase).
 */
export function locateTick(steps = 12): Tick | undefined {
  if (located !== undefined) return located;
  let previous = read(CLOCK_REALTIME_COARSE);
  const seen: bigint[] = [];
  const periods: bigint[] = [];
  const deadline = realtimeNs() + 200_000_000n;
  while (seen.length < steps) {
    const coarse = read(CLOCK_REALTIME_COARSE);
    const fine = realtimeNs();
    if (coarse !== previous) {
      seen.push(fine);
      periods.push(coarse - previous);
      previous = coarse;
    }
    if (fine > deadline) return undefined;
  }
  // The first change may be a partial observation; the steps after it are whole periods.
  const period = periods.slice(1).reduce((a, b) => (a < b ? a : b));
  if (period <= 0n || period > 100_000_000n) return undefined;
  // Each reading is a boundary plus the reader's latency: mostly microseconds, now and then
  // milliseconds (the thread preempted, a GC). The boundary is where most readings gather: the
  // phase with the most readings within CLUSTER_NS after it (the earliest such phase on a tie).
  const first = seen[0]!;
  const phases = seen.map((t) => ((t - first) % period + period) % period);
  let best = phases[0]!;
  let bestCount = -1;
  for (const candidate of phases) {
    const count = phases.filter((p) => (p - candidate + period) % period <= CLUSTER_NS).length;
    if (count > bestCount || (count === bestCount && candidate < best)) {
      best = candidate;
      bestCount = count;
    }
  }
  located = { periodNs: Number(period), boundaryNs: first + best };
  return located;
}

/** The first instant ≥ `notBeforeNs` (realtime ns) that lies `phaseNs` after a jiffy boundary. */
export function nextAtPhase(tick: Tick, notBeforeNs: bigint, phaseNs: number): bigint {
  const period = BigInt(tick.periodNs);
  const phase = BigInt(Math.round(phaseNs)) % period;
  const into = (((notBeforeNs - tick.boundaryNs) % period) + period) % period;
  const wait = (phase - into + period) % period;
  return notBeforeNs + wait;
}
