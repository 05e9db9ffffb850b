import { expect } from "chai";
import { fixtureBytes, fixtures, type FixtureName } from "../../fixtures/wire/kernel-captures";
import { fromHex } from "./helpers";
import { icmpPacket, ipv4, ipv6, tcp, tcpPacket, udp, udpPacket } from "../../../lib/wire/build";
import { formatPacket, formatTcpFlags, formatWire } from "../../../lib/wire/format";
import { decodePacket, encodePacket } from "../../../lib/wire/packet";
import { seq } from "../../../lib/wire/seq";
import type { TcpFlags } from "../../../lib/wire/types";

/**
 * Every capture as packetdrill prints it: [absolute, relative to the connection's ISNs]. The
 * absolute numbers were checked against `tcpdump -nn -S` of the same bytes.
 */
const EXPECTED: Record<FixtureName, readonly [string, string | undefined]> = {
  v4Syn: ["S 1032828561:1032828561(0) win 64240 <mss 1460,sackOK,TS val 724879783 ecr 0,nop,wscale 10>", "S 0:0(0) win 64240 <mss 1460,sackOK,TS val 724879783 ecr 0,nop,wscale 10>"],
  v4Synack: ["S. 1955916551:1955916551(0) ack 1032828562 win 65160 <mss 1460,sackOK,TS val 459132180 ecr 724879783,nop,wscale 10>", "S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 459132180 ecr 724879783,nop,wscale 10>"],
  v4Ack: [". 1032828562:1032828562(0) ack 1955916552 win 63 <nop,nop,TS val 724879784 ecr 459132180>", ". 1:1(0) ack 1 win 63 <nop,nop,TS val 724879784 ecr 459132180>"],
  v4Data: ["P. 1032828562:1032829562(1000) ack 1955916552 win 63 <nop,nop,TS val 724879834 ecr 459132180>", "P. 1:1001(1000) ack 1 win 63 <nop,nop,TS val 724879834 ecr 459132180>"],
  v4DataAck: [". 1955916552:1955916552(0) ack 1032829562 win 67 <nop,nop,TS val 459132231 ecr 724879834>", ". 1:1(0) ack 1001 win 67 <nop,nop,TS val 459132231 ecr 724879834>"],
  v4Fin: ["F. 1032829562:1032829562(0) ack 1955916552 win 63 <nop,nop,TS val 724880134 ecr 459132231>", "F. 1001:1001(0) ack 1 win 63 <nop,nop,TS val 724880134 ecr 459132231>"],
  v4FinAck: [". 1955916552:1955916552(0) ack 1032829563 win 67 <nop,nop,TS val 459132572 ecr 724880134>", ". 1:1(0) ack 1002 win 67 <nop,nop,TS val 459132572 ecr 724880134>"],
  v4PeerFin: ["F. 1955916552:1955916552(0) ack 1032829563 win 67 <nop,nop,TS val 459132631 ecr 724880134>", "F. 1:1(0) ack 1002 win 67 <nop,nop,TS val 459132631 ecr 724880134>"],
  v4LastAck: [". 1032829563:1032829563(0) ack 1955916553 win 63 <nop,nop,TS val 724880234 ecr 459132631>", ". 1002:1002(0) ack 2 win 63 <nop,nop,TS val 724880234 ecr 459132631>"],
  v4RefusedSyn: ["S 3529299006:3529299006(0) win 64240 <mss 1460,sackOK,TS val 2138869201 ecr 0,nop,wscale 10>", undefined],
  v4RstAck: ["R. 0:0(0) ack 3529299007 win 0", undefined],
  v4BareAck: [". 1000:1000(0) ack 305419896 win 1024", undefined],
  v4Rst: ["R 305419896:305419896(0) win 0", undefined],
  v4SynNots: ["S 180534725:180534725(0) win 64240 <mss 1460,nop,nop,sackOK,nop,wscale 10>", "S 0:0(0) win 64240 <mss 1460,nop,nop,sackOK,nop,wscale 10>"],
  v4SynackNots: ["S. 1875356506:1875356506(0) ack 180534726 win 64240 <mss 1460,nop,nop,sackOK,nop,wscale 10>", "S. 0:0(0) ack 1 win 64240 <mss 1460,nop,nop,sackOK,nop,wscale 10>"],
  v4EcnSyn: ["SEW 1605231364:1605231364(0) win 64240 <mss 1460,sackOK,TS val 2626599006 ecr 0,nop,wscale 10>", "SEW 0:0(0) win 64240 <mss 1460,sackOK,TS val 2626599006 ecr 0,nop,wscale 10>"],
  v4EcnSynack: ["S.E 4195455953:4195455953(0) ack 1605231365 win 65160 <mss 1460,sackOK,TS val 117800026 ecr 2626599006,nop,wscale 10>", "S.E 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 117800026 ecr 2626599006,nop,wscale 10>"],
  v4EcnData: ["P. 1605231365:1605232365(1000) ack 4195455954 win 63 <nop,nop,TS val 2626599056 ecr 117800026>", "P. 1:1001(1000) ack 1 win 63 <nop,nop,TS val 2626599056 ecr 117800026>"],
  v6Syn: ["S 3512053988:3512053988(0) win 64800 <mss 1440,sackOK,TS val 2744474373 ecr 0,nop,wscale 10>", "S 0:0(0) win 64800 <mss 1440,sackOK,TS val 2744474373 ecr 0,nop,wscale 10>"],
  v6Synack: ["S. 1795787731:1795787731(0) ack 3512053989 win 64260 <mss 1440,sackOK,TS val 521848892 ecr 2744474373,nop,wscale 10>", "S. 0:0(0) ack 1 win 64260 <mss 1440,sackOK,TS val 521848892 ecr 2744474373,nop,wscale 10>"],
  v6Ack: [". 3512053989:3512053989(0) ack 1795787732 win 64 <nop,nop,TS val 2744474373 ecr 521848892>", ". 1:1(0) ack 1 win 64 <nop,nop,TS val 2744474373 ecr 521848892>"],
  v6Data: ["P. 3512053989:3512054989(1000) ack 1795787732 win 64 <nop,nop,TS val 2744474423 ecr 521848892>", "P. 1:1001(1000) ack 1 win 64 <nop,nop,TS val 2744474423 ecr 521848892>"],
  v6DataAck: [". 1795787732:1795787732(0) ack 3512054989 win 66 <nop,nop,TS val 521848942 ecr 2744474423>", ". 1:1(0) ack 1001 win 66 <nop,nop,TS val 521848942 ecr 2744474423>"],
  v6Fin: ["F. 3512054989:3512054989(0) ack 1795787732 win 64 <nop,nop,TS val 2744474723 ecr 521848942>", "F. 1001:1001(0) ack 1 win 64 <nop,nop,TS val 2744474723 ecr 521848942>"],
  v4Udp: ["udp (10)", undefined],
  v4UdpClosed: ["udp (11)", undefined],
  v4IcmpPortUnreach: ["icmp unreachable port_unreachable [udp (11)]", undefined],
  v6UdpClosed: ["udp (11)", undefined],
  v6IcmpPortUnreach: ["icmp unreachable port_unreachable [udp (11)]", undefined],
  v6EchoRequest: ["icmp echo_request id 4660", undefined],
  v6EchoReply: ["icmp echo_reply id 4660", undefined],
  v4TfoSyn: ["S 1364902094:1364902094(0) win 64240 <mss 1460,sackOK,TS val 1128612836 ecr 0,nop,wscale 10,FO,nop,nop>", "S 0:0(0) win 64240 <mss 1460,sackOK,TS val 1128612836 ecr 0,nop,wscale 10,FO,nop,nop>"],
  v4TfoSynack: ["S. 3831834247:3831834247(0) ack 1364902095 win 65160 <mss 1460,sackOK,TS val 2458828333 ecr 1128612836,nop,wscale 10,FO db1ad5d7758c4ded,nop,nop>", "S. 0:0(0) ack 1 win 65160 <mss 1460,sackOK,TS val 2458828333 ecr 1128612836,nop,wscale 10,FO db1ad5d7758c4ded,nop,nop>"],
};

