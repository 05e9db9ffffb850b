/**
 * The passive side (T1, T3, T10, T11, T15, T16): SYNs at a listener (tcp_conn_request), the
 * request sockets of the SYN queue (tcp_check_req), their SYN-ACK retransmission timer
 * (reqsk_timer_handler), syncookies, and the accept queue that holds backlog + 1 children.
 */
import { seqAdd, seqGt, seqLt, type Seq } from "../wire/seq";
import type { Host } from "./host";
import { syncArrives } from "./input-sync";
import { advertisedMss, defaultPeerMss, selectInitialWindow, tsNow } from "./options";
import { oowRateLimited } from "./output";
import { emitSegment, sendResetFor, sendStatelessAck, tupleOf } from "./packet";
import { buildOptions } from "./options";
import type { RuleId } from "./rules";
import type { Seg } from "./segment";
import type { Request, Socket, Tuple } from "./socket";
import { setState } from "./state";
import { cookieCheck, cookieInitSequence, cookieTimestamp, cookieTimestampDecode } from "./syncookies";
import { childTcb, initTransfer } from "./tcb";
import { fullSpace, rttSample } from "./window";
import { defaultSockOpts } from "./socket";

/** Peer options of a SYN, as far as our sysctls let us accept them (tcp_parse_options). */
interface SynOffer {
  mss: number;
  wscaleOk: boolean;
  sndWscale: number;
  sackOk: boolean;
  tsOk: boolean;
  tsVal: number;
  ecnOk: boolean;
}

function parseOffer(h: Host, l: Socket, seg: Seg, cookie: boolean): SynOffer {
  const sys = h.profile.sysctl;
  let mss = defaultPeerMss(h.profile, h.ipVersion);
  if (seg.opts.mss !== undefined && seg.opts.mss > 0) {
    mss = l.opts.userMss > 0 && l.opts.userMss < seg.opts.mss ? l.opts.userMss : seg.opts.mss;
  }
  const offer: SynOffer = {
    mss,
    wscaleOk: seg.opts.wscale !== undefined && sys.tcp_window_scaling !== 0,
    sndWscale: Math.min(seg.opts.wscale ?? 0, h.profile.constants.maxWscale),
    sackOk: seg.opts.sackOk && sys.tcp_sack !== 0,
    tsOk: seg.opts.ts !== undefined && sys.tcp_timestamps !== 0,
    tsVal: seg.opts.ts?.val ?? 0,
    ecnOk: seg.ece && seg.cwr && sys.tcp_ecn !== 0,
  };
  if (cookie && !offer.tsOk) {
    // Without timestamps a cookie cannot carry window scale, SACK or ECN (tcp_clear_options).
    offer.wscaleOk = false;
    offer.sndWscale = 0;
    offer.sackOk = false;
    offer.ecnOk = false;
  }
  return offer;
}

/** tcp_openreq_init_rwin: the SYN-ACK's window and our window scale. */
function requestWindow(h: Host, l: Socket, offer: SynOffer) {
  const mss = advertisedMss(h.mtu, h.ipVersion, l.opts.userMss) - (offer.tsOk ? 12 : 0);
  const space = fullSpace(h, l);
  let clamp = l.opts.windowClamp;
  if (l.opts.rcvBuf > 0 && (clamp > space || clamp === 0)) clamp = space;
  return selectInitialWindow(h.profile, space, mss, offer.wscaleOk, clamp);
}

interface SynAck {
  tuple: Tuple;
  iss: Seq;
  irs: Seq;
  window: number;
  mss: number;
  offer: SynOffer;
  rcvWscale: number;
  tsVal: number;
  tsRecent: number;
}

function emitSynAck(h: Host, conn: number | null, a: SynAck, rule: RuleId): void {
  emitSegment(h, conn, a.tuple, {
    seq: a.iss,
    ack: seqAdd(a.irs, 1),
    flags: { syn: true, ack: true, ece: a.offer.ecnOk },
    window: Math.min(a.window, 65535),
    options: buildOptions({
      mss: a.mss,
      ...(a.offer.tsOk ? { ts: { val: a.tsVal, ecr: a.tsRecent } } : {}),
      sackPerm: a.offer.sackOk,
      ...(a.offer.wscaleOk ? { wscale: a.rcvWscale } : {}),
    }),
  }, rule);
}

