import { expect } from "chai";
import { LineIndex } from "../../../lib/diagnostics/line-index";
import { renderDiagnostic, renderDiagnostics } from "../../../lib/diagnostics/render";
import type { Diagnostic } from "../../../lib/diagnostics/types";
import { hasErrors, sortDiagnostics } from "../../../lib/diagnostics/types";

const text = "first line\n\t+0 > S 0:0(0)\nlast";
const lines = new LineIndex(text);
const at = (start: number, end: number) => lines.span("a.pkt", start, end);

describe("diagnostics: LineIndex", () => {
  it("maps offsets to 1-based lines and columns and back to line text", () => {
    expect(lines.position(0)).to.deep.equal({ offset: 0, line: 1, col: 1 });
    expect(lines.position(11)).to.deep.equal({ offset: 11, line: 2, col: 1 });
    expect(lines.position(text.length)).to.deep.equal({ offset: text.length, line: 3, col: 5 });
    expect(lines.position(999).offset).to.equal(text.length);
    expect([1, 2, 3, 4].map((l) => lines.lineText(l))).to.deep.equal(["first line", "\t+0 > S 0:0(0)", "last", ""]);
  });
});

describe("diagnostics: renderDiagnostic", () => {
  it("prints file:line:col, severity[code], the source line and carets under the span", () => {
    const d: Diagnostic = { code: "E-x", severity: "error", message: "Expected a thing, found `S`.", span: at(17, 18) };
    expect(renderDiagnostic(d, text)).to.equal(
      ["a.pkt:2:7: error[E-x]: Expected a thing, found `S`.", "2 |         +0 > S 0:0(0)", "  |              ^"].join("\n"),
    );
  });

  it("underlines a whole token, a zero-width point, and a span running past its line", () => {
    expect(renderDiagnostic({ code: "W", severity: "warning", message: "m", span: at(0, 5) }, text).split("\n")[2]).to.equal("  | ^^^^^");
    expect(renderDiagnostic({ code: "W", severity: "warning", message: "m", span: at(10, 10) }, text).split("\n")[2]).to.equal(
      "  |           ^",
    );
    expect(renderDiagnostic({ code: "W", severity: "warning", message: "m", span: at(6, 14) }, text).split("\n")[2]).to.equal(
      "  |       ^^^^",
    );
  });

  it("renders notes with and without spans", () => {
    const d: Diagnostic = {
      code: "E-t",
      severity: "error",
      message: "time goes backward",
      span: at(26, 30),
      notes: [{ message: "the previous event is here", span: at(12, 14) }, { message: "a hint" }],
    };
    expect(renderDiagnostic(d, text)).to.equal(
      [
        "a.pkt:3:1: error[E-t]: time goes backward",
        "3 | last",
        "  | ^^^^",
        "a.pkt:2:2: note: the previous event is here",
        "2 |         +0 > S 0:0(0)",
        "  |         ^^",
        "  = note: a hint",
      ].join("\n"),
    );
  });

  it("prints only the header without a span or without the source text", () => {
    expect(renderDiagnostic({ code: "E-io", severity: "error", message: "no such file" })).to.equal("error[E-io]: no such file");
    expect(renderDiagnostic({ code: "E-x", severity: "note", message: "m", span: at(0, 1) })).to.equal("a.pkt:1:1: note[E-x]: m");
  });

  it("renders several diagnostics from several files, and sorts and classifies them", () => {
    const b = new LineIndex("x\n").span("b.pkt", 0, 1);
    const ds: Diagnostic[] = [
      { code: "E-2", severity: "error", message: "two", span: at(11, 12) },
      { code: "W-1", severity: "warning", message: "one", span: at(0, 1) },
      { code: "E-3", severity: "error", message: "three", span: b },
    ];
    expect(sortDiagnostics(ds).map((d) => d.code)).to.deep.equal(["W-1", "E-2", "E-3"]);
    expect(hasErrors(ds)).to.equal(true);
    expect(hasErrors([ds[1]!])).to.equal(false);
    const out = renderDiagnostics(ds, { "a.pkt": text, "b.pkt": "x\n" });
    expect(out).to.contain("b.pkt:1:1: error[E-3]: three\n1 | x\n  | ^");
  });
});
