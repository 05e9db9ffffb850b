// TypeScript conformance specs that declare rfc9293 requirements are recorded for coverage: a
// child mocha loads the registration module (which installs the root hooks) and a spec written
// to a temp directory.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { modeAndTarget, SpecRecorder } from "../../../harness/baseline/spec-recorder";
import { readRecords } from "../../../harness/baseline/io";

const ROOT = path.resolve(__dirname, "../../..");

describe("harness/baseline/spec-recorder", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "tcpdrill-spec-recorder-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads mode and target from a test title", () => {
    expect(modeAndTarget("[ipv6] kernel: a SYN gets nothing")).to.deep.equal({ mode: "ipv6", target: "kernel" });
    expect(modeAndTarget("specs/tcp/a.pkt [ipv4-mapped-ipv6] model")).to.deep.equal({ mode: "ipv4-mapped-ipv6", target: "model" });
    expect(modeAndTarget("kernel [ipv4]")).to.equal(undefined);
  });

  it("one record per file, mode and target; a failing test makes it fail; undeclared files are skipped", () => {
    const declared = path.join(dir, "direct.spec.ts");
    const undeclared = path.join(dir, "other.spec.ts");
    writeFileSync(declared, "// topic: T1\n// rfc9293: MUST-3\n");
    writeFileSync(undeclared, "// helper\n");
    const r = new SpecRecorder(dir);
    r.observe({ file: declared, title: "[ipv4] model: first", state: "failed", err: new Error("boom\nstack") });
    r.observe({ file: declared, title: "[ipv4] model: second", state: "passed" });
    r.observe({ file: declared, title: "[ipv6] kernel: x", state: "passed" });
    r.observe({ file: declared, title: "[ipv6] model: pending", state: "pending" });
    r.observe({ file: declared, title: "no mode", state: "passed" });
    r.observe({ file: undeclared, title: "[ipv4] model", state: "passed" });
    const out = path.join(dir, "runs.json");
    r.flush(out);
    expect(readRecords(out)).to.deep.equal([
      { script: "direct.spec.ts", mode: "ipv4", target: "model", verdict: "fail", code: "E-spec", reason: "boom" },
      { script: "direct.spec.ts", mode: "ipv6", target: "kernel", verdict: "pass" },
    ]);
  });

  it("under mocha, loading the registration module records such specs into TCPDRILL_RESULTS", () => {
    const spec = path.join(dir, "direct.spec.ts");
    writeFileSync(spec, '// rfc9293: MUST-10\ndescribe("direct", () => {\n  it("[ipv4] model: passes", () => {});\n  it("[ipv6] model: fails", () => { throw new Error("boom"); });\n});\n');
    const results = path.join(dir, "results.json");
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "--no-config", "-r", "tsx/cjs", path.join(__dirname, "fixtures", "register-child.ts"), spec], {
      cwd: ROOT,
      env: { ...process.env, CHILD_DIR: dir, TCPDRILL_RESULTS: results, TCPDRILL_BASELINE: "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stdout + r.stderr).to.equal(1);
    const records = JSON.parse(readFileSync(results, "utf8")).records as { script: string; mode: string; verdict: string }[];
    expect(records.map((x) => `${path.basename(x.script)} ${x.mode} ${x.verdict}`)).to.deep.equal(["direct.spec.ts ipv4 pass", "direct.spec.ts ipv6 fail"]);
  });
});
