/**
 * One Python program for all of a script's `%{ }%` blocks, with packetdrill's semantics: the
 * blocks run in script order in one module (a name one block defines is visible to the next),
 * each preceded by the assignments of the snapshot taken at its time, and an uncaught exception
 * reports `<file>:<line>: error in Python code` for the block that raised it, then the traceback.
 *
 * Besides the program, this module maps what Python prints back to the script: which block
 * failed, and the traceback with the generated file's lines replaced by script lines.
 */
import { ccInfoAssignments, memInfoAssignments, tcpInfoAssignments, type Assignment, type SocketSnapshot } from "./snapshot-vars";

export interface CodeFragment {
  /** The event's line: what `_line` and the error report name (packetdrill's event line number). */
  readonly line: number;
  /** The script line on which the code text itself starts (for mapping tracebacks). */
  readonly codeLine: number;
  /** The code with spaces and tabs trimmed at both ends (CodeEvent.code). */
  readonly code: string;
  readonly snapshot: SocketSnapshot;
}

export interface PythonProgram {
  readonly source: string;
  /** Per fragment: the 1-based line of the generated source where its code starts. */
  readonly starts: readonly number[];
  readonly fragments: readonly CodeFragment[];
}

/** The marker every failure report starts with (verdicts compare it). */
export const PYTHON_ERROR = "error in Python code";

/** A Python string literal for any text (JSON's escapes are valid Python escapes). */
function pyString(s: string): string {
  return JSON.stringify(s);
}

function assignmentLines(as: readonly Assignment[]): string[] {
  return as.map(([name, value]) => `${name} = ${value.toString()}`);
}

/**
 * The hook prints the marker with the block's `_file`/`_line`, then the traceback, and the
 * interpreter exits with status 1. `sys` and `traceback` stay imported: packetdrill's preamble
 * imports them too, so blocks may use them without an import.
 */
const PRELUDE = [
  "import sys",
  "import traceback",
  "def _tcpdrill_report(kind, value, tb):",
  `    sys.stderr.write("%s:%d: ${PYTHON_ERROR}\\n" % (_file, _line))`,
  "    traceback.print_exception(kind, value, tb)",
  "sys.excepthook = _tcpdrill_report",
  "",
];

export function pythonProgram(file: string, fragments: readonly CodeFragment[]): PythonProgram {
  const lines: string[] = [...PRELUDE];
  const starts: number[] = [];
  for (const f of fragments) {
    lines.push(...assignmentLines(tcpInfoAssignments(f.snapshot.tcpInfo)), "");
    if (f.snapshot.ccInfo !== undefined) lines.push(...assignmentLines(ccInfoAssignments(f.snapshot.ccInfo)), "");
    if (f.snapshot.memInfo !== undefined) lines.push(...assignmentLines(memInfoAssignments(f.snapshot.memInfo)), "");
    lines.push(`_file = ${pyString(file)}`, `_line = ${f.line}`);
    starts.push(lines.length + 1);
    lines.push(...f.code.split("\n"), "", "");
  }
  return { source: lines.join("\n") + "\n", starts, fragments };
}

/** The fragment whose code covers a generated line, and that line's script line. */
export function scriptLineOf(program: PythonProgram, generatedLine: number): { fragment: number; line: number } | undefined {
  for (let i = program.starts.length - 1; i >= 0; i--) {
    const start = program.starts[i]!;
    if (generatedLine < start) continue;
    const f = program.fragments[i]!;
    const span = f.code.split("\n").length;
    if (generatedLine >= start + span) return undefined;
    return { fragment: i, line: f.codeLine + (generatedLine - start) };
  }
  return undefined;
}

export interface PythonFailure {
  /** The failing block (index into the fragments), when Python's output says which. */
  readonly fragment?: number;
  /** The report: the traceback (or Python's error) with generated lines mapped to the script. */
  readonly text: string;
}

/**
 * Reads Python's stderr after a non-zero exit. An exception inside a block carries our marker
 * with the block's line; a SyntaxError is raised while compiling, before any block runs (no
 * marker, as with packetdrill), and is located through the generated line it names.
 */
export function pythonFailure(program: PythonProgram, generatedPath: string, scriptFile: string, stderr: string): PythonFailure {
  const mapped = stderr.replace(
    new RegExp(`File "${escapeRegExp(generatedPath)}", line (\\d+)`, "g"),
    (whole, n: string) => {
      const at = scriptLineOf(program, Number(n));
      return at === undefined ? whole : `File "${scriptFile}", line ${at.line}`;
    },
  );
  const marker = new RegExp(`^.*:(\\d+): ${PYTHON_ERROR}$`, "m").exec(stderr);
  const text = (marker !== null ? mapped.replace(new RegExp(`^.*: ${PYTHON_ERROR}\\n?`, "m"), "") : mapped).trimEnd();
  if (marker !== null) {
    const line = Number(marker[1]);
    const index = program.fragments.findIndex((f) => f.line === line);
    return index >= 0 ? { fragment: index, text } : { text };
  }
  const located = [...stderr.matchAll(new RegExp(`File "${escapeRegExp(generatedPath)}", line (\\d+)`, "g"))].pop();
  const at = located !== undefined ? scriptLineOf(program, Number(located[1])) : undefined;
  return at !== undefined ? { fragment: at.fragment, text } : { text };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
