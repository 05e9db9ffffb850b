/**
 * The one error shape of tcpdrill: script syntax errors, semantic errors, runtime failures of the
 * runner and the model all become `Diagnostic` values, rendered once at the edge (see render.ts).
 *
 * Positions are 1-based (line, column) plus a 0-based UTF-16 offset into the file's text; a column
 * counts characters, so a tab is one column (the renderer expands tabs only for display).
 */

export interface Position {
  /** 0-based offset into the source text (UTF-16 code units). */
  readonly offset: number;
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column (characters from the start of the line, plus one). */
  readonly col: number;
}

/** A half-open range [start, end) of one file's text. */
export interface Span {
  readonly file: string;
  readonly start: Position;
  readonly end: Position;
}

export type Severity = "error" | "warning" | "note";

/** Extra context attached to a diagnostic: a hint, or a pointer at a related place. */
export interface DiagnosticNote {
  readonly message: string;
  readonly span?: Span;
}

export interface Diagnostic {
  /** A stable machine-readable code, e.g. `E-syntax`, `E-seq-len`, `W-unknown-symbol`. */
  readonly code: string;
  readonly severity: Severity;
  /** One sentence; syntax errors read `Expected <what>, found <what>.` */
  readonly message: string;
  readonly span?: Span;
  readonly notes?: readonly DiagnosticNote[];
}

export function isError(d: Diagnostic): boolean {
  return d.severity === "error";
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some(isError);
}

/** Orders diagnostics by file, then position, keeping the original order for ties. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const fa = a.d.span?.file ?? "";
      const fb = b.d.span?.file ?? "";
      if (fa !== fb) return fa < fb ? -1 : 1;
      const oa = a.d.span?.start.offset ?? -1;
      const ob = b.d.span?.start.offset ?? -1;
      return oa !== ob ? oa - ob : a.i - b.i;
    })
    .map((x) => x.d);
}
