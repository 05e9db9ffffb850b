import { expect } from "chai";
import { buildInbound, type Built, type InboundContext } from "../../../lib/match/inbound";
import { Connection } from "../../../lib/match/space";
import type { IpMode } from "../../../lib/script/ast";
import { decodePacket, encodePacket, formatPacket, icmpPacket, ipv4, ipv6, seq, tcp, tcpPacket, udp, udpPacket, type PacketRepr } from "../../../lib/wire";
import { packetSpec } from "./packet-spec";

const LOCAL4 = "192.168.0.1";
const REMOTE4 = "192.0.2.1";
const LOCAL6 = "fd3d:a0b:17d6::1";
const REMOTE6 = "fd3d:fa7b:d17d::1";
const LOCAL_PORT = 8080;
const REMOTE_PORT = 40000;
/** ISNs near 2^32 so that every mapping wraps. */
const REMOTE_ISN = 0xfffffff0; // 4294967280
const LIVE_LOCAL_ISN = 0xffffff00; // 4294967040

/** A passive connection whose SYN / SYN-ACK have been seen. */
function passive(mode: IpMode = "ipv4"): Connection {
  const c = new Connection("tcp", "passive-synack-sent", -1, -1);
  const v6 = mode === "ipv6";
  c.liveLocal = { ip: v6 ? LOCAL6 : LOCAL4, port: LOCAL_PORT };
  c.liveRemote = { ip: v6 ? REMOTE6 : REMOTE4, port: REMOTE_PORT };
  c.remoteIsn = seq(REMOTE_ISN);
  c.scriptLocalIsn = seq(0);
  c.liveLocalIsn = seq(LIVE_LOCAL_ISN);
  return c;
}

function build(line: string, conn: Connection, mode: IpMode = "ipv4", extra: Partial<InboundContext> = {}): Built {
  return buildInbound(packetSpec(line, mode, true), { mode, conn, mss: 0, ...extra });
}

function built(line: string, conn: Connection, mode: IpMode = "ipv4", extra: Partial<InboundContext> = {}): PacketRepr {
  const b = build(line, conn, mode, extra);
  if (!b.ok) throw new Error(b.message);
  return b.packet;
}

const in4 = ipv4({ src: REMOTE4, dst: LOCAL4, ttl: 255, id: 0, dontFragment: false });
const relative = { localIsn: seq(LIVE_LOCAL_ISN), remoteIsn: seq(REMOTE_ISN) };

