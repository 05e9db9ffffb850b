/**
 * `tcpdrill diff <script>...`: play each script against the kernel and against the reference
 * model, then say where they differ, event by event (aligned by script line): the verdict, the
 * first failure, the segments sniffed for a line (script notation), syscall results and each fd's
 * tcpi_state sequence. The model's side of a difference names the model rule behind it.
 *
 * Exit status: 0 no difference, 1 some difference, 2 usage or environment error (the kernel
 * target unavailable or failing to start).
 */
import { parseArgs } from "node:util";
import type { IpMode, Trace, TraceEntry } from "../../lib/trace/types";
import { hex } from "../../lib/wire/format";
import type { RunConfig } from "../runner/config";
import { kernelTargetFactory, modelTargetFactory, runJob, type TargetFactory } from "../runner/run-job";
import type { ModelTarget } from "../target/model";
import { commandLine, type CliIo } from "./io";
import { runConfigFrom, SCRIPT_RUN_OPTIONS, workList } from "./run-options";
import { compareTraces, type TraceComparison, type TraceDifference } from "./trace-diff";

const USAGE = `usage: tcpdrill diff [options] <script>...

Play each script against the Linux kernel and against tcpdrill's reference model, and report
where the two differ, event by event: verdict, first failure, segments sent for each script
line, syscall results, tcpi_state sequences (the model's side names the model rule behind it).

options:
  --ip_version MODE        ipv4 (default), ipv4-mapped-ipv6, ipv6, or "all"
  --profile NAME           the model's profile: linux-6.18 (default) or packetdrill
  --tolerance_usecs N      timing tolerance (default 4000)
  --tolerance_percent P    … or P% of the scripted gap (default 12.5)
  -D, --define NAME=value  define a symbol (repeatable)
  --local_ip, --remote_ip, --gateway_ip, --netmask_ip, --mtu, --strict_segments,
  --allow_unexpected, --timeout   as for \`tcpdrill run\`
  --json                   one JSON object per script and mode per line
  -h, --help               show this help

Exit status: 0 no difference, 1 some difference, 2 usage or environment error.
`;

/** What diff runs against; specs swap the kernel for something deterministic. */
export interface DiffTargets {
  readonly kernel: TargetFactory;
  /** Checked before running: why the kernel target cannot run here, if it cannot. */
  readonly kernelUnavailable?: () => string | undefined;
}

export interface DiffResult {
  readonly script: string;
  readonly mode: IpMode;
  readonly kernel: Trace;
  readonly model: Trace;
  readonly comparison: TraceComparison;
}

function defaultTargets(): DiffTargets {
  return {
    kernel: kernelTargetFactory,
    kernelUnavailable: () => {
      const support = (require("../sandbox") as typeof import("../sandbox")).sandboxSupport();
      return support.ok ? undefined : support.reason;
    },
  };
}


/** Runs one script × mode on both targets and compares the traces. */
export async function diffOne(file: string, mode: IpMode, base: Partial<RunConfig>, targets: DiffTargets, profile?: string): Promise<DiffResult> {
  const kernel = (await runJob(file, mode, { ...base, target: "kernel" }, targets.kernel)).trace;
  let model: ModelTarget | undefined;
  const modelFactory = modelTargetFactory(profile);
  const recording: TargetFactory = async (config, cwd) => {
    const t = (await modelFactory(config, cwd)) as ModelTarget;
    model = t;
    return t;
  };
  const modelTrace = (await runJob(file, mode, { ...base, target: "model" }, recording)).trace;
  const byHex = new Map<string, readonly string[]>();
  for (const e of model?.emitted ?? []) byHex.set(hex(e.bytes), e.loose ?? []);
  const looseOf = (entry: TraceEntry & { kind: "sniff" }): readonly string[] => {
    const exact = byHex.get(entry.hex);
    if (exact !== undefined) return exact;
    // An aggregated segment is re-encoded from its parts: use the part that led it.
    const first = model?.emitted.find((e) => e.time === entry.time && e.rule === entry.rule);
    return first?.loose ?? [];
  };
  return { script: file, mode, kernel, model: modelTrace, comparison: compareTraces(kernel, modelTrace, looseOf) };
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, strict: true, options: SCRIPT_RUN_OPTIONS });
}

export async function diffCommand(argv: string[], io: CliIo, targets: DiffTargets = defaultTargets()): Promise<number> {
  const parsed = commandLine("diff", USAGE, io, () => parse(argv));
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  let base: Partial<RunConfig>;
  let work: { file: string; mode: IpMode }[];
  try {
    base = runConfigFrom(values);
    work = workList(positionals, values.ip_version);
  } catch (e) {
    io.stderr.write(`tcpdrill diff: ${(e as Error).message}\n`);
    return 2;
  }
  const unavailable = targets.kernelUnavailable?.();
  if (unavailable !== undefined) {
    io.stderr.write(`tcpdrill diff: cannot run scripts against the kernel here: ${unavailable}.\n` + `diff needs both targets; \`tcpdrill run --target model\` runs the model alone.\n`);
    return 2;
  }

  let different = 0;
  let environment = false;
  let total = 0;
  for (const { file, mode } of work) {
    const r = await diffOne(file, mode, base, targets, values.profile);
    total++;
    if (r.kernel.verdict === "error" && r.kernel.failure?.code === "E-environment") environment = true;
    if (r.comparison.differences.length > 0) different++;
    io.stdout.write(values.json === true ? jsonLine(r) : humanReport(r));
  }
  if (values.json !== true) io.stdout.write(`${total} compared, ${different} with differences\n`);
  return environment ? 2 : different > 0 ? 1 : 0;
}

function side(d: TraceDifference): string {
  return `${d.model}${d.rule !== undefined ? `   [rule ${d.rule}]` : ""}`;
}

function humanReport(r: DiffResult): string {
  const n = r.comparison.differences.length;
  const head = `${r.script} (${r.mode}): kernel ${r.kernel.verdict.toUpperCase()}, model ${r.model.verdict.toUpperCase()}: ${n === 0 ? "no difference" : `${n} difference${n === 1 ? "" : "s"}`}\n`;
  const rows: string[] = [];
  const show = (d: TraceDifference, prefix: string): void => {
    rows.push(`  ${prefix}${d.line !== undefined ? `line ${d.line} ` : ""}${d.kind}`);
    rows.push(`    kernel: ${d.kernel}`);
    rows.push(`    model:  ${side(d)}`);
  };
  for (const d of r.comparison.differences) show(d, "");
  for (const d of r.comparison.loose) show(d, "(not promised by the model) ");
  return head + rows.map((l) => l + "\n").join("");
}

function jsonLine(r: DiffResult): string {
  const failure = (t: Trace) =>
    t.failure === undefined ? null : { code: t.failure.code, line: t.failure.span?.start.line ?? null, message: t.failure.message };
  return (
    JSON.stringify({
      script: r.script,
      mode: r.mode,
      kernel: { verdict: r.kernel.verdict, failure: failure(r.kernel) },
      model: { verdict: r.model.verdict, failure: failure(r.model) },
      differences: r.comparison.differences,
      loose: r.comparison.loose,
    }) + "\n"
  );
}
