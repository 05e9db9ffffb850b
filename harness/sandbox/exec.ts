/**
 * Shell commands inside a sandbox (`/bin/sh -c`), e.g. a script's `` `sysctl -q …` `` lines.
 *
 * Every command runs in the sandbox's network namespace AND in a PID namespace private to the
 * sandbox, whose init is a command server (COMMAND_SERVER) started at the first command, through
 * the process spawner (harness/process/spawn.ts):
 *
 *   spawner ─ setpriv --pdeathsig KILL ─ nsenter --net ─ unshare --pid --fork --kill-child ─ [pid 1: sh server]
 *   [pid 1: sh server] ─ (fork) sh -c CMD      (one per command)
 *
 * so that nothing a script starts can outlive the sandbox, even `sleep 1000 &` and even when
 * tcpdrill is SIGKILLed: the parent-death signals cascade to the server, and when a PID
 * namespace's init dies the kernel kills every process in it (zap_pid_ns_processes). A leftover
 * process would otherwise also keep the network namespace alive. On close, the server is killed
 * directly; on timeout, the command and everything under it.
 *
 * The server also owns a mount namespace in which the sandbox's own directory is bind-mounted
 * over /tmp, and every command runs in it: a script's files under /tmp (packetdrill scripts write
 * `/tmp/sysctl_restore_${PPID}.sh` and read it back in their cleanup command) are shared by the
 * commands of one run, invisible to every other run, and removed with the sandbox.
 *
 * Commands see the host's file system otherwise (cwd: the given directory, also one under the
 * host's /tmp, or else the private /tmp) and `$PPID` 1 (the server). Output goes to files, not
 * pipes, so a background job that keeps stdout open cannot stall the command.
 */
import { rm } from "node:fs/promises";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withDeadline } from "./deadline";
import { killGroup, readOutput, spawnProcess, type Spawned } from "../process/spawn";

