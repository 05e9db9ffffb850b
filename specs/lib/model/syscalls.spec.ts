// topic: T1, T2, T5
// The syscall layer: fd numbering, errno values as Linux returns them, blocking vs non-blocking,
// poll masks, fcntl flags, socket options and TCP_INFO, mapped and IPv6 hosts.
import { expect } from "chai";
import { Drill, ms, opt, REMOTE, REMOTE_PORT } from "./helpers";

const peer = { family: 2, port: REMOTE_PORT, addr: REMOTE };

describe("lib/model: fds and errnos", () => {
  it("fds are the lowest free number from 3", () => {
    const d = new Drill();
    expect([d.call("socket", [2, 1, 6]), d.call("socket", [2, 1, 6]), d.call("socket", [2, 1, 6])]).to.deep.equal([3, 4, 5]);
    d.call("close", [4]);
    expect(d.call("socket", [2, 1, 6])).to.equal(4);
  });

  it("EBADF, EAFNOSUPPORT, EPROTONOSUPPORT, ENOSYS", () => {
    const d = new Drill();
    d.expectErrno("close", [9], "EBADF");
    d.expectErrno("read", [9, null, 1], "EBADF");
    d.expectErrno("socket", [17, 1, 0], "EAFNOSUPPORT");
    d.expectErrno("socket", [2, 2, 0], "EPROTONOSUPPORT");
    d.expectErrno("epoll_create", [1], "ENOSYS");
  });

  it("bind: EINVAL twice, EADDRNOTAVAIL for foreign addresses, EADDRINUSE without SO_REUSEADDR", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.expectErrno("bind", [3, { family: 2, port: 8080, addr: "10.9.9.9" }, 16], "EADDRNOTAVAIL");
    expect(d.call("bind", [3, { family: 2, port: 8080, addr: "192.168.0.1" }, 16])).to.equal(0);
    d.expectErrno("bind", [3, { family: 2, port: 8081, addr: "0.0.0.0" }, 16], "EINVAL");
    d.call("socket", [2, 1, 6]);
    d.expectErrno("bind", [4, { family: 2, port: 8080, addr: "0.0.0.0" }, 16], "EADDRINUSE");
    d.expectErrno("bind", [4, null, 16], "EFAULT");
  });

  it("read/write on an unconnected socket: ENOTCONN / EPIPE; shutdown: ENOTCONN; listen twice is fine", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.expectErrno("read", [3, null, 10], "ENOTCONN");
    d.expectErrno("write", [3, null, 10], "EPIPE");
    d.expectErrno("shutdown", [3, "SHUT_WR"], "ENOTCONN");
    expect(d.call("listen", [3, 5])).to.equal(0);
    expect(d.call("listen", [3, 1])).to.equal(0);
    d.expectErrno("read", [3, null, 10], "ENOTCONN");
    d.expectErrno("connect", [3, peer, 16], "EISCONN");
    d.expectErrno("accept", [4, null, null], "EBADF");
  });

  it("accept on a non-listening socket is EINVAL", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.expectErrno("accept", [3, null, null], "EINVAL");
  });

  it("non-blocking read: EAGAIN; blocking read completes when data arrives", () => {
    const d = new Drill().established();
    d.call("fcntl", [4, "F_SETFL", "O_RDWR|O_NONBLOCK"]);
    d.expectErrno("read", [4, null, 10], "EAGAIN");
    d.call("fcntl", [4, "F_SETFL", "O_RDWR"]);
    const r = d.sys("read", [4, null, 10], ms(150));
    expect(r.kind).to.equal("blocked");
    d.send({ flags: "P.", seq: 1, ack: 1, data: 20 }, ms(200));
    const done = d.done(r.kind === "blocked" ? r.id : -1);
    expect(done).to.deep.include({ ret: 10, time: ms(200) });
    expect(done?.out?.data).to.have.length(10);
    expect(d.sys("recv", [4, null, 100, "MSG_PEEK"])).to.deep.include({ ret: 10 });
    expect(d.sys("recv", [4, null, 100, 0])).to.deep.include({ ret: 10 });
  });

  it("a blocking read is woken by the peer's FIN with 0, and by a reset with ECONNRESET", () => {
    const d = new Drill().established();
    const r = d.sys("read", [4, null, 10], ms(150));
    d.send({ flags: "F.", seq: 1, ack: 1 }, ms(200));
    expect(d.done(r.kind === "blocked" ? r.id : -1)).to.deep.include({ ret: 0 });
    const e = new Drill().established();
    const r2 = e.sys("read", [4, null, 10], ms(150));
    e.send({ flags: "R.", seq: 1, ack: 1 }, ms(200));
    expect(e.done(r2.kind === "blocked" ? r2.id : -1)).to.deep.include({ ret: -1, errno: "ECONNRESET" });
  });

  it("write() returns the bytes and sends them; the bytes are the buffer's", () => {
    const d = new Drill().established();
    expect(d.call("write", [4, new Uint8Array([1, 2, 3]), 3], ms(200))).to.equal(3);
    const p = d.expectSent({ flags: "P.", len: 3 });
    expect(p.packet.l4.protocol === "tcp" && [...p.packet.l4.tcp.payload]).to.deep.equal([1, 2, 3]);
  });

  it("a write larger than the send buffer: non-blocking returns what fits, then EAGAIN", () => {
    const d = new Drill().established();
    d.call("setsockopt", [4, "SOL_SOCKET", "SO_SNDBUF", 5000, 4]);
    expect(d.sys("getsockopt", [4, "SOL_SOCKET", "SO_SNDBUF", null, null])).to.deep.include({ out: { value: 10000, optlen: 4 } });
    d.call("fcntl", [4, "F_SETFL", "O_RDWR|O_NONBLOCK"]);
    expect(d.call("write", [4, null, 30000], ms(200))).to.equal(10000);
    d.expectErrno("write", [4, null, 10], "EAGAIN");
  });
});