describe("lib/match/inbound", () => {
  it("builds a SYN with absolute seq, TTL 255, no DF, the live tuple and every option", () => {
    const c = passive();
    c.liveLocalIsn = undefined;
    c.scriptLocalIsn = undefined;
    const p = built("< S 4294967280:4294967280(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>", c);
    expect(p).to.deep.equal(
      tcpPacket(
        in4,
        tcp({
          srcPort: REMOTE_PORT,
          dstPort: LOCAL_PORT,
          seq: seq(4294967280),
          flags: { syn: true },
          window: 65535,
          options: [{ kind: "mss", mss: 1460 }, { kind: "sackOK" }, { kind: "timestamp", val: 100, ecr: 0 }, { kind: "nop" }, { kind: "wscale", shift: 7 }],
        }),
      ),
    );
    expect(formatPacket(p, { endpoints: "full" })).to.equal(
      "192.0.2.1:40000 > 192.168.0.1:8080 S 4294967280:4294967280(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
    );
  });

  it("maps a non-SYN seq relative to the remote ISN and its ack relative to the kernel's ISN, across the wrap", () => {
    const p = built("< . 1:1(0) ack 1 win 514", passive());
    expect(p).to.deep.equal(tcpPacket(in4, tcp({ srcPort: REMOTE_PORT, dstPort: LOCAL_PORT, seq: seq(4294967281), ack: seq(4294967041), flags: { ack: true }, window: 514 })));
    const data = built("< P. 17:1017(1000) ack 1 win 514", passive());
    expect(data.l4.protocol === "tcp" && data.l4.tcp.seq).to.equal(1); // 0xfffffff0 + 17 wraps to 1
    expect(data.l4.protocol === "tcp" && data.l4.tcp.payload).to.deep.equal(new Uint8Array(1000));
    expect(formatPacket(data, { direction: "inbound", relative })).to.equal("P. 17:1017(1000) ack 1 win 514");
  });

  it("maps a SYN-ACK's ack by the live - script ISN difference (active open)", () => {
    const c = new Connection("tcp", "active-syn-sent", 3, 3);
    c.liveLocal = { ip: LOCAL4, port: 51234 };
    c.liveRemote = { ip: REMOTE4, port: 8080 };
    c.scriptLocalIsn = seq(0);
    c.liveLocalIsn = seq(0xfffffffe);
    c.remoteIsn = seq(7);
    const p = built("< S. 7:7(0) ack 1 win 5792 <mss 1460,nop,wscale 7>", c);
    expect(p).to.deep.equal(
      tcpPacket(
        in4,
        tcp({
          srcPort: 8080,
          dstPort: 51234,
          seq: seq(7),
          ack: seq(0xffffffff),
          flags: { syn: true, ack: true },
          window: 5792,
          options: [{ kind: "mss", mss: 1460 }, { kind: "nop" }, { kind: "wscale", shift: 7 }],
        }),
      ),
    );
  });

  it("leaves the ack field as written when the ACK flag is off", () => {
    const p = built("< R 1001:1001(0) win 0", passive());
    expect(p).to.deep.equal(tcpPacket(in4, tcp({ srcPort: REMOTE_PORT, dstPort: LOCAL_PORT, seq: seq(REMOTE_ISN + 1001), flags: { rst: true }, window: 0 })));
    const fin = built("< F. 1001:1001(0) ack 1 win 514", passive());
    expect(formatPacket(fin, { direction: "inbound", relative })).to.equal("F. 1001:1001(0) ack 1 win 514");
  });

  it("maps SACK blocks into the kernel's sequence space", () => {
    const p = built("< . 1:1(0) ack 1 win 514 <sack 1001:2001 3001:4001,nop,nop>", passive());
    expect(p.l4.protocol === "tcp" && p.l4.tcp.options).to.deep.equal([
      { kind: "sack", blocks: [{ left: seq(745), right: seq(1745) }, { left: seq(2745), right: seq(3745) }] },
      { kind: "nop" },
      { kind: "nop" },
    ]);
    expect(formatPacket(p, { direction: "inbound", relative })).to.equal(". 1:1(0) ack 1 win 514 <sack 1001:2001 3001:4001,nop,nop>");
  });

  it("maps a TS ecr to the live TS val the script value stood for", () => {
    const c = passive();
    c.mapOutboundTsVal(1000, 0xfffffff0);
    c.mapOutboundTsVal(1010, 0xfffffffa);
    const p = built("< . 1:1(0) ack 1 win 514 <nop,nop,TS val 200 ecr 1010>", c);
    expect(p.l4.protocol === "tcp" && p.l4.tcp.options[2]).to.deep.equal({ kind: "timestamp", val: 200, ecr: 0xfffffffa });
  });

  it("refuses a TS ecr nothing outbound stood for, unless --tcp_ts_ecr_scaled interpolates it", () => {
    const c = passive();
    c.mapOutboundTsVal(1000, 0xfffffff0);
    const b = build("< . 1:1(0) ack 1 win 514 <nop,nop,TS val 200 ecr 1020>", c);
    expect(b.ok).to.equal(false);
    expect(!b.ok && b.message).to.equal("unable to infer live TS ecr for script TS ecr 1020;  no matching or preceding outbound TS val");
    const scaled = built("< . 1:1(0) ack 1 win 514 <nop,nop,TS val 200 ecr 1020>", c, "ipv4", { tsEcrScaled: true });
    expect(scaled.l4.protocol === "tcp" && scaled.l4.tcp.options[2]).to.deep.equal({ kind: "timestamp", val: 200, ecr: 4 }); // 0xfffffff0 + 20 wraps
    const noTs = build("< . 1:1(0) ack 1 win 514 <nop,nop,TS val 200 ecr 5>", passive(), "ipv4", { tsEcrScaled: true });
    expect(!noTs.ok && noTs.message).to.equal("unable to infer live TS ecr for script TS ecr 5;  no matching or preceding outbound TS val");
  });

  it("does not map the TS ecr of a segment without ACK", () => {
    const p = built("< S 0:0(0) win 100 <TS val 1 ecr 77,nop,nop>", passive());
    expect(p.l4.protocol === "tcp" && p.l4.tcp.options[0]).to.deep.equal({ kind: "timestamp", val: 1, ecr: 77 });
  });

  it("encodes MD5, Fast Open and experimental Fast Open options from their hex", () => {
    const p = built("< S 0:10(10) win 32792 <mss 1460,sackOK,nop,nop,FO 3021b9d889017eeb,nop,nop>", passive());
    const q = built("< S 0:10(10) win 32792 <mss 1460,nop,nop,FOEXP 3021b9d889017eeb,nop,nop>", passive());
    const m = built("< . 1:1(0) ack 1 win 514 <md5 000102030405060708090a0b0c0d0e0f,nop,nop>", passive());
    const cookie = Uint8Array.from([0x30, 0x21, 0xb9, 0xd8, 0x89, 0x01, 0x7e, 0xeb]);
    expect(p.l4.protocol === "tcp" && p.l4.tcp.options[4]).to.deep.equal({ kind: "fastopen", cookie });
    expect(q.l4.protocol === "tcp" && q.l4.tcp.options[3]).to.deep.equal({ kind: "fastopenExp", cookie });
    expect(m.l4.protocol === "tcp" && m.l4.tcp.options[0]).to.deep.equal({ kind: "md5", digest: Uint8Array.from({ length: 16 }, (_, i) => i) });
    // The encoder and decoder agree on it byte for byte.
    const bytes = encodePacket(p);
    expect(decodePacket(bytes)).to.deep.equal(p);
    expect(bytes.length).to.equal(20 + 20 + 20 + 10);
  });

  it("lets ports written in the script replace the live ones, one by one", () => {
    const p = built("< 1234>5678 . 1:1(0) ack 1 win 100", passive());
    expect(p.l4.protocol === "tcp" && [p.l4.tcp.srcPort, p.l4.tcp.dstPort]).to.deep.equal([1234, 5678]);
    const q = built("< 0>5678 . 1:1(0) ack 1 win 100", passive());
    expect(q.l4.protocol === "tcp" && [q.l4.tcp.srcPort, q.l4.tcp.dstPort]).to.deep.equal([REMOTE_PORT, 5678]);
  });

  it("puts the ECN codepoint, the TOS byte and the TTL of the script on the wire", () => {
    expect(built("< [ect0] . 1:1(0) ack 1 win 100", passive()).ip).to.deep.equal({ ...in4, tos: 2 });
    expect(built("< [ect1] . 1:1(0) ack 1 win 100", passive()).ip).to.deep.equal({ ...in4, tos: 1 });
    expect(built("< [ce] . 1:1(0) ack 1 win 100", passive()).ip).to.deep.equal({ ...in4, tos: 3 });
    expect(built("< (tos 0x2a) . 1:1(0) ack 1 win 100", passive()).ip).to.deep.equal({ ...in4, tos: 0x2a });
    expect(built("< (ttl 32) . 1:1(0) ack 1 win 100", passive()).ip).to.deep.equal({ ...in4, ttl: 32 });
  });

  it("builds IPv6 packets with hop limit 255, the traffic class and the flow label", () => {
    const c = passive("ipv6");
    const p = built("< [ect0,flowlabel 0x12345] . 1:1(0) ack 1 win 514", c, "ipv6");
    expect(p).to.deep.equal(
      tcpPacket(
        ipv6({ src: REMOTE6, dst: LOCAL6, hopLimit: 255, trafficClass: 2, flowLabel: 0x12345 }),
        tcp({ srcPort: REMOTE_PORT, dstPort: LOCAL_PORT, seq: seq(4294967281), ack: seq(4294967041), flags: { ack: true }, window: 514 }),
      ),
    );
  });

  it("puts IPv4 on the wire in ipv4-mapped-ipv6 mode, even from mapped address text", () => {
    const c = passive();
    c.liveLocal = { ip: "::ffff:192.168.0.1", port: LOCAL_PORT };
    const p = built("< . 1:1(0) ack 1 win 514", c, "ipv4-mapped-ipv6");
    expect(p.ip).to.deep.equal(in4);
  });

  it("builds UDP datagrams of zero bytes between the live endpoints", () => {
    const c = new Connection("udp", "active-connecting", 3, 3);
    c.liveLocal = { ip: LOCAL4, port: 5353 };
    c.liveRemote = { ip: REMOTE4, port: 53 };
    expect(built("< udp (100)", c)).to.deep.equal(
      udpPacket(ipv4({ src: REMOTE4, dst: LOCAL4, ttl: 255, id: 0, dontFragment: false, protocol: 17 }), udp({ srcPort: 53, dstPort: 5353, payload: new Uint8Array(100) })),
    );
  });

  it("builds an ICMPv4 frag-needed quoting the outbound segment with its seq in live space", () => {
    const p = built("< icmp unreachable frag_needed mtu 1400 [1:1461(1460)]", passive());
    const quoted = new Uint8Array(20 + 8 + 1460);
    quoted.set([0x45, 0, 0x05, 0xdc, 0, 0, 0, 0, 255, 6, 0, 0, 192, 168, 0, 1, 192, 0, 2, 1]); // total length 1500
    quoted.set([0x1f, 0x90, 0x9c, 0x40, 0xff, 0xff, 0xff, 0x01], 20); // 8080 > 40000, seq 0xffffff00 + 1
    expect(p).to.deep.equal(icmpPacket(ipv4({ src: REMOTE4, dst: LOCAL4, ttl: 255, id: 0, dontFragment: false }), { type: 3, code: 4, rest: 1400, payload: quoted }));
  });

  it("builds an ICMPv6 packet_too_big and a UDP-quoting unreachable", () => {
    const p = built("< icmp packet_too_big mtu 1280 [0:1232(1232)]", passive("ipv6"), "ipv6");
    expect(p.l4.protocol === "icmp" && [p.l4.icmp.version, p.l4.icmp.type, p.l4.icmp.code, p.l4.icmp.rest, p.l4.icmp.payload.length]).to.deep.equal([6, 2, 0, 1280, 40 + 8 + 1232]);
    const q = p.l4.protocol === "icmp" ? p.l4.icmp.payload : new Uint8Array(0);
    expect([...q.subarray(0, 8)]).to.deep.equal([0x60, 0, 0, 0, 0x04, 0xe4, 6, 255]); // payload length 20 + 1232
    expect([...q.subarray(40, 48)]).to.deep.equal([0x1f, 0x90, 0x9c, 0x40, 0xff, 0xff, 0xff, 0x00]);
    const c = new Connection("udp", "active-connecting", 3, 3);
    c.liveLocal = { ip: LOCAL4, port: 5353 };
    c.liveRemote = { ip: REMOTE4, port: 53 };
    const u = built("< icmp unreachable port_unreachable [udp (11)]", c);
    expect(formatPacket(u)).to.equal("icmp unreachable port_unreachable [udp (11)]");
    const uq = u.l4.protocol === "icmp" ? u.l4.icmp.payload : new Uint8Array(0);
    expect([...uq.subarray(20, 28)]).to.deep.equal([0x14, 0xe9, 0, 53, 0, 0, 0, 0]);
  });

  it("reports packetdrill's errors for lines it cannot inject", () => {
    const noWin = build("< . 1:1(0) ack 1", passive());
    expect(!noWin.ok && noWin.message).to.equal("window must be specified for inbound packets");
    const any = build("< . 1:1(0) ack 1 win 1 <...>", passive());
    expect(!any.ok && any.message).to.equal("<...> for TCP options can only be used with outbound packets");
    const pad = build("< . 1:1(0) ack 1 win 1 <nop>", passive());
    expect(!pad.ok && pad.message).to.equal("TCP options are not padded correctly to ensure TCP header is a multiple of 4 bytes: 1 excess bytes");
    const v6code = build("< icmp unreachable frag_needed", passive("ipv6"), "ipv6");
    expect(!v6code.ok && v6code.message).to.equal("bad ICMP code frag_needed");
    const mtu = build("< icmp unreachable port_unreachable mtu 1400", passive());
    expect(!mtu.ok && mtu.message).to.equal("ICMPv4 MTU is only valid for unreachable-frag_needed");
  });

  it("hands the --mss value over as the GSO size of TCP packets", () => {
    const b = build("< P. 1:3001(3000) ack 1 win 514", passive(), "ipv4", { mss: 1000 });
    expect(b.ok && b.gsoSize).to.equal(1000);
    const n = build("< P. 1:3001(3000) ack 1 win 514", passive());
    expect(n.ok && n.gsoSize).to.equal(undefined);
  });
});
