/**
 * Turning a segment the model decided to send into a `PacketRepr`, and handing it to the host's
 * event queue. Also the stateless replies that need no connection: resets for segments nobody owns
 * (tcp_v4_send_reset) and ACKs on behalf of requests and timewait sockets (tcp_v4_send_ack).
 */
import { seq, seqAdd, type Seq } from "../wire/seq";
import type { IpRepr, TcpFlags, TcpOption } from "../wire/types";
import type { Host } from "./host";
import { buildOptions } from "./options";
import type { RuleId } from "./rules";
import type { Seg } from "./segment";
import type { Tuple } from "./socket";
import type { LooseField } from "./types";

export function flags(set: Partial<TcpFlags>): TcpFlags {
  return {
    fin: set.fin ?? false,
    syn: set.syn ?? false,
    rst: set.rst ?? false,
    psh: set.psh ?? false,
    ack: set.ack ?? false,
    urg: set.urg ?? false,
    ece: set.ece ?? false,
    cwr: set.cwr ?? false,
    ae: set.ae ?? false,
  };
}

function ipHeader(h: Host, tos: number): IpRepr {
  if (h.ipVersion === 6) {
    return {
      version: 6, src: h.localIp, dst: h.remoteIp, protocol: 6, hopLimit: h.ttl,
      trafficClass: tos, flowLabel: 0, extensionHeaders: [],
    };
  }
  return {
    version: 4, src: h.localIp, dst: h.remoteIp, protocol: 6, ttl: h.ttl, tos, id: 0,
    dontFragment: true, moreFragments: false, fragmentOffset: 0, options: new Uint8Array(0),
  };
}

export interface OutSegment {
  readonly seq: Seq;
  readonly ack: Seq;
  readonly flags: Partial<TcpFlags>;
  readonly window: number;
  readonly options: readonly TcpOption[];
  readonly payload?: Uint8Array;
  /** IP TOS / traffic class (ECN codepoint). */
  readonly tos?: number;
}

export interface EmitExtra {
  readonly timeRange?: { earliest: number; latest: number };
  /** The window is a value the model computes but cannot promise (after the handshake). */
  readonly looseWindow?: boolean;
}

export function emitSegment(h: Host, conn: number | null, t: Tuple, s: OutSegment, rule: RuleId, extra: EmitExtra = {}): void {
  const loose: LooseField[] = [];
  if (extra.looseWindow) loose.push("window");
  if (h.ipVersion === 6) loose.push("ipv6.flowLabel");
  else loose.push("ip.id");
  h.pushEvent({
    kind: "packet",
    time: h.now,
    rule,
    ...(conn !== null ? { conn } : {}),
    ...(extra.timeRange ? { timeRange: extra.timeRange } : {}),
    loose,
    packet: {
      ip: ipHeader(h, s.tos ?? 0),
      l4: {
        protocol: "tcp",
        tcp: {
          srcPort: t.localPort,
          dstPort: t.remotePort,
          seq: s.seq,
          ack: s.ack,
          flags: flags(s.flags),
          window: s.window & 0xffff,
          urgentPointer: 0,
          options: s.options,
          payload: s.payload ?? new Uint8Array(0),
        },
      },
    },
  });
}

/** The tuple of an arriving segment, seen from this host. */
export function tupleOf(h: Host, seg: Seg): Tuple {
  return { localAddr: h.localIp, localPort: seg.tcp.dstPort, remoteAddr: h.remoteIp, remotePort: seg.tcp.srcPort };
}

/**
 * tcp_v4_send_reset / RFC 9293 §3.10.7.1: never answer a RST; if the segment had an ACK the reset
 * takes its sequence number from it (`R`), otherwise it acknowledges the segment (`R.` seq 0).
 * No options, window 0.
 */
export function sendResetFor(h: Host, seg: Seg, rule: RuleId, conn: number | null = null): void {
  if (seg.rst) return;
  const t = tupleOf(h, seg);
  if (seg.hasAck) {
    emitSegment(h, conn, t, { seq: seg.ack, ack: seq(0), flags: { rst: true }, window: 0, options: [] }, rule);
  } else {
    const ack = seqAdd(seg.seq, seg.dataLen + (seg.syn ? 1 : 0) + (seg.fin ? 1 : 0));
    emitSegment(h, conn, t, { seq: seq(0), ack, flags: { rst: true, ack: true }, window: 0, options: [] }, rule);
  }
}

/** tcp_v4_send_ack: an ACK on behalf of a request or timewait socket (no SACK blocks). */
export function sendStatelessAck(
  h: Host,
  conn: number,
  t: Tuple,
  a: { seq: Seq; ack: Seq; window: number; ts?: { val: number; ecr: number } },
  rule: RuleId,
): void {
  const options = a.ts ? buildOptions({ ts: a.ts }) : [];
  emitSegment(h, conn, t, { seq: a.seq, ack: a.ack, flags: { ack: true }, window: Math.min(a.window, 65535), options }, rule, { looseWindow: true });
}
