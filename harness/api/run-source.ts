/**
 * runJob for script text that is not a file (a TS-built spec, a mutated script): the same parse,
 * the same `--option` handling, the same target factories, timeout and teardown, so a script run
 * from TypeScript behaves exactly like the same text in a .pkt file.
 */
import type { IpMode, TargetKind, Trace } from "../../lib/trace/types";
import type { RunConfig } from "../runner/config";
import { runText, targetFactory, type TargetFactory } from "../runner/run-job";

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

/** Parses `source` (named `file` in diagnostics) and plays it; every outcome is a trace, never a throw. */
export async function runSource(source: string, file: string, options: RunSourceOptions = {}): Promise<SpecTrace> {
  const mode = options.mode ?? "ipv4";
  const kind = options.target ?? "model";
  const makeTarget = options.makeTarget ?? targetFactory(kind, options.profile !== undefined ? { profile: options.profile } : {});
  const r = await runText(source, file, mode, { ...options.config, mode, target: kind }, makeTarget, options.cwd ?? process.cwd());
  return { ...r.trace, source };
}