const v4 = ipv4({ src: "192.168.0.1", dst: "192.0.2.1" });
const v6 = ipv6({ src: "fd3d:a0b:17d6::1", dst: "fd3d:fa7b:d17d::1" });

describe("lib/wire format: kernel captures in script notation", () => {
  for (const name of Object.keys(EXPECTED) as FixtureName[]) {
    const [absolute, relative] = EXPECTED[name];
    const f = fixtures[name];
    it(`${name}: ${relative ?? absolute}`, () => {
      const p = decodePacket(fixtureBytes(f));
      expect(formatPacket(p)).to.equal(absolute);
      if (relative !== undefined && "isns" in f) {
        expect(formatPacket(p, { direction: f.direction, relative: { localIsn: seq(f.isns.localIsn), remoteIsn: seq(f.isns.remoteIsn) } })).to.equal(relative);
      }
    });
  }

  it("a refused connection's RST|ACK, relative to the SYN the script sent", () => {
    const p = decodePacket(fixtureBytes(fixtures.v4RstAck));
    const isn = decodePacket(fixtureBytes(fixtures.v4RefusedSyn));
    const remoteIsn = isn.l4.protocol === "tcp" ? isn.l4.tcp.seq : seq(0);
    expect(formatPacket(p, { direction: "outbound", relative: { localIsn: seq(0), remoteIsn }, arrow: true })).to.equal("> R. 0:0(0) ack 1 win 0");
  });

  it("adds the arrow, ECN marks and endpoints when asked", () => {
    const data = decodePacket(fixtureBytes(fixtures.v4EcnData));
    const isns = fixtures.v4EcnData.isns;
    const rel = { localIsn: seq(isns.localIsn), remoteIsn: seq(isns.remoteIsn) };
    expect(formatPacket(data, { direction: "inbound", relative: rel, arrow: true, ecn: true })).to.equal("< [ect0] P. 1:1001(1000) ack 1 win 63 <nop,nop,TS val 2626599056 ecr 117800026>");
    expect(formatPacket(data, { direction: "inbound", relative: rel, ecn: true, endpoints: "ports" })).to.equal("[ect0] 40004>8084 P. 1:1001(1000) ack 1 win 63 <nop,nop,TS val 2626599056 ecr 117800026>");
    expect(formatPacket(data, { direction: "inbound", relative: rel, endpoints: "full" })).to.equal("192.0.2.1:40004 > 192.168.0.1:8084 P. 1:1001(1000) ack 1 win 63 <nop,nop,TS val 2626599056 ecr 117800026>");
    const syn6 = decodePacket(fixtureBytes(fixtures.v6Syn));
    expect(formatPacket(syn6, { ecn: true, endpoints: "full" })).to.equal(
      "[noecn] fd3d:fa7b:d17d::1:40000 > fd3d:a0b:17d6::1:8080 S 3512053988:3512053988(0) win 64800 <mss 1440,sackOK,TS val 2744474373 ecr 0,nop,wscale 10>",
    );
    const udp4 = decodePacket(fixtureBytes(fixtures.v4Udp));
    expect(formatPacket(udp4, { direction: "inbound", arrow: true, endpoints: "ports" })).to.equal("< udp 5000>5001 (10)");
    expect(formatPacket(udp4, { endpoints: "full" })).to.equal("192.0.2.1:5000 > 192.168.0.1:5001 udp (10)");
    for (const [tos, mark] of [[0, "noecn"], [1, "ect1"], [2, "ect0"], [3, "ce"]] as const) {
      expect(formatPacket(udpPacket(ipv4({ src: "10.0.0.1", dst: "10.0.0.2", tos: 0xb8 | tos }), udp()), { ecn: true })).to.equal(`[${mark}] udp (0)`);
    }
  });

  it("refuses relative numbers without a direction", () => {
    const p = decodePacket(fixtureBytes(fixtures.v4Syn));
    expect(() => formatPacket(p, { relative: { localIsn: seq(0), remoteIsn: seq(0) } })).to.throw(TypeError, /direction/);
  });
});

