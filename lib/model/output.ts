/**
 * The send path of a full socket (tcp_output.c): SYN and SYN-ACK, pure ACKs and challenge ACKs,
 * active resets, and tcp_write_xmit — pushing queued data and FIN within the peer's window, the
 * congestion window and Nagle. Every segment carries the rule that caused it.
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, type Seq } from "../wire/seq";
import type { Host } from "./host";
import { buildOptions, maxSackBlocks, tsNow } from "./options";
import { emitSegment, type EmitExtra } from "./packet";
import type { RuleId } from "./rules";
import type { Seg } from "./segment";
import type { RtxSeg, Socket, Tcb, Tuple } from "./socket";
import { selectWindow } from "./window";
import { checkProbeTimer, inFlight, packetsOut, rearmRto, scheduleLossProbe } from "./xmit-timer";

export function socketTuple(h: Host, s: Socket): Tuple {
  return { localAddr: h.localIp, localPort: s.local!.port, remoteAddr: s.remote!.addr, remotePort: s.remote!.port };
}

export function wndEnd(t: Tcb): Seq {
  return seqAdd(t.sndUna, t.sndWnd);
}

/** tcp_acceptable_seq: SND.NXT unless the peer shrank its window below it. */
export function acceptableSeq(t: Tcb): Seq {
  const end = wndEnd(t);
  if (seqGe(end, t.sndNxt) || (t.wscaleOk && seqDiff(t.sndNxt, end) < 1 << t.rcvWscale)) return t.sndNxt;
  return end;
}

/** SACK blocks to report: a pending D-SACK first, then out-of-order ranges, most recent first. */
function sackBlocks(t: Tcb): { left: Seq; right: Seq }[] {
  if (!t.sackOk) return [];
  const ranges: { left: Seq; right: Seq; touched: number }[] = [];
  for (const o of t.ooo) {
    const right = seqAdd(o.seq, o.data.length + (o.fin ? 1 : 0));
    const last = ranges[ranges.length - 1];
    if (last && seqLe(o.seq, last.right)) {
      if (seqGt(right, last.right)) last.right = right;
      last.touched = Math.max(last.touched, o.touched);
    } else {
      ranges.push({ left: o.seq, right, touched: o.touched });
    }
  }
  ranges.sort((a, b) => b.touched - a.touched);
  const out: { left: Seq; right: Seq }[] = [];
  if (t.dsack) out.push(t.dsack);
  for (const r of ranges) out.push({ left: r.left, right: r.right });
  return out.slice(0, maxSackBlocks(t.tsOk));
}

/** SYN options: what our sysctls allow (tcp_syn_options), TSecr = TS.Recent. */
function synOptions(h: Host, t: Tcb) {
  const sys = h.profile.sysctl;
  return buildOptions({
    mss: t.advMss,
    ...(sys.tcp_timestamps ? { ts: { val: tsNow(h.now, t.tsOffset), ecr: t.tsRecentStamp >= 0 ? t.tsRecent : 0 } } : {}),
    sackPerm: sys.tcp_sack !== 0,
    ...(sys.tcp_window_scaling ? { wscale: t.rcvWscale } : {}),
  });
}

export interface XmitFields {
  seq: Seq;
  syn?: boolean;
  fin?: boolean;
  rst?: boolean;
  /** ACK flag; default true except on a bare SYN. */
  ack?: boolean;
  psh?: boolean;
  payload?: Uint8Array;
  ece?: boolean;
  cwr?: boolean;
}