function requestSynAck(h: Host, r: Request, rule: RuleId): void {
  emitSynAck(h, r.id, {
    tuple: r.tuple, iss: r.iss, irs: r.irs, window: r.rcvWnd, mss: r.advMss,
    offer: { mss: r.peerMss, wscaleOk: r.wscaleOk, sndWscale: r.sndWscale, sackOk: r.sackOk, tsOk: r.tsOk, tsVal: r.tsRecent, ecnOk: r.ecnOk },
    rcvWscale: r.rcvWscale, tsVal: tsNow(h.now, r.tsOffset), tsRecent: r.tsRecent,
  }, rule);
}

/** A segment for a listening socket (tcp_v4_do_rcv LISTEN, tcp_rcv_state_process LISTEN). */
export function listenArrives(h: Host, l: Socket, seg: Seg, twIsn?: number): void {
  if (seg.rst) {
    h.drop(l, "segment-arrives/listen/drop-rst");
    return;
  }
  if (!seg.syn && seg.hasAck && cookieAck(h, l, seg)) return;
  if (seg.hasAck) {
    sendResetFor(h, seg, "segment-arrives/listen/ack-rst");
    return;
  }
  if (!seg.syn || seg.fin) {
    h.drop(l, "segment-arrives/listen/drop");
    return;
  }
  connRequest(h, l, seg, twIsn);
}

/** tcp_conn_request. */
function connRequest(h: Host, l: Socket, seg: Seg, twIsn: number | undefined): void {
  const sys = h.profile.sysctl;
  const L = l.listen!;
  let wantCookie = false;
  // inet_csk_reqsk_queue_is_full is `qlen > backlog` on 6.x (it was `>=`): with listen(fd, 1)
  // the third concurrent SYN is the first to get a cookie (observed on 6.18).
  if (twIsn === undefined && (sys.tcp_syncookies === 2 || L.requests.length > L.maxBacklog)) {
    if (!sys.tcp_syncookies) {
      h.drop(l, "segment-arrives/listen/syn-queue-full-drop");
      return;
    }
    wantCookie = true;
  }
  if (L.acceptQueue.length > L.maxBacklog) {
    h.drop(l, "segment-arrives/listen/accept-queue-full-drop");
    return;
  }
  const offer = parseOffer(h, l, seg, wantCookie);
  const tuple = tupleOf(h, seg);
  if (!wantCookie && twIsn === undefined && !sys.tcp_syncookies &&
      sys.tcp_max_syn_backlog - L.requests.length < sys.tcp_max_syn_backlog >> 2) {
    // Without cookies the last quarter of the backlog is kept for proven peers.
    h.drop(l, "segment-arrives/listen/syn-queue-full-drop");
    return;
  }
  const win = requestWindow(h, l, offer);
  const advMss = advertisedMss(h.mtu, h.ipVersion, l.opts.userMss);
  if (wantCookie) {
    L.lastOverflow = h.now;
    const c = cookieInitSequence(h, tuple, seg.seq, offer.mss);
    const tsVal = (cookieTimestamp(Math.floor(h.now / 1000), offer) + h.tsOffset) >>> 0;
    emitSynAck(h, null, {
      tuple, iss: c.isn as Seq, irs: seg.seq, window: win.rcvWnd, mss: advMss, offer,
      rcvWscale: win.rcvWscale, tsVal, tsRecent: offer.tsVal,
    }, "segment-arrives/listen/syn-cookie");
    return;
  }
  const iss = (twIsn ?? h.isnFor(tuple)) >>> 0;
  const r: Request = {
    kind: "request",
    id: h.newConnId(),
    state: "LISTEN",
    listener: l,
    tuple,
    family: l.family,
    iss: iss as Seq,
    irs: seg.seq,
    peerMss: offer.mss,
    sndWscale: offer.wscaleOk ? offer.sndWscale : 0,
    wscaleOk: offer.wscaleOk,
    sackOk: offer.sackOk,
    tsOk: offer.tsOk,
    ecnOk: offer.ecnOk,
    tsRecent: offer.tsVal,
    tsOffset: h.tsOffset,
    rcvWscale: offer.wscaleOk ? win.rcvWscale : 0,
    rcvWnd: win.rcvWnd,
    windowClamp: win.windowClamp,
    advMss,
    peerWindow: seg.window,
    timerAt: h.now + h.profile.constants.timeoutInit,
    numTimeout: 0,
    numRetrans: 0,
    firstSynackAt: h.now,
    lastOowAckTime: 0,
    acked: false,
  };
  L.requests.push(r);
  h.addConn(tuple, r);
  setState(h, r, "SYN_RECEIVED", "segment-arrives/listen/syn");
  requestSynAck(h, r, "segment-arrives/listen/syn");
}

