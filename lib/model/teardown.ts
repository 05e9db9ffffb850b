/**
 * Ending a full socket: tcp_done (→ CLOSED, unhashed, timers stopped), tcp_reset (a RST was
 * accepted: the error the application sees depends on the state) and tcp_write_err (timeouts).
 */
import type { Host } from "./host";
import { socketTuple } from "./output";
import type { RuleId } from "./rules";
import type { Socket } from "./socket";
import { setState } from "./state";

export function purgeWriteQueue(s: Socket): void {
  const t = s.tcb;
  if (!t) return;
  t.rtx = [];
  t.sndBufSeq = t.sndNxt;
  t.sndBufLen = 0;
  t.finQueued = false;
  t.pushMarks = [];
  t.writeSeq = t.sndNxt;
}

export function clearTimers(s: Socket): void {
  if (s.tcb) {
    s.tcb.rtxTimer = null;
    s.tcb.ack.timer = null;
    s.tcb.ack.scheduled = false;
  }
  s.keepaliveAt = null;
}

/** tcp_done: → CLOSED, out of the lookup table, no more timers, both directions shut. */
export function tcpDone(h: Host, s: Socket, rule: RuleId): void {
  if (s.local && s.remote) h.removeConn(socketTuple(h, s), s);
  setState(h, s, "CLOSED", rule);
  clearTimers(s);
  s.shutdown = 3;
  h.maybeDestroy(s);
}

/** tcp_reset: ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT, ECONNRESET otherwise. */
export function tcpReset(h: Host, s: Socket, rule: RuleId): void {
  if (s.state === "CLOSED") return;
  s.err = s.state === "SYN_SENT" ? "ECONNREFUSED" : s.state === "CLOSE_WAIT" ? "EPIPE" : "ECONNRESET";
  purgeWriteQueue(s);
  tcpDone(h, s, rule);
}

/** tcp_write_err: retransmissions or keepalives gave up. */
export function tcpWriteErr(h: Host, s: Socket, rule: RuleId): void {
  s.err = "ETIMEDOUT";
  purgeWriteQueue(s);
  tcpDone(h, s, rule);
}
