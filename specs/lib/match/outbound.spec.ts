import { expect } from "chai";
import { allZero, compareOutbound, fieldOfReason, toScriptSpace, type CompareOptions, type Mismatch } from "../../../lib/match/outbound";
import { Connection } from "../../../lib/match/space";
import type { IpMode } from "../../../lib/script/ast";
import { formatPacket, icmpPacket, ipv4, ipv6, seq, tcp, tcpPacket, udp, udpPacket, type IpRepr, type PacketRepr, type TcpFlags, type TcpOption, type TcpRepr } from "../../../lib/wire";
import { packetSpec } from "./packet-spec";

const LOCAL4 = "192.168.0.1";
const REMOTE4 = "192.0.2.1";
const LOCAL6 = "fd3d:a0b:17d6::1";
const REMOTE6 = "fd3d:fa7b:d17d::1";
const REMOTE_ISN = 0xfffffff0;
const LIVE_LOCAL_ISN = 0xffffff00;

const OPTS: CompareOptions = { strictSegments: false, tsTickUsecs: 0, toleranceUsecs: 4000 };

function passive(mode: IpMode = "ipv4"): Connection {
  const c = new Connection("tcp", "passive-packet-received", -1, -1);
  const v6 = mode === "ipv6";
  c.liveLocal = { ip: v6 ? LOCAL6 : LOCAL4, port: 8080 };
  c.liveRemote = { ip: v6 ? REMOTE6 : REMOTE4, port: 40000 };
  c.remoteIsn = seq(REMOTE_ISN);
  c.scriptLocalIsn = seq(0);
  c.liveLocalIsn = seq(LIVE_LOCAL_ISN);
  return c;
}

const linux4 = ipv4({ src: LOCAL4, dst: REMOTE4 });
const linux6 = ipv6({ src: LOCAL6, dst: REMOTE6 });

type Seg = Partial<Omit<TcpRepr, "flags">> & { flags?: Partial<TcpFlags> };

/** A segment from the kernel (8080 > 40000); seq/ack are whatever space the test says. */
function out(t: Seg, ip: IpRepr = linux4): PacketRepr {
  return tcpPacket(ip, tcp({ srcPort: 8080, dstPort: 40000, window: 229, ...t }));
}

function compare(line: string, actual: PacketRepr, opts: CompareOptions = OPTS, mode: IpMode = "ipv4"): Mismatch[] {
  return compareOutbound(packetSpec(line, mode), actual, opts);
}

function field(name: string, e: number, a: number): Mismatch {
  return { field: name, message: `live packet field ${name}: expected: ${e} (0x${e.toString(16)}) vs actual: ${a} (0x${a.toString(16)})` };
}

const synackOptions: TcpOption[] = [{ kind: "mss", mss: 1460 }, { kind: "sackOK" }, { kind: "timestamp", val: 0xfffffffe, ecr: 100 }, { kind: "nop" }, { kind: "wscale", shift: 7 }];