function dropRequest(h: Host, r: Request, rule: RuleId): void {
  const L = r.listener.listen;
  if (L) {
    const i = L.requests.indexOf(r);
    if (i >= 0) L.requests.splice(i, 1);
  }
  h.removeConn(r.tuple, r);
  setState(h, r, "CLOSED", rule);
}

/** tcp_in_window. */
function inWindow(seq: Seq, end: Seq, left: Seq, right: Seq): boolean {
  if (seq === left) return true;
  if (seqGt(end, left) && seqLt(seq, right)) return true;
  return seq === right && seq === end;
}

/** tcp_check_req: a segment for a half-open connection. */
export function requestArrives(h: Host, r: Request, seg: Seg): void {
  const rcvNxt = seqAdd(r.irs, 1);
  const ts = seg.opts.ts;
  const paws = !!ts && r.tsOk && !seg.rst && ((r.tsRecent - ts.val) | 0) > 0 && r.tsRecent !== 0;
  const onlySyn = seg.syn && !seg.hasAck && !seg.rst && !seg.fin;
  if (seg.seq === r.irs && onlySyn && !paws) {
    // Retransmitted SYN: our SYN-ACK was probably lost (T10).
    if (oowRateLimited(h, r, seg)) {
      h.drop(r, "request/retransmitted-syn");
      return;
    }
    r.numRetrans++;
    requestSynAck(h, r, "request/retransmitted-syn");
    r.timerAt = h.now + reqTimeout(h, r);
    return;
  }
  if (seg.hasAck && seg.ack !== seqAdd(r.iss, 1)) {
    sendResetFor(h, seg, "request/bad-ack-rst", r.id);
    return;
  }
  if (paws || !inWindow(seg.seq, seg.end, rcvNxt, seqAdd(rcvNxt, r.rcvWnd))) {
    if (!seg.rst && !oowRateLimited(h, r, seg)) {
      sendStatelessAck(h, r.id, r.tuple, {
        seq: seqAdd(r.iss, 1), ack: rcvNxt, window: Math.floor(r.rcvWnd / 2 ** r.rcvWscale),
        ...(r.tsOk ? { ts: { val: tsNow(h.now, r.tsOffset), ecr: r.tsRecent } } : {}),
      }, "request/out-of-window");
    } else {
      h.drop(r, "request/out-of-window");
    }
    return;
  }
  if (ts && r.tsOk && !seqGt(seg.seq, rcvNxt)) r.tsRecent = ts.val;
  const syn = seg.syn && seg.seq !== r.irs;
  if (seg.rst && seg.seq !== rcvNxt) {
    // RFC 5961 §3.2 for half-open connections too: Linux 6.18 answers an in-window RST that is
    // not at RCV.NXT with a challenge ACK (rate-limited per request) and keeps the request
    // (observed; the textbook, and older tcp_check_req, drop it).
    if (!oowRateLimited(h, r, null)) {
      sendStatelessAck(h, r.id, r.tuple, {
        seq: seqAdd(r.iss, 1), ack: rcvNxt, window: Math.floor(r.rcvWnd / 2 ** r.rcvWscale),
        ...(r.tsOk ? { ts: { val: tsNow(h.now, r.tsOffset), ecr: r.tsRecent } } : {}),
      }, "request/rst-challenge");
    } else {
      h.drop(r, "request/rst-challenge");
    }
    return;
  }
  if (seg.rst || syn) {
    if (!seg.rst) sendResetFor(h, seg, "request/syn-rst", r.id);
    dropRequest(h, r, seg.rst ? "request/rst" : "request/syn-rst");
    return;
  }
  if (!seg.hasAck) {
    h.drop(r, "request/no-ack-drop");
    return;
  }
  const l = r.listener;
  const L = l.listen!;
  if (l.opts.deferAccept && r.numTimeout < deferAcceptRetries(h, l) && seg.end === rcvNxt) {
    // TCP_DEFER_ACCEPT: a bare ACK does not complete the handshake yet.
    r.acked = true;
    h.drop(r, "request/no-ack-drop");
    return;
  }
  if (L.acceptQueue.length > L.maxBacklog) {
    if (!h.profile.sysctl.tcp_abort_on_overflow) {
      r.acked = true;
      h.drop(r, "request/accept-queue-full-drop");
      return;
    }
    sendResetFor(h, seg, "request/accept-queue-full-rst", r.id);
    dropRequest(h, r, "request/accept-queue-full-rst");
    return;
  }
  const i = L.requests.indexOf(r);
  if (i >= 0) L.requests.splice(i, 1);
  const child = makeChild(h, l, r.id, r.tuple, {
    iss: r.iss, irs: r.irs, peerMss: r.peerMss, sndWscale: r.sndWscale, wscaleOk: r.wscaleOk,
    sackOk: r.sackOk, tsOk: r.tsOk, tsRecent: r.tsRecent, ecnOk: r.ecnOk, rcvWnd: r.rcvWnd,
    windowClamp: r.windowClamp, rcvWscale: r.rcvWscale, advMss: r.advMss, ackWindow: seg.window,
  });
  const t = child.tcb!;
  // tcp_synack_rtt_meas: the SYN-ACK's RTT unless it was retransmitted (then the TS echo).
  if (r.numRetrans === 0) rttSample(h, t, h.now - r.firstSynackAt);
  else if (ts && r.tsOk && ts.ecr !== 0) rttSample(h, t, Math.max(1, ((Math.floor(h.now / 1000) + r.tsOffset - ts.ecr) >>> 0)) * 1000);
  establishChild(h, l, child, seg, "request/established");
}

