/**
 * setsockopt / getsockopt. The option's C type is looked up by (level, name); anything not in
 * the table is an int, which is what most options are.
 *
 * setsockopt optval: number (int), bigint (u64), string (bytes, no NUL: TCP_CONGESTION "cubic"),
 * {onoff, linger}, {tv_sec, tv_usec}, [n] (int), [a, b…] (int array), Uint8Array (raw), null
 * (NULL). optlen: number, or `...`/absent for the encoded size.
 *
 * getsockopt: optval is ignored on input unless it is a Uint8Array (copied in first, for the
 * few in/out options); optlen is the buffer size (`...`/absent: the option's natural size).
 * out[3] is the decoded value, out[4] the length the kernel returned.
 */
import { IP, IPV6, SO, SOL, TCP, resolveConstant } from "../constants";
import { libc } from "../libc";
import {
  decodeLinger,
  decodeTimePair,
  encodeInt,
  encodeLinger,
  encodeTimePair,
  isFields,
  type Fields,
} from "../structs/basic";
import { decodeTcpInfo, TCP_INFO_SIZE } from "../structs/tcp-info";
import type { SysValue } from "../types";
import type { Args } from "./args";
import type { CallTimer, Effect, Handler } from "./handler";

type OptionType =
  | { readonly kind: "int" }
  | { readonly kind: "linger" }
  | { readonly kind: "timeval" }
  | { readonly kind: "tcp_info" }
  | { readonly kind: "string"; readonly size: number }
  | { readonly kind: "bytes"; readonly size: number }
  | { readonly kind: "u64" }
  | { readonly kind: "ints"; readonly count: number };

const INT: OptionType = { kind: "int" };

function key(level: number, name: number): string {
  return `${level}:${name}`;
}

const OPTION_TYPES: ReadonlyMap<string, OptionType> = new Map<string, OptionType>([
  [key(SOL["SOL_SOCKET"]!, SO["SO_LINGER"]!), { kind: "linger" }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_RCVTIMEO"]!), { kind: "timeval" }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_SNDTIMEO"]!), { kind: "timeval" }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_BINDTODEVICE"]!), { kind: "string", size: 16 }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_PEERCRED"]!), { kind: "ints", count: 3 }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_MEMINFO"]!), { kind: "ints", count: 9 }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_MAX_PACING_RATE"]!), { kind: "u64" }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_COOKIE"]!), { kind: "u64" }],
  [key(SOL["SOL_SOCKET"]!, SO["SO_NETNS_COOKIE"]!), { kind: "u64" }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_INFO"]!), { kind: "tcp_info" }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_CONGESTION"]!), { kind: "string", size: 16 }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_ULP"]!), { kind: "string", size: 16 }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_FASTOPEN_KEY"]!), { kind: "bytes", size: 32 }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_CC_INFO"]!), { kind: "bytes", size: 64 }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_SAVED_SYN"]!), { kind: "bytes", size: 512 }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_REPAIR_WINDOW"]!), { kind: "ints", count: 5 }],
  [key(SOL["SOL_TCP"]!, TCP["TCP_MD5SIG"]!), { kind: "bytes", size: 216 }],
  [key(SOL["SOL_IP"]!, IP["IP_OPTIONS"]!), { kind: "bytes", size: 40 }],
  [key(SOL["SOL_IPV6"]!, IPV6["IPV6_2292PKTINFO"]!), { kind: "bytes", size: 20 }],
]);

export function optionType(level: number, name: number): OptionType {
  return OPTION_TYPES.get(key(level, name)) ?? INT;
}

function naturalSize(type: OptionType): number {
  switch (type.kind) {
    case "int":
      return 4;
    case "linger":
      return 8;
    case "timeval":
      return 16;
    case "tcp_info":
      return TCP_INFO_SIZE;
    case "string":
    case "bytes":
      return type.size;
    case "u64":
      return 8;
    case "ints":
      return 4 * type.count;
  }
}

