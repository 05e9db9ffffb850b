/**
 * Act first, check later: the comparison of an outbound packet whose next event is due at once
 * (a `+0` injection, call or code block) runs right after that event has acted. Comparing a
 * packet took 0.05–0.3 ms on a cold cache, all of it lateness for the `+0` event, where
 * packetdrill's is ~20 µs. The verdict is the same: a failing comparison still fails at its own
 * line, and the trace keeps nothing the later event did.
 */
import type { Event } from "../../lib/script/ast";
import type { TraceEntry } from "../../lib/trace/types";

/**
 * Events that may act before the previous outbound packet has been compared: they inject, call
 * or read socket state, which a comparison's outcome cannot change.
 */
export function actsBeforeCheck(e: Event): boolean {
  return (e.kind === "packet" && e.packet.direction === "inbound") || e.kind === "syscall" || e.kind === "code";
}

/** How long after an outbound packet's instant the next event is due, if it may act before the packet's check. */
export function checkWindowOf(next: Event | undefined): number | undefined {
  if (next === undefined || !actsBeforeCheck(next) || next.time.kind !== "relative") return undefined;
  return next.time.offset.usecs;
}

/** What comparing a packet may take on a cold cache (µs): a check is left for later when the next event is due sooner. */
export const CHECK_COST_USECS = 300;

/** The one comparison left for later, if any, and where in the trace its entries belong. */
export class PendingCheck {
  private pending: { readonly run: () => void; readonly mark: number } | undefined;

  constructor(private readonly entries: TraceEntry[]) {}

  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /** Leaves `run` for later; its entries go before whatever the trace gets meanwhile. */
  defer(run: () => void): void {
    this.pending = { run, mark: this.entries.length };
  }

  /**
   * Runs the comparison left for later, if any. Its entries go where it was left; if it fails
   * (throws), what the trace got since is dropped: the run ends at the earlier line.
   */
  settle(): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    const after = this.entries.splice(p.mark);
    p.run();
    this.entries.push(...after);
  }
}
