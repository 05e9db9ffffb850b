/**
 * On the kernel, a call due later is posted ahead of its time and started at it by the syscall
 * thread (run-script.ts: postAhead), a blocking one too (it entered the kernel 0.3-0.4 ms late
 * when posted at its time); the run itself starts at the tick-phase instant startInstant() names,
 * so the script's first call is posted ahead too.
 */
import { expect } from "chai";
import { kernelTargetFactory, runText, type TargetFactory } from "../../../harness/runner/run-job";
import { warmUpRunner } from "../../../harness/runner/warm-up";
import type { TraceEntry } from "../../../lib/trace/types";
import { requireKernel } from "../../helpers/kernel";

// The gaps leave room for a stall of the process: a call the runner reaches after its time is
// rightly not posted ahead, and under Deno, late in a full suite, a garbage collection V8 makes
// on its own stalled it for more than the 5 ms this gap once was.
const SCRIPT = `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
+.1 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
+.1...0.1 poll([{fd=3, events=POLLIN, revents=POLLHUP}], 1, 5) = 1
`;

type Call = TraceEntry & { kind: "syscall" };

describe("harness/runner: calls posted ahead of their time (kernel)", () => {
  it("posts the opening chain, a call after a wait and a blocking call with their instants", async function () {
    requireKernel(this);
    this.timeout(10_000);
    // A cold runner took more than startInstant()'s lead to reach the first call (alone in a
    // process, the spec failed 2 runs in 3); runs are timed after a warm-up (cli/run.ts).
    await warmUpRunner();
    const posted: { name: string; at: number | undefined; now: number; blocking?: boolean }[] = [];
    const recording: TargetFactory = async (config, cwd) => {
      const target = await kernelTargetFactory(config, cwd);
      const syscall = target.syscall.bind(target);
      target.syscall = (request, at, blocking) => {
        posted.push({ name: request.name, at, now: target.now(), ...(blocking === true ? { blocking } : {}) });
        return syscall(request, at, blocking);
      };
      const syscalls = target.syscalls!.bind(target);
      target.syscalls = (requests, at) => {
        posted.push({ name: requests.map((r) => r.name).join(","), at, now: target.now() });
        return syscalls(requests, at);
      };
      return target;
    };
    const r = await runText(SCRIPT, "ahead.pkt", "ipv4", {}, recording, process.cwd());
    expect(r.trace.verdict, r.trace.failure?.message).to.equal("pass");
    // socket() and the `+0` call after it go as one chain, at the run's start instant.
    expect(posted.map((p) => [p.name, p.at !== undefined, p.blocking === true])).to.deep.equal([
      ["socket,fcntl", true, false],
      ["fcntl", true, false],
      ["poll", true, true],
    ]);
    for (const p of posted) if (p.at !== undefined) expect(p.at, p.name).to.be.above(p.now);
    // Each call posted ahead started at its instant, not before it.
    const calls = r.trace.entries.filter((e): e is Call => e.kind === "syscall");
    for (const c of [calls[0]!, calls[2]!, calls[3]!]) expect(c.start, `line ${c.source?.line}`).to.be.at.least(c.due!);
  });
});
