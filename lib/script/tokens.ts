/**
 * Tokens of the packetdrill script language, as produced by packetdrill's flex lexer (lexer.l):
 * reserved words, numbers, words, strings, backtick commands, `%{ }%` code, `--options`, IP
 * addresses, `...`, and every other non-blank character as a one-character token.
 */

export type TokenKind =
  /** `[-]?[0-9]+` */
  | "int"
  /** `0x[0-9a-fA-F]+` */
  | "hex"
  /** `[-]?[0-9]*[.][0-9]+` */
  | "float"
  /** `[a-zA-Z0-9_]+` that is not a reserved word (after `-D` substitution). */
  | "word"
  /** `"..."`: `text` is the raw content between the quotes. */
  | "string"
  /** `` `...` ``: `text` is the raw content between the backticks. */
  | "command"
  /** `%{ ... }%`: `text` is the code, trimmed of spaces and tabs at both ends. */
  | "code"
  /** `--name`: `text` is the name without dashes. */
  | "option"
  | "ipv4"
  | "ipv6"
  | "ellipsis"
  | "keyword"
  | "punct"
  /** A malformed lexeme already reported by the lexer (unterminated string, comment...). */
  | "invalid"
  | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** The token's value (see TokenKind); for a substituted define, the define's value. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** True when no other token precedes this one on its line. */
  readonly lineStart: boolean;
  /** The name of the `-D` define this token was substituted from. */
  readonly define?: string;
  /** For string/command tokens: offsets of the content between the delimiters. */
  readonly contentStart?: number;
  readonly contentEnd?: number;
}

/** packetdrill's reserved words (lexer.l); a reserved word is never a WORD nor looked up in defines. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "sa_family", "sin_port", "sin_addr", "msg_name", "msg_iov", "msg_flags", "msg_control",
  "cmsg_data", "cmsg_level", "cmsg_type", "ee_errno", "ee_origin", "ee_type", "ee_code", "ee_info",
  "ee_data", "scm_sec", "scm_nsec", "fd", "u32", "u64", "ptr", "events", "revents", "onoff",
  "linger", "htons", "ipv4", "ipv6", "icmp", "udp", "GREv0", "gre", "raw", "sum", "off", "key", "seq",
  "none", "checksum", "sequence#", "present", "mpls", "label", "tc", "ttl", "inet_addr",
  "inet6_addr", "ack", "eol", "ecr", "mss", "mtu", "nop", "sack", "sackOK", "md5", "TS", "FO",
  "FOEXP", "tos", "flowlabel", "flags", "Flags", "val", "win", "urg", "wscale", "ect01", "ect0",
  "ect1", "noecn", "ce", "id", "psp", "spi", "vc", "vnid", "encap",
]);

/** How a token reads in a diagnostic: `` `win` ``, `end of file`, a string literal... */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "end of file";
    case "string":
      return `string ${quoteSnippet(`"${t.text}"`)}`;
    case "command":
      return `command ${quoteSnippet(`\`${t.text}\``)}`;
    case "code":
      return "a %{ code }% block";
    case "option":
      return `option \`--${t.text}\``;
    case "punct":
      if (t.text === "\r") return "a carriage return (\\r)";
      if (t.text.trim() === "" || t.text.charCodeAt(0) < 32) return `character U+${t.text.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`;
      return `\`${t.text}\``;
    case "word":
      return t.define === undefined ? `\`${t.text}\`` : `\`${t.text}\` (from define \`${t.define}\`)`;
    case "invalid":
      return "an invalid token";
    case "int":
    case "hex":
    case "float":
    case "ipv4":
    case "ipv6":
    case "ellipsis":
    case "keyword":
      return `\`${t.text}\``;
  }
}

function quoteSnippet(s: string): string {
  const oneLine = s.replace(/\n/g, "\\n");
  return oneLine.length > 32 ? `${oneLine.slice(0, 29)}...` : oneLine;
}
