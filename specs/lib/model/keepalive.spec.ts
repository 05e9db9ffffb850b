// topic: T21
// Keepalive: after TCP_KEEPIDLE without anything received, an ACK with seq = SND.UNA − 1 every
// TCP_KEEPINTVL; after TCP_KEEPCNT unanswered probes `R.` and ETIMEDOUT. Measured on Linux 6.18
// (idle 2, intvl 1, cnt 3, handshake at 0.1 s): probes at 2.11, 3.14, 4.16 and R. at 5.18 s — the
// nominal +2, +3, +4, +5 s after the handshake, late by the timer tick. (docs/tcp-behaviors.md
// quotes 9.1 s for this setting; the kernel measured here disagrees.)
import { expect } from "chai";
import { Drill, ms, sec } from "./helpers";

function keepaliveClient(idle = 2, intvl = 1, cnt = 3): Drill {
  const d = new Drill();
  d.call("socket", [2, 1, 6]);
  d.call("fcntl", [3, "F_SETFL", "O_RDWR|O_NONBLOCK"]);
  d.call("setsockopt", [3, "SOL_SOCKET", "SO_KEEPALIVE", 1, 4]);
  d.call("setsockopt", [3, "SOL_TCP", "TCP_KEEPIDLE", idle, 4]);
  d.call("setsockopt", [3, "SOL_TCP", "TCP_KEEPINTVL", intvl, 4]);
  d.call("setsockopt", [3, "SOL_TCP", "TCP_KEEPCNT", cnt, 4]);
  d.sys("connect", [3, { family: 2, port: 40000, addr: "192.0.2.1" }, 16]);
  d.expectSent({ flags: "S" });
  d.dstPort = d.localPort(3);
  d.send({ flags: "S.", seq: 0, ack: 1, options: [{ kind: "mss", mss: 1460 }] }, ms(100));
  d.expectSent({ flags: ".", seq: 1, ack: 1 });
  return d;
}

describe("lib/model: keepalive (T21)", () => {
  it("idle 2, intvl 1, cnt 3: probes at +2, +3, +4 s, then R. and ETIMEDOUT at +5 s", () => {
    const d = keepaliveClient();
    d.expectSent({ flags: ".", seq: 0, ack: 1, len: 0, at: ms(100) + sec(2), rule: "timer/keepalive-probe" });
    d.expectSent({ flags: ".", seq: 0, at: ms(100) + sec(3) });
    d.expectSent({ flags: ".", seq: 0, at: ms(100) + sec(4) });
    d.expectSent({ flags: "R.", seq: 1, ack: 1, at: ms(100) + sec(5), rule: "timer/keepalive-abort" });
    expect(d.state(3)).to.equal("CLOSED");
    expect(d.sys("read", [3, null, 10])).to.deep.include({ ret: -1, errno: "ETIMEDOUT" });
  });

  it("an answered probe starts the idle period again", () => {
    const d = keepaliveClient();
    d.expectSent({ flags: ".", seq: 0, at: ms(2100) });
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(2150));
    d.expectNoPacket(ms(4149));
    d.expectSent({ flags: ".", seq: 0, at: ms(4150) });
  });

  it("received data postpones the first probe", () => {
    const d = keepaliveClient();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 10 }, sec(1));
    d.expectSent({ flags: ".", ack: 11 });
    d.expectNoPacket(sec(3) - 1);
    d.expectSent({ flags: ".", seq: 0, ack: 11, at: sec(3) });
  });

  it("the sysctls apply when the socket does not set the options", () => {
    const d = new Drill();
    d.host.applySysctl("net.ipv4.tcp_keepalive_time", "10");
    d.host.applySysctl("net.ipv4.tcp_keepalive_intvl", "2");
    d.host.applySysctl("net.ipv4.tcp_keepalive_probes", "2");
    d.call("socket", [2, 1, 6]);
    d.call("setsockopt", [3, "SOL_SOCKET", "SO_KEEPALIVE", 1, 4]);
    d.sys("connect", [3, { family: 2, port: 40000, addr: "192.0.2.1" }, 16]);
    d.expectSent({ flags: "S" });
    d.dstPort = d.localPort(3);
    d.send({ flags: "S.", seq: 0, ack: 1, options: [{ kind: "mss", mss: 1460 }] }, 0);
    const times = d.takePackets(sec(30)).map((p) => p.time / 1e6);
    expect(times).to.deep.equal([0, 10, 12, 14]);
  });

  it("TCP_USER_TIMEOUT replaces the probe count", () => {
    const d = keepaliveClient(2, 1, 9);
    d.call("setsockopt", [3, "SOL_TCP", "TCP_USER_TIMEOUT", 3500, 4]);
    const pkts = d.takePackets(sec(10));
    expect(pkts.map((p) => [p.time, p.rule])).to.deep.equal([
      [ms(2100), "timer/keepalive-probe"],
      [ms(3100), "timer/keepalive-probe"],
      [ms(4100), "timer/keepalive-abort"],
    ]);
  });

  it("setting SO_KEEPALIVE on an idle connection starts counting from the last receive", () => {
    const d = new Drill().established();
    d.call("setsockopt", [4, "SOL_TCP", "TCP_KEEPIDLE", 5, 4], sec(1));
    d.call("setsockopt", [4, "SOL_SOCKET", "SO_KEEPALIVE", 1, 4], sec(1));
    d.call("setsockopt", [4, "SOL_TCP", "TCP_KEEPIDLE", 5, 4], sec(2));
    d.expectSent({ flags: ".", seq: 0, at: ms(100) + sec(5), rule: "timer/keepalive-probe" });
  });

  it("no probes while data is in flight (the retransmission timer watches then)", () => {
    const d = keepaliveClient();
    d.call("write", [3, null, 100], sec(1));
    d.expectSent({ flags: "P.", len: 100 });
    const rules = d.takePackets(sec(6)).map((p) => p.rule);
    expect(rules.every((r) => r !== "timer/keepalive-probe")).to.equal(true);
  });
});
