/**
 * Shell commands inside a sandbox (`/bin/sh -c`), e.g. a script's `` `sysctl -q …` `` lines.
 *
 * Every command runs in the sandbox's network namespace AND in a PID namespace private to the
 * sandbox, whose init is a `sleep infinity` "holder" started at the first command:
 *
 *   node ─ setpriv --pdeathsig KILL ─ nsenter --net ─ unshare --pid --fork --kill-child ─ [pid 1: sleep]
 *   node ─ setpriv --pdeathsig KILL ─ nsenter --pid --net ─ (fork) setpriv --pdeathsig KILL ─ sh -c CMD
 *
 * so that nothing a script starts can outlive the sandbox, even `sleep 1000 &` and even when
 * tcpdrill is SIGKILLed: the parent-death signals cascade to the holder, and when a PID
 * namespace's init dies the kernel kills every process in it (zap_pid_ns_processes). A leftover
 * process would otherwise also keep the network namespace alive. On close, the holder is killed
 * directly; on timeout, the command's process group.
 *
 * The holder also owns a mount namespace in which the sandbox's own directory is bind-mounted
 * over /tmp, and every command joins it: a script's files under /tmp (packetdrill scripts write
 * `/tmp/sysctl_restore_${PPID}.sh` and read it back in their cleanup command) are shared by the
 * commands of one run, invisible to every other run, and removed with the sandbox.
 *
 * Commands see the host's file system otherwise (cwd: the given directory, also one under the
 * host's /tmp, or else the private /tmp) and `$PPID` 0
 * (their parent is outside their PID namespace). Output goes to files, not pipes, so a
 * background job that keeps stdout open cannot stall the command.
 */
import { rm } from "node:fs/promises";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withDeadline } from "./deadline";
import { killGroup, spawnProcess, type Spawned } from "../process/spawn";

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

export class Executor {
  /** /proc path of the sandbox's namespace descriptor, valid while the sandbox is open. */
  private readonly netnsPath: string;
  private readonly netns: string;
  private readonly label: string;
  private dir: string | undefined;
  private holder: { outer: Spawned; initPid: number } | undefined;
  private holderStarting: Promise<{ outer: Spawned; initPid: number }> | undefined;
  private readonly running = new Set<Spawned>();
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

  private async startHolder(): Promise<{ outer: Spawned; initPid: number }> {
    const privateTmp = path.join(this.directory(), "tmp");
    let outer: Spawned;
    try {
      outer = await spawnProcess({
        file: "setpriv",
        args: ["--pdeathsig", "KILL", "--", "nsenter", `--net=${this.netnsPath}`, "--",
          "unshare", "--pid", "--mount", "--propagation", "private", "--mount-proc", "--fork", "--kill-child=SIGKILL", "--",
          "/bin/sh", "-c", 'mount --bind "$0" /tmp && exec sleep infinity', privateTmp],
        detached: true,
      });
    } catch (e) {
      throw new ExecError(`could not start the sandbox's process holder: ${(e as Error).message}`);
    }
    // The holder lives as long as the sandbox; it must not keep tcpdrill running.
    outer.hold(false);
    this.running.add(outer);
    const pid = outer.pid;
    // The holder's init is the child unshare forks; wait (bounded) for it to appear.
    const deadline = Date.now() + 2000;
    for (;;) {
      if (outer.exited() !== undefined) throw new ExecError("the process holder exited at once");
      let children = "";
      try {
        children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      } catch {
        // not there yet
      }
      if (children !== "") {
        const initPid = Number(children.split(/\s+/)[0]);
        // Commands may only start once the private /tmp is in place (the holder's sh execs sleep).
        let comm = "";
        try {
          comm = readFileSync(`/proc/${initPid}/comm`, "utf8").trim();
        } catch {
          // not readable yet
        }
        if (comm !== "sleep") {
          if (Date.now() > deadline) {
            killGroup(outer);
            throw new ExecError("the process holder did not set up its private /tmp within 2 s");
          }
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        const ns = readlinkSync(`/proc/${initPid}/ns/net`);
        if (ns !== this.netns) {
          killGroup(outer);
          throw new ExecError(`process holder is in ${ns}, not the sandbox's ${this.netns}`);
        }
        return { outer, initPid };
      }
      if (Date.now() > deadline) {
        killGroup(outer);
        throw new ExecError("the process holder did not start within 2 s");
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private async ensureHolder(): Promise<{ outer: Spawned; initPid: number }> {
    if (this.holder !== undefined) return this.holder;
    this.holderStarting ??= this.startHolder();
    this.holder = await this.holderStarting;
    return this.holder;
  }

  async run(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new ExecError("the sandbox is closed");
    const started = Date.now();
    const holder = await this.ensureHolder();
    if (this.closed) throw new ExecError("the sandbox is closed");
    const dir = this.directory();
    const k = this.counter++;
    const outPath = path.join(dir, "io", `${k}.out`);
    const errPath = path.join(dir, "io", `${k}.err`);
    // The working directory as seen inside the sandbox's mount namespace (see the top of the file).
    const hostTmp = os.tmpdir();
    // A directory under the host's /tmp is hidden by the private /tmp once inside: nsenter opens
    // it before entering the mount namespace (--wd) and changes into it after, so the command
    // still starts there and relative paths (`../common/defaults.sh`) resolve on the host.
    const underHostTmp = options.cwd !== undefined && options.cwd !== hostTmp && options.cwd.startsWith(hostTmp + path.sep);
    const wd = options.cwd === undefined ? "/tmp" : underHostTmp ? "." : options.cwd;
    let child: Spawned;
    try {
      child = await spawnProcess({
        file: "setpriv",
        args: ["--pdeathsig", "KILL", "--", "nsenter", `--pid=/proc/${holder.initPid}/ns/pid`, `--net=${this.netnsPath}`,
          `--mount=/proc/${holder.initPid}/ns/mnt`, ...(underHostTmp ? [`--wd=${options.cwd}`] : []), "--",
          // cd inside: nsenter --wd would open the directory before entering the mount namespace.
          "setpriv", "--pdeathsig", "KILL", "--", "/bin/sh", "-c", '{ [ "$0" = . ] || cd -- "$0"; } || exit 125; eval "$1"', wd, command],
        cwd: "/",
        env: { ...process.env, ...(options.env ?? {}) },
        detached: true,
        stdout: outPath,
        stderr: errPath,
      });
    } catch (e) {
      throw new ExecError(`cannot run ${JSON.stringify(command)}: ${(e as Error).message}`);
    }
    this.running.add(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs ?? 60_000);
    try {
      const outcome = await child.exit;
      return {
        status: outcome.code,
        signal: outcome.signal,
        timedOut,
        stdout: readFileSync(outPath, "utf8"),
        stderr: readFileSync(errPath, "utf8"),
        durationMs: Date.now() - started,
      };
    } finally {
      clearTimeout(timer);
      this.running.delete(child);
      rmSync(outPath, { force: true });
      rmSync(errPath, { force: true });
    }
  }

  /** Refuses new commands from now on (close() follows). */
  stopAccepting(): void {
    this.closed = true;
  }

  /** Kills the holder (and with it every process of the sandbox) and all running commands. */
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
    const children = [...this.running];
    for (const child of children) killGroup(child);
    // Awaited, so held (the holder is unref'd while it lives): see deadline.ts.
    for (const child of children) child.hold(true);
    await withDeadline(Promise.all(children.map((child) => child.exit)), timeoutMs);
    this.running.clear();
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
    for (const child of this.running) killGroup(child);
  }
}
