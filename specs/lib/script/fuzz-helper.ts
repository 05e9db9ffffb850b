/**
 * Script mutation for parser fuzzing (the fuzz spec and bench/parse.ts): token deletions,
 * duplications, swaps and replacements, random bytes, line edits and truncation, applied to
 * line-aligned windows of real scripts. Deterministic for a given seed.
 */
import type { Diagnostic } from "../../../lib/diagnostics/types";
import { LineIndex } from "../../../lib/diagnostics/line-index";
import { renderDiagnostic } from "../../../lib/diagnostics/render";
import { firstDifference } from "../../../lib/script/ast-equal";
import { Lexer } from "../../../lib/script/lexer";
import { parseScript, type ParseOptions } from "../../../lib/script/parse";
import { printScript } from "../../../lib/script/printer";
import { makeUnitRng } from "../../../lib/util/rng";

/** The fuzzers' PRNG: seeded, values in [0, 1). */
export const rng = makeUnitRng;

const VOCABULARY = [
  "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", "=", "|", "+", "*", "~", ".", "-", "...", "win", "ack", "S.", "P.",
  "0:0(0)", "1:1001(1000)", "<...>", "mss", "nop", "sack", "TS", "val", "ecr", "FO", "FOEXP", "icmp", "udp", "gre:",
  "ipv4", "ipv6", "mpls", "encap", "psp", "spi", "0x10", "-1", ".1", "1.5", "4294967296", "99999999999999999999999",
  "socket", "EAGAIN", '"s"', "`c`", "%{ x }%", "/* c */", "// c\n", "\n", "\r", "\t", "\u00e9", "fd", "events", "msg_iov",
  "sa_family", "htons", "inet_addr", "1.2.3.4", "::1", "flags", "sequence#", "--opt=1", "[ect01]", "(tos 0x3)",
];

const RAW_CHARS = [..."\"`%{}/*\\\n\r\t\0 :.-+<>()[]#@$~^", "\u00ff", "\u2028", "\ud83d\ude00"];

export interface Source {
  readonly text: string;
  /** Token boundaries [start, end), from tcpdrill's own lexer. */
  readonly tokens: readonly (readonly [number, number])[];
}

export function prepareSource(text: string): Source {
  const lexer = new Lexer(text, "x", new Map(), []);
  const tokens: [number, number][] = [];
  for (let t = lexer.next(); t.kind !== "eof"; t = lexer.next()) tokens.push([t.start, t.end]);
  return { text, tokens };
}

/** A line-aligned window of a source, then 1-3 mutations. */
export function mutate(src: Source, rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (n: number): number => Math.floor(rand() * n);
  let text = src.text;
  let tokens = src.tokens;
  if (text.length > 600) {
    const lineStarts = [0];
    for (let i = text.indexOf("\n"); i !== -1 && i < text.length - 1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
    const first = int(lineStarts.length);
    const last = Math.min(lineStarts.length, first + 5 + int(25));
    const a = lineStarts[first]!;
    const b = last < lineStarts.length ? lineStarts[last]! : text.length;
    text = text.slice(a, b);
    tokens = tokens.filter(([s, e]) => s >= a && e <= b).map(([s, e]) => [s - a, e - a] as const);
  }
  const n = 1 + int(3);
  for (let k = 0; k < n; k++) {
    const tok = tokens.length > 0 ? pick(tokens) : ([0, 0] as const);
    const [s, e] = tok;
    switch (int(9)) {
      case 0: // delete a token
        text = text.slice(0, s) + text.slice(e);
        break;
      case 1: // duplicate a token
        text = text.slice(0, e) + " " + text.slice(s, e) + text.slice(e);
        break;
      case 2: {
        // swap a token with another
        const [s2, e2] = pick(tokens.length > 0 ? tokens : [tok]);
        if (e <= s2) text = text.slice(0, s) + text.slice(s2, e2) + text.slice(e, s2) + text.slice(s, e) + text.slice(e2);
        break;
      }
      case 3: // replace a token by another word of the language
        text = text.slice(0, s) + pick(VOCABULARY) + text.slice(e);
        break;
      case 4: {
        // insert random characters
        const at = int(text.length + 1);
        let junk = "";
        for (let i = 1 + int(6); i > 0; i--) junk += rand() < 0.5 ? pick(RAW_CHARS) : String.fromCharCode(int(128));
        text = text.slice(0, at) + junk + text.slice(at);
        break;
      }
      case 5: // truncate
        text = text.slice(0, int(text.length + 1));
        break;
      case 6: {
        // delete or duplicate a line
        const lines = text.split("\n");
        const i = int(lines.length);
        if (rand() < 0.5) lines.splice(i, 1);
        else lines.splice(i, 0, lines[i] ?? "");
        text = lines.join("\n");
        break;
      }
      case 7: // change a digit
        text = text.replace(/[0-9]/, () => String(int(10)));
        break;
      default: // overwrite one character
        if (text.length > 0) {
          const at = int(text.length);
          text = text.slice(0, at) + pick(RAW_CHARS) + text.slice(at + 1);
        }
    }
    // Token offsets are stale after an edit; later mutations still get valid (if shifted) ranges.
    tokens = tokens.filter(([a, b]) => b <= text.length && a <= b);
  }
  return text;
}

/** Checks one mutant: no exception, sane diagnostics, renderable; valid mutants print back. Returns a problem or undefined. */
export function checkMutant(text: string, opts: Omit<ParseOptions, "file"> = {}, file = "fuzz.pkt"): string | undefined {
  let r: ReturnType<typeof parseScript>;
  try {
    r = parseScript(text, { file, ...opts });
  } catch (e) {
    return `parseScript threw: ${e instanceof Error ? e.stack : String(e)}`;
  }
  const lines = new LineIndex(text);
  for (const d of r.diagnostics) {
    const problem = checkDiagnostic(d, text, lines, file);
    if (problem) return problem;
  }
  if (!r.diagnostics.some((d) => d.severity === "error")) {
    try {
      const printed = printScript(r.partial);
      const again = parseScript(printed, { file, ...opts });
      const diff = firstDifference(r.partial, again.partial);
      if (diff) return `round trip differs at ${diff}\n--- printed:\n${printed}`;
    } catch (e) {
      return `printing threw: ${e instanceof Error ? e.stack : String(e)}`;
    }
  }
  return undefined;
}

function checkDiagnostic(d: Diagnostic, text: string, lines: LineIndex, file: string): string | undefined {
  if (!d.code || !d.message || !["error", "warning", "note"].includes(d.severity)) return `malformed diagnostic ${JSON.stringify(d)}`;
  if (!d.span) return `diagnostic without a span: ${d.message}`;
  if (d.span.file !== file) return `diagnostic in another file: ${d.span.file}`;
  for (const p of [d.span.start, d.span.end]) {
    if (!(p.offset >= 0 && p.offset <= text.length)) return `offset ${p.offset} outside the file: ${d.message}`;
    const expected = lines.position(p.offset);
    if (p.line !== expected.line || p.col !== expected.col) return `position ${p.line}:${p.col} does not match offset ${p.offset}`;
    if (p.line < 1 || p.line > lines.lineCount) return `line ${p.line} outside the file`;
    if (p.col < 1 || p.col > lines.lineText(p.line).length + 1) return `column ${p.col} outside line ${p.line}`;
  }
  if (d.span.end.offset < d.span.start.offset) return `span ends before it starts: ${d.message}`;
  try {
    renderDiagnostic(d, text);
  } catch (e) {
    return `render threw: ${String(e)}`;
  }
  return undefined;
}