function deferAcceptRetries(h: Host, l: Socket): number {
  // secs_to_retrans: TCP_DEFER_ACCEPT seconds as SYN-ACK retransmission count.
  let secs = l.opts.deferAccept / 1_000_000;
  let period = h.profile.constants.timeoutInit / 1_000_000;
  let res = 0;
  while (secs > period && res < 255) {
    res++;
    secs -= period;
    period = Math.min(period * 2, h.profile.constants.rtoMax / 1_000_000);
  }
  return res;
}

function reqTimeout(h: Host, r: Request): number {
  const c = h.profile.constants;
  return Math.min(c.timeoutInit * 2 ** r.numTimeout, c.rtoMax);
}

/** A full socket for a completed handshake (syn_recv_sock → tcp_create_openreq_child). */
function makeChild(h: Host, l: Socket, id: number, tuple: Tuple, init: Parameters<typeof childTcb>[1]): Socket {
  const child: Socket = {
    kind: "socket", id, family: l.family, state: "SYN_RECEIVED", ss: "connected",
    local: { addr: tuple.localAddr, port: tuple.localPort }, userBound: false,
    remote: { addr: tuple.remoteAddr, port: tuple.remotePort },
    opts: { ...defaultSockOpts(), ...l.opts, linger: { ...l.opts.linger } },
    err: null, shutdown: 0, done: false, dead: false, fd: null, nonblock: false, listen: null,
    parent: l, tcb: childTcb(h, init), keepaliveAt: null, tw: null, passive: true,
  };
  h.sockets.add(child);
  h.addConn(tuple, child);
  return child;
}

/** SYN_RECEIVED → ESTABLISHED, into the accept queue, then the rest of the segment (T3). */
function establishChild(h: Host, l: Socket, child: Socket, seg: Seg, rule: RuleId): void {
  const t = child.tcb!;
  setState(h, child, "ESTABLISHED", rule);
  initTransfer(h, child, t, 0);
  l.listen!.acceptQueue.push(child);
  syncArrives(h, child, t, seg);
}

