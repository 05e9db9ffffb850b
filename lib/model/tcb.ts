/**
 * Creating connection state: a fresh socket, the TCB of an active open (tcp_connect_init), the
 * child of a passive open (tcp_create_openreq_child), and the common step into ESTABLISHED
 * (tcp_init_transfer: initial cwnd, RTO fallback, keepalive timer).
 */
import { seq, seqAdd, type Seq } from "../wire/seq";
import type { Host } from "./host";
import { advertisedMss, effectiveMss, initialRcvMss, selectInitialWindow } from "./options";
import type { AckState, Socket, Tcb } from "./socket";
import { defaultSockOpts } from "./socket";
import { fullSpace } from "./window";

export function newSocket(h: Host, family: 2 | 10): Socket {
  const s: Socket = {
    kind: "socket",
    id: h.newConnId(),
    family,
    state: "CLOSED",
    ss: "unconnected",
    local: null,
    userBound: false,
    remote: null,
    opts: defaultSockOpts(),
    err: null,
    shutdown: 0,
    done: false,
    dead: false,
    fd: null,
    nonblock: false,
    listen: null,
    parent: null,
    tcb: null,
    keepaliveAt: null,
    tw: null,
    passive: false,
  };
  h.sockets.add(s);
  return s;
}

function newAckState(h: Host): AckState {
  return {
    scheduled: false,
    timer: null,
    dueSince: 0,
    quick: 0,
    pingpong: 0,
    ato: 0,
    lrcvtime: h.now,
    rcvMss: 536,
    lastSegSize: 0,
    pushed: false,
    pushed2: false,
    now: false,
    dupAckCounter: 0,
    compressedAckRcvNxt: seq(0),
  };
}

interface TcbInit {
  iss: Seq;
  irs: Seq;
  advMss: number;
  mssClamp: number;
  rcvWnd: number;
  windowClamp: number;
  rcvWscale: number;
}

function blankTcb(h: Host, i: TcbInit): Tcb {
  const c = h.profile.constants;
  return {
    iss: i.iss,
    sndUna: i.iss,
    sndNxt: i.iss,
    sndWnd: 0,
    sndWl1: seq(0),
    sndWl2: i.iss,
    maxWindow: 0,
    writeSeq: seqAdd(i.iss, 1),
    irs: i.irs,
    rcvNxt: i.irs,
    rcvWnd: i.rcvWnd,
    rcvWup: i.irs,
    copiedSeq: i.irs,
    rcvSsthresh: i.rcvWnd,
    windowClamp: i.windowClamp,
    mssClamp: i.mssClamp,
    advMss: i.advMss,
    mssCache: c.mssDefaultV4,
    sndWscale: 0,
    rcvWscale: i.rcvWscale,
    wscaleOk: false,
    tsOk: false,
    tsRecent: 0,
    tsRecentStamp: -1,
    tsOffset: h.tsOffset,
    sackOk: false,
    ecnOk: false,
    sndBuf: new Uint8Array(4096),
    sndBufLen: 0,
    sndBufSeq: seqAdd(i.iss, 1),
    finQueued: false,
    pushMarks: [],
    rtx: [],
    maxPacketsOut: 0,
    cwndUsageSeq: i.iss,
    isCwndLimited: false,
    sndSml: i.iss,
    rcvQueue: [],
    rcvQueueLen: 0,
    ooo: [],
    oooTouch: 0,
    dsack: null,
    srtt8: 0,
    mdev: 0,
    mdevMax: 0,
    rttvar: 0,
    rttSeq: i.iss,
    rto: c.timeoutInit,
    backoff: 0,
    retransmits: 0,
    totalRto: 0,
    totalRetrans: 0,
    retransStamp: -1,
    cwnd: c.initCwnd,
    cwndCnt: 0,
    ssthresh: 0x7fffffff,
    caState: "open",
    dupAcks: 0,
    highSeq: i.iss,
    tlpHighSeq: null,
    rtxTimer: null,
    probesOut: 0,
    ack: newAckState(h),
    lastOowAckTime: 0,
    rcvTstamp: h.now,
    lsndtime: h.now,
    lastDataRecv: h.now,
    bytesAcked: 0,
    bytesReceived: 0,
    segsIn: 0,
    segsOut: 0,
    writePending: false,
  };
}

