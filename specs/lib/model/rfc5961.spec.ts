// topic: T23
// Resets and RFC 5961 in a synchronized connection: only an RST at exactly RCV.NXT resets; any
// other in-window RST, and any SYN, gets a challenge ACK; out-of-window RSTs are dropped;
// out-of-window segments get a duplicate ACK; pure ACKs and challenges are rate-limited to one
// per 500 ms per socket (tcp_invalid_ratelimit), data segments are not.
import { expect } from "chai";
import { Drill, ms, opt } from "./helpers";

describe("lib/model: RST validation (T23)", () => {
  it("RST with SEG.SEQ = RCV.NXT resets: ECONNRESET once, then EOF / EPIPE", () => {
    const d = new Drill().established();
    d.send({ flags: "R", seq: 1 }, ms(200));
    d.expectNoPacket();
    expect(d.states().at(-1)).to.deep.include({ from: "ESTABLISHED", to: "CLOSED", rule: "segment-arrives/rst" });
    expect(d.sys("read", [4, null, 10])).to.deep.include({ ret: -1, errno: "ECONNRESET" });
    expect(d.sys("read", [4, null, 10])).to.deep.include({ ret: 0 });
    d.expectErrno("write", [4, null, 10], "EPIPE");
  });

  it("an in-window RST that is not exact gets a challenge ACK and changes nothing", () => {
    const d = new Drill().established();
    d.send({ flags: "R", seq: 100 }, ms(200));
    d.expectSent({ flags: ".", seq: 1, ack: 1, rule: "segment-arrives/rst-challenge" });
    expect(d.state(4)).to.equal("ESTABLISHED");
  });

  it("an out-of-window RST is dropped silently", () => {
    const d = new Drill().established();
    d.send({ flags: "R", seq: 10_000_000 }, ms(200));
    d.expectNoPacket();
    expect(d.state(4)).to.equal("ESTABLISHED");
  });

  it("a SYN in ESTABLISHED gets a challenge ACK", () => {
    const d = new Drill().established();
    d.send({ flags: "S", seq: 500, options: [opt.mss(1460)] }, ms(200));
    d.expectSent({ flags: ".", seq: 1, ack: 1, rule: "segment-arrives/syn-challenge" });
    expect(d.state(4)).to.equal("ESTABLISHED");
  });

  it("challenge ACKs are limited to one per 500 ms per socket", () => {
    const d = new Drill().established();
    d.send({ flags: "R", seq: 100 }, ms(200));
    d.expectSent({ flags: "." });
    d.send({ flags: "S", seq: 100 }, ms(300));
    d.send({ flags: "R", seq: 100 }, ms(699));
    d.expectNoPacket();
    d.send({ flags: "R", seq: 100 }, ms(700));
    d.expectSent({ flags: ".", at: ms(700) });
  });

  it("RST at RCV.NXT − 1 after the peer's FIN resets too (tcp_reset_check); CLOSE_WAIT reports EPIPE", () => {
    const d = new Drill().established();
    d.send({ flags: "F.", seq: 1, ack: 1 }, ms(200));
    d.send({ flags: "R", seq: 1 }, ms(300));
    expect(d.state(4)).to.equal("CLOSED");
    d.expectErrno("write", [4, null, 10], "EPIPE");
  });
});

describe("lib/model: RST for a half-open connection (T23, T22)", () => {
  it("RST at RCV.NXT drops the request: no SYN-ACK retransmission, a later ACK gets R", () => {
    const d = new Drill().synReceived();
    d.send({ flags: "R", seq: 1 }, ms(10));
    d.expectNoPacket(ms(1500));
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(1500));
    d.expectSent({ flags: "R", rule: "segment-arrives/listen/ack-rst" });
  });

  it("an in-window RST not at RCV.NXT gets a challenge ACK (≤ 1 per 500 ms) and the request survives (6.18)", () => {
    const d = new Drill().synReceived();
    d.send({ flags: "R", seq: 5 }, ms(10));
    d.expectSent({ flags: ".", seq: 1, ack: 1, rule: "request/rst-challenge" });
    d.send({ flags: "R", seq: 7 }, ms(20));
    d.expectNoPacket(ms(500));
    d.send({ flags: "R", seq: 9 }, ms(620));
    d.expectSent({ flags: ".", seq: 1, ack: 1, rule: "request/rst-challenge" });
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(800));
    expect(d.call("accept", [3, null, null])).to.equal(4);
  });
});

describe("lib/model: unacceptable segments (T23)", () => {
  it("data beyond the window gets a duplicate ACK; data is never rate-limited", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 5_000_000, ack: 1, data: 10 }, ms(200));
    d.expectSent({ flags: ".", seq: 1, ack: 1, rule: "segment-arrives/out-of-window" });
    d.send({ flags: "P.", seq: 5_000_000, ack: 1, data: 10 }, ms(210));
    d.expectSent({ flags: ".", seq: 1, ack: 1, rule: "segment-arrives/out-of-window" });
  });

  it("an old pure ACK below the window is answered once per 500 ms", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(150));
    d.takePackets();
    d.send({ flags: ".", seq: -100_000, ack: 1 }, ms(200));
    d.expectSent({ flags: ".", ack: 101, rule: "segment-arrives/out-of-window" });
    d.send({ flags: ".", seq: -100_000, ack: 1 }, ms(300));
    d.expectNoPacket();
  });

  it("an ACK of data never sent gets a challenge ACK and the segment is dropped", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 9999, data: 10 }, ms(200));
    d.expectSent({ flags: ".", seq: 1, ack: 1, rule: "segment-arrives/ack-unsent" });
    expect(d.sys("ioctl", [4, "SIOCINQ", null])).to.deep.include({ out: { value: 0 } });
  });

  it("a segment without ACK is dropped", () => {
    const d = new Drill().established();
    d.send({ flags: "", seq: 1, data: 1000 }, ms(200));
    expect(d.sys("ioctl", [4, "SIOCINQ", null])).to.deep.include({ out: { value: 0 } });
    d.send({ flags: ".", seq: 1, ack: 1, data: 1000 }, ms(210));
    expect(d.sys("ioctl", [4, "SIOCINQ", null])).to.deep.include({ out: { value: 1000 } });
  });

  it("PAWS: an older TSval is answered with a duplicate ACK and not accepted", () => {
    const d = new Drill();
    d.synReceived(0, [opt.mss(1460), opt.sackOK, opt.ts(1000, 0), opt.nop, opt.ws(7)]);
    d.send({ flags: ".", seq: 1, ack: 1, options: [opt.nop, opt.nop, opt.ts(1100, 0)] }, ms(100));
    d.call("accept", [3, null, null]);
    d.send({ flags: "P.", seq: 1, ack: 1, data: 10, options: [opt.nop, opt.nop, opt.ts(900, 0)] }, ms(200));
    d.expectSent({ flags: ".", ack: 1, rule: "segment-arrives/paws-reject" });
    expect(d.sys("ioctl", [4, "SIOCINQ", null])).to.deep.include({ out: { value: 0 } });
  });
});
