import { expect } from "chai";
import { parseRequirementHeader } from "../../../lib/coverage/header";

describe("lib/coverage/header: // rfc9293: lines", () => {
  it("reads ids and § sections from the leading comment block, in order, without duplicates", () => {
    const text = ["// topic: T1", "// rfc9293: MUST-10, SHLD-5 §3.10.7.3", "// A sentence.", "// rfc9293: MUST-10 MAY-2", "`sysctl -q x=1`", "0 socket(...) = 3", ""].join("\n");
    const r = parseRequirementHeader(text, "a.pkt");
    expect(r.diagnostics).to.deep.equal([]);
    expect(r.ids).to.deep.equal(["MUST-10", "SHLD-5", "MAY-2"]);
    expect(r.sections).to.deep.equal(["3.10.7.3"]);
  });

  it("blank lines do not end the header; the first other line does", () => {
    const r = parseRequirementHeader("// topic: T1\n\n// rfc9293: MUST-13\n", "a.pkt");
    expect(r.ids).to.deep.equal(["MUST-13"]);
  });

  it("an unknown id is an error at its file:line:col, with the level's range", () => {
    const r = parseRequirementHeader("// topic: T1\n// rfc9293: MUST-10 MUST-70\n", "x/a.pkt");
    expect(r.ids).to.deep.equal(["MUST-10"]);
    expect(r.diagnostics).to.have.length(1);
    const d = r.diagnostics[0]!;
    expect(d).to.include({ code: "E-rfc9293-unknown", severity: "error", message: "RFC 9293 has no requirement MUST-70." });
    expect(d.span?.file).to.equal("x/a.pkt");
    expect(d.span?.start).to.include({ line: 2, col: 21 });
    expect(d.span?.end.col).to.equal(28);
    expect(d.notes?.[0]?.message).to.equal("its MUST ids run from MUST-1 to MUST-69");
  });

  it("a malformed id, an unknown section and an empty line are errors too", () => {
    const r = parseRequirementHeader("// rfc9293: SHOULD-5 must-1 MUST-010 §3.99\n// rfc9293:\n", "a.pkt");
    expect(r.ids).to.deep.equal([]);
    expect(r.diagnostics.map((d) => [d.code, d.span?.start.line, d.span?.start.col])).to.deep.equal([
      ["E-rfc9293-id", 1, 13],
      ["E-rfc9293-id", 1, 22],
      ["E-rfc9293-id", 1, 29],
      ["E-rfc9293-section", 1, 38],
      ["E-rfc9293-empty", 2, 1],
    ]);
  });

  it("an rfc9293 line after the first event is not read, with a warning", () => {
    const r = parseRequirementHeader("// topic: T1\n0 socket(...) = 3\n// rfc9293: MUST-10\n", "a.pkt");
    expect(r.ids).to.deep.equal([]);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.span?.start.line])).to.deep.equal([["W-rfc9293-late", "warning", 3]]);
  });

  it("scripts without the line declare nothing", () => {
    expect(parseRequirementHeader("// topic: T1\n0 socket(...) = 3\n", "a.pkt")).to.deep.equal({ ids: [], sections: [], diagnostics: [] });
  });
});
