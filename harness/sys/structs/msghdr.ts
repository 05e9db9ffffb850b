/**
 * struct msghdr / iovec / cmsghdr (x86_64) built in native memory, because they hold pointers to
 * other buffers:
 *
 *   msghdr  (56): name ptr @0, namelen u32 @8, iov ptr @16, iovlen size_t @24,
 *                 control ptr @32, controllen size_t @40, flags int @48
 *   iovec   (16): base ptr @0, len size_t @8
 *   cmsghdr (16 + data): len size_t @0, level int @8, type int @12; CMSG_ALIGN = 8
 *
 * JS forms:
 *   iovec   { iov_base: Uint8Array | null | ..., iov_len: number }  (`...` = zeros of iov_len)
 *   cmsg    { cmsg_level, cmsg_type, cmsg_data }                     (levels/types: numbers or names)
 *   msghdr  { msg_name?, msg_namelen?, msg_iov: iovec[], msg_control?: cmsg[] | ...,
 *             msg_controllen?, msg_flags? }
 *   (recvmsg's answer adds msg_control_raw: [{cmsg_len, cmsg_data: bytes}], the same messages undecoded)
 */
import { IP, IPV6, SOL, SO, TCP, resolveConstant } from "../constants";
import type { NativeArena } from "../libc";
import { isEllipsis, type SysValue } from "../types";
import { decodeSockExtendedErr, decodeTimePair, encodeInt, intField, isFields, type Fields } from "./basic";
import { SOCKADDR_STORAGE_SIZE, decodeSockaddr, encodeSockaddr } from "./sockaddr";

export const MSGHDR_SIZE = 56;
export const IOVEC_SIZE = 16;
export const CMSGHDR_SIZE = 16;
/** Control buffer offered to recvmsg when the caller does not size it. */
export const DEFAULT_CONTROLLEN = 1024;

export function cmsgAlign(length: number): number {
  return (length + 7) & ~7;
}

function numberOrName(value: SysValue | undefined, what: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const known = resolveConstant(value);
    if (known !== undefined) return known;
  }
  throw new RangeError(`${what} must be a number or a known constant, not ${JSON.stringify(value)}`);
}

/** A native iovec array for `entries`; `buffers` are the native blocks behind each iov_base. */
export function buildIovecs(
  arena: NativeArena,
  entries: readonly SysValue[],
): { ptr: bigint; count: number; buffers: readonly { ptr: bigint; bytes: Uint8Array; length: number }[] } {
  const table = arena.alloc(IOVEC_SIZE * entries.length);
  const buffers: { ptr: bigint; bytes: Uint8Array; length: number }[] = [];
  entries.forEach((entry, i) => {
    if (!isFields(entry)) throw new RangeError("an iovec is {iov_base, iov_len}");
    const base = entry["iov_base"];
    const explicit = base instanceof Uint8Array ? base : undefined;
    const length = entry["iov_len"] === undefined && explicit ? explicit.length : intField(entry, "iov_len");
    if (base === null) {
      table.view.setBigUint64(i * IOVEC_SIZE, 0n, true);
      buffers.push({ ptr: 0n, bytes: new Uint8Array(0), length });
    } else {
      const block = arena.alloc(Math.max(length, explicit?.length ?? 0));
      if (explicit) block.bytes.set(explicit.subarray(0, Math.min(explicit.length, block.bytes.length)));
      else if (base !== undefined && !isEllipsis(base)) throw new RangeError("iov_base must be bytes, null or ...");
      table.view.setBigUint64(i * IOVEC_SIZE, block.ptr, true);
      buffers.push({ ptr: block.ptr, bytes: block.bytes, length });
    }
    table.view.setBigUint64(i * IOVEC_SIZE + 8, BigInt(length), true);
  });
  return { ptr: table.ptr, count: entries.length, buffers };
}

/** The bytes of one control message's data, chosen by its (level, type). */
function encodeCmsgData(level: number, type: number, data: SysValue | undefined): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "number") {
    if (level === SOL["SOL_SOCKET"] && type === SO["SCM_TXTIME"]) {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt(data), true);
      return out;
    }
    return encodeInt(data);
  }
  if (typeof data === "bigint") {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, data), true);
    return out;
  }
  throw new RangeError(`cmsg_data for level ${level} type ${type} must be a number or bytes`);
}

