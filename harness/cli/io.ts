import type { Trace } from "../../lib/trace/types";

/** The streams a CLI command writes to, passed in so specs can capture output. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly env?: Record<string, string | undefined>;
  /** Called with each run's trace as it finishes (benchmarks read timings from it). */
  readonly onTrace?: (trace: Trace) => void;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** A CliIo that records everything written, for specs. */
export function captureIo(): CliIo & { out(): string; err(): string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

/**
 * The start every command shares: parse argv, answer --help, refuse a missing script (or `what`). Returns the
 * parsed values, or the exit status to return at once (0 after --help, 2 for a usage error).
 */
export function commandLine<V extends { readonly help?: boolean | undefined }>(
  command: string,
  usage: string,
  io: CliIo,
  parse: () => { values: V; positionals: string[] },
  what = "script",
): { values: V; positionals: string[] } | number {
  let parsed: { values: V; positionals: string[] };
  try {
    parsed = parse();
  } catch (e) {
    io.stderr.write(`tcpdrill ${command}: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (parsed.values.help === true) {
    io.stdout.write(usage);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    io.stderr.write(`tcpdrill ${command}: no ${what} given\n\n${usage}`);
    return 2;
  }
  return parsed;
}
