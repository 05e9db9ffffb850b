/**
 * sock_diag (NETLINK_SOCK_DIAG) for TCP: dumps of every TCP socket of the namespace a diag socket
 * was created in. A netlink socket keeps the namespace of its creation, so one opened on the
 * syscall thread at setup can be queried from the main thread later — also while the syscall
 * thread is blocked — e.g. for the state of a connection whose fd the script already closed
 * (orphans, TIME_WAIT), which TCP_INFO on an fd cannot report.
 */
import { IPPROTO } from "../sys/constants";
import { call, libc } from "../sys/libc";
import { addressFromBytes, parseIpv4, parseIpv6 } from "../../lib/wire/address";

const AF_NETLINK = 16;
const SOCK_RAW_CLOEXEC = 3 | 0o2000000;
const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLMSG_HDRLEN = 16;
const REQ_V2_SIZE = 56;
const SOCKID_OFFSET = 8;
const SOCKID_SIZE = 48;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;

export function diagRequest(type: number, flags: number, seq: number, family: number, states: number, sockid?: Uint8Array): Uint8Array {
  const out = new Uint8Array(NLMSG_HDRLEN + REQ_V2_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length, true);
  view.setUint16(4, type, true);
  view.setUint16(6, flags, true);
  view.setUint32(8, seq, true);
  out[NLMSG_HDRLEN] = family;
  out[NLMSG_HDRLEN + 1] = IPPROTO["IPPROTO_TCP"]!;
  view.setUint32(NLMSG_HDRLEN + 4, states >>> 0, true);
  if (sockid) out.set(sockid, NLMSG_HDRLEN + SOCKID_OFFSET);
  return out;
}

/** One receive buffer for every dump (they run on the main thread, one at a time). */
const replyBuffer = new Uint8Array(32768);

/** Every (family, state, sockid) the dump reports; bounded so a broken reply cannot spin. */
export function dumpTcp(fd: number, family: number, seq: number): { state: number; sockid: Uint8Array }[] {
  const found: { state: number; sockid: Uint8Array }[] = [];
  const req = diagRequest(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, family, 0xffffffff);
  if (libc().send(fd, req, req.length, 0) < 0) return found;
  const buf = replyBuffer;
  for (let rounds = 0; rounds < 1000; rounds++) {
    const { ret: n } = call(() => libc().recv(fd, buf, buf.length, 0));
    if (n <= 0) return found;
    const view = new DataView(buf.buffer, 0, n);
    for (let at = 0; at + NLMSG_HDRLEN <= n; ) {
      const len = view.getUint32(at, true);
      const type = view.getUint16(at + 4, true);
      if (len < NLMSG_HDRLEN) return found;
      if (type === NLMSG_DONE || type === NLMSG_ERROR) return found;
      const body = at + NLMSG_HDRLEN;
      if (body + 4 + SOCKID_SIZE <= n) {
        found.push({ state: buf[body + 1]!, sockid: buf.slice(body + 4, body + 4 + SOCKID_SIZE) });
      }
      at += (len + 3) & ~3;
    }
  }
  return found;
}

/** A diag socket in the calling thread's namespace, with bounded receives; -1 on failure. */
export function openDiagSocket(): number {
  const { ret: fd } = call(() => libc().socket(AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd < 0) return -1;
  // Every wait is bounded: a reply that never comes must not hang anything.
  const timeout = new BigInt64Array([0n, 200_000n]);
  libc().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new Uint8Array(timeout.buffer), 16);
  return fd;
}

export interface TcpSocketInfo {
  /** Linux TCP state number (1 ESTABLISHED … 6 TIME_WAIT … 12). */
  readonly state: number;
  readonly localIp: string;
  readonly localPort: number;
  readonly remoteIp: string;
  readonly remotePort: number;
}

/** Every TCP socket of the diag socket's namespace (IPv4 and IPv6; mapped addresses as IPv4). */
export function listTcpSockets(fd: number): TcpSocketInfo[] {
  const out: TcpSocketInfo[] = [];
  let seq = 1;
  for (const family of [2, 10]) {
    for (const { state, sockid } of dumpTcp(fd, family, seq++)) {
      // struct inet_diag_sockid: sport, dport (big-endian), src[16], dst[16], if, cookie.
      const ip = (at: number): string => {
        const bytes = family === 2 ? sockid.subarray(at, at + 4) : sockid.subarray(at, at + 16);
        const isMapped = family === 10 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
        return addressFromBytes(isMapped ? bytes.subarray(12, 16) : bytes);
      };
      out.push({
        state,
        localPort: (sockid[0]! << 8) | sockid[1]!,
        remotePort: (sockid[2]! << 8) | sockid[3]!,
        localIp: ip(4),
        remoteIp: ip(20),
      });
    }
  }
  return out;
}

/**
 * The state of the one TCP socket with this 4-tuple, or undefined if there is none. An exact
 * request (no NLM_F_DUMP: inet_diag_find_one_icsk) is a hash lookup; a dump walks every bucket of
 * the kernel's global TCP hash tables, a millisecond or more with the main thread blocked, on
 * every event. An IPv4 lookup also finds the AF_INET6 sockets that carry IPv4 (mapped) traffic,
 * as incoming IPv4 segments find them.
 */
export function findTcpSocketState(fd: number, localIp: string, localPort: number, remoteIp: string, remotePort: number, seq: number): number | undefined {
  const v4 = parseIpv4(localIp);
  const family = v4 !== undefined ? 2 : 10;
  const local = v4 ?? parseIpv6(localIp);
  const remote = v4 !== undefined ? parseIpv4(remoteIp) : parseIpv6(remoteIp);
  if (local === undefined || remote === undefined) return undefined;
  const sockid = new Uint8Array(SOCKID_SIZE);
  sockid[0] = localPort >> 8;
  sockid[1] = localPort & 0xff;
  sockid[2] = remotePort >> 8;
  sockid[3] = remotePort & 0xff;
  sockid.set(local, 4);
  sockid.set(remote, 20);
  // idiag_if 0 (any); idiag_cookie INET_DIAG_NOCOOKIE (~0, ~0): no cookie check.
  sockid.fill(0xff, 40, 48);
  const req = diagRequest(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, seq, family, 0xffffffff, sockid);
  if (libc().send(fd, req, req.length, 0) < 0) return undefined;
  const buf = replyBuffer;
  const { ret: n } = call(() => libc().recv(fd, buf, buf.length, 0));
  if (n < NLMSG_HDRLEN) return undefined;
  const view = new DataView(buf.buffer, 0, n);
  if (view.getUint16(4, true) !== SOCK_DIAG_BY_FAMILY || n < NLMSG_HDRLEN + 2) return undefined;
  return buf[NLMSG_HDRLEN + 1];
}
