/**
 * The Linux symbol table: every name a packetdrill script may use for a number in a system call
 * (socket, TCP, IP/IPv6, errno, fcntl, poll/epoll, msg flags, SO_*, TCP_*...), with its x86_64
 * Linux value. packetdrill resolves these strace-style names at run time (symbols_linux.c); the
 * runner and the checker use this table for the same purpose.
 */
import { ERRNO_SYMBOLS, IO_SYMBOLS } from "./symbols-linux-io";
import { NET_SYMBOLS } from "./symbols-linux-net";

export const LINUX_SYMBOLS: ReadonlyMap<string, number> = new Map([...NET_SYMBOLS, ...IO_SYMBOLS, ...ERRNO_SYMBOLS]);

const ERRNO_BY_NAME: ReadonlyMap<string, number> = new Map(ERRNO_SYMBOLS);
const ERRNO_NAME_BY_VALUE: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  // The first name listed wins (EAGAIN over EWOULDBLOCK, EDEADLK over EDEADLOCK, EOPNOTSUPP over ENOTSUP).
  for (const [name, value] of ERRNO_SYMBOLS) if (!m.has(value)) m.set(value, name);
  return m;
})();

/** The value of a symbol, or undefined if the table does not know it. */
export function lookupSymbol(name: string): number | undefined {
  return LINUX_SYMBOLS.get(name);
}

/** The errno value of an errno name (`EAGAIN` -> 11). */
export function errnoValue(name: string): number | undefined {
  return ERRNO_BY_NAME.get(name);
}

/** The canonical name of an errno value (11 -> `EAGAIN`). */
export function errnoName(value: number): string | undefined {
  return ERRNO_NAME_BY_VALUE.get(value);
}
