/**
 * Which script calls may run on the runner's own (main) thread, as packetdrill's main thread runs
 * every call the script does not mark blocking (run_system_call.c: run_system_call_event calls
 * invoke_system_call itself; only a call with a `...` end time goes to the syscall thread).
 *
 * tcpdrill's main thread is outside every sandbox's namespace and cannot be stuck in the kernel
 * (it serves all runs in progress, and their timeouts), so it takes only calls that
 *   - act on an existing descriptor (a socket is created in the caller's namespace), and create
 *     none (the close-on-exec bookkeeping of cloexec.ts lives on the syscall thread),
 *   - cannot block: by their kind, or because the descriptor is non-blocking or the call says
 *     MSG_DONTWAIT,
 *   - are light: no write, send or sendmsg, which transmit inside the call (tcp_push sends the
 *     segments through tun0 before returning), hundreds of microseconds of kernel work that would
 *     hold the one main thread every run in progress shares (a `-j 2` neighbour's injections
 *     came 0.2 ms late behind it).
 * Everything else keeps going to the syscall thread.
 */
import { Args } from "./args";
import type { SyscallRequest } from "../types";

const MSG_DONTWAIT = 0x40;
const MSG_ERRQUEUE = 0x2000;
const O_NONBLOCK = 0o4000;
/**
 * fcntl commands that create a descriptor (F_DUPFD…), may block (record locks), or read and
 * write the syscall thread's close-on-exec bookkeeping (F_GETFD, F_SETFD).
 */
const FCNTL_ON_THREAD: ReadonlySet<number> = new Set([0 /* F_DUPFD */, 1030 /* F_DUPFD_CLOEXEC */, 1 /* F_GETFD */, 2 /* F_SETFD */, 7 /* F_SETLKW */, 38 /* F_OFD_SETLKW */]);

/** Calls on a descriptor that return at once whatever its flags. */
const NEVER_BLOCK: ReadonlySet<string> = new Set(["bind", "listen", "setsockopt", "getsockopt", "getsockname", "getpeername", "ioctl", "shutdown", "epoll_ctl"]);

/**
 * Calls that block only on a blocking descriptor, with the index of their flags argument
 * (undefined: none). connect() on a non-blocking socket answers EINPROGRESS at once.
 */
const IO_FLAGS_ARG: ReadonlyMap<string, number | undefined> = new Map<string, number | undefined>([
  ["read", undefined],
  ["readv", undefined],
  ["connect", undefined],
  ["recv", 3],
  ["recvfrom", 3],
  ["recvmsg", 2],
]);

/** Whether every call of this name runs on the runner's thread (none may block, whatever its arguments). */
export function alwaysNeverBlocks(name: string): boolean {
  return NEVER_BLOCK.has(name);
}

/**
 * Whether `request` can neither block nor create a descriptor. `statusFlags(fd)` reads the
 * descriptor's file status flags (fcntl F_GETFL; negative if it cannot).
 */
export function neverBlocks(request: SyscallRequest, statusFlags: (fd: number) => number): boolean {
  const name = request.name;
  if (NEVER_BLOCK.has(name)) return true;
  const a = new Args(name, request.args);
  const int = (i: number): number | undefined => {
    try {
      return a.int(i);
    } catch {
      return undefined;
    }
  };
  if (name === "fcntl") {
    const cmd = int(1);
    return cmd !== undefined && !FCNTL_ON_THREAD.has(cmd);
  }
  if (name === "poll") return int(2) === 0;
  if (name === "epoll_wait") return int(3) === 0;
  if (!IO_FLAGS_ARG.has(name)) return false;
  const flagsAt = IO_FLAGS_ARG.get(name);
  if (flagsAt !== undefined) {
    const flags = int(flagsAt);
    if (flags === undefined) return false;
    // An error-queue read never waits (sock_recv_errqueue answers EAGAIN when it is empty).
    if ((flags & (MSG_DONTWAIT | MSG_ERRQUEUE)) !== 0) return true;
  }
  const fd = int(0);
  if (fd === undefined || fd < 0) return false;
  const fl = statusFlags(fd);
  return fl >= 0 && (fl & O_NONBLOCK) !== 0;
}
