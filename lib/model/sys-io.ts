/**
 * Data and readiness: read/recv (tcp_recvmsg's order of checks: data, EOF, error, shutdown,
 * ENOTCONN, EAGAIN), write/send (tcp_sendmsg: wait for the handshake, EPIPE after shutdown,
 * send-buffer space), poll (tcp_poll), ioctl (SIOCINQ/SIOCOUTQ/FIONBIO), fcntl, get*name.
 */
import { seqDiff } from "../wire/seq";
import {
  F_GETFD, F_GETFL, F_SETFD, F_SETFL, FIONBIO, FIONREAD, MSG_DONTWAIT, MSG_FASTOPEN, MSG_MORE, MSG_PEEK, MSG_WAITALL,
  O_NONBLOCK, O_RDWR, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM,
  SIOCOUTQ, SIOCOUTQNSD,
} from "./constants";
import type { Host } from "./host";
import { pushPending, sendAck } from "./output";
import type { Socket, Tcb } from "./socket";
import { connectAddressError } from "./sys-conn";
import { fail, isPollFds, isSockaddr, lookupFd, num, ok, sockaddrOut, type HandlerResult, type SysResult } from "./sys-util";
import type { PollFdArg, SysArg } from "./types";
import { computeWindow, receiveWindow } from "./window";
import { seqAdd } from "../wire/seq";

function takeBytes(t: Tcb, n: number, peek: boolean): Uint8Array {
  const out = new Uint8Array(n);
  let got = 0;
  let i = 0;
  while (got < n && i < t.rcvQueue.length) {
    const chunk = t.rcvQueue[i]!;
    const k = Math.min(chunk.length, n - got);
    out.set(chunk.subarray(0, k), got);
    got += k;
    if (!peek) {
      if (k === chunk.length) t.rcvQueue.splice(i, 1);
      else {
        t.rcvQueue[i] = chunk.subarray(k);
        i++;
      }
    } else {
      i++;
    }
  }
  if (!peek) {
    t.rcvQueueLen -= got;
    t.copiedSeq = seqAdd(t.copiedSeq, got);
  }
  return out;
}

/** tcp_cleanup_rbuf: after a read, send an owed ACK or a window update that doubled the window. */
function cleanupRbuf(h: Host, s: Socket, t: Tcb, copied: number): void {
  let timeToAck = false;
  if (t.ack.scheduled) {
    if (seqDiff(t.rcvNxt, t.rcvWup) > t.ack.rcvMss ||
        (copied > 0 && (t.ack.pushed2 || (t.ack.pushed && t.ack.pingpong === 0)) && t.rcvQueueLen === 0)) {
      timeToAck = true;
    }
  }
  if (copied > 0 && !timeToAck && !(s.shutdown & 1)) {
    const now = receiveWindow(t);
    if (2 * now <= t.windowClamp) {
      const nw = computeWindow(h, s, t);
      if (nw && nw >= 2 * now) timeToAck = true;
    }
  }
  if (timeToAck && s.state !== "CLOSED" && !s.tw) sendAck(h, s, t.ack.scheduled ? "syscall/read" : "output/window-update");
}

function readCommon(h: Host, s: Socket, len: number, flags: number): HandlerResult {
  if (s.state === "LISTEN") return fail("ENOTCONN");
  const peek = (flags & MSG_PEEK) !== 0;
  const attempt = (): SysResult | null => {
    const t = s.tcb;
    if (len === 0) return ok(0);
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    if (t && t.rcvQueueLen > 0 && (!waitAll || t.rcvQueueLen >= len || s.done || s.err || s.shutdown & 1)) {
      const data = takeBytes(t, Math.min(len, t.rcvQueueLen), peek);
      if (!peek && !s.tw) cleanupRbuf(h, s, t, data.length);
      return ok(data.length, { data });
    }
    if (s.done) return ok(0, { data: new Uint8Array(0) });
    if (s.err) {
      const e = s.err;
      s.err = null;
      return fail(e);
    }
    if (s.shutdown & 1) return ok(0, { data: new Uint8Array(0) });
    if (s.state === "CLOSED" || s.tw) return fail("ENOTCONN");
    return null;
  };
  const r = attempt();
  if (r) return r;
  if (s.nonblock || flags & MSG_DONTWAIT) return fail("EAGAIN");
  return { blocked: { attempt } };
}

/** read(fd, buf, count) */
export function sysRead(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  return readCommon(h, s, num(args, 2) ?? 0, 0);
}