/** tcp_v4_cookie_check: an ACK that may return one of our cookies. True when it was consumed. */
function cookieAck(h: Host, l: Socket, seg: Seg): boolean {
  const sys = h.profile.sysctl;
  const L = l.listen!;
  if (!sys.tcp_syncookies || seg.rst || L.lastOverflow < 0) return false;
  if (h.now - L.lastOverflow > h.profile.constants.cookieValidAfterOverflow) return false;
  const tuple = tupleOf(h, seg);
  const mss = cookieCheck(h, tuple, seg);
  if (!mss) return false;
  const o = cookieTimestampDecode(h, seg, h.tsOffset);
  if (!o) return false;
  if (L.acceptQueue.length > L.maxBacklog) {
    h.drop(l, "segment-arrives/listen/cookie-accept-queue-full");
    return true;
  }
  const offer: SynOffer = { mss, wscaleOk: o.wscaleOk, sndWscale: o.sndWscale, sackOk: o.sackOk, tsOk: o.tsOk, tsVal: seg.opts.ts?.val ?? 0, ecnOk: o.ecnOk };
  const win = requestWindow(h, l, offer);
  const child = makeChild(h, l, h.newConnId(), tuple, {
    iss: seqAdd(seg.ack, -1), irs: seqAdd(seg.seq, -1), peerMss: mss, sndWscale: o.sndWscale,
    wscaleOk: o.wscaleOk, sackOk: o.sackOk, tsOk: o.tsOk, tsRecent: offer.tsVal, ecnOk: o.ecnOk,
    rcvWnd: win.rcvWnd, windowClamp: win.windowClamp, rcvWscale: o.wscaleOk ? win.rcvWscale : 0,
    advMss: advertisedMss(h.mtu, h.ipVersion, l.opts.userMss), ackWindow: seg.window,
  });
  child.state = "LISTEN";
  setState(h, child, "SYN_RECEIVED", "segment-arrives/listen/cookie-ack");
  establishChild(h, l, child, seg, "segment-arrives/listen/cookie-ack");
  return true;
}

/** reqsk_timer_handler: resend the SYN-ACK at 1, 3, 7, 15, 31 s; give up after tcp_synack_retries. */
export function fireRequestTimer(h: Host, r: Request): void {
  const l = r.listener;
  const L = l.listen;
  if (l.state !== "LISTEN" || !L) {
    dropRequest(h, r, "request/listener-closed");
    return;
  }
  let maxRetries = l.opts.synCnt || h.profile.sysctl.tcp_synack_retries;
  const qlen = L.requests.length;
  if (qlen << 1 > Math.max(8, L.maxBacklog)) {
    // Keep half the queue for young requests: old ones give up sooner under load.
    let young = L.requests.filter((x) => x.numTimeout === 0).length << 1;
    while (maxRetries > 2) {
      if (qlen < young) break;
      maxRetries--;
      young <<= 1;
    }
  }
  const defer = l.opts.deferAccept ? deferAcceptRetries(h, l) : 0;
  const expire = r.numTimeout >= maxRetries && (!defer || !r.acked || r.numTimeout >= defer);
  if (expire) {
    dropRequest(h, r, "timer/synack-expire");
    return;
  }
  const resend = !defer || !r.acked || r.numTimeout >= defer - 1;
  if (resend) {
    r.numRetrans++;
    requestSynAck(h, r, "timer/synack-retransmit");
  }
  r.numTimeout++;
  r.timerAt = h.now + reqTimeout(h, r);
}

/** inet_csk_listen_stop: requests go, unaccepted children are reset and orphaned. */
export function listenStop(h: Host, l: Socket, resetChild: (c: Socket) => void): void {
  const L = l.listen;
  if (!L) return;
  for (const r of [...L.requests]) dropRequest(h, r, "close/listener");
  for (const c of L.acceptQueue) {
    c.parent = null;
    resetChild(c);
  }
  L.acceptQueue = [];
}
