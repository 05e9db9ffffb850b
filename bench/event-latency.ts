/**
 * The runner's own time per event against the kernel: a script of back-to-back `+0` calls, and
 * the gap between one call's return and the next call's start as the trace records them (the
 * kernel's time in the calls themselves excluded). packetdrill's is ~20 µs; every microsecond of
 * it delays the rest of a script (tcp-info-sndbuf-limited and eor/no-coalesce-retrans in the
 * upstream corpus depend on where their events fall). Median and 90th percentile over 20 runs
 * after 3 warm-up runs. Last line: `event latency: <µs> µs median, <µs> µs p90`.
 *
 *   npx tsx bench/event-latency.ts
 */
import { kernelTargetFactory, runText } from "../harness/runner/run-job";
import { warmUpRunner } from "../harness/runner/warm-up";
import { sandboxSupport } from "../harness/sandbox";

const CALLS = 30;
const SCRIPT = ["0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", ...Array.from({ length: CALLS }, () => "+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)"), "+0 close(3) = 0", ""].join("\n");

async function main(): Promise<void> {
  const support = sandboxSupport();
  if (!support.ok) {
    console.log(`event latency: skipped (${support.reason})`);
    return;
  }
  await warmUpRunner();
  const gaps: number[] = [];
  for (let i = 0; i < 23; i++) {
    const { trace } = await runText(SCRIPT, "event-latency.pkt", "ipv4", {}, kernelTargetFactory, process.cwd());
    if (trace.verdict !== "pass") throw new Error(`event-latency.pkt: ${trace.failure?.message}`);
    if (i < 3) continue;
    const calls = trace.entries.flatMap((e) => (e.kind === "syscall" ? [e] : []));
    for (let j = 1; j < calls.length; j++) gaps.push(calls[j]!.start - calls[j - 1]!.end);
  }
  gaps.sort((a, b) => a - b);
  const at = (q: number): number => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))]!;
  console.log(`gaps: ${gaps.length}, min ${at(0).toFixed(0)} µs, max ${at(1).toFixed(0)} µs`);
  console.log(`event latency: ${at(0.5).toFixed(0)} µs median, ${at(0.9).toFixed(0)} µs p90`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
