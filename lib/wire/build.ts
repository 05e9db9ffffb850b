/**
 * Builders: partial values in, complete reprs out, with the defaults a Linux peer would use.
 * Unset means "sensible default" here (packetimpact's rule); matching, where unset means
 * "don't care", lives elsewhere.
 */
import { parseIpv4 } from "./address";
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from "./icmp";
import type { Seq } from "./seq";
import { IPPROTO_TCP, tcpFlagBits, tcpFlagsFromBits } from "./tcp";
import { IPPROTO_UDP } from "./udp";
import type { IcmpRepr, IpRepr, Ipv4Repr, Ipv6Repr, PacketRepr, TcpFlags, TcpRepr, UdpRepr } from "./types";

const EMPTY = new Uint8Array(0);

/** Flags with the given ones set, e.g. `tcpFlags({ syn: true, ack: true })`. */
export function tcpFlags(set: Partial<TcpFlags> = {}): TcpFlags {
  const all: TcpFlags = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false, ae: false, ...set };
  return tcpFlagsFromBits(tcpFlagBits(all));
}

type Need<T, K extends keyof T> = Partial<T> & Pick<T, K>;

/** IPv4 header defaults: TTL 64, DF set (Linux sets DF on TCP when PMTU discovery is on), protocol TCP. */
export function ipv4(p: Need<Omit<Ipv4Repr, "version">, "src" | "dst">): Ipv4Repr {
  return {
    version: 4,
    src: p.src,
    dst: p.dst,
    protocol: p.protocol ?? IPPROTO_TCP,
    ttl: p.ttl ?? 64,
    tos: p.tos ?? 0,
    id: p.id ?? 0,
    dontFragment: p.dontFragment ?? true,
    moreFragments: p.moreFragments ?? false,
    fragmentOffset: p.fragmentOffset ?? 0,
    options: p.options ?? EMPTY,
  };
}

/** IPv6 header defaults: hop limit 64, no extension headers, protocol TCP. */
export function ipv6(p: Need<Omit<Ipv6Repr, "version">, "src" | "dst">): Ipv6Repr {
  return {
    version: 6,
    src: p.src,
    dst: p.dst,
    protocol: p.protocol ?? IPPROTO_TCP,
    hopLimit: p.hopLimit ?? 64,
    trafficClass: p.trafficClass ?? 0,
    flowLabel: p.flowLabel ?? 0,
    extensionHeaders: p.extensionHeaders ?? [],
  };
}

/** An IPv4 or IPv6 header, chosen by the address text. */
export function ipFor(src: string, dst: string): IpRepr {
  return parseIpv4(src) !== undefined ? ipv4({ src, dst }) : ipv6({ src, dst });
}

/** TCP defaults: no flags, seq/ack 0, window 65535, no options, no payload. */
export function tcp(p: Partial<Omit<TcpRepr, "flags">> & { flags?: Partial<TcpFlags> } = {}): TcpRepr {
  const repr: TcpRepr = {
    srcPort: p.srcPort ?? 0,
    dstPort: p.dstPort ?? 0,
    seq: p.seq ?? (0 as Seq),
    ack: p.ack ?? (0 as Seq),
    flags: tcpFlags(p.flags),
    window: p.window ?? 65535,
    urgentPointer: p.urgentPointer ?? 0,
    options: p.options ?? [],
    payload: p.payload ?? EMPTY,
  };
  return p.reservedBits ? { ...repr, reservedBits: p.reservedBits } : repr;
}

export function udp(p: Partial<UdpRepr> = {}): UdpRepr {
  return { srcPort: p.srcPort ?? 0, dstPort: p.dstPort ?? 0, payload: p.payload ?? EMPTY };
}

/** ICMP defaults: echo request (v4 type 8, v6 type 128), code 0. */
export function icmp(p: Need<IcmpRepr, "version">): IcmpRepr {
  return {
    version: p.version,
    type: p.type ?? (p.version === 4 ? 8 : 128),
    code: p.code ?? 0,
    rest: p.rest ?? 0,
    payload: p.payload ?? EMPTY,
  };
}

function withProtocol(ip: IpRepr, protocol: number): IpRepr {
  return ip.protocol === protocol ? ip : { ...ip, protocol };
}

/** A TCP packet; the IP protocol field is set to match. */
export function tcpPacket(ip: IpRepr, segment: TcpRepr): PacketRepr {
  return { ip: withProtocol(ip, IPPROTO_TCP), l4: { protocol: "tcp", tcp: segment } };
}

export function udpPacket(ip: IpRepr, datagram: UdpRepr): PacketRepr {
  return { ip: withProtocol(ip, IPPROTO_UDP), l4: { protocol: "udp", udp: datagram } };
}

/** An ICMP packet; ICMPv4 over IPv4, ICMPv6 over IPv6, whatever `message.version` says. */
export function icmpPacket(ip: IpRepr, message: Omit<IcmpRepr, "version"> | IcmpRepr): PacketRepr {
  return {
    ip: withProtocol(ip, ip.version === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6),
    l4: { protocol: "icmp", icmp: { ...message, version: ip.version } },
  };
}
