/**
 * Mocha integration: one test per conformance script × IP mode × target. A failing script fails
 * its test with tcpdrill's full rendered report. When the kernel target is unavailable (no root,
 * no /dev/net/tun) the kernel tests are pending with the reason, never passed.
 *
 * Scripts whose header says `// kernel-unstable: <why>` run against the kernel only with
 * TCPDRILL_UNSTABLE=1 (pending with the reason otherwise).
 * Scripts whose header says `// slow` (60 s timers and longer) run against the kernel only when
 * TCPDRILL_SLOW=1; otherwise their kernel tests are pending and say so. Model tests always run.
 *
 * Every run is recorded in the last-run file tcpdrill coverage reads (.tcpdrill/last-run.json
 * under root; TCPDRILL_RESULTS moves it or, "off", stops it). TCPDRILL_BASELINE=<file> judges
 * each run against a recorded baseline: known failures pending with their recorded reason, new
 * passes reported, changed reasons failing (harness/baseline/mocha.ts). TypeScript specs that
 * declare rfc9293 requirements are recorded too (harness/baseline/spec-recorder.ts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { renderDiagnostic } from "../../lib/diagnostics/render";
import type { IpMode, TargetKind } from "../../lib/trace/types";
import { RunBook, type RunBookOptions } from "../baseline/mocha";
import { installSpecRecorder } from "../baseline/spec-recorder";
import { modesForScript } from "../runner/config";
import { warmUpRunner } from "../runner/warm-up";
import { kernelTargetFactory, modelTargetFactory, runJob, type JobResult } from "../runner/run-job";
import { confirmed } from "../runner/confirm";
import { defaultConfirmPolicy, describeRepeats } from "../../lib/trace/confirm";
import { sandboxSupport } from "../sandbox";

installSpecRecorder(path.resolve(__dirname, "../.."));

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
export function registerScripts(title: string, dir: string, root: string, options: RunBookOptions & { readonly targets?: readonly TargetKind[] } = {}): void {
  const targets = options.targets ?? ["kernel", "model"];
  describe(title, function () {
    this.timeout(120_000);
    const book = new RunBook(root, options);
    after(() => book.flush());
    for (const file of findScripts(dir)) {
      const rel = path.relative(root, file);
      const slow = isSlow(file);
      const unstable = kernelUnstable(file);
      for (const mode of modesForScript(file) as IpMode[]) {
        if (targets.includes("kernel")) it(`${rel} [${mode}] kernel${slow ? " @slow" : ""}`, async function () {
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
          await warmUpRunner();
          // A failure, or a pass close to a timing window's edge, is run again (lib/trace/confirm.ts).
          const play = (): Promise<JobResult> => runJob(file, mode, {}, kernelTargetFactory);
          const r = await confirmed(await play(), play, defaultConfirmPolicy);
          if (r.trace.repeats !== undefined && r.trace.repeats.others.length > 0) console.log(`      confirmed by ${describeRepeats(r.trace.repeats)}`);
          settle(this, book, r, `${path.relative(root, file)} [${mode}]`);
        });
        if (targets.includes("model")) it(`${rel} [${mode}] model`, async function () {
          const r = await runJob(file, mode, { target: "model" }, modelTargetFactory());
          settle(this, book, r, `${path.relative(root, file)} [${mode}] model`);
        });
      }
    }
  });
}

/** Records the run, then passes, fails with the full report, or goes pending as the baseline says. */
function settle(ctx: Mocha.Context, book: RunBook, r: JobResult, what: string): void {
  const outcome = book.settle(r.trace);
  if (outcome.note !== undefined) console.log(`      ${outcome.note}`);
  if (outcome.action === "pending") ctx.skip();
  if (outcome.action === "fail") {
    const report = r.trace.failure !== undefined ? renderDiagnostic(r.trace.failure, r.source) : "(no diagnostic)";
    throw new Error(`${r.trace.verdict}: ${what}\n${outcome.note !== undefined ? outcome.note + "\n" : ""}${report}`);
  }
}
