/**
 * One packet event (run_packet.c): find or create the connection the script packet is about,
 * then inject it (`<`) or sniff, map and compare what the kernel sent (`>`).
 */
import type { PacketSpec } from "../../lib/script/ast";
import type { Connection } from "../../lib/match/space";
import { buildInbound } from "../../lib/match/inbound";
import { compareOutbound, toScriptSpace, type Mismatch } from "../../lib/match/outbound";
import { aggregate, fragmentError, payloadLength } from "../../lib/match/aggregate";
import { decodePacket, DecodeError, encodePacket, formatPacket, seq, type PacketRepr } from "../../lib/wire";
import type { ResolvedTime } from "../../lib/match/timing";
import { resetPacket } from "../../lib/match/reset";
import type { IpMode } from "../../lib/trace/types";
import type { Emitted, Target } from "../target/target";
import type { RunState } from "./state";

export class PacketFailure extends Error {
  readonly mismatches: readonly Mismatch[];
  readonly scriptText: string | undefined;
  readonly actualText: string | undefined;
  constructor(message: string, mismatches: readonly Mismatch[] = [], scriptText?: string, actualText?: string) {
    super(message);
    this.mismatches = mismatches;
    this.scriptText = scriptText;
    this.actualText = actualText;
  }
}

/** find_or_create_socket_for_script_packet */
export function connectionFor(spec: PacketSpec, state: RunState): Connection {
  const conn = state.conn;
  if (spec.body.kind === "tcp") {
    const f = spec.body.flags;
    // An inbound packet to a listener (or with no socket at all) opens a passive child.
    if (spec.direction === "inbound" && (conn === undefined || conn.phase === "listening")) {
      const child = state.newConnection("tcp", "passive-packet-received", -1, -1);
      child.liveLocal = state.localEndpoint(conn?.liveLocal?.port ?? state.config.bindPort);
      child.liveRemote = state.remoteEndpoint(state.ephemeralPort());
      child.remoteIsn = seq(spec.body.seq.start);
      return child;
    }
    if (spec.direction === "outbound" && f.syn && !f.ack && conn !== undefined && conn.phase === "active-connecting") {
      conn.phase = "active-syn-sent";
      conn.scriptLocalIsn = seq(spec.body.seq.start);
      return conn;
    }
  }
  if (conn !== undefined) {
    const kind = spec.body.kind;
    if (kind === "icmp" || (kind === "tcp" && conn.protocol === "tcp") || (kind === "udp" && conn.protocol === "udp")) return conn;
    if ((kind === "tcp" || kind === "udp") && spec.body.ports !== undefined) return conn;
  }
  throw new PacketFailure("no matching socket for script packet");
}

function sameIp(a: string, b: string): boolean {
  return a === b;
}

/** Whether a live packet travels on this connection's known 4-tuple (kernel → remote). */
export function belongsTo(p: PacketRepr, conn: Connection): boolean {
  const l4 = p.l4;
  const ports = l4.protocol === "tcp" ? l4.tcp : l4.protocol === "udp" ? l4.udp : undefined;
  if (conn.liveLocal === undefined || conn.liveRemote === undefined || ports === undefined) return false;
  return p.ip.src === conn.liveLocal.ip && p.ip.dst === conn.liveRemote.ip && ports.srcPort === conn.liveLocal.port && ports.dstPort === conn.liveRemote.port;
}

