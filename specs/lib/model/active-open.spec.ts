// topic: T2, T17, T22, T24
// Active open: the SYN's shape per profile, connect() semantics (blocking and not), the SYN-ACK
// establishing the connection with an immediate ACK, MSS negotiation, an old duplicate SYN-ACK
// answered with a reset, refused connections, and the simultaneous open.
import { expect } from "chai";
import { Drill, ISN, LOCAL, ms, opt, PEER_ISN, REMOTE, REMOTE_PORT, sec } from "./helpers";

const peer = { family: 2, port: REMOTE_PORT, addr: REMOTE };

describe("lib/model: active open (T2)", () => {
  it("the SYN carries <mss,sackOK,TS,nop,wscale>: 6.18 defaults win 64240 wscale 10", () => {
    const d = new Drill({ profile: "linux-6.18" });
    d.call("socket", [2, 1, 6]);
    d.sys("connect", [3, peer, 16]);
    d.expectSent({ flags: "S", seq: 0, win: 64240, options: "mss 1460,sackOK,TS,nop,wscale 10", rule: "syscall/connect" });
  });

  it("packetdrill profile: win 65535 wscale 8; without timestamps <mss,nop,nop,sackOK,nop,wscale>", () => {
    const d = new Drill();
    d.host.applySysctl("net.ipv4.tcp_timestamps", "0");
    d.call("socket", [2, 1, 6]);
    d.sys("connect", [3, peer, 16]);
    d.expectSent({ flags: "S", win: 65535, options: "mss 1460,nop,nop,sackOK,nop,wscale 8" });
  });

  it("IPv6 announces MTU − 60", () => {
    const d = new Drill({ ipVersion: 6, localIp: "fd3d:a0b:17d6::1", remoteIp: "fd3d:fa7b:d17d::1", mtu: 1520 });
    d.call("socket", [10, 1, 6]);
    d.sys("connect", [3, { family: 10, port: REMOTE_PORT, addr: "fd3d:fa7b:d17d::1" }, 28]);
    d.expectSent({ flags: "S", options: "mss 1460,sackOK,TS,nop,wscale 8" });
  });

  it("blocking connect() returns after the SYN-ACK; the ACK goes out at once", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    const r = d.sys("connect", [3, peer, 16]);
    expect(r.kind).to.equal("blocked");
    d.expectSent({ flags: "S" });
    d.dstPort = d.localPort(3);
    d.send({ flags: "S.", seq: 0, ack: 1, win: 5792, options: [opt.mss(1460), opt.nop, opt.ws(2), opt.nop, opt.nop, opt.sackOK] }, ms(100));
    d.expectSent({ flags: ".", seq: 1, ack: 1, at: ms(100), rule: "segment-arrives/syn-sent/syn-ack" });
    expect(d.done(r.kind === "blocked" ? r.id : -1)).to.deep.include({ ret: 0, time: ms(100) });
    expect(d.state(3)).to.equal("ESTABLISHED");
  });

  it("non-blocking: EINPROGRESS, EALREADY while in SYN_SENT, 0 once established, then EISCONN", () => {
    const d = new Drill().synSent();
    d.expectErrno("connect", [3, peer, 16], "EALREADY");
    d.send({ flags: "S.", seq: 0, ack: 1, options: [opt.mss(1460)] }, ms(100));
    expect(d.call("connect", [3, peer, 16])).to.equal(0);
    d.expectErrno("connect", [3, peer, 16], "EISCONN");
    expect(d.sys("getsockopt", [3, "SOL_SOCKET", "SO_ERROR", null, null])).to.deep.include({ out: { value: 0, optlen: 4 } });
  });

  it("connect() to another host than the one remote address gives ENETUNREACH", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.expectErrno("connect", [3, { family: 2, port: 80, addr: "198.51.100.7" }, 16], "ENETUNREACH");
  });

  it("a write while connecting is held; the data carries the ACK of the SYN-ACK", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.sys("connect", [3, peer, 16]);
    d.expectSent({ flags: "S" });
    d.dstPort = d.localPort(3);
    const w = d.sys("write", [3, null, 100], ms(10));
    expect(w.kind).to.equal("blocked");
    d.send({ flags: "S.", seq: 0, ack: 1, win: 5792, options: [opt.mss(1460)] }, ms(100));
    d.expectSent({ flags: "P.", seq: 1, ack: 1, len: 100, at: ms(100) });
    d.expectNoPacket(ms(300));
  });
});

