// topic: T8, T14
// TIME_WAIT on Linux: a fixed 60 s (not 2·MSL); a retransmitted FIN is re-ACKed and restarts the
// 60 s; an RST at RCV.NXT kills it (tcp_rfc1337=0); a new SYN with a higher sequence number (or a
// newer timestamp) reopens the pair with ISS = old SND.NXT + 65537; an explicitly bound socket may
// reuse the 4-tuple at once when timestamps were seen.
import { expect } from "chai";
import { Drill, ISN, ms, opt, PEER_ISN, sec } from "./helpers";
import type { Packet } from "./helpers";

/** Server fd 4 closes first and reaches TIME_WAIT at 400 ms (RCV.NXT = peer 2, SND.NXT = 2). */
function timeWait(withTs = false): Drill {
  const d = new Drill();
  if (withTs) {
    d.synReceived(0, [opt.mss(1460), opt.sackOK, opt.ts(100, 0), opt.nop, opt.ws(7)]);
    d.send({ flags: ".", seq: 1, ack: 1, options: [opt.nop, opt.nop, opt.ts(110, 0)] }, ms(100));
    d.call("accept", [3, null, null]);
  } else {
    d.established();
  }
  const ts = (v: number) => (withTs ? [opt.nop, opt.nop, opt.ts(v, 0)] : []);
  d.call("shutdown", [4, "SHUT_WR"], ms(200));
  d.expectSent({ flags: "F." });
  d.send({ flags: ".", seq: 1, ack: 2, options: ts(120) }, ms(300));
  d.send({ flags: "F.", seq: 1, ack: 2, options: ts(130) }, ms(400));
  d.expectSent({ flags: ".", seq: 2, ack: 2, at: ms(400) });
  expect(d.state(4)).to.equal("TIME_WAIT");
  return d;
}

