/**
 * Outbound aggregation (run_packet.c: do_outbound_script_packet's sniff loop,
 * verify_packet_fragments; packet.c: aggregate_packets). Without --strict_segments packetdrill
 * keeps sniffing segments of the connection until their payloads add up to the scripted length,
 * so a script written for one 10000-byte TSO segment also passes when the kernel sends ten
 * 1000-byte ones. Each further segment must be a compatible continuation of the previous one.
 *
 * These work on live packets (before `toScriptSpace`): the checks are relative, and the aggregate
 * is then mapped and compared like a single packet.
 */
import type { PacketRepr, TcpRepr } from "../wire";
import { expectedFromPacket, verifyHeaders } from "./headers";

/** TCP/UDP payload bytes (packet_payload_len); 0 for ICMP, whose payload packetdrill does not count. */
export function payloadLength(p: PacketRepr): number {
  const l4 = p.l4;
  switch (l4.protocol) {
    case "tcp":
      return l4.tcp.payload.length;
    case "udp":
      return l4.udp.payload.length;
    case "icmp":
      return 0;
    case "other":
      return l4.payload.length;
  }
}

/**
 * Why `next` cannot follow `prev` as an aggregation candidate, in packetdrill's words, or
 * undefined: headers as for a script packet but non-strict (same flags except FIN/PSH/CWR, same
 * ack, window, TTL...; seq = prev seq + prev payload), and every segment but the last carrying as
 * much payload as the previous one. `sniffedSoFar` is the payload sniffed before `next`.
 */
export function fragmentError(prev: PacketRepr, next: PacketRepr, sniffedSoFar: number, expectedTotal: number): string | undefined {
  const headers = verifyHeaders(expectedFromPacket(prev), next, false);
  if (headers.length > 0) return headers[0]!.message;
  const current = payloadLength(next);
  const previous = payloadLength(prev);
  if (current < expectedTotal - sniffedSoFar && current !== previous) {
    return (
      `fragment payload: expected ${previous} bytes vs actual ${current} bytes; ` +
      `total payload: expected ${expectedTotal} bytes vs actual ${current + sniffedSoFar} bytes`
    );
  }
  return undefined;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * One packet standing for the sniffed segments: the last segment's headers (flags, ack, window,
 * options), the first one's seq and CWR bit, and all payloads in order (packet.c: aggregate_packets).
 */
export function aggregate(packets: readonly PacketRepr[]): PacketRepr {
  if (packets.length === 0) throw new RangeError("aggregate: no packets");
  const first = packets[0]!;
  const last = packets[packets.length - 1]!;
  if (packets.length === 1) return first;
  const l4 = last.l4;
  switch (l4.protocol) {
    case "tcp": {
      const payload = concat(packets.map((p) => (p.l4.protocol === "tcp" ? p.l4.tcp.payload : new Uint8Array(0))));
      const head = first.l4.protocol === "tcp" ? first.l4.tcp : l4.tcp;
      const tcp: TcpRepr = { ...l4.tcp, seq: head.seq, flags: { ...l4.tcp.flags, cwr: head.flags.cwr }, payload };
      return { ip: last.ip, l4: { protocol: "tcp", tcp } };
    }
    case "udp": {
      const payload = concat(packets.map((p) => (p.l4.protocol === "udp" ? p.l4.udp.payload : new Uint8Array(0))));
      return { ip: last.ip, l4: { protocol: "udp", udp: { ...l4.udp, payload } } };
    }
    case "icmp":
    case "other":
      return last;
  }
}
