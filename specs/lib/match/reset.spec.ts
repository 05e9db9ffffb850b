import { expect } from "chai";
import { rememberInjected, rememberOutbound, resetPacket } from "../../../lib/match/reset";
import { Connection } from "../../../lib/match/space";
import { formatPacket, ipv4, ipv6, seq, tcp, tcpPacket } from "../../../lib/wire";

const LOCAL4 = "192.168.0.1";
const REMOTE4 = "192.0.2.1";
const LOCAL6 = "fd3d:a0b:17d6::1";
const REMOTE6 = "fd3d:fa7b:d17d::1";

function conn(v6 = false): Connection {
  const c = new Connection("tcp", "passive-synack-acked", 4, 4);
  c.liveLocal = { ip: v6 ? LOCAL6 : LOCAL4, port: 8080 };
  c.liveRemote = { ip: v6 ? REMOTE6 : REMOTE4, port: 40000 };
  return c;
}

const rstIp4 = ipv4({ src: REMOTE4, dst: LOCAL4, ttl: 255, id: 0, dontFragment: false });

describe("lib/match/reset", () => {
  it("continues right after the last injected segment with ACK: its seq + data + FIN, its ack and window", () => {
    const c = conn();
    // Live space: remote ISN 0xfffffff0, so seq 0xfffffff0 + 1 + 1000 wraps.
    rememberInjected(
      c,
      tcpPacket(rstIp4, tcp({ srcPort: 40000, dstPort: 8080, seq: seq(0xfffffff1), ack: seq(0xffffff01), flags: { fin: true, psh: true, ack: true }, window: 514, payload: new Uint8Array(1000) })),
    );
    const p = resetPacket(c, "ipv4");
    expect(p).to.deep.equal(tcpPacket(rstIp4, tcp({ srcPort: 40000, dstPort: 8080, seq: seq(0xfffffff1 + 1000 + 1), ack: seq(0xffffff01), flags: { rst: true, ack: true }, window: 514 })));
    expect(formatPacket(p!)).to.equal("R. 986:986(0) ack 4294967041 win 514");
  });

  it("counts an injected SYN-ACK's SYN", () => {
    const c = conn();
    c.lastInjected = { seq: seq(100), ack: seq(5001), window: 5792, ackFlag: true, len: 0, syn: true, fin: false };
    expect(formatPacket(resetPacket(c, "ipv4")!)).to.equal("R. 101:101(0) ack 5001 win 5792");
  });

  it("uses the kernel's last ack and seq when nothing with ACK was injected", () => {
    const c = conn();
    c.lastInjected = { seq: seq(0xfffffff0), ack: seq(0), window: 65535, ackFlag: false, len: 0, syn: true, fin: false };
    rememberOutbound(c, tcpPacket(ipv4({ src: LOCAL4, dst: REMOTE4 }), tcp({ seq: seq(0xffffff00), ack: seq(0xfffffff1), flags: { syn: true, ack: true } })));
    expect(formatPacket(resetPacket(c, "ipv4")!)).to.equal("R. 4294967281:4294967281(0) ack 4294967040 win 0");
  });

  it("acknowledges the kernel's SYN when that is all there was", () => {
    const c = new Connection("tcp", "active-syn-sent", 3, 3);
    c.liveLocal = { ip: LOCAL4, port: 51234 };
    c.liveRemote = { ip: REMOTE4, port: 8080 };
    rememberOutbound(c, tcpPacket(ipv4({ src: LOCAL4, dst: REMOTE4 }), tcp({ seq: seq(0xffffffff), flags: { syn: true } })));
    expect(resetPacket(c, "ipv4")).to.deep.equal(tcpPacket(rstIp4, tcp({ srcPort: 8080, dstPort: 51234, seq: seq(0), ack: seq(0), flags: { rst: true, ack: true }, window: 0 })));
  });

  it("builds an IPv6 RST in ipv6 mode and an IPv4 one in ipv4-mapped-ipv6 mode", () => {
    const c6 = conn(true);
    c6.lastOutbound = { seq: seq(7), ack: seq(9), ackFlag: true };
    expect(resetPacket(c6, "ipv6")).to.deep.equal(
      tcpPacket(ipv6({ src: REMOTE6, dst: LOCAL6, hopLimit: 255 }), tcp({ srcPort: 40000, dstPort: 8080, seq: seq(9), ack: seq(7), flags: { rst: true, ack: true }, window: 0 })),
    );
    const c4 = conn();
    c4.lastOutbound = { seq: seq(7), ack: seq(9), ackFlag: true };
    expect(resetPacket(c4, "ipv4-mapped-ipv6")?.ip).to.deep.equal(rstIp4);
  });

  it("sends nothing for UDP sockets or connections without both live ports", () => {
    const u = new Connection("udp", "active-connecting", 3, 3);
    u.liveLocal = { ip: LOCAL4, port: 5353 };
    u.liveRemote = { ip: REMOTE4, port: 53 };
    expect(resetPacket(u, "ipv4")).to.equal(undefined);
    const listening = new Connection("tcp", "listening", 3, 3);
    listening.liveLocal = { ip: LOCAL4, port: 8080 };
    expect(resetPacket(listening, "ipv4")).to.equal(undefined);
    const zero = conn();
    zero.liveRemote = { ip: REMOTE4, port: 0 };
    expect(resetPacket(zero, "ipv4")).to.equal(undefined);
  });
});