describe("lib/model: TIME_WAIT (T8)", () => {
  it("lasts exactly 60 s", () => {
    const d = timeWait();
    expect(d.host.nextDeadline()).to.equal(ms(400) + sec(60));
    d.run(ms(400) + sec(60) - 1);
    expect(d.state(4)).to.equal("TIME_WAIT");
    d.run(ms(400) + sec(60));
    expect(d.state(4)).to.equal("CLOSED");
    d.expectNoPacket();
  });

  it("a retransmitted FIN is re-ACKed and restarts the 60 s (T14)", () => {
    const d = timeWait();
    d.send({ flags: "F.", seq: 1, ack: 2 }, sec(30));
    d.expectSent({ flags: ".", seq: 2, ack: 2, at: sec(30), rule: "time-wait/ack" });
    expect(d.host.nextDeadline()).to.equal(sec(90));
    d.run(sec(89));
    expect(d.state(4)).to.equal("TIME_WAIT");
    d.run(sec(90));
    expect(d.state(4)).to.equal("CLOSED");
  });

  it("every retransmitted FIN is re-ACKed: a FIN counts as data, exempt from the rate limit (observed)", () => {
    const d = timeWait();
    d.send({ flags: "F.", seq: 1, ack: 2 }, sec(10));
    d.expectSent({ flags: "." });
    d.send({ flags: "F.", seq: 1, ack: 2 }, sec(10) + ms(100));
    d.expectSent({ flags: ".", seq: 2, ack: 2, at: sec(10) + ms(100), rule: "time-wait/ack" });
  });

  it("re-ACKs of old bare ACKs are rate-limited to one per 500 ms, but the timer restarts anyway", () => {
    const d = timeWait();
    d.send({ flags: ".", seq: 1, ack: 2 }, sec(10));
    d.expectSent({ flags: ".", seq: 2, ack: 2 });
    d.send({ flags: ".", seq: 1, ack: 2 }, sec(10) + ms(100));
    d.expectNoPacket();
    expect(d.host.nextDeadline()).to.equal(sec(10) + ms(100) + sec(60));
    d.send({ flags: ".", seq: 1, ack: 2 }, sec(10) + ms(600));
    d.expectSent({ flags: ".", seq: 2, ack: 2, at: sec(10) + ms(600) });
  });

  it("an RST with SEG.SEQ = RCV.NXT kills it (tcp_rfc1337=0)", () => {
    const d = timeWait();
    d.send({ flags: "R", seq: 2 }, sec(5));
    expect(d.states().at(-1)).to.deep.include({ from: "TIME_WAIT", to: "CLOSED", rule: "time-wait/rst-kill" });
    d.expectNoPacket();
  });

  it("with tcp_rfc1337=1 the RST is ignored", () => {
    const d = timeWait();
    d.host.applySysctl("net.ipv4.tcp_rfc1337", "1");
    d.send({ flags: "R", seq: 2 }, sec(5));
    expect(d.state(4)).to.equal("TIME_WAIT");
  });

  it("a bare in-window ACK restarts the timer without an answer", () => {
    const d = timeWait();
    d.send({ flags: ".", seq: 2, ack: 2 }, sec(20));
    d.expectNoPacket();
    expect(d.host.nextDeadline()).to.equal(sec(80));
  });

  it("a new SYN with a higher sequence number reopens via the listener with ISS = SND.NXT + 65537", () => {
    const d = timeWait();
    d.send({ flags: "S", seq: 1000, options: [opt.mss(1460)] }, sec(5));
    const p: Packet = d.expectSent({ flags: "S.", ack: 1001, rule: "segment-arrives/listen/syn" });
    const iss = p.packet.l4.protocol === "tcp" ? p.packet.l4.tcp.seq : -1;
    expect(iss).to.equal((ISN + 2 + 65537) >>> 0);
    expect(d.states().find((e) => e.rule === "time-wait/syn-reopen")).to.deep.include({ from: "TIME_WAIT", to: "CLOSED" });
  });

  it("an old SYN (lower sequence number, no newer timestamp) is answered with the TIME_WAIT ACK", () => {
    const d = timeWait();
    d.send({ flags: "S", seq: 0, options: [opt.mss(1460)] }, sec(5));
    d.expectSent({ flags: ".", seq: 2, ack: 2, rule: "time-wait/ack" });
    expect(d.state(4)).to.equal("TIME_WAIT");
  });

  it("with timestamps a newer TSval reopens even with a lower sequence number", () => {
    const d = timeWait(true);
    d.send({ flags: "S", seq: 0, options: [opt.mss(1460), opt.sackOK, opt.ts(1000, 0), opt.nop, opt.ws(7)] }, sec(5));
    d.expectSent({ flags: "S.", rule: "segment-arrives/listen/syn" });
  });

  it("connect() from an explicitly bound port reuses a TIME_WAIT pair at once when timestamps were seen", () => {
    const d = timeWait(true);
    d.call("close", [4], sec(1));
    d.call("close", [3], sec(1));
    expect(d.call("socket", [2, 1, 6], sec(2))).to.equal(3);
    d.call("setsockopt", [3, "SOL_SOCKET", "SO_REUSEADDR", 1, 4]);
    expect(d.call("bind", [3, { family: 2, port: 8080, addr: "0.0.0.0" }, 16])).to.equal(0);
    d.sys("connect", [3, { family: 2, port: 40000, addr: "192.0.2.1" }, 16]);
    const p = d.expectSent({ flags: "S", rule: "syscall/connect-tw-reuse" });
    expect(p.packet.l4.protocol === "tcp" && p.packet.l4.tcp.seq).to.equal((ISN + 2 + 65537) >>> 0);
    void PEER_ISN;
  });

  it("without timestamps the pair stays busy: EADDRNOTAVAIL", () => {
    const d = timeWait(false);
    d.call("close", [4], sec(1));
    d.call("close", [3], sec(1));
    d.call("socket", [2, 1, 6], sec(2));
    d.call("setsockopt", [3, "SOL_SOCKET", "SO_REUSEADDR", 1, 4]);
    d.call("bind", [3, { family: 2, port: 8080, addr: "0.0.0.0" }, 16]);
    d.expectErrno("connect", [3, { family: 2, port: 40000, addr: "192.0.2.1" }, 16], "EADDRNOTAVAIL");
  });

  it("bind() to the port of a TIME_WAIT pair needs SO_REUSEADDR", () => {
    const d = timeWait(false);
    d.call("close", [4], sec(1));
    d.call("close", [3], sec(1));
    d.call("socket", [2, 1, 6], sec(2));
    d.expectErrno("bind", [3, { family: 2, port: 8080, addr: "0.0.0.0" }, 16], "EADDRINUSE");
  });

  it("the fd of a TIME_WAIT connection reads EOF and writes EPIPE", () => {
    const d = timeWait();
    expect(d.sys("read", [4, null, 10])).to.deep.include({ ret: 0 });
    d.expectErrno("write", [4, null, 10], "EPIPE");
    d.expectErrno("shutdown", [4, "SHUT_RDWR"], "ENOTCONN");
  });
});
