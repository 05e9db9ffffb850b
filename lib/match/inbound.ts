/**
 * Inbound packets: a script line `<` turned into the live packet to inject (packetdrill's
 * new_tcp_packet / new_udp_packet / new_icmp_packet followed by run_packet.c: map_inbound_packet).
 *
 * - Addresses and ports are the connection's live inbound tuple (remote → local); ports written
 *   in the script (`1234>8080`) replace the live ones one by one, a 0 keeping the live port.
 * - Sequence numbers follow packetdrill's tcpdump-style rule (see space.ts): a SYN's seq is
 *   absolute, others relative to the remote ISN; ack and SACK edges map into the kernel's space.
 * - TS ecr (only on segments with ACK) becomes the live TS val the script value stood for; with
 *   --tcp_ts_ecr_scaled (`tsEcrScaled`) an unseen value is interpolated, otherwise it is an error.
 * - IP: TTL / hop limit 255 unless `(ttl N)`, id 0, no DF (ip_packet.c: set_ipv4_header), TOS from
 *   the ECN mark or `tos`, flow label from `flowlabel`. Payloads are zero bytes.
 * - ICMP errors quote the *outbound* datagram (local → remote): an IP header with TTL 255 and zero
 *   checksum, then the first 8 bytes of the TCP/UDP header (ports and, for TCP, the seq mapped to
 *   live space as a non-SYN), then as many zero bytes as the script's `[a:b(len)]` / `[udp (len)]`
 *   says (icmp_packet.c). `[raw (N)]` is an N-byte ICMP message with nothing quoted.
 */
import type { Span } from "../diagnostics/types";
import type { IcmpSpec, IpMode, PacketSpec, TcpSpec, UdpSpec } from "../script/ast";
import { resolveIcmp, wireVersion } from "../script/icmp";
import {
  addressToBytes,
  icmpPacket,
  ipv4,
  ipv6,
  seq,
  tcp,
  tcpOptionLength,
  tcpPacket,
  udp,
  udpPacket,
  type IpRepr,
  type PacketRepr,
  type TcpOption,
} from "../wire";
import type { Connection, Endpoint } from "./space";
import { scriptFlowLabel, scriptTcpFlags, scriptTcpOption, scriptTosByte, scriptTtl } from "./script-packet";

export interface InboundContext {
  readonly mode: IpMode;
  readonly conn: Connection;
  /**
   * packetdrill --mss (0 = none). packetdrill does not put it in the packet: it hands it to the
   * TUN device as the GSO size of every injected TCP packet (netdev.c: virtio_net_hdr gso_size),
   * so the kernel receives the segment as a GSO packet of that MSS. See `Built.gsoSize`.
   */
  readonly mss: number;
  /** packetdrill --tcp_ts_ecr_scaled: interpolate a TS ecr that matches no outbound TS val. */
  readonly tsEcrScaled?: boolean;
}

export type Built =
  | {
      readonly ok: true;
      readonly packet: PacketRepr;
      /** The GSO size to inject a TCP packet with (the --mss value), when there is one. */
      readonly gsoSize?: number;
    }
  | { readonly ok: false; readonly message: string; readonly span: Span };

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
/** icmp_packet.c: ICMP_ECHO_BYTES, the L4 header bytes an ICMP error quotes. */
const ICMP_ECHO_BYTES = 8;
const ICMP_HEADER_BYTES = 8;

function fail(message: string, span: Span): Built {
  return { ok: false, message, span };
}

/** The live address as it goes on the wire (an IPv4-mapped IPv6 text becomes IPv4 in v4 modes). */
function wireAddress(text: string, version: 4 | 6): string {
  if (version === 4) {
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
    if (m) return m[1]!;
  }
  return text;
}

function ipHeader(spec: PacketSpec, version: 4 | 6, src: string, dst: string): IpRepr {
  const tos = scriptTosByte(spec.ip);
  const ttl = scriptTtl(spec.ip);
  src = wireAddress(src, version);
  dst = wireAddress(dst, version);
  if (version === 4) return ipv4({ src, dst, ttl, tos, id: 0, dontFragment: false });
  return ipv6({ src, dst, hopLimit: ttl, trafficClass: tos, flowLabel: scriptFlowLabel(spec.ip) });
}

