import { expect } from "chai";
import { fixtureBytes, fixtures, type FixtureName } from "../../fixtures/wire/kernel-captures";
import { hex, roundTrip } from "./helpers";
import { icmpPacket, ipv4, ipv6, tcp, tcpFlags, tcpPacket, udp, udpPacket } from "../../../lib/wire/build";
import { checkChecksums, decodePacket, encodePacket, packetLength } from "../../../lib/wire/packet";
import { seq } from "../../../lib/wire/seq";
import type { PacketRepr, TcpRepr } from "../../../lib/wire/types";

const names = Object.keys(fixtures) as FixtureName[];

function tcpOf(p: PacketRepr): TcpRepr {
  if (p.l4.protocol !== "tcp") throw new Error(`not TCP: ${p.l4.protocol}`);
  return p.l4.tcp;
}

/** The checksum fields zeroed: what the encoder must fill in again. */
function withoutChecksums(bytes: Uint8Array): Uint8Array {
  const b = bytes.slice();
  const v4 = b[0]! >>> 4 === 4;
  const l4 = v4 ? (b[0]! & 0x0f) * 4 : 40;
  const proto = v4 ? b[9]! : b[6]!;
  if (v4) b[10] = b[11] = 0;
  const at = proto === 6 ? 16 : proto === 17 ? 6 : 2;
  b[l4 + at] = b[l4 + at + 1] = 0;
  return b;
}

describe("lib/wire codec: kernel captures", () => {
  for (const name of names) {
    const f = fixtures[name];
    it(`${name}: decodes and re-encodes to the kernel's exact bytes`, () => {
      const bytes = fixtureBytes(f);
      const p = decodePacket(bytes);
      expect(packetLength(p)).to.equal(bytes.length);
      expect(hex(encodePacket(p))).to.equal(f.hex);
      roundTrip(p);
    });

    it(`${name}: computes the same checksums as the kernel`, () => {
      const bytes = fixtureBytes(f);
      const ok = checkChecksums(bytes);
      expect(ok.ip).to.equal(bytes[0]! >>> 4 === 4 ? true : null);
      expect(ok.l4).to.equal(true);
      // Decoding ignores the checksum fields; encoding recomputes them to the kernel's values.
      const zeroed = withoutChecksums(bytes);
      const udpOverV4 = bytes[0]! >>> 4 === 4 && bytes[9] === 17;
      // A zero UDP checksum over IPv4 means "none" (RFC 768), so it passes.
      expect(checkChecksums(zeroed).l4).to.equal(udpOverV4);
      expect(hex(encodePacket(decodePacket(zeroed)))).to.equal(f.hex);
    });
  }

  it("reads every field of the IPv4 SYN", () => {
    const p = decodePacket(fixtureBytes(fixtures.v4Syn));
    expect(p.ip).to.deep.include({ version: 4, src: "192.0.2.1", dst: "192.168.0.1", protocol: 6, ttl: 64, tos: 0, dontFragment: true, moreFragments: false, fragmentOffset: 0 });
    expect(p.ip.version === 4 && p.ip.options.length).to.equal(0);
    const t = tcpOf(p);
    expect(t).to.deep.include({ srcPort: 40000, dstPort: 8080, seq: fixtures.v4Syn.isns.remoteIsn, ack: 0, window: 64240, urgentPointer: 0 });
    expect(t.flags).to.deep.equal(tcpFlags({ syn: true }));
    expect(t.payload.length).to.equal(0);
    expect(t.options.map((o) => o.kind)).to.deep.equal(["mss", "sackOK", "timestamp", "nop", "wscale"]);
    expect(t.options[0]).to.deep.equal({ kind: "mss", mss: 1460 });
    expect(t.options[4]).to.deep.equal({ kind: "wscale", shift: 10 });
    expect(t.options[2]).to.have.property("ecr", 0);
  });

  it("keeps Linux's option order for a SYN without timestamps", () => {
    const t = tcpOf(decodePacket(fixtureBytes(fixtures.v4SynNots)));
    expect(t.options.map((o) => o.kind)).to.deep.equal(["mss", "nop", "nop", "sackOK", "nop", "wscale"]);
  });

  it("reads the IPv6 header and the ECN codepoint", () => {
    const p = decodePacket(fixtureBytes(fixtures.v6Synack));
    expect(p.ip).to.deep.include({ version: 6, src: "fd3d:a0b:17d6::1", dst: "fd3d:fa7b:d17d::1", protocol: 6, hopLimit: 64, trafficClass: 0 });
    expect(p.ip.version === 6 && p.ip.extensionHeaders).to.deep.equal([]);
    expect(p.ip.version === 6 && p.ip.flowLabel).to.be.within(1, 0xfffff);
    const ecn = decodePacket(fixtureBytes(fixtures.v4EcnData));
    expect(ecn.ip.version === 4 && ecn.ip.tos & 3).to.equal(2); // ECT(0)
    expect(tcpOf(decodePacket(fixtureBytes(fixtures.v4EcnSyn))).flags).to.deep.equal(tcpFlags({ syn: true, ece: true, cwr: true }));
  });

  it("gives payloads as views of the input, not copies", () => {
    const bytes = fixtureBytes(fixtures.v4Data);
    const t = tcpOf(decodePacket(bytes));
    expect(t.payload.length).to.equal(1000);
    expect(t.payload.buffer).to.equal(bytes.buffer);
    expect(t.payload.byteOffset).to.equal(52);
  });

  it("decodes UDP and ICMP with the quoted datagram", () => {
    const u = decodePacket(fixtureBytes(fixtures.v4Udp));
    expect(u.l4.protocol === "udp" && u.l4.udp).to.deep.include({ srcPort: 5000, dstPort: 5001 });
    expect(u.l4.protocol === "udp" && Buffer.from(u.l4.udp.payload).toString()).to.equal("hello, udp");
    const i4 = decodePacket(fixtureBytes(fixtures.v4IcmpPortUnreach));
    expect(i4.l4.protocol === "icmp" && i4.l4.icmp).to.deep.include({ version: 4, type: 3, code: 3, rest: 0 });
    // The quote is the whole offending datagram, as sent.
    expect(i4.l4.protocol === "icmp" && hex(i4.l4.icmp.payload)).to.equal(fixtures.v4UdpClosed.hex);
    const i6 = decodePacket(fixtureBytes(fixtures.v6IcmpPortUnreach));
    expect(i6.l4.protocol === "icmp" && i6.l4.icmp).to.deep.include({ version: 6, type: 1, code: 4 });
    expect(i6.l4.protocol === "icmp" && hex(i6.l4.icmp.payload)).to.equal(fixtures.v6UdpClosed.hex);
    const echo = decodePacket(fixtureBytes(fixtures.v6EchoReply));
    expect(echo.l4.protocol === "icmp" && echo.l4.icmp).to.deep.include({ type: 129, code: 0, rest: 0x12340001 });
  });
});

