// topic: T1
// rfc9293: MUST-57 MUST-63
// RFC 9293 §3.9.2.3 (from RFC 1122): a SYN addressed to a broadcast or multicast address is
// silently discarded (MUST-57), and a SYN from an invalid source address (broadcast, multicast,
// 0.0.0.0, loopback) is ignored (MUST-63). Script syntax always addresses segments between the
// run's two addresses, so this spec drives the targets directly: a listener on the wildcard
// address (it would match any destination) receives such SYNs and sends nothing — no SYN-ACK, no
// RST — and has nothing to accept; the same SYN between the run's own addresses, as a control,
// is answered with a SYN-ACK. Linux: tcp_v4_conn_request never answers a SYN whose route is
// broadcast or multicast (tcp_v6_conn_request: not a unicast destination), and invalid sources
// never reach TCP (ip_route_input's martian-source check; ipv6_rcv drops multicast and loopback
// sources). The model ignores anything not between the host's two addresses.
import { expect } from "chai";
import { call, forEachTarget, PORT } from "./direct-target";
import { ipFor, tcp } from "../../../lib/wire/build";
import { decodePacket, encodePacket } from "../../../lib/wire/packet";
import { seq } from "../../../lib/wire/seq";

interface Case {
  readonly why: string;
  readonly src?: string;
  readonly dst?: string;
}

const CASES: Record<"ipv4" | "ipv6", readonly Case[]> = {
  ipv4: [
    { why: "MUST-57: to multicast 224.0.0.1", dst: "224.0.0.1" },
    { why: "MUST-57: to limited broadcast 255.255.255.255", dst: "255.255.255.255" },
    { why: "MUST-63: from multicast 224.0.0.5", src: "224.0.0.5" },
    { why: "MUST-63: from limited broadcast", src: "255.255.255.255" },
    { why: "MUST-63: from 0.0.0.0", src: "0.0.0.0" },
    { why: "MUST-63: from loopback 127.0.0.1", src: "127.0.0.1" },
  ],
  ipv6: [
    { why: "MUST-57: to all-nodes multicast ff02::1", dst: "ff02::1" },
    { why: "MUST-63: from multicast ff02::2", src: "ff02::2" },
    { why: "MUST-63: from loopback ::1", src: "::1" },
  ],
};

function syn(src: string, dst: string, srcPort: number): Uint8Array {
  return encodePacket({
    ip: ipFor(src, dst),
    l4: { protocol: "tcp", tcp: tcp({ srcPort, dstPort: PORT, seq: seq(1000), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }] }) },
  });
}

describe("specs/tcp/segment-arrival: SYNs to or from invalid addresses are dropped silently (RFC 9293 MUST-57, MUST-63)", function () {
  this.timeout(30_000);
  forEachTarget(
    (mode, target) => `[${mode}] ${target}: no answer to ${CASES[mode].length} bad SYNs; the control SYN gets a SYN-ACK`,
    async (t, config, mode) => {
      const family = mode === "ipv4" ? "AF_INET" : "AF_INET6";
      const fd = (await call(t, "socket", family, "SOCK_STREAM", "IPPROTO_TCP")).ret;
      expect(fd).to.be.at.least(0);
      expect((await call(t, "setsockopt", fd, "SOL_SOCKET", "SO_REUSEADDR", 1, 4)).ret).to.equal(0);
      const any = { family, port: PORT, addr: mode === "ipv4" ? "0.0.0.0" : "::" };
      expect((await call(t, "bind", fd, any, { ellipsis: true })).ret).to.equal(0);
      expect((await call(t, "listen", fd, 10)).ret).to.equal(0);
      expect((await call(t, "fcntl", fd, "F_SETFL", "O_RDWR|O_NONBLOCK")).ret).to.equal(0);
      let srcPort = 40000;
      for (const c of CASES[mode]) {
        await t.inject(syn(c.src ?? config.remoteIp, c.dst ?? config.localIp, srcPort++));
        const answer = await t.nextPacket(t.now() + 200_000);
        expect(answer === undefined ? "nothing" : JSON.stringify(decodePacket(answer.bytes).ip), c.why).to.equal("nothing");
      }
      expect((await call(t, "accept", fd, { ellipsis: true }, { ellipsis: true })).errno, "nothing to accept").to.equal("EAGAIN");
      // Control: the same SYN between the run's own addresses is answered.
      await t.inject(syn(config.remoteIp, config.localIp, srcPort));
      const synAck = await t.nextPacket(t.now() + 1_000_000);
      expect(synAck, "the control SYN is answered").to.not.equal(undefined);
      const p = decodePacket(synAck!.bytes);
      expect(p.l4.protocol === "tcp" && p.l4.tcp.flags.syn && p.l4.tcp.flags.ack, "a SYN-ACK").to.equal(true);
    },
  );
});
