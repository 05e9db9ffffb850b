// The same TS-built script against the real kernel (in its own network namespace).
import { expect, use } from "chai";
import { tcpdrillChai } from "../../../harness/api";
import { passiveOpenThenClose } from "./handshake";
import { requireKernel } from "../../helpers/kernel";

use(tcpdrillChai);

describe("harness/api on the kernel target", function () {
  this.timeout(30_000);

  it("a TS-built passive open and half close passes on Linux, with the same states as the model", async function () {
    requireKernel(this);
    const kernel = await passiveOpenThenClose("kernel-close", 1, "shutdown").run({ target: "kernel", mode: "ipv4" });
    expect(kernel).to.pass;
    expect(kernel.target).to.equal("kernel");
    expect(kernel).to.include.segment("F. 1:1(0) ack 1");
    const model = await passiveOpenThenClose("model-close", 1, "shutdown").run({ target: "model", mode: "ipv4" });
    const statesOf = (t: typeof kernel) => t.entries.flatMap((e) => (e.kind === "state" ? [`${e.fd}:${e.state}`] : []));
    expect(statesOf(kernel)).to.deep.equal(statesOf(model));
  });
});
