/**
 * The lexer: a faithful port of packetdrill's flex scanner (lexer.l). flex picks the longest match
 * among all rules and breaks ties by rule order, so at each position we compute the candidates
 * that can apply and keep the longest (earliest rule on a tie):
 *
 *   reserved words < `...` < --option < FLOAT < INTEGER < HEX < WORD < "string" < `command`
 *   < any other single character < comments < %{code}% < IPv4 address < IPv6 address
 *
 * A WORD that names a `-D` define is replaced by its value, as packetdrill's word() does: a value
 * starting with `"` becomes a string, one starting with a backtick a command, anything else a WORD.
 * Blanks are space, tab and newline only (a `\r` is a one-character token, as in packetdrill).
 */
import type { Diagnostic } from "../diagnostics/types";
import { LineIndex } from "../diagnostics/line-index";
import { KEYWORDS, type Token, type TokenKind } from "./tokens";

const SEG = "[0-9a-fA-F]{1,4}";
const V4 = "[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+";
const IPV6_FULL = new RegExp(
  "^(?:" +
    [
      "::",
      `(?:${SEG}:){7}${SEG}`,
      `(?:${SEG}:){1,7}:`,
      `(?:${SEG}:){1,6}:${SEG}`,
      `(?:${SEG}:){1,5}(?::${SEG}){1,2}`,
      `(?:${SEG}:){1,4}(?::${SEG}){1,3}`,
      `(?:${SEG}:){1,3}(?::${SEG}){1,4}`,
      `(?:${SEG}:){1,2}(?::${SEG}){1,5}`,
      `${SEG}:(?:(?::${SEG}){1,6})`,
      `:(?::${SEG}){1,7}`,
      `::ffff:${V4}`,
      `::ffff:(?:0){1,4}:${V4}`,
      `(?:${SEG}:){1,4}:${V4}`,
    ].join("|") +
    ")$",
);

// Rule order, for breaking ties between equally long candidates.
const RANK: Record<string, number> = { keyword: 0, float: 3, int: 4, hex: 5, word: 6, ipv4: 14, ipv6: 15 };

export class Lexer {
  private pos = 0;
  private sawTokenOnLine = false;
  readonly lines: LineIndex;

  constructor(
    readonly text: string,
    readonly file: string,
    /** Defines in effect; the parser adds in-script `--define`s after the options section. */
    readonly defines: Map<string, string>,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.lines = new LineIndex(text);
  }

  next(): Token {
    const text = this.text;
    for (;;) {
      if (this.pos >= text.length) return this.make("eof", "", text.length, text.length);
      const c = text.charCodeAt(this.pos);
      if (c === 32 || c === 9) {
        this.pos++;
        continue;
      }
      if (c === 10) {
        this.pos++;
        this.sawTokenOnLine = false;
        continue;
      }
      if (c === 47 /* / */ && this.skipComment()) continue;
      return this.scanToken();
    }
  }

  private make(kind: TokenKind, value: string, start: number, end: number, extra?: Partial<Token>): Token {
    const lineStart = !this.sawTokenOnLine;
    this.sawTokenOnLine = true;
    // A multi-line token (command, code, string) ends on a later line; what follows it is not at a line start.
    this.pos = end;
    return { kind, text: value, start, end, lineStart, ...extra };
  }

  /** Skips a `//` or `/* *\/` comment at pos; returns false if there is none. */
  private skipComment(): boolean {
    const text = this.text;
    const start = this.pos;
    const n = text.charCodeAt(start + 1);
    if (n === 47) {
      // packetdrill's rule requires the newline; we also accept a comment ending the file.
      const nl = text.indexOf("\n", start);
      this.pos = nl === -1 ? text.length : nl;
      return true;
    }
    if (n !== 42) return false;
    // flex rule \/\*(([^*])|(\*[^\/]))*\*\/ : a `*` always pairs with the next character, so
    // "**/" does not close a comment whose stars pair up that way.
    let i = start + 2;
    while (i < text.length) {
      if (text.charCodeAt(i) !== 42) i++;
      else if (text.charCodeAt(i + 1) === 47) {
        this.pos = i + 2;
        return true;
      } else i += 2;
    }
    this.error(start, start + 2, "E-unterminated", "Unterminated comment: no closing `*/`.");
    this.invalidUntilLineEnd(start);
    return true;
  }