/** recv(fd, buf, len, flags) / recvfrom(fd, buf, len, flags, addr, addrlen) */
export function sysRecv(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  return readCommon(h, s, num(args, 2) ?? 0, num(args, 3) ?? 0);
}

/** sk_sndbuf in payload bytes: SO_SNDBUF, else tcp_sndbuf_expand's 2 × cwnd × per-MSS size. */
export function sndBufBytes(h: Host, s: Socket): number {
  if (s.opts.sndBuf > 0) return s.opts.sndBuf;
  const t = s.tcb;
  if (!t || s.state === "SYN_SENT") return h.profile.sysctl.tcp_wmem[1];
  const perMss = 2 ** Math.ceil(Math.log2(Math.max(t.mssClamp, t.mssCache) + 640)) + 256;
  const segs = Math.max(h.profile.constants.initCwnd, t.cwnd, 4);
  return Math.max(h.profile.sysctl.tcp_wmem[1], Math.min(2 * segs * perMss, h.profile.sysctl.tcp_wmem[2]));
}

function appendSendData(t: Tcb, data: Uint8Array): void {
  if (t.sndBufLen + data.length > t.sndBuf.length) {
    const grown = new Uint8Array(Math.max(t.sndBuf.length * 2, t.sndBufLen + data.length));
    grown.set(t.sndBuf.subarray(0, t.sndBufLen));
    t.sndBuf = grown;
  }
  t.sndBuf.set(data, t.sndBufLen);
  t.sndBufLen += data.length;
  t.writeSeq = seqAdd(t.writeSeq, data.length);
}

function writeCommon(h: Host, s: Socket, data: Uint8Array, flags: number): HandlerResult {
  let copied = 0;
  const nonblock = s.nonblock || (flags & MSG_DONTWAIT) !== 0;
  const more = (flags & MSG_MORE) !== 0;
  const stop = (r: SysResult): SysResult => (copied > 0 ? ok(copied) : r);
  const attempt = (): SysResult | null => {
    if (s.state !== "ESTABLISHED" && s.state !== "CLOSE_WAIT") {
      // sk_stream_wait_connect
      if (s.err) {
        const e = s.err;
        s.err = null;
        return stop(fail(e));
      }
      if ((s.state !== "SYN_SENT" && s.state !== "SYN_RECEIVED") || s.tw) return stop(fail("EPIPE"));
      if (s.tcb) s.tcb.writePending = !nonblock;
      return nonblock ? stop(fail("EAGAIN")) : null;
    }
    const t = s.tcb!;
    t.writePending = false;
    if (s.err || s.shutdown & 2) {
      if (copied > 0) return ok(copied);
      const e = s.err ?? "EPIPE";
      s.err = null;
      return fail(e);
    }
    if (data.length === 0) return ok(0);
    const queued = seqDiff(t.writeSeq, t.sndUna);
    const room = sndBufBytes(h, s) - queued;
    if (room > 0) {
      const n = Math.min(room, data.length - copied);
      appendSendData(t, data.subarray(copied, copied + n));
      copied += n;
    }
    const done = copied === data.length;
    if (!more || !done) t.pushMarks.push(t.writeSeq);
    pushPending(h, s, "syscall/write", more && done ? "cork" : undefined);
    if (done) return ok(copied);
    return nonblock ? stop(fail("EAGAIN")) : null;
  };
  const r = attempt();
  if (r) return r;
  return { blocked: { attempt } };
}

function payloadOf(buf: SysArg, count: number): Uint8Array {
  const out = new Uint8Array(Math.max(0, count));
  if (buf instanceof Uint8Array) out.set(buf.subarray(0, out.length));
  return out;
}

/** write(fd, buf, count): `buf` may be null (a script's `...`): count zero bytes are written. */
export function sysWrite(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  if (s.state === "LISTEN") return fail("EPIPE");
  return writeCommon(h, s, payloadOf(args[1], num(args, 2) ?? 0), 0);
}

/** send(fd, buf, len, flags) / sendto(...) (the address is ignored on a connected socket). */
export function sysSend(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  if (s.state === "LISTEN") return fail("EPIPE");
  const flags = num(args, 3) ?? 0;
  const to = args[4];
  if ((flags & MSG_FASTOPEN) !== 0 && s.ss === "unconnected" && s.state === "CLOSED" && !s.tw && to !== undefined && isSockaddr(to)) {
    // tcp_sendmsg_fastopen opens the connection through __inet_stream_connect, so an address
    // connect() refuses fails the sendto the same way (Fast Open itself is not modelled).
    const bad = connectAddressError(h, s, to);
    if (bad) return fail(bad);
  }
  return writeCommon(h, s, payloadOf(args[1], num(args, 2) ?? 0), flags);
}

