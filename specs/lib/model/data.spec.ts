// topic: T5, T17
// The data path as far as connection management needs it: quick ACKs at the start, delayed ACKs
// afterwards (pingpong), immediate duplicate ACKs with SACK for out-of-order data, Nagle, the RTO
// from the handshake RTT (RFC 6298 with Linux's 200 ms rttvar floor), the tail loss probe, and
// zero-window probing.
import { expect } from "chai";
import { Drill, ms, sec } from "./helpers";
import type { Packet } from "./helpers";

function sackBlocks(p: Packet): [number, number][] {
  if (p.packet.l4.protocol !== "tcp") return [];
  const o = p.packet.l4.tcp.options.find((x) => x.kind === "sack");
  return o && o.kind === "sack" ? o.blocks.map((b) => [b.left, b.right]) : [];
}

describe("lib/model: ACK policy", () => {
  it("the first data segments are ACKed at once (quick-ack mode)", () => {
    const d = new Drill().established();
    for (let i = 0; i < 4; i++) {
      d.send({ flags: "P.", seq: 1 + i * 100, ack: 1, data: 100 }, ms(200 + i * 10));
      d.expectSent({ flags: ".", ack: 101 + i * 100, at: ms(200 + i * 10), rule: "output/ack" });
    }
  });

  it("once the connection is request/response (pingpong) the ACK is delayed and rides on the reply", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(200));
    d.expectSent({ flags: ".", ack: 101 });
    d.call("write", [4, null, 50], ms(210));
    d.expectSent({ flags: "P.", seq: 1, ack: 101, len: 50 });
    d.send({ flags: "P.", seq: 101, ack: 51, data: 100 }, ms(300));
    d.expectNoPacket(ms(305));
    d.call("write", [4, null, 50], ms(310));
    d.expectSent({ flags: "P.", seq: 51, ack: 201, len: 50 });
  });

  it("a delayed ACK carries the interval in which Linux may send it", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(200));
    d.expectSent({ flags: "." });
    d.call("write", [4, null, 50], ms(210));
    d.takePackets();
    d.send({ flags: "P.", seq: 101, ack: 51, data: 100 }, ms(300));
    const p = d.expectSent({ flags: ".", ack: 201, rule: "timer/delayed-ack", at: ms(340) });
    expect(p.timeRange).to.deep.equal({ earliest: ms(300), latest: ms(340) });
  });

  it("out-of-order data is ACKed at once with a SACK block; filling the hole ACKs everything", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1001, ack: 1, data: 1000 }, ms(200));
    const p = d.expectSent({ flags: ".", ack: 1, rule: "output/ack", options: "nop,nop,sack 1" });
    const peer = (0xffff_fff0 + 1001) >>> 0;
    expect(sackBlocks(p)).to.deep.equal([[peer, (peer + 1000) >>> 0]]);
    d.send({ flags: "P.", seq: 1, ack: 1, data: 1000 }, ms(210));
    d.expectSent({ flags: ".", ack: 2001, at: ms(210), options: "" });
    expect(d.sys("read", [4, null, 5000])).to.deep.include({ ret: 2000 });
  });

  it("a duplicate segment is ACKed at once with a D-SACK", () => {
    const d = new Drill().established();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(200));
    d.expectSent({ flags: ".", ack: 101 });
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(300));
    const p = d.expectSent({ flags: ".", ack: 101, at: ms(300) });
    expect(sackBlocks(p)).to.have.length(1);
  });
});