/** Build the live packet to inject for an inbound script packet. */
export function buildInbound(spec: PacketSpec, ctx: InboundContext): Built {
  if (spec.direction !== "inbound") return fail("not an inbound packet", spec.span);
  if (spec.layers.length > 0 || (spec.body.kind === "tcp" && spec.body.encap !== undefined)) {
    return fail("encapsulated inbound packets (outer IP, GRE, MPLS, PSP) are not supported", spec.span);
  }
  const { conn } = ctx;
  const local = conn.liveLocal;
  const remote = conn.liveRemote;
  if (local === undefined || remote === undefined) return fail("no live address for the connection yet", spec.span);
  const version = wireVersion(ctx.mode);
  const body = spec.body;
  switch (body.kind) {
    case "tcp":
      return buildTcp(spec, body, ctx, version, local, remote);
    case "udp":
      return buildUdp(spec, body, version, local, remote);
    case "icmp":
      return buildIcmp(spec, body, conn, version, local, remote);
  }
}

function buildTcp(spec: PacketSpec, t: TcpSpec, ctx: InboundContext, version: 4 | 6, local: Endpoint, remote: Endpoint): Built {
  const conn = ctx.conn;
  if (t.window === undefined) return fail("window must be specified for inbound packets", t.flags.span);
  if (t.options?.kind === "any") return fail("<...> for TCP options can only be used with outbound packets", t.options.span);
  const isSyn = t.flags.syn;
  const flags = scriptTcpFlags(t.flags);
  const options: TcpOption[] = [];
  let optionBytes = 0;
  let tsIndex = -1;
  for (const o of t.options?.options ?? []) {
    if (o.kind === "wscale" && o.shift === "*") return fail("wscale * can only be used with outbound packets", o.span);
    const r = scriptTcpOption(o);
    if (!r.ok) return fail(r.message, o.span);
    let opt = r.option;
    if (opt.kind === "sack") {
      opt = { kind: "sack", blocks: opt.blocks.map((b) => ({ left: conn.localSeqToLive(b.left, isSyn), right: conn.localSeqToLive(b.right, isSyn) })) };
    }
    if (opt.kind === "timestamp") tsIndex = options.length;
    options.push(opt);
    optionBytes += tcpOptionLength(opt);
  }
  if (optionBytes % 4 !== 0) {
    return fail(
      `TCP options are not padded correctly to ensure TCP header is a multiple of 4 bytes: ${optionBytes % 4} excess bytes`,
      t.options!.span,
    );
  }
  // map_inbound_packet remaps the last TS option's ecr, and only on segments with ACK.
  if (flags.ack && tsIndex >= 0) {
    const ts = options[tsIndex] as Extract<TcpOption, { kind: "timestamp" }>;
    const ecr = conn.mapInboundTsEcr(ts.ecr, ctx.tsEcrScaled ?? false);
    if (ecr === undefined) {
      return fail(`unable to infer live TS ecr for script TS ecr ${ts.ecr};  no matching or preceding outbound TS val`, t.options!.span);
    }
    options[tsIndex] = { kind: "timestamp", val: ts.val, ecr };
  }
  const scriptAck = t.ack?.value ?? 0;
  const segment = tcp({
    srcPort: t.ports?.src || remote.port,
    dstPort: t.ports?.dst || local.port,
    seq: conn.remoteSeqToLive(t.seq.start, isSyn),
    ack: flags.ack ? conn.localSeqToLive(scriptAck, isSyn) : seq(scriptAck),
    flags,
    window: t.window.value & 0xffff,
    urgentPointer: (t.urg?.value ?? 0) & 0xffff,
    options,
    payload: new Uint8Array(t.seq.length),
  });
  const packet = tcpPacket(ipHeader(spec, version, remote.ip, local.ip), segment);
  return ctx.mss > 0 ? { ok: true, packet, gsoSize: ctx.mss } : { ok: true, packet };
}

function buildUdp(spec: PacketSpec, u: UdpSpec, version: 4 | 6, local: Endpoint, remote: Endpoint): Built {
  const datagram = udp({
    srcPort: u.ports?.src || remote.port,
    dstPort: u.ports?.dst || local.port,
    payload: new Uint8Array(u.length.value),
  });
  return { ok: true, packet: udpPacket(ipHeader(spec, version, remote.ip, local.ip), datagram) };
}

