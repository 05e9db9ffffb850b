import { expect } from "chai";
import { fromHex, hex, roundTrip } from "./helpers";
import { ipv4, ipv6, tcp, tcpPacket, udp, udpPacket, icmpPacket } from "../../../lib/wire/build";
import { DecodeError } from "../../../lib/wire/errors";
import { formatPacket } from "../../../lib/wire/format";
import { checkChecksums, decodePacket, encodePacket, packetLength } from "../../../lib/wire/packet";
import { seq } from "../../../lib/wire/seq";
import type { PacketRepr } from "../../../lib/wire/types";

const v4 = ipv4({ src: "192.0.2.1", dst: "192.168.0.1" });
const v6 = ipv6({ src: "fd3d:fa7b:d17d::1", dst: "fd3d:a0b:17d6::1" });
const syn = tcp({ srcPort: 40000, dstPort: 8080, seq: seq(0), flags: { syn: true }, window: 65535, options: [{ kind: "mss", mss: 1000 }] });
const data = tcp({ srcPort: 40000, dstPort: 8080, seq: seq(1), ack: seq(1), flags: { ack: true }, window: 257, payload: new Uint8Array(10).fill(0x41) });

function decodeFails(bytes: Uint8Array): DecodeError {
  try {
    decodePacket(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error("decoded, but should not have");
}

describe("lib/wire encode overrides (deliberately malformed packets)", () => {
  it("a forced TCP/UDP/ICMP checksum is written verbatim and fails verification", () => {
    for (const p of [tcpPacket(v4, data), tcpPacket(v6, data), udpPacket(v4, udp({ payload: new Uint8Array(3) })), icmpPacket(v6, { type: 128, code: 0, rest: 1, payload: new Uint8Array(4) })] as PacketRepr[]) {
      const good = encodePacket(p);
      const bad = roundTrip(p, { l4Checksum: 0xbeef });
      expect(checkChecksums(good).l4).to.equal(true);
      expect(checkChecksums(bad).l4).to.equal(false);
      const at = (p.ip.version === 4 ? 20 : 40) + (p.l4.protocol === "tcp" ? 16 : p.l4.protocol === "udp" ? 6 : 2);
      expect((bad[at]! << 8) | bad[at + 1]!).to.equal(0xbeef);
      // Still decodes to the same meaning: checksums are not part of the repr.
      expect(decodePacket(bad)).to.deep.equal(decodePacket(good));
    }
  });

  it("a forced IPv4 header checksum fails verification", () => {
    const bad = roundTrip(tcpPacket(v4, syn), { ipChecksum: 0x1234 });
    expect(hex(bad.subarray(10, 12))).to.equal("1234");
    expect(checkChecksums(bad)).to.deep.equal({ ip: false, l4: true });
  });

  it("a data offset below 5 or beyond the segment decodes as bad-data-offset", () => {
    const low = encodePacket(tcpPacket(v4, syn), { tcpDataOffset: 4 });
    expect(low[32]! >>> 4).to.equal(4);
    expect(decodeFails(low)).to.include({ code: "bad-data-offset", offset: 32 });
    const high = encodePacket(tcpPacket(v6, syn), { tcpDataOffset: 15 });
    expect(decodeFails(high)).to.include({ code: "bad-data-offset", offset: 52 });
    // The checksum still covers what was sent, so only the header is wrong.
    expect(checkChecksums(high).l4).to.equal(true);
  });

  it("a data offset that swallows payload bytes makes them options", () => {
    // Offset 6 on a segment without options: the first 4 payload bytes (0x41 = kind 65, length 65) become options.
    const bytes = encodePacket(tcpPacket(v4, data), { tcpDataOffset: 6 });
    expect(decodeFails(bytes)).to.include({ code: "truncated-option", offset: 40 });
  });

  it("raw option bytes replace the options, unpadded, and decode as such", () => {
    // MSS with length 3 (impossible), then NOP: kept raw.
    const raw = fromHex("020305" + "01");
    const bytes = roundTrip(tcpPacket(v4, syn), { tcpRawOptions: raw });
    expect(bytes[32]! >>> 4).to.equal(6);
    expect(hex(bytes.subarray(40, 44))).to.equal("02030501");
    const p = decodePacket(bytes);
    expect(formatPacket(p)).to.equal("S 0:0(0) win 65535 <opt 2 05,nop>");
    // An option length of 1 is refused by the decoder, at the length byte.
    expect(decodeFails(encodePacket(tcpPacket(v4, syn), { tcpRawOptions: fromHex("08010000") }))).to.include({ code: "bad-option-length", offset: 41 });
    // Unpadded: 3 raw bytes leave the header 23 bytes long, so the data offset (6) reaches into the payload.
    const odd = encodePacket(tcpPacket(v4, data), { tcpRawOptions: fromHex("010101") });
    expect(odd.length).to.equal(20 + 23 + 10);
    expect(odd[32]! >>> 4).to.equal(6);
  });

  it("a forced IP length beyond the datagram decodes as truncated-ip-payload", () => {
    const p = tcpPacket(v4, syn);
    const n = packetLength(p);
    expect(decodeFails(encodePacket(p, { ipLength: n + 4 }))).to.include({ code: "truncated-ip-payload", offset: 2 });
    expect(decodeFails(encodePacket(tcpPacket(v6, syn), { ipLength: 100 }))).to.include({ code: "truncated-ip-payload", offset: 4 });
    // Shorter than the segment: the TCP header's data offset now overruns it.
    expect(decodeFails(encodePacket(p, { ipLength: 40 }))).to.include({ code: "bad-data-offset", offset: 32 });
  });
});
