// topic: T4, T5, T6, T7, T12, T13, T14, T19, T20
// Closing: the four-way and three-way close, the passive side's delayed ACK of the FIN,
// simultaneous close, FIN retransmission (a tail loss probe first, then RTO backoff) and the
// orphan's give-up, FIN_WAIT_2 that only times out for orphans, abortive close (SO_LINGER 0),
// close() with unread data, and half-close.
import { expect } from "chai";
import { Drill, ms, sec } from "./helpers";

describe("lib/model: active close (T4)", () => {
  it("F. at SND.NXT → FIN_WAIT_1 → FIN_WAIT_2 on its ACK; the peer's FIN is ACKed at once → TIME_WAIT", () => {
    const d = new Drill().established();
    expect(d.call("shutdown", [4, "SHUT_WR"], ms(200))).to.equal(0);
    d.expectSent({ flags: "F.", seq: 1, ack: 1, at: ms(200), rule: "shutdown/fin" });
    expect(d.state(4)).to.equal("FIN_WAIT_1");
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    expect(d.state(4)).to.equal("FIN_WAIT_2");
    d.send({ flags: "F.", seq: 1, ack: 2 }, ms(400));
    d.expectSent({ flags: ".", seq: 2, ack: 2, at: ms(400), rule: "segment-arrives/fin-wait-2/fin" });
    expect(d.state(4)).to.equal("TIME_WAIT");
    expect(d.sys("getsockopt", [4, "SOL_TCP", "TCP_INFO", null, null])).to.deep.nested.include({ "out.value.tcpi_state": 7 });
    d.run(ms(400) + sec(60));
    expect(d.state(4)).to.equal("CLOSED");
    expect(d.states().at(-1)).to.deep.include({ from: "TIME_WAIT", to: "CLOSED", rule: "time-wait/expire", time: ms(400) + sec(60) });
  });

  it("after close() the orphan goes the same way", () => {
    const d = new Drill().established();
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "F.", seq: 1, ack: 1, rule: "close/fin" });
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    d.send({ flags: "F.", seq: 1, ack: 2 }, ms(400));
    d.expectSent({ flags: ".", seq: 2, ack: 2, at: ms(400) });
    expect(d.states().at(-1)).to.deep.include({ to: "TIME_WAIT" });
  });

  it("the orphan's ACK of the peer's FIN offers the window saved by tcp_time_wait, not one byte less", () => {
    // Checked against Linux 6.18 (tcpdrill diff, specs/tcp/active-close/four-way.pkt): the FIN
    // reaches the FIN_WAIT_2 timewait socket, whose ACK sends tw_rcv_wnd unchanged.
    const d = new Drill().established();
    d.call("close", [4], ms(200));
    const fin = d.expectSent({ flags: "F.", seq: 1, ack: 1 });
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    d.send({ flags: "F.", seq: 1, ack: 2 }, ms(400));
    const ack = d.expectSent({ flags: ".", seq: 2, ack: 2, rule: "time-wait/fin-wait-2-fin" });
    expect((ack.packet.l4 as { tcp: { window: number } }).tcp.window).to.equal((fin.packet.l4 as { tcp: { window: number } }).tcp.window);
  });
});

describe("lib/model: passive close (T5, T6)", () => {
  it("FIN → CLOSE_WAIT, read() gives EOF; the FIN's ACK is delayed (pingpong) but may be immediate", () => {
    const d = new Drill().established();
    d.send({ flags: "F.", seq: 1, ack: 1 }, ms(200));
    expect(d.state(4)).to.equal("CLOSE_WAIT");
    expect(d.sys("read", [4, null, 10])).to.deep.include({ ret: 0 });
    const p = d.expectSent({ flags: ".", seq: 1, ack: 2, rule: "timer/delayed-ack", at: ms(204) });
    expect(p.timeRange).to.deep.equal({ earliest: ms(200), latest: ms(204) });
  });

  it("after data has been received the FIN's ACK waits the delayed-ACK timeout (40 ms)", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(150));
    d.expectSent({ flags: ".", ack: 101 });
    d.send({ flags: "F.", seq: 101, ack: 1 }, ms(300));
    d.expectSent({ flags: ".", ack: 102, at: ms(340), rule: "timer/delayed-ack" });
  });

  it("sendOwedAcks sends the held ACK at once, its range running to the timer, and the timer is spent", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(150));
    d.expectSent({ flags: ".", ack: 101 });
    d.send({ flags: "F.", seq: 101, ack: 1 }, ms(300));
    d.expectNoPacket(ms(310));
    expect(d.host.sendOwedAcks(ms(310))).to.equal(1);
    d.run(ms(310));
    const p = d.expectSent({ flags: ".", ack: 102, at: ms(310), rule: "output/ack-early" });
    expect(p.timeRange).to.deep.equal({ earliest: ms(300), latest: ms(340) });
    d.expectNoPacket(ms(400));
    expect(d.host.sendOwedAcks(ms(400))).to.equal(0);
  });

  it("close() right after the peer's FIN sends F. carrying the ACK (three-way close)", () => {
    const d = new Drill().established();
    d.send({ flags: "F.", seq: 1, ack: 1 }, ms(200));
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "F.", seq: 1, ack: 2, rule: "close/close-wait-fin" });
    d.expectNoPacket(ms(250));
    expect(d.states().at(-1)).to.deep.include({ from: "CLOSE_WAIT", to: "LAST_ACK" });
    d.send({ flags: ".", seq: 2, ack: 2 }, ms(300));
    expect(d.states().at(-1)).to.deep.include({ from: "LAST_ACK", to: "CLOSED", rule: "segment-arrives/last-ack/fin-acked" });
    // The pair is gone: a late segment meets the listener and is reset.
    d.send({ flags: "P.", seq: 2, ack: 2, data: 5 }, ms(400));
    d.expectSent({ flags: "R", seq: 2 });
  });

  it("LAST_ACK retransmits the FIN when its ACK is lost (T14)", () => {
    const d = new Drill().established();
    d.send({ flags: "F.", seq: 1, ack: 1 }, ms(200));
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "F.", seq: 1, ack: 2 });
    const again = d.takePackets(sec(2));
    expect(again.length).to.be.at.least(2);
    for (const p of again) expect(p.packet.l4.protocol === "tcp" && p.packet.l4.tcp.flags.fin).to.equal(true);
  });
});

