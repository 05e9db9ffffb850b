/**
 * One job = one script file × one IP mode × one target: read, parse (with the mode's defines),
 * apply the script's own `--option=value` lines, build the target, run, and always tear down.
 * Every outcome is a Trace; parse errors and environment errors are traces with verdict "error".
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import type { Diagnostic } from "../../lib/diagnostics/types";
import type { Script } from "../../lib/script/ast";
import { parseScript } from "../../lib/script/parse";
import type { IpMode, TargetKind, Trace } from "../../lib/trace/types";
import { KernelTarget } from "../target/kernel";
import { useNormalPriority, useRealtimePriority } from "../sandbox/thread-priority";

/**
 * The main thread is real-time while any kernel script plays: with `-j`, one run ending must not
 * drop the priority under the others still playing.
 */
let realtimeHolders = 0;
function holdRealtime(): boolean {
  if (realtimeHolders === 0 && !useRealtimePriority()) return false;
  realtimeHolders++;
  return true;
}
function releaseRealtime(): void {
  if (--realtimeHolders === 0) useNormalPriority();
}
import { ModelTarget } from "../target/model";
import type { Target } from "../target/target";
import { defaultConfig, modeDefaults, type RunConfig } from "./config";
import { runScript } from "./run-script";

export interface JobResult {
  readonly trace: Trace;
  /** The script's text, for rendering diagnostics with their source line. */
  readonly source: string | undefined;
}

function errorTrace(file: string, config: RunConfig, diagnostic: Diagnostic, started: number): Trace {
  return { script: file, mode: config.mode, target: config.target, verdict: "error", failure: diagnostic, entries: [], wallMs: Date.now() - started, scriptedUsecs: 0 };
}

/** Script options (`--tolerance_usecs=10000` before the first event) override the command line, as in packetdrill. */
export function applyScriptOptions(script: Script, config: RunConfig): RunConfig {
  let c = config;
  for (const o of script.options) {
    const v = o.value?.text;
    const num = v !== undefined ? Number(v) : NaN;
    switch (o.name) {
      case "tolerance_usecs":
        if (Number.isFinite(num)) c = { ...c, toleranceUsecs: num };
        break;
      case "tolerance_percent":
        if (Number.isFinite(num)) c = { ...c, tolerancePercent: num };
        break;
      case "mss":
        if (Number.isFinite(num)) c = { ...c, mss: num };
        break;
      case "mtu":
        if (Number.isFinite(num)) c = { ...c, mtu: num };
        break;
      case "strict_segments":
        c = { ...c, strictSegments: true };
        break;
      case "tcp_ts_ecr_scaled":
        c = { ...c, tcpTsEcrScaled: true };
        break;
      case "local_ip":
        if (v !== undefined) c = { ...c, localIp: v };
        break;
      case "remote_ip":
        if (v !== undefined) c = { ...c, remoteIp: v };
        break;
      case "gateway_ip":
        if (v !== undefined) c = { ...c, gatewayIp: v };
        break;
      default:
        break;
    }
  }
  return c;
}

export type TargetFactory = (config: RunConfig, cwd: string) => Promise<Target>;

export const kernelTargetFactory: TargetFactory = (config, cwd) =>
  KernelTarget.create({
    mode: config.mode,
    localIp: config.localIp,
    remoteIp: config.remoteIp,
    gatewayIp: config.gatewayIp,
    netmaskIp: config.netmaskIp,
    mtu: config.mtu,
    cwd,
    env: {},
    ...(config.congestionControl !== undefined ? { congestionControl: config.congestionControl } : {}),
  });

/** The reference model in virtual time, with a shipped profile ("linux-6.18" unless given). */
export function modelTargetFactory(profile?: string): TargetFactory {
  return async (config, cwd) =>
    ModelTarget.create({
      mode: config.mode,
      localIp: config.localIp,
      remoteIp: config.remoteIp,
      mtu: config.mtu,
      cwd,
      env: {},
      ...(profile !== undefined ? { profile } : {}),
    });
}

export function targetFactory(kind: TargetKind, options: { readonly profile?: string } = {}): TargetFactory {
  return kind === "model" ? modelTargetFactory(options.profile) : kernelTargetFactory;
}

export async function runJob(file: string, mode: IpMode, base: Partial<RunConfig>, makeTarget: TargetFactory): Promise<JobResult> {
  const started = Date.now();
  let config = defaultConfig(mode, { ...base, ...modeDefaults[mode], ...pickAddresses(base) });
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    const d: Diagnostic = { code: "E-io", severity: "error", message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    return { trace: errorTrace(file, config, d, started), source: undefined };
  }
  return runText(source, file, mode, base, makeTarget, path.dirname(path.resolve(file)), started);
}

