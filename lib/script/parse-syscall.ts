/**
 * System call events: `+0 ...0.1 read(4, ..., 1000) = 1000`, `= -1 EAGAIN (Resource ...)`.
 */
import type { Span } from "../diagnostics/types";
import type { Expr, SyscallSpec, TimeValue } from "./ast";
import { parseExpression } from "./parse-expr";
import type { ParserCore } from "./parser-core";

/**
 * syscall_spec       : opt_end_time function_name function_arguments '=' expression opt_errno opt_note
 * opt_end_time       : | ELLIPSIS time
 * function_name      : WORD
 * function_arguments : '(' ')' | '(' expression_list ')'
 */
export function parseSyscallSpec(p: ParserCore): SyscallSpec {
  const start = p.peek().start;
  let end: TimeValue | undefined;
  if (p.isKind("ellipsis")) {
    p.next();
    end = p.expectTime("the end time of a blocking call (e.g. `...0.1`)");
  }
  const name = p.expectKind("word", "a system call name");
  p.expectPunct("(", `\`(\` after \`${name.text}\``);
  const args: Expr[] = [];
  if (!p.eatPunct(")")) {
    args.push(parseExpression(p));
    while (p.eatPunct(",")) args.push(parseExpression(p));
    p.expectPunct(")", "`,` or `)` after a system call argument");
  }
  p.expectPunct("=", "`=` and the expected result (e.g. `= 0`)");
  const result = parseExpression(p);
  let errno: SyscallSpec["errno"];
  if (p.isKind("word")) {
    const e = p.next();
    if (!p.isPunct("(")) p.fail(`\`(\` and the error text after errno \`${e.text}\` (e.g. \`EAGAIN (Resource temporarily unavailable)\`)`);
    const note = parseNote(p);
    errno = { name: e.text, note: note.text, ...(e.define !== undefined ? { define: e.define } : {}), span: p.span(e.start) };
  }
  const note = p.isPunct("(") ? parseNote(p) : undefined;
  return {
    kind: "syscall",
    name: name.text,
    nameSpan: p.tokenSpan(name),
    ...(name.define !== undefined ? { define: name.define } : {}),
    ...(end ? { end } : {}),
    args,
    result,
    ...(errno ? { errno } : {}),
    ...(note ? { note } : {}),
    span: p.span(start),
  };
}

/**
 * note      : '(' word_list ')'
 * word_list : WORD | FLAGS | word_list WORD
 */
function parseNote(p: ParserCore): { text: string; span: Span } {
  const start = p.expectPunct("(").start;
  const words: string[] = [];
  const first = p.peek();
  if (first.kind === "keyword" && (first.text === "flags" || first.text === "Flags")) {
    p.next();
    words.push("flags");
  } else words.push(p.expectKind("word", "a note made of words").text);
  while (p.isKind("word")) words.push(p.next().text);
  p.expectPunct(")", "`)` or another word (notes may only contain plain words)");
  return { text: words.join(" "), span: p.span(start) };
}
