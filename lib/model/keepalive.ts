/**
 * tcp_keepalive_timer (T21, RFC 1122 §4.2.3.6): after TCP_KEEPIDLE without anything received,
 * probe with seq = SND.UNA − 1 every TCP_KEEPINTVL; after TCP_KEEPCNT unanswered probes (or
 * TCP_USER_TIMEOUT) send `R.` and fail with ETIMEDOUT. The same timer bounds an orphaned
 * FIN_WAIT_2 whose linger2 exceeds the TIME_WAIT length.
 */
import { seqLt } from "../wire/seq";
import type { Host } from "./host";
import { dataEnd, sendActiveReset, writeWakeup } from "./output";
import type { Socket } from "./socket";
import { keepaliveIntvl, keepaliveProbes, keepaliveTime } from "./tcb";
import { tcpDone, tcpWriteErr } from "./teardown";
import { enterTimeWait, finTime } from "./time-wait";
import { packetsOut } from "./xmit-timer";

export function fireKeepalive(h: Host, s: Socket): void {
  const t = s.tcb;
  if (!t || s.state === "LISTEN") return;
  if (s.state === "FIN_WAIT_2" && s.dead) {
    if (s.opts.linger2 >= 0) {
      const tmo = finTime(h, s, t) - h.profile.constants.timewaitLen;
      if (tmo > 0) {
        enterTimeWait(h, s, "FIN_WAIT_2", tmo, "timer/fin-wait-2");
        return;
      }
    }
    sendActiveReset(h, s, "timer/fin-wait-2");
    tcpDone(h, s, "timer/fin-wait-2");
    return;
  }
  if (!s.opts.keepalive || s.state === "CLOSED" || s.state === "SYN_SENT") return;
  const idle = keepaliveTime(h, s);
  if (packetsOut(t) > 0 || seqLt(t.sndNxt, dataEnd(t))) {
    // Data in flight: the retransmission timer watches the connection.
    s.keepaliveAt = h.now + idle;
    return;
  }
  const elapsed = h.now - Math.max(t.ack.lrcvtime, t.rcvTstamp);
  if (elapsed < idle) {
    s.keepaliveAt = h.now + (idle - elapsed);
    return;
  }
  const ut = s.opts.userTimeout;
  if ((ut && elapsed >= ut && t.probesOut > 0) || (!ut && t.probesOut >= keepaliveProbes(h, s))) {
    sendActiveReset(h, s, "timer/keepalive-abort");
    tcpWriteErr(h, s, "timer/keepalive-abort");
    return;
  }
  writeWakeup(h, s, "timer/keepalive-probe");
  t.probesOut++;
  s.keepaliveAt = h.now + keepaliveIntvl(h, s);
}
