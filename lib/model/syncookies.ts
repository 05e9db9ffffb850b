/**
 * SYN cookies (T16; net/ipv4/syncookies.c). The ISN encodes a minute counter and the peer's MSS
 * rounded down to the table 536/1300/1440/1460; window scale, SACK and ECN survive only in the
 * low 6 bits of our TSval. The hashes are keyed by the host's seeded secret.
 */
import { seqAdd } from "../wire/seq";
import type { Host } from "./host";
import type { Seg } from "./segment";
import type { Tuple } from "./socket";

const COOKIEBITS = 24;
const COOKIEMASK = (1 << COOKIEBITS) - 1;
const TSBITS = 6;
const TS_OPT_WSCALE_MASK = 0xf;
const TS_OPT_SACK = 1 << 4;
const TS_OPT_ECN = 1 << 5;

function tupleText(t: Tuple): string {
  return `${t.remoteAddr}|${t.remotePort}|${t.localAddr}|${t.localPort}`;
}

/** tcp_cookie_time: minutes, the counter cookies carry. */
function cookieTime(h: Host): number {
  return Math.floor(h.now / 60_000_000) >>> 0;
}

function hash1(h: Host, t: Tuple): number {
  return h.hash(`c0|${tupleText(t)}`);
}

function hash2(h: Host, t: Tuple, count: number): number {
  return h.hash(`c1|${count}|${tupleText(t)}`);
}

/** The MSS table of the wire's IP version (an IPv4-mapped connection uses IPv4's). */
function mssTable(h: Host): readonly number[] {
  return h.ipVersion === 6 ? h.profile.constants.cookieMssTable6 : h.profile.constants.cookieMssTable;
}

/**
 * Index into the MSS table: the largest entry not above the peer's MSS, else the first — so an
 * IPv6 peer offering less than 1220 still gets 1220 (observed on 6.18: mss 1000 → 1220).
 */
export function cookieMssIndex(h: Host, mss: number): number {
  const table = mssTable(h);
  let i = table.length - 1;
  for (; i > 0; i--) if (mss >= table[i]!) break;
  return i;
}

/** secure_tcp_syn_cookie: the ISN of a cookie SYN-ACK. */
export function cookieInitSequence(h: Host, t: Tuple, peerSeq: number, mss: number): { isn: number; mss: number } {
  const idx = cookieMssIndex(h, mss);
  const count = cookieTime(h);
  const isn = (hash1(h, t) + peerSeq + ((count << COOKIEBITS) >>> 0) + ((hash2(h, t, count) + idx) & COOKIEMASK)) >>> 0;
  return { isn, mss: mssTable(h)[idx]! };
}

/** __cookie_v4_check: the peer's MSS from a returning ACK, or 0 when the cookie is not ours. */
export function cookieCheck(h: Host, t: Tuple, seg: Seg): number {
  const cookie = seqAdd(seg.ack, -1);
  const peerSeq = seqAdd(seg.seq, -1);
  const diff = (cookie - hash1(h, t) - peerSeq) >>> 0;
  const count = diff >>> COOKIEBITS;
  const age = ((cookieTime(h) - count) & (0xffffffff >>> COOKIEBITS)) >>> 0;
  if (age > h.profile.constants.cookieMaxAgeMinutes) return 0;
  const idx = ((diff - hash2(h, t, count)) & COOKIEMASK) >>> 0;
  const table = mssTable(h);
  return idx < table.length ? table[idx]! : 0;
}

/** cookie_init_timestamp: our TS clock with the low bits replaced by the negotiated options. */
export function cookieTimestamp(nowMs: number, o: { wscaleOk: boolean; sndWscale: number; sackOk: boolean; ecnOk: boolean }): number {
  let options = o.wscaleOk ? o.sndWscale & TS_OPT_WSCALE_MASK : TS_OPT_WSCALE_MASK;
  if (o.sackOk) options |= TS_OPT_SACK;
  if (o.ecnOk) options |= TS_OPT_ECN;
  const mask = (1 << TSBITS) - 1;
  let ts = ((nowMs >>> 0) & ~mask) >>> 0;
  ts = (ts | options) >>> 0;
  if (ts > nowMs >>> 0) ts = (ts - (1 << TSBITS)) >>> 0;
  return ts;
}

export interface CookieOptions {
  tsOk: boolean;
  wscaleOk: boolean;
  sndWscale: number;
  sackOk: boolean;
  ecnOk: boolean;
}

/** cookie_timestamp_decode: recover the options from the echoed TSval; null if not acceptable. */
export function cookieTimestampDecode(h: Host, seg: Seg, tsOffset: number): CookieOptions | null {
  const sys = h.profile.sysctl;
  if (!seg.opts.ts) return { tsOk: false, wscaleOk: false, sndWscale: 0, sackOk: false, ecnOk: false };
  if (!sys.tcp_timestamps) return null;
  const options = ((seg.opts.ts.ecr - tsOffset) >>> 0) & ((1 << TSBITS) - 1);
  const sackOk = (options & TS_OPT_SACK) !== 0;
  if (sackOk && !sys.tcp_sack) return null;
  const ecnOk = (options & TS_OPT_ECN) !== 0;
  if ((options & TS_OPT_WSCALE_MASK) === TS_OPT_WSCALE_MASK) {
    return { tsOk: true, wscaleOk: false, sndWscale: 0, sackOk, ecnOk };
  }
  if (!sys.tcp_window_scaling) return null;
  return { tsOk: true, wscaleOk: true, sndWscale: options & TS_OPT_WSCALE_MASK, sackOk, ecnOk };
}
