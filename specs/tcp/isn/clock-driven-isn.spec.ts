// topic: T18
// rfc9293: MUST-8 SHLD-1
// RFC 9293 §3.4.1 asks for a clock-driven ISN generator (MUST-8) with a keyed pseudorandom part
// per 4-tuple (SHLD-1). A script binds each connection's ISN on first sight, so it cannot state how
// two ISNs relate; this spec runs clock-driven-isn.pkt (two active opens on one 4-tuple, 1 s apart,
// then one from another port) and reads the SYNs' raw sequence numbers from the trace: the second
// is the first plus the elapsed time in Linux's 64 ns ticks (secure_tcp_seq: same keyed hash,
// ktime_get_real_ns() >> 6), within 5 ms of the capture times — a random or counter ISN would
// land anywhere in 2^32 — and the third, another 4-tuple, is off that line (another hash value).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runSource, type SpecTrace } from "../../../harness/api";
import type { IpMode, TargetKind } from "../../../lib/trace/types";
import { decodePacket } from "../../../lib/wire/packet";
import { requireKernel } from "../../helpers/kernel";

const file = path.join(__dirname, "clock-driven-isn.pkt");
const TICKS_PER_USEC = 1000 / 64;

function syns(trace: SpecTrace): { time: number; seq: number }[] {
  const out: { time: number; seq: number }[] = [];
  for (const e of trace.entries) {
    if (e.kind !== "sniff") continue;
    const p = decodePacket(Uint8Array.from(Buffer.from(e.hex, "hex")));
    if (p.l4.protocol === "tcp" && p.l4.tcp.flags.syn && !p.l4.tcp.flags.ack) out.push({ time: e.time, seq: p.l4.tcp.seq });
  }
  return out;
}

describe("specs/tcp/isn: the ISN is clock-driven (RFC 9293 MUST-8)", function () {
  this.timeout(30_000);
  const source = readFileSync(file, "utf8");
  for (const target of ["kernel", "model"] as TargetKind[]) {
    for (const mode of ["ipv4", "ipv6"] as IpMode[]) {
      it(`[${mode}] ${target}: same 4-tuple: ISN = the first + elapsed × 15.625 per µs; another 4-tuple: off that line`, async function () {
        if (target === "kernel") {
          requireKernel(this);
        }
        const trace = await runSource(source, file, { target, mode, cwd: path.dirname(file) });
        expect(trace.verdict, trace.failure?.message).to.equal("pass");
        const [a, b, c] = syns(trace);
        expect(c, "three SYNs in the trace").to.not.equal(undefined);
        const offLine = (x: { time: number; seq: number }) => Math.abs(((x.seq - a!.seq) >>> 0) - (x.time - a!.time) * TICKS_PER_USEC);
        expect(offLine(b!), `same 4-tuple: ISN advanced ${(b!.seq - a!.seq) >>> 0} in ${b!.time - a!.time} µs`).to.be.below(5000 * TICKS_PER_USEC);
        expect(offLine(c!), "another 4-tuple: not on the first one's clock line").to.be.above(5000 * TICKS_PER_USEC);
      });
    }
  }
});
