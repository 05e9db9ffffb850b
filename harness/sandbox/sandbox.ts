/** The Sandbox object: one network namespace, one syscall thread, tun0, capture, commands. */
import { findTcpSocketState } from "./sock-diag";
import { sinceEpochNs } from "../sys/clock";
import { locateTick, nextAtPhase } from "../sys/tick";
import { descriptorsNamed, executeQuickSyscall, executeSyscall } from "../sys/executor/index";
import { neverBlocks } from "../sys/executor/never-blocks";
import { readTcpInfo, readTcpState } from "../sys/executor/sockopt";
import { tcpStateName } from "../sys/constants";
import { call, closeInBackground, libc } from "../sys/libc";
import type { TcpInfo } from "../sys/structs/tcp-info";
import { SyscallArgumentError, type SyscallOutcome, type SyscallRequest } from "../sys/types";
import { Capture, type CapturedPacket } from "./capture";
import type { NetConfig } from "./config";
import { Executor, type ExecOptions, type ExecResult } from "./exec";
import type { SetupReply, ThreadError, ThreadReply } from "./protocol";
import { register, unregister } from "./registry";
import { returnThread, type SyscallThread } from "./thread";
import { encodeVnetHeader } from "./tun";
import { interruptThread, shutdownAll } from "./unblock";
import { yieldToPeers } from "./thread-priority";
import { withDeadline } from "./deadline";

const F_GETFD = 1;
const F_GETFL = 3;
/** How long a precise wait spins before letting the event loop turn (see sleepUntilNs). */
const SPIN_SLICE_NS = 50_000;
const SOL_SOCKET = 1;
const SO_LINGER = 13;

/** What close() did, for diagnostics (a clean close has every flag true and no problems). */
export interface CloseReport {
  /** The syscall thread was idle, or a blocked call was woken up. */
  readonly unblocked: boolean;
  /** Orphaned TCP sockets SOCK_DESTROY removed from the namespace. */
  readonly destroyedSockets: number;
  /** The syscall thread left the namespace: back to the host's namespace (recycled), or exited. */
  readonly threadReleased: boolean;
  /** It went back to the idle pool for the next sandbox (else it was stopped). */
  readonly threadRecycled: boolean;
  readonly durationMs: number;
  /** Milliseconds per teardown step (unblock, sockets, release). */
  readonly stepsMs: Readonly<Record<string, number>>;
  readonly problems: readonly string[];
}

export interface InjectResult {
  /** Time of the write() to tun0, on the sandbox clock. */
  readonly timeNs: number;
  /** write()'s result: the byte count (header included), or -1 with errno. */
  readonly ret: number;
  readonly errno: number;
}

/** A call on a descriptor this sandbox did not create, which could harm tcpdrill itself. */
export class ForeignDescriptorError extends SyscallArgumentError {
  constructor(syscall: string, fd: number) {
    super(syscall, 0, `descriptor ${fd} is open in tcpdrill but was not created by this sandbox`);
    this.name = "ForeignDescriptorError";
  }
}


export class Sandbox {
  readonly id: number;
  readonly config: NetConfig;
  /** CLOCK_REALTIME instant (ns) that all of this sandbox's times count from. */
  readonly epochNs: bigint;
  /** The namespace, as /proc names it ("net:[4026532177]"). */
  readonly netns: string;
  /** Kernel thread id of the syscall thread (the namespace's only thread). */
  readonly threadId: number;
  /** Per-step setup times (ns) measured on the syscall thread. */
  readonly setupStepsNs: Readonly<Record<string, number>>;
  private readonly thread: SyscallThread;
  /** The thread's call count when the latest syscall was posted (see syscallStarted). */
  private postedCalls = 0n;
  private readonly handles: SetupReply;
  private readonly capture: Capture;
  private readonly executor: Executor;
  private readonly owned = new Set<number>();
  private diagSeq = 1;
  private closing: Promise<CloseReport> | undefined;

  private readonly hostNetns: string;

