/**
 * The model's connection objects, mirroring the kernel's three kinds of TCP socket:
 * - `Socket`: a full socket (struct tcp_sock): what an fd refers to, and every synchronized
 *   connection. Its connection variables live in `tcb` (RFC 9293 §3.3.1 names).
 * - `Request`: a listener's half-open connection (struct request_sock, state SYN_RECEIVED).
 * A full socket that enters TIME_WAIT (or an orphan parked in FIN_WAIT_2) stays a `Socket` with
 * `tw` set; it then behaves like the kernel's struct inet_timewait_sock, and an fd still pointing
 * at it sees what the kernel's closed socket would (read 0, write EPIPE, TCP_INFO says CLOSE).
 * Both carry a connection id (`id`) that stays the same from the first SYN to CLOSED, and all
 * state changes go through `setState`.
 */
import type { Seq } from "../wire/seq";
import type { TcpState } from "./types";

export interface Tuple {
  readonly localAddr: string;
  readonly localPort: number;
  readonly remoteAddr: string;
  readonly remotePort: number;
}

export function tupleKey(t: Tuple): string {
  return `${t.localPort}>${t.remoteAddr}]${t.remotePort}`;
}

/** Options a socket carries (setsockopt). Times in µs, counts plain. 0 = "use the sysctl". */
export interface SockOpts {
  reuseAddr: boolean;
  reusePort: boolean;
  keepalive: boolean;
  linger: { on: boolean; seconds: number };
  nodelay: boolean;
  cork: boolean;
  userMss: number;
  keepIdle: number;
  keepIntvl: number;
  keepCnt: number;
  synCnt: number;
  userTimeout: number;
  linger2: number;
  deferAccept: number;
  windowClamp: number;
  quickack: boolean;
  sndBuf: number;
  rcvBuf: number;
  notsentLowat: number;
  congestion: string;
}

export function defaultSockOpts(): SockOpts {
  return {
    reuseAddr: false,
    reusePort: false,
    keepalive: false,
    linger: { on: false, seconds: 0 },
    nodelay: false,
    cork: false,
    userMss: 0,
    keepIdle: 0,
    keepIntvl: 0,
    keepCnt: 0,
    synCnt: 0,
    userTimeout: 0,
    linger2: 0,
    deferAccept: 0,
    windowClamp: 0,
    quickack: false,
    sndBuf: 0,
    rcvBuf: 0,
    notsentLowat: 0,
    congestion: "",
  };
}

/** One transmitted, not yet acknowledged segment (the retransmission queue). */
export interface RtxSeg {
  seq: Seq;
  /** Data bytes (SYN/FIN not counted). */
  len: number;
  syn: boolean;
  fin: boolean;
  /** First transmission time. */
  firstSent: number;
  lastSent: number;
  /** Times retransmitted (Karn: no RTT sample from these). */
  retrans: number;
  sacked: boolean;
  /** Marked lost by an RTO and not yet retransmitted in this loss episode. */
  lost?: boolean;
}

export interface OooSeg {
  seq: Seq;
  data: Uint8Array;
  fin: boolean;
  /** Arrival order, so SACK blocks can list the most recent first (RFC 2018 §4). */
  touched: number;
}

/** icsk_ack: the delayed-ACK engine. */
export interface AckState {
  /** An ACK is owed (ICSK_ACK_SCHED). */
  scheduled: boolean;
  /** Deadline of the delayed-ACK timer, or null. */
  timer: number | null;
  /** When the owed ACK first became due (for the packet's timeRange). */
  dueSince: number;
  quick: number;
  pingpong: number;
  ato: number;
  lrcvtime: number;
  rcvMss: number;
  lastSegSize: number;
  pushed: boolean;
  pushed2: boolean;
  /** ICSK_ACK_NOW: protocol mandates one immediate ACK. */
  now: boolean;
  dupAckCounter: number;
  compressedAckRcvNxt: Seq;
}

