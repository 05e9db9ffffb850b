/**
 * SEGMENT ARRIVES in SYN_SENT (RFC 9293 §3.10.7.3; Linux tcp_rcv_synsent_state_process):
 * first the ACK (unacceptable → reset, T22), then RST (acceptable → refused, T24), then SYN:
 * with ACK the connection is established (T2), without it this is a simultaneous open.
 */
import { seqAdd, seqGt, seqLe } from "../wire/seq";
import type { Host } from "./host";
import { effectiveMss, initialRcvMss } from "./options";
import { sendAck, sendSyn } from "./output";
import { sendResetFor } from "./packet";
import type { Seg } from "./segment";
import type { Socket, Tcb } from "./socket";
import { setState } from "./state";
import { initTransfer } from "./tcb";
import { tcpReset } from "./teardown";
import { ackSynAcked } from "./input-ack";

/** Options of a SYN or SYN-ACK as tcp_parse_options accepts them (only what our sysctls allow). */
export function takeSynOptions(h: Host, t: Tcb, seg: Seg, userMss: number): void {
  const sys = h.profile.sysctl;
  const c = h.profile.constants;
  if (seg.opts.mss !== undefined && seg.opts.mss > 0) {
    t.mssClamp = userMss > 0 && userMss < seg.opts.mss ? userMss : seg.opts.mss;
  }
  t.wscaleOk = seg.opts.wscale !== undefined && sys.tcp_window_scaling !== 0;
  t.sndWscale = t.wscaleOk ? Math.min(seg.opts.wscale!, c.maxWscale) : 0;
  t.sackOk = seg.opts.sackOk && sys.tcp_sack !== 0;
  t.tsOk = seg.opts.ts !== undefined && sys.tcp_timestamps !== 0;
}

export function storeTsRecent(h: Host, t: Tcb, seg: Seg): void {
  if (seg.opts.ts) {
    t.tsRecent = seg.opts.ts.val;
    t.tsRecentStamp = h.now;
  }
}

export function synSentArrives(h: Host, s: Socket, t: Tcb, seg: Seg): void {
  if (seg.hasAck) {
    if (seqLe(seg.ack, t.sndUna) || seqGt(seg.ack, t.sndNxt)) {
      // "Previous FIN/ACK or RST/ACK might be ignored": retry the SYN almost at once.
      if (t.retransmits === 0 && t.rtxTimer) {
        t.rtxTimer = { at: h.now + h.profile.constants.timeoutMinJiffies * h.jiffy, kind: "retrans" };
      }
      if (seg.rst) h.drop(s, "segment-arrives/syn-sent/bad-ack-drop");
      else sendResetFor(h, seg, "segment-arrives/syn-sent/bad-ack-rst", s.id);
      return;
    }
    if (seg.opts.ts && seg.opts.ts.ecr !== 0 && h.profile.sysctl.tcp_timestamps) {
      const ecrMs = (seg.opts.ts.ecr - t.tsOffset) >>> 0;
      const firstMs = Math.floor((t.rtx[0]?.firstSent ?? h.now) / 1000) >>> 0;
      const nowMs = Math.floor(h.now / 1000) >>> 0;
      const inRange = ((ecrMs - firstMs) >>> 0) <= ((nowMs - firstMs) >>> 0);
      if (!inRange) {
        if (seg.rst) h.drop(s, "segment-arrives/syn-sent/paws-rst");
        else sendResetFor(h, seg, "segment-arrives/syn-sent/paws-rst", s.id);
        return;
      }
    }
    if (seg.rst) {
      tcpReset(h, s, "segment-arrives/syn-sent/rst");
      return;
    }
    if (!seg.syn) {
      h.drop(s, "segment-arrives/syn-sent/no-syn-drop");
      return;
    }
    synAckArrives(h, s, t, seg);
    return;
  }
  if (seg.rst) {
    h.drop(s, "segment-arrives/syn-sent/rst-no-ack-drop");
    return;
  }
  if (seg.syn) {
    simultaneousOpen(h, s, t, seg);
    return;
  }
  h.drop(s, "segment-arrives/syn-sent/no-syn-drop");
}

