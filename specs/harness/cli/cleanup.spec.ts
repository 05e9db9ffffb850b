// `tcpdrill run` leaves nothing behind — no network namespace, TUN device (they live in the
// namespaces), thread or process — whether a run times out, or the process gets SIGINT or SIGKILL
// in the middle of a script that blocks forever.
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { readlinkSync } from "node:fs";
import * as path from "node:path";
import { namespacesOf, netNamespaces, sleepers, waitFor } from "./proc-scan";
import { requireKernel } from "../../helpers/kernel";

const root = path.resolve(__dirname, "../../..");
const script = path.join(__dirname, "fixtures/blocks-forever.pkt");

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [path.join(root, "bin/tcpdrill.js"), "run", ...args, script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

/**
 * The run's own namespaces (those its threads were in, other than the host's) exist no more, and
 * its background processes are gone. Other runs on the machine (parallel test sessions) are
 * not counted: only what this run created.
 */
async function expectNothingLeft(own: Set<string>, sleepersBefore: number): Promise<void> {
  const clean = await waitFor(() => [...own].every((ns) => !netNamespaces().has(ns)) && sleepers().length <= sleepersBefore, 5000);
  const left = [...own].filter((ns) => netNamespaces().has(ns));
  expect(left, "network namespaces left behind").to.deep.equal([]);
  expect(sleepers().length, "background processes left behind").to.be.at.most(sleepersBefore);
  expect(clean).to.equal(true);
}

/** Watches a run and collects the namespaces its threads enter (the host's excluded). */
function trackNamespaces(pid: number): { own: Set<string>; stop: () => void } {
  const host = readlinkSync("/proc/self/ns/net");
  const own = new Set<string>();
  const sample = (): void => {
    for (const ns of namespacesOf(pid)) if (ns !== host) own.add(ns);
  };
  const timer = setInterval(sample, 5);
  return {
    own,
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}

describe("tcpdrill run leaves nothing behind (real kernel)", function () {
  this.timeout(60_000);
  before(function () {
    requireKernel(this);
  });

  it("a script that blocks forever fails at --timeout with a clear message", async () => {
    const sleeping = sleepers().length;
    const run = start(["--timeout", "2"]);
    const tracked = trackNamespaces(run.child.pid!);
    const inside = await waitFor(() => tracked.own.size > 0, 15_000);
    expect(inside, `the run did not start: ${run.output()}`).to.equal(true);
    const { code } = await run.exited;
    tracked.stop();
    expect(code).to.equal(1);
    expect(run.output()).to.match(/did not finish within 2 s/);
    expect(run.output()).to.match(/0 passed, 1 failed/);
    await expectNothingLeft(tracked.own, sleeping);
  });

  for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
    it(`a run killed with ${signal} mid-script`, async () => {
      const sleeping = sleepers().length;
      const run = start([]);
      const tracked = trackNamespaces(run.child.pid!);
      // Wait until the run is inside its script: its namespace exists and the command ran.
      const inside = await waitFor(() => sleepers().length > sleeping && tracked.own.size > 0, 15_000);
      expect(inside, `the run did not start: ${run.output()}`).to.equal(true);
      run.child.kill(signal);
      const { code, signal: got } = await run.exited;
      tracked.stop();
      expect(code !== 0 || got !== null).to.equal(true);
      await expectNothingLeft(tracked.own, sleeping);
    });
  }
});
