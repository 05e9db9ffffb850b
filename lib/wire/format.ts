/**
 * Packets in packetdrill's script notation — the one notation for traces, failure messages and
 * reports, and what the script parser reads back:
 *
 *   S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>
 *   udp (10)
 *   icmp unreachable port_unreachable [udp (11)]
 *
 * TCP mirrors packetdrill's packet_to_string.c and tcp_options_to_string.c: flags in tcpdump
 * 4.1.1 order (F S R P . U E W A), `seq:end(len)`, `ack N` only with ACK, always `win N`, options
 * in wire order. Where packetdrill prints nothing parseable (AccECN options, unknown options,
 * ICMP details) the notation follows its script grammar or, for AccECN, the nplab packetdrill
 * fork's printer (`AccECN0 EE0B n ECEB n EE1B n`); unknown kinds print as `opt KIND HEX`.
 */
import { DecodeError } from "./errors";
import { decodePacket } from "./packet";
import type { Seq } from "./seq";
import type { IcmpRepr, IpRepr, PacketRepr, TcpOption, TcpRepr } from "./types";
import { assertNever } from "../util/assert-never";

/** inbound: remote → kernel (`<` in scripts); outbound: kernel → remote (`>`). */
export type Direction = "inbound" | "outbound";

export interface FormatOptions {
  /** Which way the packet travels. Required with `relative`; also chooses the arrow. */
  readonly direction?: Direction;
  /**
   * Print sequence numbers relative to the connection's ISNs, as scripts do. Outbound packets:
   * seq from `localIsn`, ack and SACK blocks from `remoteIsn`; inbound the other way round.
   */
  readonly relative?: { readonly localIsn: Seq; readonly remoteIsn: Seq };
  /** Print the IP ECN field: [noecn] / [ect1] / [ect0] / [ce]. */
  readonly ecn?: boolean;
  /**
   * "ports": `40000>8080 S ...` (script grammar); "full": `192.0.2.1:40000 > 192.168.0.1:8080 S
   * ...` (packetdrill's verbose dump). Default "none".
   */
  readonly endpoints?: "none" | "ports" | "full";
  /** Prefix `<` or `>` according to `direction`. */
  readonly arrow?: boolean;
  /**
   * AccECN is in use (packetdrill's parse_tcp_ace_field): on segments without SYN print the ACE
   * field (AE·4 + CWR·2 + ECE) as one digit in place of E, W and A.
   */
  readonly ace?: boolean;
}

const ECN_MARKS = ["noecn", "ect1", "ect0", "ce"] as const;

/** Bytes as lowercase hex, two digits each (traces, FO cookies, MD5 digests). */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, "0");
  return s;
}

interface Bases {
  /** Subtracted from this packet's seq. */
  readonly seq: number;
  /** Subtracted from its ack and SACK blocks. */
  readonly ack: number;
}

function basesFor(opts: FormatOptions): Bases {
  const rel = opts.relative;
  if (rel === undefined) return { seq: 0, ack: 0 };
  if (opts.direction === undefined) throw new TypeError("formatPacket: relative sequence numbers need a direction");
  return opts.direction === "outbound" ? { seq: rel.localIsn, ack: rel.remoteIsn } : { seq: rel.remoteIsn, ack: rel.localIsn };
}

function u32(n: number): number {
  return n >>> 0;
}

/** The flags field as packetdrill prints it (`-` for none, which its grammar accepts). */
export function formatTcpFlags(t: TcpRepr, ace = false): string {
  const f = t.flags;
  let s = "";
  if (f.fin) s += "F";
  if (f.syn) s += "S";
  if (f.rst) s += "R";
  if (f.psh) s += "P";
  if (f.ack) s += ".";
  if (f.urg) s += "U";
  if (ace && !f.syn) {
    s += String((f.ece ? 1 : 0) | (f.cwr ? 2 : 0) | (f.ae ? 4 : 0));
  } else {
    if (f.ece) s += "E";
    if (f.cwr) s += "W";
    if (f.ae) s += "A";
  }
  return s === "" ? "-" : s;
}

const ACCECN_NAMES: readonly (readonly string[])[] = [
  ["EE0B", "ECEB", "EE1B"],
  ["EE1B", "ECEB", "EE0B"],
];

