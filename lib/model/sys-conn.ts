/**
 * socket, bind, listen, accept, connect — with the errno Linux returns in each situation
 * (inet_create, inet_bind, inet_listen, inet_accept, __inet_stream_connect / tcp_v4_connect).
 */
import { AF_INET, AF_INET6, AF_UNSPEC, IPPROTO_TCP, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM } from "./constants";
import type { Host } from "./host";
import { sendSyn } from "./output";
import type { Socket } from "./socket";
import { setState } from "./state";
import { disconnect } from "./sys-close";
import { allocFd, fail, isSockaddr, lookupFd, num, ok, sockaddrOut, wireAddr, type HandlerResult, type SysResult } from "./sys-util";
import { activeTcb, newSocket } from "./tcb";
import { killTimeWait } from "./time-wait";
import type { SockaddrArg, SysArg } from "./types";

/** socket(domain, type, protocol). The family follows the host (AF_INET6 on IPv6 and mapped). */
export function sysSocket(h: Host, args: readonly SysArg[]): HandlerResult {
  const domain = num(args, 0);
  const type = num(args, 1) ?? -1;
  const protocol = num(args, 2) ?? 0;
  if (domain !== AF_INET && domain !== AF_INET6) return fail("EAFNOSUPPORT");
  if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== SOCK_STREAM) return fail("EPROTONOSUPPORT");
  if (protocol !== 0 && protocol !== IPPROTO_TCP) return fail("EPROTONOSUPPORT");
  const s = newSocket(h, h.family);
  s.nonblock = (type & SOCK_NONBLOCK) !== 0;
  return ok(allocFd(h, s));
}

/** inet_csk_bind_conflict, reduced to one local address: SO_REUSEADDR on both sides lets a
 * socket share a port with anything but a listener; SO_REUSEPORT on both lets anything share. */
function bindConflict(h: Host, s: Socket, port: number): boolean {
  for (const o of h.sockets) {
    if (o === s || o.local?.port !== port) continue;
    if (o.state === "CLOSED" && !o.userBound) continue;
    const oReuse = o.tw ? o.tw.reuse : o.opts.reuseAddr;
    if (s.opts.reuseAddr && oReuse && o.state !== "LISTEN") continue;
    if (s.opts.reusePort && o.opts.reusePort) continue;
    return true;
  }
  return false;
}

export function sysBind(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  const a = args[1];
  if (!isSockaddr(a)) return fail("EFAULT");
  if (a.family !== AF_INET && a.family !== AF_INET6) return fail("EAFNOSUPPORT");
  if (s.local || s.state !== "CLOSED") return fail("EINVAL");
  const addr = wireAddr(h, a.addr);
  if (addr === undefined || (addr !== null && addr.toLowerCase() !== h.localIp.toLowerCase())) return fail("EADDRNOTAVAIL");
  let port = a.port;
  if (port === 0) {
    const p = h.ephemeralPort();
    if (p === undefined) return fail("EADDRINUSE");
    port = p;
  } else if (bindConflict(h, s, port)) {
    return fail("EADDRINUSE");
  }
  s.local = { addr, port };
  s.userBound = a.port !== 0;
  return ok(0);
}

export function sysListen(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  if (s.ss !== "unconnected" || (s.state !== "CLOSED" && s.state !== "LISTEN") || s.tw) return fail("EINVAL");
  const somaxconn = h.profile.sysctl.somaxconn;
  const raw = num(args, 1) ?? 0;
  const backlog = raw < 0 || raw > somaxconn ? somaxconn : raw;
  if (s.state === "LISTEN") {
    s.listen!.maxBacklog = backlog;
    return ok(0);
  }
  if (!s.local) {
    const p = h.ephemeralPort();
    if (p === undefined) return fail("EADDRINUSE");
    s.local = { addr: null, port: p };
  } else if (h.findListener(s.local.port)) {
    return fail("EADDRINUSE");
  }
  s.listen = { maxBacklog: backlog, requests: [], acceptQueue: [], lastOverflow: -1 };
  setState(h, s, "LISTEN", "syscall/listen");
  return ok(0);
}

/** accept/accept4(fd, addr, addrlen[, flags]): a child from the accept queue, else wait. */
export function sysAccept(h: Host, args: readonly SysArg[], withFlags: number): HandlerResult {
  const fd = num(args, 0);
  const l = lookupFd(h, fd);
  if (!l) return fail("EBADF");
  const flags = withFlags ? num(args, 3) ?? 0 : 0;
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return fail("EINVAL");
  const take = (): SysResult | null => {
    if (l.state !== "LISTEN" || !l.listen || l.fd !== fd) return fail("EINVAL");
    const child = l.listen.acceptQueue.shift();
    if (!child) return null;
    child.parent = null;
    child.nonblock = (flags & SOCK_NONBLOCK) !== 0;
    const nfd = allocFd(h, child);
    return ok(nfd, { addr: sockaddrOut(h, l.family, child.remote!.addr, child.remote!.port) });
  };
  const r = take();
  if (r) return r;
  if (l.nonblock) return fail("EAGAIN");
  return { blocked: { attempt: () => take() } };
}