  private invalidUntilLineEnd(start: number): void {
    const nl = this.text.indexOf("\n", start);
    this.pos = nl === -1 ? this.text.length : nl;
  }

  private error(start: number, end: number, code: string, message: string): void {
    this.diagnostics.push({ code, severity: "error", message, span: this.lines.span(this.file, start, end) });
  }

  private scanToken(): Token {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === 34 /* " */ || c === 96 /* ` */) return this.scanQuoted(c);
    if (c === 37 /* % */ && text.charCodeAt(start + 1) === 123 /* { */) return this.scanCode();
    if (c === 46 /* . */) {
      if (text.startsWith("...", start)) return this.make("ellipsis", "...", start, start + 3);
      const d = digitsEnd(text, start + 1);
      if (d > start + 1) return this.make("float", text.slice(start, d), start, d);
      return this.make("punct", ".", start, start + 1);
    }
    if (c === 45 /* - */) return this.scanDash();
    if (isWordChar(c) || c === 58 /* : */) return this.scanWordLike();
    const cp = text.codePointAt(start)!;
    const len = cp > 0xffff ? 2 : 1;
    return this.make("punct", text.slice(start, start + len), start, start + len);
  }

  private scanDash(): Token {
    const text = this.text;
    const start = this.pos;
    if (text.charCodeAt(start + 1) === 45) {
      let e = start + 2;
      while (e < text.length && isWordChar(text.charCodeAt(e))) e++;
      if (e > start + 2) return this.make("option", text.slice(start + 2, e), start, e);
    }
    const num = scanNumber(text, start + 1);
    if (num) return this.make(num.kind, text.slice(start, num.end), start, num.end);
    return this.make("punct", "-", start, start + 1);
  }

  private scanWordLike(): Token {
    const text = this.text;
    const start = this.pos;
    let best: { kind: TokenKind; end: number } | undefined;
    const consider = (kind: TokenKind, end: number): void => {
      if (end <= start) return;
      if (!best || end > best.end || (end === best.end && RANK[kind]! < RANK[best.kind]!)) best = { kind, end };
    };
    let w = start;
    while (w < text.length && isWordChar(text.charCodeAt(w))) w++;
    if (w > start) {
      const lexeme = text.slice(start, w);
      if (KEYWORDS.has(lexeme)) consider("keyword", w);
      else consider("word", w);
      if (lexeme === "sequence" && text.charCodeAt(w) === 35 /* # */) consider("keyword", w + 1);
    }
    const num = scanNumber(text, start);
    if (num) consider(num.kind, num.end);
    const c = text.charCodeAt(start);
    if (c === 48 && text.charCodeAt(start + 1) === 120 /* x */) {
      let e = start + 2;
      while (e < text.length && isHexDigit(text.charCodeAt(e))) e++;
      if (e > start + 2) consider("hex", e);
    }
    const v4 = scanIpv4(text, start);
    if (v4 > start) consider("ipv4", v4);
    const v6 = scanIpv6(text, start);
    if (v6 > start) consider("ipv6", v6);
    if (!best) return this.make("punct", text[start]!, start, start + 1);
    const lexeme = text.slice(start, best.end);
    if (best.kind === "word") return this.word(lexeme, start, best.end);
    return this.make(best.kind, lexeme, start, best.end);
  }

  /** packetdrill's word(): substitute a `-D` define. */
  private word(lexeme: string, start: number, end: number): Token {
    const value = this.defines.get(lexeme);
    if (value === undefined) return this.make("word", lexeme, start, end);
    if (value.startsWith('"')) return this.make("string", unquote(value), start, end, { define: lexeme });
    if (value.startsWith("`")) return this.make("command", unquote(value), start, end, { define: lexeme });
    return this.make("word", value, start, end, { define: lexeme });
  }

  /**
   * flex rule "(\\.|[^"])*" (and the backtick twin): the longest match ends at the first quote not
   * preceded by a backslash, or else at the last quote of the file (each earlier quote can be taken
   * as an escape).
   */
  private scanQuoted(q: number): Token {
    const text = this.text;
    const start = this.pos;
    let last = -1;
    let end = -1;
    for (let i = start + 1; i < text.length; i++) {
      if (text.charCodeAt(i) !== q) continue;
      if (text.charCodeAt(i - 1) === 92 && i - 1 > start) {
        last = i;
        continue;
      }
      end = i;
      break;
    }
    if (end === -1) end = last;
    if (end === -1) {
      const what = q === 34 ? "string literal: no closing `\"`" : "command: no closing backtick";
      this.error(start, start + 1, "E-unterminated", `Unterminated ${what}.`);
      const nl = text.indexOf("\n", start);
      return this.make("invalid", text[start]!, start, nl === -1 ? text.length : nl);
    }
    const kind: TokenKind = q === 34 ? "string" : "command";
    return this.make(kind, text.slice(start + 1, end), start, end + 1, { contentStart: start + 1, contentEnd: end });
  }

  /** flex rule \%\{(([^}])|(\}[^\%]))*\}\% with packetdrill's trimming of spaces and tabs. */
  private scanCode(): Token {
    const text = this.text;
    const start = this.pos;
    let i = start + 2;
    while (i < text.length) {
      if (text.charCodeAt(i) !== 125) i++;
      else if (text.charCodeAt(i + 1) === 37) {
        let a = start + 2;
        let b = i;
        while (a < b && (text[a] === " " || text[a] === "\t")) a++;
        while (b > a && (text[b - 1] === " " || text[b - 1] === "\t")) b--;
        return this.make("code", text.slice(a, b), start, i + 2, { contentStart: a, contentEnd: b });
      } else i += 2;
    }
    this.error(start, start + 2, "E-unterminated", "Unterminated code block: no closing `}%`.");
    const nl = text.indexOf("\n", start);
    return this.make("invalid", "%{", start, nl === -1 ? text.length : nl);
  }
}