/** One option; `sackBase` is subtracted from SACK block edges. */
export function formatTcpOption(o: TcpOption, sackBase = 0): string {
  switch (o.kind) {
    case "eol":
      return "eol";
    case "nop":
      return "nop";
    case "mss":
      return `mss ${o.mss}`;
    case "wscale":
      return `wscale ${o.shift}`;
    case "sackOK":
      return "sackOK";
    case "sack":
      return `sack ${o.blocks.map((b) => `${u32(b.left - sackBase)}:${u32(b.right - sackBase)}`).join(" ")}`;
    case "timestamp":
      return `TS val ${o.val} ecr ${o.ecr}`;
    case "md5":
      return o.digest.length > 0 ? `md5 ${hex(o.digest)}` : "md5";
    case "fastopen":
      return o.cookie.length > 0 ? `FO ${hex(o.cookie)}` : "FO";
    case "fastopenExp":
      return o.cookie.length > 0 ? `FOEXP ${hex(o.cookie)}` : "FOEXP";
    case "accecn": {
      const names = ACCECN_NAMES[o.order]!;
      return [`AccECN${o.order}`, ...o.counters.map((c, i) => `${names[i] ?? "?"} ${c}`)].join(" ");
    }
    case "unknown":
      return o.data.length > 0 ? `opt ${o.type} ${hex(o.data)}` : `opt ${o.type}`;
    default:
      return assertNever(o, "TCP option");
  }
}

/** The option list without the angle brackets, e.g. `mss 1460,sackOK,nop`. */
export function formatTcpOptions(opts: readonly TcpOption[], sackBase = 0): string {
  return opts.map((o) => formatTcpOption(o, sackBase)).join(",");
}

function ecnOf(ip: IpRepr): number {
  return (ip.version === 4 ? ip.tos : ip.trafficClass) & 3;
}

function formatTcp(ip: IpRepr, t: TcpRepr, opts: FormatOptions, bases: Bases): string {
  const parts: string[] = [];
  const ends = opts.endpoints ?? "none";
  if (ends === "ports") parts.push(`${t.srcPort}>${t.dstPort}`);
  else if (ends === "full") parts.push(`${ip.src}:${t.srcPort} > ${ip.dst}:${t.dstPort}`);
  parts.push(formatTcpFlags(t, opts.ace === true));
  const seq = u32(t.seq - bases.seq);
  const len = t.payload.length;
  parts.push(`${seq}:${u32(seq + len)}(${len})`);
  if (t.flags.ack) parts.push(`ack ${u32(t.ack - bases.ack)}`);
  parts.push(`win ${t.window}`);
  if (t.urgentPointer !== 0) parts.push(`urg ${t.urgentPointer}`);
  if (t.options.length > 0) parts.push(`<${formatTcpOptions(t.options, bases.ack)}>`);
  return parts.join(" ");
}

const ICMPV4_TYPES: Readonly<Record<number, string>> = {
  0: "echo_reply",
  3: "unreachable",
  4: "source_quench",
  5: "redirect",
  8: "echo_request",
  11: "time_exceeded",
  12: "parameter_problem",
  13: "timestamp_request",
  14: "timestamp_reply",
  15: "information_request",
  16: "information_reply",
  17: "address_mask_request",
  18: "address_mask_reply",
};
const ICMPV4_CODES: Readonly<Record<number, readonly string[]>> = {
  3: [
    "net_unreachable",
    "host_unreachable",
    "protocol_unreachable",
    "port_unreachable",
    "frag_needed",
    "source_route_failed",
    "net_unknown",
    "host_unknown",
    "source_host_isolated",
    "net_prohibited",
    "host_prohibited",
    "net_unreachable_for_tos",
    "host_unreachable_for_tos",
    "packet_filtered",
    "precedence_violation",
    "precedence_cutoff",
  ],
};
const ICMPV6_TYPES: Readonly<Record<number, string>> = {
  1: "unreachable",
  2: "packet_too_big",
  3: "time_exceeded",
  4: "parameter_problem",
  128: "echo_request",
  129: "echo_reply",
};
const ICMPV6_CODES: Readonly<Record<number, readonly string[]>> = {
  1: ["no_route", "admin_prohibited", "not_neighbour", "address_unreachable", "port_unreachable"],
  3: ["exceeded_hop_limit", "exceeded_frag_time"],
  4: ["header_field", "unknown_next_header", "unknown_option"],
};

/** Error messages that quote the offending datagram (RFC 792, RFC 4443 §2.1). */
function quotesDatagram(m: IcmpRepr): boolean {
  return m.version === 4 ? m.type === 3 || m.type === 4 || m.type === 5 || m.type === 11 || m.type === 12 : m.type >= 1 && m.type <= 4;
}

/**
 * `[seq:end(len)]` or `[udp (N)]` for the quoted datagram, as packetdrill's grammar writes it
 * (opt_icmp_echoed). The quote travelled the other way, so its seq base is this packet's ack base.
 */
