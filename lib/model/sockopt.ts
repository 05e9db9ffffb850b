/**
 * setsockopt / getsockopt for the options connection management depends on (sock_setsockopt,
 * do_tcp_setsockopt, do_tcp_getsockopt): limits and EINVALs as the kernel checks them, and the
 * side effects (keepalive timer re-armed, Nagle/cork release pushing data).
 */
import { ERRNO, IPPROTO_IP, IPPROTO_IPV6, SO, SOL_SOCKET, SOL_TCP, TCPOPT } from "./constants";
import type { Host } from "./host";
import { pushPending, sendAck } from "./output";
import type { Socket } from "./socket";
import { fail, isLinger, lookupFd, num, ok, type HandlerResult } from "./sys-util";
import { keepaliveTime } from "./tcb";
import { tcpInfo } from "./tcp-info";
import type { SysArg } from "./types";
import { sndBufBytes } from "./sys-io";

const S = 1_000_000;
const MAX_TCP_KEEPIDLE = 32767;
const MAX_TCP_KEEPINTVL = 32767;
const MAX_TCP_KEEPCNT = 127;
const MAX_TCP_SYNCNT = 127;
const TCP_FIN_TIMEOUT_MAX = 120 * S;

/** tcp_sock_set_keepidle_locked / tcp_set_keepalive: re-arm from the last receive. */
function rearmKeepalive(h: Host, s: Socket): void {
  if (!s.opts.keepalive || s.state === "CLOSED" || s.state === "LISTEN" || !s.tcb || s.tw) return;
  const t = s.tcb;
  const elapsed = h.now - Math.max(t.ack.lrcvtime, t.rcvTstamp);
  const idle = keepaliveTime(h, s);
  s.keepaliveAt = h.now + Math.max(0, idle - elapsed);
}

function intValue(args: readonly SysArg[]): number | undefined {
  const v = args[3];
  if (v instanceof Uint8Array) {
    if (v.length < 4) return undefined;
    return new DataView(v.buffer, v.byteOffset, 4).getInt32(0, true);
  }
  return num(args, 3);
}

export function sysSetsockopt(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  const level = num(args, 1);
  const name = num(args, 2);
  if (level === SOL_SOCKET) {
    if (name === SO.SO_LINGER) {
      const l = args[3];
      if (!isLinger(l)) return fail("EINVAL");
      s.opts.linger = { on: l.onoff !== 0, seconds: Math.max(0, l.linger) };
      return ok(0);
    }
    const v = intValue(args);
    if (v === undefined) return fail("EINVAL");
    switch (name) {
      case SO.SO_REUSEADDR:
        s.opts.reuseAddr = v !== 0;
        return ok(0);
      case SO.SO_REUSEPORT:
        s.opts.reusePort = v !== 0;
        return ok(0);
      case SO.SO_KEEPALIVE: {
        const was = s.opts.keepalive;
        s.opts.keepalive = v !== 0;
        if (s.state !== "CLOSED" && s.state !== "LISTEN" && s.tcb && !s.tw) {
          if (s.opts.keepalive && !was) s.keepaliveAt = h.now + keepaliveTime(h, s);
          else if (!s.opts.keepalive) s.keepaliveAt = null;
        }
        return ok(0);
      }
      case SO.SO_SNDBUF:
        s.opts.sndBuf = Math.max(4608, 2 * Math.min(Math.max(v, 0), h.profile.sysctl.wmem_max));
        return ok(0);
      case SO.SO_RCVBUF:
        s.opts.rcvBuf = Math.max(2304, 2 * Math.min(Math.max(v, 0), h.profile.sysctl.rmem_max));
        return ok(0);
      case SO.SO_RCVLOWAT:
      case SO.SO_DEBUG:
      case SO.SO_DONTROUTE:
      case SO.SO_BROADCAST:
      case SO.SO_OOBINLINE:
        return ok(0);
      default:
        return fail("ENOPROTOOPT");
    }
  }
  if (level === IPPROTO_IP || level === IPPROTO_IPV6) return ok(0);
  if (level !== SOL_TCP) return fail("ENOPROTOOPT");
  if (name === TCPOPT.TCP_CONGESTION) {
    const v = args[3];
    const text = typeof v === "string" ? v : v instanceof Uint8Array ? new TextDecoder().decode(v).replace(/\0.*$/s, "") : "";
    if (!text) return fail("EINVAL");
    s.opts.congestion = text;
    return ok(0);
  }
  const v = intValue(args);
  if (v === undefined) return fail("EINVAL");
  switch (name) {
    case TCPOPT.TCP_NODELAY:
      s.opts.nodelay = v !== 0;
      if (s.opts.nodelay) pushPending(h, s, "syscall/setsockopt", "off");
      return ok(0);
    case TCPOPT.TCP_CORK:
      s.opts.cork = v !== 0;
      if (!s.opts.cork) pushPending(h, s, "syscall/setsockopt", "off");
      return ok(0);
    case TCPOPT.TCP_MAXSEG:
      if (v && (v < 88 || v > 32767)) return fail("EINVAL");
      s.opts.userMss = v;
      return ok(0);
    case TCPOPT.TCP_KEEPIDLE:
      if (v < 1 || v > MAX_TCP_KEEPIDLE) return fail("EINVAL");
      s.opts.keepIdle = v * S;
      rearmKeepalive(h, s);
      return ok(0);
    case TCPOPT.TCP_KEEPINTVL:
      if (v < 1 || v > MAX_TCP_KEEPINTVL) return fail("EINVAL");
      s.opts.keepIntvl = v * S;
      return ok(0);
    case TCPOPT.TCP_KEEPCNT:
      if (v < 1 || v > MAX_TCP_KEEPCNT) return fail("EINVAL");
      s.opts.keepCnt = v;
      return ok(0);
    case TCPOPT.TCP_SYNCNT:
      if (v < 1 || v > MAX_TCP_SYNCNT) return fail("EINVAL");
      s.opts.synCnt = v;
      return ok(0);
    case TCPOPT.TCP_USER_TIMEOUT:
      if (v < 0) return fail("EINVAL");
      s.opts.userTimeout = v * 1000;
      return ok(0);
    case TCPOPT.TCP_LINGER2:
      s.opts.linger2 = v < 0 ? -1 : Math.min(v * S, TCP_FIN_TIMEOUT_MAX);
      return ok(0);
    case TCPOPT.TCP_DEFER_ACCEPT:
      s.opts.deferAccept = Math.max(0, v) * S;
      return ok(0);
    case TCPOPT.TCP_WINDOW_CLAMP:
      if (!v && s.state !== "CLOSED") return fail("EINVAL");
      s.opts.windowClamp = v ? Math.max(v, 1152) : 0;
      if (s.tcb && v) s.tcb.windowClamp = s.opts.windowClamp;
      return ok(0);
    case TCPOPT.TCP_QUICKACK:
      if (s.tcb) {
        if (v) {
          s.tcb.ack.pingpong = 0;
          if (s.tcb.ack.scheduled && (s.state === "ESTABLISHED" || s.state === "CLOSE_WAIT")) sendAck(h, s, "syscall/setsockopt");
        } else {
          s.tcb.ack.pingpong = Math.max(1, s.tcb.ack.pingpong);
        }
      }
      return ok(0);
    case TCPOPT.TCP_NOTSENT_LOWAT:
      s.opts.notsentLowat = v;
      return ok(0);
    default:
      return fail("ENOPROTOOPT");
  }
}

