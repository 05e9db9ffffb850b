/**
 * runJob for script text that is not a file (a TS-built spec, a mutated script): the same parse,
 * the same `--option` handling, the same target factories, timeout and teardown, so a script run
 * from TypeScript behaves exactly like the same text in a .pkt file.
 */
import type { Diagnostic } from "../../lib/diagnostics/types";
import { parseScript } from "../../lib/script/parse";
import type { IpMode, TargetKind, Trace } from "../../lib/trace/types";
import { defaultConfig, modeDefaults, type RunConfig } from "../runner/config";
import { applyScriptOptions, targetFactory, type TargetFactory } from "../runner/run-job";
import { runScript } from "../runner/run-script";
import { useNormalPriority, useRealtimePriority } from "../sandbox/thread-priority";
import type { Target } from "../target/target";

export interface RunSourceOptions {
  /** kernel (needs root and /dev/net/tun) or model (virtual time). Default: model. */
  readonly target?: TargetKind;
  /** Default: ipv4. */
  readonly mode?: IpMode;
  /** Any further runner setting (tolerances, defines, timeoutMs…); the mode's addresses apply unless given. */
  readonly config?: Partial<RunConfig>;
  /** The model's profile ("linux-6.18" unless given). */
  readonly profile?: string;
  /** Working directory for the script's shell commands. Default: process.cwd(). */
  readonly cwd?: string;
  /** Replace the target factory (tests of the API itself). */
  readonly makeTarget?: TargetFactory;
}

/** A Trace together with the text that produced it, so its failure can be rendered with the source line. */
export type SpecTrace = Trace & { readonly source: string };

function errorTrace(file: string, config: RunConfig, d: Diagnostic, started: number, source: string): SpecTrace {
  return { script: file, mode: config.mode, target: config.target, verdict: "error", failure: d, entries: [], wallMs: Date.now() - started, scriptedUsecs: 0, source };
}

/** Parses `source` (named `file` in diagnostics) and plays it; every outcome is a trace, never a throw. */
export async function runSource(source: string, file: string, options: RunSourceOptions = {}): Promise<SpecTrace> {
  const started = Date.now();
  const mode = options.mode ?? "ipv4";
  const kind = options.target ?? "model";
  let config = defaultConfig(mode, { ...modeDefaults[mode], ...options.config, mode, target: kind });
  const parsed = parseScript(source, { file, ipVersion: mode, defines: { ...config.defines } });
  const firstError = parsed.diagnostics.find((d) => d.severity === "error");
  if (parsed.script === undefined || firstError !== undefined) {
    const d = firstError ?? { code: "E-parse", severity: "error" as const, message: "the script could not be parsed" };
    return errorTrace(file, config, d, started, source);
  }
  const script = parsed.script;
  config = applyScriptOptions(script, config);
  const makeTarget = options.makeTarget ?? targetFactory(kind, options.profile !== undefined ? { profile: options.profile } : {});
  let target: Target;
  try {
    target = await makeTarget(config, options.cwd ?? process.cwd());
  } catch (e) {
    const d: Diagnostic = { code: "E-environment", severity: "error", message: `cannot create the ${kind} target: ${(e as Error).message}` };
    return errorTrace(file, config, d, started, source);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<Trace>((resolve) => {
      timer = setTimeout(() => {
        const d: Diagnostic = { code: "E-timeout", severity: "error", message: `the script did not finish within ${config.timeoutMs / 1000} s` };
        resolve({ ...errorTrace(file, config, d, started, source), verdict: "fail" });
      }, config.timeoutMs);
    });
    // As runJob: the main thread runs real-time while a kernel script plays, like packetdrill.
    const realtime = target.kind === "kernel" && useRealtimePriority();
    const running = runScript(script, target, config).finally(() => {
      if (realtime) useNormalPriority();
    });
    running.catch(() => undefined);
    const trace = await Promise.race([running, timeout]);
    return { ...trace, source };
  } catch (e) {
    const d: Diagnostic = { code: "E-internal", severity: "error", message: `internal error: ${(e as Error).stack ?? String(e)}` };
    return errorTrace(file, config, d, started, source);
  } finally {
    clearTimeout(timer);
    await target.close();
  }
}
