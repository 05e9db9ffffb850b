// topic: T16
// SYN queue full: with tcp_syncookies ≥ 1 the listener answers with a cookie SYN-ACK and keeps no
// state; the cookie (the ISN) carries the peer's MSS rounded down to 536/1300/1440/1460, and
// window scale / SACK only survive inside the timestamp — so without timestamps the SYN-ACK is
// <mss N> alone. The returning ACK (cookie + 1) creates the connection.
import { expect } from "chai";
import { Drill, ISN, ms, opt, PEER_ISN } from "./helpers";
import { createHost } from "../../../lib/model/host";
import { cookieInitSequence } from "../../../lib/model/syncookies";
import type { Packet } from "./helpers";

function tcpOf(p: Packet) {
  if (p.packet.l4.protocol !== "tcp") throw new Error("not tcp");
  return p.packet.l4.tcp;
}

/**
 * listen(fd, 1): two requests fill the SYN queue (Linux 6.x: full when qlen > backlog), the next
 * SYN (from port 41001) gets a cookie.
 */
function cookieSynAck(d: Drill, options = [opt.mss(1460), opt.nop, opt.nop, opt.sackOK, opt.nop, opt.ws(7)]): Packet {
  d.listening(1);
  d.send({ flags: "S", seq: 0, srcPort: 41000, options: [opt.mss(1460)] }, 0);
  d.expectSent({ flags: "S." });
  d.send({ flags: "S", seq: 0, srcPort: 41002, options: [opt.mss(1460)] }, ms(5));
  d.expectSent({ flags: "S." });
  d.send({ flags: "S", seq: 0, srcPort: 41001, options }, ms(10));
  return d.expectSent({ flags: "S.", rule: "segment-arrives/listen/syn-cookie" });
}

