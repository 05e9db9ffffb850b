import { expect } from "chai";
import { fixtureBytes, fixtures } from "../../fixtures/wire/kernel-captures";
import { icmp, icmpPacket, ipFor, ipv4, ipv6, tcp, tcpFlags, tcpPacket, udp, udpPacket } from "../../../lib/wire/build";
import { IcmpHeader } from "../../../lib/wire/icmp";
import { Ipv4Header } from "../../../lib/wire/ipv4";
import { Ipv6Header } from "../../../lib/wire/ipv6";
import { checkChecksums, decodePacket } from "../../../lib/wire/packet";
import { seq } from "../../../lib/wire/seq";
import { TcpHeader, tcpFlagBits, tcpFlagsFromBits } from "../../../lib/wire/tcp";
import { UdpHeader } from "../../../lib/wire/udp";

describe("lib/wire views (zero-copy, one accessor per field)", () => {
  it("read every IPv4 and TCP header field of a capture", () => {
    const b = fixtureBytes(fixtures.v4Synack);
    const ip = new Ipv4Header(b);
    expect([ip.version, ip.ihl, ip.headerLength, ip.tos, ip.totalLength, ip.id, ip.dontFragment, ip.moreFragments, ip.fragmentOffset, ip.ttl, ip.protocol]).to.deep.equal([4, 5, 20, 0, 60, 0, true, false, 0, 64, 6]);
    expect([ip.src, ip.dst]).to.deep.equal(["192.168.0.1", "192.0.2.1"]);
    expect(ip.verifyChecksum()).to.equal(true);
    expect(ip.computeChecksum()).to.equal(ip.checksum);
    const t = new TcpHeader(b, ip.headerLength);
    expect([t.srcPort, t.dstPort, t.seq, t.ack, t.dataOffset, t.headerLength, t.window, t.urgentPointer, t.reservedBits]).to.deep.equal([
      8080,
      40000,
      fixtures.v4Synack.isns.localIsn,
      fixtures.v4Synack.isns.remoteIsn + 1,
      10,
      40,
      65160,
      0,
      0,
    ]);
    expect(t.flags).to.equal(tcpFlags({ syn: true, ack: true }));
    expect(t.optionBytes.length).to.equal(20);
  });

  it("write in place, for rewriting a live packet without a full re-encode", () => {
    const b = fixtureBytes(fixtures.v4Ack);
    const ip = new Ipv4Header(b);
    const t = new TcpHeader(b, 20);
    ip.src = "10.1.2.3";
    ip.ttl = 3;
    t.srcPort = 1234;
    t.seq = seq(0xfffffffe);
    t.flagBits = tcpFlagBits(tcpFlags({ fin: true, ack: true, ae: true }));
    t.dataOffset = 8;
    const p = decodePacket(b);
    expect(p.ip).to.deep.include({ src: "10.1.2.3", ttl: 3 });
    expect(p.l4.protocol === "tcp" && p.l4.tcp).to.deep.include({ srcPort: 1234, seq: 0xfffffffe });
    expect(p.l4.protocol === "tcp" && p.l4.tcp.flags).to.deep.equal(tcpFlags({ fin: true, ack: true, ae: true }));
    // Views do not fix checksums: that is the encoder's job (or the caller's, on purpose).
    expect(checkChecksums(b)).to.deep.equal({ ip: false, l4: false });
    ip.checksum = ip.computeChecksum();
    expect(checkChecksums(b).ip).to.equal(true);
  });

  it("read IPv6, UDP and ICMP headers", () => {
    const b6 = fixtureBytes(fixtures.v6UdpClosed);
    const h6 = new Ipv6Header(b6);
    expect([h6.version, h6.payloadLength, h6.nextHeader, h6.hopLimit, h6.trafficClass, h6.src, h6.dst]).to.deep.equal([6, 19, 17, 64, 0, "fd3d:fa7b:d17d::1", "fd3d:a0b:17d6::1"]);
    h6.setClassAndFlow(0xb9, 0xabcde);
    expect([h6.version, h6.trafficClass, h6.flowLabel]).to.deep.equal([6, 0xb9, 0xabcde]);
    const u = new UdpHeader(b6, 40);
    expect([u.srcPort, u.dstPort, u.length]).to.deep.equal([5000, 5002, 19]);
    const i = new IcmpHeader(fixtureBytes(fixtures.v6EchoRequest), 40);
    expect([i.type, i.code, i.rest]).to.deep.equal([128, 0, 0x12340001]);
  });

  it("share one frozen flags value per combination", () => {
    expect(tcpFlags({ syn: true })).to.equal(tcpFlagsFromBits(0x002));
    expect(Object.isFrozen(tcpFlags())).to.equal(true);
    for (let bits = 0; bits < 512; bits++) expect(tcpFlagBits(tcpFlagsFromBits(bits))).to.equal(bits);
  });
});

describe("lib/wire builders", () => {
  it("fill in Linux-like defaults", () => {
    expect(ipv4({ src: "10.0.0.1", dst: "10.0.0.2" })).to.deep.include({ version: 4, protocol: 6, ttl: 64, tos: 0, dontFragment: true, fragmentOffset: 0 });
    expect(ipv6({ src: "::1", dst: "::2" })).to.deep.include({ version: 6, protocol: 6, hopLimit: 64, trafficClass: 0, flowLabel: 0, extensionHeaders: [] });
    expect(tcp()).to.deep.include({ srcPort: 0, seq: 0, ack: 0, window: 65535, urgentPointer: 0, options: [] });
    expect(icmp({ version: 6 })).to.deep.include({ type: 128, code: 0 });
    expect(ipFor("192.0.2.1", "192.168.0.1").version).to.equal(4);
    expect(ipFor("fd3d::1", "fd3d::2").version).to.equal(6);
  });

  it("set the IP protocol to match the upper layer", () => {
    const v4 = ipv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 99 });
    const v6 = ipv6({ src: "::1", dst: "::2" });
    expect(tcpPacket(v4, tcp()).ip.protocol).to.equal(6);
    expect(udpPacket(v4, udp()).ip.protocol).to.equal(17);
    expect(icmpPacket(v4, icmp({ version: 4 })).ip.protocol).to.equal(1);
    const p6 = icmpPacket(v6, { type: 1, code: 4, rest: 0, payload: new Uint8Array(0) });
    expect(p6.ip.protocol).to.equal(58);
    expect(p6.l4.protocol === "icmp" && p6.l4.icmp.version).to.equal(6);
  });
});