/** tcp_transmit_skb: header, window, options; ACK bookkeeping for every segment carrying ACK. */
export function transmit(h: Host, s: Socket, f: XmitFields, rule: RuleId, extra: EmitExtra = {}): void {
  const t = s.tcb!;
  const syn = f.syn ?? false;
  const ackFlag = f.ack ?? !(syn && s.state === "SYN_SENT");
  const payload = f.payload ?? new Uint8Array(0);
  let window: number;
  let options;
  if (syn) {
    window = Math.min(t.rcvWnd, 65535);
    options = synOptions(h, t);
  } else {
    window = selectWindow(h, s, t);
    const blocks = f.rst ? [] : sackBlocks(t);
    options = buildOptions({
      ...(t.tsOk ? { ts: { val: tsNow(h.now, t.tsOffset), ecr: t.tsRecent } } : {}),
      sackBlocks: blocks,
    });
    if (blocks.length > 0) t.dsack = null;
  }
  const ect = t.ecnOk && payload.length > 0 && !syn && seqGe(f.seq, t.sndNxt);
  emitSegment(h, s.id, socketTuple(h, s), {
    seq: f.seq,
    ack: ackFlag ? t.rcvNxt : (0 as Seq),
    flags: { syn, fin: f.fin ?? false, rst: f.rst ?? false, ack: ackFlag, psh: f.psh ?? false, ece: f.ece ?? false, cwr: f.cwr ?? false },
    window,
    options,
    payload,
    tos: ect ? 2 : 0,
  }, rule, { ...extra, looseWindow: !syn });
  t.segsOut++;
  if (ackFlag) ackSent(h, t);
  if (payload.length > 0) dataSent(h, t);
}

/** tcp_event_ack_sent: the owed ACK went out (piggybacked or not). */
export function ackSent(h: Host, t: Tcb): void {
  const a = t.ack;
  if (a.quick) {
    const pkts = a.scheduled ? 1 : 0;
    if (pkts >= a.quick) {
      a.quick = 0;
      a.ato = h.profile.constants.atoMin;
    } else {
      a.quick -= pkts;
    }
  }
  a.scheduled = false;
  a.timer = null;
  a.now = false;
  a.pushed = false;
  a.pushed2 = false;
}

/** tcp_event_data_sent: a quick reply to received data turns on pingpong (delayed-ACK) mode. */
function dataSent(h: Host, t: Tcb): void {
  t.lsndtime = h.now;
  if (h.now - t.ack.lrcvtime < t.ack.ato) t.ack.pingpong++;
}

/** tcp_send_ack. */
export function sendAck(h: Host, s: Socket, rule: RuleId, extra: EmitExtra = {}): void {
  const t = s.tcb!;
  transmit(h, s, { seq: acceptableSeq(t) }, rule, extra);
}

/**
 * tcp_oow_rate_limited: at most one out-of-window ACK per tcp_invalid_ratelimit per socket; data
 * segments (without SYN) are exempt because they cannot be part of an ACK loop. Linux tests
 * seq != end_seq, so a FIN counts as data: every retransmitted FIN reaching TIME_WAIT is re-ACKed
 * (observed), and the exemption leaves the socket's last-ACK stamp untouched.
 */
export function oowRateLimited(h: Host, holder: { lastOowAckTime: number }, seg: Seg | null): boolean {
  if (seg && seg.end !== seg.seq && !seg.syn) return false;
  const limit = h.profile.sysctl.tcp_invalid_ratelimit * 1000;
  if (holder.lastOowAckTime !== 0) {
    const elapsed = h.now - (holder.lastOowAckTime - 1);
    if (elapsed >= 0 && elapsed < limit) return true;
  }
  holder.lastOowAckTime = h.now + 1;
  return false;
}

/** tcp_send_challenge_ack (RFC 5961 §7): per-socket rate limit only (the global one is off). */
export function sendChallengeAck(h: Host, s: Socket, rule: RuleId): void {
  const t = s.tcb!;
  if (oowRateLimited(h, t, null)) {
    h.drop(s, rule);
    return;
  }
  sendAck(h, s, rule);
}

/** tcp_send_active_reset: `R.` seq = acceptable seq, ack = RCV.NXT, with timestamps. */
export function sendActiveReset(h: Host, s: Socket, rule: RuleId): void {
  const t = s.tcb!;
  transmit(h, s, { seq: acceptableSeq(t), rst: true }, rule);
}

