/**
 * Garbage collection where it does no harm.
 *
 * V8 collects when an allocation finds the young generation full, wherever the program is. A
 * scavenge stops the thread for 0.5–9 ms here (measured with --trace-gc over tcp/eor and tcp/sack:
 * 29 scavenges in 18 runs, every one over 0.5 ms; two mark-compacts of 4–9 ms), and the syscall
 * threads' isolates had pauses of up to 14 ms. A pause between a script's `>` packet and the
 * `+0 <` that answers it delays the injection by as much, and the kernel then counts a different
 * RTT, or a timer lands in another jiffy: most of what still differed between two corpus runs.
 * packetdrill, in C, has no such pauses.
 *
 * So tcpdrill collects on purpose, at moments nothing is being timed: each timed kernel run says
 * when it is busy and when it is merely sleeping until its next event (`TimedRuns`), and the
 * young generation is collected only when every run in progress is asleep for a while yet. The
 * syscall threads collect between runs (thread-main.ts). What is left to V8 then rarely fills up
 * in the middle of a run.
 *
 * The collector comes from `--expose-gc`, set at run time; where the runtime does not offer it
 * nothing is collected on purpose and V8's own schedule stays as it was.
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";

/**
 * V8 also collects from tasks it posts to the event loop: a scavenge once the young generation is
 * 80 % full ("task" in --trace-gc: up to 8.5 ms in the middle of a run), and the memory reducer's
 * collections. Those moments are ours to choose (TimedRuns); only a full young generation still
 * makes V8 collect on its own. Set when this module loads, before any run, for every isolate
 * of the process (V8's flags are process-wide). Flag names of V8 11-14 (Node 20-24, Deno 2).
 */
function leaveCollectionToUs(): void {
  try {
    v8.setFlagsFromString("--no-minor-gc-task");
    v8.setFlagsFromString("--no-memory-reducer");
  } catch {
    // A runtime without V8 flags keeps V8's own schedule.
  }
}
leaveCollectionToUs();

type GcFunction = (options?: { type?: "minor" | "major"; execution?: "sync" | "async" }) => void;

let gcFunction: GcFunction | null | undefined;

function collector(): GcFunction | null {
  if (gcFunction === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      const f: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : undefined");
      gcFunction = typeof f === "function" ? (f as GcFunction) : null;
    } catch {
      gcFunction = null;
    }
  }
  return gcFunction;
}

/** Collects now (synchronously); false where the runtime offers no collector. */
export function collectGarbage(type: "minor" | "major"): boolean {
  const gc = collector();
  if (gc === null) return false;
  gc({ type, execution: "sync" });
  return true;
}

/** Bytes in use in the young generation (new space), 0 if the runtime does not say. */
export function youngGenerationBytes(): number {
  try {
    return v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.space_used_size ?? 0;
  } catch {
    return 0;
  }
}

/** Bytes in use in the old generation, 0 if the runtime does not say. */
function oldGenerationBytes(): number {
  try {
    return v8.getHeapSpaceStatistics().find((s) => s.space_name === "old_space")?.space_used_size ?? 0;
  } catch {
    return 0;
  }
}

/** A window must have this long left: a scavenge takes 0.5–4 ms, a mark-compact up to ~10. */
const MINOR_MARGIN_MS = 15;
const MAJOR_MARGIN_MS = 60;
/**
 * And at least twice what a collection of its kind was seen to take, plus this. Deno's collector
 * ignores `type` and always collects in full: a "minor" collection took 30-40 ms over a mocha
 * run's heap (150 ms at 134 MB), and one in a 15 ms window held a code block 20 ms past its time
 * (tcp-info-last_data_recv read 1 s as 1020 ms, CI).
 */
const COST_SLACK_MS = 5;
/** Below this the young generation is not worth a pause (V8's semi-space starts at 1 MB). */
const MINOR_THRESHOLD_BYTES = 256 * 1024;
/** The old generation is compacted on purpose after growing this much since the last time. */
const MAJOR_GROWTH_BYTES = 32 * 1024 * 1024;

/** What TimedRuns needs from the process (replaceable in specs). */
export interface GcHooks {
  /** Milliseconds on a monotonic clock shared by every run. */
  now(): number;
  collect(type: "minor" | "major"): boolean;
  youngBytes(): number;
  oldBytes(): number;
}

const PROCESS_HOOKS: GcHooks = { now: () => performance.now(), collect: collectGarbage, youngBytes: youngGenerationBytes, oldBytes: oldGenerationBytes };

/**
 * The timed runs in progress and, for each, until when it has nothing to do (ms on `clock`):
 * 0 while it is busy, a future instant while it sleeps until its next event.
 */
