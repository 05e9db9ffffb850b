/**
 * Arming the retransmission-family timer (one per socket, like icsk_retransmit_timer): RTO,
 * tail loss probe or zero-window probe. Deadlines only; timers.ts fires them.
 */
import type { Host } from "./host";
import type { Socket, Tcb } from "./socket";

/** tcp_skb_pcount: a TSO segment counts as the MSS-sized segments it will be cut into. */
export function pcount(t: Tcb, len: number): number {
  return Math.max(1, Math.ceil(len / t.mssCache));
}

/** packets_out: segments sent and not yet acknowledged. */
export function packetsOut(t: Tcb): number {
  let n = 0;
  for (const r of t.rtx) n += pcount(t, r.len);
  return n;
}

/** tcp_clamp_rto_to_user_timeout: never sleep past TCP_USER_TIMEOUT. */
export function clampRtoToUserTimeout(h: Host, s: Socket, t: Tcb, rto: number): number {
  const ut = s.opts.userTimeout;
  if (!ut || t.retransStamp < 0) return rto;
  const remaining = ut - (h.now - t.retransStamp);
  if (remaining <= 0) return h.jiffy;
  return Math.min(rto, remaining);
}

/** The backed-off RTO the timer uses (icsk_rto already doubled by the timer handler). */
export function currentRto(t: Tcb): number {
  return t.rto;
}

/** tcp_rearm_rto: arm RTO from now, or clear when nothing is in flight. */
export function rearmRto(h: Host, s: Socket, t: Tcb): void {
  if (packetsOut(t) === 0) {
    if (t.rtxTimer?.kind !== "probe0") t.rtxTimer = null;
    return;
  }
  let rto = t.rto;
  if (t.rtxTimer?.kind === "loss-probe") {
    // Offset the time already spent waiting for the probe (tcp_rto_delta_us).
    rto = Math.max(rtoDelta(h, t), 1);
  }
  t.rtxTimer = { at: h.now + clampRtoToUserTimeout(h, s, t, rto), kind: "retrans" };
}

/** tcp_rto_delta_us: time left until the head segment's RTO would expire. */
export function rtoDelta(h: Host, t: Tcb): number {
  const head = t.rtx[0];
  if (!head) return t.rto;
  return head.lastSent + t.rto - h.now;
}

/**
 * tcp_schedule_loss_probe (RFC 8985 §7.2): PTO = 2·SRTT, plus rto_min when one segment is out
 * (it may be waiting for a delayed ACK), or 2 ms; never later than the RTO would fire.
 */
export function scheduleLossProbe(h: Host, s: Socket, t: Tcb, advancingRto: boolean): boolean {
  const sys = h.profile.sysctl;
  if (!h.profile.features.tailLossProbe) return false;
  if ((sys.tcp_early_retrans !== 3 && sys.tcp_early_retrans !== 4) || packetsOut(t) === 0 || !t.sackOk) return false;
  if (t.caState !== "open") return false;
  if (s.state === "SYN_SENT" || s.state === "SYN_RECEIVED") return false;
  let timeout: number;
  if (t.srtt8) {
    timeout = t.srtt8 >> 2;
    timeout += packetsOut(t) === 1 ? h.profile.constants.rtoMin : 2000;
  } else {
    timeout = h.profile.constants.timeoutInit;
  }
  const rtoDeltaUs = advancingRto ? t.rto : rtoDelta(h, t);
  if (rtoDeltaUs > 0) timeout = Math.min(timeout, rtoDeltaUs);
  t.rtxTimer = { at: h.now + timeout, kind: "loss-probe" };
  return true;
}

/** tcp_set_xmit_timer: after an ACK that freed data, a loss probe if allowed, else the RTO. */
export function setXmitTimer(h: Host, s: Socket, t: Tcb): void {
  if (!scheduleLossProbe(h, s, t, true)) rearmRto(h, s, t);
}

/** tcp_check_probe_timer: unsent data, nothing in flight, no timer: start the persist timer. */
export function checkProbeTimer(h: Host, t: Tcb): void {
  if (packetsOut(t) === 0 && t.rtxTimer === null) {
    const base = Math.max(t.rto, h.profile.constants.rtoMin);
    t.rtxTimer = { at: h.now + base, kind: "probe0" };
  }
}

/** tcp_packets_in_flight: sent, not acknowledged, not marked lost (lost ones count once resent). */
export function inFlight(t: Tcb): number {
  let n = 0;
  for (const r of t.rtx) if (!r.lost && !r.sacked) n += pcount(t, r.len);
  return n;
}
