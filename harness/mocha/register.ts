/**
 * Mocha integration: one test per conformance script × IP mode × target. A failing script fails
 * its test with tcpdrill's full rendered report. When the kernel target is unavailable (no root,
 * no /dev/net/tun) the kernel tests are pending with the reason, never passed.
 *
 * Scripts whose header says `// kernel-unstable: <why>` run against the kernel only with
 * TCPDRILL_UNSTABLE=1 (pending with the reason otherwise).
 * Scripts whose header says `// slow` (60 s timers and longer) run against the kernel only when
 * TCPDRILL_SLOW=1; otherwise their kernel tests are pending and say so. Model tests always run.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { renderDiagnostic } from "../../lib/diagnostics/render";
import type { IpMode } from "../../lib/trace/types";
import { modesForScript } from "../runner/config";
import { kernelTargetFactory, modelTargetFactory, runJob } from "../runner/run-job";
import { sandboxSupport } from "../sandbox";

export function findScripts(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findScripts(p));
    else if (name.endsWith(".pkt")) out.push(p);
  }
  return out;
}

export function isSlow(file: string): boolean {
  return /^\/\/\s*slow\b/m.test(readFileSync(file, "utf8").split("\n").slice(0, 10).join("\n"));
}

/**
 * `// kernel-unstable: <why>` in a script's header: the kernel itself does one of two things
 * (measured, explained in the script), so its kernel test runs only with TCPDRILL_UNSTABLE=1 and
 * is otherwise pending with that reason; the model test always runs.
 */
export function kernelUnstable(file: string): string | undefined {
  return /^\/\/\s*kernel-unstable:\s*(.+)$/m.exec(readFileSync(file, "utf8").split("\n").slice(0, 15).join("\n"))?.[1];
}

/**
 * Registers a describe() block with one test per script × mode × target: the kernel (when it can
 * run here) and the model, which always runs, `// slow` scripts included (its time is virtual).
 */
export function registerScripts(title: string, dir: string, root: string): void {
  describe(title, function () {
    this.timeout(120_000);
    for (const file of findScripts(dir)) {
      const rel = path.relative(root, file);
      const slow = isSlow(file);
      const unstable = kernelUnstable(file);
      for (const mode of modesForScript(file) as IpMode[]) {
        it(`${rel} [${mode}] kernel${slow ? " @slow" : ""}`, async function () {
          const support = sandboxSupport();
          if (!support.ok) {
            console.log(`      pending: kernel target unavailable: ${support.reason}`);
            this.skip();
          }
          if (unstable !== undefined && process.env["TCPDRILL_UNSTABLE"] !== "1") {
            console.log(`      pending: the kernel's outcome varies (${unstable}); set TCPDRILL_UNSTABLE=1 to run it`);
            this.skip();
          }
          if (slow && process.env["TCPDRILL_SLOW"] !== "1") {
            console.log("      pending: slow kernel script; set TCPDRILL_SLOW=1 to run it");
            this.skip();
          }
          const r = await runJob(file, mode, {}, kernelTargetFactory);
          if (r.trace.verdict !== "pass") {
            const report = r.trace.failure !== undefined ? renderDiagnostic(r.trace.failure, r.source) : "(no diagnostic)";
            throw new Error(`${r.trace.verdict}: ${path.relative(root, file)} [${mode}]\n${report}`);
          }
        });
        it(`${rel} [${mode}] model`, async function () {
          const r = await runJob(file, mode, { target: "model" }, modelTargetFactory());
          if (r.trace.verdict !== "pass") {
            const report = r.trace.failure !== undefined ? renderDiagnostic(r.trace.failure, r.source) : "(no diagnostic)";
            throw new Error(`${r.trace.verdict}: ${path.relative(root, file)} [${mode}] model\n${report}`);
          }
        });
      }
    }
  });
}
