/**
 * The ladder through the CLI: `tcpdrill run --ladder/--trace/--report` (model target, no root)
 * and `tcpdrill ladder` on a saved trace; the report pages are self-contained.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { captureIo } from "../../../harness/cli/io";
import { ladderCommand, perRunFile, scriptStems } from "../../../harness/cli/ladder";
import { runCommand } from "../../../harness/cli/run";
import type { Trace } from "../../../lib/trace/types";

const T1 = "specs/tcp/passive-open/listen-accept.pkt";
const WRONG = "specs/harness/runner/selftest/wrong-flags.pkt";

describe("harness/cli ladder, run --ladder/--trace/--report", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpdrill-ladder-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("one run: --ladder and --trace write exactly the files named", async () => {
    const io = captureIo();
    const status = await runCommand(["--target", "model", "--ladder", path.join(dir, "t1.svg"), "--trace", path.join(dir, "t1.json"), T1], io);
    expect(status, io.err()).to.equal(0);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(["t1.json", "t1.svg"]);
    expect(fs.readFileSync(path.join(dir, "t1.svg"), "utf8")).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="ladder"/);
    const trace = JSON.parse(fs.readFileSync(path.join(dir, "t1.json"), "utf8")) as Trace;
    expect(trace).to.deep.include({ script: T1, mode: "ipv4", target: "model", verdict: "pass" });
  });

  it("several runs: per-run names derived from the file name, and the report directory", async () => {
    const io = captureIo();
    const report = path.join(dir, "report");
    const status = await runCommand(["--target", "model", "--ladder", path.join(dir, "l.svg"), "--trace", `${dir}/traces/`, "--report", report, T1, WRONG], io);
    expect(status).to.equal(1);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(["l.listen-accept.ipv4.model.svg", "l.wrong-flags.ipv4.model.svg", "report", "traces"]);
    expect(fs.readdirSync(path.join(dir, "traces")).sort()).to.deep.equal(["listen-accept.ipv4.model.json", "wrong-flags.ipv4.model.json"]);
    expect(fs.readdirSync(report).sort()).to.deep.equal([
      "index.html",
      "listen-accept.ipv4.model.html",
      "listen-accept.ipv4.model.pcap",
      "wrong-flags.ipv4.model.html",
      "wrong-flags.ipv4.model.pcap",
    ]);
    const page = fs.readFileSync(path.join(report, "wrong-flags.ipv4.model.html"), "utf8");
    expect(page).to.contain('<span class="verdict fail">FAIL</span>');
    expect(page).to.contain('<svg xmlns="http://www.w3.org/2000/svg" class="ladder"');
    expect(page).to.contain('<g class="segment out expected"');
    expect(page).to.match(/<tr id="L7" class="failing"><td class="n">7<\/td><td class="mark">✗<\/td><td>   \+0 &gt; R\. 0:0\(0\) ack 1 &lt;mss 1460&gt;<\/td><\/tr>/);
    expect(page).to.contain("error[E-packet-mismatch]");
    expect(page).to.contain('<a href="wrong-flags.ipv4.model.pcap">');
    // Self-contained: no scripts, no external resources; every link relative to the report directory.
    expect(page).not.to.match(/<script|<link|<img|@import|url\((?!#)/);
    for (const m of page.matchAll(/(?:href|src)="([^"]*)"/g)) {
      expect(m[1], "relative link").not.to.contain(":");
      expect(fs.existsSync(path.join(report, m[1]!)), m[1]).to.equal(true);
    }
    const pcap = fs.readFileSync(path.join(report, "wrong-flags.ipv4.model.pcap"));
    expect(pcap.readUInt32LE(0)).to.equal(0xa1b23c4d);
    const index = fs.readFileSync(path.join(report, "index.html"), "utf8");
    expect(index).to.contain('href="listen-accept.ipv4.model.html"').and.contain('href="wrong-flags.ipv4.model.html"').and.contain("1 passed, 1 failed");
  });

  it("--ladder - prints the text diagram after each run", async () => {
    const io = captureIo();
    expect(await runCommand(["--target", "model", "--ladder", "-", T1], io)).to.equal(0);
    expect(io.out()).to.match(/PASS +specs\/tcp\/passive-open\/listen-accept\.pkt.*\n {4}listen-accept\.pkt \(ipv4, model\): PASS\n/);
    expect(io.out()).to.match(/│<─+│ S 0:0\(0\) win 65535/);
  });

  it("tcpdrill ladder draws a saved trace as text, SVG or a report page", async () => {
    const json = path.join(dir, "w.json");
    const svgFromRun = path.join(dir, "run.svg");
    await runCommand(["--target", "model", "--trace", json, "--ladder", svgFromRun, WRONG], captureIo());
    const text = captureIo();
    expect(await ladderCommand([json], text)).to.equal(0);
    expect(text.out()).to.contain("wrong-flags.pkt (ipv4, model): FAIL").and.match(/│╌+>│ expected: R\. 0:0\(0\) ack 1/);
    const svg = captureIo();
    expect(await ladderCommand(["-o", path.join(dir, "again.svg"), json], svg)).to.equal(0);
    expect(fs.readFileSync(path.join(dir, "again.svg"), "utf8")).to.equal(fs.readFileSync(svgFromRun, "utf8"));
    expect(await ladderCommand(["-o", path.join(dir, "page.html"), json], captureIo())).to.equal(0);
    expect(fs.readFileSync(path.join(dir, "page.html"), "utf8")).to.contain('<tr id="L7" class="failing">');
  });

  it("tcpdrill ladder refuses what is not a trace, and a bad --break", async () => {
    fs.writeFileSync(path.join(dir, "x.json"), '{"hello": 1}');
    const io = captureIo();
    expect(await ladderCommand([path.join(dir, "x.json")], io)).to.equal(2);
    expect(io.err()).to.contain("is not a tcpdrill trace");
    const io2 = captureIo();
    expect(await ladderCommand(["--break", "0", path.join(dir, "x.json")], io2)).to.equal(2);
    expect(io2.err()).to.contain("--break takes a positive number");
  });

  it("perRunFile: the file itself for one run; stem inserted for several; DIR/stem in a directory", () => {
    const t = { script: "a/b/syn.pkt", mode: "ipv6", target: "kernel" } as Trace;
    expect(perRunFile("out.svg", t, false, ".svg")).to.equal("out.svg");
    expect(perRunFile("d/out.svg", t, true, ".svg")).to.equal("d/out.syn.ipv6.kernel.svg");
    expect(perRunFile("d/", t, false, ".json")).to.equal(path.join("d", "syn.ipv6.kernel.json"));
    expect(perRunFile(dir, t, false, ".json")).to.equal(path.join(dir, "syn.ipv6.kernel.json"));
  });

  it("scriptStems: the file name, with as many directories in front as tell same-named scripts apart", () => {
    const stems = scriptStems(["tcp/zerocopy/basic.pkt", "tcp/fastopen/server/basic.pkt", "tcp/fastopen/client/basic.pkt", "tcp/eor/no-coalesce.pkt", "./x/y.pkt"]);
    expect([...stems.values()]).to.deep.equal(["zerocopy-basic", "server-basic", "client-basic", "no-coalesce", "y"]);
    // Same name two directories up: three parts.
    expect([...scriptStems(["a/s/t.pkt", "b/s/t.pkt"]).values()]).to.deep.equal(["a-s-t", "b-s-t"]);
  });

  it("several runs of same-named scripts in different directories write one file each", async () => {
    for (const d of ["one", "two"]) {
      fs.mkdirSync(path.join(dir, d));
      fs.copyFileSync(T1, path.join(dir, d, "same.pkt"));
    }
    const io = captureIo();
    const status = await runCommand(["--target", "model", "--trace", `${dir}/traces/`, "--pcap", path.join(dir, "pcap"), path.join(dir, "one", "same.pkt"), path.join(dir, "two", "same.pkt")], io);
    expect(status, io.err()).to.equal(0);
    expect(fs.readdirSync(path.join(dir, "traces")).sort()).to.deep.equal(["one-same.ipv4.model.json", "two-same.ipv4.model.json"]);
    expect(fs.readdirSync(path.join(dir, "pcap")).sort()).to.deep.equal(["one-same.ipv4.model.pcap", "two-same.ipv4.model.pcap"]);
  });
});
