/**
 * Act first, check later (run-script.ts: pendingCheck): an outbound packet whose next event is
 * due at once is compared after that event has acted, and the verdict is the same as checking
 * first — a mismatch fails at the packet's own line, and the trace keeps nothing of the event
 * that already acted.
 */
import { expect } from "chai";
import { kernelTargetFactory, modelTargetFactory, runText, type TargetFactory } from "../../../harness/runner/run-job";
import { requireKernel } from "../../helpers/kernel";

const PASSIVE = (synAckWscale: number): string => `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale ${synAckWscale}>
+0 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
`;

/** The factory, recording every injection the target is asked for. */
function countingInjections(factory: TargetFactory, injected: Uint8Array[]): TargetFactory {
  return async (config, cwd) => {
    const target = await factory(config, cwd);
    const inject = target.inject.bind(target);
    target.inject = (bytes) => {
      injected.push(bytes);
      return inject(bytes);
    };
    return target;
  };
}

for (const [name, factory] of [["model", modelTargetFactory()], ["kernel", kernelTargetFactory]] as [string, TargetFactory][]) {
  describe(`harness/runner: act first, check later (${name})`, () => {
    beforeEach(function () {
      if (name === "kernel") requireKernel(this);
    });

    /** The SYN-ACK's window scale, as this target sends it: learned from a run that may fail. */
    async function wscale(): Promise<number> {
      const r = await runText(PASSIVE(0), "act-first.pkt", "ipv4", {}, factory, process.cwd());
      const m = /actual: wscale (\d+)/.exec(r.trace.failure?.message ?? "");
      expect(m, r.trace.failure?.message).to.not.equal(null);
      return Number(m![1]);
    }

    it("keeps the trace in script order when the check of a packet waited for the `+0` injection after it", async function () {
      this.timeout(10_000);
      const r = await runText(PASSIVE(await wscale()), "act-first.pkt", "ipv4", {}, factory, process.cwd());
      expect(r.trace.verdict, r.trace.failure?.message).to.equal("pass");
      const lines = r.trace.entries.flatMap((e) => (e.kind === "inject" || (e.kind === "sniff" && e.source !== undefined) ? [e.source?.line] : []));
      expect(lines).to.deep.equal([6, 7, 8]);
    });

    it("a mismatch still fails at the packet's line; the injection already made is not in the trace", async function () {
      this.timeout(10_000);
      const injected: Uint8Array[] = [];
      const wrong = (await wscale()) + 1;
      const r = await runText(PASSIVE(wrong), "act-first.pkt", "ipv4", {}, countingInjections(factory, injected), process.cwd());
      expect(r.trace.verdict).to.equal("fail");
      expect(r.trace.failure?.code).to.equal("E-packet-mismatch");
      expect(r.trace.failure?.span?.start.line).to.equal(7);
      expect(r.trace.entries.some((e) => "source" in e && e.source?.line === 8)).to.equal(false);
      // The ACK of line 8 went out before the comparison (then the run's closing RST).
      const ackFlags = injected.map((b) => b[33]);
      expect(ackFlags.slice(0, 2)).to.deep.equal([0x02, 0x10]);
    });
  });
}
