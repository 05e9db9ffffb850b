/**
 * SEGMENT ARRIVES in a synchronized state, or SYN_RECEIVED of a simultaneous open (RFC 9293
 * §3.10.7.4; Linux tcp_validate_incoming + tcp_rcv_state_process / tcp_rcv_established):
 * PAWS, sequence acceptability, RST and SYN (RFC 5961), ACK, state-specific ACK outcomes
 * (FIN_WAIT_1, CLOSING, LAST_ACK), then the text and FIN.
 */
import { seqAdd, seqGe, seqGt, seqLe, seqLt } from "../wire/seq";
import type { Host } from "./host";
import { ackSndCheck, dataQueue, enterQuickack } from "./input-data";
import { tcpAck } from "./input-ack";
import { oowRateLimited, pushPending, sendAck, sendChallengeAck } from "./output";
import { sendResetFor } from "./packet";
import type { RuleId } from "./rules";
import type { Seg } from "./segment";
import type { Socket, Tcb } from "./socket";
import { setState } from "./state";
import { initTransfer } from "./tcb";
import { tcpDone, tcpReset } from "./teardown";
import { enterTimeWait, finTime } from "./time-wait";
import { receiveWindow } from "./window";

/** tcp_paws_discard: TSval older than TS.Recent (by more than 1), unless a disordered pure ACK. */
function pawsDiscard(h: Host, t: Tcb, seg: Seg): boolean {
  const ts = seg.opts.ts!;
  if (((t.tsRecent - ts.val) | 0) <= 1) return false;
  if (t.tsRecent === 0) return false;
  if (t.tsRecentStamp >= 0 && h.now - t.tsRecentStamp >= 24 * 24 * 3600 * 1_000_000) return false;
  // tcp_disordered_ack: a pure ACK for SND.UNA at RCV.NXT that changes nothing may be late.
  const nwin = seg.window * 2 ** t.sndWscale;
  const disordered = seg.dataLen === 0 && !seg.syn && !seg.fin && seg.hasAck && seg.seq === t.rcvNxt &&
    seg.ack === t.sndUna && nwin === t.sndWnd && ((t.tsRecent - ts.val) | 0) <= Math.floor(t.rto / 1000);
  return !disordered;
}

/** tcp_sequence (6.x): not entirely before RCV.WUP, not starting beyond the window. */
function sequenceOk(t: Tcb, seg: Seg): boolean {
  if (seqLt(seg.end, t.rcvWup)) return false;
  const right = seqAdd(t.rcvNxt, receiveWindow(t));
  if (seqGt(seg.end, right)) {
    if (seqGt(seg.seq, right)) return false;
    if (t.rcvQueueLen > 0) return false;
  }
  return true;
}

/** tcp_send_dupack: ACK an unacceptable segment; report already-received data as D-SACK. */
function sendDupAck(h: Host, s: Socket, t: Tcb, seg: Seg, rule: RuleId): void {
  if (seg.end !== seg.seq && seqLt(seg.seq, t.rcvNxt)) {
    enterQuickack(h, t);
    if (t.sackOk && h.profile.sysctl.tcp_dsack) {
      t.dsack = { left: seg.seq, right: seqGt(seg.end, t.rcvNxt) ? t.rcvNxt : seg.end };
    }
  }
  sendAck(h, s, rule);
}

/** tcp_reset_check: a RST one below RCV.NXT after the peer's FIN (it ACKed nothing new). */
function resetCheck(s: Socket, t: Tcb, seg: Seg): boolean {
  return seg.seq === seqAdd(t.rcvNxt, -1) && (s.state === "CLOSE_WAIT" || s.state === "LAST_ACK" || s.state === "CLOSING");
}

/** tcp_validate_incoming: false when the segment was consumed (answered or dropped). */
function validateIncoming(h: Host, s: Socket, t: Tcb, seg: Seg): boolean {
  if (seg.opts.ts && t.tsOk && pawsDiscard(h, t, seg) && !seg.rst) {
    if (seg.syn) {
      sendChallengeAck(h, s, "segment-arrives/syn-challenge");
    } else if (!oowRateLimited(h, t, seg)) {
      sendDupAck(h, s, t, seg, "segment-arrives/paws-reject");
    } else {
      h.drop(s, "segment-arrives/paws-reject");
    }
    return false;
  }
  if (!sequenceOk(t, seg)) {
    if (!seg.rst) {
      if (seg.syn) sendChallengeAck(h, s, "segment-arrives/syn-challenge");
      else if (!oowRateLimited(h, t, seg)) sendDupAck(h, s, t, seg, "segment-arrives/out-of-window");
      else h.drop(s, "segment-arrives/out-of-window");
    } else if (resetCheck(s, t, seg)) {
      tcpReset(h, s, "segment-arrives/rst");
    } else {
      h.drop(s, "segment-arrives/out-of-window");
    }
    return false;
  }
  if (seg.rst) {
    // RFC 5961 §3.2: only an exact RST resets; any other in-window RST gets a challenge ACK.
    if (seg.seq === t.rcvNxt || resetCheck(s, t, seg)) tcpReset(h, s, "segment-arrives/rst");
    else sendChallengeAck(h, s, "segment-arrives/rst-challenge");
    return false;
  }
  if (seg.syn) {
    const crossedSynAck = s.state === "SYN_RECEIVED" && s.fd !== null && seg.hasAck &&
      seqAdd(seg.seq, 1) === seg.end && seqAdd(seg.seq, 1) === t.rcvNxt && seg.ack === t.sndNxt;
    if (!crossedSynAck) {
      // RFC 5961 §4.2: a SYN in a synchronized state is answered with a challenge ACK.
      sendChallengeAck(h, s, "segment-arrives/syn-challenge");
      return false;
    }
  }
  return true;
}

