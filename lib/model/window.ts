/**
 * The receive window we announce (RFC 9293 §3.8.6.2 receiver SWS avoidance, as Linux does it in
 * __tcp_select_window / tcp_select_window) and the RTT estimator / RTO (RFC 6298 with Linux's
 * rttvar floor of tcp_rto_min, tcp_rtt_estimator / __tcp_set_rto).
 */
import { seqAdd, seqDiff, seqGt } from "../wire/seq";
import type { Host } from "./host";
import { rcvBufOf, winFromSpace } from "./options";
import type { Socket, Tcb } from "./socket";

/** Queued-but-unread bytes charged against the receive buffer (truesize ≈ 2 × payload). */
function rmemAlloc(t: Tcb): number {
  let n = t.rcvQueueLen;
  for (const o of t.ooo) n += o.data.length;
  return 2 * n;
}

export function fullSpace(h: Host, s: Socket): number {
  return winFromSpace(h.profile, rcvBufOf(h.profile, s.opts.rcvBuf));
}

/** tcp_space: window that the free part of the receive buffer can back. */
export function freeSpace(h: Host, s: Socket, t: Tcb): number {
  return winFromSpace(h.profile, rcvBufOf(h.profile, s.opts.rcvBuf) - rmemAlloc(t));
}

/** tcp_receive_window: what is left of the window we last announced. */
export function receiveWindow(t: Tcb): number {
  const w = seqDiff(seqAdd(t.rcvWup, t.rcvWnd), t.rcvNxt);
  return w < 0 ? 0 : w;
}

/** __tcp_select_window: the window we would offer now, in bytes. */
export function computeWindow(h: Host, s: Socket, t: Tcb): number {
  let mss = t.ack.rcvMss;
  let free = freeSpace(h, s, t);
  const allowed = fullSpace(h, s);
  const full = Math.min(t.windowClamp, allowed);
  if (mss > full) {
    mss = full;
    if (mss <= 0) return 0;
  }
  if (free < full >> 1) {
    t.ack.quick = 0;
    free = Math.floor(free / (1 << t.rcvWscale)) * (1 << t.rcvWscale);
    if (free < allowed >> 4 || free < mss) return 0;
  }
  if (free > t.rcvSsthresh) free = t.rcvSsthresh;
  if (t.rcvWscale) {
    const unit = 1 << t.rcvWscale;
    return Math.ceil(free / unit) * unit;
  }
  let window = t.rcvWnd;
  if (window <= free - mss || window > free) window = Math.floor(free / mss) * mss;
  else if (mss === full && free > window + (full >> 1)) window = free;
  return window;
}

/**
 * tcp_select_window: never shrink the offered window (unless tcp_shrink_window), remember it as
 * RCV.WND from RCV.NXT, and return the scaled value for the header.
 */
export function selectWindow(h: Host, s: Socket, t: Tcb): number {
  const cur = receiveWindow(t);
  let win = computeWindow(h, s, t);
  if (win < cur && !(h.profile.sysctl.tcp_shrink_window && t.rcvWscale)) {
    const unit = 1 << t.rcvWscale;
    win = Math.ceil(cur / unit) * unit;
  }
  t.rcvWnd = win;
  t.rcvWup = t.rcvNxt;
  const max = !t.rcvWscale && h.profile.sysctl.tcp_workaround_signed_windows ? 32767 : 65535 * 2 ** t.rcvWscale;
  return Math.floor(Math.min(win, max) / 2 ** t.rcvWscale);
}

/** tcp_grow_window, simplified: each full-ish data segment lets the window grow by 2·advmss. */
export function growWindow(h: Host, s: Socket, t: Tcb, len: number): void {
  if (len < 128) return;
  const limit = Math.min(t.windowClamp, freeSpace(h, s, t));
  if (t.rcvSsthresh < limit) t.rcvSsthresh = Math.min(t.rcvSsthresh + 2 * t.advMss, limit);
}

// ---- RTT and RTO ------------------------------------------------------------------------------

/** tcp_rtt_estimator: Linux's variant of RFC 6298 with srtt kept ×8 and rttvar ≥ rto_min. */
export function rttSample(h: Host, t: Tcb, sampleUs: number): void {
  const rtoMin = h.profile.constants.rtoMin;
  let m = Math.max(1, Math.round(sampleUs));
  let srtt = t.srtt8;
  if (srtt !== 0) {
    m -= srtt >> 3;
    srtt += m;
    if (m < 0) {
      m = -m;
      m -= t.mdev >> 2;
      if (m > 0) m >>= 3;
    } else {
      m -= t.mdev >> 2;
    }
    t.mdev += m;
    if (t.mdev > t.mdevMax) {
      t.mdevMax = t.mdev;
      if (t.mdevMax > t.rttvar) t.rttvar = t.mdevMax;
    }
    if (seqGt(t.sndUna, t.rttSeq)) {
      if (t.mdevMax < t.rttvar) t.rttvar -= (t.rttvar - t.mdevMax) >> 2;
      t.rttSeq = t.sndNxt;
      t.mdevMax = rtoMin;
    }
  } else {
    srtt = m << 3;
    t.mdev = m << 1;
    t.rttvar = Math.max(t.mdev, rtoMin);
    t.mdevMax = t.rttvar;
    t.rttSeq = t.sndNxt;
  }
  t.srtt8 = Math.max(1, srtt);
  setRto(h, t);
  // RFC 6298 §5.7 / tcp_ack_update_rtt: a valid sample ends the backoff.
  t.backoff = 0;
}

/** __tcp_set_rto + tcp_bound_rto: RTO = SRTT + RTTVAR (rttvar already ≥ rto_min). */
export function setRto(h: Host, t: Tcb): void {
  const c = h.profile.constants;
  t.rto = Math.min((t.srtt8 >> 3) + t.rttvar, c.rtoMax);
}
