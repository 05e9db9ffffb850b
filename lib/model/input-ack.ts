/**
 * Processing SEG.ACK (RFC 9293 §3.10.7.4 "fifth, check the ACK field"; Linux tcp_ack): the
 * acceptability test with RFC 5961 §5.2's too-old bound, the send-window update (RFC 9293
 * §3.10.7.4 SND.WL1/WL2 rule), freeing acknowledged data with an RTT sample (Karn's rule, with
 * the timestamp fallback), re-arming RTO or loss probe, and congestion window growth.
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from "../wire/seq";
import type { Host } from "./host";
import { effectiveMss } from "./options";
import type { Seg } from "./segment";
import type { Socket, Tcb } from "./socket";
import { rttSample } from "./window";
import { packetsOut, pcount, setXmitTimer } from "./xmit-timer";
import { wndEnd } from "./output";

export type AckVerdict = "ok" | "old" | "unsent" | "too-old";

/** tcp_replace_ts_recent: remember the peer's TSval if the segment is the next in order. */
export function replaceTsRecent(h: Host, t: Tcb, seg: Seg): void {
  const ts = seg.opts.ts;
  if (!ts || !t.tsOk) return;
  if (seqGt(seg.seq, t.rcvWup)) return;
  if (((t.tsRecent - ts.val) | 0) <= 0 || t.tsRecentStamp < 0) {
    t.tsRecent = ts.val;
    t.tsRecentStamp = h.now;
  }
}

/** tcp_may_update_window (RFC 9293's SND.WL1/SND.WL2 test, Linux form). */
function mayUpdateWindow(t: Tcb, seg: Seg, nwin: number): boolean {
  return seqGt(seg.ack, t.sndUna) || seqGt(seg.seq, t.sndWl1) || (seg.seq === t.sndWl1 && (nwin > t.sndWnd || nwin === 0));
}

function updateWindow(h: Host, t: Tcb, seg: Seg): void {
  const nwin = seg.syn ? seg.window : seg.window * 2 ** t.sndWscale;
  if (mayUpdateWindow(t, seg, nwin)) {
    t.sndWl1 = seg.seq;
    t.sndWl2 = seg.ack;
    if (t.sndWnd !== nwin) {
      t.sndWnd = nwin;
      if (nwin > t.maxWindow) {
        t.maxWindow = nwin;
        t.mssCache = effectiveMss(h.profile, h.mtu, h.ipVersion, t.mssClamp, t.tsOk, t.maxWindow);
      }
    }
  }
}

/** tcp_clean_rtx_queue: drop what the ACK covers; returns segments freed. */
function cleanRtxQueue(h: Host, t: Tcb, seg: Seg, advanced: boolean): number {
  let freed = 0;
  let karn = false;
  let firstAckt = -1;
  while (t.rtx.length > 0) {
    const r = t.rtx[0]!;
    const end = seqAdd(r.seq, r.len + (r.syn ? 1 : 0) + (r.fin ? 1 : 0));
    if (seqLe(end, seg.ack)) {
      t.rtx.shift();
      freed += pcount(t, r.len);
      if (r.retrans > 0) karn = true;
      else if (firstAckt < 0) firstAckt = r.lastSent;
      continue;
    }
    if (seqLt(r.seq, seg.ack) && r.len > 0) {
      // Partially acknowledged: keep the rest (tcp_trim_head).
      const cut = seqDiff(seg.ack, r.seq) - (r.syn ? 1 : 0);
      r.seq = seg.ack;
      r.len -= cut;
      r.syn = false;
    }
    break;
  }
  let sample = -1;
  if (freed > 0 || advanced) {
    if (!karn && firstAckt >= 0) sample = h.now - firstAckt;
    else if (seg.opts.ts && t.tsOk && seg.opts.ts.ecr !== 0) {
      // Karn's rule forbids a sample from retransmitted data; the echoed timestamp does not.
      const deltaMs = ((Math.floor(h.now / 1000) + t.tsOffset - seg.opts.ts.ecr) >>> 0);
      if (deltaMs < 0x7fffffff / 1000) sample = Math.max(deltaMs, 1) * 1000;
    }
  }
  if (sample >= 0) {
    rttSample(h, t, sample);
  }
  if (!t.rtx.some((r) => r.retrans > 0)) t.retransStamp = -1;
  return freed;
}

/** tcp_is_cwnd_limited. */
function cwndLimited(t: Tcb): boolean {
  if (t.isCwndLimited) return true;
  if (t.cwnd < t.ssthresh) return t.cwnd < 2 * t.maxPacketsOut;
  return false;
}

