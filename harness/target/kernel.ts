/**
 * The kernel target: a sandbox (network namespace + tun0 + syscall thread) behind the Target
 * interface. The sandbox speaks nanoseconds since its creation; the runner speaks microseconds.
 */
import * as path from "node:path";
import { createSandbox, type Sandbox } from "../sandbox";
import { hostPath } from "../sys/executor/paths";
import { alwaysNeverBlocks } from "../sys/executor/never-blocks";
import { errnoName } from "../sys/errno";
import { timedRuns } from "../runtime/gc";
import type { SyscallOutcome, SyscallRequest as SandboxRequest } from "../sys/types";
import type { Emitted, ExecResult, SyscallRequest, SyscallResult, Target, TargetOptions } from "./target";

const NS = 1000;
/**
 * Untimed work that blocks this thread (spawning a command's or Python's process: 2–8 ms) waits
 * for every other run to sleep this long, for at most QUIET_WAIT_MS: scripts mostly wait 10 ms
 * or more between events, so a window usually comes within a few of them.
 */
const QUIET_WINDOW_MS = 8;
const QUIET_WAIT_MS = 100;
/** How soon (ms) another run's next event must be for a run to leave it a turn between its own events. */
const SHARE_WINDOW_MS = 1;
/** startInstant() resolves this long before the instant, for the first call to be posted ahead. */
const START_LEAD_NS = 1_500_000;
/**
 * Where in the jiffy a run starts: 250 µs after a boundary, as packetdrill does
 * (run.c: schedule_start_time_usecs, JIFFY_OFFSET_USECS), so that scripts written against
 * packetdrill see the same jiffies. TCPDRILL_TICK_PHASE_US overrides it, for experiments; "off"
 * starts at once, at any phase.
 */
const START_PHASE = process.env.TCPDRILL_TICK_PHASE_US ?? "250";

/** socket(AF_INET|AF_INET6, SOCK_STREAM…, 0|IPPROTO_TCP): the sockets `--cc` applies to. */
function isTcpSocket(request: SyscallRequest): boolean {
  const type = request.args[1];
  const proto = request.args[2];
  const stream = typeof type === "string" ? /SOCK_STREAM/.test(type) : typeof type === "number" ? (type & 0xf) === 1 : false;
  const tcp = proto === undefined || proto === 0 || proto === 6 || proto === "IPPROTO_TCP" || proto === "0";
  return stream && tcp;
}

/** The sandbox's outcome (ns since its creation, errno number and name) in the runner's terms. */
function toResult(o: SyscallOutcome): SyscallResult {
  return { ret: o.ret, ...(o.errnoName !== undefined && o.errno !== 0 ? { errno: o.errnoName } : {}), out: o.out, start: o.startNs / NS, end: o.endNs / NS };
}

export class KernelTarget implements Target {
  readonly kind = "kernel" as const;
  private readonly sandbox: Sandbox;
  private readonly options: TargetOptions;

  private constructor(sandbox: Sandbox, options: TargetOptions) {
    this.sandbox = sandbox;
    this.options = options;
  }

  static async create(options: TargetOptions): Promise<KernelTarget> {
    const sandbox = await createSandbox({
      mode: options.mode,
      localIp: options.localIp,
      remoteIp: options.remoteIp,
      ...(options.gatewayIp !== undefined ? { gatewayIp: options.gatewayIp } : {}),
      ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
    });
    return new KernelTarget(sandbox, options);
  }

  now(): number {
    return this.sandbox.nowNs() / NS;
  }

  async sleepUntil(time: number, idle = false): Promise<void> {
    if (!idle) return this.sandbox.sleepUntilNs(time * NS);
    timedRuns.sleeping(this, performance.now() + (time - this.now()) / 1000);
    try {
      await this.sandbox.sleepUntilNs(time * NS);
    } finally {
      timedRuns.awake(this);
    }
  }

  expectSyscall(now = false): void {
    this.sandbox.expectSyscall(now);
  }

  /**
   * One turn of the event loop when another run is busy or due within SHARE_WINDOW_MS. Events
   * whose packets are already queued follow each other as microtasks, without a turn: a run
   * that sniffed a burst of 11 segments compared them all in one go (0.5 ms), and the `+.001 <`
   * of the run beside it, waiting in sleepUntil's spin for a turn, went 0.25 ms late (RACK then
   * held a retransmission back: eor/no-coalesce-retrans, `-j 2`).
   */
  async betweenEvents(): Promise<void> {
    if (timedRuns.othersDueWithin(this, SHARE_WINDOW_MS)) await new Promise((resolve) => setImmediate(resolve));
  }

  /** setsockopt, bind, listen… always run here (Sandbox.mayRunHere): a readied thread would only spin. */
  callMayNeedThread(name: string): boolean {
    return !alwaysNeverBlocks(name);
  }

  async startInstant(): Promise<number | undefined> {
    // From here on this run times events: garbage is collected only while it sleeps.
    timedRuns.started(this);
    if (START_PHASE === "off") return undefined;
    const instantNs = this.sandbox.tickPhaseInstantNs(Number(START_PHASE) * 1000, START_LEAD_NS + 1_000_000);
    if (instantNs === undefined) return undefined;
    // Back before the instant itself: a script opens with a syscall, due at 0, which is then
    // posted ahead and started at the instant by its thread (run-script.ts: postAhead).
    await this.sleepUntil((instantNs - START_LEAD_NS) / NS, true);
    return instantNs / NS;
  }