/** find_socket_for_live_packet + find_connect_for_live_packet: is this packet from our connection? */
function isOurs(p: PacketRepr, conn: Connection): boolean {
  const l4 = p.l4;
  const ports = l4.protocol === "tcp" ? l4.tcp : l4.protocol === "udp" ? l4.udp : undefined;
  // The SYN of an active open tells us the kernel's port and ISN. Checked first: after an
  // explicit bind() the local endpoint is already known, and the tuple match alone would skip
  // learning the ISN (run_packet.c: find_connect_for_live_packet).
  const connecting =
    (l4.protocol === "tcp" && l4.tcp.flags.syn && !l4.tcp.flags.ack && conn.phase === "active-syn-sent") ||
    (l4.protocol === "udp" && conn.phase === "active-connecting");
  if (connecting && ports !== undefined && conn.liveRemote !== undefined && sameIp(p.ip.dst, conn.liveRemote.ip) && ports.dstPort === conn.liveRemote.port) {
    conn.liveLocal = { ip: p.ip.src, port: ports.srcPort };
    if (l4.protocol === "tcp") conn.liveLocalIsn = l4.tcp.seq;
    return true;
  }
  if (conn.liveLocal !== undefined && conn.liveRemote !== undefined && ports !== undefined) {
    if (
      sameIp(p.ip.src, conn.liveLocal.ip) &&
      sameIp(p.ip.dst, conn.liveRemote.ip) &&
      ports.srcPort === conn.liveLocal.port &&
      ports.dstPort === conn.liveRemote.port
    )
      return true;
  }
  if (l4.protocol === "icmp" && conn.liveRemote !== undefined) return sameIp(p.ip.dst, conn.liveRemote.ip);
  return false;
}

function portsOf(p: PacketRepr): { srcPort: number; dstPort: number } | undefined {
  return p.l4.protocol === "tcp" ? p.l4.tcp : p.l4.protocol === "udp" ? p.l4.udp : undefined;
}

function sameTuple(a: PacketRepr, b: PacketRepr): boolean {
  const pa = portsOf(a);
  const pb = portsOf(b);
  return a.ip.src === b.ip.src && a.ip.dst === b.ip.dst && pa?.srcPort === pb?.srcPort && pa?.dstPort === pb?.dstPort;
}

export interface Sniffed {
  readonly live: PacketRepr;
  readonly first: Emitted;
  /** Every emitted packet looked at, ours or not (for the trace). */
  readonly seen: readonly { emitted: Emitted; packet: PacketRepr | undefined; ours: boolean }[];
}

/**
 * sniff_outbound_live_packet + the aggregation loop of do_outbound_script_packet: packets of other
 * connections are skipped; ours are gathered until the scripted payload length is reached.
 */