export function encodeControl(entries: readonly SysValue[]): Uint8Array {
  const parts = entries.map((entry) => {
    if (!isFields(entry)) throw new RangeError("a cmsg is {cmsg_level, cmsg_type, cmsg_data}");
    const level = numberOrName(entry["cmsg_level"], "cmsg_level");
    const type = numberOrName(entry["cmsg_type"], "cmsg_type");
    return { level, type, data: encodeCmsgData(level, type, entry["cmsg_data"]) };
  });
  const total = parts.reduce((sum, p) => sum + cmsgAlign(CMSGHDR_SIZE + p.data.length), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setBigUint64(at, BigInt(CMSGHDR_SIZE + p.data.length), true);
    view.setInt32(at + 8, p.level, true);
    view.setInt32(at + 12, p.type, true);
    out.set(p.data, at + CMSGHDR_SIZE);
    at += cmsgAlign(CMSGHDR_SIZE + p.data.length);
  }
  return out;
}

function decodeCmsgData(level: number, type: number, data: Uint8Array): SysValue {
  const int = (): number => (data.length >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true) : 0);
  if ((level === SOL["SOL_IP"] && type === IP["IP_RECVERR"]) || (level === SOL["SOL_IPV6"] && type === IPV6["IPV6_RECVERR"])) {
    if (data.length < 16) return data.slice();
    const err: Fields = decodeSockExtendedErr(data);
    return data.length > 16 ? { ...err, offender: decodeSockaddr(data.subarray(16)) } : err;
  }
  if (level === SOL["SOL_SOCKET"]) {
    if (type === SO["SCM_TIMESTAMPING"] && data.length >= 48) {
      return [0, 16, 32].map((at) => decodeTimePair(data, "tv_nsec", at));
    }
    if (type === SO["SCM_TIMESTAMPNS"] && data.length >= 16) return decodeTimePair(data, "tv_nsec");
    if (type === SO["SCM_TIMESTAMP"] && data.length >= 16) return decodeTimePair(data, "tv_usec");
  }
  if (level === SOL["SOL_TCP"] && type === TCP["TCP_CM_INQ"]) return int();
  if (level === SOL["SOL_IP"] && (type === IP["IP_TOS"] || type === IP["IP_TTL"])) {
    return type === IP["IP_TOS"] ? (data[0] ?? 0) : int();
  }
  if (level === SOL["SOL_IPV6"] && (type === IPV6["IPV6_TCLASS"] || type === IPV6["IPV6_HOPLIMIT"])) return int();
  return data.slice();
}

/** The control messages in the first `length` bytes of a control buffer (a truncated one ends the walk). */
function* controlMessages(bytes: Uint8Array, length: number): Generator<{ len: number; level: number; type: number; data: Uint8Array }> {
  const used = bytes.subarray(0, Math.min(length, bytes.length));
  const view = new DataView(used.buffer, used.byteOffset, used.length);
  let at = 0;
  while (at + CMSGHDR_SIZE <= used.length) {
    const len = Number(view.getBigUint64(at, true));
    if (len < CMSGHDR_SIZE || at + len > used.length) return;
    yield { len, level: view.getInt32(at + 8, true), type: view.getInt32(at + 12, true), data: used.subarray(at + CMSGHDR_SIZE, at + len) };
    at += cmsgAlign(len);
  }
}

/** Each control message's cmsg_len and raw data, for byte-exact comparison (packetdrill's memcmp). */
export function rawControl(bytes: Uint8Array, length: number): Fields[] {
  return [...controlMessages(bytes, length)].map((m) => ({ cmsg_len: m.len, cmsg_data: m.data.slice() }));
}

export function decodeControl(bytes: Uint8Array, length: number): Fields[] {
  return [...controlMessages(bytes, length)].map((m) => ({ cmsg_level: m.level, cmsg_type: m.type, cmsg_data: decodeCmsgData(m.level, m.type, m.data) }));
}