/** The SYN (or, in SYN_RECEIVED after a simultaneous open, the SYN-ACK) at ISS. */
export function sendSyn(h: Host, s: Socket, rule: RuleId): void {
  const t = s.tcb!;
  if (t.rtx.length === 0 || !t.rtx[0]!.syn) {
    t.rtx.unshift({ seq: t.iss, len: 0, syn: true, fin: false, firstSent: h.now, lastSent: h.now, retrans: 0, sacked: false });
    t.sndNxt = seqAdd(t.iss, 1);
  }
  const synack = s.state === "SYN_RECEIVED";
  // RFC 3168 §6.1.1: tcp_ecn=1 asks for ECN with ECE|CWR on the first SYN only (a retransmitted
  // SYN drops them, tcp_ecn_fallback).
  const ecn = !synack && h.profile.sysctl.tcp_ecn === 1;
  transmit(h, s, { seq: t.iss, syn: true, ack: synack, ece: ecn, cwr: ecn }, rule);
}

function pshFor(t: Tcb, from: Seq, to: Seq): boolean {
  return t.pushMarks.some((m) => seqGt(m, from) && seqLe(m, to));
}

function bytesAt(t: Tcb, from: Seq, len: number): Uint8Array {
  const off = seqDiff(from, t.sndBufSeq);
  return t.sndBuf.slice(off, off + len);
}

export function dataEnd(t: Tcb): Seq {
  return seqAdd(t.sndBufSeq, t.sndBufLen);
}

/** tcp_minshall_check: a small segment is still unacknowledged. */
function minshall(t: Tcb): boolean {
  return seqGt(t.sndSml, t.sndUna) && seqLe(t.sndSml, t.sndNxt);
}

export type Nagle = "default" | "off" | "cork";

/**
 * tcp_write_xmit: send new data (and a queued FIN) while the congestion window, the peer's window
 * (whole segments only: sender SWS avoidance) and Nagle allow. Returns the number of segments.
 */
export function pushPending(h: Host, s: Socket, rule: RuleId, nagleMode?: Nagle, maxSegs = Infinity): number {
  const t = s.tcb;
  if (!t) return 0;
  if (s.state === "SYN_SENT" || s.state === "SYN_RECEIVED" || s.state === "CLOSED" || s.state === "LISTEN" || s.state === "TIME_WAIT") return 0;
  const nagle: Nagle = nagleMode ?? (s.opts.cork ? "cork" : s.opts.nodelay ? "off" : "default");
  const mss = t.mssCache;
  let sent = 0;
  const priorPackets = packetsOut(t);
  if (t.caState === "loss") sent += retransmitLost(h, s, t, rule);
  const tsoLimit = h.tso ? Math.max(1, Math.floor(65536 / mss) - 1) : 1;
  while (sent < maxSegs) {
    const end = dataEnd(t);
    const remaining = Math.max(0, seqDiff(end, t.sndNxt));
    const finPending = t.finQueued && seqLt(t.sndNxt, t.writeSeq) && remaining === 0;
    if (remaining === 0 && !finPending) break;
    const flying = inFlight(t);
    const finOnly = remaining === 0;
    if (!finOnly && flying >= t.cwnd) {
      t.isCwndLimited = true;
      break;
    }
    let len = Math.min(mss, remaining);
    // Sender SWS avoidance: the first MSS (or what is left) must fit in the offered window.
    if (!finOnly && seqGt(seqAdd(t.sndNxt, len), wndEnd(t))) break;
    if (!finOnly && len < mss && nagle !== "off") {
      const carriesFin = t.finQueued && len === remaining;
      if (!carriesFin && (nagle === "cork" || (packetsOut(t) > 0 && minshall(t)))) break;
    }
    // A TSO device takes several MSS in one go, as far as cwnd and window allow.
    if (tsoLimit > 1 && len === mss) {
      const quota = Math.min(tsoLimit, t.cwnd - flying);
      const room = seqDiff(wndEnd(t), t.sndNxt);
      const more = Math.min(quota * mss, remaining, Math.floor(room / mss) * mss);
      if (more > len) len = more;
    }
    const from = t.sndNxt;
    const fin = t.finQueued && len === remaining;
    const segEnd = seqAdd(from, len);
    const seg: RtxSeg = { seq: from, len, syn: false, fin, firstSent: h.now, lastSent: h.now, retrans: 0, sacked: false };
    t.rtx.push(seg);
    t.sndNxt = seqAdd(segEnd, fin ? 1 : 0);
    if (len < mss && len > 0) t.sndSml = segEnd;
    transmit(h, s, { seq: from, fin, psh: len > 0 && pshFor(t, from, segEnd), payload: len > 0 ? bytesAt(t, from, len) : undefined }, rule);
    sent++;
  }
  if (sent > 0) {
    if (packetsOut(t) > t.maxPacketsOut || seqGe(t.sndUna, t.cwndUsageSeq)) {
      t.maxPacketsOut = packetsOut(t);
      t.cwndUsageSeq = t.sndNxt;
    }
    // tcp_event_new_data_sent: arm the RTO when this is the first thing in flight.
    if (priorPackets === 0 || t.rtxTimer?.kind === "loss-probe" || t.rtxTimer === null || t.rtxTimer.kind === "probe0") rearmRto(h, s, t);
    scheduleLossProbe(h, s, t, false);
  } else if (seqLt(t.sndNxt, t.writeSeq)) {
    checkProbeTimer(h, t);
  }
  return sent;
}