export async function sniff(spec: PacketSpec, conn: Connection, target: Target, deadline: number, strict: boolean): Promise<Sniffed | undefined> {
  const expected = spec.body.kind === "tcp" ? spec.body.seq.length : spec.body.kind === "udp" ? spec.body.length.value : 0;
  const seen: { emitted: Emitted; packet: PacketRepr | undefined; ours: boolean }[] = [];
  const parts: PacketRepr[] = [];
  let first: Emitted | undefined;
  let total = 0;
  // Not a do-while: its `continue` would test the condition, and for a zero-length expectation
  // (a bare SYN) one packet of another connection would end the sniff before ours arrived.
  for (;;) {
    const emitted = await target.nextPacket(deadline);
    if (emitted === undefined) break;
    let packet: PacketRepr | undefined;
    try {
      packet = decodePacket(emitted.bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    const ours = packet !== undefined && isOurs(packet, conn);
    seen.push({ emitted, packet, ours });
    if (!ours || packet === undefined) continue;
    if (conn.phase === "passive-packet-received" && packet.l4.protocol === "tcp" && packet.l4.tcp.flags.syn && packet.l4.tcp.flags.ack) {
      conn.phase = "passive-synack-sent";
      conn.liveLocalIsn = packet.l4.tcp.seq;
    }
    if (packet.l4.protocol === "tcp") conn.lastOutbound = { seq: packet.l4.tcp.seq, ack: packet.l4.tcp.ack, ackFlag: packet.l4.tcp.flags.ack };
    if (parts.length > 0 && !sameTuple(parts[parts.length - 1]!, packet)) {
      // A leftover SYN of an earlier connection to the same remote endpoint (a retransmission
      // after the script moved on) looks like the new connect's SYN until the real one shows up
      // from another port. packetdrill then drops what it gathered and starts anew from this
      // packet (do_outbound_script_packet: "Discard old packets").
      for (const s of seen) if (s.ours && parts.includes(s.packet!)) s.ours = false;
      parts.length = 0;
      total = 0;
      first = undefined;
    }
    if (parts.length > 0) {
      const err = fragmentError(parts[parts.length - 1]!, packet, total, expected);
      if (err !== undefined) throw new PacketFailure(err);
    }
    if (first === undefined) first = emitted;
    parts.push(packet);
    total += payloadLength(packet);
    if (total >= expected || strict) break;
  }
  if (first === undefined) return undefined;
  if (total !== expected) {
    const live = parts.length === 1 ? parts[0]! : aggregate(parts);
    throw new PacketFailure(`live packet payload: expected ${expected} bytes vs actual ${total} bytes`, [], undefined, formatPacket(toScriptSpace(live, spec, conn), { direction: "outbound" }));
  }
  return { live: parts.length === 1 ? parts[0]! : aggregate(parts), first, seen };
}

/** The differences between a script packet and what the kernel sent, already in script space (toScriptSpace). */
export function compareInScriptSpace(spec: PacketSpec, actual: PacketRepr, state: RunState): Mismatch[] {
  return compareOutbound(spec, actual, {
    strictSegments: state.config.strictSegments,
    tsTickUsecs: 0,
    toleranceUsecs: state.config.toleranceUsecs,
  });
}

/** do_inbound_script_packet: map to live space, encode, inject. */
export async function inject(spec: PacketSpec, conn: Connection, target: Target, state: RunState): Promise<{ packet: PacketRepr; bytes: Uint8Array }> {
  const built = buildInjection(spec, conn, state);
  await target.inject(built.bytes);
  return built;
}

/**
 * The live bytes of an inbound script packet (and the connection's bookkeeping of it), ready to
 * inject: the runner builds them before the packet's time comes, so that at that time only the
 * write to tun0 is left.
 */
export function buildInjection(spec: PacketSpec, conn: Connection, state: RunState): { packet: PacketRepr; bytes: Uint8Array } {
  if (spec.body.kind === "tcp") {
    const f = spec.body.flags;
    if (conn.phase === "passive-synack-sent" && f.ack) conn.phase = "passive-synack-acked";
    else if (conn.phase === "active-syn-sent" && f.syn && f.ack) {
      conn.phase = "active-syn-acked";
      conn.remoteIsn = seq(spec.body.seq.start);
    }
  }
  const built = buildInbound(spec, { mode: state.config.mode, conn, mss: state.config.mss, tsEcrScaled: state.config.tcpTsEcrScaled === true });
  if (!built.ok) throw new PacketFailure(built.message);
  const packet = built.packet;
  if (packet.l4.protocol === "tcp") {
    const t = packet.l4.tcp;
    conn.lastInjected = { seq: t.seq, ack: t.ack, window: t.window, ackFlag: t.flags.ack, len: t.payload.length, syn: t.flags.syn, fin: t.flags.fin };
  }
  return { packet, bytes: encodePacket(packet) };
}

/** After the script: a RST for every TCP connection that exchanged packets (run_packet.c: reset_connection). */
export async function resetConnections(state: RunState, target: Target, mode: IpMode): Promise<void> {
  for (const conn of state.connections) {
    if (conn.liveLocal === undefined || conn.liveRemote === undefined || conn.protocol !== "tcp") continue;
    if (conn.lastOutbound === undefined && conn.lastInjected === undefined) continue;
    const rst = resetPacket(conn, mode);
    if (rst === undefined) continue;
    try {
      await target.inject(encodePacket(rst));
    } catch {
      // The target may already be gone after an environment error; teardown resets anyway.
    }
  }
}

/** The target's rule for an emitted packet (the model's), as a trace entry field. */
export function ruleOf(e: Emitted): { rule?: string } {
  return e.rule !== undefined ? { rule: e.rule } : {};
}

/**
 * The instant an outbound packet is timed at. A target that may have sent it anywhere in
 * [earliest, latest] ("both allowed", the model's delayed ACKs) is on time if any instant is: the
 * one closest to the scripted time, else the range's end nearest the window.
 */
export function timedInstant(e: Emitted, start: number, expected: ResolvedTime, tolerance: number): number {
  const nominal = e.time - start;
  if (e.earliest === undefined || e.latest === undefined || expected.kind === "any") return nominal;
  const lo = Math.max(e.earliest - start, expected.at - tolerance);
  const hi = Math.min(e.latest - start, expected.end + tolerance);
  if (lo <= hi) return Math.min(Math.max(expected.at, lo), hi);
  return e.latest - start < expected.at - tolerance ? e.latest - start : e.earliest - start;
}
