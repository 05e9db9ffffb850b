import { expect } from "chai";
import { fixtureBytes, fixtures } from "../../fixtures/wire/kernel-captures";
import { DecodeError, type DecodeErrorCode } from "../../../lib/wire/errors";
import { checkChecksums, decodePacket, encodePacket } from "../../../lib/wire/packet";
import { ipv6, tcp, tcpPacket } from "../../../lib/wire/build";

interface Case {
  readonly name: string;
  readonly bytes: () => Uint8Array;
  readonly code: DecodeErrorCode;
  readonly offset: number;
}

/** A copy of a fixture with some bytes changed. */
function patched(hexFixture: { readonly hex: string }, edits: Record<number, number>, length?: number): () => Uint8Array {
  return () => {
    const b = new Uint8Array(Buffer.from(hexFixture.hex, "hex"));
    for (const [at, v] of Object.entries(edits)) b[Number(at)] = v;
    return length === undefined ? b : b.slice(0, length);
  };
}

/** An IPv6 TCP SYN with extension headers, then edited. */
function v6WithExtensions(exts: { type: number; body: Uint8Array }[], edits: Record<number, number> = {}, length?: number): () => Uint8Array {
  return () => {
    const b = encodePacket(tcpPacket(ipv6({ src: "2001:db8::1", dst: "2001:db8::2", extensionHeaders: exts }), tcp({ flags: { syn: true } })));
    for (const [at, v] of Object.entries(edits)) b[Number(at)] = v;
    return length === undefined ? b : b.slice(0, length);
  };
}

const hopByHop = { type: 0, body: new Uint8Array([1, 4, 0, 0, 0, 0]) };