describe("lib/model: fcntl and poll", () => {
  it("F_GETFL reports O_RDWR, plus O_NONBLOCK once set; SOCK_NONBLOCK at socket()", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    expect(d.call("fcntl", [3, "F_GETFL"])).to.equal(2);
    d.call("fcntl", [3, "F_SETFL", "O_RDWR|O_NONBLOCK"]);
    expect(d.call("fcntl", [3, "F_GETFL"])).to.equal(2 | 0o4000);
    d.call("socket", [2, "SOCK_STREAM|SOCK_NONBLOCK", 0]);
    expect(d.call("fcntl", [4, "F_GETFL"])).to.equal(2 | 0o4000);
  });

  it("poll: a fresh socket is POLLOUT|POLLHUP; a connecting one nothing; established POLLOUT", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    expect(d.sys("poll", [[{ fd: 3, events: 0x5 }], 1, 0])).to.deep.include({ ret: 1, out: { fds: [{ fd: 3, events: 5, revents: 0x14 }] } });
    d.call("fcntl", [3, "F_SETFL", "O_RDWR|O_NONBLOCK"]);
    d.sys("connect", [3, peer, 16]);
    expect(d.sys("poll", [[{ fd: 3, events: 0x5 }], 1, 0])).to.deep.include({ ret: 0 });
    const r = d.sys("poll", [[{ fd: 3, events: 0x4 }], 1, 1000]);
    expect(r.kind).to.equal("blocked");
    d.dstPort = d.localPort(3);
    d.send({ flags: "S.", seq: 0, ack: 1, options: [opt.mss(1460)] }, ms(100));
    expect(d.done(r.kind === "blocked" ? r.id : -1)).to.deep.include({ ret: 1, time: ms(100), out: { fds: [{ fd: 3, events: 4, revents: 4 }] } });
  });

  it("poll times out with 0; POLLNVAL for a closed fd", () => {
    const d = new Drill().established();
    const r = d.sys("poll", [[{ fd: 4, events: 0x1 }], 1, 500], ms(200));
    d.run(ms(800));
    expect(d.done(r.kind === "blocked" ? r.id : -1)).to.deep.include({ ret: 0, time: ms(700) });
    expect(d.sys("poll", [[{ fd: 9, events: 0x1 }], 1, 0])).to.deep.include({ ret: 1, out: { fds: [{ fd: 9, events: 1, revents: 0x20 }] } });
  });

  it("a listener polls readable when a connection is ready to accept", () => {
    const d = new Drill().synReceived();
    expect(d.sys("poll", [[{ fd: 3, events: 0x1 }], 1, 0])).to.deep.include({ ret: 0 });
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(100));
    expect(d.sys("poll", [[{ fd: 3, events: 0x1 }], 1, 0])).to.deep.include({ ret: 1 });
  });
});

