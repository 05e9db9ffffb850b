/**
 * Kills every TCP socket left in the calling thread's network namespace, through sock_diag
 * (NETLINK_SOCK_DIAG: SOCK_DIAG_BY_FAMILY dump, then SOCK_DESTROY each, which is tcp_abort;
 * what `ss -K` does; needs CONFIG_INET_DIAG_DESTROY).
 *
 * Why: a socket the script closed itself can linger as an orphan (FIN_WAIT1, LAST_ACK, CLOSING)
 * retransmitting for minutes, and every user socket holds a reference on its namespace
 * (sk_alloc → get_net), so the namespace would outlive the sandbox invisibly. TIME_WAIT sockets
 * hold no such reference and are left alone.
 */
import { IPPROTO } from "../sys/constants";
import { call, libc } from "../sys/libc";

const AF_NETLINK = 16;
const SOCK_RAW_CLOEXEC = 3 | 0o2000000;
const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const SOCK_DESTROY = 21;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLMSG_HDRLEN = 16;
const REQ_V2_SIZE = 56;
const SOCKID_OFFSET = 8;
const SOCKID_SIZE = 48;
const MSG_DONTWAIT = 0x40;
const TCP_TIME_WAIT = 6;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;

function request(type: number, flags: number, seq: number, family: number, states: number, sockid?: Uint8Array): Uint8Array {
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

/** Every (family, state, sockid) the dump reports; bounded so a broken reply cannot spin. */
function dump(fd: number, family: number, seq: number): { state: number; sockid: Uint8Array }[] {
  const found: { state: number; sockid: Uint8Array }[] = [];
  const req = request(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, family, 0xffffffff);
  if (libc().send(fd, req, req.length, 0) < 0) return found;
  const buf = new Uint8Array(32768);
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

/** Destroys the namespace's remaining TCP sockets; returns how many it destroyed. */
export function destroyTcpSockets(): number {
  const { ret: fd } = call(() => libc().socket(AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd < 0) return 0;
  // Every wait is bounded: a reply that never comes must not hang teardown.
  const timeout = new BigInt64Array([0n, 200_000n]);
  libc().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, new Uint8Array(timeout.buffer), 16);
  let destroyed = 0;
  let seq = 1;
  try {
    for (const family of [2, 10]) {
      for (const { state, sockid } of dump(fd, family, seq++)) {
        if (state === TCP_TIME_WAIT) continue;
        const req = request(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, seq++, family, 0xffffffff, sockid);
        if (libc().send(fd, req, req.length, 0) < 0) continue;
        const ack = new Uint8Array(256);
        const { ret: n } = call(() => libc().recv(fd, ack, ack.length, 0));
        if (n >= NLMSG_HDRLEN + 4 && new DataView(ack.buffer).getUint16(4, true) === NLMSG_ERROR) {
          if (new DataView(ack.buffer).getInt32(NLMSG_HDRLEN, true) === 0) destroyed++;
        }
      }
    }
    // Drain anything unexpected so close() cannot block on it (it never does; belt and braces).
    const scratch = new Uint8Array(4096);
    while (libc().recv(fd, scratch, scratch.length, MSG_DONTWAIT) > 0);
  } finally {
    libc().close(fd);
  }
  return destroyed;
}
