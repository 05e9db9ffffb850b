/** The ladder layout on small hand-made traces: order, gaps and breaks, mismatch rows, close(). */
import { expect } from "chai";
import { expectedPacketNote, ladderLayout, stateOwner, syscallLabel } from "../../../lib/report/ladder-layout";
import type { Trace, TraceEntry } from "../../../lib/trace/types";

function trace(entries: TraceEntry[], extra: Partial<Trace> = {}): Trace {
  return { script: "x.pkt", mode: "ipv4", target: "model", verdict: "pass", entries, wallMs: 0, scriptedUsecs: 0, ...extra };
}

const call = (start: number, line: number, text: string, ret = 0, end = start): TraceEntry => ({ kind: "syscall", start, end, source: { line }, call: text, ret });
const inj = (time: number, line: number, text: string): TraceEntry => ({ kind: "inject", time, source: { line }, hex: "", text });
const sniff = (time: number, line: number, text: string, matched = true): TraceEntry => ({ kind: "sniff", time, source: { line }, hex: "", text, matched });
const st = (time: number, fd: number, state: string): TraceEntry => ({ kind: "state", time, fd, state });

describe("lib/report/ladder-layout", () => {
  it("orders rows by time, keeping the recorded order at one instant", () => {
    const l = ladderLayout(trace([call(0, 1, "listen(3, 1) = 0"), st(0, 3, "LISTEN"), inj(5, 2, "S 0:0(0) win 1000"), sniff(5, 3, "S. 0:0(0) ack 1")]));
    expect(l.steps.map((s) => s.row.kind)).to.deep.equal(["syscall", "state", "segment", "segment"]);
    expect(l.steps.map((s) => s.gap.kind)).to.deep.equal(["none", "none", "time", "none"]);
  });

  it("draws gaps up to breakUsecs to scale and longer ones as breaks", () => {
    const entries = [inj(0, 1, "a"), inj(900_000, 2, "b"), inj(2_900_000, 3, "c")];
    expect(ladderLayout(trace(entries)).steps.map((s) => s.gap)).to.deep.equal([{ kind: "none" }, { kind: "time", usecs: 900_000 }, { kind: "break", usecs: 2_000_000 }]);
    expect(ladderLayout(trace(entries), { breakUsecs: 500_000 }).steps.map((s) => s.gap.kind)).to.deep.equal(["none", "break", "break"]);
  });

  it("marks close() of a socket whose later states are not reported, and not otherwise", () => {
    const before = [call(0, 1, "accept(3, ..., ...) = 4", 4), st(0, 4, "ESTABLISHED"), call(10, 2, "close(4) = 0"), sniff(10, 3, "F. 1:1(0) ack 1")];
    const marked = ladderLayout(trace(before));
    expect(marked.steps.map((s) => s.row.kind)).to.deep.equal(["syscall", "state", "syscall", "released", "segment"]);
    expect(marked.steps[3]!.row).to.deep.include({ fd: 4, lastState: "ESTABLISHED" });
    const followed = ladderLayout(trace([...before, st(10, 4, "FIN_WAIT1")]));
    expect(followed.steps.map((s) => s.row.kind)).not.to.include("released");
    expect(followed.states).to.deep.equal([
      { fd: 4, state: "ESTABLISHED" },
      { fd: 4, state: "FIN_WAIT1" },
    ]);
  });

  it("names fd-less connections 'child'", () => {
    expect(stateOwner(-1)).to.equal("child");
    expect(stateOwner(4)).to.equal("fd 4");
  });

  it("puts the expected segment right after the actual one of the failing line, then the failure", () => {
    const failure = {
      code: "E-packet-mismatch",
      severity: "error" as const,
      message: "error handling packet: live packet field tcp_syn: expected: 0 (0x0) vs actual: 1 (0x1)",
      span: { file: "x.pkt", start: { offset: 0, line: 7, col: 4 }, end: { offset: 9, line: 7, col: 13 } },
      notes: [{ message: "script packet: 0.000100 R. 0:0(0) ack 1 <mss 1460>" }, { message: "actual packet: 0.000200 S. 0:0(0) ack 1 <mss 1460>" }],
    };
    const t = trace([inj(50, 6, "S 0:0(0) win 1000"), sniff(200, 7, "S. 0:0(0) ack 1 <mss 1460>", false)], { verdict: "fail", failure });
    expect(expectedPacketNote(t)).to.deep.equal({ time: 100, text: "R. 0:0(0) ack 1 <mss 1460>" });
    const rows = ladderLayout(t).steps.map((s) => s.row);
    expect(rows.map((r) => (r.kind === "segment" ? `${r.style} ${r.text}` : r.kind))).to.deep.equal(["normal S 0:0(0) win 1000", "actual S. 0:0(0) ack 1 <mss 1460>", "expected R. 0:0(0) ack 1 <mss 1460>", "failure"]);
    expect(rows[2]).to.deep.include({ time: 200, line: 7, dir: "out" });
  });

  it("shows a failed syscall's actual result and drops errno descriptions", () => {
    const failure = { code: "E-syscall", severity: "error" as const, message: "x", span: { file: "x.pkt", start: { offset: 0, line: 2, col: 1 }, end: { offset: 1, line: 2, col: 2 } } };
    const t = trace([{ kind: "syscall", start: 0, end: 0, source: { line: 2 }, call: "accept(3, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)", ret: 4 }], { verdict: "fail", failure });
    const row = ladderLayout(t).steps[0]!.row;
    expect(row.kind === "syscall" && syscallLabel(row)).to.equal("accept(3, ..., ...) = -1 EAGAIN   [returned 4]");
  });
});