export interface ExecOptions {
  /** Kill the command (and its process group) after this long. Default 60 s. */
  readonly timeoutMs?: number;
  /** Working directory; default the sandbox's own temporary directory. */
  readonly cwd?: string;
  /** Added to (and overriding) tcpdrill's own environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ExecResult {
  /** Exit status, or null when a signal ended the command. */
  readonly status: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export class ExecError extends Error {
  readonly code = "EEXEC";

  constructor(message: string) {
    super(message);
    this.name = "ExecError";
  }
}

const DIR_PREFIX = "tcpdrill-";
let staleSwept = false;

/** Removes temporary directories left by tcpdrill processes that no longer exist. */
export function sweepStaleDirectories(): void {
  const root = os.tmpdir();
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = /^tcpdrill-(\d+)-/.exec(entry);
    if (m === null || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    rmSync(path.join(root, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The holder's init: a command server, pid 1 of the sandbox's PID namespace, started with the
 * sandbox's directory as $0. It keeps a descriptor of the host's /tmp (3) and of the io
 * directory (4), puts the private /tmp in place and says "ready". Then, per command, it reads
 * `<k>`, an end marker, the working directory, and the command's lines up to the marker; runs
 * `/bin/sh -c <command>` there in a subshell (output to io/<k>.out and .err), says
 * "started <k> <pid>", waits, and says "done <k> <status>". Only builtins, a fork and the exec
 * of sh: ~1.5 ms a command here, as packetdrill's system() costs, where a setpriv → nsenter →
 * setpriv → sh chain per command took 9-21 ms (a `+0 tc qdisc …` held the `+.020 <` after it).
 */
const COMMAND_SERVER = [
  'exec 3</tmp 4<"$0/io" || exit 1',
  'mount --bind "$0/tmp" /tmp || exit 1',
  "echo ready",
  "while IFS= read -r k && IFS= read -r end && IFS= read -r w; do",
  "  c=",
  '  while IFS= read -r l && [ "$l" != "$end" ]; do c="$c$l',
  '"; done',
  '  ( cd -P -- "$w" || exit 125; exec 3<&- 4<&-; exec /bin/sh -c "$c" ) </dev/null >"/proc/1/fd/4/$k.out" 2>"/proc/1/fd/4/$k.err" &',
  '  echo "started $k $!"',
  "  wait $!",
  '  echo "done $k $?"',
  "done",
].join("\n");

interface Holder {
  readonly outer: Spawned;
  /** The command server's pid on the host. */
  readonly initPid: number;
}

/**
 * What the server reads for command `k` (see COMMAND_SERVER): an end marker that is none of the
 * command's lines, so any text passes unchanged.
 */
export function commandRequest(k: number, wd: string, command: string): string {
  if (wd.includes("\n")) throw new ExecError(`a working directory with a newline in its name: ${JSON.stringify(wd)}`);
  const lines = command.split("\n");
  let end = "\u001e";
  while (lines.includes(end)) end += "\u001e";
  return `${k}\n${end}\n${wd}\n${command}\n${end}\n`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function signalName(n: number): string {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? `SIG${n}`;
}

/** The pids of `pid`'s children (of all its threads); none if it is gone. */
function childrenOf(pid: string): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter((c) => c !== ""));
  } catch {
    return [];
  }
}

/**
 * SIGKILL to a command the server started (`nsPid`: its pid in the namespace) and everything
 * under it. It shares the server's process group, which a group kill would end too.
 */
function killCommand(serverPid: number, nsPid: number): void {
  const command = childrenOf(String(serverPid)).find((child) => {
    try {
      const ids = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${child}/status`, "utf8"))?.[1]?.trim().split(/\s+/);
      return ids !== undefined && Number(ids[ids.length - 1]) === nsPid;
    } catch {
      return false;
    }
  });
  if (command === undefined) return;
  // Stop the tree before anything in it can start more, then end it.
  const tree: string[] = [];
  for (let todo = [command]; todo.length > 0; ) {
    const pid = todo.pop()!;
    tree.push(pid);
    try {
      process.kill(Number(pid), "SIGSTOP");
    } catch {
      // already gone
    }
    todo.push(...childrenOf(pid));
  }
  for (const pid of tree) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export class Executor {
  /** /proc path of the sandbox's namespace descriptor, valid while the sandbox is open. */
  private readonly netnsPath: string;
  private readonly netns: string;
  private readonly label: string;
  private dir: string | undefined;
  private holder: Holder | undefined;
  private holderStarting: Promise<Holder> | undefined;
  /** The holder's process as started, also while it is not yet ready (close ends it either way). */
  private holderProcess: Spawned | undefined;
  /** The commands asked and not yet answered, by number: what the server says of each. */
  private readonly pending = new Map<number, (what: "started" | "done", value: number) => void>();
  private queue: Promise<void> = Promise.resolve();
  private counter = 0;
  private closed = false;

  constructor(netnsPath: string, netns: string, label: string) {
    this.netnsPath = netnsPath;
    this.netns = netns;
    this.label = label;
  }

  /** The sandbox's temporary directory (created on first use). */
  directory(): string {
    if (this.dir === undefined) {
      if (!staleSwept) {
        staleSwept = true;
        sweepStaleDirectories();
      }
      this.dir = mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${process.pid}-${this.label}-`));
      mkdirSync(path.join(this.dir, "work"));
      mkdirSync(path.join(this.dir, "io"));
      mkdirSync(path.join(this.dir, "tmp"), { mode: 0o1777 });
    }
    return this.dir;
  }

  private async startHolder(): Promise<Holder> {
    const dir = this.directory();
    const replies: string[] = [];
    let notify: (() => void) | undefined;
    const onLine = (line: string): void => {
      const m = /^(started|done) (\d+) (\d+)$/.exec(line);
      if (m !== null) {
        this.pending.get(Number(m[2]))?.(m[1] as "started" | "done", Number(m[3]));
        return;
      }
      replies.push(line);
      notify?.();
    };
    let outer: Spawned;
    try {
      outer = await spawnProcess({
        file: "setpriv",
        args: ["--pdeathsig", "KILL", "--", "nsenter", `--net=${this.netnsPath}`, "--",
          "unshare", "--pid", "--mount", "--propagation", "private", "--mount-proc", "--fork", "--kill-child=SIGKILL", "--",
          "/bin/sh", "-c", COMMAND_SERVER, dir],
        detached: true,
        onLine,
      });
    } catch (e) {
      throw new ExecError(`could not start the sandbox's process holder: ${(e as Error).message}`);
    }
    // The holder lives as long as the sandbox; it must not keep tcpdrill running.
    outer.hold(false);
    this.holderProcess = outer;
    const fail = (why: string): never => {
      killGroup(outer);
      throw new ExecError(why);
    };
    // Commands may only start once the private /tmp is in place: the server says "ready".
    const deadline = Date.now() + 2000;
    while (!replies.includes("ready")) {
      if (outer.exited() !== undefined) throw new ExecError(`the process holder exited at once${replies.length > 0 ? `: ${replies.join("; ")}` : ""}`);
      if (Date.now() > deadline) fail("the process holder did not set up its private /tmp within 2 s");
      await withDeadline(new Promise<void>((resolve) => (notify = resolve)), 20);
    }
    // Its init (the server, pid 1 of the PID namespace) is the child unshare forked.
    const server = childrenOf(String(outer.pid))[0];
    if (server === undefined) fail("the process holder's server is not running");
    const initPid = Number(server);
    const ns = readlinkSync(`/proc/${initPid}/ns/net`);
    if (ns !== this.netns) fail(`process holder is in ${ns}, not the sandbox's ${this.netns}`);
    return { outer, initPid };
  }

  private async ensureHolder(): Promise<Holder> {
    if (this.holder !== undefined) return this.holder;
    this.holderStarting ??= this.startHolder();
    this.holder = await this.holderStarting;
    return this.holder;
  }

  /** Runs one command at a time (the server waits for each), in the order asked. */
  run(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const result = this.queue.then(() => this.runNow(command, options));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async runNow(command: string, options: ExecOptions): Promise<ExecResult> {
    if (this.closed) throw new ExecError("the sandbox is closed");
    const started = Date.now();
    const holder = await this.ensureHolder();
    if (this.closed) throw new ExecError("the sandbox is closed");
    const dir = this.directory();
    const k = this.counter++;
    const outPath = path.join(dir, "io", `${k}.out`);
    const errPath = path.join(dir, "io", `${k}.err`);
    // The working directory as seen inside the sandbox's mount namespace (see the top of the
    // file): one under the host's /tmp, hidden there by the private /tmp, through the server's
    // descriptor of the host's /tmp (fd 3), so relative paths (`../common/defaults.sh`) resolve
    // on the host.
    const hostTmp = os.tmpdir();
    const underHostTmp = options.cwd !== undefined && options.cwd !== hostTmp && options.cwd.startsWith(hostTmp + path.sep);
    const wd = options.cwd === undefined ? "/tmp" : underHostTmp ? `/proc/1/fd/3${options.cwd.slice(hostTmp.length)}` : options.cwd;
    const exports = Object.entries(options.env ?? {})
      .map(([name, value]) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ExecError(`not an environment variable name: ${JSON.stringify(name)}`);
        return `export ${name}=${shellQuote(value)}; `;
      })
      .join("");
    let nsPid: number | undefined;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const status = await new Promise<number>((resolve, reject) => {
      this.pending.set(k, (what, value) => {
        if (what === "done") return resolve(value);
        nsPid = value;
        // Its time ran out before the server said it started.
        if (timedOut) killCommand(holder.initPid, nsPid);
      });
      void holder.outer.exit.then(() => reject(new ExecError(`cannot run ${JSON.stringify(command)}: the sandbox's command server ended`)));
      timer = setTimeout(() => {
        timedOut = true;
        if (nsPid !== undefined) killCommand(holder.initPid, nsPid);
      }, options.timeoutMs ?? 60_000);
      holder.outer.write(commandRequest(k, wd, exports + command));
    }).finally(() => {
      clearTimeout(timer);
      this.pending.delete(k);
    });
    try {
      // The server reports what `wait` says: 128+n for a command shell ended by signal n.
      const signal = timedOut ? "SIGKILL" : status > 128 ? signalName(status - 128) : null;
      return {
        status: signal !== null ? null : status,
        signal,
        timedOut,
        stdout: readOutput(outPath),
        stderr: readOutput(errPath),
        durationMs: Date.now() - started,
      };
    } finally {
      rmSync(outPath, { force: true });
      rmSync(errPath, { force: true });
    }
  }

  /** Refuses new commands from now on (close() follows). */
  stopAccepting(): void {
    this.closed = true;
  }

  /** Kills the holder, and with it every process of the sandbox (its commands among them). */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    const holder = this.holder ?? (await this.holderStarting?.catch(() => undefined));
    if (holder !== undefined) {
      try {
        process.kill(holder.initPid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    const outer = this.holderProcess;
    if (outer !== undefined) {
      killGroup(outer);
      // Awaited, so held (the holder is unref'd while it lives): see deadline.ts.
      outer.hold(true);
      await withDeadline(outer.exit, timeoutMs);
    }
    // Off the event loop: a recursive rmdir took ~12 ms per run, stalling every other run's timing.
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  /** Synchronous last resort at process exit: signal everything, wait for nothing. */
  killNow(): void {
    this.closed = true;
    if (this.holder !== undefined) {
      try {
        process.kill(this.holder.initPid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (this.holderProcess !== undefined) killGroup(this.holderProcess);
  }
}
