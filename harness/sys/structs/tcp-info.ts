/**
 * struct tcp_info as Linux 6.18 fills it (include/uapi/linux/tcp.h): 280 bytes, the AccECN
 * counters (6.18) at the end. The kernel copies min(optlen, sizeof) bytes, so a shorter answer
 * from an older kernel decodes with the missing fields absent.
 *
 * Field names are the C names without the `tcpi_` prefix. 64-bit counters are numbers (exact
 * below 2^53, which byte counters of a test run never reach; ~0 pacing rates become Infinity).
 */
import type { SysValue } from "../types";

export const TCP_INFO_SIZE = 280;

type Kind = "u8" | "u16" | "u32" | "u64";
const SIZES: Readonly<Record<Kind, number>> = { u8: 1, u16: 2, u32: 4, u64: 8 };

/** Plain fields in layout order, from offset 8 (the first 8 bytes are u8s and bitfields). */
const LAYOUT: readonly (readonly [string, Kind])[] = [
  ["rto", "u32"], ["ato", "u32"], ["snd_mss", "u32"], ["rcv_mss", "u32"],
  ["unacked", "u32"], ["sacked", "u32"], ["lost", "u32"], ["retrans", "u32"], ["fackets", "u32"],
  ["last_data_sent", "u32"], ["last_ack_sent", "u32"], ["last_data_recv", "u32"], ["last_ack_recv", "u32"],
  ["pmtu", "u32"], ["rcv_ssthresh", "u32"], ["rtt", "u32"], ["rttvar", "u32"], ["snd_ssthresh", "u32"],
  ["snd_cwnd", "u32"], ["advmss", "u32"], ["reordering", "u32"],
  ["rcv_rtt", "u32"], ["rcv_space", "u32"], ["total_retrans", "u32"],
  ["pacing_rate", "u64"], ["max_pacing_rate", "u64"], ["bytes_acked", "u64"], ["bytes_received", "u64"],
  ["segs_out", "u32"], ["segs_in", "u32"],
  ["notsent_bytes", "u32"], ["min_rtt", "u32"], ["data_segs_in", "u32"], ["data_segs_out", "u32"],
  ["delivery_rate", "u64"], ["busy_time", "u64"], ["rwnd_limited", "u64"], ["sndbuf_limited", "u64"],
  ["delivered", "u32"], ["delivered_ce", "u32"],
  ["bytes_sent", "u64"], ["bytes_retrans", "u64"], ["dsack_dups", "u32"], ["reord_seen", "u32"],
  ["rcv_ooopack", "u32"], ["snd_wnd", "u32"], ["rcv_wnd", "u32"], ["rehash", "u32"],
  ["total_rto", "u16"], ["total_rto_recoveries", "u16"], ["total_rto_time", "u32"],
  ["received_ce", "u32"], ["delivered_e1_bytes", "u32"], ["delivered_e0_bytes", "u32"],
  ["delivered_ce_bytes", "u32"], ["received_e1_bytes", "u32"], ["received_e0_bytes", "u32"],
  ["received_ce_bytes", "u32"],
];

/** Byte offset of each plain field (for specs and for callers that patch single fields). */
export const TCP_INFO_OFFSETS: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  let offset = 8;
  for (const [name, kind] of LAYOUT) {
    map.set(name, offset);
    offset += SIZES[kind];
  }
  map.set("ecn_bits", offset);
  return map;
})();

export type TcpInfo = { readonly [field: string]: SysValue } & { readonly state: number };

export function decodeTcpInfo(bytes: Uint8Array, length = bytes.length): TcpInfo {
  const used = bytes.subarray(0, Math.min(length, bytes.length));
  const view = new DataView(used.buffer, used.byteOffset, used.length);
  const out: { [field: string]: SysValue } = {};
  const u8 = (at: number): number | undefined => (at < used.length ? view.getUint8(at) : undefined);
  const head: readonly (readonly [string, number | undefined])[] = [
    ["state", u8(0)], ["ca_state", u8(1)], ["retransmits", u8(2)], ["probes", u8(3)],
    ["backoff", u8(4)], ["options", u8(5)],
  ];
  for (const [name, value] of head) if (value !== undefined) out[name] = value;
  const wscale = u8(6);
  if (wscale !== undefined) {
    out["snd_wscale"] = wscale & 0x0f;
    out["rcv_wscale"] = wscale >> 4;
  }
  const bits = u8(7);
  if (bits !== undefined) {
    out["delivery_rate_app_limited"] = bits & 1;
    out["fastopen_client_fail"] = (bits >> 1) & 3;
  }
  for (const [name, kind] of LAYOUT) {
    const at = TCP_INFO_OFFSETS.get(name)!;
    if (at + SIZES[kind] > used.length) break;
    switch (kind) {
      case "u8":
        out[name] = view.getUint8(at);
        break;
      case "u16":
        out[name] = view.getUint16(at, true);
        break;
      case "u32":
        out[name] = view.getUint32(at, true);
        break;
      case "u64": {
        const v = view.getBigUint64(at, true);
        out[name] = v === 0xffffffffffffffffn ? Infinity : Number(v);
        break;
      }
    }
  }
  const ecnAt = TCP_INFO_OFFSETS.get("ecn_bits")!;
  if (ecnAt + 4 <= used.length) {
    const word = view.getUint32(ecnAt, true);
    out["ecn_mode"] = word & 3;
    out["accecn_opt_seen"] = (word >> 2) & 3;
    out["accecn_fail_mode"] = (word >> 4) & 0xf;
    out["options2"] = word >>> 8;
  }
  return { ...out, state: typeof out["state"] === "number" ? out["state"] : 0 };
}
