/**
 * getsockopt(TCP_INFO) (tcp_get_info): the fields the model tracks. Times are µs for RTT/RTO/ATO
 * and ms for the last_* ages, like the kernel.
 */
import { seqDiff } from "../wire/seq";
import { LINUX_STATE_NUMBER, TCPI_OPT_ECN, TCPI_OPT_SACK, TCPI_OPT_TIMESTAMPS, TCPI_OPT_WSCALE } from "./constants";
import type { Host } from "./host";
import type { Socket } from "./socket";
import type { TcpInfo } from "./types";
import { packetsOut } from "./xmit-timer";

/** tcpi_state: a connection that went on to a timewait socket leaves the fd's socket CLOSE. */
export function tcpiState(s: Socket): number {
  if (s.tw) return LINUX_STATE_NUMBER.CLOSED;
  return LINUX_STATE_NUMBER[s.state];
}

export function tcpInfo(h: Host, s: Socket): TcpInfo {
  const t = s.tcb;
  const ms = (since: number): number => Math.max(0, Math.floor((h.now - since) / 1000));
  const listening = s.state === "LISTEN" && s.listen;
  const live = t && !s.tw;
  let options = 0;
  if (t) {
    if (t.tsOk) options |= TCPI_OPT_TIMESTAMPS;
    if (t.sackOk) options |= TCPI_OPT_SACK;
    if (t.wscaleOk) options |= TCPI_OPT_WSCALE;
    if (t.ecnOk) options |= TCPI_OPT_ECN;
  }
  const caState = !t ? 0 : t.caState === "open" ? 0 : t.caState === "disorder" ? 1 : t.caState === "recovery" ? 3 : 4;
  return {
    tcpi_state: tcpiState(s),
    tcpi_ca_state: caState,
    tcpi_retransmits: t ? t.retransmits : 0,
    tcpi_probes: t ? t.probesOut : 0,
    tcpi_backoff: t ? t.backoff : 0,
    tcpi_options: options,
    tcpi_snd_wscale: t?.wscaleOk ? t.sndWscale : 0,
    tcpi_rcv_wscale: t?.wscaleOk ? t.rcvWscale : 0,
    tcpi_rto: t ? t.rto : h.profile.constants.timeoutInit,
    tcpi_ato: t ? t.ack.ato : 0,
    tcpi_snd_mss: t ? t.mssCache : h.profile.constants.mssDefaultV4,
    tcpi_rcv_mss: t ? t.ack.rcvMss : h.profile.constants.mssDefaultV4,
    tcpi_unacked: listening ? s.listen!.acceptQueue.length : live ? packetsOut(t) : 0,
    tcpi_sacked: listening ? s.listen!.maxBacklog : live ? t.rtx.filter((r) => r.sacked).length : 0,
    tcpi_lost: live ? t.rtx.filter((r) => r.lost).length : 0,
    tcpi_retrans: live ? t.rtx.filter((r) => r.retrans > 0 && !r.lost).length : 0,
    tcpi_last_data_sent: t ? ms(t.lsndtime) : 0,
    tcpi_last_ack_recv: t ? ms(t.rcvTstamp) : 0,
    tcpi_last_data_recv: t ? ms(t.ack.lrcvtime) : 0,
    tcpi_pmtu: h.mtu,
    tcpi_rcv_ssthresh: t ? t.rcvSsthresh : 0,
    tcpi_rtt: t ? t.srtt8 >> 3 : 0,
    tcpi_rttvar: t ? t.mdev >> 2 : 0,
    tcpi_snd_ssthresh: t ? t.ssthresh : 0x7fffffff,
    tcpi_snd_cwnd: t ? t.cwnd : h.profile.constants.initCwnd,
    tcpi_advmss: t ? t.advMss : 0,
    tcpi_reordering: 3,
    tcpi_total_retrans: t ? t.totalRetrans : 0,
    tcpi_bytes_acked: t ? t.bytesAcked : 0,
    tcpi_bytes_received: t ? t.bytesReceived : 0,
    tcpi_segs_out: t ? t.segsOut : 0,
    tcpi_segs_in: t ? t.segsIn : 0,
    tcpi_notsent_bytes: live ? Math.max(0, seqDiff(t.writeSeq, t.sndNxt)) : 0,
    tcpi_snd_wnd: t ? t.sndWnd : 0,
    tcpi_rcv_wnd: t ? t.rcvWnd : 0,
    tcpi_total_rto: t ? t.totalRto : 0,
  };
}