describe("lib/model: syncookies (T16)", () => {
  it("without timestamps the cookie SYN-ACK offers <mss 1460> only, and no request is kept", () => {
    const d = new Drill();
    const p = cookieSynAck(d);
    expect(tcpOf(p).options).to.deep.equal([{ kind: "mss", mss: 1460 }]);
    expect(tcpOf(p).seq).to.not.equal(ISN);
    expect(d.host.connections().filter((c) => c.kind === "request")).to.have.length(2);
    // Only the real requests (ports 41000, 41002) retransmit; the cookie connection has no state.
    expect(d.takePackets(ms(5000)).map((x) => tcpOf(x).dstPort)).to.deep.equal([41000, 41002, 41000, 41002]);
  });

  it("with timestamps the SYN-ACK keeps wscale and SACK; TSval's low 6 bits encode them", () => {
    const d = new Drill();
    const p = cookieSynAck(d, [opt.mss(1460), opt.sackOK, opt.ts(77, 0), opt.nop, opt.ws(7)]);
    const t = tcpOf(p);
    expect(t.options.map((o) => o.kind)).to.deep.equal(["mss", "sackOK", "timestamp", "nop", "wscale"]);
    const ts = t.options.find((o) => o.kind === "timestamp");
    expect(ts && ts.kind === "timestamp" ? ts.val & 0x3f : -1).to.equal(7 | 0x10);
  });

  it("the ACK returning cookie+1 creates an ESTABLISHED child for accept()", () => {
    const d = new Drill();
    const cookie = tcpOf(cookieSynAck(d)).seq;
    d.send({ flags: ".", seq: 1, absAck: cookie + 1, srcPort: 41001 }, ms(20));
    expect(d.states().at(-1)).to.deep.include({ from: "SYN_RECEIVED", to: "ESTABLISHED", rule: "segment-arrives/listen/cookie-ack" });
    d.send({ flags: ".", seq: 1, ack: 1, srcPort: 41000 }, ms(30));
    expect(d.sys("accept", [3, null, null])).to.deep.include({ ret: 4, out: { addr: { family: 2, port: 41001, addr: "192.0.2.1" } } });
    expect(d.sys("accept", [3, null, null])).to.deep.include({ ret: 5, out: { addr: { family: 2, port: 41000, addr: "192.0.2.1" } } });
  });

  it("the MSS is rounded down to the cookie table: 1000 → 536, 1450 → 1440", () => {
    for (const [offered, got] of [[1000, 536], [1450, 1440], [1300, 1300], [9000, 1460]] as const) {
      const d = new Drill();
      const cookie = tcpOf(cookieSynAck(d, [opt.mss(offered)])).seq;
      d.send({ flags: ".", seq: 1, absAck: cookie + 1, srcPort: 41001, win: 65535 }, ms(20));
      expect(d.call("accept", [3, null, null])).to.equal(4);
      expect(d.sys("getsockopt", [4, "SOL_TCP", "TCP_MAXSEG", null, null])).to.deep.include({ out: { value: got, optlen: 4 } });
    }
  });

  it("IPv6 has its own table (1220/1420/1440/8940): 1000 → 1220 (never below the first entry), 1450 → 1440", () => {
    const h = createHost({ profile: "linux-6.18", ipVersion: 6, localIp: "fd3d:a0b:17d6::1", remoteIp: "fd3d:fa7b:d17d::1" });
    const tuple = { localAddr: "fd3d:a0b:17d6::1", localPort: 8080, remoteAddr: "fd3d:fa7b:d17d::1", remotePort: 41000 };
    for (const [offered, got] of [[1000, 1220], [1420, 1420], [1450, 1440], [9000, 8940]] as const) {
      expect(cookieInitSequence(h, tuple, 0, offered).mss).to.equal(got);
    }
  });

  it("an ACK with a wrong cookie is reset", () => {
    const d = new Drill();
    const cookie = tcpOf(cookieSynAck(d)).seq;
    d.send({ flags: ".", seq: 1, absAck: cookie + 2, srcPort: 41001 }, ms(20));
    d.expectSent({ flags: "R", rule: "segment-arrives/listen/ack-rst" });
  });

  it("a cookie from another minute is still accepted", () => {
    const d = new Drill();
    const cookie = tcpOf(cookieSynAck(d)).seq;
    d.takePackets(70_000_000);
    d.send({ flags: ".", seq: 1, absAck: cookie + 1, srcPort: 41001 }, 70_000_000);
    expect(d.states().at(-1)).to.deep.include({ to: "ESTABLISHED", rule: "segment-arrives/listen/cookie-ack" });
  });

  it("after more than two minutes (and no recent overflow) the cookie is refused", () => {
    const d = new Drill();
    const cookie = tcpOf(cookieSynAck(d)).seq;
    d.takePackets(185_000_000);
    d.send({ flags: ".", seq: 1, absAck: cookie + 1, srcPort: 41001 }, 185_000_000);
    d.expectSent({ flags: "R", rule: "segment-arrives/listen/ack-rst" });
  });

  it("syncookies=0 and a full SYN queue: the SYN is dropped", () => {
    const d = new Drill();
    d.host.applySysctl("net.ipv4.tcp_syncookies", "0");
    d.listening(1);
    d.send({ flags: "S", seq: 0, srcPort: 41000, options: [opt.mss(1460)] }, 0);
    d.expectSent({ flags: "S." });
    d.send({ flags: "S", seq: 0, srcPort: 41002, options: [opt.mss(1460)] }, ms(5));
    d.expectSent({ flags: "S." });
    d.send({ flags: "S", seq: 0, srcPort: 41001, options: [opt.mss(1460)] }, ms(10));
    d.expectNoPacket(ms(500));
    expect(d.log.at(-1)).to.deep.include({ kind: "drop", rule: "segment-arrives/listen/syn-queue-full-drop" });
  });

  it("syncookies=2 answers every SYN with a cookie", () => {
    const d = new Drill();
    d.host.applySysctl("net.ipv4.tcp_syncookies", "2");
    d.listening(8);
    d.send({ flags: "S", seq: 0, options: [opt.mss(1460)] }, 0);
    const p = d.expectSent({ flags: "S.", ack: 1, rule: "segment-arrives/listen/syn-cookie" });
    expect(tcpOf(p).ack).to.equal((PEER_ISN + 1) >>> 0);
  });
});
