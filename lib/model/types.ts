/**
 * The model's public data types: what goes into a host (syscall arguments) and what comes out
 * (events). All plain, serialisable values; times are microseconds of virtual time.
 */
import type { PacketRepr } from "../wire/types";
import type { RuleId } from "./rules";

/** RFC 9293 §3.3.2 state names (LINUX_STATE_NAME in constants.ts maps them to the kernel's). */
export type TcpState =
  | "CLOSED"
  | "LISTEN"
  | "SYN_SENT"
  | "SYN_RECEIVED"
  | "ESTABLISHED"
  | "FIN_WAIT_1"
  | "FIN_WAIT_2"
  | "CLOSE_WAIT"
  | "CLOSING"
  | "LAST_ACK"
  | "TIME_WAIT";

/** `struct sockaddr_in` / `sockaddr_in6`: family AF_INET=2 or AF_INET6=10. */
export interface SockaddrArg {
  readonly family: number;
  readonly port: number;
  readonly addr: string;
}

/** `struct linger`. */
export interface LingerArg {
  readonly onoff: number;
  readonly linger: number;
}

/** `struct pollfd`. */
export interface PollFdArg {
  readonly fd: number;
  readonly events: number;
  readonly revents?: number;
}

/**
 * One already-evaluated syscall argument: numbers (symbolic names such as "SO_LINGER" or
 * "O_RDWR|O_NONBLOCK" are accepted where the kernel takes an int), buffers, structs, `null` for a
 * NULL pointer / `...` the runner did not fill in.
 */
export type SysArg = number | string | null | undefined | Uint8Array | SockaddrArg | LingerArg | readonly PollFdArg[];

/** Out-parameters of a completed syscall. */
export interface SyscallOut {
  /** accept/getsockname/getpeername: the address written back. */
  readonly addr?: SockaddrArg;
  /** read/recv: the bytes read. */
  readonly data?: Uint8Array;
  /** getsockopt (int options, SO_LINGER, TCP_INFO, TCP_CONGESTION) and ioctl. */
  readonly value?: number | string | LingerArg | TcpInfo;
  /** getsockopt: the length written back. */
  readonly optlen?: number;
  /** poll: the array with revents filled in. */
  readonly fds?: readonly PollFdArg[];
}

export type SyscallOutcome =
  | { readonly kind: "returned"; readonly ret: number; readonly errno?: string; readonly out?: SyscallOut }
  /** The call blocks; it completes as a `syscall-done` event with the same id. */
  | { readonly kind: "blocked"; readonly id: number };

/** Fields of an emitted packet whose value the model does not predict exactly. */
export type LooseField = "window" | "ip.id" | "ipv6.flowLabel";

export type ModelEvent =
  | {
      readonly kind: "packet";
      /** Nominal emission time (µs). */
      readonly time: number;
      readonly packet: PacketRepr;
      readonly rule: RuleId;
      /** The connection (socket id) that sent it; absent for stateless resets. */
      readonly conn?: number;
      /**
       * Set when Linux may legitimately send this segment anywhere in the interval (e.g. a delayed
       * ACK that could also have gone out at once). `time` is the model's choice within it.
       */
      readonly timeRange?: { readonly earliest: number; readonly latest: number };
      /** Fields the model computes but does not claim to know exactly. */
      readonly loose?: readonly LooseField[];
    }
  | {
      readonly kind: "syscall-done";
      readonly id: number;
      readonly time: number;
      readonly ret: number;
      readonly errno?: string;
      readonly out?: SyscallOut;
    }
  | {
      readonly kind: "state";
      readonly time: number;
      /** The connection (socket id); stable from SYN to CLOSED across request/child/time-wait. */
      readonly conn: number;
      /** The fd that refers to the connection, if any. */
      readonly fd?: number;
      readonly from: TcpState;
      readonly to: TcpState;
      readonly rule: RuleId;
    }
  /** A segment the model discarded without answering (for traces; never an error). */
  | { readonly kind: "drop"; readonly time: number; readonly conn?: number; readonly rule: RuleId };

/** The subset of `struct tcp_info` the model fills in (names as in uapi/linux/tcp.h). */
export interface TcpInfo {
  readonly tcpi_state: number;
  readonly tcpi_ca_state: number;
  readonly tcpi_retransmits: number;
  readonly tcpi_probes: number;
  readonly tcpi_backoff: number;
  readonly tcpi_options: number;
  readonly tcpi_snd_wscale: number;
  readonly tcpi_rcv_wscale: number;
  readonly tcpi_rto: number;
  readonly tcpi_ato: number;
  readonly tcpi_snd_mss: number;
  readonly tcpi_rcv_mss: number;
  readonly tcpi_unacked: number;
  readonly tcpi_sacked: number;
  readonly tcpi_lost: number;
  readonly tcpi_retrans: number;
  readonly tcpi_last_data_sent: number;
  readonly tcpi_last_ack_recv: number;
  readonly tcpi_last_data_recv: number;
  readonly tcpi_pmtu: number;
  readonly tcpi_rcv_ssthresh: number;
  readonly tcpi_rtt: number;
  readonly tcpi_rttvar: number;
  readonly tcpi_snd_ssthresh: number;
  readonly tcpi_snd_cwnd: number;
  readonly tcpi_advmss: number;
  readonly tcpi_reordering: number;
  readonly tcpi_total_retrans: number;
  readonly tcpi_bytes_acked: number;
  readonly tcpi_bytes_received: number;
  readonly tcpi_segs_out: number;
  readonly tcpi_segs_in: number;
  readonly tcpi_notsent_bytes: number;
  readonly tcpi_snd_wnd: number;
  readonly tcpi_rcv_wnd: number;
  readonly tcpi_total_rto: number;
}
