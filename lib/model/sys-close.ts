/**
 * close() and shutdown() (T4–T7, T13, T19, T20): __tcp_close with its three ways out — RST when
 * received data is left unread (RFC 2525 §2.17), RST for SO_LINGER {1, 0}, else a FIN —, the
 * orphan's FIN_WAIT_2 timer, lingering close, and tcp_disconnect.
 */
import { seqAdd } from "../wire/seq";
import type { Host } from "./host";
import { listenStop } from "./listener";
import { pushPending, sendActiveReset } from "./output";
import type { RuleId } from "./rules";
import type { Socket } from "./socket";
import { setState } from "./state";
import { fail, lookupFd, num, ok, type HandlerResult, type SysResult } from "./sys-util";
import { purgeWriteQueue, tcpDone } from "./teardown";
import { enterTimeWait, finTime, killTimeWait } from "./time-wait";
import type { SysArg, TcpState } from "./types";

/** tcp_need_reset: states in which an abort must tell the peer. */
function needReset(st: TcpState): boolean {
  return st === "ESTABLISHED" || st === "CLOSE_WAIT" || st === "FIN_WAIT_1" || st === "FIN_WAIT_2" || st === "SYN_RECEIVED";
}

/** tcp_disconnect: abort to CLOSED (RST if the peer must hear of it); the socket can be reused. */
export function disconnect(h: Host, s: Socket, rule: RuleId): void {
  const old = s.state;
  if (s.tw) {
    killTimeWait(h, s, rule);
  } else if (old === "LISTEN") {
    listenStop(h, s, (c) => abortChild(h, c));
    s.listen = null;
    setState(h, s, "CLOSED", rule);
  } else if (s.tcb && old !== "CLOSED") {
    const t = s.tcb;
    if (needReset(old) || (t.sndNxt !== t.writeSeq && (old === "CLOSING" || old === "LAST_ACK"))) {
      sendActiveReset(h, s, rule);
      s.err = "ECONNRESET";
    } else if (old === "SYN_SENT") {
      s.err = "ECONNRESET";
    }
    purgeWriteQueue(s);
    tcpDone(h, s, rule);
  }
  s.tcb = null;
  s.remote = null;
  s.shutdown = 0;
  s.done = false;
  if (!s.userBound) s.local = null;
}

/** An unaccepted child of a closing listener (inet_child_forget). */
function abortChild(h: Host, c: Socket): void {
  c.dead = true;
  if (c.tcb && needReset(c.state)) {
    sendActiveReset(h, c, "close/listener-child-reset");
    c.err = "ECONNRESET";
  }
  purgeWriteQueue(c);
  if (c.tw) killTimeWait(h, c, "close/listener-child-reset");
  else if (c.state !== "CLOSED") tcpDone(h, c, "close/listener-child-reset");
  else h.maybeDestroy(c);
}

/** tcp_close_state + tcp_send_fin: the FIN (if the state sends one) goes after queued data. */
function closeState(h: Host, s: Socket, byShutdown: boolean): boolean {
  const t = s.tcb;
  let rule: RuleId;
  switch (s.state) {
    case "ESTABLISHED":
    case "SYN_RECEIVED":
      rule = byShutdown ? "shutdown/fin" : "close/fin";
      setState(h, s, "FIN_WAIT_1", rule);
      break;
    case "CLOSE_WAIT":
      rule = byShutdown ? "shutdown/fin" : "close/close-wait-fin";
      setState(h, s, "LAST_ACK", rule);
      break;
    case "SYN_SENT":
      if (!byShutdown) {
        if (t) purgeWriteQueue(s);
        tcpDone(h, s, "close/syn-sent");
      }
      return false;
    default:
      return false;
  }
  if (t) {
    t.finQueued = true;
    t.writeSeq = seqAdd(t.writeSeq, 1);
    pushPending(h, s, rule, "off");
  }
  return true;
}