function formatEchoed(m: IcmpRepr, seqBase: number): string | undefined {
  const q = m.payload;
  if (q.length < 1) return undefined;
  let hlen: number;
  let protocol: number;
  let payloadLen: number;
  if (q[0]! >>> 4 === 4 && q.length >= 20) {
    hlen = (q[0]! & 0x0f) * 4;
    protocol = q[9]!;
    payloadLen = ((q[2]! << 8) | q[3]!) - hlen;
  } else if (q[0]! >>> 4 === 6 && q.length >= 40) {
    hlen = 40;
    protocol = q[6]!;
    payloadLen = (q[4]! << 8) | q[5]!;
  } else {
    return undefined;
  }
  if (protocol === 6 && q.length >= hlen + 8) {
    const seq = u32(((q[hlen + 4]! << 24) | (q[hlen + 5]! << 16) | (q[hlen + 6]! << 8) | q[hlen + 7]!) - seqBase);
    const thlen = q.length >= hlen + 13 ? (q[hlen + 12]! >>> 4) * 4 : 20;
    const len = Math.max(0, payloadLen - thlen);
    return `[${seq}:${u32(seq + len)}(${len})]`;
  }
  if (protocol === 17) return `[udp (${Math.max(0, payloadLen - 8)})]`;
  return undefined;
}

function formatIcmp(ip: IpRepr, m: IcmpRepr, opts: FormatOptions, bases: Bases): string {
  const parts: string[] = [];
  if (opts.endpoints === "full") parts.push(`${ip.src} > ${ip.dst}`);
  const types = m.version === 4 ? ICMPV4_TYPES : ICMPV6_TYPES;
  const codes = (m.version === 4 ? ICMPV4_CODES : ICMPV6_CODES)[m.type];
  parts.push("icmp", types[m.type] ?? `type_${m.type}`);
  const codeName = codes?.[m.code];
  if (codeName !== undefined) parts.push(codeName);
  else if (m.code !== 0 || codes !== undefined) parts.push(`code_${m.code}`);
  if (m.version === 4 && m.type === 3 && m.code === 4) parts.push(`mtu ${m.rest & 0xffff}`);
  if (m.version === 6 && m.type === 2) parts.push(`mtu ${m.rest}`);
  const echo = m.version === 4 ? m.type === 0 || m.type === 8 : m.type === 128 || m.type === 129;
  if (echo) parts.push(`id ${m.rest >>> 16}`);
  if (quotesDatagram(m)) {
    const echoed = formatEchoed(m, bases.ack);
    if (echoed !== undefined) parts.push(echoed);
  }
  return parts.join(" ");
}

/** One packet in script notation (no timestamp). */
export function formatPacket(p: PacketRepr, opts: FormatOptions = {}): string {
  const bases = basesFor(opts);
  const prefix: string[] = [];
  if (opts.arrow === true && opts.direction !== undefined) prefix.push(opts.direction === "inbound" ? "<" : ">");
  if (opts.ecn === true) prefix.push(`[${ECN_MARKS[ecnOf(p.ip)]}]`);
  const l4 = p.l4;
  let body: string;
  switch (l4.protocol) {
    case "tcp":
      body = formatTcp(p.ip, l4.tcp, opts, bases);
      break;
    case "udp": {
      const u = l4.udp;
      const ends = opts.endpoints ?? "none";
      if (ends === "full") body = `${p.ip.src}:${u.srcPort} > ${p.ip.dst}:${u.dstPort} udp (${u.payload.length})`;
      else if (ends === "ports") body = `udp ${u.srcPort}>${u.dstPort} (${u.payload.length})`;
      else body = `udp (${u.payload.length})`;
      break;
    }
    case "icmp":
      body = formatIcmp(p.ip, l4.icmp, opts, bases);
      break;
    case "other":
      body = `${opts.endpoints === "full" ? `${p.ip.src} > ${p.ip.dst} ` : ""}ip proto ${l4.number} (${l4.payload.length})`;
      break;
    default:
      return assertNever(l4, "L4 repr");
  }
  prefix.push(body);
  return prefix.join(" ");
}

/**
 * Decodes and formats raw bytes; bytes that do not decode print as
 * `[undecodable: CODE at byte N] HEX`, so a trace line never throws.
 */
export function formatWire(bytes: Uint8Array, opts: FormatOptions = {}): string {
  let p: PacketRepr;
  try {
    p = decodePacket(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return `[undecodable: ${e.code} at byte ${e.offset}] ${hex(bytes)}`;
    throw e;
  }
  return formatPacket(p, opts);
}
