import { expect } from "chai";
import { compareVerdicts, formatVerdicts, parseVerdicts, reasonKey, sameReason, type VerdictRow } from "../../../lib/corpus/verdicts";

const row = (script: string, mode: string, verdict: "pass" | "fail", reason = ""): VerdictRow => ({ script, mode, verdict, verdictHostDefaultCc: verdict, wallS: 0.25, reason });

describe("lib/corpus/verdicts", () => {
  it("parses a verdicts.tsv table and prints it back in the same columns", () => {
    const text =
      "script\tmode\tverdict\tverdict_host_default_cc\twall_s\treason\n" +
      "tcp/a.pkt\tipv4\tpass\tpass\t0.422\t\n" +
      "tcp/b.pkt\tipv6\tfail\tfail\t0.300\tb.pkt:24: error handling packet: live packet field tcp_ack_seq: expected: 1001 (0x3e9) vs actual: 1 (0x1)\n";
    const { rows, errors } = parseVerdicts(text);
    expect(errors).to.deep.equal([]);
    expect(rows).to.have.length(2);
    expect(rows[1]).to.include({ script: "tcp/b.pkt", mode: "ipv6", verdict: "fail", wallS: 0.3 });
    expect(formatVerdicts(rows)).to.equal(text);
  });

  it("reports a malformed row with its line", () => {
    const { errors } = parseVerdicts("script\tmode\n x.pkt\tipv4\tmaybe\n");
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ code: "E-tsv", line: 2 });
  });

  it("keys a first error line by script line and field, not by the values in it", () => {
    expect(reasonKey("x.pkt:24: error handling packet: live packet field tcp_ack_seq: expected: 1001 (0x3e9) vs actual: 1 (0x1)")).to.deep.equal({ line: 24, field: "tcp_ack_seq" });
    expect(reasonKey("x.pkt:25: error handling packet: bad value in outbound TCP option (kind=254): expected: FOEXP 00ab actual: FOEXP f49b")).to.deep.equal({ line: 25, field: "tcp_option(kind=254)" });
    expect(reasonKey("x.pkt:51: error in Python code")).to.deep.equal({ line: 51, field: "python" });
    expect(sameReason("a.pkt:28: error handling packet: timing error: expected outbound packet at 0.30 sec but happened at 0.34 sec", "a.pkt:28: timing error: expected outbound packet at 0.31 sec but happened at 0.35 sec")).to.equal(true);
    expect(sameReason("a.pkt:28: error in Python code", "a.pkt:29: error in Python code")).to.equal(false);
    expect(sameReason("a.pkt:40: error handling packet: live packet payload: expected 16000 bytes vs actual 20000 bytes", "a.pkt:40: live packet field tcp_seq: expected: 1 vs actual: 2")).to.equal(false);
  });

  it("agrees on the same verdicts, and on failures only with the same line and field", () => {
    const expected = [row("a", "ipv4", "pass"), row("b", "ipv4", "fail", "b.pkt:3: error in Python code"), row("c", "ipv6", "fail", "c.pkt:9: error in Python code"), row("d", "ipv4", "pass")];
    const actual = [row("a", "ipv4", "pass"), row("b", "ipv4", "fail", "b.pkt:3: error in Python code: AssertionError"), row("c", "ipv6", "fail", "c.pkt:10: error in Python code")];
    const r = compareVerdicts(expected, actual);
    expect(r.total).to.equal(4);
    expect(r.agree).to.equal(2);
    expect(r.disagreements.map((d) => [d.kind, d.expected.script])).to.deep.equal([
      ["reason", "c"],
      ["missing", "d"],
    ]);
  });
});
