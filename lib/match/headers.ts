/**
 * Header-by-header comparison of an expected packet with an actual one, as packetdrill's
 * verify_outbound_live_headers does (run_packet.c: verify_ipv4 / verify_ipv6 / verify_tcp /
 * verify_udp / verify_icmpv4 / verify_icmpv6), in its order and with its sentences.
 *
 * The expectation is either a script packet (outbound.ts) or, when checking that two sniffed
 * segments may be aggregated, the previous live segment (aggregate.ts, `strict` = false). In the
 * non-strict mode packetdrill skips total length, FIN, PSH and CWR, and expects the next segment's
 * seq to follow the previous one's payload.
 *
 * Unlike packetdrill this collects every mismatch; it stops only where the header structure itself
 * differs, since nothing after that lines up.
 */
import {
  paddedTcpOptionsLength,
  type IcmpRepr,
  type IpRepr,
  type PacketRepr,
  type TcpFlags,
  type TcpRepr,
} from "../wire";
import type { TosCheck } from "./script-packet";

export interface Mismatch {
  /** packetdrill's name for what differs (`tcp_ack_seq`, `ipv4_total_length`, `tcp_option(kind=34)`...). */
  readonly field: string;
  /** packetdrill's sentence. */
  readonly message: string;
}

export type HeaderType = "IPV4" | "IPV6" | "GRE" | "MPLS" | "PSP" | "TCP" | "UDP" | "ICMPV4" | "ICMPV6" | "OTHER";

/** What an expected packet's headers say, in the units packetdrill compares. */
export interface ExpectedHeaders {
  /** Header types outermost first (outer encapsulation, the IP header, the L4 header). */
  readonly layers: readonly HeaderType[];
  readonly ip: {
    readonly protocol: number;
    /** IPv4 header length in 32-bit words. */
    readonly ihl: number;
    /** IPv4 total length / IPv6 payload length, before the `<...>` allowance. */
    readonly length: number;
    readonly tosCheck: TosCheck;
    readonly tos: number;
    /** 255 = not checked. */
    readonly ttl: number;
  };
  readonly l4:
    | {
        readonly kind: "tcp";
        /** Data offset in words, before the `<...>` allowance. */
        readonly doff: number;
        readonly flags: TcpFlags;
        readonly parseAce: boolean;
        readonly reserved: number;
        readonly seq: number;
        readonly ack: number;
        /** undefined: `win` not written, not checked. */
        readonly window: number | undefined;
        readonly urg: number;
        readonly payloadLength: number;
        /** `<...>`: options not checked; lengths allow for the actual options. */
        readonly optionsNoCheck: boolean;
      }
    | { readonly kind: "udp"; readonly length: number }
    | { readonly kind: "icmp"; readonly type: number; readonly code: number }
    | { readonly kind: "other" };
}

const TTL_CHECK_NONE = 255;

export function checkField(name: string, expected: number, actual: number): Mismatch | undefined {
  const e = expected >>> 0;
  const a = actual >>> 0;
  if (e === a) return undefined;
  return { field: name, message: `live packet field ${name}: expected: ${e} (0x${e.toString(16)}) vs actual: ${a} (0x${a.toString(16)})` };
}

export function ipLayerType(ip: IpRepr): HeaderType {
  return ip.version === 4 ? "IPV4" : "IPV6";
}

export function l4LayerType(p: PacketRepr): HeaderType {
  switch (p.l4.protocol) {
    case "tcp":
      return "TCP";
    case "udp":
      return "UDP";
    case "icmp":
      return p.l4.icmp.version === 4 ? "ICMPV4" : "ICMPV6";
    case "other":
      return "OTHER";
  }
}

export function tcpHeaderLength(t: TcpRepr): number {
  return 20 + paddedTcpOptionsLength(t.options);
}

