/**
 * Records TypeScript conformance specs in the last-run file, next to the scripts that
 * registerScripts records, so `tcpdrill coverage` shows their outcome too. A spec counts when its
 * header declares rfc9293 requirements; its tests name mode and target in their titles the way
 * the script tests do (`[ipv6] kernel`), and tests without that are not recorded. Several tests
 * of one file, mode and target make one record: it fails if any of them failed.
 *
 * Installed once, as root-level mocha hooks, when harness/mocha/register.ts is loaded by mocha.
 */
import { readFileSync } from "node:fs";
import type { RunRecord } from "../../lib/baseline/record";
import { parseRequirementHeader } from "../../lib/coverage/header";
import type { IpMode, TargetKind } from "../../lib/trace/types";
import { resultsFile } from "../coverage/results";
import { mergeIntoFile, scriptKey } from "./io";

/** `... [ipv4-mapped-ipv6] model ...` → its mode and target. */
export function modeAndTarget(title: string): { readonly mode: IpMode; readonly target: TargetKind } | undefined {
  const m = /\[(ipv4|ipv4-mapped-ipv6|ipv6)\]\s*(kernel|model)\b/.exec(title);
  return m === null ? undefined : { mode: m[1] as IpMode, target: m[2] as TargetKind };
}

export interface FinishedTest {
  readonly file?: string | undefined;
  readonly title: string;
  readonly state?: "passed" | "failed" | "pending" | undefined;
  readonly err?: Error | undefined;
}

export class SpecRecorder {
  private readonly declares = new Map<string, boolean>();
  private readonly records = new Map<string, RunRecord>();

  constructor(private readonly root: string) {}

  private declaresRequirements(file: string): boolean {
    let known = this.declares.get(file);
    if (known === undefined) {
      try {
        known = parseRequirementHeader(readFileSync(file, "utf8"), file).ids.length > 0;
      } catch {
        known = false;
      }
      this.declares.set(file, known);
    }
    return known;
  }

  observe(test: FinishedTest): void {
    if (test.file === undefined || !test.file.endsWith(".spec.ts") || (test.state !== "passed" && test.state !== "failed")) return;
    const where = modeAndTarget(test.title);
    if (where === undefined || !this.declaresRequirements(test.file)) return;
    const script = scriptKey(test.file, this.root);
    const key = `${script}\t${where.mode}\t${where.target}`;
    if (this.records.get(key)?.verdict === "fail") return;
    this.records.set(
      key,
      test.state === "passed"
        ? { script, ...where, verdict: "pass" }
        : { script, ...where, verdict: "fail", code: "E-spec", reason: (test.err?.message ?? "failed").split("\n")[0]!.slice(0, 200) },
    );
  }

  flush(file: string | undefined): void {
    if (file === undefined || this.records.size === 0) return;
    try {
      mergeIntoFile(file, [...this.records.values()]);
    } catch {
      // Recording is a convenience for tcpdrill coverage; it never fails a test run.
    }
  }
}

let installed = false;

/** Root-level afterEach/after hooks; a no-op outside mocha (e.g. bench/model.ts importing register). */
export function installSpecRecorder(root: string): void {
  const g = globalThis as { afterEach?: (fn: (this: Mocha.Context) => void) => void; after?: (fn: () => void) => void };
  if (installed || typeof g.afterEach !== "function" || typeof g.after !== "function") return;
  installed = true;
  const recorder = new SpecRecorder(root);
  g.afterEach(function () {
    const t = this.currentTest;
    if (t !== undefined) recorder.observe({ file: t.file, title: t.title, state: t.state, err: (t as { err?: Error }).err });
  });
  g.after(() => recorder.flush(resultsFile(undefined, process.env, root)));
}