describe("lib/model: sending", () => {
  it("Nagle (Minshall): a second small segment waits for the ACK of the first", () => {
    const d = new Drill().established();
    d.call("write", [4, null, 100], ms(200));
    d.expectSent({ flags: "P.", seq: 1, len: 100 });
    d.call("write", [4, null, 100], ms(201));
    d.expectNoPacket(ms(250));
    d.send({ flags: ".", seq: 1, ack: 101 }, ms(300));
    d.expectSent({ flags: "P.", seq: 101, len: 100, at: ms(300) });
  });

  it("TCP_NODELAY sends at once", () => {
    const d = new Drill().established();
    d.call("setsockopt", [4, "SOL_TCP", "TCP_NODELAY", 1, 4]);
    d.call("write", [4, null, 100], ms(200));
    d.call("write", [4, null, 100], ms(201));
    d.expectSent({ flags: "P.", seq: 1, len: 100 });
    d.expectSent({ flags: "P.", seq: 101, len: 100, at: ms(201) });
  });

  it("RTO = RTT + max(2·RTT, 200 ms): 300 ms after a 100 ms handshake; a tail loss probe comes first", () => {
    const d = new Drill().established();
    expect(d.sys("getsockopt", [4, "SOL_TCP", "TCP_INFO", null, null])).to.deep.nested.include({ "out.value.tcpi_rto": 300_000, "out.value.tcpi_rtt": 100_000 });
    d.call("write", [4, null, 1000], sec(1));
    d.expectSent({ flags: "P.", seq: 1, len: 1000 });
    d.expectSent({ flags: "P.", seq: 1, len: 1000, at: sec(1) + ms(300), rule: "timer/loss-probe" });
    d.expectSent({ flags: "P.", seq: 1, len: 1000, at: sec(1) + ms(600), rule: "timer/retransmit" });
    d.expectSent({ flags: "P.", seq: 1, len: 1000, at: sec(1) + ms(1200), rule: "timer/retransmit" });
    d.send({ flags: ".", seq: 1, ack: 1001 }, ms(2300));
    expect(d.sys("getsockopt", [4, "SOL_TCP", "TCP_INFO", null, null])).to.deep.nested.include({ "out.value.tcpi_retransmits": 0 });
  });

  it("a 3 s RTO follows a handshake whose SYN-ACK was retransmitted (no RTT sample)", () => {
    const d = new Drill().synReceived();
    d.takePackets(sec(1));
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(1100));
    d.call("accept", [3, null, null]);
    expect(d.sys("getsockopt", [4, "SOL_TCP", "TCP_INFO", null, null])).to.deep.nested.include({ "out.value.tcpi_rto": 3_000_000 });
  });

  it("a zero window is probed with SND.UNA − 1 until it opens", () => {
    const d = new Drill().established();
    d.send({ flags: ".", seq: 1, ack: 1, win: 0 }, ms(150));
    d.call("write", [4, null, 100], ms(200));
    d.expectNoPacket(ms(299));
    d.expectSent({ flags: ".", seq: 0, len: 0, at: ms(500), rule: "timer/zero-window-probe" });
    d.send({ flags: ".", seq: 1, ack: 1, win: 257 }, ms(550));
    d.expectSent({ flags: "P.", seq: 1, len: 100, at: ms(550) });
  });

  it("a write larger than the MSS leaves in MSS-sized segments within the initial cwnd", () => {
    const d = new Drill().established();
    d.call("write", [4, null, 5000], ms(200));
    const lens = d.takePackets().map((p) => (p.packet.l4.protocol === "tcp" ? p.packet.l4.tcp.payload.length : 0));
    expect(lens).to.deep.equal([1000, 1000, 1000, 1000, 1000]);
  });

  it("with a TSO device the burst leaves as one packet; probes and retransmissions are one MSS", () => {
    const d = new Drill({ tso: true }).established();
    d.call("write", [4, null, 5000], ms(200));
    d.expectSent({ flags: "P.", seq: 1, len: 5000 });
    // Five segments in flight: PTO = 2·SRTT + 2 ms, before the 300 ms RTO.
    d.expectSent({ flags: "P.", seq: 4001, len: 1000, rule: "timer/loss-probe", at: ms(402) });
    d.expectSent({ flags: ".", seq: 1, len: 1000, rule: "timer/retransmit", at: ms(702) });
  });
});
