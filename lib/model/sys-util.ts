/**
 * Shared pieces of the syscall layer: result values, argument decoding, the fd table (lowest free
 * number from 3, as Linux allocates after stdin/stdout/stderr), and address conversion between
 * what scripts pass (AF_INET / AF_INET6, v4-mapped) and the host's wire addresses.
 */
import { canonicalAddress } from "../wire/address";
import { AF_INET, AF_INET6, symbolValue } from "./constants";
import type { Host } from "./host";
import type { Socket } from "./socket";
import type { LingerArg, PollFdArg, SockaddrArg, SysArg, SyscallOut } from "./types";

export interface SysResult {
  ret: number;
  errno?: string;
  out?: SyscallOut;
}

/** A call that must wait: `attempt` is re-run after every event until it returns a result. */
export interface PendingCall {
  readonly id: number;
  readonly name: string;
  attempt: (h: Host) => SysResult | null;
  deadline?: number;
  onDeadline?: (h: Host) => SysResult;
}

export interface Blocked {
  readonly blocked: {
    attempt: (h: Host) => SysResult | null;
    deadline?: number;
    onDeadline?: (h: Host) => SysResult;
  };
}

export type HandlerResult = SysResult | Blocked;

export function ok(ret: number, out?: SyscallOut): SysResult {
  return out ? { ret, out } : { ret };
}

export function fail(errno: string): SysResult {
  return { ret: -1, errno };
}

export function num(args: readonly SysArg[], i: number): number | undefined {
  return symbolValue(args[i]);
}

export function isSockaddr(a: SysArg): a is SockaddrArg {
  return typeof a === "object" && a !== null && !(a instanceof Uint8Array) && !Array.isArray(a) && "port" in a && "addr" in a;
}

export function isLinger(a: SysArg): a is LingerArg {
  return typeof a === "object" && a !== null && !(a instanceof Uint8Array) && !Array.isArray(a) && "onoff" in a;
}

export function isPollFds(a: SysArg): a is readonly PollFdArg[] {
  return Array.isArray(a);
}

export function lookupFd(h: Host, fd: number | undefined): Socket | undefined {
  return fd === undefined ? undefined : h.fds.get(fd);
}

export function allocFd(h: Host, s: Socket): number {
  let fd = 3;
  while (h.fds.has(fd)) fd++;
  h.fds.set(fd, s);
  s.fd = fd;
  return fd;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "::ffff:0.0.0.0", "0:0:0:0:0:0:0:0"]);

/**
 * The wire address a script's sockaddr names: null for the wildcard, the IPv4 address inside a
 * v4-mapped IPv6 address in mapped mode, undefined when the address cannot be used on this host.
 */
export function wireAddr(h: Host, addr: string): string | null | undefined {
  const a = addr.trim().toLowerCase();
  if (WILDCARDS.has(a)) return null;
  if (h.ipVersion === 4) {
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    const v4 = m ? m[1]! : a;
    return /^\d+\.\d+\.\d+\.\d+$/.test(v4) ? canonicalAddress(v4) : undefined;
  }
  return a.includes(":") ? canonicalAddress(a) : undefined;
}

/** A sockaddr for a script: AF_INET6 with ::ffff:a.b.c.d in mapped mode. */
export function sockaddrOut(h: Host, family: number, addr: string | null, port: number): SockaddrArg {
  if (family === AF_INET6) {
    const text = addr === null ? "::" : h.ipVersion === 4 ? `::ffff:${addr}` : addr;
    return { family: AF_INET6, port, addr: text };
  }
  return { family: AF_INET, port, addr: addr ?? "0.0.0.0" };
}

export function sameIp(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
