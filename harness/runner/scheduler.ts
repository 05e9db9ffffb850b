/**
 * Runs many scripts at once without hurting their timing. A kernel run spends almost all its time
 * waiting for scripted instants; what competes for the CPU is setting up and tearing down a
 * sandbox (namespace, tun0, capture socket, thread), the same moments that made packetdrill fail
 * 75 % of its runs when everything started at once. So:
 *   - at most one sandbox is being created or closed at any moment (`gate`);
 *   - the longest scripts start first (longest-processing-time order), so the run ends soon after
 *     the longest script does instead of with one long script running alone at the end;
 *   - scripts that mostly wait (`mostlyWaits`) play beside the `-j` runs, on lanes of their own
 *     (`--idle-jobs`): a run that injects a segment every 100 ms needs a CPU for a few
 *     hundredths of its time, and the corpus's longest scripts are such runs.
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
 * Default for `--idle-jobs`: runs of scripts that mostly wait (`mostlyWaits`) beside the `-j` ones.
 * Model runs: none (they never wait, virtual time skips).
 */
export function defaultIdleJobs(target: "kernel" | "model"): number {
  return target === "model" ? 0 : 1;
}

/** How long a script plays and how many timed events it has, estimated without parsing it. */
export interface ScriptShape {
  readonly seconds: number;
  readonly events: number;
}

/**
 * A script's shape from its event lines: absolute times set the clock, `+t` advances it. Good
 * enough to order runs longest first and to tell the ones that mostly wait.
 */
export function estimateShape(text: string): ScriptShape {
  let t = 0;
  let longest = 0;
  let events = 0;
  for (const line of text.split("\n")) {
    const m = /^\s*(\+?)(\d*\.?\d+)(?:\s*~\s*\+?(\d*\.?\d+))?\s/.exec(line);
    if (m === null) continue;
    const v = Number(m[2]);
    const end = m[3] !== undefined ? Number(m[3]) : undefined;
    if (!Number.isFinite(v)) continue;
    events++;
    if (m[1] === "+") t += end ?? v;
    else t = end ?? v;
    longest = Math.max(longest, t);
  }
  return { seconds: longest, events };
}

/**
 * A script that mostly waits: it plays for seconds with few events per second (upstream's
 * cubic-bulk-166k: 20 s, 12 events/s; fastopen's *-errno scripts: 4–13 s, 5–7 events/s; the
 * corpus's other scripts play under 2 s at 35–80 events/s). Such a run keeps a CPU busy for
 * a few hundredths of its time, so it need not count against `-j`: it runs beside the others.
 */
export function mostlyWaits(shape: ScriptShape): boolean {
  return shape.seconds >= MOSTLY_WAITS_SECONDS && shape.events / shape.seconds <= MOSTLY_WAITS_EVENTS_PER_SECOND;
}
const MOSTLY_WAITS_SECONDS = 2;
const MOSTLY_WAITS_EVENTS_PER_SECOND = 15;

