// `%{ }%` code blocks end to end: snapshots at the block's time, python3 after the script, the
// failure at the raising block's line. The .pkt files next to this spec are tcpdrill's own.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { renderDiagnostic } from "../../../lib/diagnostics/render";
import { kernelTargetFactory, modelTargetFactory, runJob, runText, type JobResult } from "../../../harness/runner/run-job";
import { requireKernel } from "../../helpers/kernel";

const here = __dirname;
const python = spawnSync(process.env["TCPDRILL_PYTHON"] ?? "python3", ["--version"]).status === 0;

function needPython(ctx: Mocha.Context): void {
  if (python) return;
  console.log("      pending: no python3 on PATH (code blocks need it)");
  ctx.skip();
}

const HANDSHAKE = `
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 32792 <mss 1000,sackOK,TS val 100 ecr 0>
   +0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100>
  +.1 < . 1:1(0) ack 1 win 5000 <nop,nop,TS val 200 ecr 100>
   +0 accept(3, ..., ...) = 4
`;

function onModel(text: string): Promise<JobResult> {
  return runText(text, "inline.pkt", "ipv4", {}, modelTargetFactory(), here);
}

describe("harness/python code blocks (real kernel)", function () {
  this.timeout(30_000);
  beforeEach(function () {
    requireKernel(this);
    needPython(this);
  });

  it("passes a script whose blocks hold, each on the snapshot of its own time (one taken while read() blocks)", async () => {
    const r = await runJob(path.join(here, "code-block-pass.pkt"), "ipv4", {}, kernelTargetFactory);
    expect(r.trace.failure, r.trace.failure && renderDiagnostic(r.trace.failure)).to.equal(undefined);
    expect(r.trace.verdict).to.equal("pass");
  });

  it("fails at the line of the block whose assertion fails, with Python's report in the notes", async () => {
    const r = await runJob(path.join(here, "code-block-fail.pkt"), "ipv4", {}, kernelTargetFactory);
    expect(r.trace.verdict).to.equal("fail");
    const d = r.trace.failure!;
    expect(d.message).to.equal("error in Python code");
    expect(d.span?.start.line).to.equal(7);
    expect(d.notes?.map((n) => n.message).join("\n")).to.include("AssertionError: state is 10").and.include("code-block-fail.pkt\", line 7");
    expect(renderDiagnostic(d, r.source).split("\n")[0]).to.match(/code-block-fail\.pkt:7:\d+: error\[E-python\]: error in Python code$/);
  });
});

describe("harness/python code blocks (model target)", function () {
  this.timeout(20_000);
  beforeEach(function () {
    needPython(this);
  });

  it("evaluates blocks on the model's TCP_INFO (the same script passes)", async () => {
    const r = await runJob(path.join(here, "code-block-pass.pkt"), "ipv4", {}, modelTargetFactory());
    expect(r.trace.failure, r.trace.failure && renderDiagnostic(r.trace.failure)).to.equal(undefined);
  });

  it("says so when a block reads a TCP_INFO field the model does not fill", async () => {
    const r = await onModel(`${HANDSHAKE}   +0 %{ assert tcpi_busy_time == 0 }%\n`);
    const d = r.trace.failure!;
    expect(d.message).to.equal("error in Python code");
    expect(d.span?.start.line).to.equal(10);
    expect(d.notes?.map((n) => n.message).join("\n")).to.include("NameError").and.include("the model target does not track tcpi_busy_time");
  });

  it("shares names between blocks, runs them in order and records what they print", async () => {
    const r = await onModel(`${HANDSHAKE}   +0 %{ first = tcpi_state }%\n   +0 %{ print("state", first, tcpi_snd_mss) }%\n`);
    expect(r.trace.verdict).to.equal("pass");
    expect(r.trace.entries.filter((e) => e.kind === "note").map((e) => (e as { text: string }).text)).to.include("python: state 1 988");
  });

  it("names the script line inside a multi-line block in the traceback, the block's line in the report", async () => {
    const r = await onModel(`0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{\nx = 1\nassert x == 2, "x is %d" % x\n}%\n`);
    const d = r.trace.failure!;
    expect(d.span?.start.line).to.equal(2);
    expect(d.notes?.[0]?.message).to.include('inline.pkt", line 4').and.include("AssertionError: x is 1");
  });

  it("fails with packetdrill's runtime error when there is no socket to snapshot", async () => {
    const r = await onModel(`0 %{ assert True }%\n`);
    expect(r.trace.failure?.message).to.equal("runtime error in code: no socket to use for code");
    expect(r.trace.failure?.span?.start.line).to.equal(1);
  });

  it("reports a SyntaxError (raised before any block runs) at the block that has it", async () => {
    const r = await onModel(`${HANDSHAKE}   +0 %{ ok = 1 }%\n   +0 %{ x = = 1 }%\n`);
    const d = r.trace.failure!;
    expect(d.message).to.match(/^error executing code: '.*' returned non-zero status 1$/);
    expect(d.span?.start.line).to.equal(11);
    expect(d.notes?.[0]?.message).to.include("SyntaxError");
  });

  it("fails clearly when the interpreter is missing", async () => {
    const saved = process.env["TCPDRILL_PYTHON"];
    process.env["TCPDRILL_PYTHON"] = "/nonexistent/python3";
    try {
      const r = await onModel(`${HANDSHAKE}   +0 %{ assert True }%\n`);
      expect(r.trace.failure?.message).to.equal("error executing code: '/nonexistent/python3' not found (install python3 or set TCPDRILL_PYTHON)");
    } finally {
      if (saved === undefined) delete process.env["TCPDRILL_PYTHON"];
      else process.env["TCPDRILL_PYTHON"] = saved;
    }
  });
});
