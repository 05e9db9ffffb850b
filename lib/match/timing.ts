/**
 * Event timing as packetdrill defines it (run.c: verify_time, adjust_relative_event_times).
 *
 * All times are microseconds since the start of the run (script time 0 == live start).
 *
 * - Tolerance = max(tolerance_usecs, tolerance_percent × (scripted time − previous event's
 *   scripted time)), so long scripted gaps (a 60 s TIME_WAIT) get a proportionally wider window.
 * - A relative time (`+0.1`) is anchored to *now* when the event is reached, except that
 *   consecutive inbound packets anchor to the previous packet's scripted time, so CPU overhead does
 *   not accumulate across a burst of injections.
 * - `*` (any time) is never checked; ranges `a~b` accept [a − tol, b + tol].
 */

export type TimeKind = "absolute" | "relative" | "absolute-range" | "relative-range" | "any";

export interface TimingConfig {
  /** packetdrill --tolerance_usecs (default 4000). */
  readonly toleranceUsecs: number;
  /** packetdrill --tolerance_percent (default 12.5). */
  readonly tolerancePercent: number;
}

export const defaultTiming: TimingConfig = { toleranceUsecs: 4000, tolerancePercent: 12.5 };

/** An event's scripted time after relative times have been resolved. */
export interface ResolvedTime {
  readonly kind: TimeKind;
  /** Scripted start (µs since run start). */
  readonly at: number;
  /** End of a range (µs); equals `at` otherwise. */
  readonly end: number;
  /** The anchor a relative time was added to (for messages in relative form). */
  readonly offset: number;
}

/**
 * Resolve a scripted time. `value`/`valueEnd` are the numbers written in the script (µs);
 * `now` is the live time when the event is reached; `previous` describes the previous event.
 */
export function resolveTime(
  kind: TimeKind,
  value: number,
  valueEnd: number,
  now: number,
  previous: { readonly at: number; readonly anchored: boolean } | undefined,
  anchored: boolean,
): ResolvedTime {
  switch (kind) {
    case "absolute":
    case "absolute-range":
      return { kind, at: value, end: kind === "absolute" ? value : valueEnd, offset: 0 };
    case "relative":
    case "relative-range":
    case "any": {
      const offset = previous !== undefined && previous.anchored && anchored ? previous.at : now;
      return {
        kind,
        at: value + offset,
        end: (kind === "relative-range" ? valueEnd : value) + offset,
        offset,
      };
    }
  }
}

/** The tolerance applied to an event scripted at `at`, whose predecessor was scripted at `previousAt`. */
export function toleranceFor(config: TimingConfig, at: number, previousAt: number | undefined): number {
  if (previousAt === undefined) return config.toleranceUsecs;
  const dynamic = Math.trunc((config.tolerancePercent / 100) * (at - previousAt));
  return Math.max(config.toleranceUsecs, dynamic);
}

export interface TimingError {
  readonly expected: ResolvedTime;
  readonly actual: number;
  readonly tolerance: number;
  /** packetdrill's sentence, e.g. "expected outbound packet at 0.100000 sec but happened at 0.150000 sec; tolerance 0.004000 sec". */
  readonly message: string;
}

/**
 * Check that something described by `what` happened at `actual`; undefined when on time.
 * The slacks (see AnchorLag) widen one side each by the runner's own lateness: `earlySlack` by
 * how far it moved the anchor past where packetdrill's would have been, `lateSlack` by how much it
 * could have delayed what the kernel did since the time was resolved.
 */
export function verifyTime(
  config: TimingConfig,
  expected: ResolvedTime,
  actual: number,
  previousAt: number | undefined,
  what: string,
  earlySlack = 0,
  lateSlack = 0,
): TimingError | undefined {
  if (expected.kind === "any") return undefined;
  const margin = timingMargin(config, expected, actual, previousAt, earlySlack, lateSlack);
  if (margin === undefined || margin >= 0) return undefined;
  const tolerance = toleranceFor(config, expected.at, previousAt);
  let message: string;
  switch (expected.kind) {
    case "absolute-range":
      message = `expected ${what} in time range ${secs(expected.at)}~${secs(expected.end)} sec but happened at ${secs(actual)} sec`;
      break;
    case "relative-range":
      message =
        `expected ${what} in relative time range +${secs(expected.at - expected.offset)}~+${secs(expected.end - expected.offset)} sec ` +
        `but happened at ${signedSecs(actual - expected.offset)} sec`;
      break;
    case "absolute":
    case "relative":
      message = `expected ${what} at ${secs(expected.at)} sec but happened at ${secs(actual)} sec; tolerance ${secs(tolerance)} sec`;
      break;
  }
  return { expected, actual, tolerance, message };
}

