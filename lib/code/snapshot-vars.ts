/**
 * The Python variables a `%{ }%` code block sees, as packetdrill (code.c) defines them: before each
 * block, the socket's TCP_INFO (preceded by symbolic constants), TCP_CC_INFO and SO_MEMINFO,
 * snapshotted at the block's time, are written out as `name = <unsigned integer>` assignments.
 *
 * The names and their order follow packetdrill exactly, including its quirks (the vegas fields
 * `tcp_rtt`/`tcp_minrtt`, the made-up `bbr_bw`, and every TCP_CC_INFO layout whose length fits,
 * since the kernel fills a union and packetdrill reads it through all three structs).
 */

/** What one snapshot of the socket under test holds. */
export interface SocketSnapshot {
  /** struct tcp_info by C field name without `tcpi_` (harness/sys decodeTcpInfo's shape). */
  readonly tcpInfo: Readonly<Record<string, number>>;
  /** TCP_CC_INFO as the kernel returned it (its length matters); absent when the target has none. */
  readonly ccInfo?: Uint8Array;
  /** SO_MEMINFO's u32 array (SK_MEMINFO_VARS entries); absent when the target has none. */
  readonly memInfo?: readonly number[];
}

/** One `name = value` line; value is an unsigned integer (bigint keeps u64 exact). */
export type Assignment = readonly [name: string, value: bigint];

/** Linux values (include/net/tcp_states.h, include/uapi/linux/tcp.h) of the names packetdrill defines. */
const SYMBOLS: readonly (readonly [string, number])[] = [
  ["TCP_ESTABLISHED", 1], ["TCP_SYN_SENT", 2], ["TCP_SYN_RECV", 3], ["TCP_FIN_WAIT1", 4],
  ["TCP_FIN_WAIT2", 5], ["TCP_TIME_WAIT", 6], ["TCP_CLOSE", 7], ["TCP_CLOSE_WAIT", 8],
  ["TCP_LAST_ACK", 9], ["TCP_LISTEN", 10], ["TCP_CLOSING", 11],
  ["TCP_CA_Open", 0], ["TCP_CA_Disorder", 1], ["TCP_CA_CWR", 2], ["TCP_CA_Recovery", 3], ["TCP_CA_Loss", 4],
  // packetdrill defines these four tcpi_options bits and not TCPI_OPT_SACK / TCPI_OPT_ECN_SEEN.
  ["TCPI_OPT_TIMESTAMPS", 1], ["TCPI_OPT_WSCALE", 4], ["TCPI_OPT_ECN", 8], ["TCPI_OPT_SYN_DATA", 32],
];

/** The tcp_info fields packetdrill exposes, in its order (without the `tcpi_` prefix). */
export const TCP_INFO_VARS: readonly string[] = [
  "state", "ca_state", "retransmits", "probes", "backoff", "options", "snd_wscale", "rcv_wscale",
  "delivery_rate_app_limited", "rto", "ato", "snd_mss", "rcv_mss", "unacked", "sacked", "lost",
  "retrans", "fackets", "last_data_sent", "last_ack_sent", "last_data_recv", "last_ack_recv", "pmtu",
  "rcv_ssthresh", "rtt", "rttvar", "snd_ssthresh", "snd_cwnd", "advmss", "reordering",
  "total_retrans", "pacing_rate", "max_pacing_rate", "rcv_rtt", "rcv_space", "bytes_acked",
  "bytes_received", "segs_out", "segs_in", "notsent_bytes", "min_rtt", "data_segs_in",
  "data_segs_out", "delivery_rate", "busy_time", "rwnd_limited", "sndbuf_limited", "delivered",
  "delivered_ce", "bytes_sent", "bytes_retrans", "dsack_dups", "reord_seen", "rcv_ooopack",
  "snd_wnd", "rcv_wnd", "rehash", "total_rto", "total_rto_recoveries", "total_rto_time",
];

