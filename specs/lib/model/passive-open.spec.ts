// topic: T1, T3, T10, T11, T15
// Passive open: SYN-ACK shape (options mirror the SYN in Linux's fixed order), accept() only after
// the third segment, data on the third segment, SYN-ACK retransmission at 1, 3, 7, 15, 31 s,
// the lost third ACK, and the accept queue holding backlog + 1.
import { expect } from "chai";
import { Drill, ms, opt, sec } from "./helpers";

describe("lib/model: passive open (T1, T3)", () => {
  it("LISTEN → SYN_RECEIVED on SYN; the SYN-ACK acknowledges ISN+1 and mirrors the offered options", () => {
    const d = new Drill().listening();
    d.send({ flags: "S", seq: 0, win: 32792, options: [opt.mss(1000), opt.sackOK, opt.nop, opt.nop, opt.nop, opt.ws(7)] }, 0);
    d.expectSent({ flags: "S.", seq: 0, ack: 1, win: 65535, options: "mss 1460,nop,nop,sackOK,nop,wscale 8", rule: "segment-arrives/listen/syn" });
    expect(d.states().at(-1)).to.deep.include({ from: "LISTEN", to: "SYN_RECEIVED" });
  });

  it("with timestamps the SYN-ACK is <mss,sackOK,TS,nop,wscale> and echoes TSval", () => {
    const d = new Drill().listening();
    d.send({ flags: "S", seq: 0, options: [opt.mss(1000), opt.sackOK, opt.ts(100, 0), opt.nop, opt.ws(7)] }, 0);
    const p = d.expectSent({ flags: "S.", options: "mss 1460,sackOK,TS,nop,wscale 8" });
    const ts = p.packet.l4.protocol === "tcp" ? p.packet.l4.tcp.options.find((o) => o.kind === "timestamp") : undefined;
    expect(ts).to.deep.include({ ecr: 100 });
  });

  it("a SYN without options gets <mss 1460> alone", () => {
    const d = new Drill({ profile: "linux-6.18" }).listening();
    d.send({ flags: "S", seq: 0, win: 65535, options: [opt.mss(1460)] }, 0);
    d.expectSent({ flags: "S.", win: 64240, options: "mss 1460" });
  });

  it("the 6.18 SYN-ACK window is 65160 (45 × 1448) with timestamps", () => {
    const d = new Drill({ profile: "linux-6.18" }).listening();
    d.send({ flags: "S", seq: 0, options: [opt.mss(1460), opt.sackOK, opt.ts(1, 0), opt.nop, opt.ws(7)] }, 0);
    d.expectSent({ flags: "S.", win: 65160, options: "mss 1460,sackOK,TS,nop,wscale 10" });
  });

  it("accept() blocks until the third segment, then returns the peer address", () => {
    const d = new Drill().synReceived();
    const r = d.sys("accept", [3, null, null], ms(50));
    expect(r.kind).to.equal("blocked");
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(100));
    const done = d.done(r.kind === "blocked" ? r.id : -1);
    expect(done).to.deep.include({ ret: 4, time: ms(100), out: { addr: { family: 2, port: 40000, addr: "192.0.2.1" } } });
    expect(d.state(4)).to.equal("ESTABLISHED");
    expect(d.states().at(-1)).to.deep.include({ from: "SYN_RECEIVED", to: "ESTABLISHED", rule: "request/established" });
  });

  it("non-blocking accept() gives EAGAIN while the handshake is incomplete", () => {
    const d = new Drill().synReceived();
    d.call("fcntl", [3, "F_SETFL", "O_RDWR|O_NONBLOCK"]);
    d.expectErrno("accept", [3, null, null], "EAGAIN");
  });

  it("data on the third segment is queued and readable after accept() (T3)", () => {
    const d = new Drill().synReceived();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 10 }, ms(100));
    expect(d.call("accept", [3, null, null])).to.equal(4);
    const r = d.sys("read", [4, null, 100]);
    expect(r).to.deep.include({ kind: "returned", ret: 10 });
    d.expectSent({ flags: ".", ack: 11, at: ms(100), rule: "output/ack" });
  });

  it("a lost third ACK: the first data segment completes the handshake (T3, T11)", () => {
    const d = new Drill().synReceived();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(300));
    d.expectSent({ flags: ".", ack: 101, at: ms(300) });
    expect(d.call("accept", [3, null, null])).to.equal(4);
  });
});

