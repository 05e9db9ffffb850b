/**
 * System call argument expressions: integers, symbols, strings, `|` and `=` expressions, arrays,
 * and the struct literals packetdrill knows (sockaddr, msghdr, iovec, pollfd, epoll_event,
 * linger, cmsg, scm_timestamping, sock_extended_err, MPLS stack, GRE header, PSP tuple) plus the
 * generic `{ a=1, b=2 }` struct literal used for everything else (tcp_info fields, zerocopy...).
 */
import type { Span } from "../diagnostics/types";
import type { Expr, StringExpr } from "./ast";
import { parseGreHeader, parseMplsStack } from "./parse-packet";
import { hexValue, intValue, type ParserCore } from "./parser-core";
import { decodeCString } from "./strings";

const EXPR_WHAT = "an expression (a number, symbol, \"string\", `...`, `[...]` or `{...}`)";

/**
 * expression        : ... (see parsePrimary) | binary_expression
 * binary_expression : expression '|' expression | WORD '=' expression
 *
 * Both operators associate to the right, as bison's shift preference makes them.
 */
export function parseExpression(p: ParserCore): Expr {
  const start = p.peek().start;
  if (p.isKind("word") && p.isPunct("=", 1)) {
    const w = p.next();
    p.next();
    const lhs: Expr = { kind: "word", name: w.text, ...(w.define !== undefined ? { define: w.define } : {}), span: p.tokenSpan(w) };
    const rhs = parseExpression(p);
    return { kind: "binary", op: "=", lhs, rhs, span: p.span(start) };
  }
  const lhs = parsePrimary(p);
  if (!p.eatPunct("|")) return lhs;
  const rhs = parseExpression(p);
  return { kind: "binary", op: "|", lhs, rhs, span: p.span(start) };
}

function parsePrimary(p: ParserCore): Expr {
  const t = p.peek();
  const start = t.start;
  switch (t.kind) {
    case "ellipsis":
      p.next();
      return { kind: "ellipsis", span: p.span(start) };
    case "int":
    case "hex":
      p.next();
      return {
        kind: "int",
        value: t.kind === "hex" ? hexValue(t.text) : intValue(t.text),
        text: t.text,
        span: p.span(start),
      };
    case "word":
      p.next();
      return { kind: "word", name: t.text, ...(t.define !== undefined ? { define: t.define } : {}), span: p.span(start) };
    case "string":
      return parseStrings(p);
    case "keyword":
      if (t.text === "inet_addr" || t.text === "inet6_addr") {
        p.next();
        p.expectPunct("(", `\`(\` after \`${t.text}\``);
        const s = p.expectKind("string", "an address as a \"string\"");
        p.expectPunct(")");
        return { kind: t.text === "inet_addr" ? "inet-addr" : "inet6-addr", address: s.text, span: p.span(start) };
      }
      return p.fail(EXPR_WHAT);
    case "punct":
      if (t.text === "[") return parseArray(p);
      if (t.text === "{") return parseBrace(p);
      return p.fail(EXPR_WHAT);
    default:
      return p.fail(EXPR_WHAT);
  }
}

/**
 * string_sequence : string_expression | string_sequence string_expression
 * expression      : STRING ELLIPSIS   (a prefix: the data starts with this string)
 */
function parseStrings(p: ParserCore): Expr {
  const start = p.peek().start;
  const first = stringExpr(p, p.isKind("ellipsis", 1));
  if (first.prefix || !p.isKind("string")) return first;
  const parts: StringExpr[] = [first];
  while (p.isKind("string")) parts.push(stringExpr(p, false));
  return { kind: "concat", parts, span: p.span(start) };
}

function stringExpr(p: ParserCore, prefix: boolean): StringExpr {
  const t = p.next();
  if (prefix) p.next();
  return {
    kind: "string",
    raw: t.text,
    value: decodeCString(t.text),
    prefix,
    ...(t.define !== undefined ? { define: t.define } : {}),
    span: p.span(t.start),
  };
}

/** array : '[' ']' | '[' expression_list ']' */
function parseArray(p: ParserCore): Expr & { kind: "list" } {
  const start = p.expectPunct("[").start;
  const items: Expr[] = [];
  if (!p.eatPunct("]")) {
    items.push(parseExpression(p));
    while (p.eatPunct(",")) items.push(parseExpression(p));
    p.expectPunct("]", "`,` or `]`");
  }
  return { kind: "list", items, span: p.span(start) };
}

