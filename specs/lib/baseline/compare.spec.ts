import { expect } from "chai";
import { classify, compareRuns, describeFailure } from "../../../lib/baseline/compare";
import { mergeRecords, parseRecordFile, recordFile, type RunRecord } from "../../../lib/baseline/record";

const pass = (script: string): RunRecord => ({ script, mode: "ipv4", target: "model", verdict: "pass" });
const fail = (script: string, line: number, code = "E-packet-mismatch", reason = "why"): RunRecord => ({ script, mode: "ipv4", target: "model", verdict: "fail", code, line, reason });

describe("lib/baseline/compare", () => {
  it("classifies by verdict, code and line; the message is not compared", () => {
    expect(classify(pass("a"), undefined)).to.equal("pass");
    expect(classify(pass("a"), pass("a"))).to.equal("pass");
    expect(classify(fail("a", 3), undefined)).to.equal("new-failure");
    expect(classify(fail("a", 3), pass("a"))).to.equal("new-failure");
    expect(classify(pass("a"), fail("a", 3))).to.equal("new-pass");
    expect(classify(fail("a", 3, "E-x", "took 101 ms"), fail("a", 3, "E-x", "took 99 ms"))).to.equal("known-failure");
    expect(classify(fail("a", 4), fail("a", 3))).to.equal("changed-reason");
    expect(classify(fail("a", 3, "E-timing"), fail("a", 3))).to.equal("changed-reason");
    expect(classify({ ...fail("a", 3), verdict: "error" }, fail("a", 3))).to.equal("changed-reason");
  });

  it("compares per script × mode × target and regresses only on new failures or changed reasons", () => {
    const base = [pass("ok"), fail("known", 3), fail("fixed", 3), pass("broken"), { ...fail("known", 3), target: "kernel" as const }];
    const cmp = compareRuns(base, [pass("ok"), fail("known", 3), pass("fixed"), fail("broken", 5), pass("new"), { ...pass("known"), mode: "ipv6" as const }]);
    expect(cmp.newFailures.map((c) => c.current.script)).to.deep.equal(["broken"]);
    expect(cmp.newPasses.map((c) => c.current.script)).to.deep.equal(["fixed"]);
    expect(cmp.knownFailures.map((c) => c.current.script)).to.deep.equal(["known"]);
    expect(cmp.regressed).to.equal(true);
    expect(compareRuns(base, [pass("fixed"), fail("known", 3)]).regressed).to.equal(false);
  });

  it("describes failures for people", () => {
    expect(describeFailure(fail("a", 12, "E-timing", "late"))).to.equal("fail at line 12: E-timing: late");
    expect(describeFailure({ script: "a", mode: "ipv4", target: "kernel", verdict: "error", code: "E-io" })).to.equal("error: E-io");
    expect(describeFailure(pass("a"))).to.equal("pass");
  });
});

describe("lib/baseline/record", () => {
  it("merges by key (fresh wins) and sorts; the file round-trips", () => {
    const merged = mergeRecords([pass("b"), fail("a", 1)], [pass("a"), { ...pass("a"), target: "kernel" }]);
    expect(merged.map((r) => `${r.script}/${r.target}/${r.verdict}`)).to.deep.equal(["a/kernel/pass", "a/model/pass", "b/model/pass"]);
    expect(parseRecordFile(JSON.stringify(recordFile(merged)))).to.deep.equal(merged);
  });

  it("rejects foreign or malformed files with a reason", () => {
    expect(parseRecordFile("{")).to.have.property("error").that.match(/^not JSON/);
    expect(parseRecordFile("{}")).to.deep.equal({ error: 'not a tcpdrill run record file (expected format "tcpdrill-runs", version 1)' });
    expect(parseRecordFile(JSON.stringify({ format: "tcpdrill-runs", version: 1, records: [{ script: "a", mode: "ipv5", target: "model", verdict: "pass" }] }))).to.deep.equal({ error: "record 0 is malformed" });
  });
});
