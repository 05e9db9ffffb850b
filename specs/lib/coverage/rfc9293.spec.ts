import { expect } from "chai";
import { RFC9293_REQUIREMENTS, REQUIREMENT_ID_PATTERN, isConnectionManagement, requirementById } from "../../../lib/coverage/rfc9293";

describe("lib/coverage/rfc9293 data", () => {
  it("has exactly the RFC's ranges MUST-1..69, SHLD-1..31, MAY-1..18, REC-1, each once", () => {
    const ids = RFC9293_REQUIREMENTS.map((q) => q.id);
    expect(new Set(ids).size).to.equal(ids.length);
    const expected = [
      ...Array.from({ length: 69 }, (_, i) => `MUST-${i + 1}`),
      ...Array.from({ length: 31 }, (_, i) => `SHLD-${i + 1}`),
      ...Array.from({ length: 18 }, (_, i) => `MAY-${i + 1}`),
      "REC-1",
    ];
    expect([...ids].sort()).to.deep.equal([...expected].sort());
  });

  it("ids follow the grammar and agree with level and n; sections look like RFC section numbers", () => {
    for (const q of RFC9293_REQUIREMENTS) {
      expect(q.id, q.id).to.match(REQUIREMENT_ID_PATTERN);
      expect(q.id).to.equal(`${q.level}-${q.n}`);
      expect(q.section, q.id).to.match(/^3(\.\d+)+$/);
      expect(q.summary.length, q.id).to.be.within(10, 160);
    }
  });

  it("every hidden requirement states its reason, and only those have one", () => {
    for (const q of RFC9293_REQUIREMENTS) expect(q.reason !== undefined, q.id).to.equal(!q.observable);
    expect(RFC9293_REQUIREMENTS.filter((q) => !q.observable).map((q) => q.id)).to.include.members(["MUST-9", "REC-1"]);
  });

  it("looks ids up; the connection-management set holds the opening/closing MUSTs", () => {
    expect(requirementById("MUST-10")?.section).to.equal("3.5");
    expect(requirementById("SHLD-13")?.alsoIn).to.deep.equal(["3.9.1.2"]);
    expect(requirementById("MUST-70")).to.equal(undefined);
    const cm = RFC9293_REQUIREMENTS.filter((q) => q.level === "MUST" && isConnectionManagement(q)).map((q) => q.id);
    expect(cm).to.include.members(["MUST-8", "MUST-10", "MUST-11", "MUST-12", "MUST-13", "MUST-23", "MUST-41", "MUST-57"]);
  });
});
