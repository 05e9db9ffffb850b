/**
 * Semantic rules for packet events, as packetdrill applies them while parsing (parser.y actions,
 * tcp_packet.c, udp_packet.c, icmp_packet.c, mpls_packet.c). Messages keep packetdrill's wording;
 * every rule is checked, not just the first that fails.
 */
import type { Diagnostic, Span } from "../diagnostics/types";
import type { EncapLayer, IcmpSpec, IpInfo, IpMode, PacketSpec, SeqRange, TcpOptionSpec, TcpSpec, UdpSpec } from "./ast";
import { icmpCodeKnownForOtherVersion, icmpCodeNames, icmpTypeNames, resolveIcmp, wireVersion } from "./icmp";
import { didYouMean } from "./suggest";
import { isIpv4Address, isIpv6Address } from "./addresses";

/** 40 bytes of TCP options fit in a 60-byte TCP header (tcp_options.h). */
const MAX_TCP_OPTION_BYTES = 40;
const MAX_DATAGRAM_BYTES = 64 * 1024;
const ICMP_HEADER_BYTES = 8;

export const isUint = (n: number, bits: number): boolean => Number.isInteger(n) && n >= 0 && n < 2 ** bits;

export class PacketChecker {
  constructor(
    private readonly mode: IpMode,
    private readonly out: Diagnostic[],
  ) {}

  private err(code: string, message: string, span: Span, notes?: Diagnostic["notes"]): void {
    this.out.push({ code, severity: "error", message, span, ...(notes ? { notes } : {}) });
  }

  private range(n: number, bits: number, message: string, span: Span): void {
    if (!isUint(n, bits)) this.err("E-out-of-range", message, span);
  }

  check(p: PacketSpec): void {
    for (const layer of p.layers) this.checkLayer(layer);
    if (p.ip) this.checkIpInfo(p.ip);
    const inbound = p.direction === "inbound";
    const body = p.body;
    switch (body.kind) {
      case "tcp":
        if (inbound && p.ip?.tos?.kind === "ecn" && p.ip.tos.ecn === "ect01") {
          this.err("E-ect01-inbound", "[ect01] can only be used with outbound packets", p.ip.span);
        }
        this.checkTcp(body, p, inbound);
        break;
      case "udp":
        if (p.ip?.tos?.kind === "ecn" && p.ip.tos.ecn !== "ect01") {
          this.err("E-udp-ecn", "ECN can only be used with TCP packets", p.ip.span);
        }
        this.checkUdp(body);
        break;
      case "icmp":
        if (inbound && p.ip?.tos?.kind === "ecn" && p.ip.tos.ecn === "ect01") {
          this.err("E-ect01-inbound", "[ect01] can only be used with outbound packets", p.ip.span);
        }
        this.checkIcmp(body, p.span);
        break;
    }
  }

  private checkIpInfo(ip: IpInfo): void {
    if (ip.tos?.kind === "tos") this.range(ip.tos.value, 8, "tos out of range for 8 bits", ip.span);
    if (ip.flowLabel !== undefined) this.range(ip.flowLabel, 20, "flowlabel out of range for 20 bits", ip.span);
  }

  private checkLayer(layer: EncapLayer): void {
    switch (layer.kind) {
      case "ipv4":
      case "ipv6": {
        if (layer.ip) this.checkIpInfo(layer.ip);
        const valid = layer.kind === "ipv4" ? isIpv4Address : isIpv6Address;
        for (const a of [layer.src, layer.dst]) {
          if (!valid(a)) this.err("E-address", `bad ${layer.kind === "ipv4" ? "IPv4" : "IPv6"} address: ${a}`, layer.span);
        }
        return;
      }
      case "mpls":
        for (const e of layer.entries) {
          this.range(e.label, 20, "MPLS label out of range for 20 bits", e.span);
          this.range(e.tc, 3, "MPLS traffic_class out of range for 3 bits", e.span);
          this.range(e.ttl, 8, "MPLS ttl out of range for 8 bits", e.span);
        }
        return;
      case "gre":
      case "psp":
        return;
    }
  }

  private checkSeq(seq: SeqRange): void {
    this.range(seq.start, 32, "TCP start sequence number out of range", seq.span);
    this.range(seq.end, 32, "TCP end sequence number out of range", seq.span);
    this.range(seq.length, 16, "TCP payload size out of range", seq.span);
    if (seq.end !== seq.start + seq.length) {
      this.err("E-seq-len", "inconsistent TCP sequence numbers and payload size", seq.span, [
        { message: `${seq.start}:${seq.end} spans ${seq.end - seq.start} bytes, but the payload length is ${seq.length}` },
      ]);
    }
  }

