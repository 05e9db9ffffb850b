/**
 * Small fixed-layout structs (x86_64 Linux), as plain objects ↔ bytes:
 *
 *   linger        { onoff, linger }                  2 × int                       8 bytes
 *   timeval       { tv_sec, tv_usec }                2 × long                      16 bytes
 *   timespec      { tv_sec, tv_nsec }                2 × long                      16 bytes
 *   pollfd        { fd, events, revents }            int, short, short             8 bytes
 *   epoll_event   { events, data }                   u32, u64 — PACKED on x86_64   12 bytes
 *   sock_extended_err                                                              16 bytes
 *
 * epoll_event is `__attribute__((packed))` only on x86_64 (include/uapi/linux/eventpoll.h,
 * EPOLL_PACKED), so `data` sits at offset 4, not 8.
 */
import { resolveFlags } from "../constants";
import type { SysValue } from "../types";

export type Fields = { readonly [field: string]: SysValue };

export function isFields(value: SysValue | undefined): value is Fields {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value);
}

export function intField(fields: Fields, name: string, fallback?: number): number {
  const v = fields[name];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") return resolveFlags(v);
  if (v === undefined && fallback !== undefined) return fallback;
  throw new RangeError(`field ${name} must be a number, not ${JSON.stringify(v)}`);
}

export const LINGER_SIZE = 8;
export const TIMEVAL_SIZE = 16;
export const TIMESPEC_SIZE = 16;
export const POLLFD_SIZE = 8;
export const EPOLL_EVENT_SIZE = 12;
export const SOCK_EXTENDED_ERR_SIZE = 16;

export function encodeLinger(fields: Fields): Uint8Array {
  const out = new Uint8Array(LINGER_SIZE);
  const view = new DataView(out.buffer);
  view.setInt32(0, intField(fields, "onoff"), true);
  view.setInt32(4, intField(fields, "linger"), true);
  return out;
}

export function decodeLinger(bytes: Uint8Array): Fields {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return { onoff: view.getInt32(0, true), linger: view.getInt32(4, true) };
}

/** timeval or timespec: two longs; `second` names the sub-second field. */
export function encodeTimePair(fields: Fields, second: "tv_usec" | "tv_nsec"): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigInt64(0, BigInt(intField(fields, "tv_sec")), true);
  view.setBigInt64(8, BigInt(intField(fields, second)), true);
  return out;
}

export function decodeTimePair(bytes: Uint8Array, second: "tv_usec" | "tv_nsec", offset = 0): Fields {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    tv_sec: Number(view.getBigInt64(offset, true)),
    [second]: Number(view.getBigInt64(offset + 8, true)),
  };
}

export function encodePollfds(entries: readonly Fields[]): Uint8Array {
  const out = new Uint8Array(POLLFD_SIZE * entries.length);
  const view = new DataView(out.buffer);
  entries.forEach((entry, i) => {
    view.setInt32(i * POLLFD_SIZE, intField(entry, "fd"), true);
    view.setInt16(i * POLLFD_SIZE + 4, intField(entry, "events", 0), true);
    view.setInt16(i * POLLFD_SIZE + 6, intField(entry, "revents", 0), true);
  });
  return out;
}

export function decodePollfds(bytes: Uint8Array, count: number): Fields[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Fields[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      fd: view.getInt32(i * POLLFD_SIZE, true),
      events: view.getUint16(i * POLLFD_SIZE + 4, true),
      revents: view.getUint16(i * POLLFD_SIZE + 6, true),
    });
  }
  return out;
}

/**
 * `data` may be given as `data` (number or bigint), `fd` (packetdrill's `{events=…, fd=4}`), `u32`
 * or `u64`/`ptr`; all land in the same 64-bit union.
 */
export function encodeEpollEvent(fields: Fields): Uint8Array {
  const out = new Uint8Array(EPOLL_EVENT_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, intField(fields, "events", 0) >>> 0, true);
  const raw = fields["data"] ?? fields["fd"] ?? fields["u32"] ?? fields["u64"] ?? fields["ptr"] ?? 0;
  const data = typeof raw === "bigint" ? raw : BigInt(typeof raw === "number" ? raw : 0);
  view.setBigUint64(4, BigInt.asUintN(64, data), true);
  return out;
}

/** Decoded events carry `data` as a number (exact when below 2^53) and `fd` (its low 32 bits). */
export function decodeEpollEvents(bytes: Uint8Array, count: number): Fields[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Fields[] = [];
  for (let i = 0; i < count; i++) {
    const data = view.getBigUint64(i * EPOLL_EVENT_SIZE + 4, true);
    out.push({
      events: view.getUint32(i * EPOLL_EVENT_SIZE, true),
      data: data <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(data) : data,
      fd: view.getInt32(i * EPOLL_EVENT_SIZE + 4, true),
    });
  }
  return out;
}

/** struct sock_extended_err (include/uapi/linux/errqueue.h), as IP_RECVERR delivers it. */
export function decodeSockExtendedErr(bytes: Uint8Array): Fields {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    ee_errno: view.getUint32(0, true),
    ee_origin: view.getUint8(4),
    ee_type: view.getUint8(5),
    ee_code: view.getUint8(6),
    ee_pad: view.getUint8(7),
    ee_info: view.getUint32(8, true),
    ee_data: view.getUint32(12, true),
  };
}

export function encodeInt(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, value | 0, true);
  return out;
}
