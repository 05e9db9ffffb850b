/**
 * How long starting a process stalls tcpdrill's event loop — the loop that times every run's
 * events — at the size of a mocha run (~350 MB), started directly (a fork of this process) and
 * through the spawner (harness/process/spawn.ts). 20 starts of `true` each; the stall is the
 * longest the loop went without a turn while one start was under way (a 1 ms interval's gap).
 * Last line: `spawn: direct <ms> ms, helper <ms> ms` (medians).
 */
import { spawnProcess, startSpawner } from "../harness/process/spawn";

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function stalls(way: "direct" | "helper"): Promise<number[]> {
  process.env["TCPDRILL_SPAWN"] = way;
  const out: number[] = [];
  for (let i = 0; i < 21; i++) {
    let last = performance.now();
    let worst = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 1);
    await new Promise((r) => setTimeout(r, 5));
    worst = 0;
    last = performance.now();
    const p = await spawnProcess({ file: "true", args: [] });
    await p.exit;
    await new Promise((r) => setTimeout(r, 3));
    clearInterval(tick);
    worst = Math.max(worst, performance.now() - last);
    if (i > 0) out.push(worst);
  }
  return out;
}

async function main(): Promise<void> {
  // A mocha run's size: touched memory, as the heap and the loaded code are.
  const ballast: Buffer[] = [];
  for (let i = 0; i < 300; i++) ballast.push(Buffer.alloc(1 << 20, i));
  process.env["TCPDRILL_SPAWN"] = "helper";
  startSpawner();
  await new Promise((r) => setTimeout(r, 300));
  const rss = Math.round(process.memoryUsage().rss / 1e6);
  const direct = await stalls("direct");
  const helper = await stalls("helper");
  const f = (xs: number[]): string => `median ${median(xs).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`rss ${rss} MB (ballast ${ballast.length} MB)`);
  console.log(`direct: ${f(direct)}`);
  console.log(`helper: ${f(helper)}`);
  console.log(`spawn: direct ${median(direct).toFixed(1)} ms, helper ${median(helper).toFixed(1)} ms`);
}

void main();