/**
 * runJob for script text already in hand (a file's, a TS-built spec's, a mutated script's): parse
 * with the mode's defines, apply the script's options, build the target, play, always tear down.
 */
export async function runText(
  source: string,
  file: string,
  mode: IpMode,
  base: Partial<RunConfig>,
  makeTarget: TargetFactory,
  cwd: string,
  started = Date.now(),
): Promise<JobResult> {
  let config = defaultConfig(mode, { ...base, ...modeDefaults[mode], ...pickAddresses(base) });
  const parsed = parseScript(source, { file, ipVersion: mode, defines: { ...config.defines } });
  const firstError = parsed.diagnostics.find((d) => d.severity === "error");
  if (parsed.script === undefined || firstError !== undefined) {
    const d = firstError ?? { code: "E-parse", severity: "error" as const, message: "the script could not be parsed" };
    return { trace: errorTrace(file, config, d, started), source };
  }
  const script = parsed.script;
  // As in packetdrill, options given on the command line (or by --variants) win over the
  // script's own `--option=value` lines: upstream's run_all.py passes each mode's addresses, and
  // scripts naming other addresses run with run_all.py's.
  config = { ...applyScriptOptions(script, config), ...explicitOptions(base) };
  if (config.noShell && (script.initCommand !== undefined || script.cleanupCommand !== undefined || script.events.some((e) => e.kind === "command"))) {
    const d: Diagnostic = { code: "E-no-shell", severity: "error", message: "the script runs shell commands and --no-shell was given" };
    return { trace: errorTrace(file, config, d, started), source };
  }
  let target: Target;
  try {
    target = await makeTarget(config, cwd);
  } catch (e) {
    const hint = config.target === "kernel" ? " (--target model runs the script against the reference model instead)" : "";
    const d: Diagnostic = { code: "E-environment", severity: "error", message: `cannot create the ${config.target} target: ${(e as Error).message}${hint}` };
    return { trace: errorTrace(file, config, d, started), source };
  }
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Trace>((resolve) => {
      timer = setTimeout(() => {
        const d: Diagnostic = {
          code: "E-timeout",
          severity: "error",
          message: `the script did not finish within ${config.timeoutMs / 1000} s (--timeout); a syscall may be blocked forever`,
        };
        resolve({ ...errorTrace(file, config, d, started), verdict: "fail" });
      }, config.timeoutMs);
    });
    // Kernel runs: the main thread real-time while the script plays, like packetdrill.
    const realtime = target.kind === "kernel" && holdRealtime();
    const running = runScript(script, target, config, { cwd }).finally(() => {
      if (realtime) releaseRealtime();
    });
    // After a timeout the target is closed under the still-running script; its failure is moot.
    running.catch(() => undefined);
    const trace = await Promise.race([running, timeout]);
    clearTimeout(timer);
    return { trace, source };
  } catch (e) {
    const d: Diagnostic = { code: "E-internal", severity: "error", message: `internal error: ${(e as Error).stack ?? String(e)}` };
    return { trace: errorTrace(file, config, d, started), source };
  } finally {
    await target.close();
  }
}

const COMMAND_LINE_WINS = ["localIp", "remoteIp", "gatewayIp", "netmaskIp", "mtu", "mss", "toleranceUsecs", "tolerancePercent"] as const;

function explicitOptions(base: Partial<RunConfig>): Partial<RunConfig> {
  const out: Record<string, unknown> = {};
  for (const k of COMMAND_LINE_WINS) if (base[k] !== undefined) out[k] = base[k];
  if (base.strictSegments === true) out["strictSegments"] = true;
  return out as Partial<RunConfig>;
}

function pickAddresses(base: Partial<RunConfig>): Partial<RunConfig> {
  const out: Partial<RunConfig> = {};
  if (base.localIp !== undefined) (out as { localIp: string }).localIp = base.localIp;
  if (base.remoteIp !== undefined) (out as { remoteIp: string }).remoteIp = base.remoteIp;
  if (base.gatewayIp !== undefined) (out as { gatewayIp: string }).gatewayIp = base.gatewayIp;
  if (base.netmaskIp !== undefined) (out as { netmaskIp: string }).netmaskIp = base.netmaskIp;
  if (base.mtu !== undefined) (out as { mtu: number }).mtu = base.mtu;
  return out;
}
