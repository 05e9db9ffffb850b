/**
 * TIME_WAIT (T8, T14) and the orphaned FIN_WAIT_2 timewait socket (T13), as
 * tcp_time_wait / tcp_timewait_state_process do them: a fixed 60 s (not 2·MSL), restarted by
 * a retransmitted FIN (which is re-ACKed), killed by an exact RST (RFC 1337 off), reopened by a
 * new SYN with ISS = old SND.NXT + 65537 (RFC 1122 §4.2.2.13).
 */
import { seqAdd, seqGt, seqLt, type Seq } from "../wire/seq";
import type { Host } from "./host";
import { listenArrives } from "./listener";
import { oowRateLimited, socketTuple } from "./output";
import { tsNow } from "./options";
import { sendResetFor, sendStatelessAck } from "./packet";
import type { RuleId } from "./rules";
import type { Seg } from "./segment";
import type { Socket, Tcb } from "./socket";
import { setState } from "./state";
import { clearTimers } from "./teardown";
import { receiveWindow } from "./window";

/** tcp_fin_time: linger2 or tcp_fin_timeout, but at least 3.5 RTO. */
export function finTime(h: Host, s: Socket, t: Tcb): number {
  let fin = s.opts.linger2 > 0 ? s.opts.linger2 : h.profile.sysctl.tcp_fin_timeout * 1_000_000;
  const min = t.rto * 4 - t.rto / 2;
  if (fin < min) fin = min;
  return fin;
}

/** tcp_time_wait: the connection becomes a timewait socket (the fd, if any, sees CLOSE). */
export function enterTimeWait(h: Host, s: Socket, substate: "TIME_WAIT" | "FIN_WAIT_2", timeo: number, rule: RuleId): void {
  const t = s.tcb!;
  const rto = t.rto * 4 - t.rto / 2;
  if (timeo < rto) timeo = rto;
  if (substate === "TIME_WAIT") timeo = h.profile.constants.timewaitLen;
  clearTimers(s);
  t.rtx = [];
  t.lastOowAckTime = 0;
  s.shutdown = 3;
  s.tw = { substate, expiresAt: h.now + timeo, reuse: s.opts.reuseAddr, rcvWnd: receiveWindow(t) };
  if (substate === "TIME_WAIT") setState(h, s, "TIME_WAIT", rule);
}

/** The timewait socket is gone (timer, RST, or a new incarnation took over). */
export function killTimeWait(h: Host, s: Socket, rule: RuleId): void {
  s.tw = null;
  h.removeConn(socketTuple(h, s), s);
  setState(h, s, "CLOSED", rule);
  h.maybeDestroy(s);
}

export function fireTimeWait(h: Host, s: Socket): void {
  const tw = s.tw!;
  killTimeWait(h, s, tw.substate === "TIME_WAIT" ? "time-wait/expire" : "time-wait/fin-wait-2-expire");
}

/**
 * tcp_v4_timewait_ack: SND.NXT / RCV.NXT of the old connection, timestamps, and the window saved
 * when the timewait socket was made (tw_rcv_wnd): a FIN taken in the FIN_WAIT_2 substate advances
 * RCV.NXT but not that window (Linux ACKs it with the full window, not one byte less).
 */
function twAck(h: Host, s: Socket, t: Tcb, rule: RuleId): void {
  sendStatelessAck(h, s.id, socketTuple(h, s), {
    seq: t.sndNxt,
    ack: t.rcvNxt,
    window: Math.floor(s.tw!.rcvWnd / 2 ** t.rcvWscale),
    ...(t.tsOk ? { ts: { val: tsNow(h.now, t.tsOffset), ecr: t.tsRecent } } : {}),
  }, rule);
}

/** TCP_TW_ACK unless rate-limited (tcp_timewait_check_oow_rate_limit). */
function twOowAck(h: Host, s: Socket, t: Tcb, seg: Seg, rule: RuleId): void {
  if (oowRateLimited(h, t, seg)) h.drop(s, rule);
  else twAck(h, s, t, rule);
}

