/**
 * Ladder diagrams of real runs: the handshake (T1), the four-way close (T4), a TIME_WAIT that
 * expires (T8, 61 s idle: a break) and a failing script, played on the model (no root needed),
 * plus the handshake on the kernel where namespaces work. The layout is checked as data; the SVG
 * and the text for their structure (arrows, labels, states in order, mismatch styles).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { kernelTargetFactory, modelTargetFactory, runJob } from "../../../harness/runner/run-job";
import { renderLadderSvg } from "../../../harness/report/ladder-svg";
import { LADDER_TEXT_WIDTH, renderLadderText } from "../../../harness/report/ladder-text";
import { ladderLayout, type LadderLayout } from "../../../lib/report/ladder-layout";
import type { Trace } from "../../../lib/trace/types";
import { requireKernel } from "../../helpers/kernel";

const T1 = "specs/tcp/passive-open/listen-accept.pkt";
const T4 = "specs/tcp/active-close/four-way.pkt";
const T8 = "specs/harness/report/fixtures/time-wait-expiry.pkt";
const WRONG = "specs/harness/runner/selftest/wrong-flags.pkt";

async function modelTrace(file: string): Promise<Trace> {
  return (await runJob(file, "ipv4", { target: "model" }, modelTargetFactory())).trace;
}

/** Segments as `<dir> <style> <label>`, in drawing order, from the layout. */
function segments(layout: LadderLayout): string[] {
  return layout.steps.flatMap((s) => (s.row.kind === "segment" ? [`${s.row.dir} ${s.row.style} ${s.row.text.split(" <")[0]}`] : []));
}

/** Segments as the SVG draws them: class and label text, in document order. */
function svgSegments(svg: string): { cls: string; label: string; title: string }[] {
  const out: { cls: string; label: string; title: string }[] = [];
  for (const m of svg.matchAll(/<g class="segment ([^"]+)"[^>]*><title>([^<]*)<\/title><line [^>]*\/><text [^>]*class="label"[^>]*>([^<]*)<\/text>/g)) {
    out.push({ cls: m[1]!, title: m[2]!, label: m[3]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">") });
  }
  return out;
}

/** The trace's state entries in time order, as `fd:STATE` (what the diagram must show, in order). */
function traceStates(trace: Trace): string[] {
  return trace.entries.flatMap((e) => (e.kind === "state" ? [e] : [])).sort((a, b) => a.time - b.time).map((e) => `${e.fd}:${e.state}`);
}

/** `names` occur in `list` in this order (other states may come between). */
function expectInOrder(list: readonly string[], names: readonly string[]): void {
  let at = 0;
  for (const n of names) {
    const i = list.findIndex((x, j) => j >= at && x.endsWith(`:${n}`));
    expect(i, `${n} after ${names.slice(0, names.indexOf(n)).join(", ")} in ${list.join(" ")}`).to.be.at.least(0);
    at = i + 1;
  }
}

function svgStates(svg: string): string[] {
  return [...svg.matchAll(/<g class="state" data-fd="(-?\d+)" data-state="([^"]+)">/g)].map((m) => `${m[1]}:${m[2]}`);
}

/** Every element opened is closed (the SVG is inlined into HTML and opened by browsers). */
function expectBalanced(svg: string): void {
  for (const tag of ["svg", "g", "text", "title", "marker", "defs", "style"]) {
    const open = (svg.match(new RegExp(`<${tag}[ >]`, "g")) ?? []).length;
    const close = (svg.match(new RegExp(`</${tag}>`, "g")) ?? []).length;
    expect(close, `</${tag}>`).to.equal(open);
  }
  expect(svg).not.to.match(/<(?!\/?[a-z]|!)/, "no stray '<' in text");
}

/** The text diagram: within 100 columns, the kernel's lane in one column on every diagram line. */
function expectAlignedText(text: string): void {
  const lines = text.trimEnd().split("\n");
  for (const l of lines) expect([...l].length, l).to.be.at.most(LADDER_TEXT_WIDTH);
  const lanes = lines.slice(1).filter((l) => !/^ {2}(✗| {2}\S)/.test(l)).map((l) => [...l].findIndex((c, i) => i > 40 && "│●○╪┆≈".includes(c)));
  expect(new Set(lanes).size, "one lane column").to.equal(1);
}

