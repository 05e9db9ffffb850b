/**
 * `tcpdrill run [options] <script>...`: play scripts against the kernel (each run in its own
 * network namespace) or, with `--target model`, the reference model in virtual time.
 * packetdrill's option names; one line per run; `N passed, N failed` at the end.
 *
 * Exit status: 0 all passed, 1 some run failed, 2 usage or environment error (e.g. no permission
 * to create namespaces).
 */
import { mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs, styleText } from "node:util";
import { renderDiagnostic } from "../../lib/diagnostics/render";
import type { IpMode, Trace } from "../../lib/trace/types";
import { checkRecordOptions, finishRecords, RECORD_OPTIONS, RECORD_USAGE, reportsEachRun } from "../baseline/cli";
import { installSignalHandlers, sandboxSupport } from "../sandbox";
import type { RunConfig } from "../runner/config";
import { runJob, targetFactory, type JobResult } from "../runner/run-job";
import { formatTrace } from "../report/text";
import { writeTracePcap } from "../report/pcap";
import { RunViews, runStem, scriptStems } from "./ladder";
import { commandLine, type CliIo } from "./io";
import { expandScripts, nonNegative, runConfigFrom, SCRIPT_RUN_OPTIONS, workList } from "./run-options";
import { variantModes, withVariant } from "../runner/variants";
import { warmUpKernel } from "../runner/warm-up";
import { defaultIdleJobs, defaultJobs, estimateShape, Gate, gatedFactory, longestFirst, mostlyWaits, playTwice, type ScriptShape } from "../runner/scheduler";
import { writeTsv } from "./tsv";
import { confirmationOf, defaultConfirmPolicy, describeRepeats, needsConfirmation, type ConfirmPolicy } from "../../lib/trace/confirm";
import { confirmed } from "../runner/confirm";

const USAGE = `usage: tcpdrill run [options] <script or directory>...

Play packetdrill scripts against the Linux kernel, each in a fresh network namespace.

options:
  --ip_version MODE        ipv4 (default), ipv4-mapped-ipv6, ipv6, or "all" (every mode
                           the file name allows: *v4.pkt ipv4 only, *v6.pkt ipv6 only)
  --local_ip, --remote_ip, --gateway_ip, --netmask_ip ADDR
  --mtu N                  tun0 MTU (default 1500; 1520 for ipv6)
  --mss N                  MSS option of inbound SYNs that give none (packetdrill's --mss)
  --tolerance_usecs N      timing tolerance (default 4000)
  --tolerance_percent P    … or P% of the scripted gap, whichever is larger (default 12.5)
  --strict_segments        compare outbound segments one by one (no aggregation)
  --allow_unexpected       ignore outbound packets no \`>\` line matched (packetdrill's way)
  --variants all           run like upstream packetdrill's run_all.py: ipv4 and ipv4-mapped-ipv6
                           unless the name ends in v6.pkt, ipv6 unless it ends in v4.pkt, each
                           with that mode's addresses and defines
                           (TFO_COOKIE, CODE, CMSG_LEVEL_IP, CMSG_TYPE_RECVERR); -D wins
  --cc NAME                set TCP_CONGESTION NAME on every socket the script creates (for
                           scripts whose tcp_congestion_control sysctl the host refuses)
  --tsv FILE               write one row per run in the columns of packetdrill's verdicts.tsv
                           (script, mode, verdict, verdict_host_default_cc, wall_s, reason)
  -D, --define NAME=value  define a symbol (repeatable)
  --target TARGET          kernel (default: Linux in a network namespace, needs root) or
                           model (tcpdrill's reference TCP model, in virtual time)
  --profile NAME           the model's profile: linux-6.18 (default) or packetdrill
  --timeout SECONDS        give up on a script after this long (default 300)
  -j, --jobs N             kernel runs in parallel, each in its own namespace (default: one per
                           core; sandboxes are set up one at a time, the longest scripts first;
                           model runs: default 1, they share one thread)
  --idle-jobs N            scripts that mostly wait (scripted for 2 s or more, at most 15 events
                           a second) run beside the -j runs, up to N more at once (kernel
                           default: 1; model: 0)
  --confirm N              run a kernel script again, up to N more times, when its outcome may be
                           timing luck (it failed, or a packet came within 1 ms of its window's
                           edge) and it ran for at most 5 s; the majority outcome is the verdict,
                           and the report says how the others went (default 2; 0: never)
  --json                   one JSON object per run per line
  --pcap DIR               write each run's packets to DIR/<script>.<mode>.<target>.pcap
                           (<script>: the file name; scripts sharing one get their directory
                           in front, as zerocopy-basic)
  --ladder FILE            draw each run's ladder diagram: FILE.svg (several runs: FILE's name
                           plus .<script>.<mode>.<target>), or - for text after each run
  --trace FILE             save each run's trace as JSON (named like --ladder); see tcpdrill ladder
  --report DIR             one HTML page per run (verdict, ladder, script, pcap) and DIR/index.html
  --no-shell               refuse scripts that run shell commands
${RECORD_USAGE}  -v, --verbose            print every packet and syscall of each run
  -h, --help               show this help
`;

