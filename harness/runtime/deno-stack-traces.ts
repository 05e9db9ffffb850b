/**
 * Stack traces that point at the TypeScript source under Deno, as they do under Node.
 *
 * tsx compiles each .ts module with an inline source map and relies on Node's own source-map
 * support (process.setSourceMapsEnabled) to map stack frames back. Deno does not apply source
 * maps to code handed to Module#_compile, so frames would name lines of tsx's output; the TS API's
 * "written at file:line:col" notes (harness/api/call-site.ts) and every error report would be
 * off. Under Deno this records the inline map of each compiled module and maps frames through
 * Error.prepareStackTrace. Under Node it does nothing.
 *
 * Load it right after tsx/cjs (bin/tcpdrill.js, `npm run test:deno`), before the modules whose
 * traces matter.
 */
import Module = require("node:module");

type Segment = readonly [genCol: number, srcLine: number, srcCol: number];

const maps = new Map<string, Segment[][]>();
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The source-map v3 "mappings" string, per generated line: [column, source line, source column]. */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let srcLine = 0;
  let srcCol = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let genCol = 0;
    for (const text of lineText.split(",")) {
      if (text === "") continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of text) {
        const digit = BASE64.indexOf(ch);
        if (digit < 0) throw new Error(`bad source map character ${ch}`);
        value += (digit & 31) << shift;
        if ((digit & 32) !== 0) {
          shift += 5;
          continue;
        }
        fields.push((value & 1) !== 0 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
      genCol += fields[0] ?? 0;
      // fields[1] is the source index: tsx maps each module to its one .ts file.
      if (fields.length >= 4) {
        srcLine += fields[2]!;
        srcCol += fields[3]!;
        segments.push([genCol, srcLine, srcCol]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

/** 1-based generated line/column → 1-based source line/column, or undefined when unmapped. */
export function mapPosition(lines: readonly (readonly Segment[])[], line: number, col: number): { line: number; col: number } | undefined {
  const segments = lines[line - 1];
  if (segments === undefined || segments.length === 0) return undefined;
  let best: Segment | undefined;
  for (const s of segments) {
    if (s[0] <= col - 1) best = s;
    else break;
  }
  best ??= segments[0]!;
  return { line: best[1] + 1, col: best[2] + 1 };
}

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

function record(filename: string, code: string): void {
  const m = INLINE_MAP.exec(code);
  if (m === null) return;
  try {
    const map = JSON.parse(Buffer.from(m[1]!, "base64").toString("utf8")) as { mappings?: string };
    if (typeof map.mappings === "string") maps.set(filename, decodeMappings(map.mappings));
  } catch {
    // A map we cannot read leaves that module's frames as they are.
  }
}

interface StackFrame {
  getFileName(): string | undefined | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  toString(): string;
}

function formatFrame(frame: StackFrame): string {
  const text = frame.toString();
  const file = frame.getFileName();
  const line = frame.getLineNumber();
  const col = frame.getColumnNumber();
  if (file === undefined || file === null || line === null || col === null) return text;
  const lines = maps.get(file.replace(/^file:\/\//, ""));
  const mapped = lines === undefined ? undefined : mapPosition(lines, line, col);
  if (mapped === undefined) return text;
  const at = `${file}:${line}:${col}`;
  const i = text.lastIndexOf(at);
  return i < 0 ? text : `${text.slice(0, i)}${file}:${mapped.line}:${mapped.col}${text.slice(i + at.length)}`;
}

let installed = false;

/** Installs the mapping under Deno (idempotent); false under Node, which maps traces itself. */
export function installDenoStackTraces(): boolean {
  if (typeof (globalThis as { Deno?: unknown }).Deno === "undefined") return false;
  if (installed) return true;
  installed = true;
  const proto = (Module as unknown as { prototype: { _compile(code: string, filename: string): unknown } }).prototype;
  const compile = proto._compile;
  proto._compile = function (this: unknown, code: string, filename: string): unknown {
    if (filename.endsWith(".ts") || filename.endsWith(".mts") || filename.endsWith(".cts")) record(filename, code);
    return compile.call(this, code, filename);
  };
  (Error as unknown as { prepareStackTrace: (error: Error, frames: StackFrame[]) => string }).prepareStackTrace = (error, frames) => {
    let head: string;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = "Error";
    }
    return [head, ...frames.map((f) => `    at ${formatFrame(f)}`)].join("\n");
  };
  return true;
}

installDenoStackTraces();
