/**
 * The `// rfc9293: MUST-10 SHLD-5` header line of a conformance script: which RFC 9293
 * requirements the script checks. Read from the leading comment block only (the lines before the
 * first line that is neither a `//` comment nor blank), next to `// topic:`; ids are separated by
 * spaces or commas, and several such lines add up. A `§3.10.7.4` token names a section whose
 * event-processing text the script checks without a numbered requirement: kept as a reference,
 * not counted as coverage.
 *
 * An id that is not `<MUST|SHLD|MAY|REC>-<n>`, or that RFC 9293 does not define (likewise a
 * section it does not have), is an error with its position, so a typo cannot silently drop a requirement from the coverage report.
 */
import { LineIndex } from "../diagnostics/line-index";
import type { Diagnostic } from "../diagnostics/types";
import { REQUIREMENT_ID_PATTERN, requirementById, RFC9293_REQUIREMENTS, RFC9293_SECTIONS } from "./rfc9293";

export interface ScriptRequirements {
  /** Declared ids in order of first appearance, without duplicates. */
  readonly ids: readonly string[];
  /** `§` section references (without the sign), in order, without duplicates. */
  readonly sections: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

const HEADER = /^(\s*\/\/\s*rfc9293\s*:)(.*)$/i;

function highest(level: string): number {
  return Math.max(0, ...RFC9293_REQUIREMENTS.filter((q) => q.level === level).map((q) => q.n));
}

export function parseRequirementHeader(text: string, file: string): ScriptRequirements {
  const index = new LineIndex(text);
  const ids: string[] = [];
  const sections: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const span = (offset: number, length: number) => ({ file, start: index.position(offset), end: index.position(offset + length) });
  let offset = 0;
  let inHeader = true;
  for (const line of text.split("\n")) {
    const lineStart = offset;
    offset += line.length + 1;
    const trimmed = line.trim();
    if (inHeader && trimmed !== "" && !trimmed.startsWith("//")) inHeader = false;
    const m = HEADER.exec(line);
    if (m === null) continue;
    if (!inHeader) {
      diagnostics.push({
        code: "W-rfc9293-late",
        severity: "warning",
        message: "An rfc9293 line after the script's leading comment block is not read.",
        span: span(lineStart, line.length),
        notes: [{ message: "move it up next to the '// topic:' line" }],
      });
      continue;
    }
    const body = m[2]!;
    const bodyStart = lineStart + m[1]!.length;
    const token = /[^\s,]+/g;
    let found = false;
    for (let t = token.exec(body); t !== null; t = token.exec(body)) {
      found = true;
      const id = t[0];
      const at = span(bodyStart + t.index, id.length);
      if (id.startsWith("§")) {
        const section = id.slice(1);
        if (!RFC9293_SECTIONS.includes(section)) {
          diagnostics.push({ code: "E-rfc9293-section", severity: "error", message: `RFC 9293 has no section ${section}.`, span: at });
        } else if (!sections.includes(section)) {
          sections.push(section);
        }
      } else if (!REQUIREMENT_ID_PATTERN.test(id)) {
        diagnostics.push({
          code: "E-rfc9293-id",
          severity: "error",
          message: `Expected a requirement id such as MUST-10 or SHLD-5, found '${id}'.`,
          span: at,
          notes: [{ message: "ids are MUST-n, SHLD-n, MAY-n or REC-n, as RFC 9293 labels them (SHOULD is SHLD); §3.5 names a section" }],
        });
      } else if (requirementById(id) === undefined) {
        const level = REQUIREMENT_ID_PATTERN.exec(id)![1]!;
        diagnostics.push({
          code: "E-rfc9293-unknown",
          severity: "error",
          message: `RFC 9293 has no requirement ${id}.`,
          span: at,
          notes: [{ message: `its ${level} ids run from ${level}-1 to ${level}-${highest(level)}` }],
        });
      } else if (!ids.includes(id)) {
        ids.push(id);
      }
    }
    if (!found) {
      diagnostics.push({ code: "E-rfc9293-empty", severity: "error", message: "An rfc9293 line names no requirement.", span: span(lineStart, line.length) });
    }
  }
  return { ids, sections, diagnostics };
}
