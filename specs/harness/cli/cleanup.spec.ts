// `tcpdrill run` leaves nothing behind — no network namespace, TUN device (they live in the
// namespaces), thread or process — whether a run times out, or the process gets SIGINT or SIGKILL
// in the middle of a script that blocks forever.
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import * as path from "node:path";
import { sandboxSupport } from "../../../harness/sandbox";

const root = path.resolve(__dirname, "../../..");
const script = path.join(__dirname, "fixtures/blocks-forever.pkt");

function netNamespaces(): Set<string> {
  const found = new Set<string>();
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        found.add(readlinkSync(`/proc/${pid}/task/${tid}/ns/net`));
      } catch {
        // the task exited while we looked
      }
    }
  }
  return found;
}

function sleepers(): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = require("node:fs").readFileSync(`/proc/${pid}/cmdline`, "utf8") as string;
      if (cmd === "sleep\u00001000\u0000") n++;
    } catch {
      // gone
    }
  }
  return n;
}

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [path.join(root, "bin/tcpdrill.js"), "run", ...args, script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

async function expectNothingLeft(before: Set<string>, sleepersBefore: number): Promise<void> {
  const clean = await waitFor(() => [...netNamespaces()].every((ns) => before.has(ns)) && sleepers() <= sleepersBefore, 5000);
  const extra = [...netNamespaces()].filter((ns) => !before.has(ns));
  expect(extra, "network namespaces left behind").to.deep.equal([]);
  expect(sleepers(), "background processes left behind").to.be.at.most(sleepersBefore);
  expect(clean).to.equal(true);
}

describe("tcpdrill run leaves nothing behind (real kernel)", function () {
  this.timeout(60_000);
  before(function () {
    const support = sandboxSupport();
    if (!support.ok) {
      console.log(`      pending: kernel target unavailable: ${support.reason}`);
      this.skip();
    }
  });

  it("a script that blocks forever fails at --timeout with a clear message", async () => {
    const before = netNamespaces();
    const sleeping = sleepers();
    const run = start(["--timeout", "2"]);
    const { code } = await run.exited;
    expect(code).to.equal(1);
    expect(run.output()).to.match(/did not finish within 2 s/);
    expect(run.output()).to.match(/0 passed, 1 failed/);
    await expectNothingLeft(before, sleeping);
  });

  for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
    it(`a run killed with ${signal} mid-script`, async () => {
      const before = netNamespaces();
      const sleeping = sleepers();
      const run = start([]);
      // Wait until the run is inside its script: its namespace exists and the command ran.
      const inside = await waitFor(() => sleepers() > sleeping && netNamespaces().size > before.size, 15_000);
      expect(inside, `the run did not start: ${run.output()}`).to.equal(true);
      run.child.kill(signal);
      const { code, signal: got } = await run.exited;
      expect(code !== 0 || got !== null).to.equal(true);
      await expectNothingLeft(before, sleeping);
    });
  }
});
