import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkCommand, modesForFile } from "../../../harness/cli/check";
import { captureIo } from "../../../harness/cli/io";

describe("harness/cli/check", () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const run = async (...argv: string[]) => {
    const io = captureIo();
    const status = await checkCommand(argv, io);
    return { status, out: io.out(), err: io.err() };
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpdrill-check-"));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("exits 0 with a summary and no diagnostics for a valid script", async () => {
    const f = write("ok.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 0\n");
    const r = await run(f);
    expect(r).to.deep.equal({ status: 0, out: "check: 1 script, 0 with errors (0 errors, 0 warnings)\n", err: "" });
  });

  it("prints every diagnostic rendered and exits 1 when a script has errors", async () => {
    const f = write("bad.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0)\n+0 > P. 1:11(1) ack 1\n");
    const r = await run(f);
    expect(r.status).to.equal(1);
    expect(r.err).to.equal(
      [
        `${f}:2:8: error[E-inbound-win]: window must be specified for inbound packets`,
        "2 | +0 < S 0:0(0)",
        "  |        ^^^^^^",
        "  = note: add `win N` after the sequence range (and `ack N`), e.g. `win 65535`",
        `${f}:3:9: error[E-seq-len]: inconsistent TCP sequence numbers and payload size`,
        "3 | +0 > P. 1:11(1) ack 1",
        "  |         ^^^^^^^",
        "  = note: 1:11 spans 10 bytes, but the payload length is 1",
        "",
      ].join("\n"),
    );
    expect(r.out).to.equal("check: 1 script, 1 with errors (2 errors, 0 warnings)\n");
  });

  it("takes -D defines and --ip_version like packetdrill", async () => {
    const f = write("icmp.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < icmp unreachable CODE\n");
    expect((await run(f)).status).to.equal(1);
    expect((await run("-D", "CODE=host_unreachable", f)).status).to.equal(0);
    expect((await run("--define=CODE=host_unreachable", f)).status).to.equal(0);
    const v6 = await run("--ip_version", "ipv6", "-D", "CODE=host_unreachable", f);
    expect(v6.status).to.equal(1);
    expect(v6.err).to.contain("bad ICMP code host_unreachable");
  });

  it("checks every mode a file name allows with --ip_version all", async () => {
    expect(modesForFile("a-v4.pkt")).to.deep.equal(["ipv4"]);
    expect(modesForFile("basic-v6.pkt")).to.deep.equal(["ipv6"]);
    expect(modesForFile("a.pkt")).to.deep.equal(["ipv4", "ipv4-mapped-ipv6", "ipv6"]);
    const text = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < icmp unreachable host_unreachable\n";
    const all = await run("--ip_version=all", write("x.pkt", text), write("x-v4.pkt", text));
    expect(all.status).to.equal(1);
    expect(all.err.match(/error\[E-icmp-code\]/g)).to.have.length(1);
    expect(all.err).to.contain("= note: in ipv6 mode");
    expect(all.out).to.equal("check: 2 scripts, 1 with errors (1 error, 0 warnings)\n");
  });

  it("counts warnings without failing", async () => {
    const r = await run(write("w.pkt", "0 setsockopt(3, SOL_TCP, TCP_BOGUS, [1], 4) = 0\n"));
    expect(r.status).to.equal(0);
    expect(r.err).to.contain("warning[W-unknown-symbol]");
    expect(r.out).to.contain("(0 errors, 1 warning)");
  });

  it("exits 2 on usage errors", async () => {
    expect((await run()).status).to.equal(2);
    expect((await run("--frobnicate", "x.pkt")).status).to.equal(2);
    expect((await run("--ip_version=ipv5", "x.pkt")).status).to.equal(2);
    expect((await run("-D", "NOEQUALS", "x.pkt")).status).to.equal(2);
    const missing = await run(path.join(dir, "missing.pkt"));
    expect(missing.status).to.equal(2);
    expect(missing.err).to.contain("ENOENT");
    const help = await run("--help");
    expect(help.status).to.equal(0);
    expect(help.out).to.match(/^usage: tcpdrill check/);
  });
});