describe("lib/wire format: TCP details", () => {
  const flags = (f: Partial<TcpFlags>, ace = false): string => formatTcpFlags(tcp({ flags: f }), ace);

  it("prints flags in tcpdump 4.1.1 order, F S R P . U E W A", () => {
    expect(flags({ fin: true, syn: true, rst: true, psh: true, ack: true, urg: true, ece: true, cwr: true, ae: true })).to.equal("FSRP.UEWA");
    expect(flags({ syn: true, ack: true })).to.equal("S.");
    expect(flags({ fin: true, ack: true })).to.equal("F.");
    expect(flags({ psh: true, ack: true })).to.equal("P.");
    expect(flags({ syn: true, ece: true, cwr: true, ae: true })).to.equal("SEWA");
    expect(flags({})).to.equal("-");
  });

  it("prints the ACE field as a digit once AccECN is in use, except on SYNs", () => {
    expect(flags({ ack: true, ece: true, ae: true }, true)).to.equal(".5");
    expect(flags({ ack: true }, true)).to.equal(".0");
    expect(flags({ syn: true, ack: true, cwr: true }, true)).to.equal("S.W");
  });

  it("prints seq:end(len) modulo 2^32 and relative numbers across the wrap", () => {
    const p = tcpPacket(v4, tcp({ seq: seq(0xffffff00), ack: seq(5), flags: { ack: true }, window: 257, payload: new Uint8Array(0x200) }));
    expect(formatPacket(p)).to.equal(". 4294967040:256(512) ack 5 win 257");
    // Local ISN just below the wrap: outbound seq counts from it, ack from the remote ISN.
    const rel = { localIsn: seq(0xfffffeff), remoteIsn: seq(4) };
    expect(formatPacket(p, { direction: "outbound", relative: rel })).to.equal(". 1:513(512) ack 1 win 257");
    // Inbound, the same numbers count from the other ISNs.
    expect(formatPacket(p, { direction: "inbound", relative: { localIsn: seq(4), remoteIsn: seq(0xfffffeff) } })).to.equal(". 1:513(512) ack 1 win 257");
  });

  it("prints SACK blocks relative to the ISN of the side they acknowledge", () => {
    const sack = {
      kind: "sack" as const,
      blocks: [
        { left: seq(0xfffffff0), right: seq(0x10) },
        { left: seq(0x1000), right: seq(0x2000) },
      ],
    };
    const p = tcpPacket(v4, tcp({ seq: seq(100), ack: seq(0xffffff00), flags: { ack: true }, window: 10, options: [{ kind: "nop" }, { kind: "nop" }, sack] }));
    expect(formatPacket(p)).to.equal(". 100:100(0) ack 4294967040 win 10 <nop,nop,sack 4294967280:16 4096:8192>");
    expect(formatPacket(p, { direction: "outbound", relative: { localIsn: seq(99), remoteIsn: seq(0xfffffeff) } })).to.equal(". 1:1(0) ack 1 win 10 <nop,nop,sack 241:273 4353:8449>");
  });

  it("prints MD5, Fast Open, AccECN and unknown options", () => {
    const opts = tcp({
      flags: { syn: true },
      window: 0,
      options: [
        { kind: "md5", digest: fromHex("00112233445566778899aabbccddeeff") },
        { kind: "fastopen", cookie: fromHex("3021b9d889017eeb") },
        { kind: "fastopenExp", cookie: new Uint8Array(0) },
        { kind: "accecn", order: 0, counters: [1, 2, 3] },
        { kind: "accecn", order: 1, counters: [7] },
        { kind: "accecn", order: 1, counters: [] },
        { kind: "unknown", type: 253, data: fromHex("beef") },
        { kind: "unknown", type: 99, data: new Uint8Array(0) },
        { kind: "eol" },
      ],
    });
    expect(formatPacket(tcpPacket(v4, opts))).to.equal(
      "S 0:0(0) win 0 <md5 00112233445566778899aabbccddeeff,FO 3021b9d889017eeb,FOEXP,AccECN0 EE0B 1 ECEB 2 EE1B 3,AccECN1 EE1B 7,AccECN1,opt 253 beef,opt 99,eol>",
    );
  });

  it("prints the urgent pointer when it is set", () => {
    expect(formatPacket(tcpPacket(v4, tcp({ flags: { urg: true, ack: true }, ack: seq(1), window: 5, urgentPointer: 3 })))).to.equal(".U 0:0(0) ack 1 win 5 urg 3");
  });
});