describe("lib/model: MSS negotiation (T17)", () => {
  it("effective MSS = min(peer, own) − 12 with timestamps; TCP_MAXSEG clamps what we announce", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.call("setsockopt", [3, "SOL_TCP", "TCP_MAXSEG", 1100, 4]);
    expect(d.sys("getsockopt", [3, "SOL_TCP", "TCP_MAXSEG", null, null])).to.deep.include({ out: { value: 1100, optlen: 4 } });
    d.sys("connect", [3, peer, 16]);
    d.expectSent({ flags: "S", options: "mss 1100,sackOK,TS,nop,wscale 8" });
    d.dstPort = d.localPort(3);
    d.send({ flags: "S.", seq: 0, ack: 1, win: 32792, options: [opt.mss(1460), opt.sackOK, opt.ts(5, 0), opt.nop, opt.ws(7)] }, ms(100));
    expect(d.sys("getsockopt", [3, "SOL_TCP", "TCP_MAXSEG", null, null])).to.deep.include({ out: { value: 1088, optlen: 4 } });
  });

  it("no MSS option from the peer means 536", () => {
    const d = new Drill().synSent();
    d.send({ flags: "S.", seq: 0, ack: 1, win: 65535 }, ms(100));
    d.expectSent({ flags: ".", len: 0 });
    expect(d.sys("getsockopt", [3, "SOL_TCP", "TCP_MAXSEG", null, null])).to.deep.include({ out: { value: 536, optlen: 4 } });
    const w = d.call("write", [3, null, 2000]);
    expect(w).to.equal(2000);
    expect(d.takePackets().map((p) => p.packet.l4.protocol === "tcp" ? p.packet.l4.tcp.payload.length : 0)).to.deep.equal([536, 536, 536, 392]);
  });
});

describe("lib/model: old duplicate SYN-ACK (T22)", () => {
  it("a SYN-ACK whose ack is not ISS+1 gets R seq=its ack; the right SYN-ACK still connects", () => {
    const d = new Drill().synSent();
    d.send({ flags: "S.", seq: 500, ack: 77, options: [opt.mss(1460)] }, ms(50));
    d.expectSent({ flags: "R", seq: 77, at: ms(50), rule: "segment-arrives/syn-sent/bad-ack-rst" });
    // The SYN is retried almost at once (TCP_TIMEOUT_MIN, two ticks) in case our SYN was lost.
    d.expectSent({ flags: "S", seq: 0, at: ms(50) + 8000, rule: "timer/syn-retransmit" });
    d.send({ flags: "S.", seq: 0, ack: 1, options: [opt.mss(1460)] }, ms(100));
    d.expectSent({ flags: ".", seq: 1, ack: 1 });
    expect(d.state(3)).to.equal("ESTABLISHED");
  });

  it("an RST with an unacceptable ACK is ignored", () => {
    const d = new Drill().synSent();
    d.send({ flags: "R.", seq: 0, ack: 5 }, ms(50));
    expect(d.state(3)).to.equal("SYN_SENT");
    expect(d.log.some((e) => e.kind === "drop" && e.rule === "segment-arrives/syn-sent/bad-ack-drop")).to.equal(true);
  });
});

