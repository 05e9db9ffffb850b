/**
 * TCP options (RFC 9293 §3.2) as an ordered list in wire order, so that what the kernel sent can
 * be compared and printed exactly, padding NOPs and EOLs included.
 *
 * Parsing follows packetdrill's option iterator (tcp_options_iterator.c): EOL and NOP are one
 * byte each and parsing continues after an EOL (the padding after it shows up as more `eol`s); an
 * option whose length byte is missing, below 2 or runs past the option space is an error. A known
 * kind with a length it cannot have (say MSS with length 3) is kept as `unknown` raw bytes, so it
 * still round-trips.
 */
import type { Seq } from "./seq";
import * as cursorModule from "./cursor";
import * as errorsModule from "./errors";
import type { TcpOption } from "./types";
import * as assertNeverModule from "../util/assert-never";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { Reader, Writer } = cursorModule;
const { DecodeError } = errorsModule;
const { assertNever } = assertNeverModule;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;
export const TCPOPT_MD5 = 19;
export const TCPOPT_FASTOPEN = 34;
export const TCPOPT_ACCECN0 = 172;
export const TCPOPT_ACCECN1 = 174;
export const TCPOPT_EXP = 254;
/** RFC 7413 §4.1.1 / the experimental option ExID Linux uses for Fast Open. */
export const TCPOPT_FASTOPEN_MAGIC = 0xf989;

/** Most option bytes a header can carry (data offset 15 words). */
export const MAX_TCP_OPTION_BYTES = 40;

// The one-byte and empty options carry nothing, so one shared value each will do.
const EOL: TcpOption = Object.freeze({ kind: "eol" });
const NOP: TcpOption = Object.freeze({ kind: "nop" });
const SACK_OK: TcpOption = Object.freeze({ kind: "sackOK" });

/**
 * Parses the options in buf[start..end). Error offsets are offsets in `buf`. Variable-length
 * values (cookies, digests, raw data) are views into `buf`, not copies.
 */
export function parseTcpOptions(buf: Uint8Array, start: number, end: number): TcpOption[] {
  const out: TcpOption[] = [];
  const r = new Reader(buf, start, end);
  while (r.remaining > 0) {
    const at = r.pos;
    const kind = r.u8();
    if (kind === TCPOPT_NOP) {
      out.push(NOP);
      continue;
    }
    if (kind === TCPOPT_EOL) {
      out.push(EOL);
      continue;
    }
    if (r.remaining < 1) throw new DecodeError("truncated-option", at, `kind ${kind} has no length byte`);
    const len = r.u8();
    if (len < 2) throw new DecodeError("bad-option-length", at + 1, `kind ${kind} length ${len}`);
    if (r.remaining < len - 2) throw new DecodeError("truncated-option", at, `kind ${kind} length ${len}, ${r.remaining + 2} bytes left`);
    out.push(parseBody(r, kind, len - 2));
    r.pos = at + len;
  }
  return out;
}

/**
 * One option's meaning from its body: the `n` bytes at the reader's position, after kind and
 * length. The caller moves the reader past the body afterwards, whatever was consumed.
 */
function parseBody(r: cursorModule.Reader, kind: number, n: number): TcpOption {
  switch (kind) {
    case TCPOPT_MSS:
      if (n === 2) return { kind: "mss", mss: r.u16() };
      break;
    case TCPOPT_WSCALE:
      if (n === 1) return { kind: "wscale", shift: r.u8() };
      break;
    case TCPOPT_SACK_PERMITTED:
      if (n === 0) return SACK_OK;
      break;
    case TCPOPT_SACK:
      if (n >= 8 && n % 8 === 0) {
        const blocks: { left: Seq; right: Seq }[] = [];
        for (let i = 0; i < n; i += 8) blocks.push({ left: r.u32() as Seq, right: r.u32() as Seq });
        return { kind: "sack", blocks };
      }
      break;
    case TCPOPT_TIMESTAMP:
      if (n === 8) return { kind: "timestamp", val: r.u32(), ecr: r.u32() };
      break;
    case TCPOPT_MD5:
      // RFC 2385 digests are 16 bytes; packetdrill also accepts (and prints) shorter ones.
      if (n <= 16) return { kind: "md5", digest: r.bytes(n) };
      break;
    case TCPOPT_FASTOPEN:
      return { kind: "fastopen", cookie: r.bytes(n) };
    case TCPOPT_EXP:
      if (n >= 2) {
        if (r.u16() === TCPOPT_FASTOPEN_MAGIC) return { kind: "fastopenExp", cookie: r.bytes(n - 2) };
        r.pos -= 2; // another experiment's ExID: keep the whole body raw
      }
      break;
    case TCPOPT_ACCECN0:
    case TCPOPT_ACCECN1:
      // RFC 9768 §3.2.3: 0 to 3 24-bit counters; a sender may truncate the option.
      if (n % 3 === 0 && n <= 9) {
        const counters: number[] = [];
        for (let i = 0; i < n; i += 3) counters.push(r.u24());
        return { kind: "accecn", order: kind === TCPOPT_ACCECN0 ? 0 : 1, counters };
      }
      break;
    default:
      break;
  }
  return { kind: "unknown", type: kind, data: r.bytes(n) };
}

