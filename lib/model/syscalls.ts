/**
 * The syscall table: name → handler. Handlers return a result, or a `blocked` description that
 * the host re-tries after every event (see PendingCall in sys-util.ts).
 */
import type { Host } from "./host";
import { sysAccept, sysBind, sysConnect, sysListen, sysSocket } from "./sys-conn";
import { sysClose, sysShutdown } from "./sys-close";
import { sysFcntl, sysGetpeername, sysGetsockname, sysIoctl, sysPoll, sysRead, sysRecv, sysSend, sysWrite } from "./sys-io";
import { sysGetsockopt, sysSetsockopt } from "./sockopt";
import { fail, type HandlerResult } from "./sys-util";
import type { SysArg, SyscallOutcome } from "./types";

export type { PendingCall } from "./sys-util";

type Handler = (h: Host, args: readonly SysArg[]) => HandlerResult;

const HANDLERS: Readonly<Record<string, Handler>> = {
  socket: sysSocket,
  bind: sysBind,
  listen: sysListen,
  accept: (h, a) => sysAccept(h, a, 0),
  accept4: (h, a) => sysAccept(h, a, 1),
  connect: sysConnect,
  close: sysClose,
  shutdown: sysShutdown,
  read: sysRead,
  recv: sysRecv,
  recvfrom: sysRecv,
  write: sysWrite,
  send: sysSend,
  sendto: sysSend,
  poll: sysPoll,
  ioctl: sysIoctl,
  fcntl: sysFcntl,
  setsockopt: sysSetsockopt,
  getsockopt: sysGetsockopt,
  getsockname: sysGetsockname,
  getpeername: sysGetpeername,
};

export const SUPPORTED_SYSCALLS: readonly string[] = Object.keys(HANDLERS);

export function dispatchSyscall(h: Host, name: string, args: readonly SysArg[], nextId: () => number): SyscallOutcome {
  const handler = HANDLERS[name];
  const r = handler ? handler(h, args) : fail("ENOSYS");
  if ("blocked" in r) {
    const id = nextId();
    h.pendingCalls.push({ id, name, ...r.blocked });
    return { kind: "blocked", id };
  }
  return {
    kind: "returned",
    ret: r.ret,
    ...(r.errno !== undefined ? { errno: r.errno } : {}),
    ...(r.out !== undefined ? { out: r.out } : {}),
  };
}
