import { expect } from "chai";
import { kernelTargetFactory, modelTargetFactory, runText } from "../../../harness/runner/run-job";
import { kernelWarmUpScript, WARM_UP_SCRIPT, warmUpKernel, warmUpRunner } from "../../../harness/runner/warm-up";
import { sandboxSupport } from "../../../harness/sandbox";
import { requireKernel } from "../../helpers/kernel";

describe("harness/runner/warm-up", () => {
  it("the warm-up script passes on the model in every mode, so it warms the paths a passing run takes", async () => {
    for (const mode of ["ipv4", "ipv4-mapped-ipv6", "ipv6"] as const) {
      const r = await runText(WARM_UP_SCRIPT, "warm-up.pkt", mode, { target: "model" }, modelTargetFactory(), process.cwd());
      expect(r.trace.verdict, `${mode}: ${r.trace.failure?.message}`).to.equal("pass");
    }
  });

  it("the warm-up script passes on the kernel too, so the syscall thread's paths get warm as well", async function () {
    requireKernel(this);
    this.timeout(10_000);
    const r = await runText(WARM_UP_SCRIPT, "warm-up.pkt", "ipv4", { allowUnexpected: true }, kernelTargetFactory, process.cwd());
    expect(r.trace.verdict, r.trace.failure?.message).to.equal("pass");
    expect(r.trace.entries.filter((e) => e.kind === "syscall").length).to.be.at.least(8);
  });

  it("the kernel's call rounds pass under --cc, every call of them made", async function () {
    requireKernel(this);
    this.timeout(10_000);
    const rounds = 3;
    const r = await runText(kernelWarmUpScript(rounds), "warm-up-calls.pkt", "ipv4", { allowUnexpected: true, congestionControl: "cubic" }, kernelTargetFactory, process.cwd());
    expect(r.trace.verdict, r.trace.failure?.message).to.equal("pass");
    // Per round: a socket() and 6 calls on it, 11 calls on the accepted socket; 5 to set up.
    expect(r.trace.entries.filter((e) => e.kind === "syscall").length).to.equal(rounds * 18 + 5);
  });

  it("runs once per process", async () => {
    const first = warmUpRunner();
    expect(warmUpRunner()).to.equal(first);
    await first;
    if (!sandboxSupport().ok) return;
    const kernel = warmUpKernel(1);
    expect(warmUpKernel(2)).to.equal(kernel);
    await kernel;
  });
});