export function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function digitsEnd(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/** INTEGER `[0-9]+` or FLOAT `[0-9]*[.][0-9]+` at i (after an optional `-`). */
function scanNumber(text: string, i: number): { kind: "int" | "float"; end: number } | undefined {
  const d = digitsEnd(text, i);
  if (text.charCodeAt(d) === 46) {
    const f = digitsEnd(text, d + 1);
    if (f > d + 1) return { kind: "float", end: f };
  }
  return d > i ? { kind: "int", end: d } : undefined;
}

function scanIpv4(text: string, i: number): number {
  let e = i;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(e) !== 46) return i;
      e++;
    }
    const d = digitsEnd(text, e);
    if (d === e) return i;
    e = d;
  }
  return e;
}

/** The end of the longest IPv6 address at i (packetdrill's v0..v12 patterns), or i. */
function scanIpv6(text: string, i: number): number {
  let e = i;
  let colons = 0;
  let double = false;
  while (e < text.length) {
    const c = text.charCodeAt(e);
    if (c === 58) {
      colons++;
      if (text.charCodeAt(e + 1) === 58) double = true;
    } else if (!isHexDigit(c) && c !== 46) break;
    e++;
  }
  // Every pattern contains "::" except the full eight-group form.
  if (!double && colons < 7) return i;
  for (let end = e; end >= i + 2; end--) {
    if (IPV6_FULL.test(text.slice(i, end))) return end;
  }
  return i;
}

/** packetdrill's quoted(): drop the first and last character. */
function unquote(s: string): string {
  return s.length >= 2 ? s.slice(1, -1) : "";
}
