import { expect } from "chai";
import { aggregate, fragmentError, payloadLength } from "../../../lib/match/aggregate";
import { compareOutbound, toScriptSpace } from "../../../lib/match/outbound";
import { Connection } from "../../../lib/match/space";
import { formatPacket, icmpPacket, ipv4, seq, tcp, tcpPacket, udp, udpPacket, type PacketRepr, type TcpFlags, type TcpOption } from "../../../lib/wire";
import { packetSpec } from "./packet-spec";

const LOCAL = "192.168.0.1";
const REMOTE = "192.0.2.1";
const REMOTE_ISN = 0xfffffff0;
const LIVE_LOCAL_ISN = 0xfffffc00; // the second segment's seq wraps past 2^32

const ip = ipv4({ src: LOCAL, dst: REMOTE });
const ts: TcpOption[] = [{ kind: "nop" }, { kind: "nop" }, { kind: "timestamp", val: 7000, ecr: 300 }];

/** A live segment of `len` bytes starting `offset` bytes after the kernel's ISN + 1. */
function seg(offset: number, len: number, flags: Partial<TcpFlags> = { ack: true }, extra: { window?: number; options?: TcpOption[]; fill?: number } = {}): PacketRepr {
  return tcpPacket(
    ip,
    tcp({
      srcPort: 8080,
      dstPort: 40000,
      seq: seq(LIVE_LOCAL_ISN + 1 + offset),
      ack: seq(REMOTE_ISN + 1),
      flags,
      window: extra.window ?? 229,
      options: extra.options ?? ts,
      payload: new Uint8Array(len).fill(extra.fill ?? 0),
    }),
  );
}

function conn(): Connection {
  const c = new Connection("tcp", "passive-synack-acked", 4, 4);
  c.liveLocal = { ip: LOCAL, port: 8080 };
  c.liveRemote = { ip: REMOTE, port: 40000 };
  c.remoteIsn = seq(REMOTE_ISN);
  c.scriptLocalIsn = seq(0);
  c.liveLocalIsn = seq(LIVE_LOCAL_ISN);
  return c;
}

