/**
 * Socket addresses as plain objects ↔ `struct sockaddr_*` bytes (x86_64, little-endian host).
 *
 *   { family: "AF_INET",  port: 8080, addr: "192.0.2.1" }                      sockaddr_in (16)
 *   { family: "AF_INET6", port: 8080, addr: "::ffff:192.0.2.1",
 *     flowinfo?: 0, scope_id?: 0 }                                              sockaddr_in6 (28)
 *   { family: "AF_UNSPEC" }                                                     16 zero bytes
 *
 * `family` may also be the number. Ports are host-order numbers; the encoder writes network
 * order, as the kernel expects (include/uapi/linux/in.h, in6.h).
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "../../../lib/wire/address";
import { AF } from "../constants";
import type { SysValue } from "../types";

export const SOCKADDR_IN_SIZE = 16;
export const SOCKADDR_IN6_SIZE = 28;
export const SOCKADDR_LL_SIZE = 20;
/** sizeof(struct sockaddr_storage): room for any address the kernel returns. */
export const SOCKADDR_STORAGE_SIZE = 128;

export type SockaddrIn = {
  readonly family: "AF_INET";
  readonly port: number;
  readonly addr: string;
};

export type SockaddrIn6 = {
  readonly family: "AF_INET6";
  readonly port: number;
  readonly addr: string;
  readonly flowinfo: number;
  readonly scope_id: number;
};

export type SockaddrOther = {
  readonly family: string;
  /** The bytes after the family field, verbatim. */
  readonly data: Uint8Array;
};

export type Sockaddr = SockaddrIn | SockaddrIn6 | SockaddrOther;

function familyNumber(family: SysValue | undefined): number {
  if (typeof family === "number") return family;
  if (typeof family === "string") {
    const value = AF[family];
    if (value !== undefined) return value;
  }
  throw new RangeError(`unknown address family ${JSON.stringify(family)}`);
}

function familyName(value: number): string {
  switch (value) {
    case 0:
      return "AF_UNSPEC";
    case 1:
      return "AF_UNIX";
    case 2:
      return "AF_INET";
    case 10:
      return "AF_INET6";
    case 16:
      return "AF_NETLINK";
    case 17:
      return "AF_PACKET";
    default:
      return `AF_${value}`;
  }
}

function portOf(value: SysValue | undefined): number {
  const port = value ?? 0;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new RangeError(`bad port ${JSON.stringify(port)}`);
  }
  return port;
}

function u32Of(value: SysValue | undefined, what: string): number {
  const v = value ?? 0;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`bad ${what} ${JSON.stringify(v)}`);
  }
  return v;
}

/** Encodes a sockaddr object. Throws RangeError on a malformed one. */
export function encodeSockaddr(value: SysValue): Uint8Array {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array || Array.isArray(value)) {
    throw new RangeError("a sockaddr is an object like {family, port, addr}");
  }
  const fields = value as { readonly [field: string]: SysValue };
  const family = familyNumber(fields["family"]);
  if (family === AF["AF_INET"]) {
    const addr = typeof fields["addr"] === "string" ? parseIpv4(fields["addr"]) : undefined;
    if (addr === undefined) throw new RangeError(`bad IPv4 address ${JSON.stringify(fields["addr"])}`);
    const out = new Uint8Array(SOCKADDR_IN_SIZE);
    const view = new DataView(out.buffer);
    view.setUint16(0, family, true);
    view.setUint16(2, portOf(fields["port"]), false);
    out.set(addr, 4);
    return out;
  }
  if (family === AF["AF_INET6"]) {
    const addr = typeof fields["addr"] === "string" ? parseIpv6(fields["addr"]) : undefined;
    if (addr === undefined) throw new RangeError(`bad IPv6 address ${JSON.stringify(fields["addr"])}`);
    const out = new Uint8Array(SOCKADDR_IN6_SIZE);
    const view = new DataView(out.buffer);
    view.setUint16(0, family, true);
    view.setUint16(2, portOf(fields["port"]), false);
    view.setUint32(4, u32Of(fields["flowinfo"], "flowinfo"), false);
    out.set(addr, 8);
    view.setUint32(24, u32Of(fields["scope_id"], "scope_id"), true);
    return out;
  }
  const data = fields["data"];
  const out = new Uint8Array(Math.max(16, 2 + (data instanceof Uint8Array ? data.length : 0)));
  new DataView(out.buffer).setUint16(0, family, true);
  if (data instanceof Uint8Array) out.set(data, 2);
  return out;
}

/** Decodes the first `length` bytes of a sockaddr the kernel filled in. */
export function decodeSockaddr(bytes: Uint8Array, length = bytes.length): Sockaddr {
  const used = bytes.subarray(0, Math.min(length, bytes.length));
  if (used.length < 2) return { family: "AF_UNSPEC", data: new Uint8Array(0) };
  const view = new DataView(used.buffer, used.byteOffset, used.length);
  const family = view.getUint16(0, true);
  if (family === AF["AF_INET"] && used.length >= 8) {
    return { family: "AF_INET", port: view.getUint16(2, false), addr: formatIpv4(used, 4) };
  }
  if (family === AF["AF_INET6"] && used.length >= 24) {
    return {
      family: "AF_INET6",
      port: view.getUint16(2, false),
      addr: formatIpv6(used, 8),
      flowinfo: view.getUint32(4, false),
      scope_id: used.length >= 28 ? view.getUint32(24, true) : 0,
    };
  }
  return { family: familyName(family), data: used.slice(2) };
}
