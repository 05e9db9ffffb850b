/**
 * The RST injected when a TCP socket of the script is closed at the end, so the kernel forgets
 * the connection and does not retransmit into later runs (run_packet.c: reset_connection, called
 * from socket.c: socket_close for TCP sockets with both live ports known).
 *
 * Its seq/ack must be acceptable to the kernel (RFC 5961 §3.2 wants the RST's seq exactly at
 * RCV.NXT), so they come from live traffic, in live space:
 * - something with ACK was injected: seq right after it (SYN and FIN count one), its ack and window;
 * - else the kernel ACKed something: seq = the kernel's last ack, ack = the kernel's last seq;
 * - else (only the kernel's SYN went out): seq 0, ack = the kernel's last seq + 1.
 * `Connection.lastInjected` / `lastOutbound` hold those live values (see `rememberInjected`,
 * `rememberOutbound`). The packet is `R.` with no options, TTL 255, remote → local.
 */
import type { IpMode } from "../script/ast";
import { wireVersion } from "../script/icmp";
import { ipv4, ipv6, seq, seqAdd, tcp, tcpPacket, type PacketRepr, type Seq } from "../wire";
import type { Connection } from "./space";

/** The final RST for `conn`, or undefined when packetdrill would send none (not TCP, ports unknown). */
export function resetPacket(conn: Connection, mode: IpMode): PacketRepr | undefined {
  const local = conn.liveLocal;
  const remote = conn.liveRemote;
  if (conn.protocol !== "tcp" || local === undefined || remote === undefined || local.port === 0 || remote.port === 0) return undefined;
  let rstSeq: Seq;
  let rstAck: Seq;
  let window = 0;
  const injected = conn.lastInjected;
  const outbound = conn.lastOutbound;
  if (injected !== undefined && injected.ackFlag) {
    rstSeq = seqAdd(injected.seq, (injected.syn ? 1 : 0) + (injected.fin ? 1 : 0) + injected.len);
    rstAck = injected.ack;
    window = injected.window;
  } else if (outbound !== undefined && outbound.ackFlag) {
    rstSeq = outbound.ack;
    rstAck = outbound.seq;
  } else {
    rstSeq = seq(0);
    rstAck = seqAdd(outbound?.seq ?? seq(0), 1);
  }
  const segment = tcp({ srcPort: remote.port, dstPort: local.port, seq: rstSeq, ack: rstAck, window, flags: { rst: true, ack: true } });
  const ip =
    wireVersion(mode) === 4
      ? ipv4({ src: remote.ip, dst: local.ip, ttl: 255, id: 0, dontFragment: false })
      : ipv6({ src: remote.ip, dst: local.ip, hopLimit: 255 });
  return tcpPacket(ip, segment);
}

/** Record an injected live packet for the final RST (run_packet.c: last_injected_tcp_header). */
export function rememberInjected(conn: Connection, live: PacketRepr): void {
  if (live.l4.protocol !== "tcp") return;
  const t = live.l4.tcp;
  conn.lastInjected = { seq: t.seq, ack: t.ack, window: t.window, ackFlag: t.flags.ack, len: t.payload.length, syn: t.flags.syn, fin: t.flags.fin };
}

/** Record a sniffed live packet for the final RST (run_packet.c: last_outbound_tcp_header). */
export function rememberOutbound(conn: Connection, live: PacketRepr): void {
  if (live.l4.protocol !== "tcp") return;
  const t = live.l4.tcp;
  conn.lastOutbound = { seq: t.seq, ack: t.ack, ackFlag: t.flags.ack };
}
