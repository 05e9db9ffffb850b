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
import { call, libc } from "../sys/libc";
import { diagRequest, dumpTcp, openDiagSocket } from "./sock-diag";

const SOCK_DESTROY = 21;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLMSG_ERROR = 2;
const NLMSG_HDRLEN = 16;
const MSG_DONTWAIT = 0x40;
const TCP_TIME_WAIT = 6;

/** Destroys the namespace's remaining TCP sockets; returns how many it destroyed. */
export function destroyTcpSockets(): number {
  const fd = openDiagSocket();
  if (fd < 0) return 0;
  let destroyed = 0;
  let seq = 1;
  try {
    for (const family of [2, 10]) {
      for (const { state, sockid } of dumpTcp(fd, family, seq++)) {
        if (state === TCP_TIME_WAIT) continue;
        const req = diagRequest(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, seq++, family, 0xffffffff, sockid);
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
