/**
 * Linux x86_64 constants the syscall layer understands, as name → number tables. Values are the
 * kernel's UAPI values (include/uapi/linux/*.h and glibc's bits/*.h for x86_64); they are ABI and
 * never change, so they are spelled out instead of being read from headers at run time.
 *
 * Scripts name constants (`SOCK_STREAM`, `O_RDWR|O_NONBLOCK`); `resolveConstant` maps a name to
 * its number whatever table it lives in. Names that share a value (SOL_TCP = IPPROTO_TCP = 6)
 * are fine; no name maps to two different values.
 */

export const AF: Readonly<Record<string, number>> = {
  AF_UNSPEC: 0, AF_UNIX: 1, AF_LOCAL: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16, AF_PACKET: 17,
  PF_UNSPEC: 0, PF_UNIX: 1, PF_INET: 2, PF_INET6: 10, PF_NETLINK: 16, PF_PACKET: 17,
};

export const SOCK: Readonly<Record<string, number>> = {
  SOCK_STREAM: 1, SOCK_DGRAM: 2, SOCK_RAW: 3, SOCK_RDM: 4, SOCK_SEQPACKET: 5,
  SOCK_NONBLOCK: 0o4000, SOCK_CLOEXEC: 0o2000000,
};

export const IPPROTO: Readonly<Record<string, number>> = {
  IPPROTO_IP: 0, IPPROTO_ICMP: 1, IPPROTO_TCP: 6, IPPROTO_UDP: 17, IPPROTO_IPV6: 41,
  IPPROTO_ICMPV6: 58, IPPROTO_RAW: 255, IPPROTO_SCTP: 132, IPPROTO_UDPLITE: 136, IPPROTO_MPTCP: 262,
};

export const SOL: Readonly<Record<string, number>> = {
  SOL_IP: 0, SOL_SOCKET: 1, SOL_TCP: 6, SOL_UDP: 17, SOL_IPV6: 41, SOL_ICMPV6: 58, SOL_RAW: 255,
  SOL_PACKET: 263,
};

export const SO: Readonly<Record<string, number>> = {
  SO_DEBUG: 1, SO_REUSEADDR: 2, SO_TYPE: 3, SO_ERROR: 4, SO_DONTROUTE: 5, SO_BROADCAST: 6,
  SO_SNDBUF: 7, SO_RCVBUF: 8, SO_KEEPALIVE: 9, SO_OOBINLINE: 10, SO_NO_CHECK: 11, SO_PRIORITY: 12,
  SO_LINGER: 13, SO_BSDCOMPAT: 14, SO_REUSEPORT: 15, SO_PASSCRED: 16, SO_PEERCRED: 17,
  SO_RCVLOWAT: 18, SO_SNDLOWAT: 19, SO_RCVTIMEO: 20, SO_SNDTIMEO: 21, SO_BINDTODEVICE: 25,
  SO_ATTACH_FILTER: 26, SO_DETACH_FILTER: 27, SO_TIMESTAMP: 29, SO_ACCEPTCONN: 30, SO_PEERSEC: 31,
  SO_SNDBUFFORCE: 32, SO_RCVBUFFORCE: 33, SO_PASSSEC: 34, SO_TIMESTAMPNS: 35, SO_MARK: 36,
  SO_TIMESTAMPING: 37, SO_PROTOCOL: 38, SO_DOMAIN: 39, SO_RXQ_OVFL: 40, SO_WIFI_STATUS: 41,
  SO_PEEK_OFF: 42, SO_NOFCS: 43, SO_LOCK_FILTER: 44, SO_SELECT_ERR_QUEUE: 45, SO_BUSY_POLL: 46,
  SO_MAX_PACING_RATE: 47, SO_BPF_EXTENSIONS: 48, SO_INCOMING_CPU: 49, SO_ATTACH_BPF: 50,
  SO_ATTACH_REUSEPORT_CBPF: 51, SO_ATTACH_REUSEPORT_EBPF: 52, SO_CNX_ADVICE: 53,
  SO_MEMINFO: 55, SO_INCOMING_NAPI_ID: 56, SO_COOKIE: 57, SO_PEERGROUPS: 59, SO_ZEROCOPY: 60,
  SO_TXTIME: 61, SO_BINDTOIFINDEX: 62, SO_TIMESTAMP_NEW: 63, SO_TIMESTAMPNS_NEW: 64,
  SO_TIMESTAMPING_NEW: 65, SO_RCVTIMEO_NEW: 66, SO_SNDTIMEO_NEW: 67, SO_DETACH_REUSEPORT_BPF: 68,
  SO_PREFER_BUSY_POLL: 69, SO_BUSY_POLL_BUDGET: 70, SO_NETNS_COOKIE: 71, SO_BUF_LOCK: 72,
  SO_RESERVE_MEM: 73, SO_TXREHASH: 74, SO_RCVMARK: 75, SO_PASSPIDFD: 76, SO_PEERPIDFD: 77,
  SO_DEVMEM_LINEAR: 78, SO_DEVMEM_DMABUF: 79, SO_DEVMEM_DONTNEED: 80, SO_RCVPRIORITY: 82,
  SO_PASSRIGHTS: 83,
  // Control-message types that share SO_* numbers on SOL_SOCKET.
  SCM_RIGHTS: 1, SCM_CREDENTIALS: 2, SCM_TIMESTAMP: 29, SCM_TIMESTAMPNS: 35, SCM_TIMESTAMPING: 37,
  SCM_WIFI_STATUS: 41, SCM_TIMESTAMPING_OPT_STATS: 54, SCM_TIMESTAMPING_PKTINFO: 58, SCM_TXTIME: 61,
};

