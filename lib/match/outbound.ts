/**
 * Outbound packets: what the kernel sent, mapped into script space and compared with the script
 * line (run_packet.c: tcp_convert_seq_number + map_outbound_live_packet +
 * verify_outbound_live_packet, without the timing check, which lives in timing.ts).
 *
 * Check order, as packetdrill's: payload length (do_outbound_script_packet), headers layer by
 * layer (headers.ts), IPv6 flow label, TCP options (unless `<...>`), payload bytes. packetdrill
 * stops at the first failure; `compareOutbound` lists them all in that order, so [0] is the one
 * packetdrill reports.
 *
 * Options: same kinds in the same order ("bad outbound TCP options" otherwise); EOL and NOP carry
 * nothing; a TS val is checked only with --tcp_ts_tick_usecs (within the tolerance), a TS ecr never;
 * `wscale *` takes any shift; every other option must match byte for byte. The sentences for a
 * differing option follow packetdrill since its "print the name and contents of TCP options"
 * change: `bad value in outbound TCP option (kind=2): expected: mss 1000 actual: mss 1460`.
 */
import type { PacketSpec, TcpOptionSpec } from "../script/ast";
import { resolveIcmp } from "../script/icmp";
import { formatTcpOption, type PacketRepr, type TcpOption, type TcpRepr } from "../wire";
import type { Connection } from "./space";
import { payloadLength } from "./aggregate";
import { verifyHeaders, type ExpectedHeaders, type HeaderType, type Mismatch } from "./headers";
import {
  isWildcard,
  optionWireBytes,
  parsesAce,
  scriptFlowLabel,
  scriptOptionsLength,
  scriptTcpFlags,
  scriptTcpOption,
  scriptTosByte,
  scriptTtl,
  tosCheck,
  TCPOPT_EOL,
  TCPOPT_NOP,
  TCPOPT_TIMESTAMP,
} from "./script-packet";

export type { Mismatch } from "./headers";

export interface CompareOptions {
  /**
   * packetdrill --strict_segments. It only changes how many segments are sniffed before the
   * comparison (one, instead of enough to make up the scripted payload); the checks are the same.
   */
  readonly strictSegments: boolean;
  /** packetdrill --tcp_ts_tick_usecs; 0 (packetdrill's default) disables TS val checks. */
  readonly tsTickUsecs: number;
  /** The tolerance the TS val check allows, in µs (packetdrill: get_tolerance_usecs). */
  readonly toleranceUsecs: number;
}

/**
 * Flow label verdicts reached by `toScriptSpace` (which holds the connection's flow label memory),
 * for `compareOutbound` to report in packetdrill's place: null = checked and fine.
 */
const flowLabelVerdicts = new WeakMap<PacketRepr, Mismatch | null>();

function lastTimestampIndex(options: readonly TcpOption[]): number {
  for (let i = options.length - 1; i >= 0; i--) if (options[i]!.kind === "timestamp") return i;
  return -1;
}

function scriptTsVal(spec: PacketSpec): number | undefined {
  if (spec.body.kind !== "tcp" || spec.body.options?.kind !== "list") return undefined;
  let val: number | undefined;
  for (const o of spec.body.options.options) if (o.kind === "timestamp") val = o.val >>> 0;
  return val;
}

/**
 * The live packet mapped into script space: seq via the kernel's ISN, ack (with ACK set) and SACK
 * edges via the remote ISN, each by packetdrill's SYN-absolute / otherwise-relative rule; the TS val
 * via the connection's TS pairing when both the script and the packet carry a timestamp. Addresses
 * and ports stay live. Also runs the IPv6 flow label check, which needs the connection's memory.
 * Without `spec` (a packet no script line expected) only the sequence numbers are mapped.
 */
