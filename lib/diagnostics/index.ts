export type { Diagnostic, DiagnosticNote, Position, Severity, Span } from "./types";
export { hasErrors, isError, sortDiagnostics } from "./types";
export { LineIndex } from "./line-index";
export { renderDiagnostic, renderDiagnostics } from "./render";
