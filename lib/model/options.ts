/**
 * Option negotiation and the numbers derived from it: which options a SYN / SYN-ACK / segment
 * carries and in which order (tcp_options_write), MSS arithmetic (tcp_sync_mss, T17) and the
 * initial receive window and window scale (tcp_select_initial_window).
 */
import type { Seq } from "../wire/seq";
import type { TcpOption } from "../wire/types";
import type { Profile } from "./profiles";

export interface OutOptions {
  mss?: number;
  ts?: { val: number; ecr: number };
  sackPerm?: boolean;
  wscale?: number;
  sackBlocks?: readonly { left: Seq; right: Seq }[];
}

/**
 * Linux writes options in one fixed order, whatever the peer sent: MSS; sackOK folded in front
 * of TS (or nop,nop before TS); nop,nop,sackOK when there is no TS; nop,wscale; nop,nop,SACK.
 * So a SYN is <mss,sackOK,TS,nop,wscale>, or <mss,nop,nop,sackOK,nop,wscale> without TS.
 */
export function buildOptions(o: OutOptions): TcpOption[] {
  const out: TcpOption[] = [];
  if (o.mss !== undefined) out.push({ kind: "mss", mss: o.mss });
  if (o.ts) {
    if (o.sackPerm) out.push({ kind: "sackOK" });
    else out.push({ kind: "nop" }, { kind: "nop" });
    out.push({ kind: "timestamp", val: o.ts.val >>> 0, ecr: o.ts.ecr >>> 0 });
  } else if (o.sackPerm) {
    out.push({ kind: "nop" }, { kind: "nop" }, { kind: "sackOK" });
  }
  if (o.wscale !== undefined) out.push({ kind: "nop" }, { kind: "wscale", shift: o.wscale });
  if (o.sackBlocks && o.sackBlocks.length > 0) {
    out.push({ kind: "nop" }, { kind: "nop" }, { kind: "sack", blocks: o.sackBlocks.map((b) => ({ left: b.left, right: b.right })) });
  }
  return out;
}

/** Room for SACK blocks: 40 bytes of options, minus 12 for TS, 2 for nop,nop, 8 per block. */
export function maxSackBlocks(tsOk: boolean): number {
  return tsOk ? 3 : 4;
}

/** The MSS we announce: MTU minus IP and TCP headers (dst_metric_advmss), clamped by TCP_MAXSEG. */
export function advertisedMss(mtu: number, ipVersion: 4 | 6, userMss: number): number {
  const mss = mtu - (ipVersion === 6 ? 60 : 40);
  return userMss > 0 ? Math.min(mss, userMss) : mss;
}

/** What we assume when the peer sent no MSS option (RFC 9293 §3.7.1; RFC 8200 for IPv6). */
export function defaultPeerMss(p: Profile, ipVersion: 4 | 6): number {
  return ipVersion === 6 ? p.constants.mssDefaultV6 : p.constants.mssDefaultV4;
}

/**
 * Effective send MSS (tcp_sync_mss → mss_cache): the path MSS clamped by the peer's MSS (and
 * TCP_MAXSEG), minus the timestamp option when negotiated, bounded to half the largest window the
 * peer ever offered (tcp_bound_to_half_wnd).
 */
export function effectiveMss(
  p: Profile,
  mtu: number,
  ipVersion: 4 | 6,
  mssClamp: number,
  tsOk: boolean,
  maxWindow: number,
): number {
  let mss = mtu - (ipVersion === 6 ? 60 : 40);
  if (mss > mssClamp) mss = mssClamp;
  if (mss < p.constants.minSndMss) mss = p.constants.minSndMss;
  if (tsOk) mss -= 12;
  const headerOpts = tsOk ? 12 : 0;
  if (maxWindow > 0) {
    const cutoff = maxWindow > p.constants.mssDefaultV4 ? maxWindow >> 1 : maxWindow;
    if (cutoff > 0 && mss > cutoff) mss = Math.max(cutoff, 68 - 20 - headerOpts);
  }
  return mss;
}

/** tcp_win_from_space: the share of a receive buffer that is offered as window. */
export function winFromSpace(p: Profile, space: number): number {
  return Math.floor(space * p.constants.scalingRatio);
}

export interface InitialWindow {
  rcvWnd: number;
  windowClamp: number;
  rcvWscale: number;
}

/**
 * tcp_select_initial_window: the first window is the receive space rounded down to a multiple of
 * the MSS (the SYN's unscaled field shows at most 65535 of it); the scale is chosen so the largest
 * buffer the socket could grow to (tcp_rmem[2], rmem_max) fits. Checked against 6.18: SYN win
 * 64240 wscale 10 (default tcp_rmem), 65535 wscale 8 (packetdrill's), SYN-ACK 65160 with TS.
 */
export function selectInitialWindow(p: Profile, space: number, mss: number, wscaleOk: boolean, clamp: number): InitialWindow {
  const maxWscale = p.constants.maxWscale;
  let windowClamp = clamp > 0 ? clamp : 65535 * 2 ** maxWscale;
  let s = Math.max(0, Math.min(windowClamp, space));
  if (s > mss) s = Math.floor(s / mss) * mss;
  // Linux 6.x keeps the full space as RCV.WND; only the SYN's window field is capped at 65535.
  const rcvWnd = p.sysctl.tcp_workaround_signed_windows ? Math.min(s, 32767) : s;
  let rcvWscale = 0;
  if (wscaleOk) {
    let big = Math.max(s, p.sysctl.tcp_rmem[2], p.sysctl.rmem_max);
    big = Math.min(big, windowClamp);
    rcvWscale = Math.max(0, Math.min(maxWscale, Math.floor(Math.log2(big)) - 15));
  }
  windowClamp = Math.min(65535 * 2 ** rcvWscale, windowClamp);
  return { rcvWnd, windowClamp, rcvWscale };
}

/** sk_rcvbuf: SO_RCVBUF (doubled by the kernel) or tcp_rmem[1]. */
export function rcvBufOf(p: Profile, soRcvBuf: number): number {
  return soRcvBuf > 0 ? soRcvBuf : p.sysctl.tcp_rmem[1];
}

/** The timestamp clock: 1 kHz plus a per-connection offset (tcp_clock_ms + ts_off). */
export function tsNow(now: number, offset: number): number {
  return (Math.floor(now / 1000) + offset) >>> 0;
}

/**
 * The receive-MSS guess before any data arrived (tcp_initialize_rcv_mss): at most 536, and at
 * most half the window.
 */
export function initialRcvMss(advMss: number, mssCache: number, rcvWnd: number): number {
  let hint = Math.min(advMss, mssCache);
  hint = Math.min(hint, Math.floor(rcvWnd / 2));
  hint = Math.min(hint, 536);
  return Math.max(hint, 88);
}
