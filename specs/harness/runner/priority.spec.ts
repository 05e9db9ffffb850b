/**
 * The runner plays a kernel script at real-time priority (SCHED_RR 1, like packetdrill), but
 * what the script starts does not inherit it (thread-priority.ts: SCHED_RESET_ON_FORK): a busy
 * command or Python process at SCHED_RR kept its CPU from the syscall threads of every run.
 */
import { expect } from "chai";
import { availableParallelism } from "node:os";
import { kernelTargetFactory, runText } from "../../../harness/runner/run-job";
import { requireKernel } from "../../helpers/kernel";

describe("harness/runner: scheduling priority of what a script starts (kernel)", () => {
  it("runs the script's commands at SCHED_OTHER while the runner itself is real-time", async function () {
    requireKernel(this);
    if (availableParallelism() <= 1) this.skip(); // the runner stays SCHED_OTHER on one CPU
    this.timeout(10_000);
    const script = `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 \`chrt -p $$; chrt -p $$ | grep -q SCHED_OTHER\`
+.01 close(3) = 0
`;
    const r = await runText(script, "priority.pkt", "ipv4", {}, kernelTargetFactory, process.cwd());
    expect(r.trace.verdict, r.trace.failure?.notes?.map((n) => n.message).join("\n")).to.equal("pass");
  });
});
