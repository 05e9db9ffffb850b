/**
 * Script space vs live space, in one place (packetdrill's `struct socket`, socket.h).
 *
 * A script speaks of one connection at a time — the *socket under test* — with script-chosen
 * sequence numbers and without addresses or ports. The kernel picks its own ISN, ports and
 * timestamp clock. A `Connection` records both sides and converts between them; nothing else in
 * tcpdrill converts.
 *
 * - Remote (script-side) ISN: injected literally, so live remote ISN == script remote ISN.
 * - Local (kernel) ISN: bound on first sight of the kernel's SYN or SYN-ACK.
 * - Sequence numbers are written tcpdump-style (packetdrill's socket.h): absolute in segments with
 *   SYN set, relative to the ISN in all others (`< S 1428932:1428932(0)` then `< . 1:1(0) ack 1`).
 *   The `*SeqTo*` methods apply that rule; `localToLive`/`localToScript` are the SYN case only.
 * - Ports: the local port is the bind port (passive) or learned from the kernel's SYN (active);
 *   the remote port is the connect port (active) or a fresh ephemeral port per child (passive).
 * - TCP timestamps: outbound TS val mapped by the first observed offset; an inbound TS ecr is
 *   mapped back to the live TS val that the script value stood for.
 */
import { seq, seqAdd, seqDiff, type Seq } from "../wire/seq";

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** packetdrill's socket states (socket.h: enum socket_state_t). */
export type SocketPhase =
  | "new"
  | "listening"
  | "passive-packet-received"
  | "passive-synack-sent"
  | "passive-synack-acked"
  | "active-connecting"
  | "active-syn-sent"
  | "active-syn-acked";

export type L4Protocol = "tcp" | "udp" | "icmp";

export class Connection {
  phase: SocketPhase;
  readonly protocol: L4Protocol;
  /** The fd the script uses (-1 for a child not yet accepted) and the live one. */
  scriptFd: number;
  liveFd: number;

  /** Live endpoints; unknown until bound, connected or seen. */
  liveLocal: Endpoint | undefined;
  liveRemote: Endpoint | undefined;

  scriptLocalIsn: Seq | undefined;
  liveLocalIsn: Seq | undefined;
  /** Equal in both spaces (injected literally), so one field. */
  remoteIsn: Seq | undefined;

  /** script TS val → live TS val, remembered per outbound packet (run_packet.c: ts_val_map). */
  readonly tsValMap = new Map<number, number>();
  firstScriptTsVal: number | undefined;
  firstLiveTsVal: number | undefined;

  /** What was last injected and last seen, for the final reset (run_packet.c: reset_connection). */
  lastInjected: { seq: Seq; ack: Seq; window: number; ackFlag: boolean; len: number; syn: boolean; fin: boolean } | undefined;
  lastOutbound: { seq: Seq; ack: Seq; ackFlag: boolean } | undefined;

  /**
   * IPv6 flow label pairing (run_packet.c: verify_outbound_live_ipv6_flowlabel): the script label
   * last seen and the live label it stood for; undefined until the first labelled expectation.
   */
  flowLabelMap: { script: number; live: number } | undefined;

  constructor(protocol: L4Protocol, phase: SocketPhase, scriptFd: number, liveFd: number) {
    this.protocol = protocol;
    this.phase = phase;
    this.scriptFd = scriptFd;
    this.liveFd = liveFd;
    this.liveLocal = undefined;
    this.liveRemote = undefined;
    this.scriptLocalIsn = undefined;
    this.liveLocalIsn = undefined;
    this.remoteIsn = undefined;
    this.firstScriptTsVal = undefined;
    this.firstLiveTsVal = undefined;
    this.lastInjected = undefined;
    this.lastOutbound = undefined;
    this.flowLabelMap = undefined;
  }

  /** live − script offset for the kernel's sequence space (0 until both ISNs are known). */
  get localOffset(): number {
    if (this.scriptLocalIsn === undefined || this.liveLocalIsn === undefined) return 0;
    return seqDiff(this.liveLocalIsn, this.scriptLocalIsn);
  }

  /** Kernel sequence number, script → live (an inbound ack, SACK block, ICMP-quoted seq). */
  localToLive(n: number): Seq {
    return seqAdd(seq(n), this.localOffset);
  }

  /** Kernel sequence number, live → script (an outbound seq). */
  localToScript(n: number): Seq {
    return seqAdd(seq(n), -this.localOffset);
  }

  /**
   * The remote side's sequence number (an inbound seq), script → live (socket.h:
   * remote_seq_script_to_live_offset): a SYN's is absolute, others are relative to the remote ISN.
   */
  remoteSeqToLive(n: number, isSyn: boolean): Seq {
    return seqAdd(seq(n), isSyn ? 0 : (this.remoteIsn ?? 0));
  }

  /** The remote side's sequence number (an outbound ack or SACK edge), live → script. */
  remoteSeqToScript(n: number, isSyn: boolean): Seq {
    return seqAdd(seq(n), -(isSyn ? 0 : (this.remoteIsn ?? 0)));
  }

  /**
   * The kernel's sequence number (an inbound ack, SACK edge or ICMP-quoted seq), script → live
   * (socket.h: local_seq_script_to_live_offset): in a SYN segment shifted by live − script ISN,
   * elsewhere relative to the live ISN. An ISN not yet seen counts as 0, as in packetdrill.
   */
  localSeqToLive(n: number, isSyn: boolean): Seq {
    const live = this.liveLocalIsn ?? 0;
    return seqAdd(seq(n), isSyn ? live - (this.scriptLocalIsn ?? 0) : live);
  }

  /** The kernel's sequence number (an outbound seq), live → script. */
  localSeqToScript(n: number, isSyn: boolean): Seq {
    const live = this.liveLocalIsn ?? 0;
    return seqAdd(seq(n), -(isSyn ? live - (this.scriptLocalIsn ?? 0) : live));
  }

  /** Remember the outbound TS val pairing and return the live TS val in script space. */
  mapOutboundTsVal(scriptVal: number | undefined, liveVal: number): number {
    if (scriptVal !== undefined) this.tsValMap.set(scriptVal >>> 0, liveVal >>> 0);
    if (this.firstLiveTsVal === undefined) {
      this.firstLiveTsVal = liveVal >>> 0;
      this.firstScriptTsVal = (scriptVal ?? liveVal) >>> 0;
    }
    return (this.firstScriptTsVal! + ((liveVal - this.firstLiveTsVal) >>> 0)) >>> 0;
  }

  /**
   * The live TS ecr to inject for a script TS ecr: the exact live value the script's val stood
   * for, else (when `interpolate`, packetdrill's --tcp_ts_ecr_scaled) interpolated from the first
   * pairing; undefined when there is no such value.
   */
  mapInboundTsEcr(scriptEcr: number, interpolate = true): number | undefined {
    const exact = this.tsValMap.get(scriptEcr >>> 0);
    if (exact !== undefined) return exact;
    if (!interpolate) return undefined;
    if (this.firstLiveTsVal === undefined || this.firstScriptTsVal === undefined) return undefined;
    return (scriptEcr - this.firstScriptTsVal + this.firstLiveTsVal) >>> 0;
  }
}
