/**
 * Packet rules: `< S 0:0(0) win 100 <mss 1460>`, `> udp (10)`, `< icmp unreachable frag_needed`,
 * with their encapsulation prefixes and IP marks. Each `parseX` implements the quoted rule of
 * packetdrill's parser.y; semantic rules (ranges, `end == start + len`...) live in checks.
 */
import type { Span } from "../diagnostics/types";
import type {
  EncapLayer,
  GreHeader,
  IcmpEchoed,
  IcmpSpec,
  IpInfo,
  MplsEntry,
  Name,
  PacketSpec,
  PspHeader,
  SeqRange,
  TcpFlagsSpec,
  TcpSpec,
  UdpSpec,
} from "./ast";
import { parseTcpOptions } from "./parse-tcp-options";
import type { ParserCore } from "./parser-core";

/**
 * packet_spec     : tcp_packet_spec | udp_packet_spec | icmp_packet_spec
 * tcp_packet_spec : packet_prefix opt_ip_info opt_encap opt_port_info flags seq opt_ack opt_window
 *                   opt_urg_ptr opt_tcp_options
 * udp_packet_spec : packet_prefix opt_ip_info UDP opt_port_info '(' INTEGER ')'
 * icmp_packet_spec: packet_prefix opt_ip_info ICMP icmp_type opt_icmp_code opt_icmp_mtu
 *                   opt_icmp_echo_id opt_icmp_echoed
 */
export function parsePacketSpec(p: ParserCore): PacketSpec {
  const start = p.peek().start;
  const dir = p.next();
  const direction = dir.text === "<" ? "inbound" : "outbound";
  const layers = parsePacketPrefixLayers(p);
  const ip = parseOptIpInfo(p);
  let body: PacketSpec["body"];
  if (p.isKeyword("udp")) body = parseUdp(p);
  else if (p.isKeyword("icmp")) body = parseIcmp(p);
  else body = parseTcp(p);
  return { kind: "packet", direction, layers, ...(ip ? { ip } : {}), body, span: p.span(start) };
}

/**
 * packet_prefix
 *   : direction
 *   | packet_prefix IPV4 opt_ip_info IPV4_ADDR '>' IPV4_ADDR ':'
 *   | packet_prefix IPV6 opt_ip_info IPV6_ADDR '>' IPV6_ADDR ':'
 *   | packet_prefix GRE ':' | packet_prefix GRE opt_comma gre_header_expression ':'
 *   | packet_prefix MPLS mpls_stack ':'
 *   | packet_prefix PSP psp_header_info ':'
 */
function parsePacketPrefixLayers(p: ParserCore): EncapLayer[] {
  const layers: EncapLayer[] = [];
  for (;;) {
    const t = p.peek();
    if (t.kind !== "keyword") return layers;
    const start = t.start;
    if (t.text === "ipv4" || t.text === "ipv6") {
      p.next();
      const ip = parseOptIpInfo(p);
      const kind = t.text;
      const what = kind === "ipv4" ? "an IPv4 address" : "an IPv6 address";
      const src = p.expectKind(kind, what);
      p.expectPunct(">", "`>` between the source and destination addresses");
      const dst = p.expectKind(kind, what);
      p.expectPunct(":", "`:` after the encapsulating IP header");
      layers.push({ kind, ...(ip ? { ip } : {}), src: src.text, dst: dst.text, span: p.span(start) });
    } else if (t.text === "gre" || t.text === "GREv0") {
      p.next();
      let header: GreHeader | undefined;
      if (!p.isPunct(":")) {
        p.eatPunct(",");
        header = parseGreHeader(p);
      }
      p.expectPunct(":", "`:` after the GRE header");
      layers.push({ kind: "gre", ...(header ? { header } : {}), span: p.span(start) });
    } else if (t.text === "mpls") {
      p.next();
      const entries = parseMplsStack(p);
      p.expectPunct(":", "`:` or an MPLS label stack entry `(label N, tc N, [S], ttl N)`");
      layers.push({ kind: "mpls", entries, span: p.span(start) });
    } else if (t.text === "psp") {
      p.next();
      const psp = parsePspHeaderInfo(p);
      p.expectPunct(":", "`:` after the PSP header");
      layers.push({ kind: "psp", psp, span: p.span(start) });
    } else return layers;
  }
}