describe("lib/model: refused connections (T24)", () => {
  it("a SYN to a closed port gets R. seq=0 ack=ISN+1", () => {
    const d = new Drill();
    d.send({ flags: "S", seq: 0, options: [opt.mss(1460)] }, 0);
    d.expectSent({ flags: "R.", ack: 1, rule: "segment-arrives/closed/rst-ack" });
    const p = d.packets();
    expect(p).to.have.length(0);
  });

  it("a segment with ACK to no socket gets R seq=its ack; a RST gets nothing", () => {
    const d = new Drill();
    d.send({ flags: "P.", seq: 1, ack: 33, data: 5 }, 0);
    d.expectSent({ flags: "R", seq: 33, rule: "segment-arrives/closed/rst-for-ack" });
    d.send({ flags: "R.", seq: 1, ack: 33 }, ms(1));
    d.expectNoPacket(ms(2));
  });

  it("RST with an acceptable ACK in SYN_SENT: ECONNREFUSED", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    const r = d.sys("connect", [3, peer, 16]);
    d.expectSent({ flags: "S" });
    d.dstPort = d.localPort(3);
    d.send({ flags: "R.", seq: 0, ack: 1 }, ms(10));
    expect(d.done(r.kind === "blocked" ? r.id : -1)).to.deep.include({ ret: -1, errno: "ECONNREFUSED", time: ms(10) });
    expect(d.states().at(-1)).to.deep.include({ from: "SYN_SENT", to: "CLOSED", rule: "segment-arrives/syn-sent/rst" });
    d.expectNoPacket(sec(5));
  });

  it("a RST without ACK in SYN_SENT is dropped", () => {
    const d = new Drill().synSent();
    d.send({ flags: "R", seq: 0 }, ms(10));
    expect(d.state(3)).to.equal("SYN_SENT");
  });
});

describe("lib/model: simultaneous open", () => {
  it("a SYN in SYN_SENT moves to SYN_RECEIVED and answers with SYN-ACK carrying our ISS", () => {
    const d = new Drill().synSent();
    d.send({ flags: "S", seq: 0, win: 5000, options: [opt.mss(1460), opt.sackOK, opt.ts(9, 0), opt.nop, opt.ws(7)] }, ms(10));
    d.expectSent({ flags: "S.", seq: 0, ack: 1, options: "mss 1460,sackOK,TS,nop,wscale 8", rule: "segment-arrives/syn-sent/simultaneous-open" });
    expect(d.state(3)).to.equal("SYN_RECEIVED");
    d.send({ flags: "S.", seq: 0, ack: 1, win: 5000, options: [opt.mss(1460), opt.sackOK, opt.ts(10, 0), opt.nop, opt.ws(7)] }, ms(20));
    expect(d.state(3)).to.equal("ESTABLISHED");
    d.expectSent({ flags: ".", seq: 1, ack: 1 });
    expect(d.call("connect", [3, peer, 16])).to.equal(0);
  });

  it("a crossing SYN without options still gets our SYN's options, and windows stay scaled (Linux keeps rcv_wscale)", () => {
    const d = new Drill().synSent();
    d.send({ flags: "S", seq: 0, win: 5000, options: [opt.mss(1460)] }, ms(10));
    d.expectSent({ flags: "S.", seq: 0, ack: 1, options: "mss 1460,sackOK,TS,nop,wscale 8", rule: "segment-arrives/syn-sent/simultaneous-open" });
    d.send({ flags: "S.", seq: 0, ack: 1, win: 5000, options: [opt.mss(1460)] }, ms(20));
    expect(d.state(3)).to.equal("ESTABLISHED");
    d.expectSent({ flags: ".", seq: 1, ack: 1 });
    expect(d.call("write", [3, null, 10], ms(30))).to.equal(10);
    const p = d.expectSent({ flags: "P.", seq: 1, len: 10 });
    // Shifted by our wscale 8: unscaled it would be min(free space, 65535).
    expect(p.packet.l4.protocol === "tcp" && p.packet.l4.tcp.window).to.be.below(4096);
  });

  it("SYN_RECEIVED of a simultaneous open retransmits the SYN-ACK on RTO", () => {
    const d = new Drill().synSent();
    d.send({ flags: "S", seq: 0, options: [opt.mss(1460)] }, ms(10));
    d.expectSent({ flags: "S." });
    d.expectSent({ flags: "S.", seq: 0, at: sec(1), rule: "timer/syn-retransmit" });
  });
});