export function sysGetsockopt(h: Host, args: readonly SysArg[]): HandlerResult {
  const s = lookupFd(h, num(args, 0));
  if (!s) return fail("EBADF");
  const level = num(args, 1);
  const name = num(args, 2);
  const int = (value: number) => ok(0, { value, optlen: 4 });
  const sys = h.profile.sysctl;
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO.SO_ERROR: {
        const e = s.err;
        s.err = null;
        return int(e ? ERRNO[e] ?? 0 : 0);
      }
      case SO.SO_REUSEADDR:
        return int(s.opts.reuseAddr ? 1 : 0);
      case SO.SO_REUSEPORT:
        return int(s.opts.reusePort ? 1 : 0);
      case SO.SO_KEEPALIVE:
        return int(s.opts.keepalive ? 1 : 0);
      case SO.SO_LINGER:
        return ok(0, { value: { onoff: s.opts.linger.on ? 1 : 0, linger: s.opts.linger.seconds }, optlen: 8 });
      case SO.SO_SNDBUF:
        return int(s.opts.sndBuf || sndBufBytes(h, s));
      case SO.SO_RCVBUF:
        return int(s.opts.rcvBuf || sys.tcp_rmem[1]);
      case SO.SO_TYPE:
        return int(1);
      case SO.SO_ACCEPTCONN:
        return int(s.state === "LISTEN" ? 1 : 0);
      case SO.SO_DOMAIN:
        return int(s.family);
      case SO.SO_PROTOCOL:
        return int(6);
      default:
        return fail("ENOPROTOOPT");
    }
  }
  if (level !== SOL_TCP) return fail("ENOPROTOOPT");
  const t = s.tcb;
  switch (name) {
    case TCPOPT.TCP_NODELAY:
      return int(s.opts.nodelay ? 1 : 0);
    case TCPOPT.TCP_CORK:
      return int(s.opts.cork ? 1 : 0);
    case TCPOPT.TCP_MAXSEG: {
      let v = t ? t.mssCache : h.profile.constants.mssDefaultV4;
      if (s.opts.userMss && (s.state === "CLOSED" || s.state === "LISTEN")) v = s.opts.userMss;
      return int(v);
    }
    case TCPOPT.TCP_KEEPIDLE:
      return int(Math.floor(keepaliveTime(h, s) / S));
    case TCPOPT.TCP_KEEPINTVL:
      return int(Math.floor((s.opts.keepIntvl || sys.tcp_keepalive_intvl * S) / S));
    case TCPOPT.TCP_KEEPCNT:
      return int(s.opts.keepCnt || sys.tcp_keepalive_probes);
    case TCPOPT.TCP_SYNCNT:
      return int(s.opts.synCnt || sys.tcp_syn_retries);
    case TCPOPT.TCP_USER_TIMEOUT:
      return int(Math.floor(s.opts.userTimeout / 1000));
    case TCPOPT.TCP_LINGER2:
      return int(s.opts.linger2 < 0 ? -1 : Math.floor((s.opts.linger2 || sys.tcp_fin_timeout * S) / S));
    case TCPOPT.TCP_DEFER_ACCEPT:
      return int(Math.floor(s.opts.deferAccept / S));
    case TCPOPT.TCP_WINDOW_CLAMP:
      return int(t ? t.windowClamp : s.opts.windowClamp);
    case TCPOPT.TCP_QUICKACK:
      return int(t && t.ack.pingpong > 0 ? 0 : 1);
    case TCPOPT.TCP_NOTSENT_LOWAT:
      return int(s.opts.notsentLowat || sys.tcp_notsent_lowat);
    case TCPOPT.TCP_CONGESTION:
      return ok(0, { value: s.opts.congestion || h.profile.other["net.ipv4.tcp_congestion_control"] || "cubic", optlen: 16 });
    case TCPOPT.TCP_INFO:
      return ok(0, { value: tcpInfo(h, s), optlen: 232 });
    default:
      return fail("ENOPROTOOPT");
  }
}