/** The connect outcome once the handshake is no longer in progress (__inet_stream_connect tail). */
function connectResult(s: Socket): SysResult | null {
  if (s.state === "SYN_SENT" || s.state === "SYN_RECEIVED") return null;
  if (s.state === "CLOSED" && !s.tw) {
    const e = s.err ?? "ECONNABORTED";
    s.err = null;
    s.ss = "unconnected";
    return fail(e);
  }
  s.ss = "connected";
  return ok(0);
}

export function sysConnect(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  const a = args[1];
  if (!isSockaddr(a)) return fail("EFAULT");
  if (a.family === AF_UNSPEC) {
    if (s.state !== "CLOSED" || s.tw) disconnect(h, s, "syscall/disconnect-reset");
    s.ss = "unconnected";
    return ok(0);
  }
  switch (s.ss) {
    case "connected":
      return fail("EISCONN");
    case "disconnecting":
      return fail("EINVAL");
    case "connecting": {
      const r = connectResult(s);
      if (r) return r;
      if (s.nonblock) return fail("EALREADY");
      return { blocked: { attempt: () => connectResult(s) } };
    }
    case "unconnected":
      break;
  }
  if (s.state !== "CLOSED" || s.tw) return fail("EISCONN");
  const bad = connectAddressError(h, s, a);
  if (bad) return fail(bad);
  const r = startConnect(h, s, a.port);
  if (r) return r;
  s.ss = "connecting";
  if (s.nonblock) return fail("EINPROGRESS");
  return { blocked: { attempt: () => connectResult(s) } };
}

/**
 * tcp_v4_connect / tcp_v6_connect's address checks. The host has one peer, so any other address
 * is unreachable — in particular a multicast or broadcast one, which Linux refuses with
 * ENETUNREACH before sending anything (RFC 9293 MUST-46: an active OPEN to such an address is an
 * error).
 */
export function connectAddressError(h: Host, s: Socket, a: SockaddrArg): string | undefined {
  // tcp_v6_connect first checks the length: a sockaddr_in (16 bytes) is shorter than
  // SIN6_LEN_RFC2133 (24); then each of tcp_v4/v6_connect takes only its own family.
  if (s.family === AF_INET6 && a.family === AF_INET) return "EINVAL";
  if (a.family !== s.family) return "EAFNOSUPPORT";
  const remote = wireAddr(h, a.addr);
  if (remote === undefined || remote === null || remote.toLowerCase() !== h.remoteIp.toLowerCase()) return "ENETUNREACH";
  return undefined;
}

/** tcp_v4_connect: pick the local port, check the 4-tuple (TIME_WAIT reuse), send the SYN. */
function startConnect(h: Host, s: Socket, remotePort: number): SysResult | null {
  let localPort = s.local?.port;
  if (localPort === undefined) {
    localPort = h.ephemeralPort();
    if (localPort === undefined) return fail("EADDRNOTAVAIL");
  }
  const tuple = { localAddr: h.localIp, localPort, remoteAddr: h.remoteIp, remotePort };
  let iss: number | undefined;
  const existing = h.lookupConn(tuple);
  if (existing) {
    const t = existing.kind === "socket" ? existing.tcb : null;
    const sys = h.profile.sysctl;
    // tcp_twsk_unique: a timewait socket that saw timestamps may be reused at once by an
    // explicitly bound socket (or after tcp_tw_reuse_delay with tcp_tw_reuse=1).
    const reusable = existing.kind === "socket" && existing.tw !== null && t !== null && t.tsOk && t.tsRecentStamp >= 0 &&
      (s.userBound || (sys.tcp_tw_reuse === 1 && h.now - t.tsRecentStamp >= sys.tcp_tw_reuse_delay * 1000));
    if (!reusable || existing.kind !== "socket") return fail("EADDRNOTAVAIL");
    iss = (t!.sndNxt + h.profile.constants.twIsnOffset) >>> 0;
    if (iss === 0) iss = 1;
    killTimeWait(h, existing, "time-wait/reused");
  }
  s.local = { addr: s.local?.addr ?? null, port: localPort };
  s.remote = { addr: h.remoteIp, port: remotePort };
  s.tcb = activeTcb(h, s, iss ?? h.isnFor(tuple));
  s.err = null;
  s.shutdown = 0;
  s.done = false;
  h.addConn(tuple, s);
  setState(h, s, "SYN_SENT", iss !== undefined ? "syscall/connect-tw-reuse" : "syscall/connect");
  sendSyn(h, s, iss !== undefined ? "syscall/connect-tw-reuse" : "syscall/connect");
  s.tcb.rtxTimer = { at: h.now + s.tcb.rto, kind: "retrans" };
  return null;
}
