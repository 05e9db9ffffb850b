// Mutation testing of the conformance scripts on the model: every .pkt under specs/tcp (found when
// mocha loads this file) must pass as written and FAIL with each mechanical mutation applied
// (first `>` flags flipped, first relative `>` time shifted by +0.5 s, first expected errno
// changed). A mutated script that still passes is a spec that cannot catch that change.
// TCPDRILL_MUTATE_DEEP=1 adds harsher ones (every `>` deleted, ack/seq ±1, every time +0.5 s).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect, use } from "chai";
import { modesForScript } from "../../harness/runner/config";
import { findScripts } from "../../harness/mocha/register";
import { deepMutations, mutations, renderFailure, runSource, tcpdrillChai } from "../../harness/api";

use(tcpdrillChai);

const root = path.resolve(__dirname, "../..");

describe("mutation (specs/tcp on the model)", function () {
  this.timeout(60_000);
  for (const file of findScripts(__dirname)) {
    const rel = path.relative(root, file);
    const source = readFileSync(file, "utf8");
    // One mode is enough: the mutations change what is expected, not how addresses are written.
    const mode = modesForScript(file)[0]!;
    const cwd = path.dirname(file);
    let baseline: ReturnType<typeof runSource> | undefined;
    const asWritten = () => (baseline ??= runSource(source, file, { target: "model", mode, cwd }));
    describe(`${rel} [${mode}]`, function () {
      it("passes as written", async function () {
        expect(await asWritten()).to.pass;
      });
      for (const m of mutations(source, file, mode)) {
        it(`fails with ${m.name}`, async function () {
          if ((await asWritten()).verdict !== "pass") {
            // A script that fails as written fails mutated too; that says nothing about the mutation.
            console.log(`      pending: ${rel} does not pass as written on the model`);
            this.skip();
          }
          const trace = await runSource(m.text, file, { target: "model", mode, cwd });
          // "error" would mean the mutation broke the script rather than the expectation.
          expect(trace.verdict, trace.verdict === "pass" ? `survived: ${m.name}` : renderFailure(trace)).to.equal("fail");
          // Caught by the changed expectation itself, not by a side effect further down.
          expect(trace.failure?.span?.start.line, renderFailure(trace)).to.equal(m.line);
        });
      }
      // Harsher mutations, on request only: some survive by design of the runner (see the README).
      if (process.env["TCPDRILL_MUTATE_DEEP"] === "1") {
        for (const m of deepMutations(source, file, mode)) {
          it(`deep: fails with ${m.name}`, async function () {
            const trace = await runSource(m.text, file, { target: "model", mode, cwd });
            expect(trace.verdict, trace.verdict === "pass" ? `survived: ${m.name}` : renderFailure(trace)).to.equal("fail");
          });
        }
      }
    });
  }
});