describe("lib/model: sequence numbers across the wrap", () => {
  it("the fixture ISNs sit just below 2^32 and data crosses zero", () => {
    expect(ISN).to.be.above(0xffff_0000);
    expect(PEER_ISN).to.be.above(0xffff_0000);
    const d = new Drill().clientEstablished();
    d.send({ flags: "P.", seq: 1, ack: 1, data: 100 }, ms(200));
    d.expectSent({ flags: ".", ack: 101 });
    expect(d.call("write", [3, null, 500], ms(210))).to.equal(500);
    const p = d.expectSent({ flags: "P.", seq: 1, len: 500 });
    expect(p.packet.l4.protocol === "tcp" && p.packet.l4.tcp.seq).to.equal((ISN + 1) >>> 0);
    d.send({ flags: ".", seq: 101, ack: 501 }, ms(300));
    expect(d.sys("ioctl", [3, "SIOCOUTQ", null])).to.deep.include({ out: { value: 0 } });
    void LOCAL;
  });
});

describe("lib/model: lost third ACK, client side (T11)", () => {
  it("an ESTABLISHED client re-ACKs each retransmitted SYN-ACK at once", () => {
    const d = new Drill().clientEstablished();
    d.send({ flags: "S.", seq: 0, ack: 1, options: [opt.mss(1460)] }, ms(1100));
    d.expectSent({ flags: ".", seq: 1, ack: 1, at: ms(1100), rule: "segment-arrives/syn-challenge" });
    d.send({ flags: "S.", seq: 0, ack: 1, options: [opt.mss(1460)] }, ms(3100));
    d.expectSent({ flags: ".", seq: 1, ack: 1, at: ms(3100) });
    expect(d.state(3)).to.equal("ESTABLISHED");
  });
});

describe("lib/model: ISN selection (T18)", () => {
  it("two connections on the same 4-tuple get different ISNs by default: the clock moved on (MUST-8)", () => {
    const d = new Drill({ isn: undefined });
    const isns: number[] = [];
    for (let i = 0; i < 2; i++) {
      const at = ms(1000 * i + 7);
      const fd = d.call("socket", [2, 1, 6], at);
      d.call("setsockopt", [fd, "SOL_SOCKET", "SO_REUSEADDR", 1, 4], at);
      d.call("bind", [fd, { family: 2, port: 50500, addr: "0.0.0.0" }, 16], at);
      d.sys("connect", [fd, peer, 16], at);
      const p = d.expectSent({ flags: "S" });
      isns.push(p.packet.l4.protocol === "tcp" ? p.packet.l4.tcp.seq : -1);
      d.call("close", [fd], at);
    }
    expect(isns[0]).to.not.equal(isns[1]);
    // secure_tcp_seq: same hash for the same 4-tuple, plus the time in 64 ns units.
    expect((isns[1]! - isns[0]!) >>> 0).to.equal(15_625_000);
  });

  it("ISNs of different 4-tuples are unrelated: the keyed hash differs", () => {
    const d = new Drill({ isn: undefined });
    const isns: number[] = [];
    for (const port of [50500, 50501]) {
      const fd = d.call("socket", [2, 1, 6]);
      d.call("bind", [fd, { family: 2, port, addr: "0.0.0.0" }, 16]);
      d.sys("connect", [fd, peer, 16]);
      const p = d.expectSent({ flags: "S" });
      isns.push(p.packet.l4.protocol === "tcp" ? p.packet.l4.tcp.seq : -1);
      d.call("close", [fd]);
    }
    expect(Math.abs(isns[1]! - isns[0]!)).to.be.greaterThan(1000);
  });
});

describe("lib/model: ECN negotiation", () => {
  it("tcp_ecn=1: the first SYN carries ECE|CWR, a retransmitted one does not", () => {
    const d = new Drill();
    d.host.applySysctl("net.ipv4.tcp_ecn", "1");
    d.call("socket", [2, 1, 6]);
    d.sys("connect", [3, peer, 16]);
    d.expectSent({ flags: "SEW", seq: 0 });
    d.expectSent({ flags: "S", at: sec(1) });
  });

  it("a listener with tcp_ecn=2 (the default) answers an ECN SYN with ECE", () => {
    const d = new Drill({ profile: "linux-6.18" }).listening();
    d.send({ flags: "SEW", seq: 0, options: [opt.mss(1460)] }, 0);
    d.expectSent({ flags: "SE." });
  });
});
