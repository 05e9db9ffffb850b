/**
 * Setup + teardown time of a kernel sandbox (namespace, tun0, capture socket, syscall thread),
 * back to back, median of 20, with the default thread pooling. Needs root and
 * /dev/net/tun. Last line: `sandbox: <ms> ms`.
 */
import { createSandbox, sandboxSupport, stopIdleThreads, type IpMode } from "../harness/sandbox/index";

async function main(): Promise<void> {
  const support = sandboxSupport();
  if (!support.ok) {
    console.log(`sandbox: skipped (${support.reason})`);
    return;
  }
  // Warm-up: the first thread loads koffi and compiles the modules.
  await (await createSandbox({ mode: "ipv4" })).close();
  const modes: readonly IpMode[] = ["ipv4", "ipv4-mapped-ipv6", "ipv6"];
  const totals: number[] = [];
  const setups: number[] = [];
  const teardowns: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = process.hrtime.bigint();
    const sb = await createSandbox({ mode: modes[i % modes.length]! });
    const t1 = process.hrtime.bigint();
    await sb.close();
    const t2 = process.hrtime.bigint();
    setups.push(Number(t1 - t0) / 1e6);
    teardowns.push(Number(t2 - t1) / 1e6);
    totals.push(Number(t2 - t0) / 1e6);
  }
  await stopIdleThreads();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`setup median ${median(setups).toFixed(1)} ms, teardown median ${median(teardowns).toFixed(1)} ms, max total ${Math.max(...totals).toFixed(1)} ms`);
  console.log(`sandbox: ${median(totals).toFixed(1)} ms`);
}

void main();
