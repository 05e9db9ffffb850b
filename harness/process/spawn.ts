/**
 * Starting processes (shell commands, their sandbox's holder, Python) without stalling the runs
 * in progress.
 *
 * Node's spawn forks the calling process: the kernel copies its page tables and the caller waits
 * for the child's exec. That cost grows with the process: 1.2 ms at 45 MB, 16 ms at 350 MB (a
 * mocha run), all of it on the main thread that times every run's events. With `-j 2`, one run's
 * init command held the other run's events that long: tcp-info-last_data_recv read 1 s of idle
 * as 1020 ms (CI), and a `+0 tc qdisc` took us 10-22 ms where packetdrill's system() takes ~2.
 * So under Node, processes are started by a small helper process (spawner.cjs, ~40 MB, started
 * once) and the main thread only writes a line to it. Deno starts processes without fork
 * (posix_spawn: 0.7 ms here at any size), so there it spawns directly — except for a `detached`
 * child, whose setsid() needs a fork (11-12 ms at 355 MB): there the child is `setsid` (util-linux)
 * itself, which, not leading a process group, calls setsid() and execs the program in place.
 *
 * Output goes to files, never pipes (see exec.ts: a background job keeping a pipe open would
 * stall the command's end).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import * as path from "node:path";

export interface SpawnRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** The complete environment (default: tcpdrill's own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Files for the child's stdout and stderr (created or truncated); default: discarded. */
  readonly stdout?: string;
  readonly stderr?: string;
  /** Its own session and process group (setsid), so that killGroup reaches its descendants. */
  readonly detached?: boolean;
  /**
   * Talk to it: its stdin and stdout become pipes, `Spawned.write` writes to the one and every
   * line it prints comes here (`stdout` is then ignored).
   */
  readonly onLine?: (line: string) => void;
}

export interface ExitStatus {
  /** Exit status, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: string | null;
}

export interface Spawned {
  readonly pid: number;
  /** Resolves when the process has ended (and was reaped). */
  readonly exit: Promise<ExitStatus>;
  /** The exit status once it ended, else undefined. */
  exited(): ExitStatus | undefined;
  /**
   * Whether awaiting `exit` keeps tcpdrill running (default true). A sandbox's holder lives as
   * long as its sandbox and must not; awaiting its end at close holds it again.
   */
  hold(held: boolean): void;
  /** Writes to its stdin (a request with onLine only). */
  write(text: string): void;
}

/** The process could not be started (`code`: ENOENT for a missing program, as Node says it). */
export class SpawnError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "SpawnError";
    this.code = code;
  }
}

/** What a process wrote to an output file; empty if there is no such file (it could not start). */
export function readOutput(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Sends SIGKILL to the process's group (it was started detached), else to the process. */
export function killGroup(spawned: Spawned): void {
  if (spawned.exited() !== undefined) return;
  for (const pid of [-spawned.pid, spawned.pid]) {
    try {
      process.kill(pid, "SIGKILL");
      return;
    } catch {
      // no such group: the process alone, or it is already gone
    }
  }
}

/** Starts a process; rejects with SpawnError when it cannot be started. */
export async function spawnProcess(request: SpawnRequest): Promise<Spawned> {
  if (useHelper() && !Helper.unusable) {
    try {
      return await Helper.get().spawn(request);
    } catch (e) {
      // The helper could not serve it (it died, or never started): start it here instead.
      if (!(e instanceof HelperGoneError)) throw e;
    }
  }
  return spawnDirectly(request);
}

/** The spawner died before it answered a request. */
class HelperGoneError extends Error {}

/**
 * Starts the helper now (a fork of this process, once): before the runs, not in the middle of
 * one. Does nothing where processes are spawned directly.
 */
export function startSpawner(): void {
  if (useHelper()) Helper.get();
}

function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
}

/** TCPDRILL_SPAWN=direct|helper overrides the choice (for measurements and debugging). */
function useHelper(): boolean {
  const forced = process.env["TCPDRILL_SPAWN"];
  if (forced === "direct") return false;
  if (forced === "helper") return true;
  return !isDeno();
}

