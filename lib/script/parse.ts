/**
 * The entry point: `parseScript(text, options)` lexes, parses and checks a packetdrill script for
 * one IP mode, and returns the AST together with every diagnostic found (syntax errors are
 * recovered from at the next event, so all of a file's errors are reported at once).
 */
import type { Diagnostic } from "../diagnostics/types";
import { hasErrors, sortDiagnostics } from "../diagnostics/types";
import type { IpMode, Script } from "./ast";
import { checkScript } from "./checks";
import { parseScriptRule } from "./parse-script";
import { ParserCore } from "./parser-core";

export interface ParseOptions {
  /** File name used in spans and messages. */
  readonly file: string;
  /**
   * The IP mode of this run (packetdrill's `--ip_version`). Defaults to the script's own
   * `--ip_version` option, else ipv4. It decides e.g. which ICMP names exist.
   */
  readonly ipVersion?: IpMode;
  /** `-D NAME=value` defines; they override `--define` lines in the script. */
  readonly defines?: Readonly<Record<string, string>>;
}

export interface ParseResult {
  /** The script, present only when there is no error (warnings allowed). */
  readonly script?: Script;
  /** The tree as far as it could be built, even with errors (for tools; do not run it). */
  readonly partial: Script;
  /** All errors and warnings, in source order. */
  readonly diagnostics: readonly Diagnostic[];
  /** The IP mode the script was checked for. */
  readonly ipVersion: IpMode;
}

export function parseScript(text: string, options: ParseOptions): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const defines = new Map(Object.entries(options.defines ?? {}));
  const p = new ParserCore(options.file, text, defines, diagnostics);
  const { script, scriptIpVersion } = parseScriptRule(p, new Set(defines.keys()));
  const ipVersion = options.ipVersion ?? (isIpMode(scriptIpVersion) ? scriptIpVersion : "ipv4");
  diagnostics.push(...checkScript(script, { mode: ipVersion }));
  const sorted = sortDiagnostics(diagnostics);
  return hasErrors(sorted)
    ? { partial: script, diagnostics: sorted, ipVersion }
    : { script, partial: script, diagnostics: sorted, ipVersion };
}

export function isIpMode(s: string | undefined): s is IpMode {
  return s === "ipv4" || s === "ipv4-mapped-ipv6" || s === "ipv6";
}