describe("lib/model: simultaneous close (T7)", () => {
  it("FIN_WAIT_1 → CLOSING on the peer's FIN, → TIME_WAIT when ours is ACKed", () => {
    const d = new Drill().clientEstablished();
    d.call("shutdown", [3, "SHUT_WR"], ms(200));
    d.expectSent({ flags: "F.", seq: 1, ack: 1 });
    d.send({ flags: "F.", seq: 1, ack: 1 }, ms(250));
    d.expectSent({ flags: ".", seq: 2, ack: 2, at: ms(250), rule: "segment-arrives/fin-wait-1/fin" });
    expect(d.state(3)).to.equal("CLOSING");
    d.send({ flags: ".", seq: 2, ack: 2 }, ms(300));
    expect(d.state(3)).to.equal("TIME_WAIT");
    expect(d.states().at(-1)).to.deep.include({ rule: "segment-arrives/closing/fin-acked" });
  });
});

describe("lib/model: FIN loss and orphan retries (T12)", () => {
  it("a lost FIN is probed at RTO (TLP), then retransmitted with doubling RTO; the orphan gives up silently", () => {
    const d = new Drill().established();
    d.call("close", [4], sec(1));
    d.expectSent({ flags: "F.", seq: 1, at: sec(1) });
    const times = d.takePackets(sec(400)).map((p) => +((p.time - sec(1)) / 1e6).toFixed(3));
    // RTT 100 ms → RTO 300 ms. Checked against Linux 6.18: +0.3, +0.6, +1.2, +2.4, +4.8 ...
    expect(times).to.deep.equal([0.3, 0.6, 1.2, 2.4, 4.8, 9.6, 19.2, 38.4, 76.8]);
    const end = d.states().at(-1)!;
    expect(end).to.deep.include({ from: "FIN_WAIT_1", to: "CLOSED", rule: "timer/retransmit-timeout" });
    expect((end.time - sec(1)) / 1e6).to.equal(153.6);
  });

  it("TCP_USER_TIMEOUT caps the retransmissions", () => {
    const d = new Drill().established();
    d.call("setsockopt", [4, "SOL_TCP", "TCP_USER_TIMEOUT", 2000, 4]);
    d.call("close", [4], sec(1));
    d.takePackets(sec(30));
    const end = d.states().at(-1)!;
    expect(end).to.deep.include({ to: "CLOSED", rule: "timer/retransmit-timeout" });
    // The budget runs from the first RTO retransmission (1.6 s), not the FIN (1 s) nor the loss
    // probe (1.3 s): tcp_retransmit_skb stamps retrans_stamp, the probe does not (observed).
    expect(end.time).to.equal(sec(1) + ms(600) + sec(2));
  });

  it("without SACK there is no loss probe: RTO, 2·RTO, 4·RTO …", () => {
    const d = new Drill().listening();
    d.send({ flags: "S", seq: 0, options: [{ kind: "mss", mss: 1460 }] }, 0);
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(100));
    d.takePackets();
    d.call("accept", [3, null, null]);
    d.call("close", [4], sec(1));
    const times = d.takePackets(sec(5)).map((p) => +((p.time - sec(1)) / 1e6).toFixed(3));
    expect(times).to.deep.equal([0, 0.3, 0.9, 2.1]);
  });
});

