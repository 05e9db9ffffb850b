// `npm run test:deno` preloads harness/runtime/deno-preload.cjs into every Deno process: mocha's
// own `--no-config` then parses as under Node (Deno 2.9's parseArgs alone rejects it).
import { expect } from "chai";
import { parseArgs } from "node:util";

describe("harness/runtime deno-preload", () => {
  it("a negated string option parses to false, as Node does (mocha --no-config)", () => {
    const { values, positionals } = parseArgs({
      args: ["--no-config", "-r", "tsx/cjs", "file.ts"],
      options: { config: { type: "string" }, require: { type: "string", short: "r", multiple: true } },
      allowNegative: true,
      strict: false,
      allowPositionals: true,
    });
    expect(values).to.deep.include({ config: false, require: ["tsx/cjs"] });
    expect(positionals).to.deep.equal(["file.ts"]);
  });

  it("leaves other arguments alone (a negated boolean, an unknown --no-x)", () => {
    const { values } = parseArgs({
      args: ["--no-exit", "--no-such"],
      options: { exit: { type: "boolean" } },
      allowNegative: true,
      strict: false,
    });
    expect(values["exit"]).to.equal(false);
    expect(values["such"]).to.equal(false);
  });
});
