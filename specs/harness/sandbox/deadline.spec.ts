/** deadline.ts: a bound on an awaited shutdown step that is a bound even when nothing else runs. */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { withDeadline } from "../../../harness/sandbox/deadline";

const RUN_TS = path.join(__dirname, "..", "..", "..", "bin", "run-ts.js");

describe("harness/sandbox/deadline", () => {
  it("gives the promise's value, or undefined once the bound passed", async () => {
    expect(await withDeadline(Promise.resolve(7), 1000)).to.equal(7);
    expect(await withDeadline(new Promise(() => undefined), 10)).to.equal(undefined);
  });

  it("keeps the process alive until the bound (an unref'd timer let it exit with nothing said)", async function () {
    this.timeout(20_000);
    const child = spawn(process.execPath, [RUN_TS, path.join(__dirname, "fixtures", "deadline-child.ts")], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(out).to.equal("bounded: undefined\n");
    expect(code).to.equal(0);
  });
});
