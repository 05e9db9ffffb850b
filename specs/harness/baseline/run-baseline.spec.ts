// Acceptance for regression baselines (issue #10): on the model target, a baseline run reports
// a deliberately introduced regression and a deliberately fixed failure, ignores an unchanged
// known failure, and its exit status follows new failures (and changed reasons) only.
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runCommand } from "../../../harness/cli/run";
import { captureIo } from "../../../harness/cli/io";
import { BROKEN_ACCEPT, BROKEN_SYNACK, PASSING } from "./fixtures/scripts";

describe("tcpdrill run --baseline (model target)", function () {
  this.timeout(30_000);
  let dir: string;
  let base: string;
  const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
  const run = async (...extra: string[]) => {
    const io = captureIo();
    const status = await runCommand(["--target", "model", "--results", "off", "--baseline", base, ...extra, dir], io);
    return { status, out: io.out(), err: io.err() };
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tcpdrill-baseline-"));
    base = path.join(dir, "baseline.json");
    write("regress.pkt", PASSING);
    write("fixed.pkt", BROKEN_SYNACK);
    write("known.pkt", BROKEN_SYNACK);
    const recorded = await run("--update-baseline");
    expect(recorded.status, recorded.err).to.equal(0);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("records every run, failures with their code and line", () => {
    const file = JSON.parse(readFileSync(base, "utf8")) as { records: { script: string; verdict: string; line?: number; code?: string }[] };
    const byName = Object.fromEntries(file.records.map((r) => [path.basename(r.script), r]));
    expect(Object.keys(byName).sort()).to.deep.equal(["fixed.pkt", "known.pkt", "regress.pkt"]);
    expect(byName["regress.pkt"]).to.include({ verdict: "pass" });
    expect(byName["known.pkt"]).to.include({ verdict: "fail", line: 8 });
    expect(byName["known.pkt"]!.code).to.be.a("string");
  });

  it("an unchanged run reports nothing and exits 0 despite its known failures", async () => {
    const r = await run();
    expect(r.status).to.equal(0);
    expect(r.out).to.not.match(/NEW FAILURE|NEW PASS|CHANGED/);
    expect(r.out).to.include("0 new failure(s), 0 changed reason(s), 0 new pass(es); 2 known failure(s) unchanged");
  });

  it("reports a regression and a fix, ignores the unchanged known failure, exits 1", async () => {
    write("regress.pkt", BROKEN_SYNACK);
    write("fixed.pkt", PASSING);
    const r = await run();
    expect(r.status).to.equal(1);
    expect(r.out).to.match(/NEW FAILURE .*regress\.pkt \(ipv4\) model/);
    expect(r.out).to.match(/NEW PASS +.*fixed\.pkt \(ipv4\) model \(baseline: fail at line 8: /);
    expect(r.out).to.not.include("known.pkt");
    expect(r.out).to.include("1 new failure(s), 0 changed reason(s), 1 new pass(es); 1 known failure(s) unchanged");
  });

  it("--json: one line per run, then the comparison as one object", async () => {
    write("regress.pkt", BROKEN_SYNACK);
    const r = await run("--json");
    expect(r.status).to.equal(1);
    const lines = r.out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).to.have.length(4);
    const last = lines[3] as { newFailures: { script: string; line: number }[]; newPasses: unknown[]; knownFailures: number };
    expect(last.newFailures.map((f) => [path.basename(f.script), f.line])).to.deep.equal([["regress.pkt", 8]]);
    expect(last.newPasses).to.deep.equal([]);
    expect(last.knownFailures).to.equal(2);
  });

  it("a fix alone is good news: exit status 0", async () => {
    write("fixed.pkt", PASSING);
    const r = await run();
    expect(r.status).to.equal(0);
    expect(r.out).to.match(/NEW PASS +.*fixed\.pkt/);
  });

  it("a known failure that now fails at another line is a changed reason: exit status 1", async () => {
    write("known.pkt", BROKEN_ACCEPT);
    const r = await run();
    expect(r.status).to.equal(1);
    expect(r.out).to.match(/CHANGED +.*known\.pkt \(ipv4\) model: fail at line 10: [\s\S]*baseline: fail at line 8: /);
  });

  it("--update-baseline accepts the new state; the next run is quiet again", async () => {
    write("regress.pkt", BROKEN_SYNACK);
    expect((await run("--update-baseline")).status).to.equal(0);
    const r = await run();
    expect(r.status).to.equal(0);
    expect(r.out).to.include("3 known failure(s) unchanged");
  });

  it("refuses a missing baseline, and --update-baseline without --baseline", async () => {
    const io = captureIo();
    expect(await runCommand(["--target", "model", "--baseline", path.join(dir, "nope.json"), dir], io)).to.equal(2);
    expect(io.err()).to.include("no baseline");
    const io2 = captureIo();
    expect(await runCommand(["--target", "model", "--update-baseline", dir], io2)).to.equal(2);
    expect(io2.err()).to.include("--update-baseline needs --baseline FILE");
  });
});