/** SO_MEMINFO indexes (include/uapi/linux/sock_diag.h: SK_MEMINFO_*), in packetdrill's order. */
const MEMINFO_VARS: readonly (readonly [string, number])[] = [
  ["SK_MEMINFO_RMEM_ALLOC", 0], ["SK_MEMINFO_RCVBUF", 1], ["SK_MEMINFO_WMEM_ALLOC", 2],
  ["SK_MEMINFO_SNDBUF", 3], ["SK_MEMINFO_FWD_ALLOC", 4], ["SK_MEMINFO_WMEM_QUEUED", 5],
  ["SK_MEMINFO_OPTMEM", 6], ["SK_MEMINFO_BACKLOG", 7], ["SK_MEMINFO_DROPS", 8],
];
export const SK_MEMINFO_VARS = 9;

const U64_MAX = (1n << 64n) - 1n;

/** A decoded number as the C unsigned value (the decoder turns ~0 u64 rates into Infinity). */
function unsigned(v: number): bigint {
  if (v === Infinity) return U64_MAX;
  if (!Number.isFinite(v)) return 0n;
  const n = BigInt(Math.trunc(v));
  return n < 0n ? n & U64_MAX : n;
}

/**
 * TCP_INFO's assignments: the symbols, then each field the snapshot has. A field the target does
 * not fill (the model's subset, an older kernel's shorter struct) is left out, so a block that uses
 * it fails with a NameError rather than reading a made-up value.
 */
export function tcpInfoAssignments(info: Readonly<Record<string, number>>): Assignment[] {
  const out: Assignment[] = SYMBOLS.map(([name, value]) => [name, BigInt(value)] as const);
  for (const field of TCP_INFO_VARS) {
    const v = info[field];
    if (typeof v === "number") out.push([`tcpi_${field}`, unsigned(v)]);
  }
  return out;
}

/**
 * TCP_CC_INFO's assignments (include/uapi/linux/inet_diag.h). The kernel answers with the
 * current congestion control's struct, or length 0 when it has none (cubic, reno).
 */
export function ccInfoAssignments(bytes: Uint8Array): Assignment[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const u32 = (at: number): bigint => BigInt(view.getUint32(at, true));
  const u16 = (at: number): bigint => BigInt(view.getUint16(at, true));
  const out: Assignment[] = [];
  // struct tcp_bbr_info: bw_lo, bw_hi, min_rtt, pacing_gain, cwnd_gain (u32 each).
  if (bytes.length >= 20) {
    out.push(["bbr_bw_lo", u32(0)], ["bbr_bw_hi", u32(4)], ["bbr_bw", (u32(4) << 32n) + u32(0)]);
    out.push(["bbr_min_rtt", u32(8)], ["bbr_pacing_gain", u32(12)], ["bbr_cwnd_gain", u32(16)]);
  }
  // struct tcp_dctcp_info: u16 enabled, u16 ce_state, u32 alpha, ab_ecn, ab_tot.
  if (bytes.length >= 16) {
    out.push(["dctcp_enabled", u16(0)], ["dctcp_ce_state", u16(2)], ["dctcp_alpha", u32(4)]);
    out.push(["dctcp_ab_ecn", u32(8)], ["dctcp_ab_tot", u32(12)]);
  }
  // struct tcpvegas_info: enabled, rttcnt, rtt, minrtt (u32); packetdrill names the last two tcp_*.
  if (bytes.length >= 16) {
    out.push(["tcpv_enabled", u32(0)], ["tcpv_rttcnt", u32(4)], ["tcp_rtt", u32(8)], ["tcp_minrtt", u32(12)]);
  }
  return out;
}

/** SO_MEMINFO's assignments; nothing when the answer is shorter than the nine counters. */
export function memInfoAssignments(mem: readonly number[]): Assignment[] {
  if (mem.length < SK_MEMINFO_VARS) return [];
  return MEMINFO_VARS.map(([name, i]) => [name, unsigned(mem[i]!)] as const);
}
