import { expect } from "chai";
import { fixtureBytes, fixtures } from "../../fixtures/wire/kernel-captures";
import { hex } from "./helpers";
import { DecodeError } from "../../../lib/wire/errors";
import { formatPacket } from "../../../lib/wire/format";
import { checkChecksums, decodePacket, encodePacket, packetLength } from "../../../lib/wire/packet";
import type { PacketRepr } from "../../../lib/wire/types";

const RUNS = 100_000;

/** xorshift32: small, fast, and reproducible from the printed seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

const SEED = process.env.WIRE_FUZZ_SEED !== undefined ? Number(process.env.WIRE_FUZZ_SEED) : (Date.now() ^ (process.pid << 16)) >>> 0;

/** Byte offsets worth corrupting: length and offset fields, where parsers go wrong. */
function lengthFields(b: Uint8Array): number[] {
  if (b.length === 0) return [0];
  if (b[0]! >>> 4 === 6) return [0, 4, 5, 6, 40, 41, 52, 53, 44, 45, 60, 61];
  const l4 = (b[0]! & 0x0f) * 4;
  return [0, 2, 3, 6, 9, l4 + 4, l4 + 5, l4 + 12, 21 + l4, l4 + 20, l4 + 21, l4 + 22, l4 + 23];
}

function mutate(base: Uint8Array, rand: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n);
  switch (int(6)) {
    case 0: {
      // Bit flips.
      const b = base.slice();
      for (let i = 1 + int(4); i > 0; i--) b[int(b.length)]! ^= 1 << int(8);
      return b;
    }
    case 1:
      // Truncation.
      return base.slice(0, int(base.length + 1));
    case 2: {
      // Length and offset fields set to anything.
      const b = base.slice();
      for (let i = 1 + int(3); i > 0; i--) {
        const fields = lengthFields(b);
        const at = fields[int(fields.length)]!;
        if (at < b.length) b[at] = int(256);
      }
      return b;
    }
    case 3: {
      // Random bytes in the option space (TCP) or just after the headers.
      const b = base.slice();
      const from = b[0]! >>> 4 === 6 ? 60 : 40;
      for (let i = from; i < b.length && i < from + 40; i++) if (rand() < 0.5) b[i] = int(256);
      return b;
    }
    case 4: {
      // Spliced: a prefix of one packet, the rest of another.
      const other = POOL[int(POOL.length)]!;
      const cut = int(Math.min(base.length, other.length) + 1);
      const b = new Uint8Array(other.length);
      b.set(other);
      b.set(base.subarray(0, cut));
      return b;
    }
    default: {
      // Pure noise, usually with a plausible version nibble so it gets past the first check.
      const b = new Uint8Array(int(120));
      for (let i = 0; i < b.length; i++) b[i] = int(256);
      if (b.length > 0 && rand() < 0.8) b[0] = rand() < 0.5 ? 0x45 : 0x60;
      return b;
    }
  }
}

const POOL: Uint8Array[] = Object.values(fixtures).map(fixtureBytes);

describe("lib/wire fuzz", function () {
  this.timeout(60_000);

  it(`${RUNS} random and mutated buffers: only DecodeError escapes, and whatever decodes re-encodes (seed via WIRE_FUZZ_SEED)`, () => {
    const rand = prng(SEED);
    let decoded = 0;
    const codes = new Map<string, number>();
    for (let i = 0; i < RUNS; i++) {
      const base = POOL[Math.floor(rand() * POOL.length)]!;
      const input = mutate(base, rand);
      const where = `seed ${SEED}, case ${i}, input ${hex(input)}`;
      let p: PacketRepr;
      try {
        p = decodePacket(input);
      } catch (e) {
        if (!(e instanceof DecodeError)) expect.fail(`decodePacket threw ${String(e)} (${where})`);
        if (e.offset < 0 || e.offset > input.length) expect.fail(`offset ${e.offset} outside the input (${where})`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        try {
          checkChecksums(input);
        } catch (e2) {
          if (!(e2 instanceof DecodeError)) expect.fail(`checkChecksums threw ${String(e2)} (${where})`);
        }
        continue;
      }
      decoded++;
      try {
        const again = encodePacket(p);
        if (again.length !== packetLength(p)) expect.fail(`length ${again.length} != packetLength ${packetLength(p)} (${where})`);
        // A second round is stable: decoding what we encoded gives the same bytes again.
        const third = encodePacket(decodePacket(again));
        if (hex(third) !== hex(again)) expect.fail(`re-encoding is not stable (${where})`);
        formatPacket(p);
        checkChecksums(input);
      } catch (e) {
        expect.fail(`decoded input failed later: ${String(e)} (${where})`);
      }
    }
    // The mix must exercise both sides, or the spec proves nothing.
    expect(decoded, `seed ${SEED}`).to.be.above(RUNS / 10);
    expect(codes.size, `seed ${SEED}: codes seen ${[...codes.keys()].join(", ")}`).to.be.at.least(12);
  });
});