class Tracked implements Spawned {
  readonly pid: number;
  readonly exit: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private settle!: (status: ExitStatus) => void;
  private readonly holdHook: (held: boolean) => void;
  private readonly writeHook: (text: string) => void;

  constructor(pid: number, holdHook: (held: boolean) => void, writeHook: (text: string) => void) {
    this.pid = pid;
    this.holdHook = holdHook;
    this.writeHook = writeHook;
    this.exit = new Promise((resolve) => (this.settle = resolve));
  }

  write(text: string): void {
    if (this.status === undefined) this.writeHook(text);
  }

  exited(): ExitStatus | undefined {
    return this.status;
  }

  ended(status: ExitStatus): void {
    if (this.status !== undefined) return;
    this.status = status;
    this.settle(status);
  }

  hold(held: boolean): void {
    this.holdHook(held);
  }
}

function spawnDirectly(request: SpawnRequest): Promise<Spawned> {
  const viaSetsid = request.detached === true && isDeno();
  const file = viaSetsid ? "setsid" : request.file;
  const args = viaSetsid ? [request.file, ...request.args] : [...request.args];
  const fds: number[] = [];
  const output = (file: string | undefined): number | "ignore" => {
    if (file === undefined) return "ignore";
    const fd = openSync(file, "w");
    fds.push(fd);
    return fd;
  };
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      ...(request.cwd !== undefined ? { cwd: request.cwd } : {}),
      env: (request.env ?? process.env) as NodeJS.ProcessEnv,
      detached: request.detached === true && !viaSetsid,
      stdio: request.onLine !== undefined ? ["pipe", "pipe", output(request.stderr)] : ["ignore", output(request.stdout), output(request.stderr)],
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return Promise.reject(new SpawnError(err.code ?? "ESPAWN", err.message));
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return new Promise((resolve, reject) => {
    child.once("error", (e: NodeJS.ErrnoException) => {
      if (child.pid === undefined) reject(new SpawnError(e.code ?? "ESPAWN", e.message));
    });
    if (child.pid === undefined) return;
    const pipes = [child.stdin, child.stdout].filter((p) => p !== null) as unknown as { ref(): void; unref(): void }[];
    const tracked = new Tracked(
      child.pid,
      (held) => {
        for (const handle of [child, ...pipes]) {
          if (held) handle.ref();
          else handle.unref();
        }
      },
      (text) => child.stdin?.write(text),
    );
    if (request.onLine !== undefined) {
      child.stdin!.on("error", () => undefined);
      eachLine(child.stdout!, request.onLine);
    }
    // After its output: every line it printed comes before its end.
    child.once("close", (code, signal) => tracked.ended({ code, signal }));
    resolve(tracked);
  });
}

/** Calls `each` with every line `stream` carries, without its newline. */
function eachLine(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      each(line);
    }
  });
}

type HelperReply =
  | { readonly id: number; readonly line: string }
  | { readonly id: number; readonly pid: number }
  | { readonly id: number; readonly error: { readonly code: string; readonly message: string } }
  | { readonly id: number; readonly exit: ExitStatus };

