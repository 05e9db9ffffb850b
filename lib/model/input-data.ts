/**
 * "Seventh, process the segment text" and "eighth, check the FIN bit" (RFC 9293 §3.10.7.4), as
 * tcp_data_queue / tcp_fin do it, plus the delayed-ACK engine (RFC 1122 §4.2.3.2; Linux
 * tcp_event_data_recv, __tcp_ack_snd_check, tcp_send_delayed_ack): quick ACKs at the start, ATO
 * estimation, pingpong mode, immediate ACKs for out-of-order data, duplicates and filled holes.
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, type Seq } from "../wire/seq";
import type { Host } from "./host";
import { sendAck } from "./output";
import type { RuleId } from "./rules";
import type { Seg } from "./segment";
import type { OooSeg, Socket, Tcb } from "./socket";
import { setState } from "./state";
import { enterTimeWait } from "./time-wait";
import { computeWindow, growWindow, receiveWindow } from "./window";

export function inQuickAckMode(t: Tcb): boolean {
  return t.ack.quick > 0 && t.ack.pingpong === 0;
}

function scheduleAck(h: Host, t: Tcb): void {
  if (!t.ack.scheduled) t.ack.dueSince = h.now;
  t.ack.scheduled = true;
}

/** tcp_incr_quickack: allow up to rcv_wnd / (2·rcv_mss) immediate ACKs (at most `max`). */
function incrQuickack(t: Tcb, max: number): void {
  let q = Math.floor(t.rcvWnd / (2 * t.ack.rcvMss));
  if (q === 0) q = 2;
  q = Math.min(q, max);
  if (q > t.ack.quick) t.ack.quick = q;
}

/** tcp_enter_quickack_mode. */
export function enterQuickack(h: Host, t: Tcb): void {
  incrQuickack(t, h.profile.constants.maxQuickacks);
  t.ack.pingpong = 0;
  t.ack.ato = h.profile.constants.atoMin;
}

/** tcp_measure_rcv_mss, simplified: learn the peer's segment size; small segments mark PUSHED. */
function measureRcvMss(t: Tcb, seg: Seg): void {
  const len = seg.dataLen;
  if (len >= t.ack.rcvMss) {
    t.ack.rcvMss = Math.min(len, t.advMss);
    t.ack.pushed = true;
  } else {
    if (t.ack.pushed) t.ack.pushed2 = true;
    t.ack.pushed = true;
  }
}

/** tcp_event_data_recv: new in-order data arrived. */
function eventDataRecv(h: Host, s: Socket, t: Tcb, seg: Seg): void {
  const c = h.profile.constants;
  scheduleAck(h, t);
  measureRcvMss(t, seg);
  if (!t.ack.ato) {
    incrQuickack(t, c.maxQuickacks);
    t.ack.ato = c.atoMin;
  } else {
    const m = h.now - t.ack.lrcvtime;
    if (m <= c.atoMin / 2) {
      t.ack.ato = (t.ack.ato >> 1) + c.atoMin / 2;
    } else if (m < t.ack.ato) {
      t.ack.ato = Math.min((t.ack.ato >> 1) + m, t.rto);
    } else if (m > t.rto) {
      incrQuickack(t, c.maxQuickacks);
    }
  }
  t.ack.lrcvtime = h.now;
  t.lastDataRecv = h.now;
  growWindow(h, s, t, seg.dataLen);
}

function queueInOrder(t: Tcb, data: Uint8Array): void {
  if (data.length === 0) return;
  t.rcvQueue.push(data);
  t.rcvQueueLen += data.length;
  t.rcvNxt = seqAdd(t.rcvNxt, data.length);
  t.bytesReceived += data.length;
}