export class TimedRuns {
  private readonly idleUntil = new Map<object, number>();
  private readonly hooks: GcHooks;
  private lastOld = -1;
  private readonly quietWaiters = new Set<{ readonly minMs: number; readonly done: () => void }>();
  /** Collections done on purpose so far (for the bench and the specs). */
  collections = { minor: 0, major: 0 };
  /** What a collection of each kind takes (ms): the latest, decaying slowly (the heap changes). */
  private readonly cost = { minor: 0, major: 0 };

  constructor(hooks: Partial<GcHooks> = {}) {
    this.hooks = { ...PROCESS_HOOKS, ...hooks };
  }

  /** A run starts timing events; the young generation is emptied first if no other run minds. */
  started(run: object): void {
    this.idleUntil.set(run, Number.POSITIVE_INFINITY);
    this.maybeCollect();
    this.idleUntil.set(run, 0);
  }

  /** A run has finished timing events. */
  ended(run: object): void {
    this.idleUntil.delete(run);
    this.releaseQuietWaiters();
  }

  /** `run` sleeps until `untilMs` (nothing of it happens before); collects if every run is idle. */
  sleeping(run: object, untilMs: number): void {
    if (!this.idleUntil.has(run)) return;
    this.idleUntil.set(run, untilMs);
    this.maybeCollect();
    this.releaseQuietWaiters();
  }

  /**
   * Resolves once every timed run in progress sleeps for at least `minMs` more, or after
   * `maxWaitMs` whatever happens: for work that holds this thread for milliseconds and is not
   * timed itself. Spawning a process blocks the thread 2–8 ms here (fork, then waiting for the
   * child's exec), and every other run's due event waited that long (corpus, `-j 2`).
   */
  whenQuiet(minMs: number, maxWaitMs: number): Promise<void> {
    if (this.quietFor() >= minMs) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        minMs,
        done: (): void => {
          clearTimeout(timer);
          this.quietWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, maxWaitMs);
      this.quietWaiters.add(waiter);
    });
  }

  /**
   * One waiter per window: its work may fill the window, and several released together (a
   * spawn, Python, a trace's deferred fields) ran back to back for tens of milliseconds.
   */
  private releaseQuietWaiters(): void {
    if (this.quietWaiters.size === 0) return;
    const quiet = this.quietFor();
    for (const w of this.quietWaiters) {
      if (quiet < w.minMs) continue;
      w.done();
      return;
    }
  }

  /** `run` is awake again. */
  awake(run: object): void {
    if (this.idleUntil.has(run)) this.idleUntil.set(run, 0);
  }

  /** Whether a timed run other than `run` is busy, or has its next event due within `ms`. */
  othersDueWithin(run: object, ms: number): boolean {
    const limit = this.hooks.now() + ms;
    for (const [other, until] of this.idleUntil) if (other !== run && until <= limit) return true;
    return false;
  }

  /** How long (ms) every timed run in progress stays idle; Infinity when none is timing. */
  quietFor(): number {
    const now = this.hooks.now();
    let quiet = Number.POSITIVE_INFINITY;
    for (const until of this.idleUntil.values()) quiet = Math.min(quiet, until - now);
    return quiet;
  }

  /**
   * Measures one collection of each kind while no run is timing (the warm-up), so that the first
   * collection in the middle of runs already knows what it costs on this runtime.
   */
  calibrate(): void {
    if (this.idleUntil.size > 0) return;
    this.collect("minor");
    this.collect("major");
    this.lastOld = this.hooks.oldBytes();
  }

  /** The window (ms) a collection of `type` needs. */
  private needs(type: "minor" | "major"): number {
    return Math.max(type === "minor" ? MINOR_MARGIN_MS : MAJOR_MARGIN_MS, 2 * this.cost[type] + COST_SLACK_MS);
  }

  private collect(type: "minor" | "major"): boolean {
    const started = this.hooks.now();
    if (!this.hooks.collect(type)) return false;
    this.cost[type] = Math.max(this.hooks.now() - started, this.cost[type] * 0.75);
    this.collections[type]++;
    return true;
  }

  private maybeCollect(): void {
    const quiet = this.quietFor();
    if (quiet < MINOR_MARGIN_MS) return;
    const old = this.hooks.oldBytes();
    // V8's own mark-compacts shrink it too: growth counts from the lowest size seen since ours.
    this.lastOld = this.lastOld < 0 ? old : Math.min(this.lastOld, old);
    if (quiet >= this.needs("major") && old - this.lastOld >= MAJOR_GROWTH_BYTES) {
      this.collect("major");
      this.lastOld = this.hooks.oldBytes();
      return;
    }
    if (quiet >= this.needs("minor") && this.hooks.youngBytes() >= MINOR_THRESHOLD_BYTES) this.collect("minor");
  }
}

/** The process's timed runs (kernel targets register here). */
export const timedRuns = new TimedRuns();