export interface Tcb {
  // RFC 9293 send sequence variables
  iss: Seq;
  sndUna: Seq;
  sndNxt: Seq;
  /** SND.WND in bytes (already scaled). */
  sndWnd: number;
  sndWl1: Seq;
  sndWl2: Seq;
  maxWindow: number;
  /** Linux write_seq: sequence number after the last byte the application queued (and FIN). */
  writeSeq: Seq;
  // receive sequence variables
  irs: Seq;
  rcvNxt: Seq;
  /** RCV.WND: the window last advertised, in bytes, relative to rcvWup. */
  rcvWnd: number;
  rcvWup: Seq;
  /** Linux copied_seq: next byte the application will read. */
  copiedSeq: Seq;
  rcvSsthresh: number;
  windowClamp: number;
  // negotiated options
  mssClamp: number;
  advMss: number;
  /** Effective send MSS (Linux mss_cache): payload bytes per segment, options deducted. */
  mssCache: number;
  sndWscale: number;
  rcvWscale: number;
  wscaleOk: boolean;
  tsOk: boolean;
  tsRecent: number;
  /** When tsRecent was stored (µs), or -1. */
  tsRecentStamp: number;
  tsOffset: number;
  sackOk: boolean;
  ecnOk: boolean;
  // send queue: bytes [sndBufSeq, writeSeq − fin)
  sndBuf: Uint8Array;
  sndBufLen: number;
  sndBufSeq: Seq;
  finQueued: boolean;
  /** Ends of write() calls: the segment carrying such a byte gets PSH (tcp_mark_push). */
  pushMarks: Seq[];
  rtx: RtxSeg[];
  /** packets_out high-water mark for tcp_is_cwnd_limited. */
  maxPacketsOut: number;
  cwndUsageSeq: Seq;
  isCwndLimited: boolean;
  /** Minshall's variant of Nagle: end of the last small segment sent. */
  sndSml: Seq;
  // receive queue
  rcvQueue: Uint8Array[];
  rcvQueueLen: number;
  ooo: OooSeg[];
  oooTouch: number;
  /** A D-SACK block to report once (RFC 2883). */
  dsack: { left: Seq; right: Seq } | null;
  // RTT / RTO (Linux keeps srtt scaled by 8)
  srtt8: number;
  mdev: number;
  mdevMax: number;
  rttvar: number;
  rttSeq: Seq;
  rto: number;
  backoff: number;
  retransmits: number;
  totalRto: number;
  totalRetrans: number;
  /** When the segment being retransmitted was first sent (µs), or -1. */
  retransStamp: number;
  // congestion
  cwnd: number;
  /** Congestion-avoidance ACK counter (snd_cwnd_cnt). */
  cwndCnt: number;
  ssthresh: number;
  caState: "open" | "disorder" | "recovery" | "loss";
  dupAcks: number;
  highSeq: Seq;
  tlpHighSeq: Seq | null;
  // the retransmission-family timer (ICSK_TIME_RETRANS / LOSS_PROBE / PROBE0)
  rtxTimer: { at: number; kind: "retrans" | "probe0" | "loss-probe" } | null;
  probesOut: number;
  ack: AckState;
  /** Last out-of-window/challenge ACK time (µs + 1; 0 = never). */
  lastOowAckTime: number;
  /** Time of the last ACK received / last data sent / last data received. */
  rcvTstamp: number;
  lsndtime: number;
  lastDataRecv: number;
  bytesAcked: number;
  bytesReceived: number;
  segsIn: number;
  segsOut: number;
  /** SYN_SENT: the ACK of the SYN-ACK is held back because a write is waiting. */
  writePending: boolean;
}

export interface ListenState {
  /** sk_max_ack_backlog = min(backlog, somaxconn). */
  maxBacklog: number;
  requests: Request[];
  acceptQueue: Socket[];
  /** Last SYN-queue overflow (enables cookie checks for 2 minutes), or -1. */
  lastOverflow: number;
}

export interface Socket {
  readonly kind: "socket";
  readonly id: number;
  readonly family: 2 | 10;
  state: TcpState;
  /** BSD socket state for connect() semantics (SS_UNCONNECTED ...). */
  ss: "unconnected" | "connecting" | "connected" | "disconnecting";
  /** Local address: null until bound; `addr` null = wildcard. */
  local: { addr: string | null; port: number } | null;
  /** Port was chosen by bind() (not by connect/listen autobind). */
  userBound: boolean;
  remote: { addr: string; port: number } | null;
  opts: SockOpts;
  /** sk_err: reported once by SO_ERROR / the next failing call. */
  err: string | null;
  /** sk_shutdown bits: 1 = RCV_SHUTDOWN, 2 = SEND_SHUTDOWN. */
  shutdown: number;
  /** SOCK_DONE: a FIN was received. */
  done: boolean;
  /** Orphaned: close() was called, no fd refers to it. */
  dead: boolean;
  fd: number | null;
  /** O_NONBLOCK on the file. */
  nonblock: boolean;
  listen: ListenState | null;
  /** An accepted-but-not-yet-returned child's listener. */
  parent: Socket | null;
  tcb: Tcb | null;
  /** Keepalive / orphaned-FIN_WAIT_2 timer (Linux shares one). */
  keepaliveAt: number | null;
  /** Set while this is a timewait socket (tcp_time_wait): TIME_WAIT, or an orphaned FIN_WAIT_2. */
  /** `rcvWnd`: tcp_receive_window() when the timewait socket was made (tw_rcv_wnd), never updated. */
  tw: { substate: "TIME_WAIT" | "FIN_WAIT_2"; expiresAt: number; reuse: boolean; rcvWnd: number } | null;
  /** The connection came from a listener (passive open). */
  passive: boolean;
}

export interface Request {
  readonly kind: "request";
  readonly id: number;
  state: TcpState;
  readonly listener: Socket;
  readonly tuple: Tuple;
  readonly family: 2 | 10;
  readonly iss: Seq;
  readonly irs: Seq;
  /** Peer's options from the SYN. */
  readonly peerMss: number;
  readonly sndWscale: number;
  readonly wscaleOk: boolean;
  readonly sackOk: boolean;
  readonly tsOk: boolean;
  readonly ecnOk: boolean;
  tsRecent: number;
  readonly tsOffset: number;
  readonly rcvWscale: number;
  readonly rcvWnd: number;
  readonly windowClamp: number;
  readonly advMss: number;
  /** Window the SYN carried (never scaled). */
  readonly peerWindow: number;
  timerAt: number;
  numTimeout: number;
  numRetrans: number;
  firstSynackAt: number;
  lastOowAckTime: number;
  /** abort_on_overflow=0 dropped the final ACK: keep resending SYN-ACKs. */
  acked: boolean;
}

export type Conn = Socket | Request;
