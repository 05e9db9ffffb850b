/**
 * A fresh process runs its first scripts with cold JavaScript: decoding, matching, formatting and
 * encoding a segment take ~200 µs each until V8 has optimised them, so the first kernel runs
 * answer a SYN 5–8 ms late (a `+0...0 connect()` then returns past its 4 ms tolerance, where
 * the same script passes on every later run). packetdrill, compiled C, has no such first run.
 * Before timing-sensitive runs, tcpdrill plays a built-in script on the model — the same
 * runner, matcher and codec paths, no kernel, a few tens of milliseconds — until they are warm.
 * It also locates the kernel's jiffy tick, which kernel runs start on (harness/sys/tick.ts).
 */
import type { IpMode } from "../../lib/trace/types";
import { locateTick } from "../sys/tick";
import { kernelTargetFactory, modelTargetFactory, runText } from "./run-job";

/** Handshake both ways, data both ways with options, and a close: the common paths. */
export const WARM_UP_SCRIPT = `
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale *>
+.01 < . 1:1(0) ack 1 win 514 <nop,nop,TS val 110 ecr 100>
+0 accept(3, ..., ...) = 4
+0 write(4, ..., 2000) = 2000
+0 > P. 1:2001(2000) ack 1 <nop,nop,TS val 110 ecr 110>
+.01 < . 1:1(0) ack 2001 win 514 <nop,nop,TS val 120 ecr 110>
+0 < P. 1:101(100) ack 2001 win 514 <nop,nop,TS val 120 ecr 110>
+0 > . 2001:2001(0) ack 101 <...>
+0 read(4, ..., 1000) = 100
+0 close(4) = 0
+0 > F. 2001:2001(0) ack 101 <...>
+.01 < F. 101:101(0) ack 2002 win 514 <nop,nop,TS val 130 ecr 110>
+0 > . 2002:2002(0) ack 102 <...>
`;

let warm: Promise<void> | undefined;

/** Warms the runner once per process (idempotent; failures of the warm-up itself are ignored). */
export function warmUpRunner(rounds = 4): Promise<void> {
  warm ??= (async () => {
    const modes: IpMode[] = ["ipv4", "ipv6"];
    for (let i = 0; i < rounds; i++) {
      for (const mode of modes) {
        await runText(WARM_UP_SCRIPT, "warm-up.pkt", mode, { target: "model", allowUnexpected: true }, modelTargetFactory(), process.cwd()).catch(() => undefined);
      }
    }
    // Locating the jiffy tick busy-reads the clock for ~30 ms: here, not inside a timed run.
    try {
      locateTick();
    } catch {
      // No FFI here (a model-only host): kernel runs, if any, report that themselves.
    }
  })();
  return warm;
}

let kernelWarm: Promise<void> | undefined;

/**
 * The kernel side has cold paths of its own — the syscall thread's executor (a thread per run in
 * parallel, each its own V8 isolate), the capture, sock_diag — and a first run's calls took
 * 1–2 ms each instead of tens of µs (sack-shift-sacked-7-3-4-8-9-fack then bound at 3–7 ms, and
 * every later event a jiffy either way). So the warm-up script also runs on the kernel, once on
 * each of `threads` syscall threads at the same time (the pool keeps them, warm, for the runs).
 * Once per process; failures are ignored (the runs report their own).
 */
export function warmUpKernel(threads: number): Promise<void> {
  kernelWarm ??= (async () => {
    await warmUpRunner();
    const one = (): Promise<unknown> =>
      runText(WARM_UP_SCRIPT, "warm-up.pkt", "ipv4", { allowUnexpected: true }, kernelTargetFactory, process.cwd()).catch(() => undefined);
    for (let round = 0; round < 2; round++) await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, 4)) }, one));
  })();
  return kernelWarm;
}