describe("lib/model: SYN-ACK retransmission (T10)", () => {
  it("resends the same SYN-ACK at +1, +3, +7, +15, +31 s, then drops the request at 63 s", () => {
    const d = new Drill().synReceived();
    const pkts = d.takePackets(sec(64));
    expect(pkts.map((p) => p.time / 1e6)).to.deep.equal([1, 3, 7, 15, 31]);
    for (const p of pkts) {
      expect(p.rule).to.equal("timer/synack-retransmit");
      expect(p.packet.l4.protocol === "tcp" && p.packet.l4.tcp.seq).to.equal(0xffff_ff00);
    }
    expect(d.states().at(-1)).to.deep.include({ from: "SYN_RECEIVED", to: "CLOSED", rule: "timer/synack-expire", time: sec(63) });
    // The request is gone: a late ACK now meets the listener and is reset.
    d.send({ flags: ".", seq: 1, ack: 1 }, sec(64));
    d.expectSent({ flags: "R", seq: 1, rule: "segment-arrives/listen/ack-rst" });
  });

  it("a retransmitted SYN gets an immediate SYN-ACK, at most one per 500 ms", () => {
    const d = new Drill().synReceived();
    d.send({ flags: "S", seq: 0, win: 32792 }, ms(600));
    d.expectSent({ flags: "S.", seq: 0, ack: 1, at: ms(600), rule: "request/retransmitted-syn" });
    d.send({ flags: "S", seq: 0, win: 32792 }, ms(700));
    d.expectNoPacket(ms(1100));
    d.send({ flags: "S", seq: 0, win: 32792 }, ms(1200));
    d.expectSent({ flags: "S.", at: ms(1200) });
  });

  it("tcp_synack_retries=2 gives up after the second retransmission", () => {
    const d = new Drill();
    d.host.applySysctl("net.ipv4.tcp_synack_retries", "2");
    d.synReceived();
    expect(d.takePackets(sec(20)).map((p) => p.time / 1e6)).to.deep.equal([1, 3]);
    expect(d.states().at(-1)).to.deep.include({ to: "CLOSED", time: sec(7) });
  });

  it("an ACK for another ISN is answered with R seq=SEG.ACK; the request survives", () => {
    const d = new Drill().synReceived();
    d.send({ flags: ".", seq: 1, ack: 77 }, ms(100));
    d.expectSent({ flags: "R", seq: 77, rule: "request/bad-ack-rst" });
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(200));
    expect(d.call("accept", [3, null, null])).to.equal(4);
  });

  it("an in-window RST drops the request silently", () => {
    const d = new Drill().synReceived();
    d.send({ flags: "R", seq: 1 }, ms(100));
    d.expectNoPacket(sec(2));
    expect(d.states().at(-1)).to.deep.include({ to: "CLOSED", rule: "request/rst" });
  });
});

describe("lib/model: accept queue (T15)", () => {
  function connectPeer(d: Drill, port: number, at: number): void {
    d.send({ flags: "S", seq: 0, srcPort: port, options: [opt.mss(1460)] }, at);
    d.send({ flags: ".", seq: 1, ack: 1, srcPort: port }, at + ms(10));
  }

  it("listen(fd, 1) holds backlog + 1 = 2 children; a further SYN is dropped silently", () => {
    const d = new Drill().listening(1);
    connectPeer(d, 41000, 0);
    connectPeer(d, 41001, ms(100));
    d.takePackets();
    d.send({ flags: "S", seq: 0, srcPort: 41002, options: [opt.mss(1460)] }, ms(200));
    d.expectNoPacket(ms(900));
    expect(d.log.some((e) => e.kind === "drop" && e.rule === "segment-arrives/listen/accept-queue-full-drop")).to.equal(true);
    expect(d.call("accept", [3, null, null])).to.equal(4);
    expect(d.call("accept", [3, null, null])).to.equal(5);
  });

  /** backlog 2: two accepted-queue children, then two requests whose ACKs overflow the queue. */
  function fillThenRace(d: Drill): void {
    d.listening(2);
    connectPeer(d, 41000, 0);
    connectPeer(d, 41001, ms(100));
    d.send({ flags: "S", seq: 0, srcPort: 41002, options: [opt.mss(1460)] }, ms(200));
    d.send({ flags: "S", seq: 0, srcPort: 41003, options: [opt.mss(1460)] }, ms(201));
    d.send({ flags: ".", seq: 1, ack: 1, srcPort: 41002 }, ms(210));
    d.takePackets();
  }

  it("queue full between SYN and ACK, abort_on_overflow=0: the ACK is dropped and the SYN-ACK resent", () => {
    const d = new Drill();
    fillThenRace(d);
    d.send({ flags: ".", seq: 1, ack: 1, srcPort: 41003 }, ms(220));
    expect(d.log.at(-1)).to.deep.include({ kind: "drop", rule: "request/accept-queue-full-drop" });
    const again = d.takePackets(ms(201) + sec(1));
    expect(again.map((p) => [p.time, p.rule])).to.deep.equal([[ms(201) + sec(1), "timer/synack-retransmit"]]);
    expect(d.call("accept", [3, null, null])).to.equal(4);
    d.send({ flags: ".", seq: 1, ack: 1, srcPort: 41003 }, sec(2));
    expect(d.call("accept", [3, null, null])).to.equal(5);
    expect(d.call("accept", [3, null, null])).to.equal(6);
    expect(d.call("accept", [3, null, null])).to.equal(7);
  });

  it("queue full between SYN and ACK, abort_on_overflow=1: the ACK gets R", () => {
    const d = new Drill();
    d.host.applySysctl("net.ipv4.tcp_abort_on_overflow", "1");
    fillThenRace(d);
    d.send({ flags: ".", seq: 1, ack: 1, srcPort: 41003 }, ms(220));
    d.expectSent({ flags: "R", seq: 1, rule: "request/accept-queue-full-rst" });
  });

  it("closing a listener resets its unaccepted children", () => {
    const d = new Drill().listening(4);
    connectPeer(d, 41000, 0);
    d.takePackets();
    d.call("close", [3], ms(50));
    d.expectSent({ flags: "R.", seq: 1, ack: 1, rule: "close/listener-child-reset" });
  });
});
