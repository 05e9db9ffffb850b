/**
 * Shared machinery of the recursive-descent parser: a token buffer over the lexer, `expect`
 * helpers that report `Expected <what>, found <what>.`, spans, and literal conversions. One
 * `ParserCore` per parse; nothing is global.
 */
import type { Diagnostic, Span } from "../diagnostics/types";
import type { IntLiteral, TimeValue } from "./ast";
import { Lexer } from "./lexer";
import { describeToken, type Token, type TokenKind } from "./tokens";

const CRLF_NOTE = [{ message: "packetdrill treats `\\r` as a character, not a blank: convert Windows (CRLF) line endings to `\\n`" }];

/** Thrown to abandon the current event after a syntax error has been reported. */
export class SyntaxAbort extends Error {
  constructor() {
    super("syntax error (reported)");
  }
}

export class ParserCore {
  readonly lexer: Lexer;
  private readonly buffer: Token[] = [];
  /** Index of the next token (monotonic; lets recovery tell whether progress was made). */
  consumed = 0;
  private lastEnd = 0;

  constructor(
    readonly file: string,
    readonly text: string,
    readonly defines: Map<string, string>,
    readonly diagnostics: Diagnostic[],
  ) {
    this.lexer = new Lexer(text, file, defines, diagnostics);
  }

  peek(k = 0): Token {
    while (this.buffer.length <= k) this.buffer.push(this.lexer.next());
    return this.buffer[k]!;
  }

  next(): Token {
    const t = this.peek();
    this.buffer.shift();
    this.consumed++;
    this.lastEnd = t.end;
    return t;
  }

  /** End offset of the last consumed token. */
  get end(): number {
    return this.lastEnd;
  }

  span(start: number, end: number = this.lastEnd): Span {
    return this.lexer.lines.span(this.file, start, end);
  }

  tokenSpan(t: Token): Span {
    return this.span(t.start, t.end);
  }

  isPunct(ch: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "punct" && t.text === ch;
  }

  isKeyword(kw: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "keyword" && t.text === kw;
  }

  isKind(kind: TokenKind, k = 0): boolean {
    return this.peek(k).kind === kind;
  }

  eatPunct(ch: string): boolean {
    if (!this.isPunct(ch)) return false;
    this.next();
    return true;
  }

  eatKeyword(kw: string): boolean {
    if (!this.isKeyword(kw)) return false;
    this.next();
    return true;
  }

  expectPunct(ch: string, what = `\`${ch}\``): Token {
    if (!this.isPunct(ch)) this.fail(what);
    return this.next();
  }

  expectKeyword(kw: string, what = `\`${kw}\``): Token {
    if (!this.isKeyword(kw)) this.fail(what);
    return this.next();
  }

  expectKind(kind: TokenKind, what: string): Token {
    if (!this.isKind(kind)) this.fail(what);
    return this.next();
  }

  /** Reports `Expected <what>, found <next token>.` and abandons the event. */
  fail(what: string, t: Token = this.peek(), notes?: Diagnostic["notes"]): never {
    if (t.kind !== "invalid") {
      // When the statement stops at the end of a line, point just after its last token: that is
      // where something is missing (packetdrill itself ignores line breaks).
      const lines = this.lexer.lines;
      const previous = this.consumed > 0 ? lines.position(this.lastEnd) : undefined;
      const at = lines.position(t.start);
      const dangling = previous !== undefined && previous.line < at.line;
      const found = t.kind === "eof" ? describeToken(t) : `${describeToken(t)}${dangling ? ` on line ${at.line}` : ""}`;
      this.diagnostics.push({
        code: "E-syntax",
        severity: "error",
        message: `Expected ${what}, found ${found}.`,
        span: dangling ? this.span(this.lastEnd, this.lastEnd) : this.tokenSpan(t),
        ...(notes ? { notes } : t.text === "\r" && t.kind === "punct" ? { notes: CRLF_NOTE } : {}),
      });
    }
    throw new SyntaxAbort();
  }

  error(code: string, message: string, span: Span, notes?: Diagnostic["notes"]): void {
    this.diagnostics.push({ code, severity: "error", message, span, ...(notes ? { notes } : {}) });
  }

  warning(code: string, message: string, span: Span): void {
    this.diagnostics.push({ code, severity: "warning", message, span });
  }

  /** INTEGER: a decimal literal (possibly negative). */
  expectInt(what: string): IntLiteral {
    const t = this.peek();
    if (t.kind !== "int") this.fail(what);
    this.next();
    return { value: intValue(t.text), text: t.text, span: this.tokenSpan(t) };
  }

  /** any_int: INTEGER or HEX_INTEGER. */
  expectAnyInt(what: string): IntLiteral {
    const t = this.peek();
    if (t.kind !== "int" && t.kind !== "hex") this.fail(what);
    this.next();
    return { value: t.kind === "hex" ? hexValue(t.text) : intValue(t.text), text: t.text, span: this.tokenSpan(t) };
  }

  /** HEX_INTEGER only (packetdrill requires hex for `tos` and `flowlabel`). */
  expectHex(what: string): IntLiteral {
    const t = this.peek();
    if (t.kind !== "hex") this.fail(what);
    this.next();
    return { value: hexValue(t.text), text: t.text, span: this.tokenSpan(t) };
  }

  /** time: FLOAT | INTEGER, in seconds. */
  expectTime(what = "a time in seconds (e.g. `0`, `.1`, `1.5`)"): TimeValue {
    const t = this.peek();
    if (t.kind !== "int" && t.kind !== "float") this.fail(what);
    this.next();
    return { usecs: secondsToUsecs(t.text), text: t.text, span: this.tokenSpan(t) };
  }
}

/** atoll() of a decimal literal; `-0` reads as 0. */
export function intValue(text: string): number {
  return Number(text) + 0;
}

export function hexValue(text: string): number {
  return Number.parseInt(text.slice(2), 16);
}

/**
 * Converts decimal seconds as written to integer microseconds exactly (digits beyond the
 * microsecond are dropped), so `0.57` is 570000 and not the 569999 a binary float would give.
 */
export function secondsToUsecs(text: string): number {
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf(".");
  const whole = dot === -1 ? body : body.slice(0, dot);
  const frac = dot === -1 ? "" : body.slice(dot + 1);
  const usecs = Number(whole || "0") * 1_000_000 + Number((frac + "000000").slice(0, 6));
  return negative && usecs !== 0 ? -usecs : usecs;
}
