import { expect } from "chai";
import { fromHex, hex } from "./helpers";
import { DecodeError } from "../../../lib/wire/errors";
import { seq } from "../../../lib/wire/seq";
import { decodeTcpOptions, encodeTcpOptions, paddedTcpOptionsLength, tcpOptionsLength } from "../../../lib/wire/tcp-options";
import type { TcpOption } from "../../../lib/wire/types";

/** Each option with its exact wire bytes (RFC 9293 §3.2, RFC 7323, RFC 2018, RFC 2385, RFC 7413, RFC 9768). */
const CASES: readonly { readonly name: string; readonly option: TcpOption; readonly bytes: string }[] = [
  { name: "EOL", option: { kind: "eol" }, bytes: "00" },
  { name: "NOP", option: { kind: "nop" }, bytes: "01" },
  { name: "MSS", option: { kind: "mss", mss: 1460 }, bytes: "020405b4" },
  { name: "window scale", option: { kind: "wscale", shift: 14 }, bytes: "03030e" },
  { name: "SACK permitted", option: { kind: "sackOK" }, bytes: "0402" },
  {
    name: "SACK, 3 blocks",
    option: { kind: "sack", blocks: [{ left: seq(1), right: seq(2) }, { left: seq(0xfffffff0), right: seq(0x10) }, { left: seq(0x80000000), right: seq(0x80000001) }] },
    bytes: "051a" + "0000000100000002" + "fffffff000000010" + "8000000080000001",
  },
  { name: "timestamps", option: { kind: "timestamp", val: 0xdeadbeef, ecr: 1 }, bytes: "080adeadbeef00000001" },
  { name: "MD5 signature", option: { kind: "md5", digest: fromHex("00112233445566778899aabbccddeeff") }, bytes: "131200112233445566778899aabbccddeeff" },
  { name: "Fast Open cookie request", option: { kind: "fastopen", cookie: new Uint8Array(0) }, bytes: "2202" },
  { name: "Fast Open cookie", option: { kind: "fastopen", cookie: fromHex("3021b9d889017eeb") }, bytes: "220a3021b9d889017eeb" },
  { name: "experimental Fast Open request", option: { kind: "fastopenExp", cookie: new Uint8Array(0) }, bytes: "fe04f989" },
  { name: "experimental Fast Open cookie", option: { kind: "fastopenExp", cookie: fromHex("c1d1e9742a47a9bc") }, bytes: "fe0cf989c1d1e9742a47a9bc" },
  { name: "AccECN order 0, no counters", option: { kind: "accecn", order: 0, counters: [] }, bytes: "ac02" },
  { name: "AccECN order 1, one counter", option: { kind: "accecn", order: 1, counters: [0x010203] }, bytes: "ae05010203" },
  { name: "AccECN order 0, two counters", option: { kind: "accecn", order: 0, counters: [1, 0xffffff] }, bytes: "ac08000001ffffff" },
  { name: "AccECN order 1, three counters", option: { kind: "accecn", order: 1, counters: [1, 2, 3] }, bytes: "ae0b000001000002000003" },
  { name: "unknown kind", option: { kind: "unknown", type: 99, data: fromHex("0102") }, bytes: "63040102" },
  { name: "unknown kind, empty", option: { kind: "unknown", type: 200, data: new Uint8Array(0) }, bytes: "c802" },
];

function decoded(h: string): TcpOption[] {
  return decodeTcpOptions(fromHex(h));
}

describe("lib/wire TCP options", () => {
  for (const c of CASES) {
    it(`${c.name}: encodes to ${c.bytes} and decodes back`, () => {
      const n = c.bytes.length / 2;
      expect(tcpOptionsLength([c.option])).to.equal(n);
      const padded = encodeTcpOptions([c.option]);
      expect(padded.length).to.equal((n + 3) & ~3);
      expect(hex(padded)).to.equal(c.bytes + "00".repeat(padded.length - n));
      expect(decoded(c.bytes)).to.deep.equal([c.option]);
    });
  }

  it("keeps wire order, including NOP padding, exactly as Linux sends it", () => {
    const syn = "020405b40402080a2b30cd6d000000000103030a";
    expect(decoded(syn).map((o) => o.kind)).to.deep.equal(["mss", "sackOK", "timestamp", "nop", "wscale"]);
    expect(hex(encodeTcpOptions(decoded(syn)))).to.equal(syn);
  });

  it("pads with zero bytes (EOL) to 32 bits, which decode as trailing eols", () => {
    const opts: TcpOption[] = [{ kind: "mss", mss: 536 }, { kind: "wscale", shift: 7 }];
    expect(paddedTcpOptionsLength(opts)).to.equal(8);
    expect(hex(encodeTcpOptions(opts))).to.equal("02040218" + "030307" + "00");
    expect(decodeTcpOptions(encodeTcpOptions(opts))).to.deep.equal([...opts, { kind: "eol" }]);
  });

  it("keeps parsing after EOL, as packetdrill's iterator does", () => {
    expect(decoded("00010204ffff").map((o) => o.kind)).to.deep.equal(["eol", "nop", "mss"]);
  });

  it("keeps known kinds with impossible lengths as raw bytes that round-trip", () => {
    for (const h of ["0203ff", "0205000000", "0304ffff", "040300", "050600000001", "080c000000010000000200ff", "1314" + "00".repeat(18), "fe03ab", "fe06abcd0102", "ac03ff", "ae0c" + "00".repeat(10)]) {
      const opts = decoded(h);
      expect(opts, h).to.have.length(1);
      expect(opts[0]!.kind, h).to.equal("unknown");
      expect(opts[0]).to.have.property("type", parseInt(h.slice(0, 2), 16));
      expect(hex(encodeTcpOptions(opts)).slice(0, h.length), h).to.equal(h);
    }
  });

  it("accepts the short MD5 digests packetdrill prints", () => {
    expect(decoded("1304aabb")).to.deep.equal([{ kind: "md5", digest: fromHex("aabb") }]);
  });

  it("reports a missing length byte, a length below 2 and an overlong option with their offsets", () => {
    const cases: [string, string, number][] = [
      ["010102", "truncated-option", 2],
      ["0201", "bad-option-length", 1],
      ["01010800", "bad-option-length", 3],
      ["0101020405", "truncated-option", 2],
      ["080affff", "truncated-option", 0],
    ];
    for (const [h, code, offset] of cases) {
      let err: unknown;
      try {
        decoded(h);
      } catch (e) {
        err = e;
      }
      expect(err, h).to.be.instanceOf(DecodeError);
      expect((err as DecodeError).code, h).to.equal(code);
      expect((err as DecodeError).offset, h).to.equal(offset);
    }
  });

  it("refuses to encode an option longer than its 8-bit length field", () => {
    expect(() => encodeTcpOptions([{ kind: "unknown", type: 77, data: new Uint8Array(254) }])).to.throw(RangeError, /max 255/);
  });
});