/**
 * gre_header_expression
 *   : gre_flags_list opt_comma gre_sum opt_comma gre_off opt_comma gre_key opt_comma gre_seq
 * gre_flags_list : FLAGS '[' gre_flags ']' | FLAGS any_int
 * gre_flag       : NONE | CHECKSUM PRESENT | KEY PRESENT | SEQUENCE PRESENT
 * gre_sum : SUM any_int    gre_off : OFF any_int    gre_key : KEY opt_equals any_int
 * gre_seq : SEQ any_int
 */
export function parseGreHeader(p: ParserCore): GreHeader {
  const start = p.peek().start;
  const flagsTok = p.peek();
  if (!(flagsTok.kind === "keyword" && (flagsTok.text === "flags" || flagsTok.text === "Flags"))) {
    p.fail("`:` or a GRE header (`flags ..., sum N, off N, key N, seq N`)");
  }
  p.next();
  let flags: GreHeader["flags"];
  if (p.eatPunct("[")) {
    const names: ("none" | "checksum" | "key" | "sequence")[] = [];
    do {
      if (p.eatKeyword("none")) names.push("none");
      else if (p.eatKeyword("checksum")) (p.expectKeyword("present"), names.push("checksum"));
      else if (p.eatKeyword("key")) (p.expectKeyword("present"), names.push("key"));
      else if (p.eatKeyword("sequence#")) (p.expectKeyword("present"), names.push("sequence"));
      else p.fail("a GRE flag (`none`, `checksum present`, `key present`, `sequence# present`)");
    } while (p.eatPunct(","));
    p.expectPunct("]", "`,` or `]`");
    flags = { kind: "list", names };
  } else {
    const v = p.expectAnyInt("`[` or the GRE flags as a number");
    flags = { kind: "number", value: v.value, text: v.text };
  }
  p.eatPunct(",");
  p.expectKeyword("sum", "`sum N`");
  const sum = p.expectAnyInt("the GRE checksum (a number)");
  p.eatPunct(",");
  p.expectKeyword("off", "`off N`");
  const off = p.expectAnyInt("the GRE offset (a number)");
  p.eatPunct(",");
  p.expectKeyword("key", "`key N`");
  const keyEquals = p.eatPunct("=");
  const key = p.expectAnyInt("the GRE key (a number)");
  p.eatPunct(",");
  p.expectKeyword("seq", "`seq N`");
  const seq = p.expectAnyInt("the GRE sequence number (a number)");
  return { flags, sum, off, key, keyEquals, seq, span: p.span(start) };
}

/**
 * mpls_stack       : | mpls_stack mpls_stack_entry
 * mpls_stack_entry : '(' LABEL INTEGER ',' TC INTEGER ',' opt_mpls_stack_bottom TTL INTEGER ')'
 * opt_mpls_stack_bottom : | '[' WORD ']' ','
 */
export function parseMplsStack(p: ParserCore): MplsEntry[] {
  const entries: MplsEntry[] = [];
  while (p.isPunct("(")) {
    const start = p.next().start;
    p.expectKeyword("label");
    const label = p.expectInt("an MPLS label (an integer)");
    p.expectPunct(",");
    p.expectKeyword("tc");
    const tc = p.expectInt("an MPLS traffic class (an integer)");
    p.expectPunct(",");
    let bottom = false;
    if (p.eatPunct("[")) {
      const s = p.expectKind("word", "`S` (the bottom-of-stack mark)");
      if (s.text !== "S") p.error("E-mpls", "expected [S] for MPLS label stack bottom", p.tokenSpan(s));
      p.expectPunct("]");
      p.expectPunct(",");
      bottom = true;
    }
    p.expectKeyword("ttl", "`ttl` or `[S]`");
    const ttl = p.expectInt("an MPLS TTL (an integer)");
    p.expectPunct(")");
    entries.push({ label: label.value, tc: tc.value, bottom, ttl: ttl.value, span: p.span(start) });
  }
  return entries;
}

/**
 * psp_header_info : psp_spi opt_psp_vc
 * psp_spi         : SPI any_int
 * opt_psp_vc      : | opt_comma VC any_int | opt_comma VNID any_int
 */
function parsePspHeaderInfo(p: ParserCore): PspHeader {
  const start = p.peek().start;
  p.expectKeyword("spi", "`spi N`");
  const spi = p.expectAnyInt("a PSP SPI (a number)");
  let vc: PspHeader["vc"];
  const comma = p.isPunct(",") ? 1 : 0;
  if (p.isKeyword("vc", comma) || p.isKeyword("vnid", comma)) {
    if (comma) p.next();
    const keyword = p.next().text as "vc" | "vnid";
    vc = { keyword, value: p.expectAnyInt("a PSP virtualization cookie (a number)") };
  }
  return { spi, ...(vc ? { vc } : {}), span: p.span(start) };
}