/** Bytes after the IP header (and IPv6 extension headers). */
export function l4Length(p: PacketRepr): number {
  const l4 = p.l4;
  switch (l4.protocol) {
    case "tcp":
      return tcpHeaderLength(l4.tcp) + l4.tcp.payload.length;
    case "udp":
      return 8 + l4.udp.payload.length;
    case "icmp":
      return 8 + l4.icmp.payload.length;
    case "other":
      return l4.payload.length;
  }
}

interface ActualIp {
  readonly protocol: number;
  readonly ihl: number;
  readonly length: number;
  readonly tos: number;
  readonly ttl: number;
}

function actualIp(p: PacketRepr): ActualIp {
  const ip = p.ip;
  if (ip.version === 4) {
    const ihl = 5 + ((ip.options.length + 3) >> 2);
    return { protocol: ip.protocol, ihl, length: ihl * 4 + l4Length(p), tos: ip.tos, ttl: ip.ttl };
  }
  let ext = 0;
  for (const h of ip.extensionHeaders) ext += 2 + h.body.length;
  // The fixed header's next-header field names the first extension header, if any.
  const next = ip.extensionHeaders.length > 0 ? ip.extensionHeaders[0]!.type : ip.protocol;
  return { protocol: next, ihl: 0, length: ext + l4Length(p), tos: ip.trafficClass, ttl: ip.hopLimit };
}

/** The expectation a previous live segment sets for the next one (aggregation candidates). */
export function expectedFromPacket(p: PacketRepr): ExpectedHeaders {
  const a = actualIp(p);
  const ip = { protocol: a.protocol, ihl: a.ihl, length: a.length, tosCheck: "none" as const, tos: a.tos, ttl: a.ttl };
  const layers = [ipLayerType(p.ip), l4LayerType(p)];
  const l4 = p.l4;
  switch (l4.protocol) {
    case "tcp": {
      const t = l4.tcp;
      return {
        layers,
        ip,
        l4: {
          kind: "tcp",
          doff: tcpHeaderLength(t) / 4,
          flags: t.flags,
          parseAce: false,
          reserved: t.reservedBits ?? 0,
          seq: t.seq,
          ack: t.ack,
          window: t.window,
          urg: t.urgentPointer,
          payloadLength: t.payload.length,
          optionsNoCheck: false,
        },
      };
    }
    case "udp":
      return { layers, ip, l4: { kind: "udp", length: 8 + l4.udp.payload.length } };
    case "icmp":
      return { layers, ip, l4: { kind: "icmp", type: l4.icmp.type, code: l4.icmp.code } };
    case "other":
      return { layers, ip, l4: { kind: "other" } };
  }
}

function bit(b: boolean): number {
  return b ? 1 : 0;
}

function aceOf(f: TcpFlags): number {
  return (f.ae ? 4 : 0) | (f.cwr ? 2 : 0) | (f.ece ? 1 : 0);
}

/**
 * Compare headers; `strict` is packetdrill's flag (true for a packet against its script line,
 * false for an aggregation candidate against the previous segment).
 */