/** tcp_paws_reject: an older timestamp than TS.Recent (RSTs get a grace of one MSL). */
function pawsReject(h: Host, t: Tcb, seg: Seg): boolean {
  const ts = seg.opts.ts;
  if (!ts || !t.tsOk || t.tsRecentStamp < 0) return false;
  if (((t.tsRecent - ts.val) | 0) <= 0) return false;
  if (t.tsRecent === 0) return false;
  if (seg.rst && h.now - t.tsRecentStamp >= 60_000_000) return false;
  return true;
}

/** tcp_in_window. */
function inWindow(seq: Seq, end: Seq, left: Seq, right: Seq): boolean {
  if (seq === left) return true;
  if (seqGt(end, left) && seqLt(seq, right)) return true;
  return seq === right && seq === end;
}

function storeTs(h: Host, t: Tcb, seg: Seg): void {
  if (seg.opts.ts && t.tsOk) {
    t.tsRecent = seg.opts.ts.val;
    t.tsRecentStamp = h.now;
  }
}

export function timeWaitArrives(h: Host, s: Socket, seg: Seg): void {
  const t = s.tcb!;
  const tw = s.tw!;
  const twLen = h.profile.constants.timewaitLen;
  const paws = pawsReject(h, t, seg);
  if (tw.substate === "FIN_WAIT_2") {
    if (paws || !inWindow(seg.seq, seg.end, t.rcvNxt, seqAdd(t.rcvNxt, tw.rcvWnd))) {
      twOowAck(h, s, t, seg, "time-wait/ack");
      return;
    }
    if (seg.rst) {
      killTimeWait(h, s, "time-wait/fin-wait-2-rst");
      return;
    }
    if (seg.syn && !seqLt(seg.seq, t.rcvNxt)) {
      sendResetFor(h, seg, "time-wait/fin-wait-2-data-rst", s.id);
      killTimeWait(h, s, "time-wait/fin-wait-2-data-rst");
      return;
    }
    if (!seg.hasAck || !seqGt(seg.end, t.rcvNxt) || seg.end === seg.seq) {
      h.drop(s, "time-wait/fin-wait-2-dup");
      return;
    }
    if (!seg.fin || seg.end !== seqAdd(t.rcvNxt, 1)) {
      // New data after a half-duplex close: reset (RFC 1122 §4.2.2.13).
      sendResetFor(h, seg, "time-wait/fin-wait-2-data-rst", s.id);
      killTimeWait(h, s, "time-wait/fin-wait-2-data-rst");
      return;
    }
    tw.substate = "TIME_WAIT";
    t.rcvNxt = seg.end;
    storeTs(h, t, seg);
    tw.expiresAt = h.now + twLen;
    setState(h, s, "TIME_WAIT", "time-wait/fin-wait-2-fin");
    twAck(h, s, t, "time-wait/fin-wait-2-fin");
    return;
  }
  // Real TIME_WAIT. In window, only a RST or a bare ACK can arrive.
  if (!paws && seg.seq === t.rcvNxt && (seg.seq === seg.end || seg.rst)) {
    if (seg.rst) {
      if (!h.profile.sysctl.tcp_rfc1337) {
        killTimeWait(h, s, "time-wait/rst-kill");
        return;
      }
      h.drop(s, "time-wait/rst-ignored");
    } else {
      tw.expiresAt = h.now + twLen;
      h.drop(s, "time-wait/in-window-ack");
    }
    storeTs(h, t, seg);
    return;
  }
  if (seg.syn && !seg.rst && !seg.hasAck && !paws &&
      (seqGt(seg.seq, t.rcvNxt) || (seg.opts.ts !== undefined && t.tsOk && ((t.tsRecent - seg.opts.ts.val) | 0) < 0))) {
    let isn = (t.sndNxt + h.profile.constants.twIsnOffset) >>> 0;
    if (isn === 0) isn = 1;
    const listener = h.findListener(s.local!.port);
    if (listener) {
      killTimeWait(h, s, "time-wait/syn-reopen");
      listenArrives(h, listener, seg, isn);
      return;
    }
  }
  if (!seg.rst) {
    if (paws || seg.hasAck) tw.expiresAt = h.now + twLen;
    twOowAck(h, s, t, seg, "time-wait/ack");
    return;
  }
  h.drop(s, "time-wait/rst-ignored");
}
