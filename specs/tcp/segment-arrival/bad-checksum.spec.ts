// topic: T1
// rfc9293: MUST-3
// RFC 9293 §3.1: the receiver verifies the checksum of every incoming segment (MUST-3). Script
// syntax always encodes correct checksums, so this spec drives the targets directly: a SYN with
// a corrupted TCP checksum reaches a listener and nothing happens — no SYN-ACK, no RST, no
// request — while the same SYN with its correct checksum is answered with a SYN-ACK.
// (Linux: tcp_v4_rcv/tcp_v6_rcv drop it at skb_checksum_init before any lookup; the model target
// discards it before the model sees it.)
import { expect } from "chai";
import { call, forEachTarget, PORT } from "./direct-target";
import { ipFor, tcp } from "../../../lib/wire/build";
import { decodePacket, encodePacket } from "../../../lib/wire/packet";
import { seq } from "../../../lib/wire/seq";

function syn(src: string, dst: string, badChecksum: boolean): Uint8Array {
  const bytes = encodePacket({
    ip: ipFor(src, dst),
    l4: { protocol: "tcp", tcp: tcp({ srcPort: 40000, dstPort: PORT, seq: seq(1000), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }] }) },
  });
  if (badChecksum) {
    // The TCP checksum field: 16 bytes into the TCP header, after a 20 (IPv4) or 40 (IPv6) byte IP header.
    const at = ((bytes[0]! >> 4) === 4 ? 20 : 40) + 16;
    bytes[at] = bytes[at]! ^ 0x5a;
  }
  return bytes;
}

describe("specs/tcp/segment-arrival: a segment with a bad checksum is not acted on (RFC 9293 MUST-3)", function () {
  this.timeout(30_000);
  forEachTarget(
    (mode, target) => `[${mode}] ${target}: a SYN with a corrupted checksum gets nothing; corrected, a SYN-ACK`,
    async (t, config, mode) => {
      const family = mode === "ipv4" ? "AF_INET" : "AF_INET6";
      const fd = (await call(t, "socket", family, "SOCK_STREAM", "IPPROTO_TCP")).ret;
      expect((await call(t, "bind", fd, { family, port: PORT, addr: config.localIp }, { ellipsis: true })).ret).to.equal(0);
      expect((await call(t, "listen", fd, 10)).ret).to.equal(0);
      expect((await call(t, "fcntl", fd, "F_SETFL", "O_RDWR|O_NONBLOCK")).ret).to.equal(0);
      await t.inject(syn(config.remoteIp, config.localIp, true));
      const answer = await t.nextPacket(t.now() + 300_000);
      expect(answer === undefined ? "nothing" : JSON.stringify(decodePacket(answer.bytes).l4), "answer to the bad-checksum SYN").to.equal("nothing");
      expect((await call(t, "accept", fd, { ellipsis: true }, { ellipsis: true })).errno, "nothing to accept").to.equal("EAGAIN");
      await t.inject(syn(config.remoteIp, config.localIp, false));
      const synAck = await t.nextPacket(t.now() + 1_000_000);
      expect(synAck, "the correct SYN is answered").to.not.equal(undefined);
      const p = decodePacket(synAck!.bytes);
      expect(p.l4.protocol === "tcp" && p.l4.tcp.flags.syn && p.l4.tcp.flags.ack, "a SYN-ACK").to.equal(true);
    },
  );
});
