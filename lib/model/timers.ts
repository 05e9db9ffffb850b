/**
 * Firing a full socket's timers (deadlines set elsewhere): retransmission (RTO, with the 6.5+
 * linear SYN timeouts and the ETIMEDOUT budget of T9), tail loss probe, zero-window probe,
 * delayed ACK, keepalive (keepalive.ts) and the timewait lifetime (time-wait.ts).
 */
import { seqAdd, seqDiff, seqLt } from "../wire/seq";
import type { Host } from "./host";
import { fireKeepalive } from "./keepalive";
import { dataEnd, pushPending, retransmitSeg, sendAck, wndEnd, writeWakeup } from "./output";
import type { Socket, Tcb } from "./socket";
import { tcpWriteErr } from "./teardown";
import { fireTimeWait } from "./time-wait";
import { clampRtoToUserTimeout, inFlight, packetsOut, rearmRto } from "./xmit-timer";

type Which = "tw" | "rtx" | "delack" | "keepalive";

function due(s: Socket): { at: number; which: Which } | undefined {
  let best: { at: number; which: Which } | undefined;
  const take = (at: number | null | undefined, which: Which): void => {
    if (at === null || at === undefined) return;
    if (!best || at < best.at) best = { at, which };
  };
  take(s.tw?.expiresAt, "tw");
  take(s.tcb?.rtxTimer?.at, "rtx");
  take(s.tcb?.ack.timer, "delack");
  take(s.keepaliveAt, "keepalive");
  return best;
}

export function nextSocketTimer(s: Socket): number | undefined {
  return due(s)?.at;
}

export function fireSocketTimer(h: Host, s: Socket): void {
  const d = due(s);
  if (!d) return;
  switch (d.which) {
    case "tw":
      fireTimeWait(h, s);
      return;
    case "rtx": {
      const t = s.tcb!;
      const kind = t.rtxTimer!.kind;
      t.rtxTimer = null;
      if (kind === "retrans") retransmitTimer(h, s, t);
      else if (kind === "loss-probe") lossProbe(h, s, t);
      else probeTimer(h, s, t);
      return;
    }
    case "delack":
      s.tcb!.ack.timer = null;
      delackTimer(h, s, s.tcb!);
      return;
    case "keepalive":
      s.keepaliveAt = null;
      fireKeepalive(h, s);
      return;
  }
}

/** tcp_model_timeout: how long `boundary` doubling retransmissions from `rtoBase` would take. */
export function modelTimeout(h: Host, boundary: number, rtoBase: number): number {
  const rtoMax = h.profile.constants.rtoMax;
  const thresh = Math.floor(Math.log2(rtoMax / rtoBase));
  if (boundary <= thresh) return (2 * 2 ** boundary - 1) * rtoBase;
  return (2 * 2 ** thresh - 1) * rtoBase + (boundary - thresh) * rtoMax;
}

function synState(s: Socket): boolean {
  return s.state === "SYN_SENT" || s.state === "SYN_RECEIVED";
}

/** retransmits_timed_out: the time budget since the first retransmitted segment was sent. */
function retransmitsTimedOut(h: Host, s: Socket, t: Tcb, boundary: number, userTimeout: number): boolean {
  if (!t.retransmits || t.retransStamp < 0) return false;
  let timeout = userTimeout;
  if (!timeout) {
    const base = synState(s) ? h.profile.constants.timeoutInit : h.profile.constants.rtoMin;
    timeout = modelTimeout(h, boundary, base);
  }
  return h.now - t.retransStamp - timeout >= 0;
}

/** tcp_orphan_retries: 0 means 8 while the RTO is still below its maximum. */
function orphanRetries(h: Host, alive: boolean): number {
  let retries = h.profile.sysctl.tcp_orphan_retries;
  if (retries === 0 && alive) retries = 8;
  return retries;
}

/**
 * tcp_write_timeout. SYN states: give up after retries (+ tcp_syn_linear_timeouts in SYN_SENT)
 * retransmissions or once the exponential schedule's time budget is spent, whichever is first.
 */
function writeTimeout(h: Host, s: Socket, t: Tcb): boolean {
  const sys = h.profile.sysctl;
  let expired = false;
  let retryUntil: number;
  if (synState(s)) {
    retryUntil = s.opts.synCnt || sys.tcp_syn_retries;
    const max = retryUntil + (s.state === "SYN_SENT" ? sys.tcp_syn_linear_timeouts : 0);
    expired = t.retransmits >= max;
  } else {
    retryUntil = sys.tcp_retries2;
    if (s.dead) retryUntil = orphanRetries(h, t.rto < h.profile.constants.rtoMax);
  }
  if (!expired) expired = retransmitsTimedOut(h, s, t, retryUntil, s.opts.userTimeout);
  if (expired) {
    tcpWriteErr(h, s, synState(s) ? "timer/syn-timeout" : "timer/retransmit-timeout");
    return true;
  }
  return false;
}

/** tcp_enter_loss: everything in flight is presumed lost; cwnd 1, slow start again. */
function enterLoss(t: Tcb): void {
  if (t.caState === "open" || t.caState === "disorder" || t.caState === "recovery") {
    t.ssthresh = Math.max(inFlight(t) >> 1, 2);
  }
  t.cwnd = 1;
  t.cwndCnt = 0;
  for (const r of t.rtx) if (!r.sacked) r.lost = true;
  t.caState = "loss";
  t.highSeq = t.sndNxt;
}

