/**
 * The upstream packetdrill corpus, run the way packetdrill's run_all.py runs it, compared with
 * packetdrill's own verdicts on this kernel (verdicts.tsv: same verdict; for failures the same
 * script line and the same field). Lists every disagreement, then as its last line
 * `corpus: <seconds> s, <agree>/<total> agree` (packetdrill: 360 s serially for these 325 runs;
 * target: under half of that, with ≥ 98 % agreement). The lines before it give the share of CPU
 * time the host stole from this VM meanwhile, the runs confirmed by running again (`--confirm`'s
 * default) and those whose repeats did not all agree, and the runner's own lateness
 * (lib/trace/lateness.ts) over every injection and call of every run.
 *
 *   npx tsx bench/corpus.ts [corpus dir] [-j N] [--idle-jobs N] [--keep FILE.tsv]
 *
 * The corpus is staged into a temp directory laid out as upstream's (harness/corpus/stage.ts),
 * run with `tcpdrill run --variants all --cc cubic --allow_unexpected --tsv` (cubic is what the
 * scripts' defaults.sh asks for and what the verdict column was measured with; packetdrill
 * ignores packets no script line expects).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { compareVerdicts, parseVerdicts, type Disagreement } from "../lib/corpus/verdicts";
import { runCommand } from "../harness/cli/run";
import { stageCorpus } from "../harness/corpus/stage";
import { sandboxSupport } from "../harness/sandbox";
import { summarizeLateness } from "../lib/trace/lateness";
import { confirmationOf } from "../lib/trace/confirm";
import type { Trace } from "../lib/trace/types";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { jobs: { type: "string", short: "j" }, "idle-jobs": { type: "string" }, keep: { type: "string" } } });
  const corpus = path.resolve(positionals[0] ?? path.join(__dirname, "../../shared/corpus/packetdrill"));
  const support = sandboxSupport();
  if (!support.ok) {
    console.log(`corpus: skipped (${support.reason})`);
    return;
  }
  const expected = parseVerdicts(readFileSync(path.join(corpus, "verdicts.tsv"), "utf8")).rows;
  const staged = stageCorpus(corpus);
  const tsv = path.resolve(values.keep ?? path.join(staged.root, "tcpdrill.tsv"));
  const cwd = process.cwd();
  const traces: Trace[] = [];
  const cpu0 = cpuTimes();
  const t0 = performance.now();
  try {
    process.chdir(staged.root);
    const argv = ["--variants", "all", "--cc", "cubic", "--allow_unexpected", "--tsv", tsv, ...(values.jobs !== undefined ? ["-j", values.jobs] : []), ...(values["idle-jobs"] !== undefined ? ["--idle-jobs", values["idle-jobs"]] : []), "tcp"];
    const progress = { write: (s: string) => process.stderr.write(s.startsWith("[") ? s : "") };
    await runCommand(argv, { stdout: progress, stderr: process.stderr, env: {}, onTrace: (t) => traces.push(t) });
  } finally {
    process.chdir(cwd);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuTimes();
  const actual = parseVerdicts(readFileSync(tsv, "utf8")).rows;
  staged.remove();
  const agreement = compareVerdicts(expected, actual);
  for (const d of agreement.disagreements) console.log(describe(d));
  const late = summarizeLateness(traces);
  // Time the hypervisor gave the VM's CPUs to others while they had work: it comes in stalls of
  // tens of milliseconds, and a run with a few percent of it has visibly more late events.
  if (cpu0 !== undefined && cpu1 !== undefined) console.log(`host steal: ${((100 * (cpu1.steal - cpu0.steal)) / (cpu1.total - cpu0.total)).toFixed(1)} % of CPU time`);
  // Runs whose outcome could be timing luck were run again (lib/trace/confirm.ts): how many, and
  // which did not agree with themselves (the kernel races this bench can only measure).
  const { repeated, split } = confirmationOf(traces);
  console.log(`confirmed by running again: ${repeated.length} runs, ${split.length} not unanimous${split.length > 0 ? ": " + split.map((t) => `${t.script} [${t.mode}] ${t.repeats!.agreeing} of ${t.repeats!.runs}`).join(", ") : ""}`);
  console.log(`runner lateness: p50 ${late.p50.toFixed(0)} µs, p90 ${late.p90.toFixed(0)} µs, p99 ${late.p99.toFixed(0)} µs, max ${late.max.toFixed(0)} µs over ${late.actions} injections and calls`);
  console.log(`corpus: ${seconds.toFixed(1)} s, ${agreement.agree}/${agreement.total} agree`);
}

/** The machine's CPU time counters (/proc/stat's first line, in USER_HZ ticks); undefined off Linux. */
function cpuTimes(): { steal: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { steal: fields[7] ?? 0, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

function describe(d: Disagreement): string {
  const e = d.expected;
  const head = `${e.script} [${e.mode}]`;
  switch (d.kind) {
    case "missing":
      return `${head}: not run`;
    case "verdict":
      return `${head}: packetdrill ${e.verdict}, tcpdrill ${d.actual.verdict}\n    packetdrill: ${e.reason || "-"}\n    tcpdrill:    ${d.actual.reason || "-"}`;
    case "reason":
      return `${head}: both fail, for different reasons\n    packetdrill: ${e.reason}\n    tcpdrill:    ${d.actual.reason}`;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
