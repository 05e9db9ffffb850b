/**
 * The options `tcpdrill run` and `tcpdrill diff` share (packetdrill's names), their parseArgs
 * specs, and their translation into a RunConfig. Errors are thrown as plain Errors whose message
 * the command prints as `tcpdrill <command>: <message>` with exit status 2.
 */
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import type { IpMode } from "../../lib/trace/types";
import { modesForScript, type RunConfig } from "../runner/config";

/** parseArgs specs of the options every script-running command accepts. */
export const SCRIPT_RUN_OPTIONS = {
  ip_version: { type: "string" },
  local_ip: { type: "string" },
  remote_ip: { type: "string" },
  gateway_ip: { type: "string" },
  netmask_ip: { type: "string" },
  mtu: { type: "string" },
  mss: { type: "string" },
  tolerance_usecs: { type: "string" },
  tolerance_percent: { type: "string" },
  strict_segments: { type: "boolean" },
  allow_unexpected: { type: "boolean" },
  cc: { type: "string" },
  define: { type: "string", short: "D", multiple: true },
  profile: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export type ScriptRunValues = {
  [K in keyof typeof SCRIPT_RUN_OPTIONS]?: (typeof SCRIPT_RUN_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof SCRIPT_RUN_OPTIONS)[K]["type"] extends "boolean" ? boolean : string;
};

export function nonNegative(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} takes a non-negative number, got '${v}'`);
  return n;
}

export function parseDefines(list: readonly string[] | undefined): Record<string, string> {
  const defines: Record<string, string> = {};
  for (const d of list ?? []) {
    const eq = d.indexOf("=");
    if (eq <= 0) throw new Error(`-D takes NAME=value, got '${d}'`);
    defines[d.slice(0, eq)] = d.slice(eq + 1);
  }
  return defines;
}

export function checkProfile(profile: string | undefined): void {
  if (profile !== undefined && profile !== "linux-6.18" && profile !== "packetdrill") {
    throw new Error(`unknown --profile '${profile}' (linux-6.18 or packetdrill)`);
  }
}

/** The RunConfig fields the shared options set. */
export function runConfigFrom(values: ScriptRunValues): Partial<RunConfig> {
  checkProfile(values.profile);
  const b: Record<string, unknown> = {
    defines: parseDefines(values.define),
    strictSegments: values.strict_segments === true,
    allowUnexpected: values.allow_unexpected === true,
  };
  if (values.cc !== undefined) {
    if (!/^[a-z0-9_]{1,15}$/.test(values.cc)) throw new Error(`--cc takes a congestion control name (e.g. cubic), got '${values.cc}'`);
    b["congestionControl"] = values.cc;
  }
  for (const k of ["local_ip", "remote_ip", "gateway_ip", "netmask_ip"] as const) {
    const v = values[k];
    if (v !== undefined) b[k.replace(/_(.)/g, (_, c: string) => c.toUpperCase())] = v;
  }
  const numbers: [keyof ScriptRunValues & string, keyof RunConfig, number][] = [
    ["mtu", "mtu", 1],
    ["mss", "mss", 1],
    ["tolerance_usecs", "toleranceUsecs", 1],
    ["tolerance_percent", "tolerancePercent", 1],
    ["timeout", "timeoutMs", 1000],
  ];
  for (const [option, field, scale] of numbers) {
    const n = nonNegative(option, values[option] as string | undefined);
    if (n !== undefined) b[field] = n * scale;
  }
  return b as Partial<RunConfig>;
}

/**
 * The scripts named on the command line: files as given, directories searched recursively for
 * `*.pkt` in name order (the way a corpus directory is run).
 */
export function expandScripts(args: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".pkt")) out.push(p);
    }
  };
  for (const a of args) {
    let isDir = false;
    try {
      isDir = statSync(a).isDirectory();
    } catch {
      // A missing file is reported by the run itself (E-io), with the others still run.
    }
    if (isDir) walk(a);
    else out.push(a);
  }
  return out;
}

/** Script × mode pairs for `--ip_version` (default ipv4; `all`: what each file name allows). */
export function workList(files: readonly string[], modeArg: string | undefined): { file: string; mode: IpMode }[] {
  const mode = modeArg ?? "ipv4";
  if (!["ipv4", "ipv4-mapped-ipv6", "ipv6", "all"].includes(mode)) {
    throw new Error(`bad --ip_version '${mode}' (ipv4, ipv4-mapped-ipv6, ipv6 or all)`);
  }
  return files.flatMap((file) => (mode === "all" ? modesForScript(file) : [mode as IpMode]).map((m) => ({ file, mode: m })));
}
