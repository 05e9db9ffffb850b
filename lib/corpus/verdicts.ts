/**
 * Verdict tables in the columns of the upstream corpus's verdicts.tsv (script, mode, verdict,
 * verdict_host_default_cc, wall_s, reason), and the comparison of two tables: the same verdict,
 * and for failures the same first error — the same script line and the same field (the values in
 * the message may differ: sequence numbers, measured times).
 */
import { fieldOfReason } from "../match/outbound";

export type Verdict = "pass" | "fail";

export interface VerdictRow {
  /** Path relative to the corpus root, e.g. `tcp/nagle/https_client.pkt`. */
  readonly script: string;
  /** packetdrill's mode names: ipv4, ipv4-mapped-v6, ipv6. */
  readonly mode: string;
  readonly verdict: Verdict;
  /** Measured with the host's default congestion control, when known ("" otherwise). */
  readonly verdictHostDefaultCc: string;
  readonly wallS: number;
  /** The first error line, `<file>:<line>: <message>`, or "" for a pass. */
  readonly reason: string;
}

export const VERDICT_COLUMNS = ["script", "mode", "verdict", "verdict_host_default_cc", "wall_s", "reason"] as const;

export interface TsvError {
  readonly code: "E-tsv";
  readonly message: string;
  /** 1-based line of the table. */
  readonly line: number;
}

export function parseVerdicts(text: string): { rows: VerdictRow[]; errors: TsvError[] } {
  const rows: VerdictRow[] = [];
  const errors: TsvError[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, "");
    if (line === "" || line.startsWith("#")) continue;
    const cols = line.split("\t");
    if (i === 0 && cols[0] === "script") continue;
    const [script, mode, verdict, hostCc, wall, ...rest] = cols;
    if (script === undefined || mode === undefined || (verdict !== "pass" && verdict !== "fail")) {
      errors.push({ code: "E-tsv", message: `expected script, mode, pass|fail, …; got '${line.slice(0, 60)}'`, line: i + 1 });
      continue;
    }
    rows.push({ script, mode, verdict, verdictHostDefaultCc: hostCc ?? "", wallS: Number(wall ?? 0) || 0, reason: rest.join("\t") });
  }
  return { rows, errors };
}

export function formatVerdicts(rows: readonly VerdictRow[]): string {
  const clean = (s: string): string => s.replace(/[\t\r\n]+/g, " ");
  const body = rows.map((r) => [r.script, r.mode, r.verdict, r.verdictHostDefaultCc, r.wallS.toFixed(3), clean(r.reason)].join("\t"));
  return [VERDICT_COLUMNS.join("\t"), ...body].join("\n") + "\n";
}

/** The comparable part of a first error line: its script line and what it is about. */
export interface ReasonKey {
  readonly line: number | undefined;
  readonly field: string;
}

export function reasonKey(reason: string): ReasonKey {
  const m = /^[^:\s]*:(\d+): (.*)$/s.exec(reason);
  const line = m ? Number(m[1]) : undefined;
  const text = m ? m[2]! : reason;
  return { line, field: fieldOfError(text) };
}

/** packetdrill's error classes, keyed so tcpdrill's wording and packetdrill's compare equal. */
export function fieldOfError(text: string): string {
  const packet = fieldOfReason(text);
  if (packet !== undefined) return packet;
  if (/error in Python code/.test(text)) return "python";
  if (/error executing (init )?command/.test(text) || /error executing `/.test(text)) return "command";
  if (/^semantic error/.test(text) || /^syntax error/.test(text) || /parse error/.test(text)) return "script";
  const call = /^Expected result (-?\d+) but got (-?\d+)/.exec(text);
  if (call) return "syscall_result";
  if (/^Expected errno/.test(text) || /errno/.test(text.slice(0, 40))) return "syscall_errno";
  return text.split(":")[0]!.trim();
}

export type Disagreement =
  | { readonly kind: "verdict"; readonly expected: VerdictRow; readonly actual: VerdictRow }
  | { readonly kind: "reason"; readonly expected: VerdictRow; readonly actual: VerdictRow }
  | { readonly kind: "missing"; readonly expected: VerdictRow };

export interface Agreement {
  readonly total: number;
  readonly agree: number;
  readonly disagreements: readonly Disagreement[];
}

/** Compares `actual` with `expected` row by row (rows keyed by script and mode). */
export function compareVerdicts(expected: readonly VerdictRow[], actual: readonly VerdictRow[]): Agreement {
  const byKey = new Map(actual.map((r) => [`${r.script}\t${r.mode}`, r]));
  const disagreements: Disagreement[] = [];
  for (const e of expected) {
    const a = byKey.get(`${e.script}\t${e.mode}`);
    if (a === undefined) disagreements.push({ kind: "missing", expected: e });
    else if (a.verdict !== e.verdict) disagreements.push({ kind: "verdict", expected: e, actual: a });
    else if (e.verdict === "fail" && !sameReason(e.reason, a.reason)) disagreements.push({ kind: "reason", expected: e, actual: a });
  }
  return { total: expected.length, agree: expected.length - disagreements.length, disagreements };
}

export function sameReason(a: string, b: string): boolean {
  const ka = reasonKey(a);
  const kb = reasonKey(b);
  return ka.line === kb.line && ka.field === kb.field;
}

/** tcpdrill's ip mode names → packetdrill's (the table's) and back. */
export function tableMode(mode: string): string {
  return mode === "ipv4-mapped-ipv6" ? "ipv4-mapped-v6" : mode;
}
