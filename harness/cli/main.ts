/**
 * `tcpdrill` command-line entry. Each subcommand lives in its own file and returns an exit status;
 * this file only dispatches, so every error is rendered once, here or in the subcommand.
 *
 * Subcommands are loaded on first use (require) so `tcpdrill check` never loads the FFI.
 *
 * Exit status (all subcommands): 0 success, 1 a script failed or was invalid, 2 usage or
 * environment error.
 */
import type { CliIo } from "./io";
import { processIo } from "./io";

type Command = (argv: string[], io: CliIo) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  check: {
    summary: "parse and check scripts without running them (packetdrill's --dry_run)",
    load: async () => (require("./check") as typeof import("./check")).checkCommand,
  },
  run: {
    summary: "play scripts against the kernel (or --target model)",
    load: async () => (require("./run") as typeof import("./run")).runCommand,
  },
  diff: {
    summary: "play scripts against the kernel and the model, and show where they differ",
    load: async () => (require("./diff") as typeof import("./diff")).diffCommand,
  },
  coverage: {
    summary: "which RFC 9293 requirements the scripts check, and whether they passed last time",
    load: async () => (require("./coverage") as typeof import("./coverage")).coverageCommand,
  },
  ladder: {
    summary: "draw the ladder diagram of runs saved with run --trace",
    load: async () => (require("./ladder") as typeof import("./ladder")).ladderCommand,
  },
};

export function usage(): string {
  const lines = ["usage: tcpdrill <command> [options] <script>...", "", "commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push("", "Run `tcpdrill <command> --help` for the options of a command.");
  return lines.join("\n") + "\n";
}

export async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    io.stdout.write(`tcpdrill ${require("../../package.json").version}\n`);
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`tcpdrill: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest, io);
}

export function main(argv: string[]): void {
  // `tcpdrill run ... | head`: a reader that goes away is not an error; stop quietly (sandboxes
  // are closed by the exit hooks the sandbox layer installs).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  dispatch(argv, processIo()).then(
    (status) => {
      process.exitCode = status;
    },
    (err: unknown) => {
      // An exception here is a tcpdrill bug, not a script error: say so plainly.
      process.stderr.write(`tcpdrill: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
