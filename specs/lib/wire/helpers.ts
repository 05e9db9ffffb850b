/**
 * Shared spec helpers for lib/wire: the dns-packet style round trip and byte utilities.
 */
import { expect } from "chai";
import { decodePacket, encodePacket, encodePacketInto, packetLength } from "../../../lib/wire/packet";
import type { EncodeOverrides, PacketRepr } from "../../../lib/wire/types";

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
}

/**
 * encode → decode → re-encode: the bytes and the announced length agree, and encoding into a
 * bigger buffer at odd and even non-zero offsets writes the same bytes and nothing around them
 * (which also exercises the checksum's unaligned paths). Returns the encoding.
 */
export function roundTrip(p: PacketRepr, overrides?: EncodeOverrides): Uint8Array {
  const len = packetLength(p, overrides);
  const bytes = encodePacket(p, overrides);
  expect(bytes.length, "packetLength").to.equal(len);
  const again = encodePacket(decodePacket(bytes), overrides);
  expect(hex(again), "re-encode of decode").to.equal(hex(bytes));
  for (const offset of [1, 2, 3, 4, 13]) {
    const big = new Uint8Array(len + offset + 7).fill(0xa5);
    expect(encodePacketInto(p, big, offset, overrides), `length at offset ${offset}`).to.equal(len);
    expect(hex(big.subarray(offset, offset + len)), `bytes at offset ${offset}`).to.equal(hex(bytes));
    expect(big[offset - 1], "byte before").to.equal(0xa5);
    expect(big[offset + len], "byte after").to.equal(0xa5);
    // Decoding from a view with a non-zero byteOffset gives the same packet back.
    expect(hex(encodePacket(decodePacket(big.subarray(offset, offset + len)), overrides)), `decode at offset ${offset}`).to.equal(hex(bytes));
  }
  return bytes;
}
