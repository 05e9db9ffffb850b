import { expect } from "chai";
import { parseScript } from "../../../lib/script/parse";
import { renderDiagnostic } from "../../../lib/diagnostics/render";
import { CORPUS, corpusPresent, corpusScripts, definesFor, modesFor, readCorpus, verdictRejections } from "./corpus-helper";

describe("script: the upstream packetdrill corpus", () => {
  if (!corpusPresent()) {
    it(`skipped: the shared corpus is not present at ${CORPUS}`, function () {
      console.log(`    (no corpus at ${CORPUS}; corpus specs skipped)`);
      this.skip();
    });
    return;
  }

  const rejections = verdictRejections();

  it("verdicts.tsv lists exactly the two ICMPv6 code rejections packetdrill reports at parse time", () => {
    expect(rejections.map((r) => `${r.script} ${r.mode}`)).to.deep.equal([
      "tcp/fastopen/client/syn-data-icmp-unreach-frag-needed-with-seq.pkt ipv6",
      "tcp/fastopen/server/icmp-baseline.pkt ipv6",
    ]);
  });

  for (const script of corpusScripts()) {
    for (const mode of modesFor(script)) {
      const rejection = rejections.find((r) => r.script === script && r.mode === mode);
      const title = rejection
        ? `${script} (${mode}) is rejected like packetdrill: line ${rejection.line}: ${rejection.message}`
        : `${script} (${mode}) parses without diagnostics`;
      it(title, () => {
        const text = readCorpus(script);
        const r = parseScript(text, { file: script, ipVersion: mode, defines: definesFor(mode) });
        if (rejection) {
          expect(r.script).to.equal(undefined);
          const errors = r.diagnostics.filter((d) => d.severity === "error");
          expect(errors.map((d) => [d.span?.start.line, d.message])).to.deep.equal([[rejection.line, rejection.message]]);
        } else {
          const shown = r.diagnostics.map((d) => renderDiagnostic(d, text)).join("\n");
          expect(r.diagnostics, shown).to.deep.equal([]);
          expect(r.script).to.not.equal(undefined);
          expect(r.script!.events.length).to.be.greaterThan(0);
        }
      });
    }
  }
});
