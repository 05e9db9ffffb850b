/**
 * The RFC 9293 coverage report: per requirement, the scripts that declare they check it and how
 * each fared on its last recorded run against the kernel and the model.
 *
 * "Covered" means at least one script declares the id; whether those scripts pass is shown next
 * to it (a covered requirement whose script fails is a known deviation, not a gap). Requirements
 * marked not observable are listed with their reason and left out of the totals, so the summary
 * line `rfc9293: <covered>/<total> MUST covered` counts observable MUSTs only.
 */
import type { TargetKind } from "../trace/types";
import type { RunRecord } from "../baseline/record";
import { isConnectionManagement, RFC9293_REQUIREMENTS, type Requirement, type RequirementLevel } from "./rfc9293";

export interface SpecDeclaration {
  /** Script path as the run records name it (relative, `/` separators). */
  readonly script: string;
  readonly ids: readonly string[];
  /** `§` section references of the header (context, not coverage). */
  readonly sections?: readonly string[];
}

/** How a script fared on one target, over the IP modes that were run. */
export interface TargetOutcome {
  readonly outcome: "pass" | "fail" | "not run";
  /** Modes that did not pass (empty unless outcome is "fail"). */
  readonly failedModes: readonly string[];
}

export interface SpecResult {
  readonly script: string;
  readonly kernel: TargetOutcome;
  readonly model: TargetOutcome;
}

export type RequirementStatus = "covered" | "gap" | "not-observable";

export interface RequirementRow {
  readonly requirement: Requirement;
  readonly status: RequirementStatus;
  readonly specs: readonly SpecResult[];
}

export interface Tally {
  readonly covered: number;
  /** Observable requirements of the kind. */
  readonly total: number;
}

export interface CoverageSummary {
  readonly must: Tally & { readonly notObservable: number; readonly passing: number };
  readonly connectionManagement: Tally;
  readonly shld: Tally;
  readonly may: Tally;
  readonly rec: Tally;
  readonly scripts: number;
  readonly scriptsWithoutRequirements: number;
}

export interface CoverageReport {
  readonly rows: readonly RequirementRow[];
  readonly specs: readonly SpecDeclaration[];
  readonly summary: CoverageSummary;
}

function targetOutcome(records: readonly RunRecord[], target: TargetKind): TargetOutcome {
  const runs = records.filter((r) => r.target === target);
  if (runs.length === 0) return { outcome: "not run", failedModes: [] };
  const failedModes = runs.filter((r) => r.verdict !== "pass").map((r) => r.mode);
  return { outcome: failedModes.length === 0 ? "pass" : "fail", failedModes };
}

/** Passed on every target it was run on, and was run at least once. */
function specPasses(s: SpecResult): boolean {
  const outcomes = [s.kernel.outcome, s.model.outcome];
  return outcomes.includes("pass") && !outcomes.includes("fail");
}

export function buildCoverage(specs: readonly SpecDeclaration[], records: readonly RunRecord[], requirements: readonly Requirement[] = RFC9293_REQUIREMENTS): CoverageReport {
  const bySpec = new Map<string, RunRecord[]>();
  for (const r of records) {
    const list = bySpec.get(r.script) ?? [];
    list.push(r);
    bySpec.set(r.script, list);
  }
  const result = (script: string): SpecResult => {
    const rs = bySpec.get(script) ?? [];
    return { script, kernel: targetOutcome(rs, "kernel"), model: targetOutcome(rs, "model") };
  };
  const rows = requirements.map((requirement): RequirementRow => {
    const declaring = specs.filter((s) => s.ids.includes(requirement.id)).map((s) => result(s.script));
    const status: RequirementStatus = !requirement.observable ? "not-observable" : declaring.length > 0 ? "covered" : "gap";
    return { requirement, status, specs: declaring };
  });
  const tally = (pick: (row: RequirementRow) => boolean): Tally => {
    const observable = rows.filter((row) => pick(row) && row.requirement.observable);
    return { covered: observable.filter((row) => row.status === "covered").length, total: observable.length };
  };
  const level = (l: RequirementLevel) => (row: RequirementRow) => row.requirement.level === l;
  const mustRows = rows.filter(level("MUST"));
  return {
    rows,
    specs,
    summary: {
      must: {
        ...tally(level("MUST")),
        notObservable: mustRows.filter((row) => !row.requirement.observable).length,
        passing: mustRows.filter((row) => row.status === "covered" && row.specs.some(specPasses)).length,
      },
      connectionManagement: tally((row) => row.requirement.level === "MUST" && isConnectionManagement(row.requirement)),
      shld: tally(level("SHLD")),
      may: tally(level("MAY")),
      rec: tally(level("REC")),
      scripts: specs.length,
      scriptsWithoutRequirements: specs.filter((s) => s.ids.length === 0).length,
    },
  };
}

/** The one line benches and CI grep for. */
export function summaryLine(report: CoverageReport): string {
  return `rfc9293: ${report.summary.must.covered}/${report.summary.must.total} MUST covered`;
}

function outcomeText(o: TargetOutcome): string {
  return o.outcome === "fail" ? `FAIL (${o.failedModes.join(", ")})` : o.outcome;
}

export interface FormatOptions {
  /** Only these levels' rows (the summary always counts everything). */
  readonly levels?: readonly RequirementLevel[];
  /** Only rows that are gaps. */
  readonly gapsOnly?: boolean;
}

export function formatCoverage(report: CoverageReport, options: FormatOptions = {}): string {
  const lines: string[] = [];
  const width = Math.max(0, ...report.rows.flatMap((row) => row.specs.map((s) => s.script.length)));
  for (const row of report.rows) {
    const q = row.requirement;
    if (options.levels !== undefined && !options.levels.includes(q.level)) continue;
    if (options.gapsOnly === true && row.status !== "gap") continue;
    const status = row.status === "covered" ? "covered" : row.status === "gap" ? "GAP" : "n/o";
    lines.push(`${q.id.padEnd(8)} ${("§" + q.section).padEnd(11)} ${status.padEnd(8)} ${q.summary}`);
    if (row.status === "not-observable") lines.push(`${" ".repeat(30)}not observable: ${q.reason ?? ""}`);
    for (const s of row.specs) lines.push(`    ${s.script.padEnd(width)}  kernel ${outcomeText(s.kernel).padEnd(10)} model ${outcomeText(s.model)}`);
  }
  const m = report.summary;
  lines.push(
    "",
    `MUST: ${m.must.covered}/${m.must.total} observable covered, ${m.must.passing} of them with a passing script; ${m.must.notObservable} not observable`,
    `connection management (ISN, opening, closing, failures): ${m.connectionManagement.covered}/${m.connectionManagement.total} MUST covered`,
    `SHLD: ${m.shld.covered}/${m.shld.total}, MAY: ${m.may.covered}/${m.may.total}, REC: ${m.rec.covered}/${m.rec.total} covered`,
    `scripts: ${m.scripts}, ${m.scriptsWithoutRequirements} naming no numbered requirement`,
    summaryLine(report),
  );
  return lines.join("\n") + "\n";
}

/** Plain data for --json. */
export function coverageJson(report: CoverageReport): unknown {
  return {
    summary: report.summary,
    summaryLine: summaryLine(report),
    requirements: report.rows.map((row) => ({ ...row.requirement, status: row.status, specs: row.specs })),
    scripts: report.specs.map((s) => ({ script: s.script, ids: s.ids, sections: s.sections ?? [] })),
  };
}
