// The kernel runner's cleanup guarantees hold when tcpdrill runs under Deno (its Deno.dlopen
// system-call layer, its Workers): after --timeout, SIGINT or SIGTERM in the middle of a script
// that blocks forever, no network namespace (and so no TUN device), no process of the run, no
// background command is left. Runs in both suites: it always starts the CLI with Deno.
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import * as path from "node:path";
import { namespacesOf, netNamespaces, pids, sleepers, waitFor } from "./proc-scan";
import { requireKernel } from "../../helpers/kernel";

const root = path.resolve(__dirname, "../../..");
const script = path.join(__dirname, "fixtures/blocks-forever.pkt");
const deno = path.join(root, "node_modules/.bin/deno");

/** Live processes whose parent chain leads to `ancestor` (the run's commands and helpers). */
function descendants(ancestor: number): number[] {
  const parent = new Map<number, number>();
  for (const pid of pids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === ancestor) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Namespaces the run's threads were seen in (the host's excluded), and processes it started. */
  own: Set<string>;
  started: Set<number>;
  stopTracking: () => void;
}

function start(args: string[]): Run {
  const child = spawn(deno, ["run", "-A", path.join(root, "bin/tcpdrill.js"), "run", ...args, script], {
    cwd: root,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const host = readlinkSync("/proc/self/ns/net");
  const own = new Set<string>();
  const started = new Set<number>();
  const sample = (): void => {
    const pid = child.pid!;
    for (const ns of namespacesOf(pid)) if (ns !== host) own.add(ns);
    for (const p of descendants(pid)) started.add(p);
  };
  const timer = setInterval(sample, 5);
  return {
    child,
    output: () => out,
    exited,
    own,
    started,
    stopTracking: () => {
      sample();
      clearInterval(timer);
    },
  };
}

async function expectNothingLeft(run: Run): Promise<void> {
  const alive = (pid: number): boolean => {
    try {
      return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
    } catch {
      return false;
    }
  };
  // A namespace's inode number is reused as soon as it is freed, and other sandboxes (parallel
  // test sessions) may get it: a namespace counts as left behind while a process of this run is in
  // it. A namespace held by no task at all (a descriptor, a mount) shows in no /proc task either.
  const ours = new Set([...run.started, run.child.pid!]);
  const left = (): string[] => {
    const now = netNamespaces();
    return [...run.own].filter((ns) => [...(now.get(ns) ?? [])].some((pid) => ours.has(pid)));
  };
  const gone = (): boolean => left().length === 0 && [...ours].every((p) => !alive(p));
  await waitFor(gone, 5000);
  expect(left(), "network namespaces left behind").to.deep.equal([]);
  expect([...run.started].filter(alive), "processes of the run left behind").to.deep.equal([]);
  expect(existsSync(`/proc/${run.child.pid!}/task`), "the tcpdrill process (and its threads) still exist").to.equal(false);
}

describe("tcpdrill run under Deno leaves nothing behind (real kernel)", function () {
  this.timeout(60_000);
  before(function () {
    requireKernel(this);
    if (!existsSync(deno)) {
      console.log("      pending: node_modules/.bin/deno is not installed (npm ci installs it)");
      this.skip();
    }
  });

  it("a script that blocks forever fails at --timeout under Deno with a clear message", async () => {
    const run = start(["--timeout", "2"]);
    const inside = await waitFor(() => run.own.size > 0, 15_000);
    expect(inside, `the run did not start: ${run.output()}`).to.equal(true);
    const { code } = await run.exited;
    run.stopTracking();
    expect(code, run.output()).to.equal(1);
    expect(run.output()).to.match(/did not finish within 2 s/);
    expect(run.output()).to.match(/0 passed, 1 failed/);
    await expectNothingLeft(run);
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`a run under Deno interrupted with ${signal} mid-script`, async () => {
      const before = new Set(sleepers());
      const run = start([]);
      // Inside its script: its namespace exists and its command started the sleep.
      const ours = (): number[] => sleepers().filter((p) => !before.has(p) && run.started.has(p));
      const inside = await waitFor(() => run.own.size > 0 && ours().length > 0, 15_000);
      expect(inside, `the run did not start: ${run.output()}`).to.equal(true);
      // Just the signal: under Deno (2.9, this suite under Deno) ChildProcess#kill also closes the
      // child's stdio, which is more than an interrupted run gets.
      process.kill(run.child.pid!, signal);
      const { code, signal: got } = await run.exited;
      run.stopTracking();
      expect(code !== 0 || got !== null, "the run reported success").to.equal(true);
      // run.started holds the script's `sleep 1000 &` and the sandbox's command helpers.
      await expectNothingLeft(run);
    });
  }
});