export const TCP: Readonly<Record<string, number>> = {
  TCP_NODELAY: 1, TCP_MAXSEG: 2, TCP_CORK: 3, TCP_KEEPIDLE: 4, TCP_KEEPINTVL: 5, TCP_KEEPCNT: 6,
  TCP_SYNCNT: 7, TCP_LINGER2: 8, TCP_DEFER_ACCEPT: 9, TCP_WINDOW_CLAMP: 10, TCP_INFO: 11,
  TCP_QUICKACK: 12, TCP_CONGESTION: 13, TCP_MD5SIG: 14, TCP_THIN_LINEAR_TIMEOUTS: 16,
  TCP_THIN_DUPACK: 17, TCP_USER_TIMEOUT: 18, TCP_REPAIR: 19, TCP_REPAIR_QUEUE: 20,
  TCP_QUEUE_SEQ: 21, TCP_REPAIR_OPTIONS: 22, TCP_FASTOPEN: 23, TCP_TIMESTAMP: 24,
  TCP_NOTSENT_LOWAT: 25, TCP_CC_INFO: 26, TCP_SAVE_SYN: 27, TCP_SAVED_SYN: 28,
  TCP_REPAIR_WINDOW: 29, TCP_FASTOPEN_CONNECT: 30, TCP_ULP: 31, TCP_MD5SIG_EXT: 32,
  TCP_FASTOPEN_KEY: 33, TCP_FASTOPEN_NO_COOKIE: 34, TCP_ZEROCOPY_RECEIVE: 35, TCP_INQ: 36,
  TCP_TX_DELAY: 37, TCP_AO_ADD_KEY: 38, TCP_AO_DEL_KEY: 39, TCP_AO_INFO: 40, TCP_AO_GET_KEYS: 41,
  TCP_AO_REPAIR: 42, TCP_IS_MPTCP: 43, TCP_RTO_MAX_MS: 44, TCP_RTO_MIN_US: 45,
  TCP_DELACK_MAX_US: 46,
  // Control-message type on SOL_TCP (same number as TCP_INQ).
  TCP_CM_INQ: 36,
};

export const IP: Readonly<Record<string, number>> = {
  IP_TOS: 1, IP_TTL: 2, IP_HDRINCL: 3, IP_OPTIONS: 4, IP_PKTINFO: 8, IP_PKTOPTIONS: 9,
  IP_MTU_DISCOVER: 10, IP_RECVERR: 11, IP_RECVTTL: 12, IP_RECVTOS: 13, IP_MTU: 14, IP_FREEBIND: 15,
  IP_TRANSPARENT: 19, IP_BIND_ADDRESS_NO_PORT: 24, IP_RECVERR_RFC4884: 26,
  IP_PMTUDISC_DONT: 0, IP_PMTUDISC_WANT: 1, IP_PMTUDISC_DO: 2, IP_PMTUDISC_PROBE: 3,
};

export const IPV6: Readonly<Record<string, number>> = {
  IPV6_ADDRFORM: 1, IPV6_2292PKTINFO: 2, IPV6_UNICAST_HOPS: 16, IPV6_MULTICAST_IF: 17,
  IPV6_MULTICAST_HOPS: 18, IPV6_MULTICAST_LOOP: 19, IPV6_MTU_DISCOVER: 23, IPV6_MTU: 24,
  IPV6_RECVERR: 25, IPV6_V6ONLY: 26, IPV6_RECVPKTINFO: 49, IPV6_PKTINFO: 50, IPV6_RECVHOPLIMIT: 51,
  IPV6_HOPLIMIT: 52, IPV6_RECVTCLASS: 66, IPV6_TCLASS: 67, IPV6_FREEBIND: 78,
  IPV6_RECVERR_RFC4884: 31,
};