function buildIcmp(spec: PacketSpec, m: IcmpSpec, conn: Connection, version: 4 | 6, local: Endpoint, remote: Endpoint): Built {
  const resolved = resolveIcmp(version, m.type.name, m.code?.name);
  if (!resolved.ok) return fail(resolved.message, resolved.what === "type" ? m.type.span : (m.code?.span ?? m.type.span));
  const { type, code } = resolved;
  let rest = 0;
  if (m.mtu !== undefined) {
    if (version === 4) {
      if (type !== 3 || code !== 4) return fail("ICMPv4 MTU is only valid for unreachable-frag_needed", m.mtu.span);
      if (m.mtu.value < 0 || m.mtu.value > 0xffff) return fail("ICMPv4 MTU out of 16-bit range", m.mtu.span);
      rest = m.mtu.value; // struct icmpv4: message.frag = { u16 unused; u16 mtu }
    } else {
      if (type !== 2 || code !== 0) return fail("ICMPv6 MTU is only valid for packet_too_big-0", m.mtu.span);
      if (m.mtu.value < 0 || m.mtu.value > 0xffffffff) return fail("ICMPv6 MTU out of 32-bit range", m.mtu.span);
      rest = m.mtu.value >>> 0;
    }
  }
  if (m.echoId !== undefined) {
    const id = m.echoId.value;
    if (id < 0 || id > 0xffff) return fail("invalid echo_id, must be between 0 and 65535", m.echoId.span);
    // The echo identifier shares the first two bytes with the MTU union member.
    if (id > 0) rest = ((id << 16) | (rest & 0xffff)) >>> 0;
  }
  const echoed = m.echoed ?? { kind: "tcp" as const, seq: { start: 0, end: 0, length: 0, span: m.type.span }, span: m.type.span };
  let payload: Uint8Array;
  switch (echoed.kind) {
    case "raw":
      if (echoed.length < ICMP_HEADER_BYTES) {
        return fail(`icmp_bytes ${echoed.length} smaller than icmp header length ${ICMP_HEADER_BYTES}`, echoed.span);
      }
      payload = new Uint8Array(echoed.length - ICMP_HEADER_BYTES);
      break;
    case "tcp":
      payload = quotedDatagram(version, IPPROTO_TCP, local, remote, echoed.seq.length, conn.localSeqToLive(echoed.seq.start, false));
      break;
    case "udp":
      payload = quotedDatagram(version, IPPROTO_UDP, local, remote, echoed.length, 0);
      break;
  }
  const ip = ipHeader(spec, version, remote.ip, local.ip);
  return { ok: true, packet: icmpPacket(ip, { type, code, rest, payload }) };
}

/** The original outbound datagram an ICMP error quotes (icmp_packet.c + socket.h: set_icmp_echoed_tuple). */
function quotedDatagram(version: 4 | 6, protocol: number, local: Endpoint, remote: Endpoint, payloadBytes: number, tcpSeq: number): Uint8Array {
  const ipBytes = version === 4 ? 20 : 40;
  const l4HeaderBytes = protocol === IPPROTO_TCP ? 20 : 8;
  const out = new Uint8Array(ipBytes + ICMP_ECHO_BYTES + payloadBytes);
  const dv = new DataView(out.buffer);
  const src = addressToBytes(wireAddress(local.ip, version));
  const dst = addressToBytes(wireAddress(remote.ip, version));
  if (version === 4) {
    out[0] = 0x45;
    dv.setUint16(2, ipBytes + l4HeaderBytes + payloadBytes);
    out[8] = 255; // ttl 0 in set_ip_header means TTL_CHECK_NONE
    out[9] = protocol;
    out.set(src, 12);
    out.set(dst, 16);
  } else {
    out[0] = 0x60;
    dv.setUint16(4, l4HeaderBytes + payloadBytes);
    out[6] = protocol;
    out[7] = 255;
    out.set(src, 8);
    out.set(dst, 24);
  }
  dv.setUint16(ipBytes, local.port);
  dv.setUint16(ipBytes + 2, remote.port);
  if (protocol === IPPROTO_TCP) dv.setUint32(ipBytes + 4, tcpSeq >>> 0);
  return out;
}
