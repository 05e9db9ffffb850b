// topic: T18
// rfc9293: MUST-8
// RFC 9293 §3.4.1 asks for a clock-driven ISN generator. A script binds each connection's ISN on
// first sight, so it cannot state how two ISNs relate; this spec runs clock-driven-isn.pkt (two
// active opens on one 4-tuple, 1 s apart) and reads the two SYNs' raw sequence numbers from the
// trace: the second is the first plus the elapsed time in Linux's 64 ns ticks (secure_tcp_seq:
// same keyed hash, ktime_get_real_ns() >> 6), within 5 ms of the capture times. A random or
// per-connection-counter ISN would land anywhere in 2^32.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { runSource, type SpecTrace } from "../../../harness/api";
import { sandboxSupport } from "../../../harness/sandbox";
import type { IpMode, TargetKind } from "../../../lib/trace/types";
import { decodePacket } from "../../../lib/wire/packet";

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
      it(`[${mode}] ${target}: the second SYN's ISN = the first + elapsed × 15.625 per µs`, async function () {
        if (target === "kernel") {
          const support = sandboxSupport();
          if (!support.ok) {
            console.log(`      pending: kernel target unavailable: ${support.reason}`);
            this.skip();
          }
        }
        const trace = await runSource(source, file, { target, mode, cwd: path.dirname(file) });
        expect(trace.verdict, trace.failure?.message).to.equal("pass");
        const [a, b] = syns(trace);
        expect(a, "two SYNs in the trace").to.not.equal(undefined);
        expect(b, "two SYNs in the trace").to.not.equal(undefined);
        const advanced = (b!.seq - a!.seq) >>> 0;
        const expected = (b!.time - a!.time) * TICKS_PER_USEC;
        expect(Math.abs(advanced - expected), `ISN advanced ${advanced} for ${b!.time - a!.time} µs`).to.be.below(5000 * TICKS_PER_USEC);
      });
    }
  }
});