function encodeOptval(a: Args, i: number, type: OptionType): Uint8Array | null {
  const v = a.raw(i);
  if (v === null) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") {
    // A constant name for an int option (IP_PMTUDISC_DO); otherwise text (TCP_CONGESTION "cubic").
    const known = type.kind === "int" ? resolveConstant(v) : undefined;
    return known !== undefined ? encodeInt(known) : a.inputBytes(i);
  }
  if (typeof v === "bigint") {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    return out;
  }
  if (typeof v === "number") return encodeInt(v);
  if (Array.isArray(v)) {
    const items = v as readonly SysValue[];
    const out = new Uint8Array(4 * items.length);
    const view = new DataView(out.buffer);
    items.forEach((item, k) => {
      const n = typeof item === "number" ? item : typeof item === "string" ? resolveConstant(item) : undefined;
      if (n === undefined) return a.fail(i, `list item ${k + 1} must be a number or a constant`);
      view.setInt32(4 * k, n | 0, true);
    });
    return out;
  }
  if (isFields(v)) {
    try {
      if ("onoff" in v || type.kind === "linger") return encodeLinger(v);
      if ("tv_usec" in v || type.kind === "timeval") return encodeTimePair(v, "tv_usec");
    } catch (e) {
      return a.fail(i, (e as Error).message);
    }
  }
  return a.fail(i, "unsupported option value");
}

function decodeOptval(type: OptionType, bytes: Uint8Array, len: number): SysValue {
  const used = bytes.subarray(0, Math.min(len, bytes.length));
  const view = new DataView(used.buffer, used.byteOffset, used.length);
  switch (type.kind) {
    case "int":
      if (used.length >= 4) return view.getInt32(0, true);
      if (used.length === 1) return view.getUint8(0);
      if (used.length === 2) return view.getUint16(0, true);
      return used.slice();
    case "linger":
      return used.length >= 8 ? decodeLinger(used) : used.slice();
    case "timeval":
      return used.length >= 16 ? decodeTimePair(used, "tv_usec") : used.slice();
    case "tcp_info":
      return decodeTcpInfo(used);
    case "string": {
      const end = used.indexOf(0);
      return new TextDecoder().decode(end >= 0 ? used.subarray(0, end) : used);
    }
    case "bytes":
      return used.slice();
    case "u64": {
      if (used.length < 8) return used.length >= 4 ? view.getUint32(0, true) : used.slice();
      const v = view.getBigUint64(0, true);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case "ints": {
      const out: number[] = [];
      for (let k = 0; k + 4 <= used.length; k += 4) out.push(view.getInt32(k, true));
      return out;
    }
  }
}

function setsockopt(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const level = a.int(1);
  const name = a.int(2);
  const value = encodeOptval(a, 3, optionType(level, name));
  const len = a.int(4, value?.length ?? 0);
  // An explicit length longer than the value: hand the kernel zero padding, never stray memory.
  const buffer = value !== null && len > value.length ? padded(value, len) : value;
  return t.run(() => libc().setsockopt(fd, level, name, buffer, len));
}

function padded(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}

function getsockopt(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const level = a.int(1);
  const name = a.int(2);
  const type = optionType(level, name);
  const lenArg = a.raw(4);
  const len = lenArg === null ? null : a.int(4, naturalSize(type));
  const optvalArg = a.raw(3);
  const buffer = optvalArg === null ? null : new Uint8Array(Math.max(len ?? 0, naturalSize(type)));
  if (buffer !== null && optvalArg instanceof Uint8Array) buffer.set(optvalArg.subarray(0, buffer.length));
  const lenWord = len === null ? null : new Uint32Array([len]);
  const r = t.run(() => libc().getsockopt(fd, level, name, buffer, lenWord));
  if (r.ret < 0) return r;
  const returned = lenWord?.[0] ?? 0;
  return { ...r, out: { 3: buffer === null ? null : decodeOptval(type, buffer, returned), 4: returned } };
}

/** TCP_INFO of a socket, or undefined when it is not a TCP socket (or not a socket). */
export function readTcpInfo(fd: number): Fields | undefined {
  const buffer = new Uint8Array(TCP_INFO_SIZE);
  const lenWord = new Uint32Array([TCP_INFO_SIZE]);
  const ret = libc().getsockopt(fd, SOL["SOL_TCP"]!, TCP["TCP_INFO"]!, buffer, lenWord);
  if (ret < 0 || lenWord[0]! < 1) return undefined;
  return decodeTcpInfo(buffer, lenWord[0]);
}

const stateBuffer = new Uint8Array(8);
const stateLen = new Uint32Array(1);

/**
 * Only tcpi_state (tcp_info's first byte; the kernel copies min(optlen, sizeof)): the runner asks
 * after every event, and decoding the whole struct each time costs it ~50 µs.
 */
export function readTcpState(fd: number): number | undefined {
  stateLen[0] = stateBuffer.length;
  const ret = libc().getsockopt(fd, SOL["SOL_TCP"]!, TCP["TCP_INFO"]!, stateBuffer, stateLen);
  if (ret < 0 || stateLen[0]! < 1) return undefined;
  return stateBuffer[0]!;
}

export const SOCKOPT_HANDLERS: Readonly<Record<string, Handler>> = { setsockopt, getsockopt };
