/**
 * TCP option lists: `<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>` and `<...>`.
 */
import type { SackBlock, TcpOptionSpec, TcpOptions } from "./ast";
import { intValue, type ParserCore } from "./parser-core";
import { didYouMean } from "./suggest";
import type { Token } from "./tokens";

/**
 * opt_tcp_options : | '<' tcp_option_list '>' | '<' ELLIPSIS '>'
 * tcp_option_list : tcp_option | tcp_option_list ',' tcp_option
 */
export function parseTcpOptions(p: ParserCore): TcpOptions {
  const start = p.expectPunct("<").start;
  if (p.isKind("ellipsis")) {
    p.next();
    p.expectPunct(">", "`>` after `<...`");
    return { kind: "any", span: p.span(start) };
  }
  const options: TcpOptionSpec[] = [parseTcpOption(p)];
  while (p.eatPunct(",")) options.push(parseTcpOption(p));
  p.expectPunct(">", "`,` or `>` to end the TCP option list");
  return { kind: "list", options, span: p.span(start) };
}

const OPTION_WHAT =
  "a TCP option (`nop`, `eol`, `mss N`, `wscale N`, `sackOK`, `sack a:b`, `TS val N ecr N`, `md5 <hex>`, `FO [cookie]`, `FOEXP [cookie]`) or `...`";

/**
 * tcp_option
 *   : NOP | EOL | MSS INTEGER | WSCALE INTEGER | WSCALE '*' | SACKOK | SACK sack_block_list
 *   | MD5 hex_blob | TIMESTAMP VAL INTEGER ECR INTEGER
 *   | FAST_OPEN opt_tcp_fast_open_cookie | FAST_OPEN_EXP opt_tcp_fast_open_cookie
 */
const OPTION_NAMES = ["nop", "eol", "mss", "wscale", "sackOK", "sack", "TS", "md5", "FO", "FOEXP"];

function parseTcpOption(p: ParserCore): TcpOptionSpec {
  const t = p.peek();
  if (t.kind !== "keyword") return p.fail(OPTION_WHAT, t, t.kind === "word" ? didYouMean(t.text, OPTION_NAMES) : undefined);
  const start = t.start;
  switch (t.text) {
    case "nop":
    case "eol":
      p.next();
      return { kind: t.text, span: p.span(start) };
    case "sackOK":
      p.next();
      return { kind: "sackOK", span: p.span(start) };
    case "mss": {
      p.next();
      const v = p.peek();
      // packetdrill's grammar takes an INTEGER; a name (e.g. the psp scripts' `MSS`) is kept as
      // a symbol for the runner to resolve.
      if (v.kind === "int") {
        p.next();
        return { kind: "mss", value: { kind: "number", value: intValue(v.text) }, span: p.span(start) };
      }
      if (v.kind === "word") {
        p.next();
        const define = v.define !== undefined ? { define: v.define } : {};
        if (/^-?[0-9]+$/.test(v.text)) {
          return { kind: "mss", value: { kind: "number", value: intValue(v.text) }, ...define, span: p.span(start) };
        }
        return { kind: "mss", value: { kind: "symbol", name: v.text }, ...define, span: p.span(start) };
      }
      return p.fail("the MSS value (an integer)");
    }
    case "wscale": {
      p.next();
      if (p.eatPunct("*")) return { kind: "wscale", shift: "*", span: p.span(start) };
      const v = p.expectInt("the window scale shift count (an integer) or `*`");
      return { kind: "wscale", shift: v.value, span: p.span(start) };
    }
    case "sack": {
      p.next();
      const blocks: SackBlock[] = [parseSackBlock(p)];
      while (p.isKind("int")) blocks.push(parseSackBlock(p));
      return { kind: "sack", blocks, span: p.span(start) };
    }
    case "TS": {
      p.next();
      p.expectKeyword("val", "`val` in `TS val N ecr N`");
      const val = p.expectInt("the TS value (an integer)");
      p.expectKeyword("ecr", "`ecr` in `TS val N ecr N`");
      const ecr = p.expectInt("the TS echo reply (an integer)");
      return { kind: "timestamp", val: val.value, ecr: ecr.value, span: p.span(start) };
    }
    case "md5": {
      p.next();
      const blob = p.peek();
      if (!isHexBlob(blob)) return p.fail("the MD5 digest in hex");
      p.next();
      return { kind: "md5", digest: blob.text, ...defineOf(blob), span: p.span(start) };
    }
    case "FO":
    case "FOEXP": {
      p.next();
      const kind = t.text === "FO" ? "fastopen" : "fastopen-exp";
      const blob = p.peek();
      if (!isHexBlob(blob)) return { kind, cookie: "", span: p.span(start) };
      p.next();
      return { kind, cookie: blob.text, ...defineOf(blob), span: p.span(start) };
    }
    default:
      return p.fail(OPTION_WHAT, t, didYouMean(t.text, OPTION_NAMES));
  }
}

/** hex_blob : WORD | INTEGER */
function isHexBlob(t: Token): boolean {
  return t.kind === "word" || t.kind === "int";
}

function defineOf(t: Token): { define?: string } {
  return t.define !== undefined ? { define: t.define } : {};
}

/** sack_block : INTEGER ':' INTEGER */
function parseSackBlock(p: ParserCore): SackBlock {
  const start = p.peek().start;
  const left = p.expectInt("a SACK block `left:right`");
  p.expectPunct(":", "`:` in a SACK block `left:right`");
  const right = p.expectInt("the right edge of a SACK block");
  return { left: left.value, right: right.value, span: p.span(start) };
}
