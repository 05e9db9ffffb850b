/**
 * What packetdrill's script packet would hold on the wire (tcp_packet.c: new_tcp_packet, ip_packet.c,
 * parser.y), for the parts both directions need: flags, options as wire bytes, the TOS byte and the
 * TTL a script line stands for.
 *
 * - An absent `(ttl N)` (or `ttl 0`) is TTL_CHECK_NONE = 255: the TTL of injected packets and the
 *   "don't check" marker of expected ones.
 * - `[ect0]` etc. set the TOS byte to the ECN codepoint (RFC 3168 §5: ECT(1)=1, ECT(0)=2, CE=3);
 *   `(tos 0x..)` sets the whole byte; `[ect01]` (outbound only) accepts either ECT codepoint.
 * - An ACE digit 1-7 makes packetdrill compare the 3-bit ACE field (FLAG_PARSE_ACE); a `0` digit
 *   does not set that flag, so the bits are then compared one by one like E/W/A.
 */
import type { IpInfo, TcpFlagsSpec, TcpOptionSpec, TcpOptions } from "../script/ast";
import { encodeTcpOptions, seq, tcpFlags, tcpOptionLength, type TcpFlags, type TcpOption } from "../wire";
import { assertNever } from "../util/assert-never";

/** ip.h: TTL_CHECK_NONE. */
export const TTL_CHECK_NONE = 255;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_TIMESTAMP = 8;

export type TosCheck = "none" | "ecn" | "ect01" | "tos";

const ECN_CODEPOINT = { noecn: 0, ect1: 1, ect0: 2, ce: 3, ect01: 0 } as const;

/** How the TOS byte of an expected packet is checked (types.h: enum tos_chk_t). */
export function tosCheck(ip: IpInfo | undefined): TosCheck {
  const t = ip?.tos;
  if (t === undefined) return "none";
  if (t.kind === "tos") return "tos";
  return t.ecn === "ect01" ? "ect01" : "ecn";
}

/** The TOS / traffic class byte packetdrill puts in the script packet. */
export function scriptTosByte(ip: IpInfo | undefined): number {
  const t = ip?.tos;
  if (t === undefined) return 0;
  return t.kind === "tos" ? t.value & 0xff : ECN_CODEPOINT[t.ecn];
}

/** The TTL / hop limit byte of the script packet (255 = not checked). */
export function scriptTtl(ip: IpInfo | undefined): number {
  const ttl = ip?.ttl ?? 0;
  return ttl === 0 ? TTL_CHECK_NONE : ttl & 0xff;
}

export function scriptFlowLabel(ip: IpInfo | undefined): number {
  return (ip?.flowLabel ?? 0) & 0xfffff;
}

/** Whether the flags compare as one ACE value (FLAG_PARSE_ACE: a non-zero ACE digit). */
export function parsesAce(f: TcpFlagsSpec): boolean {
  return f.ace !== undefined && f.ace !== 0;
}

export function scriptTcpFlags(f: TcpFlagsSpec): TcpFlags {
  if (parsesAce(f)) {
    const ace = f.ace!;
    return tcpFlags({ fin: f.fin, syn: f.syn, rst: f.rst, psh: f.psh, ack: f.ack, urg: f.urg, ece: (ace & 1) !== 0, cwr: (ace & 2) !== 0, ae: (ace & 4) !== 0 });
  }
  return tcpFlags({ fin: f.fin, syn: f.syn, rst: f.rst, psh: f.psh, ack: f.ack, urg: f.urg, ece: f.ece, cwr: f.cwr, ae: f.ae });
}

/** Hex digits to bytes (an empty string is an empty array); undefined if not whole hex bytes. */
export function hexBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export type OptionResult = { readonly ok: true; readonly option: TcpOption } | { readonly ok: false; readonly message: string };

/**
 * One script option as a wire option. `wscale *` becomes shift 0 (the wildcard itself is a
 * property of the spec, see `isWildcard`); `mss NAME` cannot be encoded.
 */
export function scriptTcpOption(o: TcpOptionSpec): OptionResult {
  switch (o.kind) {
    case "nop":
      return { ok: true, option: { kind: "nop" } };
    case "eol":
      return { ok: true, option: { kind: "eol" } };
    case "sackOK":
      return { ok: true, option: { kind: "sackOK" } };
    case "mss":
      if (o.value.kind === "symbol") return { ok: false, message: `mss value '${o.value.name}' is not a number` };
      return { ok: true, option: { kind: "mss", mss: o.value.value & 0xffff } };
    case "wscale":
      return { ok: true, option: { kind: "wscale", shift: o.shift === "*" ? 0 : o.shift & 0xff } };
    case "sack":
      return { ok: true, option: { kind: "sack", blocks: o.blocks.map((b) => ({ left: seq(b.left), right: seq(b.right) })) } };
    case "timestamp":
      return { ok: true, option: { kind: "timestamp", val: o.val >>> 0, ecr: o.ecr >>> 0 } };
    case "md5": {
      const digest = hexBytes(o.digest);
      if (digest === undefined || digest.length > 16) return { ok: false, message: "TCP MD5 digest is not a valid hex string" };
      return { ok: true, option: { kind: "md5", digest } };
    }
    case "fastopen":
    case "fastopen-exp": {
      const cookie = hexBytes(o.cookie);
      if (cookie === undefined) return { ok: false, message: `TCP fast open cookie '${o.cookie}' is not a valid hex string` };
      return { ok: true, option: o.kind === "fastopen" ? { kind: "fastopen", cookie } : { kind: "fastopenExp", cookie } };
    }
    default:
      return assertNever(o, "TCP option spec");
  }
}

/** `wscale *`: any shift matches (parser.y: TCPOPT_WILDCARD). */
export function isWildcard(o: TcpOptionSpec): boolean {
  return o.kind === "wscale" && o.shift === "*";
}

/** Bytes of the option space the script's options fill (0 for `<...>` and no options). */
export function scriptOptionsLength(options: TcpOptions | undefined): number {
  if (options === undefined || options.kind === "any") return 0;
  let n = 0;
  for (const o of options.options) {
    const r = scriptTcpOption(o);
    // An `mss NAME` still occupies an MSS option's 4 bytes.
    n += r.ok ? tcpOptionLength(r.option) : 4;
  }
  return n;
}

/** One option as it appears on the wire: kind, length, data (EOL and NOP: just the kind). */
export function optionWireBytes(o: TcpOption): Uint8Array {
  return encodeTcpOptions([o]).subarray(0, tcpOptionLength(o));
}