const IGNORED_PACKETDRILL_FLAGS = ["send_omit_free"] as const;

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...SCRIPT_RUN_OPTIONS,
      target: { type: "string" },
      jobs: { type: "string", short: "j" },
      "idle-jobs": { type: "string" },
      confirm: { type: "string" },
      pcap: { type: "string" },
      ladder: { type: "string" },
      trace: { type: "string" },
      report: { type: "string" },
      variants: { type: "string" },
      tsv: { type: "string" },
      "no-shell": { type: "boolean" },
      ...RECORD_OPTIONS,
      verbose: { type: "boolean", short: "v" },
      ...Object.fromEntries(IGNORED_PACKETDRILL_FLAGS.map((f) => [f, { type: "boolean" as const }])),
    },
  });
}

export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = commandLine("run", USAGE, io, () => parse(argv));
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const kind = values.target === "model" ? "model" : "kernel";
  let base: Partial<RunConfig>;
  let jobs: number;
  let idleJobs: number;
  let confirm: ConfirmPolicy;
  let work: { file: string; mode: IpMode }[];
  try {
    if (values.target !== undefined && values.target !== "kernel" && values.target !== "model") {
      throw new Error(`unknown --target '${values.target}' (kernel or model)`);
    }
    if (values.profile !== undefined && values.target !== "model") throw new Error("--profile applies to --target model only");
    base = { ...runConfigFrom(values), target: kind, noShell: values["no-shell"] === true, verbose: values.verbose === true };
    jobs = Math.max(1, Math.floor(nonNegative("jobs", values.jobs) ?? defaultJobs(kind)));
    idleJobs = Math.floor(nonNegative("idle-jobs", values["idle-jobs"]) ?? defaultIdleJobs(kind));
    confirm = { ...defaultConfirmPolicy, repeats: Math.floor(nonNegative("confirm", values.confirm) ?? defaultConfirmPolicy.repeats) };
    if (values.variants !== undefined && values.variants !== "all") throw new Error(`--variants takes 'all', got '${values.variants}'`);
    if (values.variants !== undefined && values.ip_version !== undefined) throw new Error("--variants all chooses the IP modes itself; drop --ip_version");
    const scripts = expandScripts(positionals);
    if (scripts.length === 0) throw new Error("no scripts given (files, or directories holding *.pkt)");
    work = values.variants !== undefined ? scripts.flatMap((file) => variantModes(file).map((mode) => ({ file, mode }))) : workList(scripts, values.ip_version);
    const recordError = checkRecordOptions(values);
    if (recordError !== undefined) throw new Error(recordError);
  } catch (e) {
    io.stderr.write(`tcpdrill run: ${(e as Error).message}\n`);
    return 2;
  }
  const support = kind === "kernel" ? sandboxSupport() : { ok: true as const };
  if (!support.ok) {
    io.stderr.write(
      `tcpdrill run: cannot run scripts against the kernel here: ${support.reason}.\n` +
        `Run as root on Linux (network namespaces and /dev/net/tun are needed), or use --target model to run against the reference model.\n`,
    );
    return 2;
  }
  const factory = gatedFactory(targetFactory(kind, values.profile !== undefined ? { profile: values.profile } : {}), new Gate());
  const shapes = work.map((w) => scriptShape(w.file));
  const order = longestFirst(shapes.map((s) => s.seconds));
  const waits = shapes.map(mostlyWaits);

  // Kernel runs are timed: play the runner's paths on the model and the kernel first, so that V8
  // has optimised them on the main thread and on the syscall threads the runs will take.
  if (kind === "kernel") await warmUpKernel(Math.min(jobs + idleJobs, work.length), base.congestionControl);
  const uninstall = installSignalHandlers();
  const colour = io.stdout.isTTY === true && io.env?.["NO_COLOR"] === undefined;
  const results: JobResult[] = new Array(work.length);
  const stems = scriptStems(work.map((w) => w.file));
  const views = new RunViews({ ...(values.ladder !== undefined ? { ladder: values.ladder } : {}), ...(values.trace !== undefined ? { trace: values.trace } : {}), ...(values.report !== undefined ? { report: values.report } : {}) }, work.length, io, stems);
  let done = 0;
  const inFlight = new Map<number, string>();
  const once = (i: number): Promise<JobResult> => {
    const w = work[i]!;
    return runJob(w.file, w.mode, values.variants !== undefined ? withVariant(base, w.mode) : base, factory);
  };
  const finish = (i: number, result: JobResult): void => {
    results[i] = result;
    done++;
    io.onTrace?.(result.trace);
    if (reportsEachRun(values)) report(io, result, values.json === true, colour, done, work.length);
    if (values.verbose === true && values.json !== true) io.stdout.write(formatTrace(result.trace).replace(/^/gm, "    "));
    if (values.pcap !== undefined) savePcap(values.pcap, result.trace, stems);
    views.save(result);
  };
  // First every run once; the runs to confirm (lib/trace/confirm.ts) are repeated once no busy
  // first run is left to start, not straight away, and with no other busy run beside them
  // (playTwice): under packetdrill's conditions, so that what made the first run unlucky is
  // less likely to repeat with it.
  const firstRuns = new Map<number, JobResult>();
  const tracked = async <T>(i: number, play: () => Promise<T>): Promise<T> => {
    inFlight.set(i, `${work[i]!.file} (${work[i]!.mode})`);
    const result = await play();
    inFlight.delete(i);
    return result;
  };
  /** Plays `i` once; true when its outcome is to be confirmed (it is then finished later). */
  const playOnce = (i: number): Promise<boolean> =>
    tracked(i, async () => {
      const first = await once(i);
      if (!needsConfirmation(first.trace, confirm)) {
        finish(i, first);
        return false;
      }
      firstRuns.set(i, first);
      return true;
    });
  const confirmRun = (i: number): Promise<void> => tracked(i, async () => finish(i, await confirmed(firstRuns.get(i)!, () => once(i), confirm)));
  // The event loop running dry with runs unfinished means one awaits something only an unref'd
  // handle could bring (a bug): say which, instead of exiting silently with status 0.
  const onDrain = (): void => {
    io.stderr.write(`tcpdrill: internal error: nothing left to wait for, but ${inFlight.size} run(s) never finished: ${[...inFlight.values()].join(", ")}\n`);
    process.exitCode = 70;
  };
  process.once("beforeExit", onDrain);
  try {
    await playTwice(order, jobs, playOnce, confirmRun, (i) => shapes[i]!.seconds, (i) => work[i]!.file, { waits: (i) => waits[i]!, extra: idleJobs });
  } finally {
    process.removeListener("beforeExit", onDrain);
    uninstall();
  }
  views.finish();
  if (values.tsv !== undefined) writeTsv(values.tsv, results, base.congestionControl !== undefined);
  const passed = results.filter((r) => r.trace.verdict === "pass").length;
  const failed = results.length - passed;
  if (values.json !== true) io.stdout.write(`${passed} passed, ${failed} failed${confirmationSummary(results.map((r) => r.trace))}\n`);
  const envErrors = results.every((r) => r.trace.verdict === "error" && r.trace.failure?.code === "E-environment");
  return finishRecords(values, results, io, failed === 0 ? 0 : envErrors ? 2 : 1);
}

