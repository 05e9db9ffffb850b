/**
 * `tcpdrill check [--ip_version MODE] [-D NAME=value]... <script>...`: parse and check scripts
 * without running them, like packetdrill's --dry_run, but reporting every error of every file.
 *
 * `argv` excludes the `check` word. Diagnostics go to stderr, a one-line summary to stdout.
 * Exit status: 0 all scripts valid (warnings allowed), 1 some script has an error, 2 usage error
 * (bad option, no script, unreadable file).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { Diagnostic } from "../../lib/diagnostics/types";
import { renderDiagnostic } from "../../lib/diagnostics/render";
import type { IpMode } from "../../lib/script/ast";
import { isIpMode, parseScript } from "../../lib/script/parse";
import type { CliIo } from "./io";

const USAGE = `usage: tcpdrill check [--ip_version MODE] [-D NAME=value]... <script>...

Parse and check packetdrill scripts without running them (packetdrill's --dry_run).

options:
  --ip_version MODE   ipv4, ipv4-mapped-ipv6 or ipv6 (default: the script's own
                      --ip_version, else ipv4), or "all": every mode the file name
                      allows (*v4.pkt ipv4 only, *v6.pkt ipv6 only), as packetdrill's
                      run_all.py runs them
  -D, --define NAME=value
                      define a symbol (repeatable), like packetdrill's -D
  -h, --help          show this help
`;

export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ip_version: { type: "string" },
        define: { type: "string", short: "D", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    io.stderr.write(`tcpdrill check: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const mode = values.ip_version;
  if (mode !== undefined && mode !== "all" && !isIpMode(mode)) {
    io.stderr.write(`tcpdrill check: bad --ip_version: ${mode} (expected ipv4, ipv4-mapped-ipv6, ipv6 or all)\n`);
    return 2;
  }
  const defines: Record<string, string> = {};
  for (const d of values.define ?? []) {
    const eq = d.indexOf("=");
    if (eq <= 0) {
      io.stderr.write(`tcpdrill check: bad definition: ${d} (expected NAME=value)\n`);
      return 2;
    }
    defines[d.slice(0, eq)] = d.slice(eq + 1);
  }
  if (positionals.length === 0) {
    io.stderr.write(`tcpdrill check: missing script path\n\n${USAGE}`);
    return 2;
  }

  let errors = 0;
  let warnings = 0;
  let failedFiles = 0;
  for (const file of positionals) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      io.stderr.write(`tcpdrill check: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 2;
    }
    const modes: (IpMode | undefined)[] = mode === "all" ? modesForFile(file) : [mode];
    let fileHasError = false;
    for (const m of modes) {
      const result = parseScript(text, { file, ...(m ? { ipVersion: m } : {}), defines });
      for (const d of result.diagnostics) {
        const shown: Diagnostic = modes.length > 1 ? { ...d, notes: [...(d.notes ?? []), { message: `in ${m} mode` }] } : d;
        io.stderr.write(`${renderDiagnostic(shown, text)}\n`);
        if (d.severity === "error") {
          errors++;
          fileHasError = true;
        } else if (d.severity === "warning") warnings++;
      }
    }
    if (fileHasError) failedFiles++;
  }
  const n = positionals.length;
  io.stdout.write(
    `check: ${n} script${n === 1 ? "" : "s"}, ${failedFiles} with errors ` +
      `(${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"})\n`,
  );
  return failedFiles > 0 ? 1 : 0;
}

/** The modes packetdrill's run_all.py uses for a file: `*v4.pkt` ipv4, `*v6.pkt` ipv6, else all three. */
export function modesForFile(file: string): IpMode[] {
  if (file.endsWith("v4.pkt")) return ["ipv4"];
  if (file.endsWith("v6.pkt")) return ["ipv6"];
  return ["ipv4", "ipv4-mapped-ipv6", "ipv6"];
}
