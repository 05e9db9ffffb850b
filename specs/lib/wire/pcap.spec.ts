import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixtureBytes, fixtures } from "../../fixtures/wire/kernel-captures";
import { fromHex } from "./helpers";
import { icmpPacket, ipv4, ipv6, tcp, tcpPacket, udp, udpPacket } from "../../../lib/wire/build";
import { encodePacket } from "../../../lib/wire/packet";
import { pcapFileHeader, pcapRecord } from "../../../lib/wire/pcap";
import { seq } from "../../../lib/wire/seq";

function hasTcpdump(): boolean {
  return spawnSync("tcpdump", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Packets the kernel never sent us: our encoder's checksums, judged by tcpdump's own code. */
function synthesized(): Uint8Array[] {
  const v4 = ipv4({ src: "192.168.0.1", dst: "192.0.2.1", options: fromHex("94040000") }); // router alert
  const v6 = ipv6({
    src: "fd3d:a0b:17d6::1",
    dst: "fd3d:fa7b:d17d::1",
    trafficClass: 0x02,
    flowLabel: 0x12345,
    extensionHeaders: [{ type: 60, body: fromHex("010400000000") }],
  });
  const options = tcp({
    srcPort: 8080,
    dstPort: 40000,
    seq: seq(0xfffffff0),
    ack: seq(0x10),
    flags: { ack: true, psh: true },
    window: 501,
    options: [{ kind: "nop" }, { kind: "nop" }, { kind: "sack", blocks: [{ left: seq(0xfffffff8), right: seq(0x20) }] }, { kind: "md5", digest: new Uint8Array(16).fill(7) }, { kind: "nop" }, { kind: "nop" }],
    payload: new Uint8Array(333).fill(0x5a),
  });
  return [
    encodePacket(tcpPacket(v4, options)),
    encodePacket(tcpPacket(v6, options)),
    encodePacket(tcpPacket(v4, tcp({ flags: { syn: true }, options: [{ kind: "accecn", order: 0, counters: [1, 2, 3] }, { kind: "fastopenExp", cookie: fromHex("c1d1e9742a47a9bc") }, { kind: "unknown", type: 99, data: fromHex("aa") }] }))),
    encodePacket(udpPacket(v6, udp({ srcPort: 53, dstPort: 5353, payload: new Uint8Array(3) }))),
    encodePacket(icmpPacket(v4, { type: 8, code: 0, rest: 0x00010002, payload: new Uint8Array(17).fill(1) })),
    encodePacket(icmpPacket(v6, { type: 128, code: 0, rest: 0x00010002, payload: new Uint8Array(9).fill(1) })),
  ];
}

const BASE_NS = 1_700_000_000_123_456_789n;

describe("lib/wire pcap", () => {
  it("writes a nanosecond, LINKTYPE_RAW file header", () => {
    // magic a1b23c4d, version 2.4, thiszone 0, sigfigs 0, snaplen 262144, linktype 101; little-endian.
    expect(Buffer.from(pcapFileHeader()).toString("hex")).to.equal("4d3cb2a1" + "0200" + "0400" + "00000000" + "00000000" + "00000400" + "65000000");
  });

  it("frames a record with seconds, nanoseconds and both lengths", () => {
    const r = pcapRecord(new Uint8Array([0x45, 1, 2]), 3_000_000_007n);
    expect(Buffer.from(r).toString("hex")).to.equal("03000000" + "07000000" + "03000000" + "03000000" + "450102");
  });
});

describe("lib/wire pcap (read back by tcpdump; needs tcpdump, which CI installs)", function () {
  this.timeout(20_000);
  let dir = "";

  before(function () {
    if (!hasTcpdump()) {
      console.log("    tcpdump is not installed: skipping the pcap read-back specs");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), "tcpdrill-pcap-"));
  });

  after(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("every packet reads back with correct checksums, the right count and nanosecond times", () => {
    const packets = [...Object.values(fixtures).map(fixtureBytes), ...synthesized()];
    const parts = [pcapFileHeader(), ...packets.map((p, i) => pcapRecord(p, BASE_NS + BigInt(i) * 1_000_001n))];
    const file = join(dir, "wire.pcap");
    writeFileSync(file, Buffer.concat(parts));
    const out = execFileSync("tcpdump", ["-r", file, "-nn", "-vv", "-tt", "--time-stamp-precision=nano"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    // One record per packet: a line starting with its timestamp, then indented continuation lines.
    const records = out.split(/\n(?=\d+\.\d{9} )/).filter((r) => r.trim() !== "");
    expect(records).to.have.length(packets.length);
    records.forEach((r, i) => {
      const t = BASE_NS + BigInt(i) * 1_000_001n;
      expect(r.startsWith(`${t / 1_000_000_000n}.${String(t % 1_000_000_000n).padStart(9, "0")} `), r).to.equal(true);
      expect(r, r).not.to.match(/incorrect|bad (udp |icmp6 )?cksum|wrong icmp cksum/);
      if (/Flags \[/.test(r)) expect(r, r).to.match(/cksum 0x[0-9a-f]+ \(correct\)/);
      if (/ UDP,/.test(r) && !/ICMP/.test(r)) expect(r, r).to.match(/\[udp sum ok\]/);
      if (/ICMP6/.test(r)) expect(r, r).to.match(/\[icmp6 sum ok\]/);
    });
    const tcpCount = records.filter((r) => /\(correct\)/.test(r)).length;
    expect(tcpCount).to.equal(packets.filter((p) => (p[0]! >>> 4 === 4 ? p[9] : p[0]! >>> 4 === 6 && p[6] === 60 ? p[40] : p[6]) === 6).length);
  });
});