/** tcp_fin: the peer has finished sending. */
export function tcpFin(h: Host, s: Socket, t: Tcb): void {
  scheduleAck(h, t);
  s.shutdown |= 1;
  s.done = true;
  switch (s.state) {
    case "SYN_RECEIVED":
    case "ESTABLISHED":
      setState(h, s, "CLOSE_WAIT", "segment-arrives/fin");
      t.ack.pingpong = Math.max(t.ack.pingpong, 1);
      break;
    case "CLOSE_WAIT":
    case "CLOSING":
    case "LAST_ACK":
      break;
    case "FIN_WAIT_1":
      sendAck(h, s, "segment-arrives/fin-wait-1/fin");
      setState(h, s, "CLOSING", "segment-arrives/fin-wait-1/fin");
      break;
    case "FIN_WAIT_2":
      sendAck(h, s, "segment-arrives/fin-wait-2/fin");
      enterTimeWait(h, s, "TIME_WAIT", 0, "segment-arrives/fin-wait-2/fin");
      break;
    default:
      break;
  }
  t.ooo = [];
}

function addDsack(t: Tcb, left: Seq, right: Seq): void {
  if (t.sackOk) t.dsack = { left, right };
}

/** Insert an out-of-order segment, merging overlaps (tcp_data_queue_ofo). */
function queueOutOfOrder(t: Tcb, seq: Seq, data: Uint8Array, fin: boolean): void {
  t.oooTouch++;
  const end = seqAdd(seq, data.length);
  for (const o of t.ooo) {
    const oEnd = seqAdd(o.seq, o.data.length);
    if (seqLe(o.seq, seq) && seqGe(oEnd, end)) {
      addDsack(t, seq, end);
      o.touched = t.oooTouch;
      o.fin ||= fin && oEnd === end;
      return;
    }
  }
  t.ooo.push({ seq, data, fin, touched: t.oooTouch });
  t.ooo.sort((a, b) => seqDiff(a.seq, b.seq));
  // Coalesce overlapping or adjacent pieces into single ranges.
  const merged: OooSeg[] = [];
  for (const o of t.ooo) {
    const last = merged[merged.length - 1];
    if (last) {
      const lastEnd = seqAdd(last.seq, last.data.length);
      if (seqLe(o.seq, lastEnd)) {
        const oEnd = seqAdd(o.seq, o.data.length);
        if (seqGt(oEnd, lastEnd)) {
          const tail = o.data.subarray(seqDiff(lastEnd, o.seq));
          const joined = new Uint8Array(last.data.length + tail.length);
          joined.set(last.data);
          joined.set(tail, last.data.length);
          last.data = joined;
          last.fin = o.fin;
        }
        last.touched = Math.max(last.touched, o.touched);
        continue;
      }
    }
    merged.push({ ...o });
  }
  t.ooo = merged;
}

/** tcp_ofo_queue: move what became in-order to the receive queue. */
function drainOutOfOrder(h: Host, s: Socket, t: Tcb): void {
  while (t.ooo.length > 0) {
    const o = t.ooo[0]!;
    if (seqGt(o.seq, t.rcvNxt)) break;
    t.ooo.shift();
    const end = seqAdd(o.seq, o.data.length);
    if (seqLe(end, t.rcvNxt) && !o.fin) {
      addDsack(t, o.seq, end);
      continue;
    }
    if (seqLt(o.seq, t.rcvNxt)) addDsack(t, o.seq, t.rcvNxt);
    queueInOrder(t, o.data.subarray(Math.max(0, seqDiff(t.rcvNxt, o.seq))));
    if (o.fin) {
      t.rcvNxt = seqAdd(t.rcvNxt, 1);
      tcpFin(h, s, t);
      return;
    }
  }
}

/**
 * tcp_data_queue. Returns the rule that describes what happened to the text (or null for a
 * segment without text or FIN).
 */