function parseBrace(p: ParserCore): Expr {
  const open = p.peek();
  const t = p.peek(1);
  if (t.kind === "ellipsis" && p.isPunct(",", 2)) return parseIovec(p);
  if (t.kind === "punct" && (t.text === "(" || t.text === "}")) {
    p.next();
    const entries = parseMplsStack(p);
    p.expectPunct("}", "`}` or an MPLS label stack entry `(label N, tc N, [S], ttl N)`");
    return { kind: "mpls-stack", entries, span: p.span(open.start) };
  }
  if (t.kind === "keyword") {
    switch (t.text) {
      case "sa_family":
        return parseSockaddr(p);
      case "msg_name":
        return parseMsghdr(p);
      case "fd":
        return parsePollfd(p);
      case "events":
        return parseEpollEvent(p);
      case "onoff": {
        p.next();
        const onoff = field(p, "onoff", () => p.expectInt("an integer").value);
        p.expectPunct(",");
        const linger = field(p, "linger", () => p.expectInt("an integer").value);
        return close(p, open.start, { kind: "linger", onoff, linger });
      }
      case "cmsg_level": {
        p.next();
        const level = field(p, "cmsg_level", () => parseExpression(p));
        p.expectPunct(",");
        const type = field(p, "cmsg_type", () => parseExpression(p));
        p.expectPunct(",");
        const data = field(p, "cmsg_data", () => parseExpression(p));
        return close(p, open.start, { kind: "cmsg", level, type, data });
      }
      case "scm_sec": {
        p.next();
        const sec = field(p, "scm_sec", () => p.expectInt("an integer").value);
        p.expectPunct(",");
        const nsec = field(p, "scm_nsec", () => p.expectInt("an integer").value);
        return close(p, open.start, { kind: "scm-timestamping", sec, nsec });
      }
      case "ee_errno":
        return parseExtendedErr(p);
      case "flags":
      case "Flags": {
        p.next();
        const header = parseGreHeader(p);
        return close(p, open.start, { kind: "gre", header });
      }
      case "spi": {
        p.next();
        const spi = field(p, "spi", () => p.expectAnyInt("a PSP SPI (a number)"));
        return close(p, open.start, { kind: "psp-tuple", spi });
      }
      default:
        break;
    }
  }
  // sub_expr_list : '{' expression_list '}'
  p.next();
  const items: Expr[] = [parseExpression(p)];
  while (p.eatPunct(",")) items.push(parseExpression(p));
  p.expectPunct("}", "`,` or `}`");
  return { kind: "struct", items, span: p.span(open.start) };
}

/** `name = <value>` inside a struct literal (the `name` keyword is current unless already eaten). */
function field<T>(p: ParserCore, name: string, value: () => T): T {
  p.expectKeyword(name, `\`${name}=\``);
  p.expectPunct("=", `\`=\` after \`${name}\``);
  return value();
}

function close<T extends Omit<Expr, "span">>(p: ParserCore, start: number, node: T): T & { span: Span } {
  p.expectPunct("}", "`}`");
  return { ...node, span: p.span(start) };
}

/** iovec : '{' ELLIPSIS ',' decimal_integer '}' */
function parseIovec(p: ParserCore): Expr {
  const start = p.next().start;
  p.next();
  p.next();
  const len = p.expectInt("the iovec length (an integer)").value;
  return close(p, start, { kind: "iovec", len });
}

/**
 * sockaddr : '{' SA_FAMILY '=' WORD ',' SIN_PORT '=' _HTONS_ '(' INTEGER ')' ','
 *            SIN_ADDR '=' INET_ADDR '(' STRING ')' '}'
 */
function parseSockaddr(p: ParserCore): Expr {
  const start = p.next().start;
  const fam = field(p, "sa_family", () => p.expectKind("word", "`AF_INET` or `AF_INET6`"));
  p.expectPunct(",");
  const port = field(p, "sin_port", () => {
    p.expectKeyword("htons", "`htons(PORT)`");
    p.expectPunct("(");
    const v = p.expectInt("a port number");
    p.expectPunct(")");
    return v.value;
  });
  p.expectPunct(",");
  const address = field(p, "sin_addr", () => {
    p.expectKeyword("inet_addr", '`inet_addr("ADDRESS")`');
    p.expectPunct("(");
    const s = p.expectKind("string", "an address as a \"string\"");
    p.expectPunct(")");
    return s.text;
  });
  const familyDefine = fam.define !== undefined ? { familyDefine: fam.define } : {};
  return close(p, start, { kind: "sockaddr", family: fam.text, ...familyDefine, port, address });
}

