/**
 * packetdrill's own self-test scripts (corpus packetdrill/tests/): the first comment of the
 * failing ones states a *run-time* error. They must all parse cleanly; the failing event that the
 * comment precedes must be there for the runner to fail on.
 */
import { expect } from "chai";
import { parseScript } from "../../../lib/script/parse";
import { CORPUS, corpusPresent, corpusScripts, definesFor, modesFor, readCorpus } from "./corpus-helper";

describe("script: packetdrill's self-tests parse; their failures happen at run time", () => {
  if (!corpusPresent()) {
    it(`skipped: the shared corpus is not present at ${CORPUS}`, function () {
      this.skip();
    });
    return;
  }
  const selfTests = corpusScripts().filter((s) => s.startsWith("packetdrill/tests/"));

  it("finds the four self-tests", () => {
    expect(selfTests).to.have.length(4);
  });

  for (const script of selfTests) {
    const text = readCorpus(script);
    const failure = /^\/\/ Failure: (.*)$/m.exec(text);
    it(`${script} parses${failure ? `; its stated failure is a run-time one: ${failure[1]!.slice(0, 60)}...` : ""}`, () => {
      for (const mode of modesFor(script)) {
        const r = parseScript(text, { file: script, ipVersion: mode, defines: definesFor(mode) });
        expect(r.diagnostics).to.deep.equal([]);
        if (failure) {
          expect(failure[1]).to.match(/^runtime error in socket call: /);
          const failureLine = text.slice(0, failure.index).split("\n").length;
          const next = r.script!.events.find((e) => e.span.start.line > failureLine);
          expect(next?.kind, "the event the failure comment describes").to.equal("syscall");
          expect(next?.kind === "syscall" && next.call.name).to.equal("socket");
        }
      }
    });
  }
});
