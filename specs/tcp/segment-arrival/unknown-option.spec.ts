// topic: T1
// rfc9293: MUST-6
// RFC 9293 §3.1: an option the receiver does not implement, but whose length field is valid, is
// skipped (MUST-6). Script syntax has no notation for arbitrary option kinds, so this spec drives
// the targets directly: a SYN carrying an unknown kind-253 option (RFC 4727 experimental, 4
// bytes) between NOPs and its MSS is answered with a normal SYN-ACK whose MSS is the usual one,
// and the peer's MSS after it was still read: the connection's send MSS (TCP_MAXSEG) is the 1000
// it offered.
import { expect } from "chai";
import { call, forEachTarget, PORT } from "./direct-target";
import { ipFor, tcp } from "../../../lib/wire/build";
import { decodePacket, encodePacket } from "../../../lib/wire/packet";
import { seq, seqAdd } from "../../../lib/wire/seq";

const PEER_PORT = 40000;
const PEER_ISN = 1000;

describe("specs/tcp/segment-arrival: an unknown TCP option is skipped (RFC 9293 MUST-6)", function () {
  this.timeout(30_000);
  forEachTarget(
    (mode, target) => `[${mode}] ${target}: a SYN with kind 253 before its MSS gets a normal SYN-ACK, and the MSS after it counts`,
    async (t, config, mode) => {
      const family = mode === "ipv4" ? "AF_INET" : "AF_INET6";
      const lfd = (await call(t, "socket", family, "SOCK_STREAM", "IPPROTO_TCP")).ret;
      expect((await call(t, "bind", lfd, { family, port: PORT, addr: config.localIp }, { ellipsis: true })).ret).to.equal(0);
      expect((await call(t, "listen", lfd, 10)).ret).to.equal(0);
      const ip = ipFor(config.remoteIp, config.localIp);
      const synOptions = [{ kind: "nop" as const }, { kind: "nop" as const }, { kind: "unknown" as const, type: 253, data: new Uint8Array([0xab, 0xcd]) }, { kind: "mss" as const, mss: 1000 }];
      await t.inject(encodePacket({ ip, l4: { protocol: "tcp", tcp: tcp({ srcPort: PEER_PORT, dstPort: PORT, seq: seq(PEER_ISN), flags: { syn: true }, options: synOptions }) } }));
      const synAckBytes = await t.nextPacket(t.now() + 1_000_000);
      expect(synAckBytes, "the SYN is answered").to.not.equal(undefined);
      const synAck = decodePacket(synAckBytes!.bytes);
      if (synAck.l4.protocol !== "tcp") throw new Error("not TCP");
      const sa = synAck.l4.tcp;
      expect(sa.flags.syn && sa.flags.ack && !sa.flags.rst, "a SYN-ACK").to.equal(true);
      expect(sa.ack).to.equal(seqAdd(seq(PEER_ISN), 1));
      expect(sa.options.filter((o) => o.kind === "unknown"), "the unknown option is not echoed").to.deep.equal([]);
      // Complete the handshake; the accepted connection's send MSS shows the MSS option was parsed.
      await t.inject(encodePacket({ ip, l4: { protocol: "tcp", tcp: tcp({ srcPort: PEER_PORT, dstPort: PORT, seq: seqAdd(seq(PEER_ISN), 1), ack: seqAdd(sa.seq, 1), flags: { ack: true } }) } }));
      const afd = (await call(t, "accept", lfd, { ellipsis: true }, { ellipsis: true })).ret;
      expect(afd).to.be.at.least(0);
      const maxseg = await call(t, "getsockopt", afd, "IPPROTO_TCP", "TCP_MAXSEG", { ellipsis: true }, { ellipsis: true });
      expect(maxseg.ret).to.equal(0);
      expect(maxseg.out?.[3], "the send MSS is the one that followed the unknown option").to.equal(1000);
    },
  );
});