  private checkTcp(tcp: TcpSpec, p: PacketSpec, inbound: boolean): void {
    if (tcp.ports) {
      this.range(tcp.ports.src, 16, "src port out of range", tcp.ports.span);
      this.range(tcp.ports.dst, 16, "dst port out of range", tcp.ports.span);
    }
    this.checkFlags(tcp.flags.text, tcp.flags.span);
    this.checkSeq(tcp.seq);
    if (tcp.ack) this.range(tcp.ack.value, 32, "TCP ack sequence number out of range", tcp.ack.span);
    if (tcp.window) this.range(tcp.window.value, 16, "TCP window value out of range", tcp.window.span);
    if (tcp.urg) this.range(tcp.urg.value, 16, "urg_ptr value out of range", tcp.urg.span);
    if (tcp.options?.kind === "any" && inbound) {
      this.err("E-options-wildcard-inbound", "<...> for TCP options can only be used with outbound packets", tcp.options.span);
    }
    if (!tcp.window && inbound) {
      this.err("E-inbound-win", "window must be specified for inbound packets", tcp.seq.span, [
        { message: "add `win N` after the sequence range (and `ack N`), e.g. `win 65535`" },
      ]);
    }
    let optionBytes = 0;
    if (tcp.options?.kind === "list") {
      let tooLong = false;
      const before = this.out.length;
      for (const o of tcp.options.options) {
        const len = this.checkTcpOption(o, inbound);
        if (!tooLong && optionBytes + len > MAX_TCP_OPTION_BYTES) {
          tooLong = true;
          this.err("E-tcp-options-too-long", "TCP option list too long", o.span, [
            { message: `at most ${MAX_TCP_OPTION_BYTES} bytes of options fit in a TCP header` },
          ]);
        }
        optionBytes += len;
      }
      // An invalid option has no definite length; its own error says enough.
      if (!tooLong && this.out.length === before && optionBytes % 4 !== 0) {
        this.err(
          "E-tcp-options-padding",
          `TCP options are not padded correctly to ensure TCP header is a multiple of 4 bytes: ${optionBytes % 4} excess bytes`,
          tcp.options.span,
          [{ message: `the options take ${optionBytes} bytes; pad them with \`nop\` to a multiple of 4` }],
        );
      }
    }
    const ipBytes = (wireVersion(this.mode) === 4 ? 20 : 40) + 20 + Math.min(optionBytes, MAX_TCP_OPTION_BYTES);
    if (isUint(tcp.seq.length, 16) && ipBytes + tcp.seq.length > MAX_DATAGRAM_BYTES) {
      this.err("E-segment-too-large", "TCP segment too large", p.span);
    }
  }

  /** packetdrill's is_tcp_flags_spec_valid(): `.FSRPEWAU` plus one ACE digit not mixed with E, W, A. */
  private checkFlags(text: string, span: Span): void {
    let ecn = false;
    let ace = false;
    for (const c of text) {
      if (!".FSRPEWAU01234567".includes(c)) {
        this.err("E-tcp-flags", `Invalid TCP flag: '${c}'`, span, [
          { message: "TCP flags are written with `.FSRPEWAU` (`.` is ACK) or a digit 0-7 for the AccECN ACE field" },
        ]);
        return;
      }
      const isEcn = "EWA".includes(c);
      const isAce = c >= "0" && c <= "7";
      if ((isEcn && ace) || (isAce && (ecn || ace))) {
        this.err("E-tcp-flags", `Conflicting TCP flag: '${c}'`, span, [
          { message: "an ACE digit sets the ECE, CWR and AE bits itself; it cannot be combined with E, W, A or another digit" },
        ]);
        return;
      }
      ecn ||= isEcn;
      ace ||= isAce;
    }
  }

  /** Checks one option and returns its length in bytes on the wire. */
  private checkTcpOption(o: TcpOptionSpec, inbound: boolean): number {
    switch (o.kind) {
      case "nop":
      case "eol":
        return 1;
      case "sackOK":
        return 2;
      case "mss":
        if (o.value.kind === "number") this.range(o.value.value, 16, "mss value out of range", o.span);
        return 4;
      case "wscale":
        if (o.shift === "*") {
          if (inbound) this.err("E-options-wildcard-inbound", "wscale * can only be used with outbound packets", o.span);
        } else this.range(o.shift, 8, "window scale shift count out of range", o.span);
        return 3;
      case "sack":
        for (const b of o.blocks) {
          this.range(b.left, 32, "TCP SACK left sequence number out of range", b.span);
          this.range(b.right, 32, "TCP SACK right sequence number out of range", b.span);
        }
        return 2 + 8 * o.blocks.length;
      case "timestamp":
        this.range(o.val, 32, "ts val out of range", o.span);
        this.range(o.ecr, 32, "ecr val out of range", o.span);
        return 10;
      case "md5": {
        const bytes = Math.floor(o.digest.length / 2);
        if (bytes > 16) this.err("E-md5-digest", "TCP MD5 digest longer than 16 bytes", o.span);
        else if (!/^([0-9a-fA-F]{2})*$/.test(o.digest)) this.err("E-md5-digest", "TCP MD5 digest is not a valid hex string", o.span);
        return 2 + bytes;
      }
      case "fastopen":
      case "fastopen-exp": {
        const exp = o.kind === "fastopen-exp";
        const base = exp ? 4 : 2;
        const max = MAX_TCP_OPTION_BYTES - base;
        const bytes = o.cookie.length >> 1;
        if (o.cookie.length % 2 === 1) this.err("E-fastopen-cookie", "TCP fast open cookie has an odd number of digits", o.span);
        else if (bytes > max) {
          this.err("E-fastopen-cookie", `TCP fast open cookie of ${bytes} bytes exceeds maximum cookie length of ${max} bytes`, o.span);
        } else if (!/^[0-9a-fA-F]*$/.test(o.cookie)) {
          this.err("E-fastopen-cookie", `TCP fast open cookie '${o.cookie}' is not a valid hex string`, o.span);
        }
        return base + bytes;
      }
    }
  }

