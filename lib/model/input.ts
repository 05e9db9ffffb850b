/**
 * SEGMENT ARRIVES (RFC 9293 §3.10.7): find who owns the segment — a connection by 4-tuple (full
 * socket, request or timewait socket), else a listener on the port — and hand it over; with no
 * owner, answer with a reset (§3.10.7.1, the CLOSED state).
 */
import { canonicalAddress } from "../wire/address";
import type { PacketRepr } from "../wire/types";
import type { Host } from "./host";
import { listenArrives, requestArrives } from "./listener";
import { sendResetFor, tupleOf } from "./packet";
import { parseSegment, type Seg } from "./segment";
import type { Socket } from "./socket";
import { synSentArrives } from "./input-syn-sent";
import { syncArrives } from "./input-sync";
import { timeWaitArrives } from "./time-wait";

function sameAddr(a: string, b: string): boolean {
  return (canonicalAddress(a) ?? a) === b;
}

export function segmentArrives(h: Host, packet: PacketRepr): void {
  if (packet.l4.protocol !== "tcp" || packet.ip.version !== h.ipVersion ||
      !sameAddr(packet.ip.dst, h.localIp) || !sameAddr(packet.ip.src, h.remoteIp)) {
    h.drop(null, "segment-arrives/not-for-us");
    return;
  }
  const seg = parseSegment(packet.l4.tcp);
  const conn = h.lookupConn(tupleOf(h, seg));
  if (conn) {
    switch (conn.kind) {
      case "request":
        requestArrives(h, conn, seg);
        return;
      case "socket":
        if (conn.tw) timeWaitArrives(h, conn, seg);
        else socketArrives(h, conn, seg);
        return;
    }
  }
  const listener = h.findListener(seg.tcp.dstPort);
  if (listener) {
    listenArrives(h, listener, seg);
    return;
  }
  closedArrives(h, seg);
}

/** RFC 9293 §3.10.7.1: no TCB. Reset everything but a reset. */
export function closedArrives(h: Host, seg: Seg): void {
  if (seg.rst) {
    h.drop(null, "segment-arrives/closed/drop-rst");
    return;
  }
  sendResetFor(h, seg, seg.hasAck ? "segment-arrives/closed/rst-for-ack" : "segment-arrives/closed/rst-ack");
}

export function socketArrives(h: Host, s: Socket, seg: Seg): void {
  const t = s.tcb;
  if (!t) {
    closedArrives(h, seg);
    return;
  }
  t.segsIn++;
  switch (s.state) {
    case "SYN_SENT":
      synSentArrives(h, s, t, seg);
      return;
    case "CLOSED":
    case "LISTEN":
      closedArrives(h, seg);
      return;
    default:
      syncArrives(h, s, t, seg);
  }
}
