/**
 * Golden diagnostics: each fixture script under specs/fixtures/script/ is checked and its full
 * rendered diagnostics are compared with `<name>.expected`. A fixture's first line may be
 * `// check: [--ip_version=MODE] [-D NAME=value]...` to set the mode and defines.
 *
 * To regenerate after a deliberate change: UPDATE_GOLDEN=1 npx mocha specs/lib/script/golden.spec.ts
 * (then review the diff).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES } from "./corpus-helper";
import { checkFixture, fixtureNames } from "./fixture-helper";

describe("script: golden diagnostics (specs/fixtures/script)", () => {
  const update = process.env["UPDATE_GOLDEN"] === "1";
  const names = fixtureNames();
  const seen = new Set<string>();

  for (const name of names) {
    it(`${name}.pkt renders its diagnostics exactly`, () => {
      const { diagnostics, rendered } = checkFixture(name);
      expect(diagnostics.length, "a golden fixture must produce diagnostics").to.be.greaterThan(0);
      for (const d of diagnostics) seen.add(`${d.code}: ${d.message}`);
      const expectedFile = path.join(FIXTURES, `${name}.expected`);
      if (update) fs.writeFileSync(expectedFile, rendered);
      expect(fs.existsSync(expectedFile), `missing ${expectedFile} (run with UPDATE_GOLDEN=1)`).to.equal(true);
      expect(rendered).to.equal(fs.readFileSync(expectedFile, "utf8"));
    });
  }

  it("covers at least 30 distinct errors", () => {
    for (const name of names) for (const d of checkFixture(name).diagnostics) seen.add(`${d.code}: ${d.message}`);
    expect(seen.size).to.be.at.least(30);
  });
});
