/**
 * The generic executor: `executeSyscall({name, args}, epochNs)` runs one libc call on the calling
 * thread, synchronously, and reports what it did. The sandbox runs it on its syscall thread
 * (inside the network namespace); `executeQuickSyscall` is the subset that is safe on any
 * thread because it neither blocks nor creates anything in the caller's namespace.
 */
import { errnoName } from "../errno";
import { SyscallArgumentError, type SyscallOutcome, type SyscallRequest, type SysValue } from "../types";
import { Args } from "./args";
import { FD_HANDLERS } from "./fd";
import { CallTimer, type Handler } from "./handler";
import { MSG_HANDLERS } from "./msg";
import { POLL_HANDLERS } from "./poll";
import { SOCKET_HANDLERS } from "./socket";
import { SOCKOPT_HANDLERS } from "./sockopt";

const HANDLERS: Readonly<Record<string, Handler>> = {
  ...FD_HANDLERS,
  ...SOCKET_HANDLERS,
  ...SOCKOPT_HANDLERS,
  ...MSG_HANDLERS,
  ...POLL_HANDLERS,
};

/** Every syscall name the executor knows. */
export const SYSCALL_NAMES: readonly string[] = Object.keys(HANDLERS).sort();

export function isKnownSyscall(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(HANDLERS, name);
}

/**
 * Throws SyscallArgumentError for an unknown call or an argument it cannot marshal (nothing
 * reached the kernel then); every kernel-level failure is a normal outcome with errno set.
 */
export function executeSyscall(request: SyscallRequest, epochNs: bigint): SyscallOutcome {
  const handler = isKnownSyscall(request.name) ? HANDLERS[request.name] : undefined;
  if (handler === undefined) throw new SyscallArgumentError(request.name, -1, "unknown syscall");
  const timer = new CallTimer(epochNs);
  const effect = handler(new Args(request.name, request.args), timer);
  if (!timer.used) throw new Error(`${request.name}: handler made no call`);
  return {
    ret: effect.ret,
    errno: effect.errno,
    ...(effect.errno !== 0 ? { errnoName: errnoName(effect.errno) } : {}),
    out: effect.out ?? {},
    openedFds: effect.opened ?? [],
    closedFds: effect.closed ?? [],
    startNs: Number(timer.startNs - epochNs),
    endNs: Number(timer.endNs - epochNs),
  };
}

/**
 * Calls that are safe on a thread outside the sandbox's namespace: they act on existing
 * descriptors, never block (poll/epoll_wait only with timeout 0; fcntl without locks) and create
 * nothing. Anything that creates a socket must run on the syscall thread, or it would land in
 * the host's namespace.
 */
const QUICK: ReadonlySet<string> = new Set(["getsockopt", "getsockname", "getpeername", "ioctl", "fcntl", "poll", "epoll_wait"]);
/** fcntl commands that only read state (F_GETFD is not: its answer is adjusted per thread). */
const QUICK_FCNTL: ReadonlySet<number> = new Set([3 /* F_GETFL */, 9 /* F_GETOWN */, 1025 /* F_GETLEASE */, 1032 /* F_GETPIPE_SZ */]);

export function executeQuickSyscall(request: SyscallRequest, epochNs: bigint): SyscallOutcome {
  if (!QUICK.has(request.name)) {
    throw new SyscallArgumentError(request.name, -1, "not allowed off the syscall thread (it may block or create a descriptor)");
  }
  const a = new Args(request.name, request.args);
  if (request.name === "fcntl") {
    if (!QUICK_FCNTL.has(a.int(1))) throw new SyscallArgumentError("fcntl", 1, "only fcntl commands that read state are quick");
  }
  if (request.name === "poll" && a.int(2, 0) !== 0) throw new SyscallArgumentError("poll", 2, "only timeout 0 is quick");
  if (request.name === "epoll_wait" && a.int(3, 0) !== 0) throw new SyscallArgumentError("epoll_wait", 3, "only timeout 0 is quick");
  return executeSyscall(request, epochNs);
}

/**
 * The descriptors a call names (by argument), so a caller can refuse calls on descriptors it
 * does not own. Unknown calls name none.
 */
export function descriptorsNamed(request: SyscallRequest): number[] {
  const a = new Args(request.name, request.args);
  const at = (...indexes: number[]): number[] =>
    indexes.flatMap((i) => {
      const v = request.args[i];
      return typeof v === "number" && Number.isInteger(v) ? [v] : [];
    });
  switch (request.name) {
    case "socket":
    case "socketpair":
    case "open":
    case "pipe":
    case "pipe2":
    case "epoll_create":
    case "epoll_create1":
      return [];
    case "poll": {
      const list = a.raw(0);
      if (!Array.isArray(list)) return [];
      return (list as readonly SysValue[]).flatMap((e) => {
        const fd = typeof e === "object" && e !== null && !(e instanceof Uint8Array) && !Array.isArray(e) ? (e as { fd?: SysValue }).fd : undefined;
        return typeof fd === "number" ? [fd] : [];
      });
    }
    case "epoll_ctl":
    case "splice":
      return at(0, 2);
    case "sendfile":
      return at(0, 1);
    default:
      return isKnownSyscall(request.name) ? at(0) : [];
  }
}