export const MSG: Readonly<Record<string, number>> = {
  MSG_OOB: 0x1, MSG_PEEK: 0x2, MSG_DONTROUTE: 0x4, MSG_CTRUNC: 0x8, MSG_PROXY: 0x10, MSG_TRUNC: 0x20,
  MSG_DONTWAIT: 0x40, MSG_EOR: 0x80, MSG_WAITALL: 0x100, MSG_FIN: 0x200, MSG_SYN: 0x400,
  MSG_CONFIRM: 0x800, MSG_RST: 0x1000, MSG_ERRQUEUE: 0x2000, MSG_NOSIGNAL: 0x4000, MSG_MORE: 0x8000,
  MSG_WAITFORONE: 0x10000, MSG_BATCH: 0x40000, MSG_SPLICE_PAGES: 0x8000000, MSG_ZEROCOPY: 0x4000000,
  MSG_FASTOPEN: 0x20000000, MSG_CMSG_CLOEXEC: 0x40000000,
};

export const SHUT: Readonly<Record<string, number>> = { SHUT_RD: 0, SHUT_WR: 1, SHUT_RDWR: 2 };

export const O: Readonly<Record<string, number>> = {
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 0o100, O_EXCL: 0o200, O_NOCTTY: 0o400,
  O_TRUNC: 0o1000, O_APPEND: 0o2000, O_NONBLOCK: 0o4000, O_NDELAY: 0o4000, O_DSYNC: 0o10000,
  O_ASYNC: 0o20000, O_DIRECT: 0o40000, O_LARGEFILE: 0o100000, O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000, O_NOATIME: 0o1000000, O_CLOEXEC: 0o2000000, O_SYNC: 0o4010000,
  O_PATH: 0o10000000, O_TMPFILE: 0o20200000,
};

export const F: Readonly<Record<string, number>> = {
  F_DUPFD: 0, F_GETFD: 1, F_SETFD: 2, F_GETFL: 3, F_SETFL: 4, F_GETLK: 5, F_SETLK: 6, F_SETLKW: 7,
  F_SETOWN: 8, F_GETOWN: 9, F_SETSIG: 10, F_GETSIG: 11, F_SETOWN_EX: 15, F_GETOWN_EX: 16,
  F_SETLEASE: 1024, F_GETLEASE: 1025, F_DUPFD_CLOEXEC: 1030, F_SETPIPE_SZ: 1031, F_GETPIPE_SZ: 1032,
  FD_CLOEXEC: 1,
};

export const POLL: Readonly<Record<string, number>> = {
  POLLIN: 0x1, POLLPRI: 0x2, POLLOUT: 0x4, POLLERR: 0x8, POLLHUP: 0x10, POLLNVAL: 0x20,
  POLLRDNORM: 0x40, POLLRDBAND: 0x80, POLLWRNORM: 0x100, POLLWRBAND: 0x200, POLLMSG: 0x400,
  POLLREMOVE: 0x1000, POLLRDHUP: 0x2000,
};

export const EPOLL: Readonly<Record<string, number>> = {
  EPOLLIN: 0x1, EPOLLPRI: 0x2, EPOLLOUT: 0x4, EPOLLERR: 0x8, EPOLLHUP: 0x10, EPOLLNVAL: 0x20,
  EPOLLRDNORM: 0x40, EPOLLRDBAND: 0x80, EPOLLWRNORM: 0x100, EPOLLWRBAND: 0x200, EPOLLMSG: 0x400,
  EPOLLRDHUP: 0x2000, EPOLLEXCLUSIVE: 0x10000000, EPOLLWAKEUP: 0x20000000,
  EPOLLONESHOT: 0x40000000, EPOLLET: 0x80000000,
  EPOLL_CTL_ADD: 1, EPOLL_CTL_DEL: 2, EPOLL_CTL_MOD: 3, EPOLL_CLOEXEC: 0o2000000,
};

export const IOCTL: Readonly<Record<string, number>> = {
  FIONREAD: 0x541b, SIOCINQ: 0x541b, TIOCOUTQ: 0x5411, SIOCOUTQ: 0x5411, FIONBIO: 0x5421,
  FIOASYNC: 0x5452, SIOCATMARK: 0x8905, SIOCOUTQNSD: 0x894b, SIOCGSTAMP: 0x8906,
  SIOCGSTAMPNS: 0x8907,
};

export const SPLICE: Readonly<Record<string, number>> = {
  SPLICE_F_MOVE: 1, SPLICE_F_NONBLOCK: 2, SPLICE_F_MORE: 4, SPLICE_F_GIFT: 8,
};

