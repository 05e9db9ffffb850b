import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { mergeIntoFile, readRecords, recordOf, scriptKey } from "../../../harness/baseline/io";
import { resultsFile } from "../../../harness/coverage/results";
import type { Trace } from "../../../lib/trace/types";

const trace = (over: Partial<Trace>): Trace => ({ script: "/r/specs/a.pkt", mode: "ipv4", target: "kernel", verdict: "pass", entries: [], wallMs: 1, scriptedUsecs: 0, ...over });

describe("harness/baseline/io and the results file", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "tcpdrill-records-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a missing file holds no records; a foreign one is an error naming the file", () => {
    expect(readRecords(path.join(dir, "none.json"))).to.deep.equal([]);
    writeFileSync(path.join(dir, "bad.json"), "[]");
    expect(() => readRecords(path.join(dir, "bad.json"))).to.throw(/bad\.json: not a tcpdrill run record file/);
  });

  it("merges into the file (creating its directory), replacing the same script × mode × target", () => {
    const file = path.join(dir, ".tcpdrill", "last-run.json");
    mergeIntoFile(file, [recordOf(trace({ verdict: "fail", failure: { code: "E-x", severity: "error", message: "m" } }), "/r")!]);
    mergeIntoFile(file, [recordOf(trace({}), "/r")!, recordOf(trace({ target: "model" }), "/r")!]);
    expect(readRecords(file).map((r) => `${r.script} ${r.target} ${r.verdict}`)).to.deep.equal(["specs/a.pkt kernel pass", "specs/a.pkt model pass"]);
    expect(readFileSync(file, "utf8")).to.match(/^\{\n "format": "tcpdrill-runs"/);
  });

  it("runs that could not create their target are not recorded; keys are cwd-relative with /", () => {
    expect(recordOf(trace({ verdict: "error", failure: { code: "E-environment", severity: "error", message: "no root" } }), "/r")).to.equal(undefined);
    expect(recordOf(trace({ verdict: "error", failure: { code: "E-io", severity: "error", message: "gone" } }), "/r")).to.include({ verdict: "error", code: "E-io" });
    expect(scriptKey("specs/tcp/x.pkt", "/repo")).to.equal("specs/tcp/x.pkt");
    expect(scriptKey("/repo/specs/tcp/x.pkt", "/repo")).to.equal("specs/tcp/x.pkt");
  });

  it("the results file: option, then TCPDRILL_RESULTS, then .tcpdrill/last-run.json; 'off' records nothing", () => {
    expect(resultsFile(undefined, {}, "/repo")).to.equal("/repo/.tcpdrill/last-run.json");
    expect(resultsFile(undefined, { TCPDRILL_RESULTS: "out/r.json" }, "/repo")).to.equal("/repo/out/r.json");
    expect(resultsFile("/x.json", { TCPDRILL_RESULTS: "out/r.json" }, "/repo")).to.equal("/x.json");
    expect(resultsFile(undefined, { TCPDRILL_RESULTS: "off" }, "/repo")).to.equal(undefined);
    expect(resultsFile("off", {}, "/repo")).to.equal(undefined);
  });
});
