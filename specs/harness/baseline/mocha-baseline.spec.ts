// The mocha integration honours TCPDRILL_BASELINE: a child mocha registers scripts from a temp
// directory (model target) and is judged against a baseline recorded by tcpdrill run.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runCommand } from "../../../harness/cli/run";
import { captureIo } from "../../../harness/cli/io";
import { BROKEN_ACCEPT, BROKEN_SYNACK, PASSING } from "./fixtures/scripts";

const ROOT = path.resolve(__dirname, "../../..");
const CHILD = path.join(__dirname, "fixtures", "register-child.ts");

function childMocha(dir: string, env: Record<string, string>): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "--no-config", "-r", "tsx/cjs", "--reporter", "spec", CHILD], {
    cwd: ROOT,
    env: { ...process.env, CHILD_DIR: dir, NO_COLOR: "1", TCPDRILL_BASELINE: "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("mocha integration with TCPDRILL_BASELINE (model target)", function () {
  this.timeout(90_000);
  let dir: string;
  const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tcpdrill-mocha-baseline-"));
    write("fixed.pkt", BROKEN_SYNACK);
    write("known.pkt", BROKEN_SYNACK);
    write("moved.pkt", BROKEN_SYNACK);
    write("regress.pkt", PASSING);
    // The baseline names scripts relative to the directory (the child's root), like register does.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await runCommand(["--target", "model", "--ip_version", "all", "--results", "off", "--baseline", "baseline.json", "--update-baseline", "."], captureIo())).to.equal(0);
    } finally {
      process.chdir(cwd);
    }
    write("fixed.pkt", PASSING);
    write("moved.pkt", BROKEN_ACCEPT);
    write("regress.pkt", BROKEN_SYNACK);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("known failure pending with its reason, new pass reported, changed reason and regression fail", () => {
    const r = childMocha(dir, { TCPDRILL_BASELINE: path.join(dir, "baseline.json") });
    // mocha's exit status is its number of failures: moved.pkt (changed reason) and regress.pkt,
    // in each of the three IP modes.
    expect(r.status, r.out).to.equal(6);
    expect(r.out).to.match(/known failure \(baseline .*baseline\.json\): fail at line 8: /);
    expect(r.out).to.match(/- known\.pkt \[ipv4\] model/);
    expect(r.out).to.match(/new pass: the baseline has fail at line 8: /);
    expect(r.out).to.match(/✔ fixed\.pkt \[ipv4\] model/);
    expect(r.out).to.match(/changed reason: the baseline has fail at line 8: /);
    expect(r.out).to.match(/3 passing/);
    expect(r.out).to.match(/3 pending/);
  });

  it("without a baseline every failing script fails, and all runs are recorded for coverage", () => {
    const r = childMocha(dir, {});
    expect(r.status, r.out).to.equal(9);
    const records = (JSON.parse(readFileSync(path.join(dir, "last-run.json"), "utf8")) as { records: { script: string; verdict: string }[] }).records;
    expect(records).to.have.length(12);
    expect([...new Set(records.map((x) => `${x.script}:${x.verdict}`))]).to.deep.equal(["fixed.pkt:pass", "known.pkt:fail", "moved.pkt:fail", "regress.pkt:fail"]);
  });
});