export function toScriptSpace(live: PacketRepr, spec: PacketSpec | undefined, conn: Connection): PacketRepr {
  let result: PacketRepr;
  if (live.l4.protocol === "tcp") {
    const t = live.l4.tcp;
    const isSyn = t.flags.syn;
    const options: TcpOption[] = t.options.map((o) =>
      o.kind === "sack"
        ? { kind: "sack", blocks: o.blocks.map((b) => ({ left: conn.remoteSeqToScript(b.left, isSyn), right: conn.remoteSeqToScript(b.right, isSyn) })) }
        : o,
    );
    // Without a script packet (an unexpected one) there is no TS val to pair with.
    const wanted = spec === undefined ? undefined : scriptTsVal(spec);
    const at = lastTimestampIndex(options);
    if (wanted !== undefined && at >= 0) {
      const ts = options[at] as Extract<TcpOption, { kind: "timestamp" }>;
      options[at] = { kind: "timestamp", val: conn.mapOutboundTsVal(wanted, ts.val), ecr: ts.ecr };
    }
    const mapped: TcpRepr = {
      ...t,
      seq: conn.localSeqToScript(t.seq, isSyn),
      ack: t.flags.ack ? conn.remoteSeqToScript(t.ack, isSyn) : t.ack,
      options,
    };
    result = { ip: live.ip, l4: { protocol: "tcp", tcp: mapped } };
  } else {
    result = { ip: live.ip, l4: live.l4 };
  }
  if (spec !== undefined && live.ip.version === 6 && scriptFlowLabel(spec.ip) !== 0) {
    flowLabelVerdicts.set(result, flowLabelCheck(conn, scriptFlowLabel(spec.ip), live.ip.flowLabel) ?? null);
  }
  return result;
}

/** run_packet.c: verify_outbound_live_ipv6_flowlabel (a script label names one live label). */
function flowLabelCheck(conn: Connection, script: number, live: number): Mismatch | undefined {
  if (live === 0) return { field: "flowlabel", message: "flowlabel unmarked in the live packet" };
  const map = conn.flowLabelMap;
  if (map === undefined) {
    conn.flowLabelMap = { script, live };
    return undefined;
  }
  if (script !== map.script) {
    if (live !== map.live) {
      conn.flowLabelMap = { script, live };
      return undefined;
    }
    return { field: "flowlabel", message: "expected a different flowlabel but got the same" };
  }
  if (live === map.live) return undefined;
  return {
    field: "flowlabel",
    message: `inconsistent flowlabels for this packet: expected: 0x${map.live.toString(16)} vs actual: 0x${live.toString(16)}`,
  };
}

function layerType(kind: PacketSpec["layers"][number]["kind"]): HeaderType {
  switch (kind) {
    case "ipv4":
      return "IPV4";
    case "ipv6":
      return "IPV6";
    case "gre":
      return "GRE";
    case "mpls":
      return "MPLS";
    case "psp":
      return "PSP";
  }
}

/**
 * What packetdrill's script packet for `spec` holds. The inner IP version is the actual packet's
 * (both come from the run's mode); ICMP names resolve with that version's tables.
 */