interface NativeBlock {
  readonly ptr: bigint;
  readonly bytes: Uint8Array;
}

export interface BuiltMsghdr {
  readonly ptr: bigint;
  readonly view: DataView;
  readonly name: NativeBlock | undefined;
  readonly iov: ReturnType<typeof buildIovecs>;
  readonly control: NativeBlock | undefined;
}

/**
 * Lays out a msghdr. For sendmsg, `msg_name` is the destination; for recvmsg (`forReceive`), any
 * non-null `msg_name` (an address or `...`) asks for the source address, and `msg_control`
 * (entries or `...`) or `msg_controllen` sizes the control buffer.
 */
export function buildMsghdr(arena: NativeArena, value: SysValue, forReceive: boolean): BuiltMsghdr {
  if (!isFields(value)) throw new RangeError("a msghdr is {msg_name, msg_iov, msg_control, msg_flags}");
  const header = arena.alloc(MSGHDR_SIZE);
  const nameValue = value["msg_name"];
  let name: NativeBlock | undefined;
  if (nameValue !== undefined && nameValue !== null) {
    const encoded = forReceive || isEllipsis(nameValue) ? new Uint8Array(SOCKADDR_STORAGE_SIZE) : encodeSockaddr(nameValue);
    const block = arena.copy(encoded);
    name = block;
    header.view.setBigUint64(0, block.ptr, true);
    const namelen = value["msg_namelen"];
    header.view.setUint32(8, typeof namelen === "number" ? namelen : encoded.length, true);
  }
  const iovValue = value["msg_iov"] ?? [];
  if (!Array.isArray(iovValue)) throw new RangeError("msg_iov must be a list of iovecs");
  const iov = buildIovecs(arena, iovValue as readonly SysValue[]);
  header.view.setBigUint64(16, iov.ptr, true);
  const iovlen = value["msg_iovlen"];
  header.view.setBigUint64(24, BigInt(typeof iovlen === "number" ? iovlen : iov.count), true);
  const controlValue = value["msg_control"];
  const controllen = value["msg_controllen"];
  let control: NativeBlock | undefined;
  if (forReceive) {
    const wanted = typeof controllen === "number" ? controllen : controlValue !== undefined && controlValue !== null ? DEFAULT_CONTROLLEN : 0;
    if (wanted > 0) control = arena.alloc(wanted);
  } else if (Array.isArray(controlValue)) {
    const encoded = encodeControl(controlValue as readonly SysValue[]);
    if (encoded.length > 0) control = arena.copy(encoded);
  } else if (controlValue instanceof Uint8Array) {
    control = arena.copy(controlValue);
  }
  if (control !== undefined) {
    header.view.setBigUint64(32, control.ptr, true);
    header.view.setBigUint64(40, BigInt(typeof controllen === "number" && !forReceive ? controllen : control.bytes.length), true);
  }
  const flags = value["msg_flags"];
  header.view.setInt32(48, typeof flags === "number" ? flags : 0, true);
  return { ptr: header.ptr, view: header.view, name, iov, control };
}

/** What recvmsg filled in, in the same JS form as the request. */
export function readMsghdr(built: BuiltMsghdr, received: number): Fields {
  const namelen = built.view.getUint32(8, true);
  const controllen = Number(built.view.getBigUint64(40, true));
  let left = Math.max(0, received);
  const iov = built.iov.buffers.map((buffer) => {
    const take = Math.min(left, buffer.length);
    left -= take;
    return { iov_base: buffer.bytes.slice(0, take), iov_len: buffer.length };
  });
  return {
    msg_name: built.name !== undefined && namelen > 0 ? decodeSockaddr(built.name.bytes, namelen) : null,
    msg_namelen: namelen,
    msg_iov: iov,
    msg_control: built.control !== undefined ? decodeControl(built.control.bytes, controllen) : [],
    msg_control_raw: built.control !== undefined ? rawControl(built.control.bytes, controllen) : [],
    msg_controllen: controllen,
    msg_flags: built.view.getInt32(48, true),
  };
}
