/**
 * Nothing may outlive a sandbox: no namespace, TUN device, thread or process — after a normal
 * close, a close with a blocked syscall, a failure mid-run, background processes, and when the
 * whole tcpdrill process gets SIGINT or SIGKILL.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { createSandbox, setThreadPooling, stopIdleThreads, type Sandbox } from "../../../harness/sandbox/index";
import { sweepStaleDirectories } from "../../../harness/sandbox/exec";
import { ELLIPSIS } from "../../../harness/sys/index";
import { alive, descendantsOf, eventually, footprint, newThreads, settledFootprint, tasksIn, tidOf } from "./helpers/proc";
import { requireKernel } from "../../helpers/kernel";

const ROOT = path.join(__dirname, "..", "..", "..");
/** Loads a .ts file through tsx in the same process, under Node or Deno (`-r tsx/cjs` is Node's only). */
const RUN_TS = path.join(ROOT, "bin", "run-ts.js");

/** Asserts the sandbox left nothing: compared with the footprint taken before it existed. */
async function expectGone(sb: Sandbox, before: ReturnType<typeof footprint>): Promise<void> {
  expect(await eventually(() => tasksIn(sb.netns).length === 0, 2000), `tasks still in ${sb.netns}`).to.equal(true);
  expect(await eventually(() => footprint().children.length === before.children.length, 2000), "child processes").to.equal(true);
  expect(await eventually(() => newThreads(before.threadIds, footprint().threadIds).length === 0, 2000), "threads").to.equal(true);
  const after = footprint();
  expect(after.namespaces).to.deep.equal(before.namespaces);
  expect(newThreads(before.threadIds, after.threadIds), "threads started since, still there").to.deep.equal([]);
  expect(after.threadIds.map(tidOf)).to.not.include(String(sb.threadId));
  expect(after.tunFds).to.equal(before.tunFds);
}