export function expectedFromSpec(spec: PacketSpec, version: 4 | 6): ExpectedHeaders {
  const ipHeaderBytes = version === 4 ? 20 : 40;
  const body = spec.body;
  let protocol: number;
  let l4Bytes: number;
  let l4: ExpectedHeaders["l4"];
  let l4Type: HeaderType;
  switch (body.kind) {
    case "tcp": {
      const optionBytes = scriptOptionsLength(body.options);
      protocol = 6;
      l4Type = "TCP";
      l4Bytes = 20 + optionBytes + body.seq.length;
      l4 = {
        kind: "tcp",
        doff: 5 + Math.floor(optionBytes / 4),
        flags: scriptTcpFlags(body.flags),
        parseAce: parsesAce(body.flags),
        reserved: 0,
        seq: body.seq.start >>> 0,
        ack: (body.ack?.value ?? 0) >>> 0,
        window: body.window?.value,
        urg: body.urg?.value ?? 0,
        payloadLength: body.seq.length,
        optionsNoCheck: body.options?.kind === "any",
      };
      break;
    }
    case "udp":
      protocol = 17;
      l4Type = "UDP";
      l4Bytes = 8 + body.length.value;
      l4 = { kind: "udp", length: 8 + body.length.value };
      break;
    case "icmp": {
      protocol = version === 4 ? 1 : 58;
      l4Type = version === 4 ? "ICMPV4" : "ICMPV6";
      const r = resolveIcmp(version, body.type.name, body.code?.name);
      l4 = { kind: "icmp", type: r.ok ? r.type : -1, code: r.ok ? r.code : -1 };
      const echoed = body.echoed;
      // icmp_packet.c: an error quotes an IP header, 8 bytes of L4 header and the quoted payload;
      // `[raw (N)]` is an N-byte ICMP message.
      if (echoed?.kind === "raw") l4Bytes = echoed.length;
      else l4Bytes = 8 + ipHeaderBytes + 8 + (echoed === undefined ? 0 : echoed.kind === "tcp" ? echoed.seq.length : echoed.length);
      break;
    }
  }
  return {
    layers: [...spec.layers.map((l) => layerType(l.kind)), version === 4 ? "IPV4" : "IPV6", l4Type],
    ip: {
      protocol,
      ihl: 5,
      length: version === 4 ? ipHeaderBytes + l4Bytes : l4Bytes,
      tosCheck: tosCheck(spec.ip),
      tos: scriptTosByte(spec.ip),
      ttl: scriptTtl(spec.ip),
    },
    l4,
  };
}

/**
 * Every mismatch between the expectation and the actual (script-space) packet, in packetdrill's
 * check order, so [0] is the error packetdrill itself would report. Empty = match.
 */
export function compareOutbound(spec: PacketSpec, actual: PacketRepr, opts: CompareOptions): Mismatch[] {
  const out: Mismatch[] = [];
  const body = spec.body;
  const expectedPayload = body.kind === "tcp" ? body.seq.length : body.kind === "udp" ? body.length.value : undefined;
  const actualPayload = payloadLength(actual);
  if (expectedPayload !== undefined && expectedPayload !== actualPayload) {
    out.push({ field: "payload_length", message: `live packet payload: expected ${expectedPayload} bytes vs actual ${actualPayload} bytes` });
  }

  const headers = verifyHeaders(expectedFromSpec(spec, actual.ip.version), actual, true);
  out.push(...headers);
  if (headers.some((m) => m.field === "header_layers" || m.field === "header_layer")) return out;

  if (actual.ip.version === 6 && scriptFlowLabel(spec.ip) !== 0) {
    const verdict = flowLabelVerdicts.get(actual);
    if (verdict !== undefined) {
      if (verdict !== null) out.push(verdict);
    } else if (actual.ip.flowLabel === 0) {
      out.push({ field: "flowlabel", message: "flowlabel unmarked in the live packet" });
    }
  }

  if (body.kind === "tcp" && actual.l4.protocol === "tcp" && body.options?.kind !== "any") {
    out.push(...optionMismatches(body.options?.options ?? [], actual.l4.tcp.options, opts));
  }

  if (expectedPayload !== undefined && expectedPayload === actualPayload) {
    const bytes = actual.l4.protocol === "tcp" ? actual.l4.tcp.payload : actual.l4.protocol === "udp" ? actual.l4.udp.payload : undefined;
    // The script's payload is zeros: packetdrill writes from a zeroed buffer.
    if (bytes !== undefined && !allZero(bytes)) out.push({ field: "payload", message: "incorrect outbound data payload" });
  }
  return out;
}

