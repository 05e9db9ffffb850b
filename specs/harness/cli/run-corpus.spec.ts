/**
 * `tcpdrill run` in corpus mode: `--variants all` (packetdrill's per-mode defines), `--tsv` in the
 * columns of verdicts.tsv, directories as arguments; and on the kernel, `--cc` and the warning
 * for an init command's sysctl that did not take effect.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { captureIo } from "../../../harness/cli/io";
import { runCommand } from "../../../harness/cli/run";
import { parseVerdicts } from "../../../lib/corpus/verdicts";
import { requireKernel } from "../../helpers/kernel";

const PASSIVE = `0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <...>
`;

describe("harness/cli/run corpus mode", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpdrill-spec-corpus-run-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("--variants all --tsv: every mode the name allows, with the mode's defines, as verdicts.tsv rows", async () => {
    fs.mkdirSync(path.join(dir, "tcp", "x"), { recursive: true });
    fs.writeFileSync(path.join(dir, "tcp", "x", "ok.pkt"), PASSIVE);
    fs.writeFileSync(path.join(dir, "tcp", "x", "bad-v4.pkt"), PASSIVE.replace("ack 1 <...>", "ack 2 <...>"));
    const tsv = path.join(dir, "out.tsv");
    const io = captureIo();
    const cwd = process.cwd();
    process.chdir(dir);
    let status: number;
    try {
      status = await runCommand(["--target", "model", "--variants", "all", "--tsv", tsv, "tcp"], io);
    } finally {
      process.chdir(cwd);
    }
    expect(status, io.out() + io.err()).to.equal(1);
    const { rows, errors } = parseVerdicts(fs.readFileSync(tsv, "utf8"));
    expect(errors).to.deep.equal([]);
    expect(rows.map((r) => [r.script, r.mode, r.verdict])).to.deep.equal([
      ["tcp/x/bad-v4.pkt", "ipv4", "fail"],
      ["tcp/x/bad-v4.pkt", "ipv4-mapped-v6", "fail"],
      ["tcp/x/ok.pkt", "ipv4", "pass"],
      ["tcp/x/ok.pkt", "ipv4-mapped-v6", "pass"],
      ["tcp/x/ok.pkt", "ipv6", "pass"],
    ]);
    expect(rows[0]!.reason).to.match(/^bad-v4\.pkt:6: error handling packet: live packet field tcp_ack_seq: expected: 2 \(0x2\) vs actual: 1 \(0x1\)/);
  });

  it("--variants all gives each mode packetdrill's defines (a script using CODE fails only in ipv6, where it is undefined)", async () => {
    fs.writeFileSync(path.join(dir, "code.pkt"), PASSIVE + "+.1 < icmp unreachable CODE\n");
    const io = captureIo();
    await runCommand(["--target", "model", "--variants", "all", "--json", path.join(dir, "code.pkt")], io);
    const runs = io
      .out()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { mode: string; reason: string });
    const byMode = Object.fromEntries(runs.map((r) => [r.mode, r.reason]));
    expect(byMode["ipv6"]).to.match(/CODE/);
    expect(byMode["ipv4"]).to.not.match(/CODE/);
  });

  it("kernel: --cc sets TCP_CONGESTION on every socket, and an init sysctl that did not apply is a warning", async function () {
    requireKernel(this);
    const file = path.join(dir, "cc.pkt");
    // The socket has reno from its creation on: the script's first +0 call already sees it.
    const checked = PASSIVE.replace("= 3\n", '= 3\n+0 getsockopt(3, SOL_TCP, TCP_CONGESTION, "reno", [4]) = 0\n');
    expect(checked).to.not.equal(PASSIVE);
    fs.writeFileSync(file, "`sysctl -q -w net.ipv4.tcp_congestion_control=nosuchcc 2>/dev/null; true`\n" + checked);
    const warned = captureIo();
    expect(await runCommand(["--json", "--cc", "reno", file], warned), warned.out() + warned.err()).to.equal(0);
    const run = JSON.parse(warned.out().trim()) as { verdict: string; warnings: string[] };
    expect(run.warnings).to.have.length(1);
    expect(run.warnings[0]).to.match(/sysctl net\.ipv4\.tcp_congestion_control=nosuchcc did not take effect .*--cc reno sets TCP_CONGESTION/);
    const refused = captureIo();
    expect(await runCommand(["--json", "--cc", "nosuchcc", file], refused)).to.equal(1);
    expect(refused.out()).to.match(/--cc nosuchcc: setsockopt\(TCP_CONGESTION\) failed with ENOENT/);
  });

  it("--confirm: refuses a bad count; model runs are never repeated (they are deterministic)", async () => {
    const file = path.join(dir, "bad.pkt");
    fs.writeFileSync(file, PASSIVE.replace("ack 1 <...>", "ack 2 <...>"));
    const bad = captureIo();
    expect(await runCommand(["--confirm", "twice", file], bad)).to.equal(2);
    expect(bad.err()).to.match(/--confirm takes a non-negative number, got 'twice'/);
    const model = captureIo();
    expect(await runCommand(["--target", "model", "--json", file], model)).to.equal(1);
    expect(JSON.parse(model.out().trim())).to.not.have.property("runs");
  });

  it("--idle-jobs: refuses a bad count; runs with the extra lane finish every script", async () => {
    const bad = captureIo();
    expect(await runCommand(["--idle-jobs", "some", path.join(dir, "x.pkt")], bad)).to.equal(2);
    expect(bad.err()).to.match(/--idle-jobs takes a non-negative number, got 'some'/);
    // 2 s with 10 events: it mostly waits, so with -j 1 it takes the extra lane beside ok.pkt
    // (which lane takes what: scheduler.spec.ts).
    fs.writeFileSync(path.join(dir, "waits.pkt"), PASSIVE + "+.4 < . 1:1(0) ack 1 win 257\n+.8 accept(3, ..., ...) = 4\n+.8 close(4) = 0\n+0 > F. 1:1(0) ack 1\n");
    fs.writeFileSync(path.join(dir, "ok.pkt"), PASSIVE);
    const io = captureIo();
    expect(await runCommand(["--target", "model", "-j", "1", "--idle-jobs", "1", dir], io), io.out() + io.err()).to.equal(0);
    expect(io.out()).to.match(/^2 passed, 0 failed$/m);
  });

  it("kernel: a failing run is run again to confirm it, and the report says how the runs went", async function () {
    requireKernel(this);
    const file = path.join(dir, "bad.pkt");
    fs.writeFileSync(file, PASSIVE.replace("ack 1 <...>", "ack 2 <...>"));
    const io = captureIo();
    expect(await runCommand([file], io), io.out() + io.err()).to.equal(1);
    expect(io.out()).to.match(/^FAIL {2}\S*bad\.pkt \(ipv4\) \d+ ms, 2 of 2 runs$/m);
    expect(io.out()).to.match(/^0 passed, 1 failed \(1 confirmed by running again; 0 of them not unanimous\)$/m);
    const json = captureIo();
    expect(await runCommand(["--json", "--confirm", "4", file], json)).to.equal(1);
    // Five runs allowed: three that agree settle it.
    expect(JSON.parse(json.out().trim())).to.deep.include({ verdict: "fail", runs: 3, agreeing: 3, other_outcomes: [] });
    const off = captureIo();
    expect(await runCommand(["--confirm", "0", file], off)).to.equal(1);
    expect(off.out()).to.not.match(/runs|confirmed/);
    const ok = captureIo();
    fs.writeFileSync(file, PASSIVE);
    expect(await runCommand(["--json", file], ok), ok.out()).to.equal(0);
    const pass = JSON.parse(ok.out().trim()) as { verdict: string; timing_margin_us: number; runs?: number };
    expect(pass.verdict).to.equal("pass");
    // The SYN-ACK comes within microseconds of the SYN: well inside its 4 ms window, not repeated.
    expect(pass.timing_margin_us).to.be.greaterThan(3000);
    expect(pass.runs).to.equal(undefined);
  });
});
