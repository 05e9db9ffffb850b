/**
 * Runner overhead against the kernel: wall time of a short script minus its scripted duration,
 * median over 25 runs (after 3 warm-up runs). Includes namespace setup and teardown.
 * Last line: `overhead: <ms> ms` (target ≤ 50 ms; packetdrill spends ~200 ms per run here).
 *
 *   npx tsx bench/overhead.ts [script]
 */
import * as path from "node:path";
import { kernelTargetFactory, runJob } from "../harness/runner/run-job";
import { sandboxSupport, stopSpareThread } from "../harness/sandbox";

async function main(): Promise<void> {
  const support = sandboxSupport();
  if (!support.ok) {
    console.log(`overhead: skipped (${support.reason})`);
    return;
  }
  const file = process.argv[2] ?? path.join(__dirname, "../specs/tcp/passive-open/listen-accept.pkt");
  const samples: number[] = [];
  for (let i = 0; i < 28; i++) {
    const t0 = performance.now();
    const r = await runJob(file, "ipv4", {}, kernelTargetFactory);
    const wall = performance.now() - t0;
    if (r.trace.verdict !== "pass") throw new Error(`${file}: ${r.trace.failure?.message}`);
    if (i >= 3) samples.push(wall - r.trace.scriptedUsecs / 1000);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  console.log(`runs: ${samples.length}, min ${samples[0]!.toFixed(1)} ms, max ${samples[samples.length - 1]!.toFixed(1)} ms`);
  console.log(`overhead: ${median.toFixed(1)} ms`);
  await stopSpareThread();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