export function dataQueue(h: Host, s: Socket, t: Tcb, seg: Seg): RuleId | null {
  let data = seg.tcp.payload;
  const fin = seg.fin;
  const end = seg.end;
  if (data.length === 0 && !fin) {
    // A bare SYN(-ACK) again after the handshake (crossed SYN-ACKs): a duplicate to re-ACK.
    if (seg.syn && seqLe(end, t.rcvNxt)) {
      enterQuickack(h, t);
      scheduleAck(h, t);
      return "segment-arrives/data-duplicate";
    }
    return null;
  }
  let start = seg.syn ? seqAdd(seg.seq, 1) : seg.seq;
  if (start === t.rcvNxt || (seqLt(start, t.rcvNxt) && seqGt(end, t.rcvNxt))) {
    if (seqLt(start, t.rcvNxt)) {
      // Partly old: report the duplicate part, keep the rest.
      addDsack(t, start, t.rcvNxt);
      data = data.subarray(seqDiff(t.rcvNxt, start));
      start = t.rcvNxt;
    }
    if (receiveWindow(t) === 0 && !(data.length === 0 && fin)) {
      enterQuickack(h, t);
      scheduleAck(h, t);
      return "segment-arrives/zero-window-drop";
    }
    queueInOrder(t, data);
    if (data.length > 0) eventDataRecv(h, s, t, seg);
    if (fin) {
      t.rcvNxt = seqAdd(t.rcvNxt, 1);
      tcpFin(h, s, t);
    }
    if (t.ooo.length > 0) {
      drainOutOfOrder(h, s, t);
      // RFC 5681 §4.2: ACK at once when a hole is filled.
      if (t.ooo.length === 0) t.ack.now = true;
    }
    return fin ? "segment-arrives/fin" : "segment-arrives/data";
  }
  if (seqLe(end, t.rcvNxt)) {
    addDsack(t, start, end);
    enterQuickack(h, t);
    scheduleAck(h, t);
    return "segment-arrives/data-duplicate";
  }
  if (seqGe(start, seqAdd(t.rcvNxt, receiveWindow(t)))) {
    enterQuickack(h, t);
    scheduleAck(h, t);
    return "segment-arrives/zero-window-drop";
  }
  queueOutOfOrder(t, start, data, fin);
  scheduleAck(h, t);
  return "segment-arrives/data-out-of-order";
}

/** tcp_send_delayed_ack: arm (or keep the earlier) delayed-ACK deadline. */
function sendDelayedAck(h: Host, s: Socket, t: Tcb): void {
  const c = h.profile.constants;
  let ato = t.ack.ato;
  if (ato > c.delackMin) {
    let maxAto = 500_000;
    if (t.ack.pingpong > 0 || t.ack.pushed) maxAto = c.delackMax;
    if (t.srtt8) {
      const rtt = Math.max(t.srtt8 >> 3, c.delackMin);
      if (rtt < maxAto) maxAto = rtt;
    }
    ato = Math.min(ato, maxAto);
  }
  ato = Math.min(ato, c.delackMax);
  // A timer never fires before the next tick: with ATO 0 (no data received yet) the ACK leaves
  // one jiffy later, so a close() right after the peer's FIN still piggybacks it (T6).
  let timeout = h.now + Math.max(ato, h.jiffy);
  if (t.ack.timer !== null) {
    if (t.ack.timer <= h.now + (ato >> 2)) {
      sendAck(h, s, "output/ack");
      return;
    }
    if (timeout >= t.ack.timer) timeout = t.ack.timer;
  }
  t.ack.timer = timeout;
}

/** __tcp_ack_snd_check: ACK now, later, or (out-of-order with SACK) compressed. */
export function ackSndCheck(h: Host, s: Socket, t: Tcb): void {
  if (!t.ack.scheduled) return;
  if ((seqDiff(t.rcvNxt, t.rcvWup) > t.ack.rcvMss && computeWindow(h, s, t) >= t.rcvWnd) ||
      inQuickAckMode(t) || t.ack.now || s.opts.quickack) {
    sendAck(h, s, "output/ack");
    return;
  }
  if (t.ooo.length === 0) {
    sendDelayedAck(h, s, t);
    return;
  }
  if (!t.sackOk) {
    sendAck(h, s, "output/ack");
    return;
  }
  if (t.ack.compressedAckRcvNxt !== t.rcvNxt) {
    t.ack.compressedAckRcvNxt = t.rcvNxt;
    t.ack.dupAckCounter = 0;
  }
  if (t.ack.dupAckCounter < 3) {
    t.ack.dupAckCounter++;
    sendAck(h, s, "output/ack");
    return;
  }
  // SACK compression (tcp_comp_sack_delay_ns): hold further dup ACKs briefly.
  const rtt = t.srtt8 ? (t.srtt8 >> 3) / 20 : Infinity;
  const delay = Math.min(h.profile.sysctl.tcp_comp_sack_delay_ns / 1000, rtt);
  if (t.ack.timer === null || t.ack.timer > h.now + delay) t.ack.timer = h.now + delay;
}
