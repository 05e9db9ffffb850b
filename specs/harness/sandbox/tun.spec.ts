import { expect } from "chai";
import { completeChecksum, decodeVnetHeader, encodeVnetHeader, ifreq, ifreqName, outgoingOnlyFilter, sockaddrLl } from "../../../harness/sandbox/tun";
import { decodeSegment, encodeSegment, SYN } from "./helpers/packets";

describe("harness/sandbox tun plumbing", () => {
  for (const size of [3, 10_001]) {
    it(`completes a CHECKSUM_PARTIAL TCP checksum from the pseudo-header sum (${size}-byte payload)`, () => {
      const payload = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 1) & 0xff);
      const packet = encodeSegment({ src: "192.168.0.1", dst: "192.0.2.1", srcPort: 1234, dstPort: 8080, seq: 1, ack: 0, flags: SYN, window: 100, payload });
      expect(decodeSegment(packet)!.checksumOk).to.equal(true);
      // What the kernel hands the "hardware": the field holds the folded pseudo-header sum.
      const partial = packet.slice();
      const pseudo = [192, 168, 0, 1, 192, 0, 2, 1, 0, 6, (partial.length - 20) >> 8, (partial.length - 20) & 0xff];
      let sum = 0;
      for (let i = 0; i < pseudo.length; i += 2) sum += (pseudo[i]! << 8) | pseudo[i + 1]!;
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
      partial[36] = sum >> 8;
      partial[37] = sum & 0xff;
      expect(decodeSegment(partial)!.checksumOk).to.equal(false);
      completeChecksum(partial, 20, 16);
      expect([...partial]).to.deep.equal([...packet]);
    });
  }

  it("encodes and decodes the virtio-net header", () => {
    expect([...encodeVnetHeader(new Uint8Array([0x45]), undefined)]).to.deep.equal(new Array(10).fill(0));
    const gso = encodeVnetHeader(new Uint8Array([0x60]), 1440);
    expect(decodeVnetHeader(gso)).to.deep.equal({ flags: 0, gsoType: 4, hdrLen: 0, gsoSize: 1440, csumStart: 0, csumOffset: 0 });
  });

  it("builds ifreq, sockaddr_ll and the outgoing-only BPF program", () => {
    const req = ifreq("tun0", 0x5001);
    expect(req.length).to.equal(40);
    expect(ifreqName(req)).to.equal("tun0");
    expect([...req.subarray(16, 18)]).to.deep.equal([0x01, 0x50]);
    expect([...sockaddrLl(7).subarray(0, 8)]).to.deep.equal([17, 0, 0, 3, 7, 0, 0, 0]);
    const prog = outgoingOnlyFilter();
    expect(prog.length).to.equal(32);
    expect(new DataView(prog.buffer).getUint32(4, true)).to.equal(0xfffff004);
    expect(new DataView(prog.buffer).getUint32(12, true)).to.equal(4);
  });
});