/** tcp_connect_init: ISS, our MSS, initial window and scale. */
export function activeTcb(h: Host, s: Socket, iss: number): Tcb {
  const p = h.profile;
  const userMss = s.opts.userMss;
  const advMss = advertisedMss(h.mtu, h.ipVersion, userMss);
  let clamp = s.opts.windowClamp;
  const space = fullSpace(h, s);
  if (s.opts.rcvBuf > 0 && (clamp > space || clamp === 0)) clamp = space;
  const w = selectInitialWindow(p, space, advMss, p.sysctl.tcp_window_scaling !== 0, clamp);
  const t = blankTcb(h, {
    iss: seq(iss),
    irs: seq(0),
    advMss,
    mssClamp: userMss > 0 ? userMss : p.constants.mssDefaultV4,
    rcvWnd: w.rcvWnd,
    windowClamp: w.windowClamp,
    rcvWscale: w.rcvWscale,
  });
  t.mssCache = effectiveMss(p, h.mtu, h.ipVersion, t.mssClamp, false, 0);
  t.ack.rcvMss = initialRcvMss(advMss, t.mssCache, t.rcvWnd);
  return t;
}

export interface ChildInit {
  iss: Seq;
  irs: Seq;
  peerMss: number;
  sndWscale: number;
  wscaleOk: boolean;
  sackOk: boolean;
  tsOk: boolean;
  tsRecent: number;
  ecnOk: boolean;
  rcvWnd: number;
  windowClamp: number;
  rcvWscale: number;
  advMss: number;
  /** The completing ACK's raw window (scaled by sndWscale). */
  ackWindow: number;
}

/** tcp_create_openreq_child: a full socket for a request whose handshake completed. */
export function childTcb(h: Host, c: ChildInit): Tcb {
  const p = h.profile;
  const t = blankTcb(h, {
    iss: c.iss,
    irs: c.irs,
    advMss: c.advMss,
    mssClamp: c.peerMss,
    rcvWnd: c.rcvWnd,
    windowClamp: c.windowClamp,
    rcvWscale: c.rcvWscale,
  });
  t.sndUna = seqAdd(c.iss, 1);
  t.sndNxt = t.sndUna;
  t.sndBufSeq = t.sndUna;
  t.writeSeq = t.sndUna;
  t.sndSml = t.sndUna;
  t.rcvNxt = seqAdd(c.irs, 1);
  t.rcvWup = t.rcvNxt;
  t.copiedSeq = t.rcvNxt;
  t.wscaleOk = c.wscaleOk;
  t.sndWscale = c.wscaleOk ? c.sndWscale : 0;
  if (!c.wscaleOk) t.rcvWscale = 0;
  t.sackOk = c.sackOk;
  t.tsOk = c.tsOk;
  t.ecnOk = c.ecnOk;
  if (c.tsOk) {
    t.tsRecent = c.tsRecent;
    t.tsRecentStamp = h.now;
  }
  t.sndWnd = c.ackWindow * 2 ** t.sndWscale;
  t.maxWindow = t.sndWnd;
  t.sndWl1 = c.irs;
  t.mssCache = effectiveMss(p, h.mtu, h.ipVersion, t.mssClamp, t.tsOk, t.maxWindow);
  t.ack.rcvMss = initialRcvMss(t.advMss, t.mssCache, t.rcvWnd);
  t.rttSeq = t.sndNxt;
  return t;
}

/**
 * tcp_init_transfer / tcp_init_metrics on entering ESTABLISHED: RTO falls back to 3 s when the
 * handshake gave no RTT sample; cwnd is 1 after more than one SYN retransmission; receive buffer
 * limits the window clamp; SO_KEEPALIVE starts its timer.
 */
export function initTransfer(h: Host, s: Socket, t: Tcb, synRetransmissions: number): void {
  const c = h.profile.constants;
  if (t.srtt8 === 0) {
    t.rttvar = c.timeoutFallback;
    t.mdev = t.mdevMax = t.rttvar;
    t.rto = c.timeoutFallback;
  }
  t.cwnd = synRetransmissions > 1 ? 1 : c.initCwnd;
  t.ssthresh = 0x7fffffff;
  // tcp_init_buffer_space (tcp_app_win = 31): clamp to the buffer, keep one segment in reserve.
  const maxwin = fullSpace(h, s);
  if (t.windowClamp >= maxwin) t.windowClamp = maxwin;
  if (t.windowClamp > 2 * t.advMss && t.windowClamp + t.advMss > maxwin) {
    t.windowClamp = Math.max(2 * t.advMss, maxwin - t.advMss);
  }
  t.rcvSsthresh = Math.min(t.rcvSsthresh, t.windowClamp);
  t.rcvTstamp = h.now;
  t.lsndtime = h.now;
  t.ack.lrcvtime = h.now;
  if (s.opts.keepalive) s.keepaliveAt = h.now + keepaliveTime(h, s);
}

export function keepaliveTime(h: Host, s: Socket): number {
  return (s.opts.keepIdle || h.profile.sysctl.tcp_keepalive_time * 1_000_000);
}

export function keepaliveIntvl(h: Host, s: Socket): number {
  return (s.opts.keepIntvl || h.profile.sysctl.tcp_keepalive_intvl * 1_000_000);
}

export function keepaliveProbes(h: Host, s: Socket): number {
  return s.opts.keepCnt || h.profile.sysctl.tcp_keepalive_probes;
}
