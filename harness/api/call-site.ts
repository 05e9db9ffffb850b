/**
 * Where a builder method was called from, so a diagnostic about a generated script line can also
 * point at the TypeScript that wrote it. Read from the formatted stack (which tsx and ts-node map
 * back to the .ts source), skipping this folder's own frames.
 */
import * as path from "node:path";

export interface CallSite {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

const HERE = __dirname;

export function callerSite(): CallSite | undefined {
  const stack = new Error().stack ?? "";
  for (const raw of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(raw.trim());
    if (m === null) continue;
    const file = m[1]!.replace(/^file:\/\//, "");
    if (file.startsWith("node:") || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    if (path.dirname(file) === HERE) continue;
    return { file, line: Number(m[2]), col: Number(m[3]) };
  }
  return undefined;
}

export function formatCallSite(site: CallSite): string {
  return `${path.relative(process.cwd(), site.file)}:${site.line}:${site.col}`;
}