function synAckArrives(h: Host, s: Socket, t: Tcb, seg: Seg): void {
  const p = h.profile;
  takeSynOptions(h, t, seg, s.opts.userMss);
  const synRetrans = t.rtx[0]?.syn ? t.rtx[0].retrans : 0;
  t.irs = seg.seq;
  t.rcvNxt = seqAdd(seg.seq, 1);
  t.rcvWup = t.rcvNxt;
  t.copiedSeq = t.rcvNxt;
  t.sndWl1 = seg.seq;
  if (!t.wscaleOk) {
    t.sndWscale = 0;
    t.rcvWscale = 0;
    t.windowClamp = Math.min(t.windowClamp, 65535);
  }
  if (t.tsOk) {
    t.advMss -= 12;
    storeTsRecent(h, t, seg);
  }
  // tcp_ack on the SYN-ACK: SND.UNA moves past our SYN, RTT sample, window (never scaled here).
  ackSynAcked(h, t, seg);
  t.sndWnd = seg.window;
  t.maxWindow = Math.max(t.maxWindow, t.sndWnd);
  t.mssCache = effectiveMss(p, h.mtu, h.ipVersion, t.mssClamp, t.tsOk, t.maxWindow);
  t.ack.rcvMss = initialRcvMss(t.advMss, t.mssCache, t.rcvWnd);
  t.ecnOk = p.sysctl.tcp_ecn === 1 && seg.ece && !seg.cwr;
  setState(h, s, "ESTABLISHED", t.writePending ? "segment-arrives/syn-sent/syn-ack-delayed-ack" : "segment-arrives/syn-sent/syn-ack");
  initTransfer(h, s, t, synRetrans);
  if (t.writePending || s.opts.deferAccept || t.ack.pingpong > 0) {
    // A write is waiting: its data will carry the ACK (tcp_rcv_synsent_state_process).
    t.ack.scheduled = true;
    t.ack.dueSince = h.now;
    t.ack.quick = Math.max(t.ack.quick, p.constants.maxQuickacks);
    t.ack.ato = p.constants.atoMin;
    t.ack.timer = h.now + p.constants.delackMax;
    return;
  }
  sendAck(h, s, "segment-arrives/syn-sent/syn-ack");
}

/** Crossed SYNs: → SYN_RECEIVED, answer with SYN-ACK carrying our own ISS. */
function simultaneousOpen(h: Host, s: Socket, t: Tcb, seg: Seg): void {
  const p = h.profile;
  takeSynOptions(h, t, seg, s.opts.userMss);
  setState(h, s, "SYN_RECEIVED", "segment-arrives/syn-sent/simultaneous-open");
  if (t.tsOk) storeTsRecent(h, t, seg);
  // Linux keeps rcv_wscale here even when the peer's SYN offered no window scale (unlike the
  // SYN-ACK path): the SYN-ACK, built by tcp_syn_options like our SYN, offers wscale, TS and
  // SACK as the sysctls allow, and later windows are shifted by rcv_wscale (observed: 6.18).
  if (!t.wscaleOk) t.sndWscale = 0;
  t.irs = seg.seq;
  t.rcvNxt = seqAdd(seg.seq, 1);
  t.rcvWup = t.rcvNxt;
  t.copiedSeq = t.rcvNxt;
  t.sndWnd = seg.window;
  t.sndWl1 = seg.seq;
  t.maxWindow = t.sndWnd;
  t.mssCache = effectiveMss(p, h.mtu, h.ipVersion, t.mssClamp, t.tsOk, t.maxWindow);
  t.ack.rcvMss = initialRcvMss(t.advMss, t.mssCache, t.rcvWnd);
  sendSyn(h, s, "segment-arrives/syn-sent/simultaneous-open");
}