  private checkUdp(udp: UdpSpec): void {
    if (udp.ports) {
      this.range(udp.ports.src, 16, "src port out of range", udp.ports.span);
      this.range(udp.ports.dst, 16, "dst port out of range", udp.ports.span);
    }
    this.range(udp.length.value, 16, "UDP payload size out of range", udp.length.span);
    const ipBytes = (wireVersion(this.mode) === 4 ? 20 : 40) + 8 + udp.length.value;
    if (isUint(udp.length.value, 16) && ipBytes > MAX_DATAGRAM_BYTES) {
      this.err("E-datagram-too-large", "UDP datagram too large", udp.length.span);
    }
  }

  private checkIcmp(icmp: IcmpSpec, packetSpan: Span): void {
    const version = wireVersion(this.mode);
    if (icmp.echoed?.kind === "tcp") this.checkSeq(icmp.echoed.seq);
    if (icmp.echoed?.kind === "raw" && icmp.echoed.length < ICMP_HEADER_BYTES) {
      this.err(
        "E-icmp-length",
        `icmp_bytes ${icmp.echoed.length} smaller than icmp header length ${ICMP_HEADER_BYTES}`,
        icmp.echoed.span,
      );
    }
    if (icmp.echoId && !(icmp.echoId.value >= 0 && icmp.echoId.value <= 65535)) {
      this.err("E-out-of-range", "invalid echo_id, must be between 0 and 65535", icmp.echoId.span);
    }
    const r = resolveIcmp(version, icmp.type.name, icmp.code?.name);
    if (!r.ok) {
      const span = r.what === "type" ? icmp.type.span : (icmp.code?.span ?? packetSpan);
      const notes: { message: string }[] = [];
      const defined = r.what === "type" ? icmp.type.define : icmp.code?.define;
      if (defined) notes.push({ message: `\`${defined}\` is defined as \`${r.what === "type" ? icmp.type.name : icmp.code?.name}\`` });
      if (r.what === "type" && icmpTypeNames(version === 4 ? 6 : 4).includes(icmp.type.name)) {
        notes.push({ message: `\`${icmp.type.name}\` is an ICMPv${version === 4 ? 6 : 4} type; this ${this.mode} run sends ICMPv${version}` });
      } else if (r.what === "type") {
        notes.push(
          ...(didYouMean(icmp.type.name, icmpTypeNames(version)) ?? [
            { message: `ICMPv${version} types: ${icmpTypeNames(version).join(", ")}, or type_N` },
          ]),
        );
      }
      if (r.what === "code" && icmp.code && icmpCodeKnownForOtherVersion(version, icmp.type.name, icmp.code.name)) {
        notes.push({ message: `\`${icmp.code.name}\` is an ICMPv${version === 4 ? 6 : 4} code; this ${this.mode} run sends ICMPv${version}` });
      } else if (r.what === "code" && icmp.code && /^[A-Z_][A-Z0-9_]*$/.test(icmp.code.name) && !icmp.code.define) {
        notes.push({ message: `\`${icmp.code.name}\` looks like a define; is \`-D ${icmp.code.name}=...\` missing for this mode?` });
      } else if (r.what === "code" && icmp.code) {
        const codes = icmpCodeNames(version, icmp.type.name);
        notes.push(
          ...(didYouMean(icmp.code.name, codes) ??
            (codes.length > 0
              ? [{ message: `codes of ICMPv${version} ${icmp.type.name}: ${codes.join(", ")}, or code_N` }]
              : [{ message: `ICMPv${version} ${icmp.type.name} has no named codes; write code_N` }])),
        );
      }
      this.err(r.what === "type" ? "E-icmp-type" : "E-icmp-code", r.message, span, notes.length ? notes : undefined);
      return;
    }
    const mtu = icmp.mtu;
    if (mtu && mtu.value >= 0) {
      if (version === 4) {
        if (r.type !== 3 || r.code !== 4) this.err("E-icmp-mtu", "ICMPv4 MTU is only valid for unreachable-frag_needed", mtu.span);
        else this.range(mtu.value, 16, "ICMPv4 MTU out of 16-bit range", mtu.span);
      } else if (r.type !== 2 || r.code !== 0) this.err("E-icmp-mtu", "ICMPv6 MTU is only valid for packet_too_big-0", mtu.span);
      else this.range(mtu.value, 32, "ICMPv6 MTU out of 32-bit range", mtu.span);
    }
  }
}