/** run_packet.c: verify_outbound_live_tcp_options + verify_outbound_tcp_option. */
function optionMismatches(script: readonly TcpOptionSpec[], actual: readonly TcpOption[], opts: CompareOptions): Mismatch[] {
  const out: Mismatch[] = [];
  const n = Math.max(script.length, actual.length);
  for (let i = 0; i < n; i++) {
    const s = script[i];
    const a = actual[i];
    const r = s === undefined ? undefined : scriptTcpOption(s);
    // `mss NAME` has no value to compare; its kind still counts.
    const sOpt: TcpOption | undefined = r === undefined ? undefined : r.ok ? r.option : { kind: "mss", mss: 0 };
    const sBytes = sOpt === undefined ? undefined : optionWireBytes(sOpt);
    const aBytes = a === undefined ? undefined : optionWireBytes(a);
    if (s === undefined || a === undefined || sOpt === undefined || sBytes === undefined || aBytes === undefined || sBytes[0] !== aBytes[0]) {
      out.push({ field: "tcp_options", message: "bad outbound TCP options" });
      break;
    }
    const kind = aBytes[0]!;
    if (kind === TCPOPT_EOL || kind === TCPOPT_NOP) continue;
    if (kind === TCPOPT_TIMESTAMP) {
      if (opts.tsTickUsecs !== 0 && sOpt.kind === "timestamp" && a.kind === "timestamp") {
        const drift = Math.abs((a.val - sOpt.val) | 0);
        if (drift * opts.tsTickUsecs > opts.toleranceUsecs) {
          out.push({ field: "tcp_ts_val", message: `bad outbound TCP timestamp value, tolerance ${Math.trunc(opts.toleranceUsecs)}` });
        }
      }
      continue;
    }
    if (isWildcard(s) || (r !== undefined && !r.ok)) continue;
    const field = `tcp_option(kind=${kind})`;
    // Formatted only for a mismatch: this runs for every packet, between its arrival and the next event.
    const shown = (): string => `expected: ${formatTcpOption(sOpt)} actual: ${formatTcpOption(a)}`;
    if (sBytes.length !== aBytes.length) {
      out.push({ field, message: `bad length in outbound TCP option (kind=${kind}): ${shown()}` });
    } else if (sBytes.length > 2 && !sameBytes(sBytes.subarray(2), aBytes.subarray(2))) {
      out.push({ field, message: `bad value in outbound TCP option (kind=${kind}): ${shown()}` });
    }
  }
  return out;
}

/**
 * Whether every byte is zero, read in 32-bit words. It runs on the runner's critical path, after
 * a packet is sniffed and before the next event acts, usually before the JIT has optimized it:
 * `bytes.some(callback)` took 0.2 ms over a 10 KB payload there.
 */
export function allZero(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  for (; i < n && (bytes.byteOffset + i) % 4 !== 0; i++) if (bytes[i] !== 0) return false;
  const words = (n - i) >> 2;
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let k = 0; k < words; k++) if (w[k] !== 0) return false;
    i += words * 4;
  }
  for (; i < n; i++) if (bytes[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The field of a packetdrill failure sentence (with or without its `file:line: error handling
 * packet: ` prefix), named as `Mismatch.field` names it, so tcpdrill's first mismatch and
 * packetdrill's reason can be compared; undefined for sentences that name no packet field.
 */
export function fieldOfReason(reason: string): string | undefined {
  const at = reason.indexOf("handling packet: ");
  const r = at >= 0 ? reason.slice(at + "handling packet: ".length) : reason;
  let m = /^live packet field (\S+):/.exec(r);
  if (m) return m[1];
  if (r.startsWith("live packet payload:")) return "payload_length";
  if (/^(live|aggregate candidate) packet header layers:/.test(r)) return "header_layers";
  if (/^live packet header layer \d+:/.test(r)) return "header_layer";
  if (r.startsWith("bad outbound TCP options")) return "tcp_options";
  m = /outbound TCP option \(kind=(\d+)\)/.exec(r) ?? /^bad (?:value|lengths for) outbound TCP option (\d+)/.exec(r);
  if (m) return `tcp_option(kind=${m[1]})`;
  if (r.startsWith("bad outbound TCP timestamp value")) return "tcp_ts_val";
  if (r.startsWith("incorrect outbound data payload")) return "payload";
  if (/flowlabel/.test(r)) return "flowlabel";
  if (r.startsWith("fragment payload:")) return "fragment_payload";
  if (r.startsWith("unable to infer live TS ecr")) return "tcp_ts_ecr";
  if (r.startsWith("bad outbound IP checksum")) return "ip_checksum";
  if (r.startsWith("timing error:")) return "timing";
  return undefined;
}