/**
 * opt_ip_info : | '(' ip_info ')' | '[' ip_info ']'
 * ip_info     : tos_spec | flow_label | TTL INTEGER | tos_spec ',' flow_label
 * tos_spec    : ip_ecn | ECT01 | TOS HEX_INTEGER
 * ip_ecn      : NO_ECN | ECT0 | ECT1 | CE
 * flow_label  : FLOWLABEL HEX_INTEGER
 */
function parseOptIpInfo(p: ParserCore): IpInfo | undefined {
  if (!p.isPunct("(") && !p.isPunct("[")) return undefined;
  const open = p.next();
  const bracket = open.text as "(" | "[";
  const close = bracket === "(" ? ")" : "]";
  const what = "an IP mark (`ect0`, `ect1`, `ect01`, `ce`, `noecn`, `tos 0x..`, `flowlabel 0x..` or `ttl N`)";
  let tos: IpInfo["tos"];
  let flowLabel: number | undefined;
  let ttl: number | undefined;
  const t = p.peek();
  if (t.kind !== "keyword") p.fail(what);
  if (t.text === "ttl") {
    p.next();
    ttl = p.expectInt("a TTL (an integer)").value;
  } else if (t.text === "flowlabel") {
    p.next();
    flowLabel = p.expectHex("a flow label in hex (e.g. `0x12345`)").value;
  } else {
    if (t.text === "tos") {
      p.next();
      tos = { kind: "tos", value: p.expectHex("a TOS byte in hex (e.g. `0x10`)").value };
    } else if (t.text === "noecn" || t.text === "ect0" || t.text === "ect1" || t.text === "ce" || t.text === "ect01") {
      p.next();
      tos = { kind: "ecn", ecn: t.text };
    } else p.fail(what);
    if (p.eatPunct(",")) {
      p.expectKeyword("flowlabel", "`flowlabel 0x..`");
      flowLabel = p.expectHex("a flow label in hex (e.g. `0x12345`)").value;
    }
  }
  p.expectPunct(close, `\`${close}\``);
  return {
    bracket,
    ...(tos ? { tos } : {}),
    ...(flowLabel !== undefined ? { flowLabel } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
    span: p.span(open.start),
  };
}

/** opt_port_info : | INTEGER '>' INTEGER */
function parseOptPorts(p: ParserCore): TcpSpec["ports"] {
  if (!(p.isKind("int") && p.isPunct(">", 1))) return undefined;
  const start = p.peek().start;
  const src = p.expectInt("a source port");
  p.next();
  const dst = p.expectInt("a destination port");
  return { src: src.value, dst: dst.value, span: p.span(start) };
}

function parseTcp(p: ParserCore): TcpSpec {
  let encap: PspHeader | undefined;
  if (p.eatKeyword("encap")) {
    p.expectKeyword("psp", "`psp` (the only transport-mode encapsulation)");
    encap = parsePspHeaderInfo(p);
  }
  const ports = parseOptPorts(p);
  const flags = parseFlags(p);
  const seq = parseSeq(p);
  const ack = parseOptKeywordInt(p, "ack", "the acknowledgment number (an integer)");
  const window = parseOptKeywordInt(p, "win", "the window (an integer)");
  const urg = parseOptKeywordInt(p, "urg", "the urgent pointer (an integer)");
  const options = p.isPunct("<") ? parseTcpOptions(p) : undefined;
  return {
    kind: "tcp",
    ...(encap ? { encap } : {}),
    ...(ports ? { ports } : {}),
    flags,
    seq,
    ...(ack ? { ack } : {}),
    ...(window ? { window } : {}),
    ...(urg ? { urg } : {}),
    ...(options ? { options } : {}),
  };
}

function parseOptKeywordInt(p: ParserCore, kw: string, what: string): { value: number; span: Span } | undefined {
  if (!p.isKeyword(kw)) return undefined;
  const start = p.next().start;
  const v = p.expectInt(what);
  return { value: v.value, span: p.span(start) };
}

/**
 * flags : WORD opt_ack_flag | opt_word ack_and_ace | '.' | '-'
 * (opt_ack_flag: | '.'; ack_and_ace: FLOAT, i.e. the ACK dot followed by the AccECN ACE digit)
 */
export function parseFlags(p: ParserCore): TcpFlagsSpec {
  const t = p.peek();
  const start = t.start;
  let text: string;
  if (t.kind === "word") {
    p.next();
    if (p.isKind("float")) text = t.text + p.next().text;
    else if (p.eatPunct(".")) text = `${t.text}.`;
    else text = t.text;
  } else if (t.kind === "float") {
    text = p.next().text;
  } else if (t.kind === "punct" && t.text === ".") {
    p.next();
    text = ".";
  } else if (t.kind === "punct" && t.text === "-") {
    p.next();
    text = "";
  } else {
    return p.fail("TCP flags (e.g. `S`, `S.`, `P.`, `.`, `-`), `udp` or `icmp`");
  }
  return { text, ...tcpFlagBits(text), span: p.span(start) };
}

/** The header bits a flags string sets (packetdrill's new_tcp_packet). */
export function tcpFlagBits(text: string): Omit<TcpFlagsSpec, "text" | "span"> {
  const has = (c: string): boolean => text.includes(c);
  const digit = /[0-7]/.exec(text);
  const ace = digit ? Number(digit[0]) : undefined;
  const fromAce = ace !== undefined && ace !== 0;
  return {
    fin: has("F"),
    syn: has("S"),
    rst: has("R"),
    psh: has("P"),
    ack: has("."),
    urg: has("U"),
    ece: fromAce ? (ace & 1) !== 0 : has("E"),
    cwr: fromAce ? (ace & 2) !== 0 : has("W"),
    ae: fromAce ? (ace & 4) !== 0 : has("A"),
    ...(ace !== undefined ? { ace } : {}),
  };
}

/** seq : INTEGER ':' INTEGER '(' INTEGER ')' */
export function parseSeq(p: ParserCore): SeqRange {
  const start = p.peek().start;
  const what = "a sequence range `start:end(length)`";
  const s = p.expectInt(what);
  p.expectPunct(":", `\`:\` in ${what}`);
  const e = p.expectInt(`the end sequence number in ${what}`);
  p.expectPunct("(", `\`(\` in ${what}`);
  const len = p.expectInt(`the payload length in ${what}`);
  p.expectPunct(")", `\`)\` in ${what}`);
  return { start: s.value, end: e.value, length: len.value, span: p.span(start) };
}

function parseUdp(p: ParserCore): UdpSpec {
  p.next();
  const ports = parseOptPorts(p);
  const lstart = p.expectPunct("(", "`(` and the UDP payload length, e.g. `udp (100)`").start;
  const len = p.expectInt("the UDP payload length (an integer)");
  p.expectPunct(")");
  return { kind: "udp", ...(ports ? { ports } : {}), length: { value: len.value, span: p.span(lstart) } };
}

/**
 * icmp_type       : WORD
 * opt_icmp_code   : | WORD
 * opt_icmp_mtu    : | MTU INTEGER
 * opt_icmp_echo_id: | ID INTEGER
 * opt_icmp_echoed : | '[' UDP '(' INTEGER ')' ']' | '[' seq ']' | '[' RAW '(' INTEGER ')' ']'
 */
function parseIcmp(p: ParserCore): IcmpSpec {
  p.next();
  const type = parseName(p, "an ICMP type (e.g. `unreachable`, `packet_too_big`, `type_3`)");
  const code = p.isKind("word") ? parseName(p, "an ICMP code") : undefined;
  const mtu = parseOptKeywordInt(p, "mtu", "the MTU (an integer)");
  const echoId = parseOptKeywordInt(p, "id", "the echo id (an integer)");
  let echoed: IcmpEchoed | undefined;
  if (p.isPunct("[")) {
    const start = p.next().start;
    if (p.isKeyword("udp") || p.isKeyword("raw")) {
      const kind = p.next().text as "udp" | "raw";
      p.expectPunct("(");
      const len = p.expectInt("a payload length (an integer)");
      p.expectPunct(")");
      p.expectPunct("]");
      echoed = { kind, length: len.value, span: p.span(start) };
    } else {
      const seq = parseSeq(p);
      p.expectPunct("]");
      echoed = { kind: "tcp", seq, span: p.span(start) };
    }
  }
  return {
    kind: "icmp",
    type,
    ...(code ? { code } : {}),
    ...(mtu ? { mtu } : {}),
    ...(echoId ? { echoId } : {}),
    ...(echoed ? { echoed } : {}),
  };
}

function parseName(p: ParserCore, what: string): Name {
  const t = p.expectKind("word", what);
  return { name: t.text, ...(t.define !== undefined ? { define: t.define } : {}), span: p.tokenSpan(t) };
}