/** Indices of `weights` in longest-first order (ties keep their order). */
export function longestFirst(weights: readonly number[]): number[] {
  return weights.map((w, i) => [w, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
}

/** Which items mostly wait (`mostlyWaits`), and how many of those may play beyond `jobs`. */
export interface WaitingLanes {
  readonly waits: (i: number) => boolean;
  readonly extra: number;
}

/**
 * Plays `items` on `jobs` workers with `first`, in the order given except that a worker skips
 * ahead past items whose `key` (the script file) is playing on another worker right now, and
 * waits when only such twins are left; an item `first` answers true for is played again with
 * `second` (heaviest `weight` first, by the same rule, and as said below). Resolves once every
 * play has finished.
 *
 * Why the skipping: every kernel run starts at the same jiffy phase (target/kernel.ts), so two
 * variants of one script side by side do the same things at the same moments of each tick. A
 * timer due on a tick then fires a tick late more often (lib/trace/confirm.ts):
 * fin-close-socket's delayed ACK came late in 8 of 41 runs beside a copy of itself, in 1 of 19
 * beside a bulk transfer.
 *
 * With `lanes`, `lanes.extra` more workers play, but at most `jobs` items that do not mostly
 * wait play at once: the others keep a CPU busy for a few hundredths of their time. A worker
 * takes the first such busy item while fewer than `jobs` play, else the first item that mostly
 * waits, so the waiting ones spread over the whole run beside the busy ones instead of piling up
 * at its start (the longest items mostly wait).
 *
 * A busy item's second play starts once no busy first play is left to start, and only while no
 * other busy item plays: it confirms an outcome that may have been timing luck, so it runs as
 * packetdrill ran every script of its verdicts — with no other script at work beside it (those
 * that mostly wait aside). A kernel timer due on the next tick fires a tick late more often when
 * both CPUs are busy at tick boundaries: sack-shift-sacked-7-3-4-8-9-fack's RACK timer did in
 * 2 of 45 runs alone, but in 3 of 10 corpus runs (-j 2 --idle-jobs 1) one of its rows settled
 * on that failure, its repeats beside other busy runs failing as its first run had (with
 * repeats alone: 1 of the next 3 corpus runs; too few to say more than that it still happens).
 */
export async function playTwice(
  items: readonly number[],
  jobs: number,
  first: (i: number) => Promise<boolean>,
  second: (i: number) => Promise<void>,
  weight: (i: number) => number,
  key: (i: number) => string,
  lanes: WaitingLanes = { waits: () => false, extra: 0 },
): Promise<void> {
  // With no lane to spare, an item that mostly waits is like any other: longest first.
  const waits = lanes.extra > 0 ? lanes.waits : () => false;
  const firsts = [...items];
  const again: number[] = [];
  const playing = new Map<string, number>();
  let firstPlaying = 0;
  let busyPlaying = 0;
  const waiting: (() => void)[] = [];
  const cap = Math.max(1, jobs);
  const free = (i: number): boolean => (playing.get(key(i)) ?? 0) === 0;
  /** The first of `list` that may play now and `ok` allows, taken out of it. */
  const pick = (list: number[], ok: (i: number) => boolean): number | undefined => {
    const k = list.findIndex((i) => free(i) && ok(i));
    return k < 0 ? undefined : list.splice(k, 1)[0]!;
  };
  /** What to play next, and whether it is a second play; undefined when nothing may play now. */
  const next = (): { i: number; again: boolean } | undefined => {
    const busyFirst = busyPlaying < cap ? pick(firsts, (i) => !waits(i)) : undefined;
    if (busyFirst !== undefined) return { i: busyFirst, again: false };
    if (!firsts.some((i) => !waits(i))) {
      again.sort((a, b) => weight(b) - weight(a));
      const i = pick(again, (i) => waits(i) || busyPlaying === 0);
      if (i !== undefined) return { i, again: true };
    }
    const waitingFirst = pick(firsts, waits);
    return waitingFirst === undefined ? undefined : { i: waitingFirst, again: false };
  };
  const play = async (i: number, run: () => Promise<void>): Promise<void> => {
    const busy = !waits(i);
    playing.set(key(i), (playing.get(key(i)) ?? 0) + 1);
    if (busy) busyPlaying++;
    try {
      await run();
    } finally {
      playing.set(key(i), playing.get(key(i))! - 1);
      if (busy) busyPlaying--;
      for (const wake of waiting.splice(0)) wake();
    }
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      if (firsts.length === 0 && again.length === 0 && firstPlaying === 0) return;
      const chosen = next();
      if (chosen === undefined) {
        // Only twins of what plays now are left, or busy items while `jobs` busy ones play, or a
        // second play while another busy item plays, or nothing yet (a first play still running
        // may hand an item back): wait for a play to end.
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else if (!chosen.again) {
        const i = chosen.i;
        firstPlaying++;
        await play(i, async () => {
          try {
            if (await first(i)) again.push(i);
          } finally {
            firstPlaying--;
          }
        });
      } else {
        await play(chosen.i, () => second(chosen.i));
      }
    }
  };
  const workers = Math.max(1, Math.min(cap + Math.max(0, lanes.extra), items.length));
  await Promise.all(Array.from({ length: workers }, worker));
}