/** sk_stream_wait_close: a lingering close waits for these states to end. */
function lingering(s: Socket): boolean {
  return s.state === "FIN_WAIT_1" || s.state === "CLOSING" || s.state === "LAST_ACK";
}

export function sysClose(h: Host, args: readonly SysArg[]): HandlerResult {
  const fd = num(args, 0);
  const s = lookupFd(h, fd);
  if (!s || fd === undefined) return fail("EBADF");
  h.fds.delete(fd);
  s.fd = null;
  if (s.tw) {
    s.dead = true;
    return ok(0);
  }
  s.shutdown = 3;
  if (s.state === "LISTEN") {
    disconnect(h, s, "close/listener");
    s.dead = true;
    h.maybeDestroy(s);
    return ok(0);
  }
  const t = s.tcb;
  const unread = t ? t.rcvQueueLen : 0;
  if (s.state === "CLOSED" || !t) {
    s.dead = true;
    h.maybeDestroy(s);
    return ok(0);
  }
  if (unread > 0) {
    // RFC 2525 §2.17: data was lost, so tell the peer with a reset rather than a FIN.
    sendActiveReset(h, s, "close/unread-data-rst");
    purgeWriteQueue(s);
    tcpDone(h, s, "close/unread-data-rst");
  } else if (s.opts.linger.on && s.opts.linger.seconds === 0) {
    disconnect(h, s, "close/linger-zero-rst");
  } else {
    closeState(h, s, false);
  }
  const lingerFor = s.opts.linger.on ? s.opts.linger.seconds * 1_000_000 : 0;
  if (lingerFor > 0 && lingering(s)) {
    const deadline = h.now + lingerFor;
    return {
      blocked: {
        attempt: () => (lingering(s) ? null : finishClose(h, s)),
        deadline,
        onDeadline: () => finishClose(h, s),
      },
    };
  }
  return finishClose(h, s);
}

/** adjudge_to_death: the socket is orphaned; an orphan in FIN_WAIT_2 gets tcp_fin_timeout. */
function finishClose(h: Host, s: Socket): SysResult {
  s.dead = true;
  if (s.state === "FIN_WAIT_2" && s.tcb && !s.tw) {
    if (s.opts.linger2 < 0) {
      sendActiveReset(h, s, "close/orphan-fin-wait-2");
      tcpDone(h, s, "close/orphan-fin-wait-2");
    } else {
      const tmo = finTime(h, s, s.tcb);
      const twLen = h.profile.constants.timewaitLen;
      if (tmo > twLen) s.keepaliveAt = h.now + (tmo - twLen);
      else enterTimeWait(h, s, "FIN_WAIT_2", tmo, "close/orphan-fin-wait-2");
    }
  }
  h.maybeDestroy(s);
  return ok(0);
}

export function sysShutdown(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  const how = num(args, 1);
  if (how === undefined || how < 0 || how > 2) return fail("EINVAL");
  const bits = how + 1;
  if (s.ss === "connecting") {
    s.ss = s.state === "SYN_SENT" || s.state === "SYN_RECEIVED" || s.state === "CLOSED" ? "disconnecting" : "connected";
  }
  if (s.state === "CLOSED" || s.tw) {
    s.shutdown |= bits;
    return fail("ENOTCONN");
  }
  if (s.state === "LISTEN") {
    if (!(bits & 1)) return ok(0);
    disconnect(h, s, "shutdown/disconnect");
    s.ss = "unconnected";
    return ok(0);
  }
  if (s.state === "SYN_SENT") {
    disconnect(h, s, "shutdown/disconnect");
    s.ss = "unconnected";
    return ok(0);
  }
  s.shutdown |= bits;
  if (bits & 2 && (s.state === "ESTABLISHED" || s.state === "SYN_RECEIVED" || s.state === "CLOSE_WAIT")) closeState(h, s, true);
  return ok(0);
}
