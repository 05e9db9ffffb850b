import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { formatSeconds, script } from "../../../harness/api";
import { renderDiagnostic } from "../../../lib/diagnostics/render";
import { passiveOpenThenClose } from "./handshake";

describe("harness/api builder", () => {
  it("writes one event per line: 0 first, +0 after, .at/.after verbatim or in seconds", () => {
    const s = script("t")
      .option("tolerance_usecs", 10000)
      .shell("sysctl -q net.ipv4.tcp_timestamps=0")
      .call("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3")
      .expect("S 0:0(0) <...>")
      .after(0.25)
      .inject("R. 1:1(0) ack 1 win 0")
      .at("+0.1~+0.2")
      .expect(". 1:1(0)")
      .at(2)
      .shell("true")
      .line("// a comment");
    expect(s.text()).to.equal(
      [
        "--tolerance_usecs=10000",
        "`sysctl -q net.ipv4.tcp_timestamps=0`",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
        "+0 > S 0:0(0) <...>",
        "+0.25 < R. 1:1(0) ack 1 win 0",
        "+0.1~+0.2 > . 1:1(0)",
        "2 `true`",
        "// a comment",
        "",
      ].join("\n"),
    );
    expect(s.file).to.equal("t.pkt");
  });

  it("formats seconds as packetdrill writes them, to the microsecond", () => {
    expect([0, 1, 0.1, 1.25, 0.000001, 131].map(formatSeconds)).to.deep.equal(["0", "1", "0.1", "1.25", "0.000001", "131"]);
    expect(() => formatSeconds(-1)).to.throw(RangeError);
  });

  it("rejects a line break inside one builder call (it would shift later lines' call sites)", () => {
    expect(() => script("t").call("close(3) = 0\n+0 close(4) = 0")).to.throw(TypeError, /line break/);
  });

  it("parses with the script parser: a syntax error points at the generated line and the TS call site", () => {
    const s = script("broken").call("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3");
    const badLine = new Error().stack!.split("\n")[1]!.match(/:(\d+):\d+\)?$/)![1];
    s.expect("S. 0:0 ack 1"); // no (len)
    const r = s.parse();
    expect(r.script).to.equal(undefined);
    const error = r.diagnostics.find((d) => d.severity === "error")!;
    expect(error.span?.file).to.equal("broken.pkt");
    expect(error.span?.start.line).to.equal(2);
    const written = (error.notes ?? []).map((n) => n.message).find((m) => m.startsWith("written at "));
    expect(written).to.match(new RegExp(`specs/harness/api/builder\\.spec\\.ts:${Number(badLine) + 1}:\\d+$`));
    expect(renderDiagnostic(error, s.text())).to.contain("broken.pkt:2:").and.contain("+0 > S. 0:0 ack 1");
  });

  it("runs on the model through the runner and passes", async () => {
    const trace = await passiveOpenThenClose("close").run({ target: "model", mode: "ipv4" });
    expect(trace.verdict, trace.failure?.message).to.equal("pass");
    expect(trace.target).to.equal("model");
    expect(trace.script).to.equal("close.pkt");
    expect(trace.source).to.contain("+0 > F. 1:1(0) ack 1\n");
  });

  it("runs in every IP mode", async () => {
    for (const mode of ["ipv4", "ipv4-mapped-ipv6", "ipv6"] as const) {
      const trace = await passiveOpenThenClose("close").run({ mode });
      expect(trace.verdict, `${mode}: ${trace.failure?.message}`).to.equal("pass");
      expect(trace.mode).to.equal(mode);
    }
  });

  it("a failing expectation fails with the runner's diagnostic, naming the generated line and the TS call site", async () => {
    const trace = await passiveOpenThenClose("wrong-ack", 2).run();
    expect(trace.verdict).to.equal("fail");
    expect(trace.failure?.code).to.equal("E-packet-mismatch");
    expect(trace.failure?.span?.start.line).to.equal(10);
    const notes = (trace.failure?.notes ?? []).map((n) => n.message);
    const helper = readFileSync(path.join(__dirname, "handshake.ts"), "utf8").split("\n");
    const finLine = helper.findIndex((l) => l.includes(".expect(`F. 1:1(0) ack ${finAck}`)")) + 1;
    expect(finLine).to.be.greaterThan(0);
    expect(notes.at(-1)).to.match(new RegExp(`^written at specs/harness/api/handshake\\.ts:${finLine}:\\d+$`));
  });

  it("a parse error is an error trace, not a throw", async () => {
    const trace = await script("bad").call("socket(").run();
    expect(trace.verdict).to.equal("error");
    expect(trace.failure?.span?.file).to.equal("bad.pkt");
  });
});