/** tcp_cong_avoid (Reno shape; the kernel's bbr/cubic differ — see the model's README notes). */
function congAvoid(t: Tcb, acked: number): void {
  if (!cwndLimited(t)) return;
  if (t.cwnd < t.ssthresh) {
    const room = Math.min(acked, Math.max(0, t.ssthresh - t.cwnd));
    t.cwnd += room;
    acked -= room;
    if (acked <= 0) return;
  }
  t.cwndCnt += acked;
  if (t.cwndCnt >= t.cwnd) {
    t.cwndCnt -= t.cwnd;
    t.cwnd++;
  }
}

/** tcp_ack_probe: an ACK while the persist timer runs — stop it if the window opened. */
function ackProbe(h: Host, t: Tcb): void {
  if (seqGe(t.sndNxt, t.writeSeq)) return;
  if (t.rtxTimer?.kind !== "probe0") return;
  const nextLen = Math.min(t.mssCache, Math.max(1, seqDiff(t.writeSeq, t.sndNxt)));
  if (seqLe(seqAdd(t.sndNxt, nextLen), wndEnd(t))) {
    t.backoff = 0;
    t.probesOut = 0;
    t.rtxTimer = null;
  } else {
    t.rtxTimer = { at: h.now + Math.min(t.rto * 2 ** t.backoff, h.profile.constants.rtoMax), kind: "probe0" };
  }
}

/**
 * tcp_ack for a synchronized socket. "unsent" and "too-old" mean: drop the segment (the caller
 * decides about a challenge ACK); "old" means an old duplicate ACK, processing continues.
 */
export function tcpAck(h: Host, s: Socket, t: Tcb, seg: Seg): AckVerdict {
  const priorUna = t.sndUna;
  if (seqLt(seg.ack, priorUna)) {
    const maxWindow = Math.min(t.maxWindow, t.bytesAcked);
    if (seqLt(seg.ack, seqAdd(priorUna, -maxWindow))) return "too-old";
    return "old";
  }
  if (seqGt(seg.ack, t.sndNxt)) return "unsent";
  const advanced = seqGt(seg.ack, priorUna);
  if (advanced) t.retransmits = 0;
  replaceTsRecent(h, t, seg);
  const priorPackets = packetsOut(t);
  updateWindow(h, t, seg);
  if (advanced) {
    t.bytesAcked += seqDiff(seg.ack, priorUna);
    t.sndUna = seg.ack;
    freeSendBuffer(t);
  }
  t.rcvTstamp = h.now;
  t.probesOut = 0;
  if (priorPackets === 0) {
    ackProbe(h, t);
    return "ok";
  }
  const freed = cleanRtxQueue(h, t, seg, advanced);
  if (freed > 0 || advanced) {
    if (t.tlpHighSeq !== null && seqGe(seg.ack, t.tlpHighSeq)) t.tlpHighSeq = null;
    if (t.caState === "loss" && seqGe(t.sndUna, t.highSeq)) t.caState = "open";
    congAvoid(t, Math.max(freed, 1));
    if (packetsOut(t) === 0) {
      if (t.rtxTimer?.kind !== "probe0") t.rtxTimer = null;
      t.backoff = 0;
    } else {
      setXmitTimer(h, s, t);
    }
  }
  return "ok";
}

/** Drop acknowledged bytes from the send buffer. */
export function freeSendBuffer(t: Tcb): void {
  const acked = seqDiff(t.sndUna, t.sndBufSeq);
  if (acked <= 0) return;
  const n = Math.min(acked, t.sndBufLen);
  if (n > 0) {
    t.sndBuf.copyWithin(0, n, t.sndBufLen);
    t.sndBufLen -= n;
  }
  t.sndBufSeq = seqAdd(t.sndBufSeq, n);
  t.pushMarks = t.pushMarks.filter((m) => seqGt(m, t.sndUna));
}

/** The SYN-ACK's ACK in SYN_SENT: our SYN is done (tcp_ack with FLAG_SLOWPATH). */
export function ackSynAcked(h: Host, t: Tcb, seg: Seg): void {
  t.retransmits = 0;
  t.sndUna = seg.ack;
  t.bytesAcked += 1;
  cleanRtxQueue(h, t, seg, true);
  t.rcvTstamp = h.now;
  if (packetsOut(t) === 0) t.rtxTimer = null;
  t.backoff = 0;
  t.retransStamp = -1;
}
