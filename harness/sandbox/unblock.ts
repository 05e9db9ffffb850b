/**
 * Getting a syscall thread out of a blocking call, so it can be stopped: a thread blocked in a
 * native call ignores Worker.terminate(), and Node waits for it at exit (the process hangs).
 *
 * 1. shutdown(SHUT_RDWR) on the sandbox's sockets wakes accept/connect/recv/send/poll on them
 *    (close() does not: the blocked call holds its own file reference).
 * 2. For anything else (a pipe read, epoll_wait(-1), a blocking open): a signal aimed at that
 *    thread with tgkill. SIGNAL has a do-nothing C handler installed without SA_RESTART, so the
 *    call returns EINTR. The handler must be native code (a JS callback cannot run in signal
 *    context); libc's `abs` is pure and harmless as one. The signal is a real-time signal Node,
 *    libuv and V8 do not use.
 */
import { libc } from "../sys/libc";

export const UNBLOCK_SIGNAL = 61; // SIGRTMIN+27 on glibc (SIGRTMIN = 34); Node uses no RT signals
const SIGACTION_SIZE = 152; // glibc struct sigaction on x86_64: handler, sigset_t[128], flags, restorer
const SHUT_RDWR = 2;

let installed = false;

function installHandler(): void {
  if (installed) return;
  const handler = libc().dlsym(0n, "abs");
  if (BigInt(handler) === 0n) throw new Error("cannot find a native no-op signal handler");
  const act = new Uint8Array(SIGACTION_SIZE);
  // sa_handler = abs, sa_mask empty, sa_flags 0 (no SA_RESTART): blocked calls return EINTR.
  new DataView(act.buffer).setBigUint64(0, BigInt(handler), true);
  if (libc().sigaction(UNBLOCK_SIGNAL, act, null) !== 0) throw new Error("sigaction failed");
  installed = true;
}

/** Wakes calls blocked on these sockets (errors for non-sockets are ignored). */
export function shutdownAll(fds: Iterable<number>): void {
  for (const fd of fds) libc().shutdown(fd, SHUT_RDWR);
}

/** Interrupts whatever call thread `tid` of this process is blocked in. */
export function interruptThread(tid: number): boolean {
  installHandler();
  return libc().tgkill(libc().getpid(), tid, UNBLOCK_SIGNAL) === 0;
}

/** Installs the handler up front (tgkill with no handler installed would kill the process). */
export function prepareUnblocking(): void {
  installHandler();
}