describe("harness/report/ladder", () => {
  describe("handshake (T1) on the model", () => {
    let trace: Trace;
    before(async () => {
      trace = await modelTrace(T1);
      expect(trace.verdict).to.equal("pass");
    });

    it("lays out SYN, SYN-ACK, ACK in order with the listener's and the child's states", () => {
      const layout = ladderLayout(trace);
      expect(segments(layout)).to.deep.equal(["in normal S 0:0(0) win 65535", "out normal S. 0:0(0) ack 1 win 65160", "in normal . 1:1(0) ack 1 win 514"]);
      expect(layout.states.map((x) => `${x.fd}:${x.state}`)).to.deep.equal(traceStates(trace));
      expectInOrder(traceStates(trace), ["CLOSE", "LISTEN", "ESTABLISHED"]);
      // The 100 ms before the third segment is drawn to scale; nothing here is long enough to break.
      expect(layout.steps.some((s) => s.gap.kind === "time" && s.gap.usecs === 100_000)).to.equal(true);
      expect(layout.steps.some((s) => s.gap.kind === "break")).to.equal(false);
    });

    it("draws one arrow per segment with its script notation, states on the kernel's line, rule ids on hover", () => {
      const svg = renderLadderSvg(ladderLayout(trace));
      expectBalanced(svg);
      const segs = svgSegments(svg);
      expect(segs.map((s) => s.cls)).to.deep.equal(["in normal", "out normal", "in normal"]);
      expect(segs[0]!.label).to.equal("S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>");
      expect(segs[1]!.label).to.match(/^S\. 0:0\(0\) ack 1 win \d+ <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale \d+>$/);
      expect(segs[1]!.title).to.contain("rule: segment-arrives/listen/syn").and.contain("line 13");
      expect(svgStates(svg)).to.deep.equal(traceStates(trace));
      expect(svg).to.match(/<title>fd 3: LISTEN\n[^<]*rule: syscall\/listen<\/title>/);
      // The syscalls on the kernel's side, in order, the errno's description dropped.
      const calls = [...svg.matchAll(/<g class="syscall[^"]*" data-line="(\d+)">/g)].map((m) => Number(m[1]));
      expect(calls).to.deep.equal([6, 7, 8, 9, 10, 15, 17]);
      expect(svg).to.contain(">accept(3, ..., ...) = -1 EAGAIN</text>");
      // SVG and the arrows come before/after in time: SYN above SYN-ACK above the ACK.
      expect(svg.indexOf("S 0:0(0) win 65535")).to.be.lessThan(svg.indexOf("S. 0:0(0) ack 1"));
    });

    it("prints an aligned text diagram within 100 columns", () => {
      const text = renderLadderText(ladderLayout(trace));
      expectAlignedText(text);
      expect(text).to.match(/ 12 +│<─+│ S 0:0\(0\) win 65535\n/);
      expect(text).to.match(/ 13 +│─+>│ S\. 0:0\(0\) ack 1 win \d+\n/);
      expect(text).to.match(/(fd 4|child) → ESTABLISHED ╪/);
    });
  });

  describe("four-way close (T4) on the model", () => {
    it("draws FIN, ACK, FIN, ACK after close(), with the states the runner saw (or where it stopped seeing them)", async () => {
      const trace = await modelTrace(T4);
      const layout = ladderLayout(trace);
      expect(segments(layout)).to.deep.equal([
        "in normal S 0:0(0) win 65535",
        "out normal S. 0:0(0) ack 1 win 64240",
        "in normal . 1:1(0) ack 1 win 65535",
        "out normal F. 1:1(0) ack 1 win 64240",
        "in normal . 1:1(0) ack 2 win 65535",
        "in normal F. 1:1(0) ack 2 win 65535",
        "out normal . 2:2(0) ack 2 win 64240",
      ]);
      const kinds = layout.steps.map((s) => s.row.kind);
      const closeAt = layout.steps.findIndex((s) => s.row.kind === "syscall" && s.row.text.startsWith("close(4)"));
      // Runners that follow the connection by 4-tuple after close() report FIN_WAIT1…TIME_WAIT;
      // older ones read states only through the fd, and the diagram says where that stopped.
      const afterClose = layout.steps.slice(closeAt).flatMap((s) => (s.row.kind === "state" && s.row.fd === 4 ? [s.row.state] : []));
      if (afterClose.length > 0) {
        expect(afterClose).to.deep.equal(["FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"]);
        expect(kinds).not.to.include("released");
        const finAt = layout.steps.findIndex((s) => s.row.kind === "segment" && s.row.text.startsWith("F. 1:1(0) ack 1"));
        const fw2At = layout.steps.findIndex((s) => s.row.kind === "state" && s.row.state === "FIN_WAIT2");
        expect(fw2At).to.be.greaterThan(finAt, "FIN_WAIT2 after our FIN is ACKed");
      } else {
        expect(kinds[closeAt + 1]).to.equal("released", "right after close(4)");
      }
      const svg = renderLadderSvg(layout);
      expectBalanced(svg);
      expect(svgSegments(svg).map((s) => s.label.split(" win")[0])).to.deep.equal(["S 0:0(0)", "S. 0:0(0) ack 1", ". 1:1(0) ack 1", "F. 1:1(0) ack 1", ". 1:1(0) ack 2", "F. 1:1(0) ack 2", ". 2:2(0) ack 2"]);
      expect(svgSegments(svg)[3]!.title).to.contain("rule: close/fin");
      expect(svgStates(svg)).to.deep.equal(traceStates(trace));
      expect(svg.includes('<g class="released" data-fd="4">')).to.equal(afterClose.length === 0);
      expectAlignedText(renderLadderText(layout));
    });
  });

  describe("TIME_WAIT expiry (T8) on the model", () => {
    it("compresses the 66 s idle gap into a visible break instead of drawing it to scale", async () => {
      const trace = await modelTrace(T8);
      expect(trace.verdict).to.equal("pass");
      const layout = ladderLayout(trace);
      const breaks = layout.steps.filter((s) => s.gap.kind === "break");
      expect(breaks.map((s) => s.gap)).to.deep.equal([{ kind: "break", usecs: 66_000_000 }]);
      expect(segments(layout).slice(-2)).to.deep.equal(["in normal . 2:2(0) ack 2 win 65535", "out normal R 2:2(0) win 0"]);
      const svg = renderLadderSvg(layout);
      expectBalanced(svg);
      expect(svg).to.contain('<g class="break" data-usecs="66000000">').and.contain("66.000 s later (not to scale)");
      const height = Number(/<svg [^>]*height="(\d+)"/.exec(svg)![1]);
      expect(height).to.be.within(600, 1300);
      const text = renderLadderText(layout);
      expectAlignedText(text);
      expect(text).to.match(/≈ {10}≈ 66\.000 s later \(not to scale\)/);
    });
  });

  describe("a blocking connect() that times out (T9) on the model", () => {
    it("draws the call where it starts, its return where it returns, and the SYNs between as breaks", async () => {
      const trace = await modelTrace("specs/tcp/syn-timeout/connect-timeout-default.pkt");
      expect(trace.verdict).to.equal("pass");
      const layout = ladderLayout(trace);
      const kinds = layout.steps.map((s) => `${s.row.kind}${"line" in s.row ? ` ${s.row.line}` : ""}`);
      expect(kinds.indexOf("syscall 8")).to.equal(kinds.indexOf("segment 9") - 1, "connect before its first SYN");
      const last = layout.steps[layout.steps.length - 1]!;
      expect(last.row).to.deep.include({ kind: "return", line: 8, time: 131_000_000, ret: -1, errno: "ETIMEDOUT" });
      expect(last.gap).to.deep.equal({ kind: "break", usecs: 64_000_000 });
      expect(layout.steps.flatMap((s) => (s.gap.kind === "break" ? [s.gap.usecs / 1e6] : []))).to.deep.equal([2, 4, 8, 16, 32, 64]);
      const svg = renderLadderSvg(layout);
      expectBalanced(svg);
      expect(svg).to.contain('<g class="return" data-line="8">').and.contain("↩ connect returned -1 ETIMEDOUT");
      expect(svg).to.match(/<rect class="block" [^>]*><title>blocked in line 8<\/title><\/rect>/);
      const text = renderLadderText(layout);
      expectAlignedText(text);
      expect(text).to.match(/131\.000000 +8 +↩ connect returned -1 ETIMEDOUT ○/);
    });
  });

  describe("a failing script on the model", () => {
    it("draws the actual segment and the expected one beside it, and the failure", async () => {
      const trace = await modelTrace(WRONG);
      expect(trace.verdict).to.equal("fail");
      const layout = ladderLayout(trace);
      expect(segments(layout)).to.deep.equal(["in normal S 0:0(0) win 65535", "out actual S. 0:0(0) ack 1 win 64240", "out expected R. 0:0(0) ack 1"]);
      expect(layout.failure).to.deep.include({ code: "E-packet-mismatch", line: 7 });
      expect(layout.steps[layout.steps.length - 1]!.row).to.deep.include({ kind: "failure", line: 7, code: "E-packet-mismatch" });
      const svg = renderLadderSvg(layout);
      expectBalanced(svg);
      const segs = svgSegments(svg);
      expect(segs.map((s) => s.cls)).to.deep.equal(["in normal", "out actual", "out expected"]);
      expect(segs[1]!.label).to.equal("actual: S. 0:0(0) ack 1 win 64240 <mss 1460>");
      expect(segs[2]!.label).to.equal("expected: R. 0:0(0) ack 1 <mss 1460>");
      expect(svg).to.match(/marker-end="url\(#head-actual\)"/).and.match(/marker-end="url\(#head-expected\)"/);
      expect(svg).to.match(/\.segment\.expected line[^{]*\{[^}]*stroke-dasharray/);
      expect(svg).to.contain('<g class="failure" data-code="E-packet-mismatch">');
      expect(svg).to.contain('data-verdict="fail"');
      const text = renderLadderText(layout);
      expectAlignedText(text);
      expect(text).to.match(/ 7 +│━+>│ actual: S\. 0:0\(0\) ack 1/).and.match(/ 7 +│╌+>│ expected: R\. 0:0\(0\) ack 1 <mss 1460>/);
      expect(text).to.contain("✗ line 7: E-packet-mismatch: error handling packet:");
    });

    it("draws a missing segment as expected-but-not-sent", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ladder-"));
      const file = path.join(dir, "missing.pkt");
      fs.writeFileSync(
        file,
        ["0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0", "+0 bind(3, ..., ...) = 0", "+0 listen(3, 1) = 0", "+0 < S 0:0(0) win 65535 <mss 1460>", "+0 > S. 0:0(0) ack 1 <mss 1460>", "+.1 < . 1:1(0) ack 1 win 65535", "+0 accept(3, ..., ...) = 4", "+0 > F. 1:1(0) ack 1", ""].join("\n"),
      );
      const trace = await modelTrace(file);
      expect(trace.failure?.code).to.equal("E-missing-packet");
      const layout = ladderLayout(trace);
      expect(segments(layout).slice(-1)).to.deep.equal(["out missing F. 1:1(0) ack 1"]);
      expect(svgSegments(renderLadderSvg(layout)).slice(-1)[0]!.cls).to.equal("out missing");
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  describe("handshake (T1) on the kernel", () => {
    it("draws the same conversation from the real kernel", async function () {
      requireKernel(this);
      this.timeout(30_000);
      const trace = (await runJob(T1, "ipv4", { target: "kernel" }, kernelTargetFactory)).trace;
      expect(trace.verdict, trace.failure?.message).to.equal("pass");
      const layout = ladderLayout(trace);
      expect(segments(layout).map((s) => s.split(" win")[0])).to.deep.equal(["in normal S 0:0(0)", "out normal S. 0:0(0) ack 1", "in normal . 1:1(0) ack 1"]);
      expectInOrder(traceStates(trace), ["CLOSE", "LISTEN", "ESTABLISHED"]);
      expect(svgStates(renderLadderSvg(layout))).to.deep.equal(traceStates(trace));
      const svg = renderLadderSvg(layout);
      expectBalanced(svg);
      expect(svgSegments(svg).map((s) => s.cls)).to.deep.equal(["in normal", "out normal", "in normal"]);
      expect(svg).not.to.contain("rule:");
      expectAlignedText(renderLadderText(layout));
    });
  });
});