describe("lib/match/outbound", () => {
  describe("toScriptSpace", () => {
    it("maps a SYN-ACK (absolute) and the data after it (relative) across the wrap, TS vals by the first pairing", () => {
      const c = passive();
      const synack = out({ seq: seq(LIVE_LOCAL_ISN), ack: seq(REMOTE_ISN + 1), flags: { syn: true, ack: true }, window: 65535, options: synackOptions });
      const spec1 = packetSpec("> S. 0:0(0) ack 4294967281 <mss 1460,sackOK,TS val 5000 ecr 100,nop,wscale 7>");
      const a1 = toScriptSpace(synack, spec1, c);
      expect(formatPacket(a1)).to.equal("S. 0:0(0) ack 4294967281 win 65535 <mss 1460,sackOK,TS val 5000 ecr 100,nop,wscale 7>");
      expect(compareOutbound(spec1, a1, OPTS)).to.deep.equal([]);

      const data = out({
        seq: seq(LIVE_LOCAL_ISN + 1),
        ack: seq(REMOTE_ISN + 1),
        flags: { psh: true, ack: true },
        options: [{ kind: "nop" }, { kind: "nop" }, { kind: "timestamp", val: 8, ecr: 200 }], // 0xfffffffe + 10 wrapped
        payload: new Uint8Array(1000),
      });
      const spec2 = packetSpec("> P. 1:1001(1000) ack 1 win 229 <nop,nop,TS val 5010 ecr 200>");
      const a2 = toScriptSpace(data, spec2, c);
      expect(formatPacket(a2)).to.equal("P. 1:1001(1000) ack 1 win 229 <nop,nop,TS val 5010 ecr 200>");
      expect(compareOutbound(spec2, a2, OPTS)).to.deep.equal([]);
      // Addresses and ports stay live.
      expect([a2.ip.src, a2.ip.dst]).to.deep.equal([LOCAL4, REMOTE4]);
      // The pairing is remembered for inbound TS ecrs.
      expect(c.mapInboundTsEcr(5010, false)).to.equal(8);
    });

    it("maps SACK edges by the remote ISN, and leaves ack alone without the ACK flag", () => {
      const c = passive();
      const live = out({
        seq: seq(LIVE_LOCAL_ISN + 1),
        ack: seq(REMOTE_ISN + 1),
        flags: { ack: true },
        options: [{ kind: "nop" }, { kind: "nop" }, { kind: "sack", blocks: [{ left: seq(REMOTE_ISN + 1001), right: seq(REMOTE_ISN + 2001) }] }],
      });
      const a = toScriptSpace(live, packetSpec("> . 1:1(0) ack 1 <nop,nop,sack 1001:2001>"), c);
      expect(formatPacket(a)).to.equal(". 1:1(0) ack 1 win 229 <nop,nop,sack 1001:2001>");
      const rst = toScriptSpace(out({ seq: seq(LIVE_LOCAL_ISN + 1), ack: seq(12345), flags: { rst: true }, window: 0 }), packetSpec("> R 1:1(0) win 0"), c);
      expect(rst.l4.protocol === "tcp" && [rst.l4.tcp.seq, rst.l4.tcp.ack]).to.deep.equal([1, 12345]);
    });

    it("leaves the TS val live when the script has no timestamp to pair it with", () => {
      const c = passive();
      const live = out({ seq: seq(LIVE_LOCAL_ISN), ack: seq(REMOTE_ISN + 1), flags: { syn: true, ack: true }, options: synackOptions });
      const a = toScriptSpace(live, packetSpec("> S. 0:0(0) ack 4294967281 <...>"), c);
      expect(a.l4.protocol === "tcp" && a.l4.tcp.options[2]).to.deep.equal({ kind: "timestamp", val: 0xfffffffe, ecr: 100 });
      expect(c.firstLiveTsVal).to.equal(undefined);
    });
  });

  describe("compareOutbound", () => {
    it("reports a wrong ack exactly as packetdrill does", () => {
      expect(compare("> . 1:1(0) ack 1001", out({ seq: seq(1), ack: seq(1), flags: { ack: true } }))).to.deep.equal([
        { field: "tcp_ack_seq", message: "live packet field tcp_ack_seq: expected: 1001 (0x3e9) vs actual: 1 (0x1)" },
      ]);
    });

    it("checks the window only when the script gives one", () => {
      const actual = out({ seq: seq(1), ack: seq(1), flags: { ack: true }, window: 229 });
      expect(compare("> . 1:1(0) ack 1 win 257", actual)).to.deep.equal([field("tcp_window", 257, 229)]);
      expect(compare("> . 1:1(0) ack 1", actual)).to.deep.equal([]);
    });

    it("lists several mismatches in packetdrill's check order", () => {
      const actual = out({ seq: seq(1), ack: seq(2), flags: { ack: true }, window: 200 });
      expect(compare("> S. 0:0(0) ack 1 win 100", actual)).to.deep.equal([
        field("tcp_syn", 1, 0),
        field("tcp_seq", 0, 1),
        field("tcp_ack_seq", 1, 2),
        field("tcp_window", 100, 200),
      ]);
      const fin = out({ seq: seq(1), ack: seq(1), flags: { fin: true, ack: true, psh: true }, urgentPointer: 3, reservedBits: 2 });
      expect(compare("> . 1:1(0) ack 1", fin)).to.deep.equal([
        field("tcp_fin", 0, 1),
        field("tcp_psh", 0, 1),
        field("tcp_reserved_bits", 0, 2),
        field("tcp_urg_ptr", 0, 3),
      ]);
    });

    it("checks the IP total length and data offset before the options", () => {
      const actual = out({ seq: seq(0), ack: seq(1), flags: { syn: true, ack: true } });
      expect(compare("> S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK>", actual)).to.deep.equal([
        field("ipv4_total_length", 48, 40),
        field("tcp_data_offset", 7, 5),
        { field: "tcp_options", message: "bad outbound TCP options" },
      ]);
    });

    it("checks the IPv6 payload length, then each option pair until the kinds part ways", () => {
      const actual = out(
        {
          seq: seq(0),
          ack: seq(1),
          flags: { syn: true, ack: true },
          options: [{ kind: "mss", mss: 1440 }, { kind: "sackOK" }, { kind: "timestamp", val: 1, ecr: 2 }, { kind: "nop" }, { kind: "wscale", shift: 8 }],
        },
        linux6,
      );
      expect(compare("> S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK>", actual, OPTS, "ipv6")).to.deep.equal([
        field("ipv6_payload_len", 28, 40),
        field("tcp_data_offset", 7, 10),
        { field: "tcp_option(kind=2)", message: "bad value in outbound TCP option (kind=2): expected: mss 1460 actual: mss 1440" },
        { field: "tcp_options", message: "bad outbound TCP options" },
      ]);
    });

    it("skips options for <...> and allows for their length", () => {
      const syn = { seq: seq(0), ack: seq(1), flags: { syn: true, ack: true }, options: synackOptions };
      expect(compare("> S. 0:0(0) ack 1 <...>", out(syn))).to.deep.equal([]);
      expect(compare("> S. 0:0(0) ack 1 <...>", out(syn, linux6), OPTS, "ipv6")).to.deep.equal([]);
      const big = out({ seq: seq(1), ack: seq(1), flags: { psh: true, ack: true }, options: synackOptions, payload: new Uint8Array(200) });
      expect(compare("> P. 1:101(100) ack 1 <...>", big)).to.deep.equal([
        { field: "payload_length", message: "live packet payload: expected 100 bytes vs actual 200 bytes" },
        field("ipv4_total_length", 160, 260),
      ]);
    });

    it("reports a differing Fast Open cookie with both values", () => {
      const cookie = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
      const options = (c: string): TcpOption[] => [
        { kind: "mss", mss: 1460 },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "sackOK" },
        { kind: "nop" },
        { kind: "wscale", shift: 8 },
        { kind: "fastopen", cookie: cookie(c) },
        { kind: "nop" },
        { kind: "nop" },
      ];
      const line = "> S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8,FO 76d2c1c530f51f79,nop,nop>";
      const actual = out({ seq: seq(0), ack: seq(1), flags: { syn: true, ack: true }, options: options("f49b0ef989d9f624") });
      expect(compare(line, actual)).to.deep.equal([
        {
          field: "tcp_option(kind=34)",
          message: "bad value in outbound TCP option (kind=34): expected: FO 76d2c1c530f51f79 actual: FO f49b0ef989d9f624",
        },
      ]);
      expect(compare(line, out({ seq: seq(0), ack: seq(1), flags: { syn: true, ack: true }, options: options("76d2c1c530f51f79") }))).to.deep.equal([]);
      const exp = out({
        seq: seq(0),
        ack: seq(1),
        flags: { syn: true, ack: true },
        options: [{ kind: "nop" }, { kind: "nop" }, { kind: "fastopenExp", cookie: cookie("f49b0ef989d9f624") }, { kind: "nop" }, { kind: "nop" }],
      });
      expect(compare("> S. 0:0(0) ack 1 <nop,nop,FOEXP 00abaaabe8e954c2,nop,nop>", exp)).to.deep.equal([
        {
          field: "tcp_option(kind=254)",
          message: "bad value in outbound TCP option (kind=254): expected: FOEXP 00abaaabe8e954c2 actual: FOEXP f49b0ef989d9f624",
        },
      ]);
      const short = out({ seq: seq(0), ack: seq(1), flags: { syn: true, ack: true }, options: [{ kind: "nop" }, { kind: "nop" }, { kind: "fastopen", cookie: cookie("0011") }] });
      // Both headers are 8 option bytes long once padded, so only the option itself differs.
      expect(compare("> S. 0:0(0) ack 1 <nop,nop,FO 00112233>", short)).to.deep.equal([
        { field: "tcp_option(kind=34)", message: "bad length in outbound TCP option (kind=34): expected: FO 00112233 actual: FO 0011" },
      ]);
    });

    it("accepts any shift for wscale *", () => {
      const actual = out({ seq: seq(0), ack: seq(1), flags: { syn: true, ack: true }, options: [{ kind: "mss", mss: 1460 }, { kind: "nop" }, { kind: "wscale", shift: 9 }] });
      expect(compare("> S. 0:0(0) ack 1 <mss 1460,nop,wscale *>", actual)).to.deep.equal([]);
      expect(compare("> S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>", actual)).to.deep.equal([
        { field: "tcp_option(kind=3)", message: "bad value in outbound TCP option (kind=3): expected: wscale 8 actual: wscale 9" },
      ]);
    });

    it("checks a TS val only with a tick, within the tolerance, and never the ecr", () => {
      const at = (val: number): PacketRepr =>
        out({ seq: seq(1), ack: seq(1), flags: { ack: true }, options: [{ kind: "nop" }, { kind: "nop" }, { kind: "timestamp", val, ecr: 7 }] });
      const line = "> . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 5>";
      expect(compare(line, at(900))).to.deep.equal([]);
      const ticked: CompareOptions = { strictSegments: false, tsTickUsecs: 1000, toleranceUsecs: 4000 };
      expect(compare(line, at(104), ticked)).to.deep.equal([]);
      expect(compare(line, at(95), ticked)).to.deep.equal([{ field: "tcp_ts_val", message: "bad outbound TCP timestamp value, tolerance 4000" }]);
      expect(compare(line, at(900), ticked)).to.deep.equal([{ field: "tcp_ts_val", message: "bad outbound TCP timestamp value, tolerance 4000" }]);
    });

    it("checks ECN codepoints, the TOS byte and the TTL when the script marks them", () => {
      const seg = { seq: seq(1), ack: seq(1), flags: { psh: true, ack: true }, payload: new Uint8Array(1000) };
      expect(compare("> [ect0] P. 1:1001(1000) ack 1", out(seg))).to.deep.equal([field("ip_ecn", 2, 0)]);
      expect(compare("> [ect0] P. 1:1001(1000) ack 1", out(seg, { ...linux4, tos: 2 }))).to.deep.equal([]);
      expect(compare("> [ect01] P. 1:1001(1000) ack 1", out(seg, { ...linux4, tos: 1 }))).to.deep.equal([]);
      expect(compare("> [ect01] P. 1:1001(1000) ack 1", out(seg, { ...linux4, tos: 3 }))).to.deep.equal([
        { field: "ip_ecn", message: "live packet field ip_ecn: expected: 0x1 or 0x2 vs actual: 0x3" },
      ]);
      expect(compare("> [ect0] P. 1:1001(1000) ack 1", out(seg, { ...linux6, trafficClass: 0x03 }), OPTS, "ipv6")).to.deep.equal([field("ip_ecn", 2, 3)]);
      expect(compare("> (tos 0x20) P. 1:1001(1000) ack 1", out(seg, { ...linux4, tos: 0x22 }))).to.deep.equal([field("tos", 0x20, 0x22)]);
      expect(compare("> (ttl 32) P. 1:1001(1000) ack 1", out(seg))).to.deep.equal([field("ttl", 32, 64)]);
      expect(compare("> P. 1:1001(1000) ack 1", out(seg, { ...linux4, tos: 3, ttl: 1 }))).to.deep.equal([]);
    });

    it("compares the ACE field as one number when the script writes an ACE digit", () => {
      const actual = out({ seq: seq(1), ack: seq(1), flags: { ack: true, ece: true } });
      expect(compare("> .5 1:1(0) ack 1", actual)).to.deep.equal([field("tcp_ace", 5, 1)]);
      expect(compare("> .1 1:1(0) ack 1", actual)).to.deep.equal([]);
      expect(compare("> .0 1:1(0) ack 1", actual)).to.deep.equal([field("tcp_ece", 0, 1)]);
      expect(compare("> E. 1:1(0) ack 1", out({ seq: seq(1), ack: seq(1), flags: { ack: true, cwr: true, ae: true } }))).to.deep.equal([
        field("tcp_ece", 1, 0),
        field("tcp_cwr", 0, 1),
        field("tcp_ae", 0, 1),
      ]);
    });

    it("reports a payload length mismatch first, and payload bytes other than zeros last", () => {
      const big = out({ seq: seq(1), ack: seq(1), flags: { psh: true, ack: true }, payload: new Uint8Array(20000) });
      expect(compare("> P. 1:16001(16000) ack 1", big)).to.deep.equal([
        { field: "payload_length", message: "live packet payload: expected 16000 bytes vs actual 20000 bytes" },
        field("ipv4_total_length", 16040, 20040),
      ]);
      const payload = new Uint8Array(10);
      payload[9] = 1;
      expect(compare("> P. 1:11(10) ack 1", out({ seq: seq(1), ack: seq(1), flags: { psh: true, ack: true }, payload }))).to.deep.equal([
        { field: "payload", message: "incorrect outbound data payload" },
      ]);
    });

    it("checks UDP lengths and ICMP type and code", () => {
      const dgram = udpPacket(linux4, udp({ srcPort: 5353, dstPort: 53, payload: new Uint8Array(12) }));
      expect(compare("> udp (12)", dgram)).to.deep.equal([]);
      expect(compare("> udp (10)", dgram)).to.deep.equal([
        { field: "payload_length", message: "live packet payload: expected 10 bytes vs actual 12 bytes" },
        field("ipv4_total_length", 38, 40),
        field("udp_len", 18, 20),
      ]);
      const unreach = icmpPacket(linux4, { type: 3, code: 1, rest: 0, payload: new Uint8Array(28) });
      expect(compare("> icmp unreachable host_unreachable", unreach)).to.deep.equal([]);
      expect(compare("> icmp unreachable port_unreachable", unreach)).to.deep.equal([field("icmp_code", 3, 1)]);
      expect(compare("> icmp time_exceeded", unreach)).to.deep.equal([field("icmp_type", 11, 3), field("icmp_code", 0, 1)]);
    });

    it("stops at a different header structure", () => {
      const dgram = udpPacket(linux4, udp({ srcPort: 8080, dstPort: 40000, payload: new Uint8Array(12) }));
      expect(compare("> . 1:1(0) ack 1", dgram)).to.deep.equal([
        { field: "payload_length", message: "live packet payload: expected 0 bytes vs actual 12 bytes" },
        field("ipv4_protocol", 6, 17),
        { field: "header_layer", message: "live packet header layer 1: expected: TCP header vs actual: UDP header" },
      ]);
      expect(compare("> ipv4 192.0.2.9 > 192.168.0.9: . 1:1(0) ack 1", out({ seq: seq(1), ack: seq(1), flags: { ack: true } }))).to.deep.equal([
        { field: "header_layers", message: "live packet header layers: expected: 3 headers vs actual: 2 headers" },
      ]);
    });

    it("keeps IPv6 flow labels consistent with the first one the script named", () => {
      const c = passive("ipv6");
      const seg = (flowLabel: number): PacketRepr =>
        out({ seq: seq(LIVE_LOCAL_ISN + 1), ack: seq(REMOTE_ISN + 1), flags: { ack: true } }, { ...linux6, flowLabel });
      const check = (line: string, flowLabel: number): Mismatch[] => {
        const spec = packetSpec(line, "ipv6");
        return compareOutbound(spec, toScriptSpace(seg(flowLabel), spec, c), OPTS);
      };
      expect(check("> (flowlabel 0x1) . 1:1(0) ack 1", 0xabcde)).to.deep.equal([]);
      expect(check("> (flowlabel 0x1) . 1:1(0) ack 1", 0xabcde)).to.deep.equal([]);
      expect(check("> . 1:1(0) ack 1", 0x12345)).to.deep.equal([]);
      expect(check("> (flowlabel 0x1) . 1:1(0) ack 1", 0x11111)).to.deep.equal([
        { field: "flowlabel", message: "inconsistent flowlabels for this packet: expected: 0xabcde vs actual: 0x11111" },
      ]);
      expect(check("> (flowlabel 0x2) . 1:1(0) ack 1", 0xabcde)).to.deep.equal([{ field: "flowlabel", message: "expected a different flowlabel but got the same" }]);
      expect(check("> (flowlabel 0x2) . 1:1(0) ack 1", 0x22222)).to.deep.equal([]);
      expect(check("> (flowlabel 0x2) . 1:1(0) ack 1", 0x22222)).to.deep.equal([]);
      expect(check("> (flowlabel 0x2) . 1:1(0) ack 1", 0)).to.deep.equal([{ field: "flowlabel", message: "flowlabel unmarked in the live packet" }]);
    });
  });

  describe("fieldOfReason", () => {
    it("names the field of packetdrill's failure sentences as Mismatch.field does", () => {
      expect(fieldOfReason("invalid_ack.pkt:24: error handling packet: live packet field tcp_ack_seq: expected: 1001 (0x3e9) vs actual: 1 (0x1)")).to.equal("tcp_ack_seq");
      expect(fieldOfReason("basic-rw.pkt:13: error handling packet: live packet field ipv6_payload_len: expected: 28 (0x1c) vs actual: 40 (0x28)")).to.equal(
        "ipv6_payload_len",
      );
      expect(fieldOfReason("epoll_out_edge.pkt:40: error handling packet: live packet payload: expected 16000 bytes vs actual 20000 bytes")).to.equal("payload_length");
      expect(
        fieldOfReason("simple3.pkt:25: error handling packet: bad value in outbound TCP option (kind=34): expected: FO 76d2c1c530f51f79 actual: FO f49b0ef989d9f624"),
      ).to.equal("tcp_option(kind=34)");
      expect(fieldOfReason("bad value outbound TCP option 2")).to.equal("tcp_option(kind=2)");
      expect(fieldOfReason("x.pkt:27: error handling packet: timing error: expected outbound packet at 0.240738 sec but happened at 0.231758 sec; tolerance 0.005015 sec")).to.equal(
        "timing",
      );
      expect(fieldOfReason("cubic-bulk-166k.pkt:53: error in Python code")).to.equal(undefined);
    });
  });

  describe("allZero", () => {
    it("finds a nonzero byte at any position and alignment, in views of any offset and length", () => {
      const backing = new Uint8Array(64);
      for (let offset = 0; offset < 5; offset++) {
        for (const length of [0, 1, 3, 4, 5, 8, 13, 40]) {
          const view = backing.subarray(offset, offset + length);
          expect(allZero(view), `offset ${offset} length ${length}`).to.equal(true);
          for (let at = 0; at < length; at++) {
            view[at] = 0x80;
            expect(allZero(view), `offset ${offset} length ${length} byte ${at}`).to.equal(false);
            view[at] = 0;
          }
        }
      }
      // Bytes just outside the view do not count.
      backing[3] = 1;
      backing[9] = 1;
      expect(allZero(backing.subarray(4, 9))).to.equal(true);
    });
  });
});
