/**
 * Linux ABI numbers the syscall layer speaks (x86-64 / generic values from the uapi headers), and
 * the state names and numbers TCP_INFO reports. Kept in one place so the runner can map script
 * symbols (`SOL_SOCKET`, `SO_LINGER`, `O_NONBLOCK`) to what `host.syscall` expects.
 */
import type { TcpState } from "./types";

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;

export const SOL_SOCKET = 1;
export const SOL_TCP = IPPROTO_TCP;

/** Socket-level options (asm-generic/socket.h). */
export const SO = {
  SO_DEBUG: 1,
  SO_REUSEADDR: 2,
  SO_TYPE: 3,
  SO_ERROR: 4,
  SO_DONTROUTE: 5,
  SO_BROADCAST: 6,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_KEEPALIVE: 9,
  SO_OOBINLINE: 10,
  SO_LINGER: 13,
  SO_REUSEPORT: 15,
  SO_RCVLOWAT: 18,
  SO_ACCEPTCONN: 30,
  SO_PROTOCOL: 38,
  SO_DOMAIN: 39,
} as const;

/** TCP-level options (uapi/linux/tcp.h). */
export const TCPOPT = {
  TCP_NODELAY: 1,
  TCP_MAXSEG: 2,
  TCP_CORK: 3,
  TCP_KEEPIDLE: 4,
  TCP_KEEPINTVL: 5,
  TCP_KEEPCNT: 6,
  TCP_SYNCNT: 7,
  TCP_LINGER2: 8,
  TCP_DEFER_ACCEPT: 9,
  TCP_WINDOW_CLAMP: 10,
  TCP_INFO: 11,
  TCP_QUICKACK: 12,
  TCP_CONGESTION: 13,
  TCP_USER_TIMEOUT: 18,
  TCP_NOTSENT_LOWAT: 25,
} as const;

export const SOL_NAMES: Readonly<Record<string, number>> = {
  SOL_SOCKET,
  SOL_TCP,
  IPPROTO_TCP,
  SOL_IP: IPPROTO_IP,
  IPPROTO_IP,
  SOL_IPV6: IPPROTO_IPV6,
  IPPROTO_IPV6,
};

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_NONBLOCK = 0o4000;

export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;

export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITALL = 0x100;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_MORE = 0x8000;
export const MSG_FASTOPEN = 0x20000000;

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLRDBAND = 0x80;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
export const POLLRDHUP = 0x2000;

/** ioctl requests (asm-generic/ioctls.h, linux/sockios.h). */
export const FIONREAD = 0x541b;
export const SIOCINQ = FIONREAD;
export const SIOCOUTQ = 0x5411;
export const SIOCOUTQNSD = 0x894b;
export const FIONBIO = 0x5421;

/** Every symbolic value the syscall layer accepts in place of a number. */
export const SYMBOLS: Readonly<Record<string, number>> = {
  AF_UNSPEC, AF_INET, AF_INET6, PF_INET: AF_INET, PF_INET6: AF_INET6,
  SOCK_STREAM, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_CLOEXEC,
  IPPROTO_TCP, IPPROTO_IP, IPPROTO_IPV6,
  ...SOL_NAMES,
  ...SO,
  ...TCPOPT,
  O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK,
  F_GETFD, F_SETFD, F_GETFL, F_SETFL,
  SHUT_RD, SHUT_WR, SHUT_RDWR,
  MSG_OOB, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL, MSG_MORE, MSG_FASTOPEN,
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM,
  POLLWRBAND, POLLRDHUP,
  FIONREAD, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, FIONBIO,
};

/** The numbers `tcpi_state` uses (include/net/tcp_states.h). */
export const LINUX_STATE_NUMBER: Readonly<Record<TcpState, number>> = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECEIVED: 3,
  FIN_WAIT_1: 4,
  FIN_WAIT_2: 5,
  TIME_WAIT: 6,
  CLOSED: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
};

/** The kernel's own names (`TCP_` prefix dropped), as ss(8) and packetdrill's tcpi_state print them. */
export const LINUX_STATE_NAME: Readonly<Record<TcpState, string>> = {
  ESTABLISHED: "ESTABLISHED",
  SYN_SENT: "SYN_SENT",
  SYN_RECEIVED: "SYN_RECV",
  FIN_WAIT_1: "FIN_WAIT1",
  FIN_WAIT_2: "FIN_WAIT2",
  TIME_WAIT: "TIME_WAIT",
  CLOSED: "CLOSE",
  CLOSE_WAIT: "CLOSE_WAIT",
  LAST_ACK: "LAST_ACK",
  LISTEN: "LISTEN",
  CLOSING: "CLOSING",
};

/** TCP_INFO `tcpi_options` bits (uapi/linux/tcp.h). */
export const TCPI_OPT_TIMESTAMPS = 1;
export const TCPI_OPT_SACK = 2;
export const TCPI_OPT_WSCALE = 4;
export const TCPI_OPT_ECN = 8;

/** Resolves a number or a symbolic name (`"SO_LINGER"`, `"O_RDWR|O_NONBLOCK"`) to a number. */
export function symbolValue(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return undefined;
  let total = 0;
  for (const part of v.split("|")) {
    const name = part.trim();
    if (name === "") return undefined;
    const known = SYMBOLS[name];
    if (known !== undefined) total |= known;
    else if (/^-?(0x[0-9a-f]+|\d+)$/i.test(name)) total |= Number(name);
    else return undefined;
  }
  return total;
}

/** errno numbers (asm-generic/errno.h) for SO_ERROR and for runners that want numbers. */
export const ERRNO: Readonly<Record<string, number>> = {
  EPERM: 1, ENOENT: 2, EINTR: 4, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EFAULT: 14, EINVAL: 22,
  EPIPE: 32, ENOSYS: 38, ENOTSOCK: 88, EDESTADDRREQ: 89, EPROTOTYPE: 91, ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104, EISCONN: 106,
  ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113, EALREADY: 114,
  EINPROGRESS: 115,
};
