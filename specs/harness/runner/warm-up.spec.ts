import { expect } from "chai";
import { modelTargetFactory, runText } from "../../../harness/runner/run-job";
import { WARM_UP_SCRIPT, warmUpRunner } from "../../../harness/runner/warm-up";

describe("harness/runner/warm-up", () => {
  it("the warm-up script passes on the model in every mode, so it warms the paths a passing run takes", async () => {
    for (const mode of ["ipv4", "ipv4-mapped-ipv6", "ipv6"] as const) {
      const r = await runText(WARM_UP_SCRIPT, "warm-up.pkt", mode, { target: "model" }, modelTargetFactory(), process.cwd());
      expect(r.trace.verdict, `${mode}: ${r.trace.failure?.message}`).to.equal("pass");
    }
  });

  it("runs once per process", async () => {
    const first = warmUpRunner();
    expect(warmUpRunner()).to.equal(first);
    await first;
  });
});
