import { expect } from "chai";
import { firstDifference } from "../../../lib/script/ast-equal";
import { parseScript, type ParseOptions } from "../../../lib/script/parse";
import { printScript } from "../../../lib/script/printer";
import { corpusPresent, corpusScripts, definesFor, modesFor, readCorpus } from "./corpus-helper";
import { checkFixture, fixtureNames } from "./fixture-helper";

/** parse(print(ast)) must equal ast modulo spans, and printing must be a fixed point. */
function roundTrip(text: string, opts: ParseOptions): void {
  const first = parseScript(text, opts);
  const printed = printScript(first.partial);
  const second = parseScript(printed, opts);
  expect(firstDifference(first.partial, second.partial), printed).to.equal(undefined);
  expect(printScript(second.partial)).to.equal(printed);
  // A script that parsed cleanly prints to one that parses cleanly.
  const syntaxOk = (ds: typeof first.diagnostics): boolean => !ds.some((d) => d.code === "E-syntax" || d.code === "E-unterminated");
  if (syntaxOk(first.diagnostics)) expect(syntaxOk(second.diagnostics), printed).to.equal(true);
}

describe("script/printer", () => {
  it("prints canonical packetdrill text", () => {
    const r = parseScript(
      [
        "--tolerance_usecs=10000",
        "`init`",
        "0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // comment",
        "+.1~+.2 > P.  1:11(10) ack 1 <nop,nop,TS val 1 ecr 2>",
        "+0 < [ect0] S 0:0(0) win 100 <mss 1460,sackOK,FO abcd,eol,nop>",
        "+0...0.5 read(3, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)",
        "* > ipv4 1.1.1.1 > 2.2.2.2: gre flags [checksum present], sum 1, off 2, key = 3, seq 4: - 1:1(0) urg 1",
        "+0 %{ assert x }%",
        "`cleanup`",
      ].join("\n"),
      { file: "t.pkt" },
    );
    expect(r.diagnostics.map((d) => d.message)).to.deep.equal([]);
    expect(printScript(r.script!)).to.equal(
      [
        "--tolerance_usecs=10000",
        "`init`",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
        "+.1~+.2 > P. 1:11(10) ack 1 <nop,nop,TS val 1 ecr 2>",
        "+0 < [ect0] S 0:0(0) win 100 <mss 1460,sackOK,FO abcd,eol,nop>",
        "+0 ...0.5 read(3, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)",
        "* > ipv4 1.1.1.1 > 2.2.2.2 : gre flags [checksum present], sum 1, off 2, key = 3, seq 4: - 1:1(0) urg 1",
        "+0 %{ assert x }%",
        "`cleanup`",
        "",
      ].join("\n"),
    );
  });

  it("writes define names back instead of their values", () => {
    const opts = { file: "t.pkt", defines: { CODE: "host_unreachable", LVL: "SOL_IP", CMD: "`echo hi`" } };
    const r = parseScript("0 setsockopt(3, LVL, IP_TOS, [1], 4) = 0\n+0 < icmp unreachable CODE\n+0 CMD\n", opts);
    expect(printScript(r.script!)).to.equal("0 setsockopt(3, LVL, IP_TOS, [1], 4) = 0\n+0 < icmp unreachable CODE\n+0 CMD\n");
  });

  it("round-trips every golden fixture", () => {
    for (const name of fixtureNames()) {
      const { text } = checkFixture(name);
      roundTrip(text, { file: `${name}.pkt` });
    }
  });

  describe("round-trips the whole corpus", () => {
    if (!corpusPresent()) {
      it("skipped: the shared corpus is not present", function () {
        this.skip();
      });
      return;
    }
    for (const script of corpusScripts()) {
      it(script, () => {
        for (const mode of modesFor(script)) roundTrip(readCorpus(script), { file: script, ipVersion: mode, defines: definesFor(mode) });
      });
    }
  });
});