/** tcp_retransmit_timer. */
function retransmitTimer(h: Host, s: Socket, t: Tcb): void {
  if (packetsOut(t) === 0) return;
  t.tlpHighSeq = null;
  if (writeTimeout(h, s, t)) return;
  enterLoss(t);
  t.retransmits++;
  t.totalRto++;
  const head = t.rtx[0]!;
  // retrans_stamp: a SYN's budget runs from the SYN itself (tcp_connect stamps it); otherwise
  // tcp_retransmit_skb stamps the first retransmission after sending it, so the
  // TCP_USER_TIMEOUT / tcp_retries2 budget starts one RTO after the original (observed: a FIN
  // with a 1000 ms user timeout fails ~1.0 s after its first retransmission, not after the FIN).
  if (t.retransStamp < 0) t.retransStamp = head.syn ? head.lastSent : h.now;
  head.lost = false;
  retransmitSeg(h, s, head, head.syn ? "timer/syn-retransmit" : "timer/retransmit");
  const c = h.profile.constants;
  if (s.state !== "SYN_SENT" || t.totalRto > h.profile.sysctl.tcp_syn_linear_timeouts) {
    t.backoff++;
    t.rto = Math.min(t.rto * 2, c.rtoMax);
  }
  t.rtxTimer = { at: h.now + clampRtoToUserTimeout(h, s, t, t.rto), kind: "retrans" };
}

/** tcp_send_loss_probe (RFC 8985 §7.3): new data if possible, else the last segment again. */
function lossProbe(h: Host, s: Socket, t: Tcb): void {
  if (t.tlpHighSeq !== null || packetsOut(t) === 0) {
    rearmRto(h, s, t);
    return;
  }
  const unsent = seqLt(t.sndNxt, dataEnd(t));
  if (unsent && seqLt(seqAdd(t.sndNxt, Math.min(t.mssCache, seqDiff(dataEnd(t), t.sndNxt)) - 1), wndEnd(t))) {
    const before = packetsOut(t);
    const savedCwnd = t.cwnd;
    t.cwnd = Math.max(t.cwnd, inFlight(t) + 1);
    pushPending(h, s, "timer/loss-probe", "off", 1);
    t.cwnd = savedCwnd;
    if (packetsOut(t) > before) {
      t.tlpHighSeq = t.sndNxt;
      t.rtxTimer = null;
    }
    rearmRto(h, s, t);
    return;
  }
  let last = t.rtx[t.rtx.length - 1]!;
  if (last.len > t.mssCache) {
    // Probe with the last MSS only (tcp_fragment).
    const keep = last.len - t.mssCache;
    const tail = { ...last, seq: seqAdd(last.seq, keep), len: t.mssCache };
    last.len = keep;
    last.fin = false;
    t.rtx.push(tail);
    last = tail;
  }
  retransmitSeg(h, s, last, "timer/loss-probe");
  t.tlpHighSeq = t.sndNxt;
  t.rtxTimer = null;
  rearmRto(h, s, t);
}

/** tcp_probe_timer / tcp_send_probe0: the persist timer against a zero window. */
function probeTimer(h: Host, s: Socket, t: Tcb): void {
  if (packetsOut(t) > 0 || !seqLt(t.sndNxt, t.writeSeq)) {
    t.probesOut = 0;
    return;
  }
  const c = h.profile.constants;
  let maxProbes = h.profile.sysctl.tcp_retries2;
  if (s.dead) {
    const alive = Math.min(t.rto * 2 ** t.backoff, c.rtoMax) < c.rtoMax;
    maxProbes = orphanRetries(h, alive);
    if (!alive && t.backoff >= maxProbes) {
      tcpWriteErr(h, s, "timer/retransmit-timeout");
      return;
    }
  }
  if (t.probesOut >= maxProbes) {
    tcpWriteErr(h, s, "timer/retransmit-timeout");
    return;
  }
  writeWakeup(h, s, "timer/zero-window-probe");
  if (packetsOut(t) > 0) {
    t.probesOut = 0;
    t.backoff = 0;
    rearmRto(h, s, t);
    return;
  }
  t.probesOut++;
  if (t.backoff < h.profile.sysctl.tcp_retries2) t.backoff++;
  t.rtxTimer = { at: h.now + Math.min(Math.max(t.rto, c.rtoMin) * 2 ** t.backoff, c.rtoMax), kind: "probe0" };
}

/** tcp_delack_timer_handler: send the owed ACK; a missed delayed ACK inflates ATO or ends pingpong. */
function delackTimer(h: Host, s: Socket, t: Tcb): void {
  if (s.state === "CLOSED" || s.state === "LISTEN" || !t.ack.scheduled) return;
  if (t.ack.pingpong === 0) {
    t.ack.ato = Math.min(t.ack.ato * 2, t.rto);
  } else {
    t.ack.pingpong = 0;
    t.ack.ato = h.profile.constants.atoMin;
  }
  sendAck(h, s, "timer/delayed-ack", { timeRange: { earliest: t.ack.dueSince, latest: h.now } });
}