/**
 * msghdr   : '{' MSG_NAME '(' ELLIPSIS ')' '=' ELLIPSIS ',' MSG_IOV '(' decimal_integer ')' '=' array ','
 *            MSG_FLAGS '=' expression opt_cmsg '}'
 * opt_cmsg : | ',' MSG_CONTROL '=' array
 */
function parseMsghdr(p: ParserCore): Expr {
  const start = p.next().start;
  p.expectKeyword("msg_name");
  p.expectPunct("(");
  p.expectKind("ellipsis", "`...` (msg_name(...)=...)");
  p.expectPunct(")");
  p.expectPunct("=");
  p.expectKind("ellipsis", "`...` (msg_name(...)=...)");
  p.expectPunct(",");
  p.expectKeyword("msg_iov", "`msg_iov(N)=[...]`");
  p.expectPunct("(");
  const iovlen = p.expectInt("the iovec count (an integer)").value;
  p.expectPunct(")");
  p.expectPunct("=");
  if (!p.isPunct("[")) p.fail("an iovec array `[{...,N}, ...]`");
  const iov = parseArray(p);
  p.expectPunct(",");
  const flags = field(p, "msg_flags", () => parseExpression(p));
  let control: (Expr & { kind: "list" }) | undefined;
  if (p.eatPunct(",")) {
    p.expectKeyword("msg_control", "`msg_control=[...]`");
    p.expectPunct("=");
    if (!p.isPunct("[")) p.fail("a cmsg array `[{cmsg_level=..., ...}]`");
    control = parseArray(p);
  }
  return close(p, start, { kind: "msghdr", iovlen, iov, flags, ...(control ? { control } : {}) });
}

/**
 * pollfd      : '{' FD '=' expression ',' EVENTS '=' expression opt_revents '}'
 * opt_revents : | ',' REVENTS '=' expression
 */
function parsePollfd(p: ParserCore): Expr {
  const start = p.next().start;
  const fd = field(p, "fd", () => parseExpression(p));
  p.expectPunct(",");
  const events = field(p, "events", () => parseExpression(p));
  let revents: Expr | undefined;
  if (p.eatPunct(",")) revents = field(p, "revents", () => parseExpression(p));
  return close(p, start, { kind: "pollfd", fd, events, ...(revents ? { revents } : {}) });
}

/** epollev : '{' EVENTS '=' expression ',' (FD | PTR | U32 | U64) '=' expression '}' */
function parseEpollEvent(p: ParserCore): Expr {
  const start = p.next().start;
  const events = field(p, "events", () => parseExpression(p));
  p.expectPunct(",");
  const t = p.peek();
  if (!(t.kind === "keyword" && (t.text === "fd" || t.text === "ptr" || t.text === "u32" || t.text === "u64"))) {
    p.fail("`fd=`, `ptr=`, `u32=` or `u64=`");
  }
  const fieldName = t.text as "fd" | "ptr" | "u32" | "u64";
  const data = field(p, fieldName, () => parseExpression(p));
  return close(p, start, { kind: "epoll-event", events, field: fieldName, data });
}

/**
 * sock_extended_err_expr : '{' EE_ERRNO '=' expression ',' EE_ORIGIN '=' expression ','
 *   EE_TYPE '=' expression ',' EE_CODE '=' expression ',' EE_INFO '=' expression ','
 *   EE_DATA '=' expression '}'
 */
function parseExtendedErr(p: ParserCore): Expr {
  const start = p.next().start;
  const get = (name: string, last = false): Expr => {
    const v = field(p, name, () => parseExpression(p));
    if (!last) p.expectPunct(",");
    return v;
  };
  const errno = get("ee_errno");
  const origin = get("ee_origin");
  const type = get("ee_type");
  const code = get("ee_code");
  const info = get("ee_info");
  const data = get("ee_data", true);
  return close(p, start, { kind: "sock-extended-err", errno, origin, type, code, info, data });
}