// v4Ack: IPv4 header 0..19, TCP 20..51 (data offset 8 at byte 32, options 40..51).
// v6Ack: IPv6 header 0..39, TCP 40..71. v4Udp: UDP 20..27, 10 payload bytes.
const CASES: readonly Case[] = [
  { name: "empty buffer", bytes: () => new Uint8Array(0), code: "truncated-ip-header", offset: 0 },
  { name: "IPv4 header cut at 19 bytes", bytes: patched(fixtures.v4Ack, {}, 19), code: "truncated-ip-header", offset: 0 },
  { name: "version 5", bytes: patched(fixtures.v4Ack, { 0: 0x55 }), code: "bad-ip-version", offset: 0 },
  { name: "version 0", bytes: () => new Uint8Array(40), code: "bad-ip-version", offset: 0 },
  { name: "IHL 4", bytes: patched(fixtures.v4Ack, { 0: 0x44 }), code: "bad-ihl", offset: 0 },
  { name: "IHL 15 beyond a 52-byte packet", bytes: patched(fixtures.v4Ack, { 0: 0x4f }), code: "truncated-ip-header", offset: 0 },
  { name: "total length below the header", bytes: patched(fixtures.v4Ack, { 2: 0, 3: 19 }), code: "bad-ip-length", offset: 2 },
  { name: "total length beyond the buffer", bytes: patched(fixtures.v4Ack, { 2: 0, 3: 53 }), code: "truncated-ip-payload", offset: 2 },
  { name: "IPv4 datagram cut short", bytes: patched(fixtures.v4Data, {}, 600), code: "truncated-ip-payload", offset: 2 },
  { name: "IPv6 header cut at 39 bytes", bytes: patched(fixtures.v6Ack, {}, 39), code: "truncated-ip-header", offset: 0 },
  { name: "IPv6 payload length beyond the buffer", bytes: patched(fixtures.v6Ack, { 4: 0, 5: 33 }), code: "truncated-ip-payload", offset: 4 },
  { name: "IPv6 extension header cut short", bytes: v6WithExtensions([hopByHop], { 5: 4 }, 44), code: "truncated-extension-header", offset: 40 },
  { name: "IPv6 extension header longer than the payload", bytes: v6WithExtensions([hopByHop], { 41: 5 }), code: "truncated-extension-header", offset: 40 },
  { name: "IPv6 fragment header with its reserved byte set", bytes: v6WithExtensions([{ type: 44, body: new Uint8Array(6) }], { 41: 1 }), code: "bad-extension-header", offset: 41 },
  { name: "TCP header under 20 bytes", bytes: patched(fixtures.v4Ack, { 2: 0, 3: 39 }, 39), code: "truncated-tcp-header", offset: 20 },
  { name: "TCP header under 20 bytes (IPv6)", bytes: patched(fixtures.v6Ack, { 4: 0, 5: 19 }, 59), code: "truncated-tcp-header", offset: 40 },
  { name: "TCP data offset 4", bytes: patched(fixtures.v4Ack, { 32: 0x40 }), code: "bad-data-offset", offset: 32 },
  { name: "TCP data offset 0", bytes: patched(fixtures.v4Ack, { 32: 0x00 }), code: "bad-data-offset", offset: 32 },
  { name: "TCP data offset beyond the segment", bytes: patched(fixtures.v4Ack, { 32: 0xf0 }), code: "bad-data-offset", offset: 32 },
  { name: "TCP data offset beyond the segment (IPv6)", bytes: patched(fixtures.v6Ack, { 52: 0x90 }), code: "bad-data-offset", offset: 52 },
  // <nop,nop,TS>: the TS option's length byte is at 43.
  { name: "option length 1", bytes: patched(fixtures.v4Ack, { 43: 1 }), code: "bad-option-length", offset: 43 },
  { name: "option length 0", bytes: patched(fixtures.v4Ack, { 43: 0 }), code: "bad-option-length", offset: 43 },
  { name: "option running past the header", bytes: patched(fixtures.v4Ack, { 43: 11 }), code: "truncated-option", offset: 42 },
  { name: "option kind in the last byte, no length", bytes: patched(fixtures.v4Ack, { 40: 8, 41: 10, 50: 1, 51: 2 }), code: "truncated-option", offset: 51 },
  { name: "UDP header under 8 bytes", bytes: patched(fixtures.v4Udp, { 2: 0, 3: 27 }, 27), code: "truncated-udp-header", offset: 20 },
  { name: "UDP length field too small", bytes: patched(fixtures.v4Udp, { 25: 17 }), code: "bad-udp-length", offset: 24 },
  { name: "UDP length field too large", bytes: patched(fixtures.v4Udp, { 25: 19 }), code: "bad-udp-length", offset: 24 },
  { name: "UDP length field too small (IPv6)", bytes: patched(fixtures.v6UdpClosed, { 45: 18 }), code: "bad-udp-length", offset: 44 },
  { name: "ICMP header under 8 bytes", bytes: patched(fixtures.v4IcmpPortUnreach, { 2: 0, 3: 27 }, 27), code: "truncated-icmp-header", offset: 20 },
  { name: "ICMPv6 header under 8 bytes", bytes: patched(fixtures.v6EchoReply, { 4: 0, 5: 7 }, 47), code: "truncated-icmp-header", offset: 40 },
];

function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error("expected a DecodeError, got none");
}

describe("lib/wire malformed input", () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.code} at byte ${c.offset}`, () => {
      const err = decodeError(() => decodePacket(c.bytes()));
      expect(err.code).to.equal(c.code);
      expect(err.offset).to.equal(c.offset);
      expect(err.message).to.match(new RegExp(`^${c.code} at byte ${c.offset}`));
    });
  }

  it("checkChecksums fails the same way when it cannot find the headers", () => {
    for (const c of CASES) {
      // Option and UDP-length faults do not stop checksum verification; header faults do.
      if (c.code === "bad-option-length" || c.code === "truncated-option" || c.code === "bad-udp-length" || c.code === "bad-data-offset") continue;
      const err = decodeError(() => checkChecksums(c.bytes()));
      expect(err.code, c.name).to.equal(c.code);
      expect(err.offset, c.name).to.equal(c.offset);
    }
  });

  it("ignores bytes after the IP total length (link-layer padding), as Linux does", () => {
    const padded = new Uint8Array(fixtureBytes(fixtures.v4RstAck).length + 6);
    padded.set(fixtureBytes(fixtures.v4RstAck));
    const p = decodePacket(padded);
    expect(Buffer.from(encodePacket(p)).toString("hex")).to.equal(fixtures.v4RstAck.hex);
    expect(checkChecksums(padded)).to.deep.equal({ ip: true, l4: true });
  });
});
