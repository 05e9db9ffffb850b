import { expect } from "chai";
import { resolveConstant, resolveFlags, flagNames, EPOLL, tcpStateName } from "../../../harness/sys/constants";
import { errnoName, errnoNumber, strerror } from "../../../harness/sys/errno";
import {
  decodeEpollEvents,
  decodeLinger,
  decodePollfds,
  decodeTimePair,
  encodeEpollEvent,
  encodeLinger,
  encodePollfds,
  encodeTimePair,
  EPOLL_EVENT_SIZE,
} from "../../../harness/sys/structs/basic";
import { cmsgAlign, decodeControl, encodeControl, rawControl } from "../../../harness/sys/structs/msghdr";
import { decodeSockaddr, encodeSockaddr } from "../../../harness/sys/structs/sockaddr";
import { decodeTcpInfo, TCP_INFO_OFFSETS, TCP_INFO_SIZE } from "../../../harness/sys/structs/tcp-info";

describe("harness/sys structs", () => {
  describe("sockaddr", () => {
    it("encodes sockaddr_in with network-order port and address", () => {
      const b = encodeSockaddr({ family: "AF_INET", port: 8080, addr: "192.0.2.1" });
      expect([...b]).to.deep.equal([2, 0, 0x1f, 0x90, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(decodeSockaddr(b)).to.deep.equal({ family: "AF_INET", port: 8080, addr: "192.0.2.1" });
    });

    it("encodes sockaddr_in6 (28 bytes) and round-trips an IPv4-mapped address", () => {
      const b = encodeSockaddr({ family: "AF_INET6", port: 443, addr: "::ffff:192.0.2.1", flowinfo: 0x12345, scope_id: 7 });
      expect(b.length).to.equal(28);
      expect([...b.subarray(0, 8)]).to.deep.equal([10, 0, 0x01, 0xbb, 0x00, 0x01, 0x23, 0x45]);
      expect([...b.subarray(24)]).to.deep.equal([7, 0, 0, 0]);
      expect(decodeSockaddr(b)).to.deep.equal({ family: "AF_INET6", port: 443, addr: "::ffff:192.0.2.1", flowinfo: 0x12345, scope_id: 7 });
    });

    it("accepts a numeric family and AF_UNSPEC, refuses bad input", () => {
      expect(decodeSockaddr(encodeSockaddr({ family: 2, port: 1, addr: "10.0.0.1" }))).to.include({ addr: "10.0.0.1" });
      expect([...encodeSockaddr({ family: "AF_UNSPEC" })]).to.deep.equal(new Array(16).fill(0));
      expect(() => encodeSockaddr({ family: "AF_INET", port: 1, addr: "fd00::1" })).to.throw(RangeError);
      expect(() => encodeSockaddr({ family: "AF_INET", port: 70000, addr: "10.0.0.1" })).to.throw(RangeError);
      expect(() => encodeSockaddr({ family: "AF_NOPE", port: 1, addr: "10.0.0.1" })).to.throw(RangeError);
    });

    it("decodes only the length the kernel reported", () => {
      const b = encodeSockaddr({ family: "AF_INET6", port: 1, addr: "fd3d::1" });
      expect(decodeSockaddr(b, 1)).to.deep.include({ family: "AF_UNSPEC" });
    });
  });

  describe("small structs", () => {
    it("linger is two ints", () => {
      const b = encodeLinger({ onoff: 1, linger: 0 });
      expect([...b]).to.deep.equal([1, 0, 0, 0, 0, 0, 0, 0]);
      expect(decodeLinger(encodeLinger({ onoff: 1, linger: 30 }))).to.deep.equal({ onoff: 1, linger: 30 });
    });

    it("timeval/timespec are two longs", () => {
      const b = encodeTimePair({ tv_sec: 3, tv_usec: 250000 }, "tv_usec");
      expect(b.length).to.equal(16);
      expect(decodeTimePair(b, "tv_usec")).to.deep.equal({ tv_sec: 3, tv_usec: 250000 });
    });

    it("pollfd is int fd, short events, short revents", () => {
      const b = encodePollfds([{ fd: 4, events: "POLLIN|POLLOUT" }, { fd: 5, events: 1 }]);
      expect([...b.subarray(0, 8)]).to.deep.equal([4, 0, 0, 0, 5, 0, 0, 0]);
      expect(decodePollfds(b, 2)).to.deep.equal([
        { fd: 4, events: 5, revents: 0 },
        { fd: 5, events: 1, revents: 0 },
      ]);
    });

    it("epoll_event is packed on x86_64: data at offset 4, 12 bytes", () => {
      expect(EPOLL_EVENT_SIZE).to.equal(12);
      const b = encodeEpollEvent({ events: "EPOLLIN|EPOLLET", fd: 7 });
      expect([...b]).to.deep.equal([1, 0, 0, 0x80, 7, 0, 0, 0, 0, 0, 0, 0]);
      expect(decodeEpollEvents(b, 1)).to.deep.equal([{ events: (EPOLL["EPOLLIN"]! | EPOLL["EPOLLET"]!) >>> 0, data: 7, fd: 7 }]);
    });
  });

  describe("tcp_info (Linux 6.18)", () => {
    it("has the kernel's offsets and size", () => {
      // Offsets of include/uapi/linux/tcp.h, checked against offsetof() in C.
      const expected: Record<string, number> = {
        rto: 8, snd_mss: 16, rtt: 68, rttvar: 72, rcv_rtt: 92, rcv_space: 96, total_retrans: 100,
        pacing_rate: 104, bytes_received: 128, min_rtt: 148, delivery_rate: 160, bytes_retrans: 208,
        reord_seen: 220, rcv_ooopack: 224, snd_wnd: 228, rcv_wnd: 232, rehash: 236, total_rto: 240,
        total_rto_recoveries: 242, total_rto_time: 244, received_ce: 248, received_ce_bytes: 272,
        ecn_bits: 276,
      };
      for (const [name, offset] of Object.entries(expected)) expect(TCP_INFO_OFFSETS.get(name), name).to.equal(offset);
      expect(TCP_INFO_SIZE).to.equal(280);
    });

    it("decodes bytes, bitfields and tolerates a shorter (older kernel) answer", () => {
      const b = new Uint8Array(TCP_INFO_SIZE);
      const view = new DataView(b.buffer);
      b[0] = 1;
      b[6] = 0x7 | (0x8 << 4);
      b[7] = 0b101;
      view.setUint32(8, 204000, true);
      view.setBigUint64(104, 0xffffffffffffffffn, true);
      view.setUint16(240, 3, true);
      view.setUint32(276, 2 | (1 << 2) | (5 << 4), true);
      const info = decodeTcpInfo(b);
      expect(info).to.include({ state: 1, snd_wscale: 7, rcv_wscale: 8, delivery_rate_app_limited: 1, fastopen_client_fail: 2 });
      expect(info).to.include({ rto: 204000, total_rto: 3, ecn_mode: 2, accecn_opt_seen: 1, accecn_fail_mode: 5 });
      expect(info["pacing_rate"]).to.equal(Infinity);
      const short = decodeTcpInfo(b, 104);
      expect(short).to.include({ rto: 204000, total_retrans: 0 });
      expect(short).to.not.have.property("pacing_rate");
    });
  });

  describe("control messages", () => {
    it("lays out cmsghdr with 8-byte alignment and decodes known payloads", () => {
      expect(cmsgAlign(20)).to.equal(24);
      const bytes = encodeControl([
        { cmsg_level: "SOL_TCP", cmsg_type: "TCP_CM_INQ", cmsg_data: 1000 },
        { cmsg_level: 1, cmsg_type: 35, cmsg_data: new Uint8Array(16) },
      ]);
      expect(bytes.length).to.equal(24 + 32);
      expect(new DataView(bytes.buffer).getBigUint64(0, true)).to.equal(20n);
      const decoded = decodeControl(bytes, bytes.length);
      expect(decoded[0]).to.deep.equal({ cmsg_level: 6, cmsg_type: 36, cmsg_data: 1000 });
      expect(decoded[1]).to.deep.equal({ cmsg_level: 1, cmsg_type: 35, cmsg_data: { tv_sec: 0, tv_nsec: 0 } });
    });

    it("lists each message's cmsg_len and raw data too, up to the returned length", () => {
      const bytes = encodeControl([
        { cmsg_level: "SOL_TCP", cmsg_type: "TCP_CM_INQ", cmsg_data: 1000 },
        { cmsg_level: 1, cmsg_type: 35, cmsg_data: new Uint8Array(16) },
      ]);
      const raw = rawControl(bytes, bytes.length);
      expect(raw.map((r) => r["cmsg_len"])).to.deep.equal([20, 32]);
      expect([...(raw[0]!["cmsg_data"] as Uint8Array)]).to.deep.equal([0xe8, 0x03, 0, 0]);
      expect(rawControl(bytes, 24)).to.have.length(1);
    });

    it("decodes IP_RECVERR as sock_extended_err", () => {
      const err = new Uint8Array(16);
      const view = new DataView(err.buffer);
      view.setUint32(0, 42, true);
      err[4] = 5;
      err[6] = 1;
      view.setUint32(12, 9, true);
      const decoded = decodeControl(encodeControl([{ cmsg_level: "SOL_IP", cmsg_type: "IP_RECVERR", cmsg_data: err }]), 32);
      expect(decoded[0]!["cmsg_data"]).to.deep.include({ ee_errno: 42, ee_origin: 5, ee_code: 1, ee_data: 9 });
    });
  });

  describe("constants and errno", () => {
    it("resolves names and flag expressions", () => {
      expect(resolveConstant("SOCK_STREAM")).to.equal(1);
      expect(resolveConstant("SOL_TCP")).to.equal(resolveConstant("IPPROTO_TCP"));
      expect(resolveFlags("O_RDWR|O_NONBLOCK")).to.equal(0o4002);
      expect(resolveFlags(["EPOLLIN", "0x80000000"])).to.equal(0x80000001);
      expect(() => resolveFlags("O_RDWR|O_BOGUS")).to.throw(/O_BOGUS/);
      expect(flagNames(0x80000005, EPOLL)).to.deep.equal(["EPOLLIN", "EPOLLOUT", "EPOLLET"]);
      expect(tcpStateName(1)).to.equal("ESTABLISHED");
      expect(tcpStateName(10)).to.equal("LISTEN");
    });

    it("maps errno both ways with the C library's message", () => {
      expect(errnoName(11)).to.equal("EAGAIN");
      expect(errnoNumber("EWOULDBLOCK")).to.equal(11);
      expect(errnoName(115)).to.equal("EINPROGRESS");
      expect(strerror(111)).to.equal("Connection refused");
    });
  });
});