describe("lib/match/aggregate", () => {
  it("counts TCP and UDP payload bytes, not ICMP's", () => {
    expect(payloadLength(seg(0, 1448))).to.equal(1448);
    expect(payloadLength(udpPacket(ip, udp({ payload: new Uint8Array(9) })))).to.equal(9);
    expect(payloadLength(icmpPacket(ip, { type: 3, code: 3, rest: 0, payload: new Uint8Array(28) }))).to.equal(0);
  });

  it("accepts consecutive segments and aggregates them into the one the script expects", () => {
    const a = seg(0, 1000);
    const b = seg(1000, 1000); // seq wraps: 0xfffffc01 + 1000 = 0xffffffe9, + 1000 > 2^32
    const c = seg(2000, 1000, { psh: true, ack: true });
    expect(fragmentError(a, b, 1000, 3000)).to.equal(undefined);
    expect(fragmentError(b, c, 2000, 3000)).to.equal(undefined);
    const all = aggregate([a, b, c]);
    expect(all).to.deep.equal(
      tcpPacket(
        ip,
        tcp({
          srcPort: 8080,
          dstPort: 40000,
          seq: seq(LIVE_LOCAL_ISN + 1),
          ack: seq(REMOTE_ISN + 1),
          flags: { psh: true, ack: true },
          window: 229,
          options: ts,
          payload: new Uint8Array(3000),
        }),
      ),
    );
    const spec = packetSpec("> P. 1:3001(3000) ack 1 <nop,nop,TS val 100 ecr 300>");
    const actual = toScriptSpace(all, spec, conn());
    expect(formatPacket(actual)).to.equal("P. 1:3001(3000) ack 1 win 229 <nop,nop,TS val 100 ecr 300>");
    expect(compareOutbound(spec, actual, { strictSegments: false, tsTickUsecs: 0, toleranceUsecs: 4000 })).to.deep.equal([]);
  });

  it("takes flags, ack, window and options from the last segment, seq and CWR from the first", () => {
    const a = seg(0, 1000, { ack: true, cwr: true }, { fill: 1 });
    const b = seg(1000, 500, { fin: true, psh: true, ack: true }, { options: [{ kind: "nop" }, { kind: "nop" }, { kind: "timestamp", val: 7001, ecr: 301 }], fill: 2 });
    const all = aggregate([a, b]);
    expect(all.l4.protocol === "tcp" && all.l4.tcp.flags).to.deep.equal({ fin: true, syn: false, rst: false, psh: true, ack: true, urg: false, ece: false, cwr: true, ae: false });
    expect(all.l4.protocol === "tcp" && all.l4.tcp.seq).to.equal(LIVE_LOCAL_ISN + 1);
    expect(all.l4.protocol === "tcp" && all.l4.tcp.options[2]).to.deep.equal({ kind: "timestamp", val: 7001, ecr: 301 });
    const payload = all.l4.protocol === "tcp" ? all.l4.tcp.payload : new Uint8Array(0);
    expect([payload.length, payload[0], payload[999], payload[1000], payload[1499]]).to.deep.equal([1500, 1, 1, 2, 2]);
    expect(aggregate([a])).to.equal(a);
  });

  it("does not check FIN, PSH or CWR between segments, but does check the rest of the header", () => {
    expect(fragmentError(seg(0, 1000), seg(1000, 1000, { fin: true, psh: true, cwr: true, ack: true }), 1000, 2000)).to.equal(undefined);
    expect(fragmentError(seg(0, 1000), seg(1000, 1000, { ack: true, ece: true }), 1000, 2000)).to.equal("live packet field tcp_ece: expected: 0 (0x0) vs actual: 1 (0x1)");
    expect(fragmentError(seg(0, 1000), seg(1000, 1000, {}, { window: 230 }), 1000, 2000)).to.equal(
      "live packet field tcp_ack: expected: 1 (0x1) vs actual: 0 (0x0)",
    );
    expect(fragmentError(seg(0, 1000), seg(1000, 1000, { ack: true }, { window: 230 }), 1000, 2000)).to.equal(
      "live packet field tcp_window: expected: 229 (0xe5) vs actual: 230 (0xe6)",
    );
    const ttl: PacketRepr = { ...seg(1000, 1000), ip: { ...ip, ttl: 63 } };
    expect(fragmentError(seg(0, 1000), ttl, 1000, 2000)).to.equal("live packet field ttl: expected: 64 (0x40) vs actual: 63 (0x3f)");
  });

  it("wants each segment to start where the previous one ended", () => {
    const gap = seg(1500, 1000);
    expect(fragmentError(seg(0, 1000), gap, 1000, 3000)).to.equal(
      // 0xfffffc00 + 1 + 1000 = 4294967273; 0xfffffc00 + 1 + 1500 wraps to 477.
      "live packet field tcp_seq: expected: 4294967273 (0xffffffe9) vs actual: 477 (0x1dd)",
    );
  });

  it("wants every segment but the last as large as the previous one", () => {
    expect(fragmentError(seg(0, 1000), seg(1000, 500), 1000, 3000)).to.equal(
      "fragment payload: expected 1000 bytes vs actual 500 bytes; total payload: expected 3000 bytes vs actual 1500 bytes",
    );
    // The last one may be shorter, and so may one that overshoots.
    expect(fragmentError(seg(0, 1000), seg(1000, 500), 1000, 1500)).to.equal(undefined);
    expect(fragmentError(seg(0, 1000), seg(1000, 2500), 1000, 3000)).to.equal(undefined);
  });

  it("refuses to aggregate a different kind of packet", () => {
    const dgram = udpPacket({ ...ip, protocol: 17 }, udp({ srcPort: 8080, dstPort: 40000, payload: new Uint8Array(1000) }));
    expect(fragmentError(seg(0, 1000), dgram, 1000, 3000)).to.equal("live packet field ipv4_protocol: expected: 6 (0x6) vs actual: 17 (0x11)");
  });

  it("concatenates UDP payloads too", () => {
    const a = udpPacket(ip, udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(3).fill(1) }));
    const b = udpPacket(ip, udp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(2).fill(2) }));
    expect(aggregate([a, b])).to.deep.equal(udpPacket(ip, udp({ srcPort: 1, dstPort: 2, payload: Uint8Array.from([1, 1, 1, 2, 2]) })));
  });
});