/**
 * How far inside its window (µs) something checked by verifyTime happened: the distance to the
 * nearer edge, negative when outside (verifyTime's error), undefined for `*`. A kernel timer
 * fires on a jiffy tick, so a packet well inside its window on one run can come a tick (4 ms at
 * HZ=250) later on another; a small margin says the verdict hung on where the run fell
 * between ticks.
 */
export function timingMargin(
  config: TimingConfig,
  expected: ResolvedTime,
  actual: number,
  previousAt: number | undefined,
  earlySlack = 0,
  lateSlack = 0,
): number | undefined {
  if (expected.kind === "any") return undefined;
  const tolerance = toleranceFor(config, expected.at, previousAt);
  const earliest = expected.at - tolerance - Math.max(0, earlySlack);
  const latest = expected.end + tolerance + Math.max(0, lateSlack);
  return Math.min(actual - earliest, latest - actual);
}

/** Microseconds as packetdrill prints seconds: six decimals. */
export function secs(usecs: number): string {
  return (usecs / 1e6).toFixed(6);
}

function signedSecs(usecs: number): string {
  return (usecs >= 0 ? "+" : "") + secs(usecs);
}

/**
 * The runner's own lateness carried by relative anchors. packetdrill anchors `+t` to "now" after
 * the previous event, and its non-blocking calls take microseconds; each call tcpdrill makes
 * through its syscall thread starts some 0.1–1 ms after its scripted time (more under load). A
 * packet the kernel sent during one call and a script expects `+0` after a dozen more calls then
 * looks early by the sum, though packetdrill would pass it (eor/no-coalesce-retrans.pkt).
 *
 * The lag is how far the current anchor lies past where it would be without that lateness: each
 * event the runner performs adds its start lateness to the lag its own time inherited; an
 * outbound packet anchors on the kernel's own instant and clears it; a time anchored to the
 * previous inbound packet's scripted time (resolveTime) inherits that event's lag, an absolute
 * time none. Only outbound packets use it, and only on their early side: a packet the runner's
 * lateness delayed is still judged from the real anchor.
 *
 * `total` sums every lateness of the run. A blocking call's return is timed from the anchor its
 * start was resolved against, and what wakes it (an injected packet) may come after several
 * late runner actions and kernel packets in between; the growth of `total` over that span bounds
 * how much the runner delayed it (its late-side slack).
 */
export class AnchorLag {
  private anchorLag = 0;
  private eventLag = 0;
  private eventLateness = 0;
  private sum = 0;

  /** The runner's lateness summed over the whole run (µs). */
  get total(): number {
    return this.sum;
  }

  /** The current event's time was resolved; returns the early slack for checking it. */
  resolved(kind: TimeKind, anchoredToPrevious: boolean): number {
    this.eventLateness = 0;
    if (kind === "absolute" || kind === "absolute-range") this.eventLag = 0;
    else if (!anchoredToPrevious) this.eventLag = this.anchorLag;
    return this.eventLag;
  }

  /**
   * The runner performed the current event `lateness` µs after its resolved time. May be told
   * more than once per event (when its wait ended, when the call really started): the largest
   * counts, once.
   */
  acted(lateness: number): void {
    const l = Math.max(0, lateness, this.eventLateness);
    this.sum += l - this.eventLateness;
    this.eventLateness = l;
    this.anchorLag = this.eventLag + l;
  }

  /** The current event was an outbound packet: the next anchor is the kernel's own instant. */
  kernelActed(): void {
    this.anchorLag = 0;
  }
}