/** tcp_poll. */
export function pollMask(h: Host, s: Socket): number {
  if (s.state === "LISTEN") return s.listen && s.listen.acceptQueue.length > 0 ? POLLIN | POLLRDNORM : 0;
  let mask = 0;
  const closed = s.state === "CLOSED" || s.tw !== null;
  if (s.shutdown === 3 || closed) mask |= POLLHUP;
  if (s.shutdown & 1) mask |= POLLIN | POLLRDNORM | POLLRDHUP;
  if (s.state !== "SYN_SENT" && s.state !== "SYN_RECEIVED") {
    if (s.tcb && s.tcb.rcvQueueLen > 0) mask |= POLLIN | POLLRDNORM;
    if (!(s.shutdown & 2)) {
      const t = s.tcb;
      const queued = t ? seqDiff(t.writeSeq, t.sndUna) : 0;
      if (sndBufBytes(h, s) - queued > 0) mask |= POLLOUT | POLLWRNORM;
    } else {
      mask |= POLLOUT | POLLWRNORM;
    }
  }
  if (s.err) mask |= POLLERR;
  return mask;
}

/** poll(fds, nfds, timeout_ms) */
export function sysPoll(h: Host, args: readonly SysArg[]): HandlerResult {
  const fdsArg = args[0];
  if (!isPollFds(fdsArg)) return fail("EFAULT");
  const nfds = num(args, 1) ?? fdsArg.length;
  const timeout = num(args, 2) ?? -1;
  const list = fdsArg.slice(0, nfds);
  const scan = (): { count: number; fds: PollFdArg[] } => {
    let count = 0;
    const fds = list.map((p) => {
      const s = h.fds.get(p.fd);
      const revents = p.fd < 0 ? 0 : !s ? POLLNVAL : pollMask(h, s) & (p.events | POLLERR | POLLHUP);
      if (revents) count++;
      return { fd: p.fd, events: p.events, revents };
    });
    return { count, fds };
  };
  const first = scan();
  if (first.count > 0 || timeout === 0) return ok(first.count, { fds: first.fds });
  const attempt = (): SysResult | null => {
    const r = scan();
    return r.count > 0 ? ok(r.count, { fds: r.fds }) : null;
  };
  return {
    blocked: {
      attempt,
      ...(timeout > 0 ? { deadline: h.now + timeout * 1000, onDeadline: () => ok(0, { fds: scan().fds }) } : {}),
    },
  };
}

/** ioctl(fd, request, arg) */
export function sysIoctl(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  const req = num(args, 1);
  const t = s.tcb;
  switch (req) {
    case FIONREAD:
      if (s.state === "LISTEN") return fail("EINVAL");
      return ok(0, { value: t ? t.rcvQueueLen : 0 });
    case SIOCOUTQ:
      if (s.state === "LISTEN") return fail("EINVAL");
      return ok(0, { value: t && !s.tw ? seqDiff(t.writeSeq, t.sndUna) : 0 });
    case SIOCOUTQNSD:
      if (s.state === "LISTEN") return fail("EINVAL");
      return ok(0, { value: t && !s.tw ? seqDiff(t.writeSeq, t.sndNxt) : 0 });
    case FIONBIO:
      s.nonblock = (num(args, 2) ?? 0) !== 0;
      return ok(0);
    default:
      return fail("ENOTTY");
  }
}

/** fcntl(fd, cmd[, arg]): the file status flags are O_RDWR plus O_NONBLOCK. */
export function sysFcntl(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  switch (num(args, 1)) {
    case F_GETFL:
      return ok(O_RDWR | (s.nonblock ? O_NONBLOCK : 0));
    case F_SETFL:
      s.nonblock = ((num(args, 2) ?? 0) & O_NONBLOCK) !== 0;
      return ok(0);
    case F_GETFD:
      return ok(0);
    case F_SETFD:
      return ok(0);
    default:
      return fail("EINVAL");
  }
}

export function sysGetsockname(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  const addr = s.remote ? h.localIp : s.local?.addr ?? null;
  return ok(0, { addr: sockaddrOut(h, s.family, addr, s.local?.port ?? 0) });
}

export function sysGetpeername(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  if (!s.remote || (s.state === "CLOSED" && !s.tw) || s.state === "SYN_SENT") return fail("ENOTCONN");
  return ok(0, { addr: sockaddrOut(h, s.family, s.remote.addr, s.remote.port) });
}

