import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { recordFile } from "../../../lib/baseline/record";
import { CONNECTION_MANAGEMENT_GROUPS, RFC9293_REQUIREMENTS, type RequirementGroup } from "../../../lib/coverage/rfc9293";
import { coverageCommand } from "../../../harness/cli/coverage";
import { captureIo } from "../../../harness/cli/io";

const ROOT = path.resolve(__dirname, "../../..");
const OBSERVABLE_MUSTS = RFC9293_REQUIREMENTS.filter((q) => q.level === "MUST" && q.observable).length;

describe("tcpdrill coverage", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tcpdrill-coverage-"));
    mkdirSync(path.join(dir, "specs", "open"), { recursive: true });
    writeFileSync(path.join(dir, "specs", "open", "simul.pkt"), "// topic: T3\n// rfc9293: MUST-10 SHLD-5 §3.10.7.3\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
    writeFileSync(path.join(dir, "specs", "open", "plain.pkt"), "// topic: T1\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
    // TypeScript specs count when their header declares requirements; others are not checks.
    writeFileSync(path.join(dir, "specs", "open", "direct.spec.ts"), "// topic: T1\n// rfc9293: MUST-11\nimport { expect } from \"chai\";\n");
    writeFileSync(path.join(dir, "specs", "open", "helper.spec.ts"), "// Registers things.\nimport { expect } from \"chai\";\n");
    writeFileSync(
      path.join(dir, "runs.json"),
      JSON.stringify(recordFile([
        { script: "specs/open/simul.pkt", mode: "ipv4", target: "kernel", verdict: "pass" },
        { script: "specs/open/simul.pkt", mode: "ipv4", target: "model", verdict: "fail", code: "E-x", line: 3, reason: "r" },
      ])),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (...argv: string[]) => {
    const io = captureIo();
    const status = await coverageCommand([...argv, "--results", path.join(dir, "runs.json"), path.join(dir, "specs")], io, dir);
    return { status, out: io.out(), err: io.err() };
  };

  it("prints each requirement with its scripts' last results and the summary line", async () => {
    const r = await run();
    expect(r.status, r.err).to.equal(0);
    expect(r.out).to.match(/^MUST-10 +§3\.5 +covered /m);
    expect(r.out).to.match(/^ +specs\/open\/simul\.pkt +kernel pass +model FAIL \(ipv4\)$/m);
    expect(r.out).to.match(/^MUST-9 +§3\.4\.1 +n\/o /m);
    expect(r.out.trimEnd().split("\n").at(-1)).to.equal(`rfc9293: 2/${OBSERVABLE_MUSTS} MUST covered`);
    expect(r.out).to.match(/^MUST-11 +§3\.5 +covered .*\n +specs\/open\/direct\.spec\.ts +kernel not run +model not run$/m);
    expect(r.out).to.include("scripts: 3, 1 naming no numbered requirement");
  });

  it("--json has the requirements, the summary and the summary line", async () => {
    const r = await run("--json");
    const j = JSON.parse(r.out) as { summaryLine: string; summary: { must: { covered: number } }; requirements: { id: string; status: string; specs: { script: string }[] }[]; errors: unknown[]; scripts: unknown[] };
    expect(j.summaryLine).to.equal(`rfc9293: 2/${OBSERVABLE_MUSTS} MUST covered`);
    expect(j.summary.must.covered).to.equal(2);
    expect(j.requirements.find((q) => q.id === "MUST-10")!.specs.map((s) => s.script)).to.deep.equal(["specs/open/simul.pkt"]);
    expect(j.errors).to.deep.equal([]);
    expect(j.scripts).to.deep.equal([
      { script: "specs/open/direct.spec.ts", ids: ["MUST-11"], sections: [] },
      { script: "specs/open/plain.pkt", ids: [], sections: [] },
      { script: "specs/open/simul.pkt", ids: ["MUST-10", "SHLD-5"], sections: ["3.10.7.3"] },
    ]);
  });

  it("an unknown id is an error with file:line:col and exit status 1", async () => {
    writeFileSync(path.join(dir, "specs", "open", "typo.pkt"), "// topic: T1\n// rfc9293: MUST-100\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
    const r = await run();
    expect(r.status).to.equal(1);
    expect(r.err).to.include("specs/open/typo.pkt:2:13: error[E-rfc9293-unknown]: RFC 9293 has no requirement MUST-100.");
  });

  it("usage errors exit 2", async () => {
    const io = captureIo();
    expect(await coverageCommand(["--level", "SHOULD"], io, dir)).to.equal(2);
    expect(await coverageCommand([path.join(dir, "missing")], io, dir)).to.equal(2);
  });

  it("the project's own suite: valid headers, the summary line, every observable connection-management MUST covered", async () => {
    const io = captureIo();
    const status = await coverageCommand(["--results", "off", path.join(ROOT, "specs", "tcp")], io, ROOT);
    expect(io.err()).to.equal("");
    expect(status).to.equal(0);
    expect(io.out()).to.match(new RegExp(`^rfc9293: \\d+/${OBSERVABLE_MUSTS} MUST covered$`, "m"));
    const json = captureIo();
    await coverageCommand(["--json", "--results", "off", path.join(ROOT, "specs", "tcp")], json, ROOT);
    const report = JSON.parse(json.out()) as { requirements: { id: string; level: string; group: RequirementGroup; status: string }[] };
    const gaps = report.requirements.filter((q) => q.level === "MUST" && CONNECTION_MANAGEMENT_GROUPS.includes(q.group) && q.status === "gap");
    expect(gaps.map((q) => q.id), "connection-management MUSTs no script checks").to.deep.equal([]);
  });
});
