// Self-test scripts that must fail: each states, in its first comment, the start of the failure
// it must produce (`// Failure: ...`) and optionally further mismatches (`// Also: ...`). The spec
// runs each against the kernel and compares the rendered report.
import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { renderDiagnostic } from "../../../lib/diagnostics/render";
import { kernelTargetFactory, runJob } from "../../../harness/runner/run-job";
import { requireKernel } from "../../helpers/kernel";

const dir = path.join(__dirname, "selftest");

describe("harness/runner self-tests (scripts that must fail, real kernel)", function () {
  this.timeout(30_000);
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".pkt")).sort()) {
    const file = path.join(dir, name);
    const text = readFileSync(file, "utf8");
    const failure = /^\/\/ Failure: (.*)$/m.exec(text)?.[1];
    const also = [...text.matchAll(/^\/\/ Also: (.*)$/gm)].map((m) => m[1]!);
    it(`${name} fails with: ${failure}`, async function () {
      requireKernel(this);
      expect(failure, "the script states its failure").to.be.a("string");
      const r = await runJob(file, "ipv4", {}, kernelTargetFactory);
      expect(r.trace.verdict).to.equal("fail");
      const rendered = renderDiagnostic(r.trace.failure!, r.source);
      const [first] = rendered.split("\n");
      expect(first).to.match(/^.*selftest\/[\w-]+\.pkt:\d+:\d+: error\[E-[\w-]+\]: /);
      expect(first!.replace(/^.*?error\[E-[\w-]+\]: /, "")).to.satisfy((m: string) => m.startsWith(failure!), rendered);
      for (const a of also) expect(rendered).to.include(`also: ${a}`);
      // The report shows the source line with a caret under the failing event.
      expect(rendered).to.match(/\n\s*\d+ \|.*\n\s*\| *\^+/);
    });
  }
});