  constructor(id: number, config: NetConfig, epochNs: bigint, thread: SyscallThread, handles: SetupReply, hostNetns: string) {
    this.id = id;
    this.hostNetns = hostNetns;
    this.config = config;
    this.epochNs = epochNs;
    this.thread = thread;
    this.handles = handles;
    this.netns = handles.netns;
    this.threadId = handles.tid;
    this.setupStepsNs = handles.stepsNs;
    this.capture = new Capture(handles.captureFd, handles.tunFd, config.offload, epochNs);
    this.capture.start();
    this.executor = new Executor(`/proc/${handles.pid}/fd/${handles.nsFd}`, handles.netns, String(id));
    register(this);
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Nanoseconds since `epochNs` on CLOCK_REALTIME: the clock of every time this sandbox reports. */
  nowNs(): number {
    return sinceEpochNs(this.epochNs);
  }

  /**
   * Resolves at `timeNs` (sandbox clock): a timer for the bulk of the wait, then, for the last
   * 2 ms, a spin that lets the event loop turn every SPIN_SLICE_NS, so I/O (other runs' packets)
   * keeps flowing while it waits precisely. A timer can fire a millisecond or more late on a
   * loaded machine; the margin absorbs that. The spin is synchronous between turns because each
   * turn allocates: one per microsecond (a promise and an immediate each) filled the young
   * generation ~100 times a second, and the collections paused runs for milliseconds.
   */
  async sleepUntilNs(timeNs: number): Promise<void> {
    for (;;) {
      let left = timeNs - this.nowNs();
      if (left <= 0) return;
      if (left > 3_000_000) {
        await new Promise((r) => setTimeout(r, Math.floor((left - 2_000_000) / 1e6)));
        continue;
      }
      const sliceEnd = Math.min(timeNs, this.nowNs() + SPIN_SLICE_NS);
      while (this.nowNs() < sliceEnd) yieldToPeers();
      left = timeNs - this.nowNs();
      if (left <= 0) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * The instant (sandbox clock, ns) `phaseNs` after a jiffy boundary, the first at least
   * `aheadNs` from now; undefined when the tick could not be located.
   */
  tickPhaseInstantNs(phaseNs: number, aheadNs: number): number | undefined {
    const tick = locateTick();
    if (tick === undefined) return undefined;
    return Number(nextAtPhase(tick, this.epochNs + BigInt(this.nowNs() + aheadNs), phaseNs) - this.epochNs);
  }

  /**
   * A syscall is coming within a millisecond or two: have the syscall thread watch for it, and
   * run the call path once ahead of it (a ping). `now`: the call follows at once — only wake
   * the thread; a ping would still be running when the call came, and the call wait behind it.
   */
  expectSyscall(now = false): void {
    if (this.closed) return;
    if (now) this.thread.wake();
    else this.thread.warm();
  }

  /** The next packet the kernel sent, waiting until `deadlineNs` at most; undefined if none. */
  nextPacket(deadlineNs: number): Promise<CapturedPacket | undefined> {
    return this.capture.next(deadlineNs, this.nowNs());
  }

  /** Every captured packet not yet taken, oldest first (does not wait). */
  takePackets(): CapturedPacket[] {
    return this.capture.takeAll();
  }

  /** Packets the capture socket dropped so far because its buffer overflowed (should be 0). */
  captureDrops(): number {
    return this.capture.drops();
  }

  /** Writes one IP datagram to tun0: the kernel receives it as if from the wire. */
  inject(packet: Uint8Array, options: { readonly gsoSize?: number } = {}): InjectResult {
    if (this.closed) throw new Error("the sandbox is closed");
    let frame = packet;
    if (this.config.offload) {
      frame = new Uint8Array(10 + packet.length);
      frame.set(encodeVnetHeader(packet, options.gsoSize));
      frame.set(packet, 10);
    }
    const timeNs = this.nowNs();
    const { ret, errno } = call(() => libc().write(this.handles.tunFd, frame, frame.length));
    return { timeNs, ret, errno };
  }

  /** Descriptors the script created through this sandbox and has not closed. */
  ownedDescriptors(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  private checkDescriptors(request: SyscallRequest): void {
    for (const fd of descriptorsNamed(request)) {
      if (fd < 0 || this.owned.has(fd)) continue;
      // Closed descriptors are fine (the kernel answers EBADF); open ones belong to tcpdrill.
      if (libc().fcntl(fd, F_GETFD) >= 0) throw new ForeignDescriptorError(request.name, fd);
    }
  }

  private track(outcome: SyscallOutcome): SyscallOutcome {
    for (const fd of outcome.openedFds) this.owned.add(fd);
    for (const fd of outcome.closedFds) this.owned.delete(fd);
    return outcome;
  }

  /**
   * Resolves with the time (ns on the sandbox clock) at which the most recently posted syscall
   * entered the kernel, once it has; undefined if that did not happen within `maxMs`.
   */
  async syscallStarted(maxMs: number): Promise<number | undefined> {
    const end = Date.now() + maxMs;
    while (this.thread.callsStarted() <= this.postedCalls) {
      if (Date.now() >= end || this.closed) return undefined;
      await new Promise((r) => setImmediate(r));
    }
    return Number(this.thread.lastCallStartNs() - this.epochNs);
  }

  /**
   * Runs a syscall on the syscall thread, inside the namespace. It may block; the promise
   * resolves when the call returns. Calls are served one at a time, in order: a call made while
   * another is blocked waits behind it. Kernel errors resolve (ret -1, errno); marshalling
   * errors and calls on descriptors the sandbox does not own reject. With `atNs` (sandbox
   * clock), the thread starts the call at that instant, not before (posted ahead of it).
   */
  async syscall(request: SyscallRequest, atNs?: number): Promise<SyscallOutcome> {
    if (this.closed) throw new Error("the sandbox is closed");
    this.checkDescriptors(request);
    this.postedCalls = this.thread.callsStarted();
    const reply = await this.thread.send({ op: "syscall", request, ...(atNs !== undefined ? { atNs } : {}) });
    return this.track(unwrap(reply, "syscall"));
  }

  /**
   * Runs calls back to back on the syscall thread, each the moment the one before returns,
   * with one round trip for all (a script's `+0` chain; the runner decides which calls may go
   * together). One entry per request: its outcome, or the Error that kept it from running
   * (that call's own, or an earlier call's for the ones after it, which did not run).
   */
  async syscalls(requests: readonly SyscallRequest[], atNs?: number): Promise<(SyscallOutcome | Error)[]> {
    if (this.closed) throw new Error("the sandbox is closed");
    for (const r of requests) this.checkDescriptors(r);
    this.postedCalls = this.thread.callsStarted();
    const reply = await this.thread.send({ op: "syscalls", requests, ...(atNs !== undefined ? { atNs } : {}) });
    if (reply.kind !== "syscalls") {
      const e = errorOf(reply);
      return requests.map(() => e);
    }
    const out: (SyscallOutcome | Error)[] = reply.value.map((r) => ("outcome" in r ? this.track(r.outcome) : toError(r.error)));
    while (out.length < requests.length) out.push(new Error("not run: an earlier call of the same chain could not run"));
    return out;
  }

  /**
   * Runs a non-blocking, non-creating call right here on the main thread (getsockopt, ioctl,
   * fcntl, poll/epoll_wait with timeout 0, get*name), e.g. while the syscall thread is blocked.
   */
  syscallNow(request: SyscallRequest): SyscallOutcome {
    if (this.closed) throw new Error("the sandbox is closed");
    this.checkDescriptors(request);
    return executeQuickSyscall(request, this.epochNs);
  }

  /**
   * Whether `request` may run on this (the main) thread, right now: it can neither block nor
   * create a descriptor (never-blocks.ts), and no call is outstanding on the syscall thread that
   * it would overtake.
   */
  mayRunHere(request: SyscallRequest): boolean {
    if (this.closed || this.busy) return false;
    return neverBlocks(request, (fd) => (this.owned.has(fd) ? libc().fcntl(fd, F_GETFL) : -1));
  }

  /**
   * Runs a call that mayRunHere() allowed on this thread, synchronously, as packetdrill's main
   * thread runs a call the script does not mark blocking: no message to the syscall thread, no
   * wake-up of it (0.3-1 ms for a `+0` call after a packet when the thread had been asleep).
   */
  syscallHere(request: SyscallRequest): SyscallOutcome {
    if (this.closed) throw new Error("the sandbox is closed");
    this.checkDescriptors(request);
    return this.track(executeSyscall(request, this.epochNs));
  }

  /** Whether a syscall is outstanding on the syscall thread (blocked or queued). */
  get busy(): boolean {
    return this.thread.outstanding > 0;
  }

  /** TCP_INFO of one of this sandbox's sockets, read on the main thread; undefined if not TCP. */
  tcpInfo(fd: number): TcpInfo | undefined {
    if (!this.owned.has(fd)) return undefined;
    return readTcpInfo(fd) as TcpInfo | undefined;
  }

  /** tcpi_state by name ("ESTABLISHED", "SYN_SENT"…), or undefined for a non-TCP descriptor. */
  /**
   * The TCP state of the namespace's connection between these endpoints ("TIME_WAIT", "FIN_WAIT2"…),
   * found through sock_diag: it also sees connections whose fd is closed. Main thread, bounded.
   */
  connectionState(localIp: string, localPort: number, remoteIp: string, remotePort: number): string | undefined {
    if (this.closed || this.handles.diagFd < 0) return undefined;
    const state = findTcpSocketState(this.handles.diagFd, localIp, localPort, remoteIp, remotePort, this.diagSeq++);
    return state === undefined ? undefined : tcpStateName(state);
  }

  tcpState(fd: number): string | undefined {
    if (!this.owned.has(fd)) return undefined;
    const state = readTcpState(fd);
    return state === undefined ? undefined : tcpStateName(state);
  }

  /** Runs `/bin/sh -c command` inside the sandbox (see exec.ts). */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new Error("the sandbox is closed"));
    return this.executor.run(command, options);
  }

  /** The sandbox's temporary directory (default cwd of commands), created on first use. */
  directory(): string {
    return this.executor.directory();
  }

  /**
   * Tears everything down; idempotent (later calls return the first call's report) and bounded
   * (~3 s in the worst case, milliseconds normally). Never rejects.
   */
  close(): Promise<CloseReport> {
    this.closing ??= this.teardown();
    return this.closing;
  }

  private async teardown(): Promise<CloseReport> {
    const started = Date.now();
    const stepsMs: Record<string, number> = {};
    let mark = started;
    const step = (name: string): void => {
      const now = Date.now();
      stepsMs[name] = now - mark;
      mark = now;
    };
    const problems: string[] = [];
    unregister(this);
    // No new command may start: its nsenter would name the namespace descriptor closed below.
    this.executor.stopAccepting();
    let unblocked = await this.unblock(problems);
    step("unblock");
    // The watchers stop before their descriptors close. The slow closes (tun0 unregisters a
    // device, ~15 ms of RCU waits) start now and run in the background, in parallel with the rest.
    this.capture.stop();
    const devicesClosed = Promise.all([closeInBackground(this.handles.tunFd), closeInBackground(this.handles.captureFd)]);
    // Like every socket, the diag socket holds a reference on the namespace.
    if (this.handles.diagFd >= 0) libc().close(this.handles.diagFd);
    let destroyedSockets = 0;
    const fds = this.ownedDescriptors();
    if (unblocked && this.thread.alive) {
      // Closing on the syscall thread lets it also SOCK_DESTROY orphans inside the namespace.
      const reply = await withDeadline(this.thread.send({ op: "teardown", fds }).catch((e: Error) => e), 1000);
      if (reply !== undefined && !(reply instanceof Error) && reply.kind === "teardown") {
        destroyedSockets = reply.value.destroyed;
        this.owned.clear();
      } else {
        problems.push(`teardown on the syscall thread failed: ${reply instanceof Error ? reply.message : "timeout"}`);
        unblocked = false;
      }
    }
    for (const fd of this.owned) {
      libc().setsockopt(fd, SOL_SOCKET, SO_LINGER, new Int32Array([1, 0]), 8);
      libc().close(fd);
    }
    this.owned.clear();
    step("sockets");
    libc().close(this.handles.nsFd);
    // tun0's close (~16 ms of RCU waits while the kernel unregisters the device) finishes in the
    // background: nothing depends on it, and the kernel releases the descriptors even if
    // tcpdrill exits first. The namespace goes when it completes.
    void devicesClosed.catch(() => undefined);
    const [, thread] = await Promise.all([
      this.executor.close(500).catch((e: Error) => problems.push(`commands: ${e.message}`)),
      this.releaseThread(unblocked, problems),
    ]);
    step("release");
    return {
      unblocked,
      destroyedSockets,
      threadReleased: thread !== "stuck",
      threadRecycled: thread === "recycled",
      durationMs: Date.now() - started,
      stepsMs,
      problems,
    };
  }

  /**
   * The syscall thread leaves the namespace: back to the host's and into the idle pool when it
   * is healthy, otherwise it is stopped.
   */
  private async releaseThread(healthy: boolean, problems: string[]): Promise<"recycled" | "exited" | "stuck"> {
    if (healthy && this.thread.alive) {
      const reply = await withDeadline(this.thread.send({ op: "recycle", hostNetns: this.hostNetns }).catch((e: Error) => e), 500);
      if (reply !== undefined && !(reply instanceof Error) && reply.kind === "recycle" && reply.value.netns === this.hostNetns) {
        if (returnThread(this.thread)) return "recycled";
      } else {
        problems.push(`recycling the syscall thread failed: ${reply instanceof Error ? reply.message : reply === undefined ? "timeout" : reply.kind === "error" ? reply.error.message : reply.kind}`);
      }
    }
    if (await this.thread.stop(1000)) return "exited";
    problems.push("the syscall thread did not exit within 1 s");
    return "stuck";
  }

  /** Wakes a blocked syscall thread: shutdown() the sockets, then EINTR signals (≤ ~1 s). */
  private async unblock(problems: string[]): Promise<boolean> {
    if (this.thread.outstanding === 0) return true;
    shutdownAll(this.owned);
    const deadline = Date.now() + 1000;
    for (let round = 0; this.thread.outstanding > 0 && this.thread.alive; round++) {
      if (Date.now() > deadline) {
        problems.push("a syscall stayed blocked despite shutdown() and signals");
        return false;
      }
      if (round > 0) interruptThread(this.threadId);
      await new Promise((r) => setTimeout(r, round === 0 ? 5 : 20));
    }
    return true;
  }

  /** Synchronous part of teardown for process exit (see registry.ts). */
  emergencyStop(): void {
    if (this.thread.outstanding > 0) {
      shutdownAll(this.owned);
      interruptThread(this.threadId);
    }
    this.executor.killNow();
  }
}

function unwrap(reply: ThreadReply, kind: "syscall"): SyscallOutcome {
  if (reply.kind === kind) return reply.value;
  throw errorOf(reply);
}

function errorOf(reply: ThreadReply): Error {
  return reply.kind === "error" ? toError(reply.error) : new Error(`unexpected reply ${reply.kind}`);
}

function toError(error: ThreadError): Error {
  if (error.syscall !== undefined) {
    const e = new SyscallArgumentError(error.syscall, error.argIndex ?? -1, "");
    e.message = error.message;
    return e;
  }
  return Object.assign(new Error(error.message), { code: error.code });
}
