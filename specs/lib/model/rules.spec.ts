// The rule table is complete and honest: every rule has a description and a citation, every rule
// the model's source names is in the table, and every table entry is used by the source.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isRuleId, RULES } from "../../../lib/model";

const dir = join(__dirname, "../../../lib/model");
const source = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "rules.ts")
  .map((f) => readFileSync(join(dir, f), "utf8"))
  .join("\n");
const FAMILIES = ["syscall", "close", "shutdown", "segment-arrives", "request", "time-wait", "output", "timer"];

describe("lib/model/rules", () => {
  it("every rule has a family prefix, a description and a citation", () => {
    for (const [id, info] of Object.entries(RULES)) {
      expect(FAMILIES, id).to.include(id.split("/")[0]);
      expect(info.description.length, id).to.be.above(10);
      expect(info.cite.length, id).to.be.above(3);
    }
  });

  it("every rule id written in the model's source exists", () => {
    const used = new Set([...source.matchAll(/"((?:syscall|close|shutdown|segment-arrives|request|time-wait|output|timer)\/[a-z0-9/-]+)"/g)].map((m) => m[1]!));
    for (const id of used) expect(isRuleId(id), id).to.equal(true);
  });

  it("every rule in the table is used somewhere", () => {
    for (const id of Object.keys(RULES)) expect(source.includes(`"${id}"`), id).to.equal(true);
  });
});