/** Decodes a block of option bytes (e.g. from a header's option space). Throws `DecodeError`. */
export function decodeTcpOptions(bytes: Uint8Array): TcpOption[] {
  return parseTcpOptions(bytes, 0, bytes.length);
}

/** Bytes one option occupies on the wire. */
export function tcpOptionLength(o: TcpOption): number {
  switch (o.kind) {
    case "eol":
    case "nop":
      return 1;
    case "mss":
      return 4;
    case "wscale":
      return 3;
    case "sackOK":
      return 2;
    case "sack":
      return 2 + 8 * o.blocks.length;
    case "timestamp":
      return 10;
    case "md5":
      return 2 + o.digest.length;
    case "fastopen":
      return 2 + o.cookie.length;
    case "fastopenExp":
      return 4 + o.cookie.length;
    case "accecn":
      return 2 + 3 * o.counters.length;
    case "unknown":
      return 2 + o.data.length;
    default:
      return assertNever(o, "TCP option");
  }
}

/** Bytes the options occupy before padding. */
export function tcpOptionsLength(opts: readonly TcpOption[]): number {
  let n = 0;
  for (let i = 0; i < opts.length; i++) n += tcpOptionLength(opts[i]!);
  return n;
}

/** Option bytes after padding to a 32-bit boundary (what the data offset must cover). */
export function paddedTcpOptionsLength(opts: readonly TcpOption[]): number {
  return (tcpOptionsLength(opts) + 3) & ~3;
}

function header(w: cursorModule.Writer, kind: number, len: number): void {
  if (len > 255) throw new RangeError(`TCP option kind ${kind} would be ${len} bytes (max 255)`);
  w.u8(kind);
  w.u8(len);
}

/** Writes the options (unpadded) at `off`; returns the number of bytes written. */
export function emitTcpOptions(opts: readonly TcpOption[], buf: Uint8Array, off: number): number {
  const w = new Writer(buf, off);
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    switch (o.kind) {
      case "eol":
        w.u8(TCPOPT_EOL);
        break;
      case "nop":
        w.u8(TCPOPT_NOP);
        break;
      case "mss":
        header(w, TCPOPT_MSS, 4);
        w.u16(o.mss);
        break;
      case "wscale":
        header(w, TCPOPT_WSCALE, 3);
        w.u8(o.shift);
        break;
      case "sackOK":
        header(w, TCPOPT_SACK_PERMITTED, 2);
        break;
      case "sack":
        header(w, TCPOPT_SACK, 2 + 8 * o.blocks.length);
        for (const blk of o.blocks) {
          w.u32(blk.left);
          w.u32(blk.right);
        }
        break;
      case "timestamp":
        header(w, TCPOPT_TIMESTAMP, 10);
        w.u32(o.val);
        w.u32(o.ecr);
        break;
      case "md5":
        header(w, TCPOPT_MD5, 2 + o.digest.length);
        w.bytes(o.digest);
        break;
      case "fastopen":
        header(w, TCPOPT_FASTOPEN, 2 + o.cookie.length);
        w.bytes(o.cookie);
        break;
      case "fastopenExp":
        header(w, TCPOPT_EXP, 4 + o.cookie.length);
        w.u16(TCPOPT_FASTOPEN_MAGIC);
        w.bytes(o.cookie);
        break;
      case "accecn":
        header(w, o.order === 0 ? TCPOPT_ACCECN0 : TCPOPT_ACCECN1, 2 + 3 * o.counters.length);
        for (const c of o.counters) w.u24(c);
        break;
      case "unknown":
        header(w, o.type, 2 + o.data.length);
        w.bytes(o.data);
        break;
      default:
        assertNever(o, "TCP option");
    }
  }
  return w.pos - off;
}

/**
 * The options as header bytes: in order, then zero bytes (EOL) up to a 32-bit boundary, the
 * padding RFC 9293 §3.1 prescribes. Those padding bytes decode as trailing `eol` options.
 */
export function encodeTcpOptions(opts: readonly TcpOption[]): Uint8Array {
  const out = new Uint8Array(paddedTcpOptionsLength(opts));
  emitTcpOptions(opts, out, 0);
  return out;
}
