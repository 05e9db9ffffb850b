/**
 * `+0` chains of calls go to the syscall thread in one piece (call-ahead.ts: chainAfter): they
 * run back to back, in script order, and a failing call still fails at its own line.
 */
import { expect } from "chai";
import { kernelTargetFactory, modelTargetFactory, runText, type TargetFactory } from "../../../harness/runner/run-job";
import type { TraceEntry } from "../../../lib/trace/types";
import { requireKernel } from "../../helpers/kernel";

const CHAIN = `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 getsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], [4]) = 0
`;

type Call = TraceEntry & { kind: "syscall" };

/** The kernel target, recording the calls of each chain it is handed (by name). */
function recordingChains(chains: string[][]): TargetFactory {
  return async (config, cwd) => {
    const target = await kernelTargetFactory(config, cwd);
    const syscalls = target.syscalls!.bind(target);
    target.syscalls = (requests) => {
      chains.push(requests.map((r) => r.name));
      return syscalls(requests);
    };
    return target;
  };
}
const calls = (entries: readonly TraceEntry[]): Call[] => entries.filter((e): e is Call => e.kind === "syscall");

/** CHAIN with one line replaced, run on the kernel; it must fail. */
async function failingVariant(from: string, to: string): Promise<Awaited<ReturnType<typeof runText>>> {
  const r = await runText(CHAIN.replace(from, to), "chain.pkt", "ipv4", {}, kernelTargetFactory, process.cwd());
  expect(r.trace.verdict).to.equal("fail");
  return r;
}

describe("harness/runner: +0 chains of calls", () => {
  it("on the kernel, run one after another in script order, each after the one before returned", async function () {
    requireKernel(this);
    this.timeout(10_000);
    const chains: string[][] = [];
    const r = await runText(CHAIN, "chain.pkt", "ipv4", {}, recordingChains(chains), process.cwd());
    expect(r.trace.verdict, r.trace.failure?.message).to.equal("pass");
    // socket() heads the chain: the thread hands the descriptor it returned to the calls after it.
    expect(chains).to.deep.equal([["socket", "setsockopt", "fcntl", "bind", "listen", "getsockopt"]]);
    const c = calls(r.trace.entries);
    expect(c.map((e) => e.source?.line)).to.deep.equal([2, 3, 4, 5, 6, 7]);
    for (let i = 1; i < c.length; i++) expect(c[i]!.start, `line ${c[i]!.source?.line}`).to.be.at.least(c[i - 1]!.end);
  });

  it("a call that fails in the middle of a chain fails at its own line; the rest are not reported", async function () {
    requireKernel(this);
    this.timeout(10_000);
    const r = await failingVariant("fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)", "fcntl(3, F_GETFL) = 0x802");
    expect(r.trace.failure?.code).to.equal("E-syscall");
    expect(r.trace.failure?.span?.start.line).to.equal(4);
    expect(calls(r.trace.entries).map((e) => e.source?.line)).to.deep.equal([2, 3, 4]);
  });

  it("a call whose arguments cannot be evaluated ends the chain before it and fails at its line", async function () {
    requireKernel(this);
    this.timeout(10_000);
    const r = await failingVariant("+0 bind(3, ..., ...) = 0", "+0 getsockopt(3, SOL_SOCKET, NO_SUCH_OPTION, [1], [4]) = 0");
    expect(r.trace.failure?.span?.start.line, r.trace.failure?.message).to.equal(5);
    expect(r.trace.failure?.message).to.include("NO_SUCH_OPTION");
    expect(calls(r.trace.entries).map((e) => e.source?.line)).to.deep.equal([2, 3, 4]);
  });

  it("on the model (no chains: each call on its own) the same script passes", async () => {
    const r = await runText(CHAIN, "chain.pkt", "ipv4", { target: "model" }, modelTargetFactory(), process.cwd());
    expect(r.trace.verdict, r.trace.failure?.message).to.equal("pass");
    expect(calls(r.trace.entries)).to.have.length(6);
  });
});
