import { expect } from "chai";
import type { RunRecord } from "../../../lib/baseline/record";
import { buildCoverage, coverageJson, formatCoverage, summaryLine } from "../../../lib/coverage/report";
import type { Requirement } from "../../../lib/coverage/rfc9293";
import { RFC9293_REQUIREMENTS } from "../../../lib/coverage/rfc9293";

const q = (id: string, extra: Partial<Requirement> = {}): Requirement => {
  const [level, n] = id.split("-") as [Requirement["level"], string];
  return { id, level, n: Number(n), section: "3.5", group: "opening", summary: `summary of ${id}`, observable: true, ...extra };
};
const REQS: Requirement[] = [
  q("MUST-10"),
  q("MUST-11"),
  q("MUST-9", { observable: false, reason: "a secret", group: "isn" }),
  q("MUST-14", { group: "options" }),
  q("SHLD-5", { group: "options" }),
];
const rec = (script: string, target: RunRecord["target"], verdict: RunRecord["verdict"], mode: RunRecord["mode"] = "ipv4"): RunRecord => ({ script, mode, target, verdict });

describe("lib/coverage/report", () => {
  const specs = [
    { script: "a.pkt", ids: ["MUST-10", "SHLD-5"] },
    { script: "b.pkt", ids: ["MUST-10", "MUST-11"] },
    { script: "c.pkt", ids: [] },
  ];
  const records = [rec("a.pkt", "kernel", "pass"), rec("a.pkt", "model", "pass"), rec("b.pkt", "kernel", "pass"), rec("b.pkt", "model", "fail", "ipv6"), rec("b.pkt", "model", "pass")];
  const report = buildCoverage(specs, records, REQS);

  it("marks covered, gap and not observable; outcomes per target over modes", () => {
    const row = (id: string) => report.rows.find((r) => r.requirement.id === id)!;
    expect(row("MUST-10").status).to.equal("covered");
    expect(row("MUST-14").status).to.equal("gap");
    expect(row("MUST-9").status).to.equal("not-observable");
    expect(row("MUST-11").specs).to.deep.equal([{ script: "b.pkt", kernel: { outcome: "pass", failedModes: [] }, model: { outcome: "fail", failedModes: ["ipv6"] } }]);
    expect(buildCoverage([{ script: "z.pkt", ids: ["MUST-14"] }], [], REQS).rows.find((r) => r.requirement.id === "MUST-14")!.specs[0]!.kernel.outcome).to.equal("not run");
  });

  it("counts observable MUSTs only; passing needs a script that passed wherever it ran", () => {
    expect(report.summary.must).to.deep.equal({ covered: 2, total: 3, notObservable: 1, passing: 1 });
    expect(report.summary.connectionManagement).to.deep.equal({ covered: 2, total: 2 });
    expect(report.summary.shld).to.deep.equal({ covered: 1, total: 1 });
    expect(report.summary.scriptsWithoutRequirements).to.equal(1);
    expect(summaryLine(report)).to.equal("rfc9293: 2/3 MUST covered");
  });

  it("the text report lists each requirement with its scripts and ends with the summary line", () => {
    const text = formatCoverage(report);
    expect(text.trimEnd().split("\n").at(-1)).to.equal("rfc9293: 2/3 MUST covered");
    expect(text).to.match(/^MUST-10 +§3\.5 +covered +summary of MUST-10$/m);
    expect(text).to.match(/^ +b\.pkt +kernel pass +model FAIL \(ipv6\)$/m);
    expect(text).to.match(/^MUST-14 +§3\.5 +GAP /m);
    expect(text).to.match(/not observable: a secret/);
    const gaps = formatCoverage(report, { gapsOnly: true });
    expect(gaps).to.include("MUST-14").and.not.include("MUST-10 ");
    expect(formatCoverage(report, { levels: ["SHLD"] })).to.not.match(/^MUST-/m);
  });

  it("JSON carries every requirement with its status and the summary line", () => {
    const json = coverageJson(report) as { summaryLine: string; requirements: { id: string; status: string }[] };
    expect(json.summaryLine).to.equal("rfc9293: 2/3 MUST covered");
    expect(json.requirements.map((r) => `${r.id}:${r.status}`)).to.deep.equal(["MUST-10:covered", "MUST-11:covered", "MUST-9:not-observable", "MUST-14:gap", "SHLD-5:covered"]);
  });

  it("over the real table with no scripts: 0 of the observable MUSTs", () => {
    const empty = buildCoverage([], [], RFC9293_REQUIREMENTS);
    const observable = RFC9293_REQUIREMENTS.filter((x) => x.level === "MUST" && x.observable).length;
    expect(summaryLine(empty)).to.equal(`rfc9293: 0/${observable} MUST covered`);
  });
});
