import { expect } from "chai";
import { estimateShape, Gate, gatedFactory, longestFirst, mostlyWaits, playTwice } from "../../../harness/runner/scheduler";
import type { Target } from "../../../harness/target/target";

describe("harness/runner/scheduler", () => {
  it("estimates a script's scripted duration from absolute and relative times", () => {
    const text = ["`true`", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", "+.1 < S 0:0(0) win 1000", "+0 > S. 0:0(0) ack 1", "1.5 close(3) = 0", "+2~+2.5 > F. 1:1(0) ack 1", "// +9 comment"].join("\n");
    expect(estimateShape(text).seconds).to.equal(4);
    expect(estimateShape("no events\n").seconds).to.equal(0);
  });

  it("counts a script's timed events, and tells the scripts that mostly wait", () => {
    const text = ["`true`", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", "+.1 < S 0:0(0) win 1000", "+0 > S. 0:0(0) ack 1", "// +9 comment"].join("\n");
    expect(estimateShape(text)).to.deep.equal({ seconds: 0.1, events: 3 });
    // Seconds long with few events a second (cubic-bulk-166k: 20 s, 242 events) waits;
    // short scripts, and long ones dense with events, do not.
    expect(mostlyWaits({ seconds: 20, events: 242 })).to.equal(true);
    expect(mostlyWaits({ seconds: 2, events: 30 })).to.equal(true);
    expect(mostlyWaits({ seconds: 2, events: 31 })).to.equal(false);
    expect(mostlyWaits({ seconds: 1.9, events: 5 })).to.equal(false);
    expect(mostlyWaits({ seconds: 0, events: 0 })).to.equal(false);
  });

  it("orders runs longest first, ties in their original order", () => {
    expect(longestFirst([1, 20, 3, 20, 0])).to.deep.equal([1, 3, 2, 0, 4]);
  });

  it("creates and closes targets one at a time", async () => {
    const log: string[] = [];
    let busy = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const step = async (what: string): Promise<void> => {
      busy++;
      expect(busy, `${what} overlapped another setup or teardown`).to.equal(1);
      log.push(what);
      await sleep(5);
      busy--;
    };
    let n = 0;
    const factory = gatedFactory(async () => {
      const id = n++;
      await step(`create ${id}`);
      return { close: () => step(`close ${id}`) } as unknown as Target;
    }, new Gate());
    const config = {} as Parameters<typeof factory>[0];
    const targets = await Promise.all([factory(config, "/"), factory(config, "/"), factory(config, "/")]);
    await Promise.all(targets.flatMap((t) => [t.close(), t.close()]));
    expect(log).to.deep.equal(["create 0", "create 1", "create 2", "close 0", "close 1", "close 2"]);
  });

  it("a failing task does not block the gate", async () => {
    const gate = new Gate();
    const failed = gate.run(async () => {
      throw new Error("boom");
    });
    expect(await failed.then(() => "resolved", (e: Error) => e.message)).to.equal("boom");
    expect(await gate.run(async () => 7)).to.equal(7);
  });
});

describe("harness/runner/scheduler playTwice", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /**
   * Plays items with durations `ms` and keys `keys`; logs starts, checks twins never overlap, and
   * records the most items and the most busy (not waiting) items that played at once.
   */
  async function play(keys: string[], ms: number[], again: (i: number) => boolean, jobs = 2, waits: number[] = [], extra = 0) {
    const log: string[] = [];
    const playing = new Map<string, number>();
    let overlapped = false;
    let now = 0;
    let busyNow = 0;
    let most = 0;
    let mostBusy = 0;
    /** Second plays of busy items that started beside another busy play. */
    const crowdedSeconds: number[] = [];
    const run = async (tag: string, i: number): Promise<void> => {
      if ((playing.get(keys[i]!) ?? 0) > 0) overlapped = true;
      playing.set(keys[i]!, (playing.get(keys[i]!) ?? 0) + 1);
      const busy = !waits.includes(i);
      if (busy && tag === "second" && busyNow > 0) crowdedSeconds.push(i);
      most = Math.max(most, ++now);
      if (busy) mostBusy = Math.max(mostBusy, ++busyNow);
      log.push(`${tag}${i}`);
      await sleep(ms[i]!);
      now--;
      if (busy) busyNow--;
      playing.set(keys[i]!, playing.get(keys[i]!)! - 1);
    };
    await playTwice(
      keys.map((_, i) => i),
      jobs,
      async (i) => {
        await run("first", i);
        return again(i);
      },
      (i) => run("second", i),
      (i) => ms[i]!,
      (i) => keys[i]!,
      { waits: (i) => waits.includes(i), extra },
    );
    return { log, overlapped, most, mostBusy, crowdedSeconds };
  }

  it("never plays two items of one key side by side: a worker skips ahead to another script", async () => {
    // Three variants of a, then b and c: the second worker takes b, not a's twin.
    const { log, overlapped } = await play(["a", "a", "a", "b", "c"], [30, 30, 30, 10, 10], () => false);
    expect(overlapped).to.equal(false);
    expect(log.slice(0, 2)).to.deep.equal(["first0", "first3"]);
    expect(log.filter((l) => l.startsWith("first")).sort()).to.deep.equal(["first0", "first1", "first2", "first3", "first4"]);
  });

  it("waits instead of playing twins together when nothing else is left", async () => {
    const { log, overlapped } = await play(["a", "a"], [20, 20], () => false);
    expect(overlapped).to.equal(false);
    expect(log).to.deep.equal(["first0", "first1"]);
  });

  it("plays again what the first play hands back, heaviest first, alone, once no first play is left to start", async () => {
    const { log, overlapped, crowdedSeconds } = await play(["a", "b", "c", "d"], [40, 5, 15, 5], (i) => i === 1 || i === 2);
    expect(overlapped).to.equal(false);
    // b and c come back; c (heavier) goes first, once a's long first play has ended, then b.
    expect(log).to.deep.equal(["first0", "first1", "first2", "first3", "second2", "second1"]);
    expect(crowdedSeconds).to.deep.equal([]);
  });

  it("plays a busy item again beside items that mostly wait, before they have all started", async () => {
    // 0 and 1 mostly wait; 2 and 3 are busy and come back. Their second plays go one at a time
    // as soon as no busy first is left, beside the waiting items, not after all of them. (The
    // waiting items are long, so that a stall of the process, which fires overdue timers
    // together, cannot end 0 before the busy items' plays.)
    const keys = ["w0", "w1", "b2", "b3"];
    const { log, overlapped, crowdedSeconds, most } = await play(keys, [200, 200, 10, 10], (i) => i >= 2, 1, [0, 1], 1);
    expect(overlapped).to.equal(false);
    expect(crowdedSeconds).to.deep.equal([]);
    expect(log.indexOf("second2")).to.be.below(log.indexOf("first1"));
    expect(log.filter((l) => l.startsWith("second"))).to.have.length(2);
    expect(most).to.equal(2);
  });

  it("plays items that mostly wait beside `jobs` busy ones, busy ones first, never more busy ones than `jobs`", async () => {
    // 0 and 1 wait (long), 2–5 are busy (short). One extra lane: 0 starts beside the two busy
    // ones 2 and 3 (not 0 and 1 together at the start), and 1 once 0 is done.
    const keys = ["w0", "w1", "b2", "b3", "b4", "b5"];
    const { log, overlapped, most, mostBusy } = await play(keys, [40, 40, 10, 10, 10, 10], () => false, 2, [0, 1], 1);
    expect(overlapped).to.equal(false);
    expect(log.slice(0, 3)).to.deep.equal(["first2", "first3", "first0"]);
    expect(log.indexOf("first1")).to.be.above(log.indexOf("first5"));
    expect(most).to.equal(3);
    expect(mostBusy).to.equal(2);
  });

  it("without an extra lane, items that mostly wait take a `jobs` lane like any other, longest first", async () => {
    const { most, log } = await play(["w0", "b1", "b2"], [20, 10, 10], () => false, 2, [0], 0);
    expect(most).to.equal(2);
    expect(log).to.deep.equal(["first0", "first1", "first2"]);
  });

  it("resolves at once for no items, and plays everything with one worker", async () => {
    expect((await play([], [], () => false)).log).to.deep.equal([]);
    const { log } = await play(["a", "b"], [1, 1], () => true, 1);
    expect(log).to.deep.equal(["first0", "first1", "second0", "second1"]);
  });
});
