/**
 * The seam between the runner and what it runs against. The runner knows events, times and
 * expectations; a target knows how to inject a packet, deliver the packets it emits, execute a
 * syscall and report socket state. Two implementations: the kernel (network namespace + TUN +
 * FFI worker, real time) and the reference model (virtual time: waiting costs nothing).
 *
 * Times are microseconds since the run started, on the target's own clock.
 */
import type { IpMode, TargetKind } from "../../lib/trace/types";

/** An argument of a syscall after the runner evaluated the script's expression (one definition, in sys/types). */
export type { SysValue } from "../sys/types";
import type { SysValue } from "../sys/types";

export interface SyscallRequest {
  readonly name: string;
  readonly args: readonly SysValue[];
}

export interface SyscallResult {
  readonly ret: number;
  /** Errno name ("EAGAIN") when ret is -1. */
  readonly errno?: string;
  /** Out-parameters by argument index (getsockopt's value, accept's address, poll's revents…). */
  readonly out?: Readonly<Record<number, SysValue>>;
  readonly start: number;
  readonly end: number;
}

/** A packet the target emitted, with the target's timestamp for it. */
export interface Emitted {
  readonly bytes: Uint8Array;
  readonly time: number;
  /** Model only: the rule that produced it. */
  readonly rule?: string;
  /**
   * Model only: the target may legitimately have sent it at any instant in [earliest, latest] (a
   * delayed ACK that could also have left at once); the timing check passes if any instant does.
   */
  readonly earliest?: number;
  readonly latest?: number;
  /** Model only: matcher fields (Mismatch.field, e.g. "tcp_window") whose value is not promised. */
  readonly loose?: readonly string[];
}

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TargetOptions {
  readonly mode: IpMode;
  readonly localIp: string;
  readonly remoteIp: string;
  readonly gatewayIp?: string;
  readonly netmaskIp?: string;
  readonly mtu?: number;
  /** Working directory for shell commands (the script's own directory). */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /**
   * Congestion control set with TCP_CONGESTION on every socket the script creates (`--cc`): the
   * way to get what a script's `tcp_congestion_control` sysctl intends when the host does not
   * allow that algorithm inside a namespace (the sysctl then fails with EPERM).
   */
  readonly congestionControl?: string;
}

export interface Target {
  readonly kind: TargetKind;
  /** Current time on the target's clock. */
  now(): number;
  /**
   * Wait until `time` (µs). The model advances its virtual clock; the kernel sleeps. `idle`: the
   * run has nothing to do before then (not a timeout racing a reply), so the kernel target may
   * collect garbage meanwhile (harness/runtime/gc.ts).
   */
  sleepUntil(time: number, idle?: boolean): Promise<void>;
  /**
   * The instant a run should start at: on the kernel, a fixed phase of the jiffy tick
   * (harness/sys/tick.ts), so values the kernel counts in jiffies come out the same every run.
   * Resolves shortly before it, with it (µs, target clock), so that the first event can be
   * readied; undefined when there is no such instant (start now). Absent where time is virtual
   * (the model).
   */
  startInstant?(): Promise<number | undefined>;
  /** The script's events are over: nothing the run does from here on is timed. */
  timingDone?(): void;
  /**
   * Waits (boundedly) for a moment when other runs' timing does not mind this thread being busy
   * for a few milliseconds: before untimed work such as starting a process. Absent on the model.
   */
  quietMoment?(): Promise<void>;
  /**
   * A syscall is due within about a millisecond (the kernel target readies its syscall thread);
   * `now`: it follows at once (`+0`), with no time to run anything ahead of it.
   */
  expectSyscall?(now?: boolean): void;
  /**
   * Called between two events of a run: lets the runs that share this thread (`-j`) act if one
   * has an event due. Absent where runs do not share a thread (the model's are untimed).
   */
  betweenEvents?(): Promise<void>;
  /**
   * Whether a call of this name may be made by a syscall thread, so that readying one for it
   * (expectSyscall) helps; false for calls the target always makes on the runner's own thread.
   */
  callMayNeedThread?(name: string): boolean;
  /**
   * The next packet the target emitted, waiting at most until `deadline`; undefined when the
   * deadline passed first. Packets are delivered in emission order and each only once.
   */
  nextPacket(deadline: number): Promise<Emitted | undefined>;
  inject(bytes: Uint8Array): Promise<void>;
  /**
   * Runs a syscall. A blocking one resolves when it returns (the runner does not await it at
   * once). `at` (µs, target clock), where `postsAhead`: the call is posted before its time and
   * starts at `at`, timed by the thread that makes it instead of by the runner's wake-up.
   * `blocking`: the script marks the call blocking (`...`); the kernel target then makes it on
   * its syscall thread, as packetdrill does, even when it could not block.
   */
  syscall(request: SyscallRequest, at?: number, blocking?: boolean): Promise<SyscallResult>;
  /** Whether syscall() and syscalls() take `at` (the kernel; the model's calls take no time to post). */
  readonly postsAhead?: boolean;
  /**
   * Runs non-blocking calls back to back, each the moment the one before returns (a script's
   * chain of `+0` calls, as packetdrill makes them), without coming back to the runner in
   * between. One entry per request: its result, or the Error that kept it from running. Absent
   * where a call costs the runner nothing anyway (the model).
   */
  syscalls?(requests: readonly SyscallRequest[], at?: number): Promise<(SyscallResult | Error)[]>;
  /**
   * After starting a blocking syscall: resolves with the time it really entered the kernel
   * (undefined after `maxMs`). packetdrill's main thread waits for its syscall thread to block
   * before the next event; tcpdrill times the next event from that instant instead.
   */
  whenBlocked?(maxMs: number): Promise<number | undefined>;
  /**
   * Runs a quick non-blocking call (getsockopt) at once, even while a blocking call is in
   * progress: a `%{ }%` block snapshots TCP_INFO at its own time, as packetdrill's main thread
   * does. Absent where syscall() never waits behind another call (the model).
   */
  syscallNow?(request: SyscallRequest): SyscallResult;
  /**
   * The TCP state of the connection between two live endpoints, also after its fd was closed
   * (orphans, TIME_WAIT, which no fd can report); undefined if there is none (never blocks).
   */
  connectionState?(local: { readonly ip: string; readonly port: number }, remote: { readonly ip: string; readonly port: number }): string | undefined;
  /** tcpi_state of a live fd, or undefined if it is not a TCP socket (never blocks). */
  tcpState(fd: number): string | undefined;
  /** Model only: the rule behind the fd's last state change (for traces). */
  stateRule?(fd: number): string | undefined;
  exec(command: string, timeoutMs: number): Promise<ExecResult>;
  /** Releases everything. Always safe to call, more than once, after any failure. */
  close(): Promise<void>;
}
