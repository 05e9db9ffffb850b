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
import { startSpawner } from "../process/spawn";
import { timedRuns } from "../runtime/gc";
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

/** Rounds of kernelWarmUpScript in a kernel warm-up: ~2.5 ms each. */
const KERNEL_WARM_UP_ROUNDS = 40;

/**
 * For the kernel: the common calls, `rounds` times over. First a socket() with a chain of `+0`
 * setup calls after it (fcntl, get/setsockopt), which runs on the syscall thread; then, after a
 * handshake, rounds of a data segment in and read, the same setup calls on the accepted socket,
 * non-blocking reads that find nothing, and a code block's snapshot. Calls that cannot block
 * run on the runner's own thread (never-blocks.ts), whose copy of the executor and of the
 * runner's per-call code is otherwise cold in a fresh process: a first `+0` getsockopt after a
 * packet took 0.3 ms to start, the three calls after it 0.1 ms each; a first snapshot 1 ms.
 */
export function kernelWarmUpScript(rounds: number): string {
  const lines: string[] = [];
  // First, because the runner's packets are for the connection of the script's latest socket().
  for (let i = 0; i < rounds; i++) {
    lines.push(
      `${i === 0 ? "0" : "+0"} socket(..., SOCK_STREAM, IPPROTO_TCP) = 3`,
      "+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)",
      "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
      "+0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [20000], 4) = 0",
      "+0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [40000], [4]) = 0",
      "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0",
      "+0 close(3) = 0",
    );
  }
  lines.push(
    "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
    "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "+0 bind(3, ..., ...) = 0",
    "+0 listen(3, 1) = 0",
    "+0 < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
    "+0 > S. 0:0(0) ack 1 <mss 1460,sackOK,TS val 100 ecr 100,nop,wscale *>",
    "+.005 < . 1:1(0) ack 1 win 514 <nop,nop,TS val 110 ecr 100>",
    "+0 accept(3, ..., ...) = 4",
  );
  for (let i = 0; i < rounds; i++) {
    const seq = 1 + i * 10;
    lines.push(
      `+0 < P. ${seq}:${seq + 10}(10) ack 1 win 514 <nop,nop,TS val 120 ecr 100>`,
      "+0 fcntl(4, F_GETFL) = 0x2 (flags O_RDWR)",
      "+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0",
      "+0 ioctl(4, SIOCINQ, [10]) = 0",
      "+0 read(4, ..., 100) = 10",
      "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0",
      "+0 setsockopt(4, SOL_SOCKET, SO_SNDBUF, [20000], 4) = 0",
      "+0 getsockopt(4, SOL_SOCKET, SO_SNDBUF, [40000], [4]) = 0",
      "+0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0",
      "+0 read(4, ..., 100) = -1 EAGAIN (Resource temporarily unavailable)",
      "+0 recv(4, ..., 100, 0) = -1 EAGAIN (Resource temporarily unavailable)",
      "+0 fcntl(4, F_SETFL, O_RDWR) = 0",
      // A snapshot of TCP_INFO, TCP_CC_INFO and SO_MEMINFO.
      "+0 %{ pass }%",
    );
  }
  return lines.join("\n") + "\n";
}

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
    // The process spawner forks this process once (spawn.ts): here, not beside a timed run.
    startSpawner();
    // What a collection costs on this runtime decides which idle windows may take one (gc.ts).
    timedRuns.calibrate();
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
export function warmUpKernel(threads: number, congestionControl?: string): Promise<void> {
  kernelWarm ??= (async () => {
    await warmUpRunner();
    // With the runs' --cc: the syscall thread then sets it on each socket, a path of its own.
    const base = { allowUnexpected: true, ...(congestionControl !== undefined ? { congestionControl } : {}) };
    const one = (): Promise<unknown> => runText(WARM_UP_SCRIPT, "warm-up.pkt", "ipv4", base, kernelTargetFactory, process.cwd()).catch(() => undefined);
    for (let round = 0; round < 2; round++) await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, 4)) }, one));
    await runText(kernelWarmUpScript(KERNEL_WARM_UP_ROUNDS), "warm-up-calls.pkt", "ipv4", base, kernelTargetFactory, process.cwd()).catch(() => undefined);
  })();
  return kernelWarm;
}