describe("lib/wire codec: building and round-tripping", () => {
  const v4 = ipv4({ src: "192.168.0.1", dst: "192.0.2.1" });
  const v6 = ipv6({ src: "fd3d:a0b:17d6::1", dst: "fd3d:fa7b:d17d::1" });

  it("round-trips TCP over IPv4 and IPv6 with every option kind", () => {
    const segment = tcp({
      srcPort: 8080,
      dstPort: 40000,
      seq: seq(0xfffffff0),
      ack: seq(7),
      flags: { ack: true, psh: true, ece: true, cwr: true, ae: true, urg: true },
      window: 1234,
      urgentPointer: 5,
      // 18 + 2 + 11 + 1 = 32 bytes: no padding, so the decoded list equals this one.
      options: [
        { kind: "md5", digest: new Uint8Array(16).fill(0xab) },
        { kind: "nop" },
        { kind: "nop" },
        { kind: "accecn", order: 1, counters: [1, 0xffffff, 3] },
        { kind: "nop" },
      ],
      payload: new Uint8Array([1, 2, 3, 4, 5]),
    });
    for (const ip of [v4, v6]) expect(decodePacket(roundTrip(tcpPacket(ip, segment)))).to.deep.equal(tcpPacket(ip, segment));
  });

  it("round-trips UDP and ICMP over both versions", () => {
    const d = udp({ srcPort: 53, dstPort: 5353, payload: new Uint8Array([9, 8, 7]) });
    roundTrip(udpPacket(v4, d));
    roundTrip(udpPacket(v6, d));
    roundTrip(icmpPacket(v4, { type: 3, code: 4, rest: 1400, payload: fixtureBytes(fixtures.v4Data).subarray(0, 28) }));
    roundTrip(icmpPacket(v6, { type: 2, code: 0, rest: 1280, payload: fixtureBytes(fixtures.v6Data).subarray(0, 48) }));
  });

  it("round-trips IPv4 options, padding them to 32 bits", () => {
    // Record route (RFC 791): 7 bytes, padded with one zero.
    const opts = new Uint8Array([7, 7, 4, 0, 0, 0, 0]);
    const bytes = encodePacket(tcpPacket(ipv4({ src: "10.0.0.1", dst: "10.0.0.2", options: opts }), tcp({ flags: { syn: true } })));
    expect(bytes[0]).to.equal(0x47);
    const back = decodePacket(bytes);
    expect(back.ip.version === 4 && hex(back.ip.options)).to.equal("0707040000000000");
    roundTrip(back);
    expect(checkChecksums(bytes)).to.deep.equal({ ip: true, l4: true });
  });

  it("skips IPv6 extension headers and keeps them raw", () => {
    const exts = [
      { type: 0, body: new Uint8Array([1, 4, 0, 0, 0, 0]) }, // hop-by-hop, PadN
      { type: 60, body: new Uint8Array(14).fill(0).fill(1, 0, 1).fill(12, 1, 2) }, // destination options
      { type: 43, body: new Uint8Array([4, 0, 0, 0, 0, 0]) }, // routing, segments left 0
      { type: 44, body: new Uint8Array([0, 0, 0, 0, 0x12, 0x34]) }, // fragment, offset 0, M = 0
    ];
    const p = tcpPacket(ipv6({ src: "2001:db8::1", dst: "2001:db8::2", extensionHeaders: exts }), tcp({ flags: { syn: true }, seq: seq(1) }));
    const bytes = roundTrip(p);
    expect(bytes[6]).to.equal(0); // next header: hop-by-hop
    expect(decodePacket(bytes)).to.deep.equal(p);
    expect(checkChecksums(bytes)).to.deep.equal({ ip: null, l4: true });
  });

  it("treats fragments as opaque: a non-first or not-last fragment has no whole TCP header", () => {
    const frag = encodePacket(tcpPacket(ipv4({ src: "10.0.0.1", dst: "10.0.0.2", moreFragments: true }), tcp({ payload: new Uint8Array(8) })));
    const p = decodePacket(frag);
    expect(p.l4.protocol).to.equal("other");
    expect(p.l4.protocol === "other" && p.l4.number).to.equal(6);
    expect(hex(encodePacket(p))).to.equal(hex(frag));
    expect(checkChecksums(frag).l4).to.equal(null);
    const exts = [{ type: 44, body: new Uint8Array([0, 8, 0, 0, 0, 1]) }]; // offset 1 (8 bytes)
    const f6 = decodePacket(encodePacket({ ip: ipv6({ src: "::1", dst: "::2", extensionHeaders: exts }), l4: { protocol: "other", number: 6, payload: new Uint8Array(8) } }));
    expect(f6.l4.protocol).to.equal("other");
  });

  it("keeps unknown protocols and the reserved TCP bits", () => {
    roundTrip({ ip: ipv4({ src: "10.0.0.1", dst: "10.0.0.2", protocol: 132 }), l4: { protocol: "other", number: 132, payload: new Uint8Array([1, 2, 3]) } });
    const bytes = roundTrip(tcpPacket(v4, tcp({ reservedBits: 5, flags: { ack: true } })));
    expect(bytes[32]! & 0x0e).to.equal(10);
    expect(tcpOf(decodePacket(bytes)).reservedBits).to.equal(5);
  });

  it("sends a computed UDP checksum of 0 as 0xffff (RFC 768)", () => {
    // Find a payload whose checksum comes out 0: the 2-byte payload is the complement.
    const base = encodePacket(udpPacket(v4, udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(2) })));
    const c = (base[26]! << 8) | base[27]!;
    const payload = new Uint8Array([c >>> 8, c & 0xff]);
    const bytes = encodePacket(udpPacket(v4, udp({ srcPort: 1, dstPort: 2, payload })));
    expect((bytes[26]! << 8) | bytes[27]!).to.equal(0xffff);
    expect(checkChecksums(bytes).l4).to.equal(true);
  });

  it("treats a zero UDP checksum as absent over IPv4 and invalid over IPv6", () => {
    const d = udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array([1]) });
    expect(checkChecksums(encodePacket(udpPacket(v4, d), { l4Checksum: 0 })).l4).to.equal(true);
    expect(checkChecksums(encodePacket(udpPacket(v6, d), { l4Checksum: 0 })).l4).to.equal(false);
  });

  it("refuses reprs it cannot encode, with RangeError", () => {
    const tooMany = tcp({ options: Array.from({ length: 5 }, () => ({ kind: "timestamp" as const, val: 1, ecr: 2 })) });
    expect(() => encodePacket(tcpPacket(v4, tooMany))).to.throw(RangeError, /at most 40/);
    expect(() => encodePacket(tcpPacket(ipv4({ src: "10.0.0.256", dst: "10.0.0.1" }), tcp()))).to.throw(RangeError, /invalid IP address/);
    expect(() => encodePacket(tcpPacket(ipv4({ src: "::1", dst: "10.0.0.1" }), tcp()))).to.throw(RangeError, /not an IPv4/);
    const small = new Uint8Array(30);
    expect(() => encodePacket(tcpPacket(v4, tcp({ payload: new Uint8Array(70000) })))).to.throw(RangeError, /too long/);
    expect(() => require("../../../lib/wire/packet").encodePacketInto(tcpPacket(v4, tcp()), small, 0)).to.throw(RangeError, /need 40 bytes/);
  });
});

describe("lib/wire codec: sequence numbers across 2^32", () => {
  it("keeps seq, ack and SACK blocks exact across the wrap", () => {
    const top = seq(0xffff_ff00);
    const blocks = [
      { left: seq(0xffff_fff0), right: seq(0x10) },
      { left: seq(0x20), right: seq(0x30) },
    ];
    const p = tcpPacket(
      ipv4({ src: "192.168.0.1", dst: "192.0.2.1" }),
      tcp({ seq: top, ack: seq(0xffff_ffff), flags: { ack: true }, options: [{ kind: "nop" }, { kind: "nop" }, { kind: "sack", blocks }], payload: new Uint8Array(0x200) }),
    );
    const t = tcpOf(decodePacket(roundTrip(p)));
    expect(t.seq).to.equal(0xffff_ff00);
    expect(t.ack).to.equal(0xffff_ffff);
    expect(t.options[2]).to.deep.equal({ kind: "sack", blocks });
  });
});