/** tcp_xmit_retransmit_queue after an RTO: resend segments marked lost as cwnd allows. */
function retransmitLost(h: Host, s: Socket, t: Tcb, rule: RuleId): number {
  let n = 0;
  for (const r of t.rtx) {
    if (inFlight(t) >= t.cwnd) break;
    if (!r.lost) continue;
    r.lost = false;
    retransmitSeg(h, s, r, rule);
    n++;
  }
  return n;
}

/** tcp_fragment in the retransmission queue: split `seg` so its first part has `len` bytes. */
function fragment(t: Tcb, seg: RtxSeg, len: number): void {
  if (seg.len <= len) return;
  const i = t.rtx.indexOf(seg);
  const tail: RtxSeg = { ...seg, seq: seqAdd(seg.seq, len), len: seg.len - len };
  seg.len = len;
  seg.fin = false;
  t.rtx.splice(i + 1, 0, tail);
}

/**
 * Resend one queued segment (tcp_retransmit_skb): at most one MSS of it (a TSO burst is split
 * first); the SYN is re-sent with fresh options.
 */
export function retransmitSeg(h: Host, s: Socket, seg: RtxSeg, rule: RuleId): void {
  const t = s.tcb!;
  fragment(t, seg, t.mssCache);
  seg.retrans++;
  seg.lastSent = h.now;
  t.totalRetrans++;
  if (seg.syn) {
    transmit(h, s, { seq: seg.seq, syn: true, ack: s.state === "SYN_RECEIVED" }, rule);
    return;
  }
  const segEnd = seqAdd(seg.seq, seg.len);
  transmit(h, s, {
    seq: seg.seq,
    fin: seg.fin,
    psh: seg.len > 0 && pshFor(t, seg.seq, segEnd),
    payload: seg.len > 0 ? bytesAt(t, seg.seq, seg.len) : undefined,
  }, rule);
}

/**
 * tcp_write_wakeup: with unsent data inside the window send some of it; otherwise an ACK with
 * seq = SND.UNA − 1 that the peer must answer (keepalive and zero-window probes).
 */
export function writeWakeup(h: Host, s: Socket, rule: RuleId): void {
  const t = s.tcb!;
  const end = dataEnd(t);
  if (seqLt(t.sndNxt, end) && seqLt(t.sndNxt, wndEnd(t))) {
    const len = Math.min(t.mssCache, seqDiff(end, t.sndNxt), seqDiff(wndEnd(t), t.sndNxt));
    const from = t.sndNxt;
    const fin = t.finQueued && len === seqDiff(end, t.sndNxt);
    t.rtx.push({ seq: from, len, syn: false, fin, firstSent: h.now, lastSent: h.now, retrans: 0, sacked: false });
    t.sndNxt = seqAdd(from, len + (fin ? 1 : 0));
    transmit(h, s, { seq: from, fin, psh: true, payload: bytesAt(t, from, len) }, rule);
    return;
  }
  transmit(h, s, { seq: seqAdd(t.sndUna, -1) }, rule);
}