describe("harness/sandbox cleanup (real kernel)", function () {
  this.timeout(30000);
  before(async function () {
    requireKernel(this);
    // Warm up once: the first close starts koffi's thread for background calls, which stays.
    // The thread then idles in the pool long enough to turn its event loop (thread-main.ts:
    // serveLoop), so tsx's transform cache gets written: on a cold cache every new syscall thread
    // would otherwise compile again, with an esbuild helper thread of its own.
    // A command, too: the process spawner it starts (harness/process/spawn.ts) stays for the
    // process's lifetime, a child of ours before every footprint.
    setThreadPooling(true);
    const warm = await createSandbox({ mode: "ipv4" });
    await warm.exec("true");
    await warm.close();
    await new Promise((r) => setTimeout(r, 500));
    // An idle pooled thread would count as a thread of ours; these specs count exactly.
    setThreadPooling(false);
    await stopIdleThreads();
  });
  after(() => setThreadPooling(true));

  it("recycles a healthy syscall thread: it leaves the namespace and serves the next sandbox", async () => {
    setThreadPooling(true);
    try {
      const before = await settledFootprint();
      const first = await createSandbox({ mode: "ipv4" });
      await first.syscall({ name: "socket", args: ["AF_INET", "SOCK_STREAM", 0] });
      const report = await first.close();
      expect(report).to.deep.include({ threadReleased: true, threadRecycled: true, problems: [] });
      expect(await eventually(() => tasksIn(first.netns).length === 0, 2000)).to.equal(true);
      // The recycled thread stays, idle; unrelated threads of the process may come and go briefly.
      expect(await eventually(() => newThreads(before.threadIds, footprint().threadIds).length === 1, 2000), "one idle thread kept").to.equal(true);
      expect(newThreads(before.threadIds, footprint().threadIds).map(tidOf)).to.deep.equal([String(first.threadId)]);
      const idle = footprint();
      expect(idle.namespaces).to.deep.equal(before.namespaces);
      expect(idle.tunFds).to.equal(before.tunFds);
      const second = await createSandbox({ mode: "ipv6" });
      expect(second.threadId).to.equal(first.threadId);
      expect(second.netns).to.not.equal(first.netns);
      // Nothing of the first sandbox is visible to the second: fresh namespace, no descriptors.
      expect(second.ownedDescriptors()).to.deep.equal([]);
      expect((await second.syscall({ name: "socket", args: ["AF_INET6", "SOCK_STREAM", 0] })).ret).to.be.at.least(0);
      await second.close();
    } finally {
      setThreadPooling(false);
      await stopIdleThreads();
    }
  });

  it("normal close releases the namespace, tun0, the thread, the commands and the directory", async () => {
    const before = await settledFootprint();
    const sb = await createSandbox({ mode: "ipv6" });
    const during = footprint();
    expect(during.namespaces).to.include(sb.netns);
    expect(during.tunFds).to.equal(before.tunFds + 1);
    expect(newThreads(before.threadIds, during.threadIds).map(tidOf), "the sandbox's thread, and no other").to.deep.equal([String(sb.threadId)]);
    const fd = (await sb.syscall({ name: "socket", args: ["AF_INET6", "SOCK_STREAM|SOCK_NONBLOCK", 0] })).ret;
    await sb.syscall({ name: "connect", args: [fd, { family: "AF_INET6", port: 80, addr: sb.config.remoteIp }] });
    expect((await sb.exec("true")).status).to.equal(0);
    const dir = sb.directory();
    const report = await sb.close();
    expect(report).to.deep.include({ unblocked: true, threadReleased: true, problems: [] });
    expect(existsSync(dir)).to.equal(false);
    await expectGone(sb, before);
    expect(await sb.close()).to.equal(report);
  });

  it("close wakes an accept() blocked on the syscall thread", async () => {
    const before = await settledFootprint();
    const sb = await createSandbox({ mode: "ipv4" });
    const l = (await sb.syscall({ name: "socket", args: ["AF_INET", "SOCK_STREAM", 0] })).ret;
    await sb.syscall({ name: "bind", args: [l, { family: "AF_INET", port: 8080, addr: "192.168.0.1" }] });
    await sb.syscall({ name: "listen", args: [l, 1] });
    const accepting = sb.syscall({ name: "accept", args: [l, ELLIPSIS, ELLIPSIS] });
    await new Promise((r) => setTimeout(r, 20));
    expect(sb.busy).to.equal(true);
    const started = Date.now();
    const report = await sb.close();
    expect(Date.now() - started).to.be.below(1500);
    expect(report).to.deep.include({ unblocked: true, threadReleased: true, problems: [] });
    expect(await accepting).to.include({ ret: -1 });
    await expectGone(sb, before);
  });

  it("close interrupts a blocking call on a non-socket (pipe read) with a signal", async () => {
    const before = await settledFootprint();
    const sb = await createSandbox({ mode: "ipv4" });
    const [r] = (await sb.syscall({ name: "pipe", args: [ELLIPSIS] })).out[0] as number[];
    const reading = sb.syscall({ name: "read", args: [r!, ELLIPSIS, 10] });
    await new Promise((res) => setTimeout(res, 20));
    expect(sb.busy).to.equal(true);
    const report = await sb.close();
    expect(report).to.deep.include({ unblocked: true, threadReleased: true, problems: [] });
    expect(await reading).to.include({ ret: -1, errnoName: "EINTR" });
    await expectGone(sb, before);
  });

  it("a failure mid-run (bad arguments, then the thread dying) still closes cleanly", async () => {
    const before = await settledFootprint();
    const sb = await createSandbox({ mode: "ipv4-mapped-ipv6" });
    const fd = (await sb.syscall({ name: "socket", args: ["AF_INET6", "SOCK_STREAM", 0] })).ret;
    await sb.syscall({ name: "bind", args: [fd, { family: "AF_INET6", port: 1, addr: "not an address" }] }).then(
      () => expect.fail("bad address accepted"),
      (e: Error) => expect(e.message).to.match(/argument 2/),
    );
    expect((await sb.syscall({ name: "listen", args: [fd, 1] })).ret).to.equal(0);
    // Simulate the syscall thread crashing behind the sandbox's back.
    await (sb as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread.worker.terminate();
    await sb.syscall({ name: "listen", args: [fd, 1] }).then(
      () => expect.fail("syscall on a dead thread succeeded"),
      (e: Error) => expect(e.message).to.match(/exited|stopped/),
    );
    const report = await sb.close();
    expect(report).to.include({ threadReleased: true, threadRecycled: false });
    await expectGone(sb, before);
  });

  it("kills a command's background process (sleep 1000 &) on close", async () => {
    const before = await settledFootprint();
    const sb = await createSandbox({ mode: "ipv4" });
    const r = await sb.exec("sleep 1000 >/dev/null 2>&1 & echo started");
    expect(r).to.include({ status: 0, stdout: "started\n" });
    const inNs = tasksIn(sb.netns).map((t) => Number(t.split("/")[0])).filter((pid) => pid !== process.pid);
    expect(inNs.length).to.be.at.least(2); // the PID-namespace holder and the sleep
    await sb.close();
    expect(await eventually(() => inNs.every((pid) => !alive(pid)), 2000)).to.equal(true);
    await expectGone(sb, before);
  });

  it("keeps the process's helper threads (libuv's and koffi's pools) out of the namespace", async () => {
    const child = spawn(process.execPath, [RUN_TS, path.join(__dirname, "fixtures", "threadpool-child.ts")], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let buf = "";
        child.stdout!.on("data", (d: Buffer) => (buf += d.toString()));
        child.once("exit", () => resolve(buf));
        setTimeout(() => reject(new Error("child did not finish within 15 s")), 15000).unref();
      });
      const info = JSON.parse(out.trim()) as { host: string; asyncNetns: string; inSandbox: string[]; syscallThread: string };
      expect(info.asyncNetns).to.equal(info.host);
      expect(info.inSandbox).to.deep.equal([info.syscallThread]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  for (const [signal, handlers] of [["SIGINT", true], ["SIGKILL", false]] as const) {
    it(`leaves nothing when the tcpdrill process gets ${signal}${handlers ? " (signal handlers installed)" : ""}`, async () => {
      // Node itself, not the tsx wrapper: the signal must reach the process that owns the sandbox.
      const child = spawn(process.execPath, [RUN_TS, path.join(__dirname, "fixtures", "sandbox-child.ts"), handlers ? "handlers" : ""], {
        cwd: ROOT,
        // stdin stays open while this process lives; the child exits when it closes.
        stdio: ["pipe", "pipe", "inherit"],
      });
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once("exit", (code, sig) => resolve({ code, signal: sig })));
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let buf = "";
          child.stdout!.on("data", (d: Buffer) => {
            buf += d.toString();
            if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
          });
          void exited.then(() => reject(new Error("child exited before reporting")));
          setTimeout(() => reject(new Error("child did not report within 15 s")), 15000).unref();
        });
        const info = JSON.parse(line) as { netns: string; dir: string };
        const inNs = [...new Set(tasksIn(info.netns).map((t) => Number(t.split("/")[0])))];
        expect(inNs).to.include(child.pid);
        // The child itself, the PID-namespace holder (2 processes) and the sleep.
        expect(inNs.length).to.be.at.least(4);
        // Also outside the namespace: the process spawner (harness/process/spawn.ts) under Node.
        const descendants = descendantsOf(child.pid!);
        const started = Date.now();
        // process.kill, not child.kill: under Deno (2.9) ChildProcess#kill also closes the child's
        // stdin, and the fixture exits at once when its stdin ends, before its handlers clean up.
        process.kill(child.pid!, signal);
        const how = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000).unref())]);
        expect(how, "the child did not exit within 5 s").to.not.equal(undefined);
        expect(how!.signal).to.equal(signal);
        expect(Date.now() - started).to.be.below(5000);
        expect(await eventually(() => tasksIn(info.netns).length === 0, 3000), `tasks left in ${info.netns}`).to.equal(true);
        // A process in the middle of exiting has left its namespaces but is not a zombie yet.
        expect(await eventually(() => inNs.filter(alive).length === 0, 2000), `still alive: ${inNs.filter(alive)}`).to.equal(true);
        expect(await eventually(() => descendants.filter(alive).length === 0, 2000), `descendants still alive: ${descendants.filter(alive)}`).to.equal(true);
        if (handlers) {
          expect(existsSync(info.dir)).to.equal(false);
        } else {
          // A killed process cannot clean its directory; the next tcpdrill process sweeps it.
          sweepStaleDirectories();
          expect(existsSync(info.dir)).to.equal(false);
        }
      } finally {
        // Whatever happened above, the child must not outlive the spec.
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    });
  }
});
