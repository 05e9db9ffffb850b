import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { splitReadback, unappliedSysctls, withReadback } from "../../../harness/runner/sysctl-check";

describe("harness/runner/sysctl-check", () => {
  const asked = [
    { name: "kernel.ostype", value: "Linux" },
    { name: "kernel.no_such_knob", value: "1" },
    { name: "kernel.osrelease", value: "0.0.1-not-this" },
  ];

  it("reads the settings back in the command's own shell, keeping its output and exit status", () => {
    let out = "";
    let status = 0;
    try {
      out = execFileSync("/bin/sh", ["-c", withReadback("echo from the command; false", asked)], { encoding: "utf8" });
    } catch (e) {
      const err = e as { status: number; stdout: string };
      status = err.status;
      out = err.stdout;
    }
    expect(status).to.equal(1);
    const back = splitReadback(out);
    expect(back.stdout).to.equal("from the command\n");
    expect(back.values?.get("kernel.ostype")).to.equal("Linux");
    expect(back.values?.has("kernel.no_such_knob")).to.equal(false);
    expect(unappliedSysctls(asked, back.values!, undefined)).to.deep.equal([
      `the init command's sysctl kernel.osrelease=0.0.1-not-this did not take effect (it is ${back.values?.get("kernel.osrelease")})`,
    ]);
  });

  it("a command that exits before the readback gives no values (no warnings)", () => {
    const out = execFileSync("/bin/sh", ["-c", withReadback("echo bye; exit 0", asked)], { encoding: "utf8" });
    expect(splitReadback(out)).to.deep.equal({ stdout: "bye\n", values: undefined });
  });

  it("names --cc for the congestion control trap", () => {
    const w = unappliedSysctls([{ name: "net.ipv4.tcp_congestion_control", value: "cubic" }], new Map([["net.ipv4.tcp_congestion_control", "bbr"]]), "cubic");
    expect(w[0]).to.match(/cubic did not take effect \(it is bbr\); --cc cubic sets TCP_CONGESTION on every socket instead/);
  });
});
