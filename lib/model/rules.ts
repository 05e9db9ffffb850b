/**
 * Every transition of the model has a stable rule id (Netsem style): each emitted packet, state
 * change, drop and syscall-caused action names the rule that fired. Ids are `family/...`; the
 * families are `syscall`, `close`, `shutdown`, `segment-arrives` (by state group), `request`
 * (a listener's half-open connection), `time-wait`, `output` and `timer`.
 *
 * `cite` says where the behaviour comes from: an RFC section, or the Linux function it copies.
 */
export interface RuleInfo {
  readonly description: string;
  readonly cite: string;
}

function r(description: string, cite: string): RuleInfo {
  return { description, cite };
}

export const RULES = {
  // ---- syscalls -------------------------------------------------------------------------------
  "syscall/connect": r("connect(): CLOSED → SYN_SENT, send SYN with ISS", "RFC 9293 §3.10.1; tcp_v4_connect"),
  "syscall/connect-tw-reuse": r("connect() from a port held by TIME_WAIT with timestamps: reuse it, ISS = tw snd_nxt + 65537", "tcp_twsk_unique"),
  "syscall/listen": r("listen(): CLOSED → LISTEN", "RFC 9293 §3.10.1; inet_csk_listen_start"),
  "syscall/write": r("write()/send(): queue data and push what window, cwnd and Nagle allow", "RFC 9293 §3.10.2; tcp_sendmsg_locked"),
  "syscall/read": r("read()/recv() freed receive space: send a window update / pending ACK", "tcp_cleanup_rbuf"),
  "syscall/setsockopt": r("setsockopt() re-armed a timer (keepalive) or pushed data (TCP_NODELAY)", "tcp_sock_set_keepidle_locked; tcp_sock_set_nodelay"),
  "close/fin": r("close() in ESTABLISHED or SYN_RECEIVED: send FIN, → FIN_WAIT_1", "RFC 9293 §3.10.4; tcp_close_state"),
  "close/close-wait-fin": r("close() in CLOSE_WAIT: send FIN, → LAST_ACK", "RFC 9293 §3.10.4; tcp_close_state"),
  "close/syn-sent": r("close() in SYN_SENT: → CLOSED, nothing is sent", "RFC 9293 §3.10.4; tcp_close_state"),
  "close/listener": r("close() of a listener: → CLOSED, half-open requests are dropped", "inet_csk_listen_stop"),
  "close/listener-child-reset": r("close() of a listener: each unaccepted child is reset with R.", "inet_child_forget → tcp_disconnect"),
  "close/linger-zero-rst": r("close() with SO_LINGER {1, 0}: send R. seq=snd_nxt, → CLOSED, no TIME_WAIT", "tcp_close → tcp_disconnect; tcp_need_reset"),
  "close/unread-data-rst": r("close() with unread received data: send R. instead of FIN, → CLOSED", "RFC 2525 §2.17; __tcp_close"),
  "close/orphan-fin-wait-2": r("close() when already in FIN_WAIT_2: the orphan becomes a FIN_WAIT_2 timewait socket (tcp_fin_timeout)", "__tcp_close → tcp_time_wait(TCP_FIN_WAIT2)"),
  "shutdown/fin": r("shutdown(SHUT_WR): send FIN (ESTABLISHED → FIN_WAIT_1, CLOSE_WAIT → LAST_ACK)", "tcp_shutdown"),
  "shutdown/disconnect": r("shutdown() in SYN_SENT, or SHUT_RD on a listener: disconnect to CLOSED", "inet_shutdown → tcp_disconnect"),
  "syscall/disconnect-reset": r("disconnect of a synchronized connection: send R.", "tcp_disconnect; tcp_need_reset"),

  // ---- no socket (RFC 9293 §3.10.7.1) ----------------------------------------------------------
  "segment-arrives/closed/rst-for-ack": r("no socket, segment has ACK: send R seq=SEG.ACK", "RFC 9293 §3.10.7.1; tcp_v4_send_reset"),
  "segment-arrives/closed/rst-ack": r("no socket, segment without ACK: send R. seq=0 ack=SEG.SEQ+SEG.LEN", "RFC 9293 §3.10.7.1; tcp_v4_send_reset"),
  "segment-arrives/closed/drop-rst": r("no socket, segment is a RST: drop it", "RFC 9293 §3.10.7.1"),
  "segment-arrives/not-for-us": r("not TCP, or not addressed between the host's two addresses: ignored", "ip_rcv / tcp_v4_rcv lookup"),

  // ---- LISTEN (RFC 9293 §3.10.7.2) ---------------------------------------------------------------
  "segment-arrives/listen/syn": r("SYN to a listener: create a request (SYN_RECEIVED), send SYN-ACK", "RFC 9293 §3.10.7.2; tcp_conn_request"),
  "segment-arrives/listen/ack-rst": r("ACK to a listener with no matching request or cookie: send R seq=SEG.ACK", "RFC 9293 §3.10.7.2; tcp_rcv_state_process LISTEN"),
  "segment-arrives/listen/drop-rst": r("RST to a listener: drop", "RFC 9293 §3.10.7.2"),
  "segment-arrives/listen/drop": r("segment to a listener without SYN, or SYN+FIN: drop", "tcp_rcv_state_process LISTEN"),
  "segment-arrives/listen/syn-cookie": r("SYN queue full (or syncookies=2): answer with a cookie SYN-ACK, keep no state", "tcp_conn_request want_cookie; cookie_v4_init_sequence"),
  "segment-arrives/listen/syn-queue-full-drop": r("SYN queue full and syncookies=0: drop the SYN", "tcp_conn_request"),
  "segment-arrives/listen/accept-queue-full-drop": r("accept queue full: drop the SYN silently", "tcp_conn_request; sk_acceptq_is_full"),
  "segment-arrives/listen/cookie-ack": r("ACK carrying a valid cookie: create the connection in ESTABLISHED", "cookie_v4_check; tcp_get_cookie_sock"),
  "segment-arrives/listen/cookie-accept-queue-full": r("valid cookie ACK but the accept queue is full: drop", "tcp_get_cookie_sock → syn_recv_sock"),

  // ---- request sockets (listener's SYN_RECEIVED) -----------------------------------------------
  "request/retransmitted-syn": r("retransmitted SYN for a request: resend SYN-ACK at once (≤ 1 per 500 ms)", "tcp_check_req; tcp_oow_rate_limited"),
  "request/out-of-window": r("segment outside the request's window: send ACK, drop", "tcp_check_req"),
  "request/bad-ack-rst": r("ACK that is not ISS+1: send R seq=SEG.ACK", "tcp_check_req → listener → RST"),
  "request/rst": r("RST at RCV.NXT for a request: drop the request", "tcp_check_req embryonic_reset"),
  "request/rst-challenge": r("RST in window but not at RCV.NXT for a request: challenge ACK (rate-limited), keep the request", "RFC 5961 §3.2; observed on 6.18"),
  "request/syn-rst": r("SYN with another sequence number in window: send R., drop the request", "tcp_check_req embryonic_reset"),
  "request/no-ack-drop": r("segment without ACK for a request: drop", "tcp_check_req"),
  "request/established": r("ACK of the SYN-ACK: create the child, SYN_RECEIVED → ESTABLISHED, queue for accept()", "RFC 9293 §3.10.7.4; tcp_check_req → syn_recv_sock"),
  "request/accept-queue-full-drop": r("ACK but the accept queue is full, abort_on_overflow=0: drop, keep resending SYN-ACK", "tcp_check_req listen_overflow"),
  "request/accept-queue-full-rst": r("ACK but the accept queue is full, abort_on_overflow=1: send R., drop the request", "tcp_check_req listen_overflow"),
  "request/listener-closed": r("the listener went away: the request is dropped", "inet_csk_listen_stop; reqsk_timer_handler"),

  // ---- SYN_SENT (RFC 9293 §3.10.7.3) -------------------------------------------------------------
  "segment-arrives/syn-sent/bad-ack-rst": r("ACK not acceptable (≤ ISS or > SND.NXT): send R seq=SEG.ACK; resend SYN soon", "RFC 9293 §3.10.7.3; tcp_rcv_synsent_state_process"),
  "segment-arrives/syn-sent/bad-ack-drop": r("RST with an unacceptable ACK: drop", "RFC 9293 §3.10.7.3"),
  "segment-arrives/syn-sent/paws-rst": r("SYN-ACK whose TSecr is not one of our SYNs: send R", "tcp_rcv_synsent_state_process PAWS"),
  "segment-arrives/syn-sent/rst": r("RST with an acceptable ACK: → CLOSED, ECONNREFUSED", "RFC 9293 §3.10.7.3; tcp_reset"),
  "segment-arrives/syn-sent/rst-no-ack-drop": r("RST without ACK: drop", "RFC 9293 §3.10.7.3"),
  "segment-arrives/syn-sent/no-syn-drop": r("neither SYN nor RST: drop", "RFC 9293 §3.10.7.3"),
  "segment-arrives/syn-sent/syn-ack": r("acceptable SYN-ACK: → ESTABLISHED, ACK at once", "RFC 9293 §3.10.7.3; tcp_finish_connect"),
  "segment-arrives/syn-sent/syn-ack-delayed-ack": r("acceptable SYN-ACK while a write waits: → ESTABLISHED, ACK delayed (data will carry it)", "tcp_rcv_synsent_state_process sk_write_pending"),
  "segment-arrives/syn-sent/simultaneous-open": r("SYN without ACK: → SYN_RECEIVED, send SYN-ACK with our ISS", "RFC 9293 §3.10.7.3; tcp_rcv_synsent_state_process"),

  // ---- synchronized states (RFC 9293 §3.10.7.4) ------------------------------------------------
  "segment-arrives/paws-reject": r("timestamp older than TS.Recent: send duplicate ACK (rate-limited), drop", "RFC 7323 §5.3; tcp_validate_incoming"),
  "segment-arrives/out-of-window": r("sequence number not acceptable: send duplicate ACK (pure ACKs rate-limited), drop", "RFC 9293 §3.10.7.4; tcp_sequence"),
  "segment-arrives/rst": r("RST with SEG.SEQ = RCV.NXT: reset the connection (ECONNRESET, or EPIPE in CLOSE_WAIT)", "RFC 5961 §3.2; tcp_reset"),
  "segment-arrives/rst-challenge": r("RST in window but not exact: send challenge ACK, drop", "RFC 5961 §3.2; tcp_send_challenge_ack"),
  "segment-arrives/syn-challenge": r("SYN in a synchronized state: send challenge ACK, drop", "RFC 5961 §4.2; tcp_validate_incoming"),
  "segment-arrives/no-ack-drop": r("segment without ACK: drop", "RFC 9293 §3.10.7.4 fifth"),
  "segment-arrives/ack-unsent": r("SEG.ACK > SND.NXT: send challenge ACK, drop", "RFC 9293 §3.10.7.4; tcp_ack (6.x)"),
  "segment-arrives/ack-too-old": r("SEG.ACK older than SND.UNA − max window: send challenge ACK, drop", "RFC 5961 §5.2; tcp_ack"),
  "segment-arrives/ack": r("acceptable ACK: advance SND.UNA, update window, free acked data", "RFC 9293 §3.10.7.4; tcp_ack"),
  "segment-arrives/syn-received/ack": r("SYN_RECEIVED (simultaneous open): acceptable ACK → ESTABLISHED", "RFC 9293 §3.10.7.4; tcp_rcv_state_process"),
  "segment-arrives/syn-received/bad-ack-rst": r("SYN_RECEIVED: unacceptable ACK: send R seq=SEG.ACK", "RFC 9293 §3.10.7.4"),
  "segment-arrives/fin-wait-1/fin-acked": r("FIN_WAIT_1: our FIN is acknowledged → FIN_WAIT_2", "RFC 9293 §3.10.7.4"),
  "segment-arrives/fin-wait-1/orphan-timewait": r("orphaned FIN_WAIT_1: FIN acknowledged → FIN_WAIT_2 timewait socket (tcp_fin_timeout)", "tcp_rcv_state_process FIN_WAIT1 → tcp_time_wait(TCP_FIN_WAIT2)"),
  "segment-arrives/closing/fin-acked": r("CLOSING: our FIN is acknowledged → TIME_WAIT", "RFC 9293 §3.10.7.4"),
  "segment-arrives/last-ack/fin-acked": r("LAST_ACK: our FIN is acknowledged → CLOSED", "RFC 9293 §3.10.7.4"),
  "segment-arrives/data-after-close-rst": r("new data after close() (FIN_WAIT_1/2 with the receive side shut): send R, reset", "RFC 1122 §4.2.2.13; tcp_rcv_state_process"),
  "segment-arrives/data": r("in-order data queued for read(); ACK now or delayed", "RFC 9293 §3.10.7.4 seventh; tcp_data_queue"),
  "segment-arrives/data-out-of-order": r("out-of-order data queued; duplicate ACK with SACK blocks at once", "RFC 5681 §4.2; tcp_data_queue_ofo"),
  "segment-arrives/data-duplicate": r("already-received data or FIN: immediate ACK", "tcp_data_queue (retransmit)"),
  "segment-arrives/data-ignored": r("data beyond a received FIN (CLOSE_WAIT, CLOSING, LAST_ACK): ignored", "RFC 9293 §3.10.7.4 seventh"),
  "segment-arrives/zero-window-drop": r("data while our window is zero: drop, ACK at once", "tcp_data_queue"),
  "segment-arrives/fin": r("FIN in ESTABLISHED/SYN_RECEIVED: → CLOSE_WAIT, read() sees EOF; ACK delayed (pingpong)", "RFC 9293 §3.10.7.4 eighth; tcp_fin"),
  "segment-arrives/fin-wait-1/fin": r("FIN in FIN_WAIT_1 (simultaneous close): ACK it, → CLOSING", "RFC 9293 §3.10.7.4 eighth; tcp_fin"),
  "segment-arrives/fin-wait-2/fin": r("FIN in FIN_WAIT_2: ACK it, → TIME_WAIT", "RFC 9293 §3.10.7.4 eighth; tcp_fin"),

  // ---- TIME_WAIT and the orphaned FIN_WAIT_2 timewait socket -----------------------------------
  "time-wait/ack": r("TIME_WAIT: segment not in window (e.g. retransmitted FIN): ACK it (rate-limited), restart 60 s if it had ACK", "tcp_timewait_state_process TCP_TW_ACK"),
  "time-wait/in-window-ack": r("TIME_WAIT: bare ACK at RCV.NXT: restart 60 s, no answer", "tcp_timewait_state_process"),
  "time-wait/rst-kill": r("TIME_WAIT: RST at RCV.NXT kills it (tcp_rfc1337=0)", "RFC 1337; tcp_timewait_state_process"),
  "time-wait/rst-ignored": r("TIME_WAIT: other RSTs (or any RST with tcp_rfc1337=1) are ignored", "tcp_timewait_state_process"),
  "time-wait/syn-reopen": r("TIME_WAIT: new SYN with higher seq or newer timestamp reopens via the listener, ISS = snd_nxt + 65537", "RFC 1122 §4.2.2.13; TCP_TW_SYN"),
  "time-wait/expire": r("TIME_WAIT timer expired: → CLOSED", "inet_twsk_kill"),
  "time-wait/fin-wait-2-fin": r("orphaned FIN_WAIT_2: peer FIN → TIME_WAIT, ACK it", "tcp_timewait_state_process FIN_WAIT2"),
  "time-wait/fin-wait-2-data-rst": r("orphaned FIN_WAIT_2: new data (or SYN) → send R, forget the connection", "tcp_timewait_state_process TCP_TW_RST"),
  "time-wait/fin-wait-2-rst": r("orphaned FIN_WAIT_2: in-window RST kills it", "tcp_timewait_state_process"),
  "time-wait/fin-wait-2-dup": r("orphaned FIN_WAIT_2: duplicate or bare ACK ignored", "tcp_timewait_state_process"),
  "time-wait/fin-wait-2-expire": r("orphaned FIN_WAIT_2 timed out (tcp_fin_timeout): → CLOSED silently", "inet_twsk_kill"),
  "time-wait/reused": r("TIME_WAIT socket replaced by a new connection on the same 4-tuple", "tcp_twsk_unique / TCP_TW_SYN"),

  // ---- output -----------------------------------------------------------------------------------
  "output/ack": r("pure ACK sent (immediate: quick-ack mode, two full segments, or protocol-mandated)", "RFC 1122 §4.2.3.2; __tcp_ack_snd_check"),
  "output/window-update": r("window update after the application read", "tcp_cleanup_rbuf"),

  // ---- timers -----------------------------------------------------------------------------------
  "timer/syn-retransmit": r("SYN (or simultaneous-open SYN-ACK) retransmitted; linear then doubling RTO", "tcp_retransmit_timer; tcp_syn_linear_timeouts (6.5+)"),
  "timer/syn-timeout": r("SYN retries exhausted: → CLOSED, connect() fails with ETIMEDOUT", "tcp_write_timeout; retransmits_timed_out"),
  "timer/synack-retransmit": r("request: SYN-ACK retransmitted at 1, 3, 7, 15, 31 s", "reqsk_timer_handler; inet_rtx_syn_ack"),
  "timer/synack-expire": r("request: tcp_synack_retries exhausted, the request is dropped", "reqsk_timer_handler"),
  "timer/retransmit": r("RTO: retransmit the first unacknowledged segment, double the RTO", "RFC 6298 §5; tcp_retransmit_timer"),
  "timer/retransmit-timeout": r("retransmissions exhausted (tcp_retries2, orphan retries or TCP_USER_TIMEOUT): → CLOSED, ETIMEDOUT", "tcp_write_timeout; tcp_write_err"),
  "timer/loss-probe": r("tail loss probe: resend the last segment (or send new data) after ~2·SRTT", "RFC 8985 §7; tcp_send_loss_probe"),
  "timer/zero-window-probe": r("persist timer: probe a zero window with seq = SND.UNA − 1", "RFC 9293 §3.8.6.1; tcp_probe_timer"),
  "output/ack-early": r("an owed (delayed) ACK sent before its timer because the runner needs it now: Linux may send it at once (quick-ack) or at the timer, both are allowed", "RFC 1122 §4.2.3.2; __tcp_ack_snd_check vs tcp_send_delayed_ack"),
  "timer/delayed-ack": r("delayed ACK timer fired: send the pending ACK", "RFC 1122 §4.2.3.2; tcp_delack_timer_handler"),
  "timer/keepalive-probe": r("keepalive probe: ACK with seq = SND.UNA − 1, no data", "RFC 1122 §4.2.3.6; tcp_keepalive_timer"),
  "timer/keepalive-abort": r("keepalive probes unanswered: send R., → CLOSED, ETIMEDOUT", "tcp_keepalive_timer"),
  "timer/fin-wait-2": r("orphaned FIN_WAIT_2 with a long linger2: hand over to a timewait socket or reset", "tcp_keepalive_timer FIN_WAIT2"),
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;

export function ruleInfo(id: RuleId): RuleInfo {
  return RULES[id];
}

export function isRuleId(id: string): id is RuleId {
  return Object.prototype.hasOwnProperty.call(RULES, id);
}