export function verifyHeaders(expected: ExpectedHeaders, actual: PacketRepr, strict: boolean): Mismatch[] {
  const out: Mismatch[] = [];
  const push = (m: Mismatch | undefined): void => {
    if (m !== undefined) out.push(m);
  };
  const actualLayers: HeaderType[] = [ipLayerType(actual.ip), l4LayerType(actual)];
  if (expected.layers.length !== actualLayers.length) {
    out.push({
      field: "header_layers",
      message: `${strict ? "live" : "aggregate candidate"} packet header layers: expected: ${expected.layers.length} headers vs actual: ${actualLayers.length} headers`,
    });
    return out;
  }
  const layerMismatch = (i: number): Mismatch => ({
    field: "header_layer",
    message: `live packet header layer ${i}: expected: ${expected.layers[i]} header vs actual: ${actualLayers[i]} header`,
  });
  if (expected.layers[0] !== actualLayers[0]) {
    out.push(layerMismatch(0));
    return out;
  }

  // Layer 0: the IP header.
  const e = expected.ip;
  const a = actualIp(actual);
  const allowance = expected.l4.kind === "tcp" && expected.l4.optionsNoCheck && actual.l4.protocol === "tcp" ? paddedTcpOptionsLength(actual.l4.tcp.options) : 0;
  if (actual.ip.version === 4) {
    push(checkField("ipv4_protocol", e.protocol, a.protocol));
    push(checkField("ipv4_header_length", e.ihl, a.ihl));
    if (strict) push(checkField("ipv4_total_length", e.length + allowance, a.length));
  } else {
    if (strict) push(checkField("ipv6_payload_len", e.length + allowance, a.length));
    push(checkField("ipv6_next_header", e.protocol, a.protocol));
  }
  push(tosMismatch(e.tosCheck, e.tos, a.tos));
  if (e.ttl !== TTL_CHECK_NONE) push(checkField("ttl", e.ttl, a.ttl));

  // Layer 1: the transport header.
  if (expected.layers[1] !== actualLayers[1]) {
    out.push(layerMismatch(1));
    return out;
  }
  const el4 = expected.l4;
  const al4 = actual.l4;
  if (el4.kind === "tcp" && al4.protocol === "tcp") {
    const t = al4.tcp;
    const f = el4.flags;
    const g = t.flags;
    push(checkField("tcp_data_offset", el4.doff + allowance / 4, tcpHeaderLength(t) / 4));
    if (strict) push(checkField("tcp_fin", bit(f.fin), bit(g.fin)));
    push(checkField("tcp_syn", bit(f.syn), bit(g.syn)));
    push(checkField("tcp_rst", bit(f.rst), bit(g.rst)));
    if (strict) push(checkField("tcp_psh", bit(f.psh), bit(g.psh)));
    push(checkField("tcp_ack", bit(f.ack), bit(g.ack)));
    push(checkField("tcp_urg", bit(f.urg), bit(g.urg)));
    if (el4.parseAce) {
      push(checkField("tcp_ace", aceOf(f), aceOf(g)));
    } else {
      push(checkField("tcp_ece", bit(f.ece), bit(g.ece)));
      if (strict) push(checkField("tcp_cwr", bit(f.cwr), bit(g.cwr)));
      push(checkField("tcp_ae", bit(f.ae), bit(g.ae)));
    }
    push(checkField("tcp_reserved_bits", el4.reserved, t.reservedBits ?? 0));
    push(checkField("tcp_seq", strict ? el4.seq : el4.seq + el4.payloadLength, t.seq));
    push(checkField("tcp_ack_seq", el4.ack, t.ack));
    if (el4.window !== undefined) push(checkField("tcp_window", el4.window, t.window));
    push(checkField("tcp_urg_ptr", el4.urg, t.urgentPointer));
  } else if (el4.kind === "udp" && al4.protocol === "udp") {
    if (strict) push(checkField("udp_len", el4.length, 8 + al4.udp.payload.length));
  } else if (el4.kind === "icmp" && al4.protocol === "icmp") {
    for (const m of icmpMismatches(el4, al4.icmp)) out.push(m);
  }
  return out;
}

function icmpMismatches(e: { readonly type: number; readonly code: number }, a: IcmpRepr): Mismatch[] {
  const out: Mismatch[] = [];
  const t = checkField("icmp_type", e.type, a.type);
  if (t !== undefined) out.push(t);
  const c = checkField("icmp_code", e.code, a.code);
  if (c !== undefined) out.push(c);
  return out;
}

/** run_packet.c: verify_outbound_live_tos. */
function tosMismatch(check: TosCheck, scriptTos: number, actualTos: number): Mismatch | undefined {
  const ecn = actualTos & 3;
  switch (check) {
    case "none":
      return undefined;
    case "ect01":
      if (ecn === 1 || ecn === 2) return undefined;
      return { field: "ip_ecn", message: `live packet field ip_ecn: expected: 0x1 or 0x2 vs actual: 0x${ecn.toString(16)}` };
    case "ecn":
      return checkField("ip_ecn", scriptTos, ecn);
    case "tos":
      return checkField("tos", scriptTos, actualTos);
  }
}
