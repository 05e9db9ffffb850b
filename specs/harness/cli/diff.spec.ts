/**
 * `tcpdrill diff`: a tiny script run on the model and on a stand-in "kernel" (the model again,
 * behind a wrapper that can alter what it sends), so a difference can be injected on purpose and
 * must be reported where it is, with the model's rule; and, where namespaces work, on the real
 * kernel, where the conformance scripts must show none.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffCommand, type DiffTargets } from "../../../harness/cli/diff";
import { captureIo } from "../../../harness/cli/io";
import { kernelTargetFactory, type TargetFactory } from "../../../harness/runner/run-job";
import { ModelTarget } from "../../../harness/target/model";
import type { Emitted, Target } from "../../../harness/target/target";
import { decodePacket, encodePacket, type PacketRepr } from "../../../lib/wire";
import { requireKernel } from "../../helpers/kernel";

/** The model posing as the kernel: no rules, no ranges, and `alter` applied to every packet it sends. */
function standIn(alter: (p: PacketRepr) => PacketRepr = (p) => p): TargetFactory {
  return async (config, cwd) => {
    const m = new ModelTarget({ mode: config.mode, localIp: config.localIp, remoteIp: config.remoteIp, mtu: config.mtu, cwd, env: {} });
    const t: Target = {
      kind: "kernel",
      now: () => m.now(),
      sleepUntil: (x) => m.sleepUntil(x),
      nextPacket: async (deadline) => {
        const e = await m.nextPacket(deadline);
        if (e === undefined) return undefined;
        const out: Emitted = { bytes: encodePacket(alter(decodePacket(e.bytes))), time: e.time };
        return out;
      },
      inject: (b) => m.inject(b),
      syscall: (r) => m.syscall(r),
      tcpState: (fd) => m.tcpState(fd),
      connectionState: (local, remote) => m.connectionState(local, remote),
      exec: (c) => m.exec(c),
      close: () => m.close(),
    };
    return t;
  };
}

const withWindow = (window: number) => (p: PacketRepr): PacketRepr =>
  p.l4.protocol === "tcp" && p.l4.tcp.flags.syn ? { ...p, l4: { ...p.l4, tcp: { ...p.l4.tcp, window } } } : p;

const SCRIPT = [
  "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
  "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
  "+0 bind(3, ..., ...) = 0",
  "+0 listen(3, 1) = 0",
  "+0 < S 0:0(0) win 65535 <mss 1460>",
  "+0 > S. 0:0(0) ack 1 <mss 1460>",
  "+.1 < . 1:1(0) ack 1 win 65535",
  "+0 accept(3, ..., ...) = 4",
  "+0 close(4) = 0",
  "+0 > F. 1:1(0) ack 1",
  "",
].join("\n");

describe("harness/cli/diff", () => {
  let dir: string;
  let file: string;
  const diff = async (targets: DiffTargets, ...argv: string[]) => {
    const io = captureIo();
    const status = await diffCommand([...argv, file], io, targets);
    return { status, out: io.out(), err: io.err() };
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpdrill-diff-"));
    file = path.join(dir, "tiny.pkt");
    fs.writeFileSync(file, SCRIPT);
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports no difference and exits 0 when both sides behave alike", async () => {
    const r = await diff({ kernel: standIn() }, "--ip_version", "all");
    expect(r.err).to.equal("");
    expect(r.status).to.equal(0);
    expect(r.out).to.equal(
      [`${file} (ipv4): kernel PASS, model PASS: no difference`, `${file} (ipv4-mapped-ipv6): kernel PASS, model PASS: no difference`, `${file} (ipv6): kernel PASS, model PASS: no difference`, "3 compared, 0 with differences", ""].join("\n"),
    );
  });

  it("finds an injected difference in an unpinned field, on its line, with the model's rule, and exits 1", async () => {
    const r = await diff({ kernel: standIn(withWindow(29200)) });
    expect(r.status).to.equal(1);
    expect(r.out).to.equal(
      [
        `${file} (ipv4): kernel PASS, model PASS: 1 difference`,
        "  line 6 segment",
        "    kernel: S. 0:0(0) ack 1 win 29200 <mss 1460>",
        "    model:  S. 0:0(0) ack 1 win 64240 <mss 1460>   [rule segment-arrives/listen/syn]",
        "1 compared, 1 with differences",
        "",
      ].join("\n"),
    );
  });

  it("--json: the verdicts, the first failure, and every difference as data", async () => {
    // A FIN turned into a RST makes the stand-in fail line 10; past that nothing is compared.
    const rst = (p: PacketRepr): PacketRepr =>
      p.l4.protocol === "tcp" && p.l4.tcp.flags.fin ? { ...p, l4: { ...p.l4, tcp: { ...p.l4.tcp, flags: { ...p.l4.tcp.flags, fin: false, rst: true } } } } : p;
    const r = await diff({ kernel: standIn(rst) }, "--json");
    expect(r.status).to.equal(1);
    const lines = r.out.trim().split("\n");
    expect(lines).to.have.length(1);
    const j = JSON.parse(lines[0]!);
    expect(j).to.deep.include({ script: file, mode: "ipv4", model: { verdict: "pass", failure: null } });
    expect(j.kernel).to.deep.include({ verdict: "fail" });
    expect(j.kernel.failure).to.deep.include({ code: "E-packet-mismatch", line: 10 });
    expect(j.differences.map((d: { kind: string; line?: number }) => [d.kind, d.line])).to.deep.equal([
      ["verdict", 10],
      ["segment", 10],
    ]);
    expect(j.differences[1]).to.deep.include({ kernel: "R. 1:1(0) ack 1 win 64240", model: "F. 1:1(0) ack 1 win 64240", rule: "close/fin" });
  });

  it("lists a difference in a field the model does not promise apart, and does not count it", async () => {
    const afterHandshake = (p: PacketRepr): PacketRepr =>
      p.l4.protocol === "tcp" && !p.l4.tcp.flags.syn ? { ...p, l4: { ...p.l4, tcp: { ...p.l4.tcp, window: 1000 } } } : p;
    const r = await diff({ kernel: standIn(afterHandshake) });
    expect(r.status).to.equal(0);
    expect(r.out).to.include("(not promised by the model) line 10 segment");
    expect(r.out).to.include("kernel PASS, model PASS: no difference");
  });

  it("exits 2 when the kernel target cannot run, pointing to run --target model", async () => {
    const r = await diff({ kernel: standIn(), kernelUnavailable: () => "no permission to create network namespaces" });
    expect(r.status).to.equal(2);
    expect(r.out).to.equal("");
    expect(r.err).to.match(/cannot run scripts against the kernel here: no permission.*\n.*--target model/);
  });

  it("exits 2 on usage errors", async () => {
    expect((await diff({ kernel: standIn() }, "--profile", "bsd")).status).to.equal(2);
    const io = captureIo();
    expect(await diffCommand([], io, { kernel: standIn() })).to.equal(2);
    expect(io.err()).to.match(/no script given/);
  });

  it("the real kernel and the model agree on a conformance script", async function () {
    this.timeout(30_000);
    requireKernel(this);
    const io = captureIo();
    const script = path.join(__dirname, "../../tcp/active-close/four-way.pkt");
    const status = await diffCommand([script], io, { kernel: kernelTargetFactory });
    expect(io.out()).to.include("kernel PASS, model PASS: no difference");
    expect(status).to.equal(0);
  });
});
