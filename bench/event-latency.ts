/**
 * The runner's own time per event against the kernel: scripts of back-to-back `+0` calls, and
 * the gap between one call's return and the next call's start as the trace records them (the
 * kernel's time in the calls themselves excluded). packetdrill's is ~20 µs; every microsecond of
 * it delays the rest of a script (tcp-info-sndbuf-limited and eor/no-coalesce-retrans in the
 * upstream corpus depend on where their events fall). Two scripts:
 *   - single: `socket` and `close` alternate; neither may join a chain (they change the fd
 *     table), so each call is its own round trip to the syscall thread, with the runner's
 *     bookkeeping in between — what a call after a call costs in general;
 *   - chained: `fcntl(F_GETFL)` calls, which go to the syscall thread as one chain;
 *   - after idle: `+.01 fcntl(F_GETFL)` calls, each measured from its scripted instant to its
 *     start (the runner's lateness): after 10 ms asleep, on a VM, everything runs colder.
 * Median and 90th percentile over 20 runs each after 3 warm-up runs. Last line:
 * `event latency: <µs> µs median, <µs> µs p90 (single calls); chained <µs> µs median; after idle <µs> µs median, <µs> µs p90`.
 *
 *   npx tsx bench/event-latency.ts
 */
import { kernelTargetFactory, runText } from "../harness/runner/run-job";
import { warmUpRunner } from "../harness/runner/warm-up";
import { sandboxSupport } from "../harness/sandbox";
import { actionLateness, percentile } from "../lib/trace/lateness";
import type { Trace } from "../lib/trace/types";

const CALLS = 30;
const SINGLE = [
  "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
  ...Array.from({ length: CALLS / 2 }, () => ["+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4", "+0 close(4) = 0"]).flat(),
  "+0 close(3) = 0",
  "",
].join("\n");
const AFTER_IDLE = ["0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", ...Array.from({ length: 10 }, () => "+.01 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)"), "+0 close(3) = 0", ""].join("\n");
const CHAINED = ["0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", ...Array.from({ length: CALLS }, () => "+0 fcntl(3, F_GETFL) = 0x2 (flags O_RDWR)"), "+0 close(3) = 0", ""].join("\n");

/** The traces of 20 passing runs of `script`, after 3 warm-up runs. */
async function tracesOf(script: string): Promise<Trace[]> {
  const traces: Trace[] = [];
  for (let i = 0; i < 23; i++) {
    const { trace } = await runText(script, "event-latency.pkt", "ipv4", {}, kernelTargetFactory, process.cwd());
    if (trace.verdict !== "pass") throw new Error(`event-latency.pkt: ${trace.failure?.message}`);
    if (i >= 3) traces.push(trace);
  }
  return traces;
}

/** Gaps (µs) between each call's return and the next call's start, sorted. */
function gapsOf(traces: readonly Trace[]): number[] {
  return traces
    .flatMap((t) => {
      const calls = t.entries.flatMap((e) => (e.kind === "syscall" ? [e] : []));
      return calls.slice(1).map((c, j) => c.start - calls[j]!.end);
    })
    .sort((a, b) => a - b);
}

/** Each `+.01` call's lateness (µs): its start after its scripted instant, without socket() and close(). */
function idleLatenessOf(traces: readonly Trace[]): number[] {
  return traces.flatMap((t) => actionLateness(t).slice(1, -1)).sort((a, b) => a - b);
}

const quantile = (sorted: readonly number[], q: number): number => percentile(sorted, q * 100);

async function main(): Promise<void> {
  const support = sandboxSupport();
  if (!support.ok) {
    console.log(`event latency: skipped (${support.reason})`);
    return;
  }
  await warmUpRunner();
  const single = gapsOf(await tracesOf(SINGLE));
  const chained = gapsOf(await tracesOf(CHAINED));
  const idle = idleLatenessOf(await tracesOf(AFTER_IDLE));
  for (const [name, gaps] of [["single", single], ["chained", chained], ["after idle", idle]] as const) {
    console.log(`${name}: ${gaps.length} gaps, min ${quantile(gaps, 0).toFixed(0)} µs, median ${quantile(gaps, 0.5).toFixed(0)} µs, p90 ${quantile(gaps, 0.9).toFixed(0)} µs, max ${quantile(gaps, 1).toFixed(0)} µs`);
  }
  console.log(`event latency: ${quantile(single, 0.5).toFixed(0)} µs median, ${quantile(single, 0.9).toFixed(0)} µs p90 (single calls); chained ${quantile(chained, 0.5).toFixed(0)} µs median; after idle ${quantile(idle, 0.5).toFixed(0)} µs median, ${quantile(idle, 0.9).toFixed(0)} µs p90`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