/** The spawner process (spawner.cjs) and the requests it is serving. */
class Helper {
  private static current: Helper | undefined;
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly starting = new Map<number, { resolve: (s: Spawned) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<number, (line: string) => void>();
  private readonly running = new Map<number, Tracked>();
  /** Requests whose end keeps tcpdrill running (see Spawned.hold). */
  private readonly held = new Set<number>();
  private gone = false;
  private answered = false;
  /** Set when a spawner died without ever answering: processes are then started directly. */
  static unusable = false;

  static get(): Helper {
    if (Helper.current === undefined || Helper.current.gone) Helper.current = new Helper();
    return Helper.current;
  }

  private constructor() {
    const env: Record<string, string | undefined> = { ...process.env };
    // Whatever tcpdrill was started with (tsx, a Deno preload, --inspect) is not the helper's.
    delete env["NODE_OPTIONS"];
    // It dies with tcpdrill even if tcpdrill is killed outright (its stdin ends then, too).
    const helper = [process.execPath, path.join(__dirname, "spawner.cjs")];
    const [file, ...args] = process.platform === "linux" ? ["setpriv", "--pdeathsig", "KILL", "--", ...helper] : helper;
    this.child = spawn(file!, args, {
      env: env as NodeJS.ProcessEnv,
      // Its own process group: a terminal's Ctrl-C reaches tcpdrill, which then closes its sandboxes.
      detached: true,
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.child.on("error", (e) => this.fail(e));
    this.child.on("exit", () => this.fail(new Error("the spawner process exited")));
    this.child.stdin!.on("error", () => undefined);
    eachLine(this.child.stdout!, (line) => this.receive(line));
    this.updateRef();
  }

  spawn(request: SpawnRequest): Promise<Spawned> {
    if (this.gone) return Promise.reject(new HelperGoneError("the spawner process is gone"));
    const id = this.nextId++;
    const started = new Promise<Spawned>((resolve, reject) => this.starting.set(id, { resolve, reject }));
    if (request.onLine !== undefined) this.listeners.set(id, request.onLine);
    this.held.add(id);
    this.updateRef();
    const line = JSON.stringify({
      id,
      file: request.file,
      args: request.args,
      cwd: request.cwd,
      env: request.env ?? process.env,
      stdout: request.stdout ?? null,
      stderr: request.stderr ?? null,
      detached: request.detached === true,
      interactive: request.onLine !== undefined,
    });
    this.child.stdin!.write(line + "\n");
    return started;
  }

  private receive(line: string): void {
    let reply: HelperReply;
    try {
      reply = JSON.parse(line) as HelperReply;
    } catch {
      return;
    }
    this.handle(reply);
    this.updateRef();
  }

  private handle(reply: HelperReply): void {
    this.answered = true;
    if ("line" in reply) {
      this.listeners.get(reply.id)?.(reply.line);
    } else if ("pid" in reply) {
      const waiter = this.starting.get(reply.id);
      this.starting.delete(reply.id);
      const tracked = new Tracked(
        reply.pid,
        (held) => {
          if (!this.running.has(reply.id)) return;
          if (held) this.held.add(reply.id);
          else this.held.delete(reply.id);
          this.updateRef();
        },
        (text) => this.child.stdin!.write(JSON.stringify({ input: reply.id, text }) + "\n"),
      );
      this.running.set(reply.id, tracked);
      waiter?.resolve(tracked);
    } else if ("error" in reply) {
      const waiter = this.starting.get(reply.id);
      this.starting.delete(reply.id);
      this.held.delete(reply.id);
      this.listeners.delete(reply.id);
      waiter?.reject(new SpawnError(reply.error.code, reply.error.message));
    } else {
      this.running.get(reply.id)?.ended(reply.exit);
      this.running.delete(reply.id);
      this.held.delete(reply.id);
      this.listeners.delete(reply.id);
    }
  }

  /** The helper keeps tcpdrill running only while someone awaits one of its processes. */
  private updateRef(): void {
    const stdout = this.child.stdout as unknown as { ref(): void; unref(): void };
    if (this.held.size > 0 && !this.gone) {
      this.child.ref();
      stdout.ref();
    } else {
      this.child.unref();
      stdout.unref();
    }
  }

  /**
   * The helper died (it should not), or could not start (no setpriv, say): what it was starting
   * is started directly (HelperGoneError); what it started got SIGKILL with it (--pdeathsig).
   */
  private fail(error: Error): void {
    if (this.gone) return;
    this.gone = true;
    if (!this.answered) Helper.unusable = true;
    for (const waiter of this.starting.values()) waiter.reject(new HelperGoneError(`the spawner process is gone: ${error.message}`));
    this.starting.clear();
    for (const tracked of this.running.values()) tracked.ended({ code: null, signal: "SIGKILL" });
    this.running.clear();
    this.held.clear();
    this.listeners.clear();
    this.updateRef();
  }
}