describe("lib/model: socket options", () => {
  it("TCP_KEEPIDLE etc. are range-checked (EINVAL) and read back in seconds", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.expectErrno("setsockopt", [3, "SOL_TCP", "TCP_KEEPIDLE", 0, 4], "EINVAL");
    d.expectErrno("setsockopt", [3, "SOL_TCP", "TCP_KEEPCNT", 128, 4], "EINVAL");
    d.expectErrno("setsockopt", [3, "SOL_TCP", "TCP_SYNCNT", 0, 4], "EINVAL");
    d.expectErrno("setsockopt", [3, "SOL_TCP", "TCP_MAXSEG", 10, 4], "EINVAL");
    d.call("setsockopt", [3, "SOL_TCP", "TCP_KEEPIDLE", 30, 4]);
    expect(d.sys("getsockopt", [3, "SOL_TCP", "TCP_KEEPIDLE", null, null])).to.deep.include({ out: { value: 30, optlen: 4 } });
    expect(d.sys("getsockopt", [3, "SOL_TCP", "TCP_KEEPINTVL", null, null])).to.deep.include({ out: { value: 75, optlen: 4 } });
    expect(d.sys("getsockopt", [3, "SOL_TCP", "TCP_SYNCNT", null, null])).to.deep.include({ out: { value: 5, optlen: 4 } });
  });

  it("SO_LINGER round-trips; SO_KEEPALIVE and SO_REUSEADDR are booleans; unknown options ENOPROTOOPT", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.call("setsockopt", [3, "SOL_SOCKET", "SO_LINGER", { onoff: 1, linger: 7 }, 8]);
    expect(d.sys("getsockopt", [3, "SOL_SOCKET", "SO_LINGER", null, null])).to.deep.include({ out: { value: { onoff: 1, linger: 7 }, optlen: 8 } });
    d.call("setsockopt", [3, "SOL_SOCKET", "SO_KEEPALIVE", 5, 4]);
    expect(d.sys("getsockopt", [3, "SOL_SOCKET", "SO_KEEPALIVE", null, null])).to.deep.include({ out: { value: 1, optlen: 4 } });
    d.expectErrno("setsockopt", [3, "SOL_SOCKET", 999, 1, 4], "ENOPROTOOPT");
  });

  it("TCP_INFO: state, options, wscales, MSS, RTO", () => {
    const d = new Drill().clientEstablished([opt.mss(1460), opt.sackOK, opt.ts(5, 0), opt.nop, opt.ws(7)]);
    const r = d.sys("getsockopt", [3, "SOL_TCP", "TCP_INFO", null, null]);
    expect(r).to.deep.nested.include({
      "out.value.tcpi_state": 1,
      "out.value.tcpi_options": 7,
      "out.value.tcpi_snd_wscale": 7,
      "out.value.tcpi_rcv_wscale": 8,
      "out.value.tcpi_snd_mss": 1448,
      "out.value.tcpi_advmss": 1448,
      "out.value.tcpi_rto": 300_000,
      "out.value.tcpi_snd_cwnd": 10,
    });
    const l = new Drill().listening(5);
    expect(l.sys("getsockopt", [3, "SOL_TCP", "TCP_INFO", null, null])).to.deep.nested.include({ "out.value.tcpi_state": 10, "out.value.tcpi_sacked": 5 });
  });

  it("TCP_INFO counts SYN retransmissions and the backed-off RTO", () => {
    const d = new Drill().synSent();
    d.run(ms(2500));
    expect(d.sys("getsockopt", [3, "SOL_TCP", "TCP_INFO", null, null])).to.deep.nested.include({
      "out.value.tcpi_state": 2, "out.value.tcpi_retransmits": 2, "out.value.tcpi_rto": 1_000_000, "out.value.tcpi_total_rto": 2,
    });
  });
});

describe("lib/model: address families", () => {
  it("mapped mode: AF_INET6 sockets, ::ffff: addresses, IPv4 on the wire", () => {
    const d = new Drill({ mapped: true }).listening();
    d.send({ flags: "S", seq: 0, options: [opt.mss(1460)] }, 0);
    const p = d.expectSent({ flags: "S.", options: "mss 1460" });
    expect(p.packet.ip.version).to.equal(4);
    d.send({ flags: ".", seq: 1, ack: 1 }, ms(100));
    expect(d.sys("accept", [3, null, null])).to.deep.include({ ret: 4, out: { addr: { family: 10, port: 40000, addr: "::ffff:192.0.2.1" } } });
    expect(d.sys("getsockopt", [4, "SOL_SOCKET", "SO_DOMAIN", null, null])).to.deep.include({ out: { value: 10, optlen: 4 } });
  });

  it("IPv6 host: SYN-ACK over IPv6 with MSS = MTU − 60", () => {
    // Addresses as packetdrill's options spell them (leading zeros) are canonicalised.
    const d = new Drill({ ipVersion: 6, localIp: "fd3d:0a0b:17d6::1", remoteIp: "fd3d:fa7b:d17d::1" });
    d.call("socket", [10, 1, 6]);
    d.call("bind", [3, { family: 10, port: 8080, addr: "::" }, 28]);
    d.call("listen", [3, 1]);
    const pkt = d.packetFor({ flags: "S", seq: 0, options: [opt.mss(1440)] });
    d.host.receive({ ...pkt, ip: { version: 6, src: "fd3d:fa7b:d17d::1", dst: "fd3d:a0b:17d6::1", protocol: 6, hopLimit: 64, trafficClass: 0, flowLabel: 0, extensionHeaders: [] } }, 0);
    d.run(0);
    const p = d.expectSent({ flags: "S.", options: "mss 1440" });
    expect(p.packet.ip.version).to.equal(6);
    expect(p.loose).to.include("ipv6.flowLabel");
  });

  it("a packet for another address is ignored", () => {
    const d = new Drill().listening();
    const pkt = d.packetFor({ flags: "S", seq: 0 });
    d.host.receive({ ...pkt, ip: { ...pkt.ip, dst: "10.0.0.9" } as typeof pkt.ip }, 0);
    d.expectNoPacket(ms(10));
  });
});