  async nextPacket(deadline: number): Promise<Emitted | undefined> {
    const p = await this.sandbox.nextPacket(deadline * NS);
    return p === undefined ? undefined : { bytes: p.bytes, time: p.timeNs / NS };
  }

  async inject(bytes: Uint8Array): Promise<void> {
    const r = this.sandbox.inject(bytes);
    if (r.ret < 0) throw new Error(`writing to tun0 failed (errno ${r.errno})`);
  }

  readonly postsAhead = true;

  async syscall(request: SyscallRequest, at?: number, blocking = false): Promise<SyscallResult> {
    const r = this.forSandbox(request);
    if (!blocking && this.dueNow(at) && this.sandbox.mayRunHere(r)) return toResult(this.sandbox.syscallHere(r));
    const o = await this.sandbox.syscall(r, at === undefined ? undefined : at * NS);
    const refused = this.congestionControlRefused(o);
    if (refused !== undefined) throw refused;
    return toResult(o);
  }

  /**
   * The request as the sandbox runs it: open()'s path as commands see it, and for a TCP socket()
   * under `--cc` the congestion control to set on it the moment it exists (the syscall thread
   * does that), as if the sysctl had applied. Accepted sockets inherit the listener's
   * algorithm, so socket() is the only place.
   */
  private forSandbox(request: SyscallRequest): SandboxRequest {
    const r = this.withHostPaths(request);
    const cc = this.options.congestionControl;
    return cc !== undefined && r.name === "socket" && isTcpSocket(r) ? { ...r, congestionControl: cc } : r;
  }

  private congestionControlRefused(o: SyscallOutcome): Error | undefined {
    const errno = o.congestionControlErrno;
    return errno === undefined ? undefined : new Error(`--cc ${this.options.congestionControl}: setsockopt(TCP_CONGESTION) failed with ${errnoName(errno)}`);
  }

  async syscalls(requests: readonly SyscallRequest[], at?: number): Promise<(SyscallResult | Error)[]> {
    const all = requests.map((r) => this.forSandbox(r));
    // A chain due now runs here for as long as its calls may (each is judged when its turn
    // comes: an fcntl(F_SETFL, O_NONBLOCK) before it changes the answer); the rest, in order,
    // on the syscall thread. As there, a call that could not run leaves the ones after it unrun.
    const here: (SyscallResult | Error)[] = [];
    if (this.dueNow(at)) {
      while (here.length < all.length && this.sandbox.mayRunHere(all[here.length]!)) {
        try {
          here.push(toResult(this.sandbox.syscallHere(all[here.length]!)));
        } catch (e) {
          here.push(e instanceof Error ? e : new Error(String(e)));
          while (here.length < all.length) here.push(new Error("not run: an earlier call of the same chain could not run"));
        }
      }
    }
    if (here.length === all.length) return here;
    const outcomes = await this.sandbox.syscalls(all.slice(here.length), here.length === 0 && at !== undefined ? at * NS : undefined);
    return [...here, ...outcomes.map((o) => (o instanceof Error ? o : this.congestionControlRefused(o) ?? toResult(o)))];
  }

  /** A call with no instant, or one already reached (µs), is due now. */
  private dueNow(at: number | undefined): boolean {
    return at === undefined || at <= this.now();
  }

  /** open()'s path as the script's commands see it (harness/sys/executor/paths.ts). */
  private withHostPaths(request: SyscallRequest): SyscallRequest {
    const file = request.args[0];
    if (request.name !== "open" || typeof file !== "string") return request;
    // exec.ts bind-mounts the sandbox directory's tmp/ over /tmp for commands.
    const view = { cwd: this.options.cwd, privateTmp: path.join(this.sandbox.directory(), "tmp") };
    return { ...request, args: [hostPath(file, view), ...request.args.slice(1)] };
  }

  syscallNow(request: SyscallRequest): SyscallResult {
    return toResult(this.sandbox.syscallNow(request));
  }

  /** When the latest blocking call really entered the kernel (µs), read from the syscall thread. */
  async whenBlocked(maxMs: number): Promise<number | undefined> {
    const ns = await this.sandbox.syscallStarted(maxMs);
    return ns === undefined ? undefined : ns / NS;
  }

  connectionState(local: { ip: string; port: number }, remote: { ip: string; port: number }): string | undefined {
    try {
      return this.sandbox.connectionState(local.ip, local.port, remote.ip, remote.port);
    } catch {
      return undefined;
    }
  }

  tcpState(fd: number): string | undefined {
    try {
      return this.sandbox.tcpState(fd);
    } catch {
      return undefined;
    }
  }

  async exec(command: string, timeoutMs: number): Promise<ExecResult> {
    const r = await this.sandbox.exec(command, { timeoutMs, cwd: this.options.cwd, env: { ...this.options.env } });
    const status = r.timedOut ? 124 : r.signal !== undefined && r.signal !== null ? 128 : r.status ?? 0;
    return { status, stdout: r.stdout, stderr: r.stderr + (r.timedOut ? `\n(timed out after ${timeoutMs} ms)` : "") };
  }

  timingDone(): void {
    timedRuns.ended(this);
  }

  quietMoment(): Promise<void> {
    return timedRuns.whenQuiet(QUIET_WINDOW_MS, QUIET_WAIT_MS);
  }

  async close(): Promise<void> {
    timedRuns.ended(this);
    await this.sandbox.close();
  }
}
