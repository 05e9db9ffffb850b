// topic: T2
// An active open must name a reachable unicast peer (RFC 9293 MUST-46): connect() — or a sendto()
// with MSG_FASTOPEN, which opens through the same path — to a multicast or broadcast address
// fails with ENETUNREACH before any SYN leaves; a sockaddr of the other family is refused as
// tcp_v4_connect / tcp_v6_connect refuse it.
import { expect } from "chai";
import { Drill, REMOTE, REMOTE_PORT } from "./helpers";

const MSG_FASTOPEN = 0x20000000;
const v6 = { ipVersion: 6 as const, localIp: "fd3d:a0b:17d6::1", remoteIp: "fd3d:fa7b:d17d::1" };

describe("lib/model: active open to an invalid address", () => {
  it("connect() to a multicast or broadcast IPv4 address: ENETUNREACH, nothing sent, socket still usable", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.expectErrno("connect", [3, { family: 2, port: REMOTE_PORT, addr: "224.0.0.1" }, 16], "ENETUNREACH");
    d.expectErrno("connect", [3, { family: 2, port: REMOTE_PORT, addr: "255.255.255.255" }, 16], "ENETUNREACH");
    d.run(0);
    expect(d.packets()).to.have.length(0);
    expect(d.sys("connect", [3, { family: 2, port: REMOTE_PORT, addr: REMOTE }, 16])).to.deep.include({ kind: "blocked" });
  });

  it("sendto(MSG_FASTOPEN) to a multicast address: ENETUNREACH, not EPIPE", () => {
    const d = new Drill();
    d.call("socket", [2, 1, 6]);
    d.expectErrno("sendto", [3, null, 10, MSG_FASTOPEN, { family: 2, port: REMOTE_PORT, addr: "224.0.0.1" }, 16], "ENETUNREACH");
    // Without MSG_FASTOPEN an unconnected stream socket cannot send at all.
    d.expectErrno("sendto", [3, null, 10, 0, { family: 2, port: REMOTE_PORT, addr: "224.0.0.1" }, 16], "EPIPE");
    d.run(0);
    expect(d.packets()).to.have.length(0);
  });

  it("IPv6: ff02::1 is ENETUNREACH; a sockaddr_in on an AF_INET6 socket is EINVAL; sockaddr_in6 on AF_INET is EAFNOSUPPORT", () => {
    const d6 = new Drill(v6);
    d6.call("socket", [10, 1, 6]);
    d6.expectErrno("sendto", [3, null, 10, MSG_FASTOPEN, { family: 10, port: REMOTE_PORT, addr: "ff02::1" }, 28], "ENETUNREACH");
    d6.expectErrno("sendto", [3, null, 10, MSG_FASTOPEN, { family: 2, port: REMOTE_PORT, addr: "224.0.0.1" }, 16], "EINVAL");
    const d4 = new Drill();
    d4.call("socket", [2, 1, 6]);
    d4.expectErrno("sendto", [3, null, 10, MSG_FASTOPEN, { family: 10, port: REMOTE_PORT, addr: "ff02::1" }, 28], "EAFNOSUPPORT");
  });
});
