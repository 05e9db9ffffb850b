import { expect } from "chai";
import { fromHex } from "./helpers";
import { finishChecksum, internetChecksum, onesSum, pseudoHeaderSum } from "../../../lib/wire/checksum";

/** RFC 1071 done the slow, obvious way: 16-bit big-endian words, end-around carry. */
function reference(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) {
    sum += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[i] = s & 0xff;
  }
  return b;
}

describe("lib/wire checksum", () => {
  it("matches RFC 1071's worked example", () => {
    // §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, so the checksum is 220d.
    const bytes = fromHex("0001f203f4f5f6f7");
    expect(onesSum(bytes, 0, 8)).to.equal(0xddf2);
    expect(internetChecksum(bytes)).to.equal(0x220d);
  });

  it("is 0 over data that includes its own correct checksum", () => {
    // An IPv4 header from the kernel (checksum b811).
    expect(internetChecksum(fromHex("4500003c000040004006b811c0a80001c0000201"))).to.equal(0);
  });

  it("pads an odd final byte with zero", () => {
    expect(internetChecksum(fromHex("ff"))).to.equal(0x00ff);
    expect(internetChecksum(fromHex("0102ff"))).to.equal(reference(fromHex("0102ff")));
  });

  it("agrees with the reference for every alignment and many lengths", () => {
    const backing = randomBytes(2100, 7);
    for (let align = 0; align < 8; align++) {
      const view = backing.subarray(align);
      for (const len of [0, 1, 2, 3, 20, 31, 32, 33, 63, 64, 65, 66, 67, 100, 511, 1480, 1500, 2048]) {
        for (const start of [0, 1, 2, 3]) {
          expect(internetChecksum(view, 0, start, start + len), `align ${align} start ${start} len ${len}`).to.equal(reference(view, start, start + len));
        }
      }
    }
  });

  it("handles buffers big enough to need intermediate folding", () => {
    const big = new Uint8Array(200_000).fill(0xff);
    expect(internetChecksum(big)).to.equal(reference(big));
    const random = randomBytes(150_001, 99);
    expect(internetChecksum(random)).to.equal(reference(random));
  });

  it("never serves a stale result after the bytes change", () => {
    const b = randomBytes(1500, 3);
    const before = internetChecksum(b);
    b[700] = b[700]! ^ 0x5a;
    expect(internetChecksum(b)).to.equal(reference(b));
    expect(internetChecksum(b)).not.to.equal(before);
  });

  it("builds the IPv4 and IPv6 pseudo-headers from the IP header's addresses", () => {
    const v4 = fromHex("45000028000040004006b825c0a80001c0000201");
    // src c0a8.0001 + dst c000.0201 + proto 6 + length 20
    expect(finishChecksum(pseudoHeaderSum(v4, 0, 4, 6, 20))).to.equal(reference(fromHex("c0a80001c00002010006" + "0014")));
    const v6 = new Uint8Array(40);
    v6.set(fromHex("fd3dfa7bd17d00000000000000000001fd3d0a0b17d600000000000000000001"), 8);
    // RFC 8200 §8.1: 32-bit length, 24 zero bits, next header.
    const expected = reference(fromHex("fd3dfa7bd17d00000000000000000001fd3d0a0b17d600000000000000000001" + "00010004" + "0000003a"));
    expect(finishChecksum(pseudoHeaderSum(v6, 0, 6, 58, 0x10004))).to.equal(expected);
  });
});