/** Timestamping flags (include/uapi/linux/net_tstamp.h) and sock_extended_err origins/codes. */
export const TSTAMP: Readonly<Record<string, number>> = {
  SOF_TIMESTAMPING_TX_HARDWARE: 1 << 0, SOF_TIMESTAMPING_TX_SOFTWARE: 1 << 1,
  SOF_TIMESTAMPING_RX_HARDWARE: 1 << 2, SOF_TIMESTAMPING_RX_SOFTWARE: 1 << 3,
  SOF_TIMESTAMPING_SOFTWARE: 1 << 4, SOF_TIMESTAMPING_SYS_HARDWARE: 1 << 5,
  SOF_TIMESTAMPING_RAW_HARDWARE: 1 << 6, SOF_TIMESTAMPING_OPT_ID: 1 << 7,
  SOF_TIMESTAMPING_TX_SCHED: 1 << 8, SOF_TIMESTAMPING_TX_ACK: 1 << 9,
  SOF_TIMESTAMPING_OPT_CMSG: 1 << 10, SOF_TIMESTAMPING_OPT_TSONLY: 1 << 11,
  SOF_TIMESTAMPING_OPT_STATS: 1 << 12, SOF_TIMESTAMPING_OPT_PKTINFO: 1 << 13,
  SOF_TIMESTAMPING_OPT_TX_SWHW: 1 << 14, SOF_TIMESTAMPING_BIND_PHC: 1 << 15,
  SOF_TIMESTAMPING_OPT_ID_TCP: 1 << 16, SOF_TIMESTAMPING_OPT_RX_FILTER: 1 << 17,
  SO_EE_ORIGIN_NONE: 0, SO_EE_ORIGIN_LOCAL: 1, SO_EE_ORIGIN_ICMP: 2, SO_EE_ORIGIN_ICMP6: 3,
  SO_EE_ORIGIN_TXSTATUS: 4, SO_EE_ORIGIN_ZEROCOPY: 5, SO_EE_ORIGIN_TXTIME: 6,
  SO_EE_ORIGIN_TIMESTAMPING: 4, SO_EE_CODE_ZEROCOPY_COPIED: 1,
  SCM_TSTAMP_SND: 0, SCM_TSTAMP_SCHED: 1, SCM_TSTAMP_ACK: 2,
};

/** tcpi_state values (include/net/tcp_states.h). Index = number. */
export const TCP_STATE_NAMES: readonly string[] = [
  "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
  "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE",
];

export const TCP_STATE: Readonly<Record<string, number>> = Object.fromEntries(
  TCP_STATE_NAMES.map((name, value) => [`TCP_${name}`, value] as const).slice(1),
);

/** Ordered so that the first table holding a name wins in `constantNames` (reverse lookups). */
const ALL_TABLES: readonly Readonly<Record<string, number>>[] = [
  AF, SOCK, IPPROTO, SOL, SO, TCP, IP, IPV6, MSG, SHUT, O, F, POLL, EPOLL, IOCTL, SPLICE, TSTAMP, TCP_STATE,
];

const BY_NAME: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (const table of ALL_TABLES) {
    for (const [name, value] of Object.entries(table)) {
      const seen = map.get(name);
      if (seen !== undefined && seen !== value) throw new Error(`constant ${name} has two values`);
      map.set(name, value);
    }
  }
  return map;
})();

/** The number behind a constant name, or undefined when the layer does not know it. */
export function resolveConstant(name: string): number | undefined {
  return BY_NAME.get(name);
}

/**
 * The value of a flags expression written as names: `"O_RDWR|O_NONBLOCK"`, or a list of names.
 * Numeric literals inside the expression ("0x2", "4") are accepted. Unknown names are an error.
 */
export function resolveFlags(expression: string | readonly string[]): number {
  const parts = typeof expression === "string" ? expression.split("|") : expression;
  let value = 0;
  for (const raw of parts) {
    const part = raw.trim();
    if (part === "") continue;
    const known = BY_NAME.get(part);
    const literal = known ?? (/^(0x[0-9a-f]+|0o?[0-7]+|[0-9]+)$/i.test(part) ? Number(part) : undefined);
    if (literal === undefined || Number.isNaN(literal)) throw new Error(`unknown constant ${part}`);
    value = (value | literal) >>> 0;
  }
  return value;
}

/** Names of the bits set in `value`, taken from one table (for readable traces). */
export function flagNames(value: number, table: Readonly<Record<string, number>>): string[] {
  const names: string[] = [];
  let rest = value >>> 0;
  for (const [name, bit] of Object.entries(table)) {
    if (bit !== 0 && (bit & (bit - 1)) === 0 && ((rest & bit) >>> 0) === bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names;
}

export function tcpStateName(state: number): string {
  return TCP_STATE_NAMES[state] ?? `STATE_${state}`;
}