describe("lib/model: FIN_WAIT_2 timeout (T13)", () => {
  it("after shutdown(SHUT_WR) with the fd open, FIN_WAIT_2 has no timer", () => {
    const d = new Drill().established();
    d.call("shutdown", [4, "SHUT_WR"], ms(200));
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    expect(d.state(4)).to.equal("FIN_WAIT_2");
    expect(d.host.nextDeadline()).to.equal(undefined);
  });

  it("an orphaned FIN_WAIT_2 disappears silently after tcp_fin_timeout (60 s)", () => {
    const d = new Drill().established();
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "F." });
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    expect(d.host.nextDeadline()).to.equal(ms(300) + sec(60));
    d.expectNoPacket(ms(300) + sec(60));
    expect(d.states().at(-1)).to.deep.include({ from: "FIN_WAIT_2", to: "CLOSED", rule: "time-wait/fin-wait-2-expire" });
  });

  it("tcp_fin_timeout is a sysctl", () => {
    const d = new Drill().established();
    d.host.applySysctl("net.ipv4.tcp_fin_timeout", "5");
    d.call("close", [4], ms(200));
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    expect(d.host.nextDeadline()).to.equal(ms(300) + sec(5));
  });

  it("data to an orphaned FIN_WAIT_2 gets R", () => {
    const d = new Drill().established();
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "F." });
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    d.send({ flags: "P.", seq: 1, ack: 2, data: 10 }, ms(400));
    d.expectSent({ flags: "R", seq: 2, rule: "time-wait/fin-wait-2-data-rst" });
  });
});

describe("lib/model: abortive close (T19)", () => {
  it("SO_LINGER {1, 0}: close() sends R. seq=SND.NXT ack=RCV.NXT, no TIME_WAIT", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 10 }, ms(150));
    d.sys("read", [4, null, 100]);
    d.takePackets();
    d.call("setsockopt", [4, "SOL_SOCKET", "SO_LINGER", { onoff: 1, linger: 0 }, 8], ms(200));
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "R.", seq: 1, ack: 11, rule: "close/linger-zero-rst" });
    expect(d.states().at(-1)).to.deep.include({ from: "ESTABLISHED", to: "CLOSED" });
    expect(d.host.nextDeadline()).to.equal(undefined);
  });

  it("in SYN_SENT nothing is sent", () => {
    const d = new Drill().synSent();
    d.call("setsockopt", [3, "SOL_SOCKET", "SO_LINGER", { onoff: 1, linger: 0 }, 8]);
    d.call("close", [3], ms(10));
    d.expectNoPacket(sec(5));
  });

  it("SO_LINGER {1, n}: close() blocks until the FIN is acknowledged", () => {
    const d = new Drill().established();
    d.call("setsockopt", [4, "SOL_SOCKET", "SO_LINGER", { onoff: 1, linger: 5 }, 8]);
    const r = d.sys("close", [4], ms(200));
    expect(r.kind).to.equal("blocked");
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(300));
    expect(d.done(r.kind === "blocked" ? r.id : -1)).to.deep.include({ ret: 0, time: ms(300) });
  });

  it("SO_LINGER {1, n}: close() returns after n seconds without an ACK", () => {
    const d = new Drill().established();
    d.call("setsockopt", [4, "SOL_SOCKET", "SO_LINGER", { onoff: 1, linger: 2 }, 8]);
    const r = d.sys("close", [4], ms(200));
    d.run(sec(3));
    expect(d.done(r.kind === "blocked" ? r.id : -1)).to.deep.include({ ret: 0, time: ms(200) + sec(2) });
  });
});

describe("lib/model: close() with unread data (T20)", () => {
  it("sends R. instead of FIN (RFC 2525)", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 10 }, ms(150));
    d.takePackets();
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "R.", seq: 1, ack: 11, rule: "close/unread-data-rst" });
    d.expectNoPacket(sec(2));
  });

  it("data arriving after close() in FIN_WAIT_1 gets R seq=its ack", () => {
    const d = new Drill().established();
    d.call("close", [4], ms(200));
    d.expectSent({ flags: "F." });
    d.send({ flags: "P.", seq: 1, ack: 1, data: 10 }, ms(250));
    d.expectSent({ flags: "R", seq: 1, rule: "segment-arrives/data-after-close-rst" });
    expect(d.states().at(-1)).to.deep.include({ to: "CLOSED" });
  });
});

describe("lib/model: half-close", () => {
  it("after shutdown(SHUT_WR) data is still received; write() gives EPIPE", () => {
    const d = new Drill().established();
    d.call("shutdown", [4, "SHUT_WR"], ms(200));
    d.expectSent({ flags: "F." });
    d.send({ flags: ".", seq: 1, ack: 2 }, ms(250));
    d.send({ flags: "P.", seq: 1, ack: 2, data: 100 }, ms(300));
    d.expectSent({ flags: ".", seq: 2, ack: 101 });
    expect(d.sys("read", [4, null, 1000])).to.deep.include({ ret: 100 });
    d.expectErrno("write", [4, null, 10], "EPIPE");
  });

  it("shutdown(SHUT_RD) still queues and reads data (Linux ACKs it)", () => {
    const d = new Drill().established();
    d.call("shutdown", [4, "SHUT_RD"], ms(110));
    expect(d.sys("read", [4, null, 1000])).to.deep.include({ ret: 0 });
    d.send({ flags: ".", seq: 1, ack: 1, data: 1000 }, ms(120));
    d.expectSent({ flags: ".", ack: 1001 });
    expect(d.sys("read", [4, null, 1000])).to.deep.include({ ret: 1000 });
  });
});