const shapeCache = new Map<string, ScriptShape>();
function scriptShape(file: string): ScriptShape {
  let s = shapeCache.get(file);
  if (s === undefined) {
    try {
      s = estimateShape(readFileSync(file, "utf8"));
    } catch {
      s = { seconds: 0, events: 0 };
    }
    shapeCache.set(file, s);
  }
  return s;
}

function verdictWord(t: Trace, colour: boolean): string {
  const word = t.verdict.toUpperCase().padEnd(5);
  if (!colour) return word;
  return styleText(t.verdict === "pass" ? "green" : t.verdict === "fail" ? "red" : "yellow", word);
}

export function report(io: CliIo, r: JobResult, json: boolean, colour: boolean, done: number, total: number): void {
  const t = r.trace;
  if (json) {
    io.stdout.write(
      JSON.stringify({
        script: t.script,
        mode: t.mode,
        target: t.target,
        verdict: t.verdict,
        reason: t.failure?.message ?? "",
        line: t.failure?.span?.start.line ?? null,
        warnings: t.warnings ?? [],
        wall_ms: t.wallMs,
        ...(t.timingMarginUs !== undefined ? { timing_margin_us: t.timingMarginUs } : {}),
        ...(t.repeats !== undefined ? { runs: t.repeats.runs, agreeing: t.repeats.agreeing, other_outcomes: t.repeats.others } : {}),
      }) + "\n",
    );
    return;
  }
  const progress = total > 1 ? `[${done}/${total}] ` : "";
  io.stdout.write(`${progress}${verdictWord(t, colour)} ${t.script} (${t.mode}) ${t.wallMs} ms${repeatsText(t)}\n`);
  for (const w of t.warnings ?? []) io.stdout.write(`    ${colour ? styleText("yellow", "warning") : "warning"}: ${w}\n`);
  if (t.failure !== undefined) io.stdout.write(renderDiagnostic(t.failure, r.source).replace(/^/gm, "    ") + "\n");
}

/** " (4 confirmed by running again; 1 of them not unanimous)", or "" when nothing was repeated. */
function confirmationSummary(traces: readonly Trace[]): string {
  const { repeated, split } = confirmationOf(traces);
  if (repeated.length === 0) return "";
  return ` (${repeated.length} confirmed by running again; ${split.length} of them not unanimous)`;
}

/** ", 2 of 3 runs (other: fail at line 18 (E-timing))" for a confirmed run; "" otherwise. */
function repeatsText(t: Trace): string {
  return t.repeats === undefined ? "" : `, ${describeRepeats(t.repeats)}`;
}

function savePcap(dir: string, t: Trace, stems: ReadonlyMap<string, string>): void {
  if (t.entries.length === 0) return;
  mkdirSync(dir, { recursive: true });
  writeTracePcap(t, path.join(dir, `${runStem(t, stems)}.pcap`));
}
