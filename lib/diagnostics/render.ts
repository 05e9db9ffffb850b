import { LineIndex } from "./line-index";
import type { Diagnostic, Severity, Span } from "./types";

const TAB_STOP = 8;

/**
 * Renders one diagnostic as plain text (no colour; a CLI may add it):
 *
 *     file.pkt:3:7: error[E-syntax]: Expected `:`, found `win`.
 *       3 | +0 > S 0 win 100
 *         |          ^^^
 *       = note: ...
 *
 * `sourceText` is the text of the diagnostic's file; without it (or without a span) only the
 * header line is printed. Notes with a span in the same file get their own excerpt.
 */
export function renderDiagnostic(d: Diagnostic, sourceText?: string): string {
  const index = sourceText === undefined ? undefined : new LineIndex(sourceText);
  const out: string[] = [];
  out.push(header(d.span, d.severity, d.code, d.message));
  const lines: Span[] = [];
  if (d.span) lines.push(d.span);
  for (const n of d.notes ?? []) if (n.span && n.span.file === d.span?.file) lines.push(n.span);
  const width = String(Math.max(1, ...lines.map((s) => s.start.line))).length;
  if (d.span && index) out.push(...excerpt(index, d.span, width));
  for (const n of d.notes ?? []) {
    if (n.span && index && n.span.file === d.span?.file) {
      out.push(header(n.span, "note", undefined, n.message));
      out.push(...excerpt(index, n.span, width));
    } else if (n.span) {
      out.push(header(n.span, "note", undefined, n.message));
    } else {
      out.push(`${" ".repeat(width + 1)}= note: ${n.message}`);
    }
  }
  return out.join("\n");
}

/** Renders several diagnostics, looking up each file's text in `sources` (file name -> text). */
export function renderDiagnostics(
  ds: readonly Diagnostic[],
  sources: ReadonlyMap<string, string> | Record<string, string>,
): string {
  const get = (file: string | undefined): string | undefined => {
    if (file === undefined) return undefined;
    return sources instanceof Map ? sources.get(file) : (sources as Record<string, string>)[file];
  };
  return ds.map((d) => renderDiagnostic(d, get(d.span?.file))).join("\n");
}

function header(span: Span | undefined, severity: Severity, code: string | undefined, message: string): string {
  const where = span ? `${span.file}:${span.start.line}:${span.start.col}: ` : "";
  const tag = code === undefined ? severity : `${severity}[${code}]`;
  return `${where}${tag}: ${message}`;
}

function excerpt(index: LineIndex, span: Span, width: number): string[] {
  const line = span.start.line;
  if (line < 1 || line > index.lineCount) return [];
  const text = index.lineText(line);
  const startCol = Math.min(span.start.col, text.length + 1);
  const endCol =
    span.end.line === line ? Math.max(startCol + 1, Math.min(span.end.col, text.length + 1)) : text.length + 1;
  const shown = expandTabs(text);
  const from = displayColumn(text, startCol);
  const to = Math.max(from + 1, displayColumn(text, endCol));
  const gutter = " ".repeat(width);
  return [
    `${String(line).padStart(width)} | ${shown}`.trimEnd(),
    `${gutter} | ${" ".repeat(from - 1)}${"^".repeat(to - from)}`,
  ];
}

function expandTabs(text: string): string {
  let out = "";
  for (const ch of text) {
    if (ch === "\t") out += " ".repeat(TAB_STOP - (out.length % TAB_STOP));
    else out += ch;
  }
  return out;
}

/** The 1-based display column of a 1-based character column, after tab expansion. */
function displayColumn(text: string, col: number): number {
  let width = 0;
  for (let i = 0; i < col - 1 && i < text.length; i++) {
    width = text[i] === "\t" ? width + (TAB_STOP - (width % TAB_STOP)) : width + 1;
  }
  return width + 1 + Math.max(0, col - 1 - text.length);
}
