import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { collectGarbage, TimedRuns, youngGenerationBytes } from "../../../harness/runtime/gc";

declare const Deno: unknown;

describe("harness/runtime/gc", () => {
  const MB = 1024 * 1024;
  let t = 0;
  let young = 0;
  let old = 0;
  /** Fake milliseconds a collection of each kind takes (0: instant). */
  let takes = { minor: 0, major: 0 };
  const runs = (): { timed: TimedRuns; done: string[] } => {
    const done: string[] = [];
    const timed = new TimedRuns({
      now: () => t,
      collect: (type) => {
        done.push(type);
        t += takes[type];
        if (type === "minor") young = 0;
        else old = 10 * MB;
        return true;
      },
      youngBytes: () => young,
      oldBytes: () => old,
    });
    return { timed, done };
  };

  beforeEach(() => {
    takes = { minor: 0, major: 0 };
    t = 1000;
    young = 4 * MB;
    old = 10 * MB;
  });

  it("collects when every timed run sleeps long enough, and not while one is busy", () => {
    const { timed, done } = runs();
    const a = {};
    const b = {};
    timed.started(a);
    expect(done, "nothing else timing: emptied before a starts").to.deep.equal(["minor"]);
    young = 4 * MB;
    timed.started(b);
    expect(done, "a is busy").to.deep.equal(["minor"]);
    timed.sleeping(a, t + 100);
    expect(done, "b is busy").to.deep.equal(["minor"]);
    timed.sleeping(b, t + 5);
    expect(done, "b wakes within the margin").to.deep.equal(["minor"]);
    timed.awake(b);
    timed.sleeping(b, t + 50);
    expect(done).to.deep.equal(["minor", "minor"]);
    expect(timed.collections.minor).to.equal(2);
  });

  it("leaves a young generation that is nearly empty alone", () => {
    const { timed, done } = runs();
    young = 10 * 1024;
    timed.started({});
    expect(done).to.deep.equal([]);
  });

  it("compacts the old generation once it grew, and only in a long window", () => {
    const { timed, done } = runs();
    const a = {};
    timed.started(a); // remembers the old generation's size
    old = 50 * MB;
    timed.sleeping(a, t + 30);
    expect(done, "30 ms is too short for a mark-compact").to.deep.equal(["minor"]);
    timed.awake(a);
    timed.sleeping(a, t + 100);
    expect(done).to.deep.equal(["minor", "major"]);
  });

  it("leaves room for what a collection was seen to take (Deno's \"minor\" is a full collection)", () => {
    const { timed, done } = runs();
    takes = { minor: 30, major: 40 };
    timed.calibrate();
    expect(done, "measured once, before any run").to.deep.equal(["minor", "major"]);
    const a = {};
    timed.started(a);
    const window = (ms: number): void => {
      young = 4 * MB;
      timed.awake(a);
      timed.sleeping(a, t + ms);
    };
    window(50);
    expect(done, "50 ms is too short for a 30 ms collection").to.have.length(2);
    window(70);
    expect(done).to.deep.equal(["minor", "major", "minor"]);
    // Collections got cheaper: what they need follows, slowly (a quarter of the excess per one).
    takes = { minor: 1, major: 1 };
    for (let i = 0; i < 5; i++) window(70);
    expect(done).to.have.length(8);
    window(20);
    expect(done, "after five cheap ones, a 20 ms window will do again").to.have.length(9);
  });

  it("calibrates only while no run is timing", () => {
    const { timed, done } = runs();
    young = 0;
    timed.started({});
    timed.calibrate();
    expect(done).to.deep.equal([]);
  });

  it("does not count runs that have ended", () => {
    const { timed } = runs();
    const a = {};
    timed.started(a);
    timed.ended(a);
    expect(timed.quietFor()).to.equal(Number.POSITIVE_INFINITY);
    timed.sleeping(a, t + 100); // no longer registered: ignored
    expect(timed.quietFor()).to.equal(Number.POSITIVE_INFINITY);
  });

  it("reports how long every run stays idle", () => {
    const { timed } = runs();
    const a = {};
    const b = {};
    timed.started(a);
    timed.started(b);
    timed.sleeping(a, t + 30);
    timed.sleeping(b, t + 20);
    expect(timed.quietFor()).to.equal(20);
    timed.awake(a);
    expect(timed.quietFor(), "a is busy").to.be.at.most(0);
  });

  it("tells a run whether another is busy or due soon (it then leaves a turn between its events)", () => {
    const { timed } = runs();
    const a = {};
    const b = {};
    timed.started(a);
    expect(timed.othersDueWithin(a, 1), "alone").to.equal(false);
    timed.started(b);
    expect(timed.othersDueWithin(a, 1), "b is busy").to.equal(true);
    timed.sleeping(b, t + 5);
    expect(timed.othersDueWithin(a, 1), "b sleeps 5 ms").to.equal(false);
    t += 4.5;
    expect(timed.othersDueWithin(a, 1), "b is due in 0.5 ms").to.equal(true);
    expect(timed.othersDueWithin(b, 1), "a is busy").to.equal(true);
    timed.ended(b);
    expect(timed.othersDueWithin(a, 1), "b has ended").to.equal(false);
  });

  it("lets untimed work wait for a quiet moment: every timed run asleep long enough, or the wait's limit", async () => {
    const { timed } = runs();
    let resolved = false;
    // No timed run: at once.
    await timed.whenQuiet(8, 1000);
    const a = {};
    const b = {};
    timed.started(a);
    timed.started(b);
    const waiting = timed.whenQuiet(8, 1000).then(() => (resolved = true));
    timed.sleeping(a, t + 50);
    await Promise.resolve();
    expect(resolved, "b is busy").to.equal(false);
    timed.sleeping(b, t + 5);
    await Promise.resolve();
    expect(resolved, "b wakes in 5 ms").to.equal(false);
    timed.awake(b);
    timed.ended(b);
    await waiting;
    expect(resolved, "b ended, a sleeps 50 ms").to.equal(true);
    // One waiter per quiet window: the second waits for the next one.
    const order: string[] = [];
    timed.awake(a);
    const first = timed.whenQuiet(8, 1000).then(() => order.push("first"));
    const second = timed.whenQuiet(8, 1000).then(() => order.push("second"));
    timed.sleeping(a, t + 50);
    await first;
    await Promise.resolve();
    expect(order).to.deep.equal(["first"]);
    timed.awake(a);
    timed.sleeping(a, t + 50);
    await second;
    expect(order).to.deep.equal(["first", "second"]);
    // Never quiet: the limit ends the wait (real milliseconds).
    timed.awake(a);
    const started = performance.now();
    await timed.whenQuiet(8, 30);
    expect(performance.now() - started).to.be.at.least(25);
  });

  it("collects for real where the runtime offers a collector", async function () {
    if (!collectGarbage("minor")) this.skip(); // no --expose-gc at run time in this runtime
    const seen: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) seen.push((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1);
    });
    observer.observe({ entryTypes: ["gc"] });
    try {
      collectGarbage("major");
      collectGarbage("minor");
      for (let i = 0; i < 20 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    } finally {
      observer.disconnect();
    }
    if (typeof Deno !== "undefined") this.skip(); // Deno's perf_hooks report no GC entries to check against
    // One entry per collection (perf_hooks kinds: minor 1, major 4; a major one may start with a minor).
    expect(seen.length).to.be.at.least(2);
    expect(youngGenerationBytes()).to.be.a("number");
  });

  it("leaves no collection to V8's own tasks once loaded (--trace-gc shows none with reason \"task\")", function () {
    if (typeof Deno !== "undefined") this.skip(); // spawns node with V8's --trace-gc
    this.timeout(20_000);
    // Allocates steadily for 300 ms: V8 posts scavenge tasks as the young generation passes 80 %.
    const program = `
      if (process.argv[1] === "ours") require(${JSON.stringify(require.resolve("../../../harness/runtime/gc"))});
      let junk = [];
      let n = 0;
      const t = setInterval(() => {
        for (let i = 0; i < 200; i++) junk.push({ i, s: "x" + i });
        if (junk.length > 2000) junk = [];
        if (++n === 300) clearInterval(t);
      }, 1);`;
    const tasks = (which: string): { task: number; all: number } => {
      const r = spawnSync(process.execPath, ["--trace-gc", "-r", "tsx/cjs", "-e", program, which], { encoding: "utf8", cwd: path.join(__dirname, "../../..") });
      expect(r.status, r.stderr).to.equal(0);
      const lines = r.stdout.split("\n").filter((l) => l.includes("Scavenge"));
      return { task: lines.filter((l) => /\btask\b/.test(l)).length, all: lines.length };
    };
    const v8Default = tasks("default");
    expect(v8Default.task, "V8's default: the program does make it post scavenge tasks").to.be.at.least(1);
    const ours = tasks("ours");
    expect(ours.all, "it still collects").to.be.at.least(1);
    expect(ours.task).to.equal(0);
  });
});
