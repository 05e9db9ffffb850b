import { expect } from "chai";
import { errnoName, errnoValue, LINUX_SYMBOLS, lookupSymbol } from "../../../lib/script/symbols-linux";
import { resolveIcmp } from "../../../lib/script/icmp";

describe("script/symbols-linux", () => {
  it("knows x86_64 Linux values across the families packetdrill scripts use", () => {
    const expected: Record<string, number> = {
      SOL_SOCKET: 1, SOL_TCP: 6, SOL_IPV6: 41, SO_REUSEADDR: 2, SO_ZEROCOPY: 60, SO_TIMESTAMPING: 37,
      TCP_NODELAY: 1, TCP_INFO: 11, TCP_FASTOPEN: 23, TCP_FASTOPEN_CONNECT: 30, TCP_ZEROCOPY_RECEIVE: 35,
      TCP_INQ: 36, IP_TOS: 1, IP_RECVERR: 11, IPV6_RECVERR: 25, IPV6_TCLASS: 67, AF_INET6: 10,
      SOCK_STREAM: 1, IPPROTO_TCP: 6, O_NONBLOCK: 0o4000, F_SETFL: 4, MSG_FASTOPEN: 0x20000000,
      MSG_ZEROCOPY: 0x4000000, MSG_ERRQUEUE: 0x2000, POLLRDHUP: 0x2000, EPOLLET: 2 ** 31, EPOLLEXCLUSIVE: 2 ** 28,
      SIOCINQ: 0x541b, EINPROGRESS: 115, EAGAIN: 11, ECONNRESET: 104, SO_EE_ORIGIN_ZEROCOPY: 5,
      SOF_TIMESTAMPING_OPT_ID: 128, SCM_TSTAMP_ACK: 2, TCP_INFINITE_SSTHRESH: 0x7fffffff, NULL: 0,
    };
    for (const [name, value] of Object.entries(expected)) expect(lookupSymbol(name), name).to.equal(value);
    expect(lookupSymbol("TCP_FROBNICATE")).to.equal(undefined);
    expect(LINUX_SYMBOLS.size).to.be.greaterThan(450);
  });

  it("maps errno names and values both ways, preferring the canonical name", () => {
    expect(errnoValue("EWOULDBLOCK")).to.equal(11);
    expect(errnoName(11)).to.equal("EAGAIN");
    expect(errnoName(95)).to.equal("EOPNOTSUPP");
    expect(errnoValue("SOL_TCP")).to.equal(undefined);
  });
});

describe("script/icmp", () => {
  it("resolves names per ICMP version, and type_N / code_N forms", () => {
    expect(resolveIcmp(4, "unreachable", "frag_needed")).to.deep.equal({ ok: true, type: 3, code: 4 });
    expect(resolveIcmp(6, "unreachable", "port_unreachable")).to.deep.equal({ ok: true, type: 1, code: 4 });
    expect(resolveIcmp(6, "packet_too_big", undefined)).to.deep.equal({ ok: true, type: 2, code: 0 });
    expect(resolveIcmp(4, "type_3", "code_13")).to.deep.equal({ ok: true, type: 3, code: 13 });
    expect(resolveIcmp(6, "unreachable", "host_unreachable")).to.deep.include({ ok: false, message: "bad ICMP code host_unreachable" });
    expect(resolveIcmp(4, "packet_too_big", undefined)).to.deep.include({ ok: false, message: "bad ICMP type packet_too_big" });
    expect(resolveIcmp(4, "type_300", undefined)).to.deep.include({ ok: false, what: "type" });
    // A type without a code table has no code names.
    expect(resolveIcmp(4, "echo_request", "frag_needed")).to.deep.include({ ok: false, what: "code" });
  });
});
