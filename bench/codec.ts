/**
 * Codec throughput on one core: decode + re-encode + checksum of realistic full-size TCP/IPv4
 * segments.
 *
 *   npx tsx bench/codec.ts
 *
 * The segments are what a bulk transfer with timestamps looks like on a 1500-byte MTU link:
 * <nop,nop,TS> with 1448 payload bytes, and every fourth one also carrying
 * <nop,nop,sack a:b c:d> (1428 payload bytes); each is 1500 bytes on the wire, sequence numbers
 * cross 2^32. A small pool of distinct segments, each in its own buffer (a freshly read packet is
 * in cache, so the pool fits in cache too).
 *
 * Two figures, each the median of a few rounds:
 * - decode + verify + re-encode, the `codec:` figure: decodePacket, checkChecksums on the input
 *   (an independent pass over it), then encodePacketInto a reused buffer, which recomputes the
 *   IPv4 and TCP checksums.
 * - relay: the same without the separate pass. The re-encoded bytes are the input's (checked up
 *   front), so comparing the recomputed checksum fields with the input's verifies them too; this
 *   is what a harness that decodes and forwards packets pays.
 */
import * as wire from "../lib/wire";
import type { PacketRepr, TcpOption } from "../lib/wire";

// As a hot caller should: under tsx every use of a named import is a getter call (two, through
// the index's re-export), so bind the functions once.
const { checkChecksums, decodePacket, encodePacket, encodePacketInto, ipv4, seq, tcp, tcpPacket } = wire;

const POOL = 32;
const ROUNDS = 5;
const ROUND_MS = 600;
const IP_CHECKSUM = 10;
const TCP_CHECKSUM = 20 + 16;

function makeSegments(): Uint8Array[] {
  const out: Uint8Array[] = [];
  let state = 12345;
  const rand = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  const isn = 0xffff_c000; // the pool's sequence numbers wrap past 2^32
  for (let i = 0; i < POOL; i++) {
    const sack = i % 4 === 3;
    const options: TcpOption[] = [{ kind: "nop" }, { kind: "nop" }, { kind: "timestamp", val: 1000 + i, ecr: 5000 + i }];
    if (sack) {
      const l = seq(isn + 1448 * (i + 2));
      options.push({ kind: "nop" }, { kind: "nop" }, { kind: "sack", blocks: [{ left: l, right: seq(l + 1448) }, { left: seq(l + 2896), right: seq(l + 4344) }] });
    }
    const payload = new Uint8Array(sack ? 1428 : 1448);
    for (let j = 0; j < payload.length; j++) payload[j] = rand() >>> 24;
    const p: PacketRepr = tcpPacket(
      ipv4({ src: "192.168.0.1", dst: "192.0.2.1", id: i }),
      tcp({ srcPort: 8080, dstPort: 40000, seq: seq(isn + 1448 * i), ack: seq(77 + i), flags: { ack: true, psh: i % 8 === 0 }, window: 502, options, payload }),
    );
    const bytes = encodePacket(p);
    if (bytes.length !== 1500) throw new Error(`segment is ${bytes.length} bytes`);
    out.push(bytes);
  }
  return out;
}

function sameChecksums(a: Uint8Array, b: Uint8Array): boolean {
  return a[IP_CHECKSUM] === b[IP_CHECKSUM] && a[IP_CHECKSUM + 1] === b[IP_CHECKSUM + 1] && a[TCP_CHECKSUM] === b[TCP_CHECKSUM] && a[TCP_CHECKSUM + 1] === b[TCP_CHECKSUM + 1];
}

/** Segments per second over `ms` of work. */
function run(segments: Uint8Array[], out: Uint8Array, ms: number, separateVerify: boolean): number {
  let n = 0;
  let bytesOut = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  for (;;) {
    for (let i = 0; i < segments.length; i++) {
      const bytes = segments[i]!;
      const repr = decodePacket(bytes);
      if (separateVerify) {
        const ok = checkChecksums(bytes);
        if (ok.ip !== true || ok.l4 !== true) throw new Error("bad checksum in pool");
      }
      bytesOut += encodePacketInto(repr, out, 0);
      if (!sameChecksums(bytes, out)) throw new Error("checksum mismatch");
    }
    n += segments.length;
    if (process.hrtime.bigint() >= deadline) break;
  }
  const ns = process.hrtime.bigint() - start;
  if (bytesOut !== n * 1500) throw new Error("re-encoded lengths differ");
  return (n * 1e9) / Number(ns);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function main(): void {
  const segments = makeSegments();
  const out = new Uint8Array(2048);
  for (const s of segments) {
    const len = encodePacketInto(decodePacket(s), out, 0);
    if (len !== s.length || !out.subarray(0, len).every((b, i) => b === s[i])) throw new Error("round trip differs");
    const ok = checkChecksums(s);
    if (ok.ip !== true || ok.l4 !== true) throw new Error("bad checksum in pool");
  }
  run(segments, out, 500, true);
  run(segments, out, 500, false);
  const separate: number[] = [];
  const relay: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    separate.push(run(segments, out, ROUND_MS, true));
    relay.push(run(segments, out, ROUND_MS, false));
  }
  const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");
  console.log(`${ROUNDS} rounds of ${ROUND_MS} ms, 1500-byte TCP/IPv4 segments with <nop,nop,TS> (+ <nop,nop,sack> on 1 in 4), median of rounds:`);
  console.log(`  relay (decode, re-encode, compare recomputed checksums): ${fmt(median(relay))} segments/s`);
  console.log(`  decode + verify checksums (separate pass) + re-encode: ${fmt(median(separate))} segments/s`);
  console.log(`codec: ${Math.round(median(separate))} segments/s`);
}

main();
