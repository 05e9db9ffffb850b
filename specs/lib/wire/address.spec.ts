import { expect } from "chai";
import { addressFromBytes, addressToBytes, canonicalAddress, formatIpv6, parseIpv4, parseIpv6 } from "../../../lib/wire/address";
import { hex } from "./helpers";

describe("lib/wire addresses", () => {
  it("parses and prints dotted quads", () => {
    expect(hex(addressToBytes("192.0.2.1"))).to.equal("c0000201");
    expect(addressFromBytes(new Uint8Array([255, 0, 10, 1]))).to.equal("255.0.10.1");
    for (const bad of ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", " 1.2.3.4", "1..3.4", "a.b.c.d", ""]) expect(parseIpv4(bad), bad).to.equal(undefined);
  });

  it("prints IPv6 in RFC 5952 canonical form", () => {
    const cases: [string, string][] = [
      ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // §4.2.2: one zero group is not shortened
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // §4.2.3: the first of equal runs
      ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // §4.2.3: the longest run
      ["2001:DB8::ABCD", "2001:db8::abcd"], // §4.3: lower case
      ["0:0:0:0:0:0:0:0", "::"],
      ["0:0:0:0:0:0:0:1", "::1"],
      ["1:0:0:0:0:0:0:0", "1::"],
      ["fd3d:0a0b:17d6::1", "fd3d:a0b:17d6::1"],
      ["::ffff:192.0.2.1", "::ffff:192.0.2.1"], // §5: mapped addresses keep the dotted quad
      ["0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1"],
      ["::192.0.2.1", "::c000:201"], // deprecated IPv4-compatible: plain hex
      ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ];
    for (const [input, canonical] of cases) expect(canonicalAddress(input), input).to.equal(canonical);
  });

  it("round-trips text and bytes", () => {
    for (const text of ["::", "::1", "fe80::1", "2001:db8::2:1", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::"]) {
      const canonical = canonicalAddress(text)!;
      expect(formatIpv6(addressToBytes(canonical))).to.equal(canonical);
    }
  });

  it("rejects malformed IPv6 text", () => {
    for (const bad of [":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::1", "g::1", "::1%eth0", "1:2:3:4:5:6:7:8::", "::ffff:1.2.3", ":1::2", "1::2:"]) {
      expect(parseIpv6(bad), bad).to.equal(undefined);
    }
    expect(() => addressToBytes("1::2::3")).to.throw(RangeError, /invalid IP address/);
  });
});