export function syncArrives(h: Host, s: Socket, t: Tcb, seg: Seg): void {
  if (!seg.hasAck && !seg.rst && !seg.syn) {
    h.drop(s, "segment-arrives/no-ack-drop");
    return;
  }
  if (!validateIncoming(h, s, t, seg)) return;
  if (!seg.hasAck) {
    h.drop(s, "segment-arrives/no-ack-drop");
    return;
  }
  if (s.state === "SYN_RECEIVED") {
    if (!(seqGt(seg.ack, t.sndUna) && seqLe(seg.ack, t.sndNxt))) {
      sendResetFor(h, seg, "segment-arrives/syn-received/bad-ack-rst", s.id);
      return;
    }
  }
  const verdict = tcpAck(h, s, t, seg);
  if (verdict === "unsent") {
    if (h.profile.features.challengeAckOnUnsentData || s.state !== "ESTABLISHED") sendChallengeAck(h, s, "segment-arrives/ack-unsent");
    else h.drop(s, "segment-arrives/ack-unsent");
    return;
  }
  if (verdict === "too-old") {
    sendChallengeAck(h, s, "segment-arrives/ack-too-old");
    return;
  }
  const allAcked = t.sndUna === t.writeSeq;
  switch (s.state) {
    case "SYN_RECEIVED": {
      const synRetrans = t.totalRetrans;
      setState(h, s, "ESTABLISHED", "segment-arrives/syn-received/ack");
      t.sndWnd = seg.window * 2 ** t.sndWscale;
      t.sndWl1 = seg.seq;
      t.retransStamp = -1;
      initTransfer(h, s, t, synRetrans);
      t.copiedSeq = t.rcvNxt;
      break;
    }
    case "FIN_WAIT_1":
      if (allAcked && finAckedInFinWait1(h, s, t, seg)) return;
      break;
    case "CLOSING":
      if (allAcked) {
        enterTimeWait(h, s, "TIME_WAIT", 0, "segment-arrives/closing/fin-acked");
        return;
      }
      break;
    case "LAST_ACK":
      if (allAcked) {
        tcpDone(h, s, "segment-arrives/last-ack/fin-acked");
        return;
      }
      break;
    default:
      break;
  }
  const textRule = processText(h, s, t, seg);
  if (textRule === "segment-arrives/data-after-close-rst") return;
  // tcp_data could have moved the socket to TIME_WAIT or CLOSED.
  if (s.state !== "CLOSED" && !s.tw && s.tcb) {
    pushPending(h, s, "segment-arrives/ack");
    ackSndCheck(h, s, t);
  }
}

/** FIN_WAIT_1 with everything (our FIN included) acknowledged. True if the socket was handed on. */
function finAckedInFinWait1(h: Host, s: Socket, t: Tcb, seg: Seg): boolean {
  setState(h, s, "FIN_WAIT_2", "segment-arrives/fin-wait-1/fin-acked");
  s.shutdown |= 2;
  if (!s.dead) return false;
  if (s.opts.linger2 < 0) {
    tcpDone(h, s, "segment-arrives/fin-wait-1/fin-acked");
    sendResetFor(h, seg, "segment-arrives/data-after-close-rst", s.id);
    return true;
  }
  const newData = seg.dataLen > 0 && seqGt(seqAdd(seg.end, seg.fin ? -1 : 0), t.rcvNxt);
  if (newData) {
    tcpDone(h, s, "segment-arrives/data-after-close-rst");
    sendResetFor(h, seg, "segment-arrives/data-after-close-rst", s.id);
    return true;
  }
  const tmo = finTime(h, s, t);
  const twLen = h.profile.constants.timewaitLen;
  if (tmo > twLen) {
    s.keepaliveAt = h.now + (tmo - twLen);
  } else if (seg.fin) {
    s.keepaliveAt = h.now + tmo;
  } else {
    enterTimeWait(h, s, "FIN_WAIT_2", tmo, "segment-arrives/fin-wait-1/orphan-timewait");
    return true;
  }
  return false;
}

/** Step seven: which states take text, and the RFC 1122 reset for data after close(). */
function processText(h: Host, s: Socket, t: Tcb, seg: Seg): RuleId | null {
  const hasText = seg.dataLen > 0 || seg.fin;
  switch (s.state) {
    case "CLOSE_WAIT":
    case "CLOSING":
    case "LAST_ACK":
      if (seqGe(seg.seq, t.rcvNxt)) {
        if (hasText) h.drop(s, "segment-arrives/data-ignored");
        return null;
      }
      break;
    case "FIN_WAIT_1":
    case "FIN_WAIT_2":
      if (s.shutdown & 1 && seg.end !== seg.seq && seqGt(seqAdd(seg.end, seg.fin ? -1 : 0), t.rcvNxt) && seg.dataLen > 0) {
        tcpReset(h, s, "segment-arrives/data-after-close-rst");
        sendResetFor(h, seg, "segment-arrives/data-after-close-rst", s.id);
        return "segment-arrives/data-after-close-rst";
      }
      break;
    default:
      break;
  }
  const rule = dataQueue(h, s, t, seg);
  if (rule === "segment-arrives/data-duplicate" || rule === "segment-arrives/zero-window-drop") h.drop(s, rule);
  return rule;
}