describe("lib/wire format: UDP, ICMP and the rest", () => {
  it("prints ICMP type and code names, mtu, echo id, and the quoted segment", () => {
    const quotedSyn = encodePacket(tcpPacket(ipv4({ src: "192.168.0.1", dst: "192.0.2.1" }), tcp({ seq: seq(1000), flags: { ack: true }, payload: new Uint8Array(1440) })));
    const fragNeeded = icmpPacket(ipv4({ src: "192.0.2.1", dst: "192.168.0.1" }), { type: 3, code: 4, rest: 1400, payload: quotedSyn.subarray(0, 28) });
    expect(formatPacket(fragNeeded)).to.equal("icmp unreachable frag_needed mtu 1400 [1000:2440(1440)]");
    // Inbound ICMP quotes an outbound segment: its seq counts from the local ISN.
    expect(formatPacket(fragNeeded, { direction: "inbound", relative: { localIsn: seq(999), remoteIsn: seq(0) }, arrow: true })).to.equal("< icmp unreachable frag_needed mtu 1400 [1:1441(1440)]");
    const quoted6 = encodePacket(tcpPacket(v6, tcp({ seq: seq(0), flags: { ack: true }, payload: new Uint8Array(1440) })));
    expect(formatPacket(icmpPacket(ipv6({ src: "fd3d:fa7b:d17d::1", dst: "fd3d:a0b:17d6::1" }), { type: 2, code: 0, rest: 1280, payload: quoted6.subarray(0, 60) }))).to.equal(
      "icmp packet_too_big mtu 1280 [0:1440(1440)]",
    );
    expect(formatPacket(icmpPacket(v4, { type: 3, code: 1, rest: 0, payload: new Uint8Array(0) }))).to.equal("icmp unreachable host_unreachable");
    expect(formatPacket(icmpPacket(v4, { type: 8, code: 0, rest: 0x00070001, payload: new Uint8Array(0) }))).to.equal("icmp echo_request id 7");
    expect(formatPacket(icmpPacket(v4, { type: 11, code: 0, rest: 0, payload: new Uint8Array(0) }))).to.equal("icmp time_exceeded");
    expect(formatPacket(icmpPacket(v6, { type: 3, code: 1, rest: 0, payload: new Uint8Array(0) }))).to.equal("icmp time_exceeded exceeded_frag_time");
    expect(formatPacket(icmpPacket(v6, { type: 1, code: 9, rest: 0, payload: new Uint8Array(0) }))).to.equal("icmp unreachable code_9");
    expect(formatPacket(icmpPacket(v4, { type: 42, code: 1, rest: 0, payload: new Uint8Array(0) }))).to.equal("icmp type_42 code_1");
  });

  it("prints other protocols and undecodable bytes without throwing", () => {
    expect(formatPacket({ ip: ipv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 132 }), l4: { protocol: "other", number: 132, payload: new Uint8Array(12) } })).to.equal("ip proto 132 (12)");
    expect(formatWire(fromHex("45000014"))).to.equal("[undecodable: truncated-ip-header at byte 0] 45000014");
    expect(formatWire(fixtureBytes(fixtures.v4Rst))).to.equal("R 305419896:305419896(0) win 0");
  });
});
