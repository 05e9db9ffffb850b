/**
 * Entry point of a sandbox's syscall thread (a worker_threads Worker). It serves one request at
 * a time, synchronously: a blocking syscall blocks this thread and nothing else, which is
 * packetdrill's syscall-thread model. Until `setup` has moved the thread into its own namespace
 * it refuses to run syscalls, so nothing can land in the host's namespace.
 */
// First, before the other modules load: boot at low priority (thread-priority.ts).
import { lowerOwnPriority, restoreOwnPriority, useNormalPriority, useRealtimePriority, yieldToPeers } from "./thread-priority";
lowerOwnPriority();
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { forgetAllDescriptors } from "../sys/executor/cloexec";
import { onCallStart } from "../sys/executor/handler";
import { executeSyscall } from "../sys/executor/index";
import { call, libc } from "../sys/libc";
import { SyscallArgumentError } from "../sys/types";
import { buildNamespace, returnToHostNamespace, SandboxSetupError, threadNetns } from "./netns";
import type { ThreadError, ThreadReply, ThreadRequest } from "./protocol";
import { PENDING_FD, type SyscallOutcome, type SyscallRequest, type SysValue } from "../sys/types";
import { SIGNAL_REPLIES, SIGNAL_REQUESTS, SIGNAL_STOP, type ThreadData } from "./thread";
import { destroyTcpSockets } from "./sock-destroy";
import { collectGarbage } from "../runtime/gc";
import { sinceEpochNs } from "../sys/clock";

const SOL_SOCKET = 1;
const SO_LINGER = 13;
const SO_TYPE = 3;

const port = parentPort;
if (port === null) throw new Error("thread-main.ts must run in a worker thread");

const { calls, signal, requests, replies } = workerData as ThreadData;
// Publish each call's start (thread.ts: SyscallThread.calls) before it enters the kernel.
let uncounted = false;
onCallStart((startNs) => {
  // A ping's call, or --cc's setsockopt, is not a script's: SyscallThread.callsStarted() counts those only.
  if (uncounted) return;
  Atomics.store(calls, 1, startNs);
  Atomics.add(calls, 0, 1n);
});

let epochNs: bigint | undefined;
let sandboxNetns: string | undefined;
/** Whether this thread was seen inside sandboxNetns since the last setup (readyEpoch). */
let verifiedNetns = false;

/** Posts the reply, then counts it: the main thread reads it once the count moves (thread.ts). */
function reply(message: ThreadReply): void {
  replies.postMessage(message);
  Atomics.add(signal, SIGNAL_REPLIES, 1);
  Atomics.notify(signal, SIGNAL_REPLIES);
}

/** SO_LINGER {1, 0} first, so closing a TCP socket resets it instead of leaving an orphan. */
function closeAbortively(fd: number): void {
  const type = new Int32Array(1);
  const len = new Uint32Array([4]);
  if (libc().getsockopt(fd, SOL_SOCKET, SO_TYPE, type, len) === 0) {
    libc().setsockopt(fd, SOL_SOCKET, SO_LINGER, new Int32Array([1, 0]), 8);
  }
  call(() => libc().close(fd));
}

function handle(request: ThreadRequest): ThreadReply {
  switch (request.op) {
    case "setup": {
      if (sandboxNetns !== undefined) throw new SandboxSetupError("ESETUP", "this thread is already set up");
      if (!restoreOwnPriority()) throw new SandboxSetupError("EPRIORITY", "cannot restore the syscall thread's priority");
      const value = buildNamespace(request.config, request.hostNetns);
      epochNs = request.epochNs;
      sandboxNetns = value.netns;
      verifiedNetns = false;
      // A run's calls then start with an empty heap: a collection V8 would otherwise make in
      // the middle of them stopped this thread for up to 14 ms (runtime/gc.ts).
      collectGarbage("major");
      // Real-time only now that the script's calls come (restoreOwnPriority says why not before).
      useRealtimePriority();
      return { id: request.id, kind: "setup", value };
    }
    case "syscall": {
      const epoch = readyEpoch();
      if (request.atNs !== undefined) awaitInstant(request.atNs, epoch);
      return { id: request.id, kind: "syscall", value: executeScriptCall(request.request, epoch) };
    }
    case "syscalls": {
      const epoch = readyEpoch();
      if (request.atNs !== undefined) awaitInstant(request.atNs, epoch);
      const value: ({ outcome: SyscallOutcome } | { error: ThreadError })[] = [];
      let opened: number | undefined;
      for (const r of request.requests) {
        try {
          const outcome = executeScriptCall(opened === undefined ? r : withOpenedFd(r, opened), epoch);
          if (r.name === "socket" && outcome.ret >= 0) opened = outcome.ret;
          value.push({ outcome });
        } catch (e) {
          value.push({ error: threadError(e) });
          break;
        }
      }
      return { id: request.id, kind: "syscalls", value };
    }
    case "ping": {
      if (epochNs !== undefined) warmCallPath(epochNs);
      return { id: request.id, kind: "pong" };
    }
    case "teardown": {
      // The script is over: closing its sockets (RSTs, sock_diag) need not preempt another run.
      useNormalPriority();
      for (const fd of request.fds) closeAbortively(fd);
      const destroyed = sandboxNetns !== undefined && threadNetns() === sandboxNetns ? destroyTcpSockets() : 0;
      return { id: request.id, kind: "teardown", value: { destroyed } };
    }
    case "recycle": {
      const netns = returnToHostNamespace(request.hostNetns);
      epochNs = undefined;
      sandboxNetns = undefined;
      verifiedNetns = false;
      forgetAllDescriptors();
      lowerOwnPriority();
      return { id: request.id, kind: "recycle", value: { netns } };
    }
  }
}

/** `request` with the descriptor a socket() earlier in its chain returned in place of PENDING_FD. */
function withOpenedFd(request: SyscallRequest, fd: number): SyscallRequest {
  const put = (v: SysValue): SysValue => {
    if (v === PENDING_FD) return fd;
    if (Array.isArray(v)) return v.map(put);
    if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v)) {
      const out: Record<string, SysValue> = {};
      for (const [k, x] of Object.entries(v)) out[k] = put(x as SysValue);
      return out;
    }
    return v;
  };
  return { ...request, args: request.args.map(put) };
}

/** A call posted ahead never waits longer than this for its instant (a wrong instant cannot stall the thread). */
const MAX_AHEAD_NS = 5_000_000;

/**
 * Waits on this thread for a call's instant (ns since `epoch`): the runner posts a call due
 * within a millisecond ahead of its time (run-script.ts), so that at the time nothing is left
 * between it and the kernel but this spin. The call path runs once on nothing first (a ping's
 * fcntl(-1)): on this kind of VM the first call after a quiet spell runs 5-20 times slower.
 */
function awaitInstant(atNs: number, epoch: bigint): void {
  const now = (): number => sinceEpochNs(epoch);
  if (atNs - now() > 50_000) warmCallPath(epoch);
  const until = Math.min(atNs, now() + MAX_AHEAD_NS);
  while (now() < until) yieldToPeers();
}

/**
 * A script's call, then the request's congestion control on the socket it created: here, the
 * moment socket() returned, instead of on the main thread after the reply (where that one
 * setsockopt took up to 0.9 ms after an idle spell, and the script's next `+0` call waited).
 */
function executeScriptCall(request: SyscallRequest, epoch: bigint): SyscallOutcome {
  const outcome = executeSyscall(request, epoch);
  const cc = request.congestionControl;
  if (cc === undefined || request.name !== "socket" || outcome.ret < 0) return outcome;
  const set = executeUncounted({ name: "setsockopt", args: [outcome.ret, "SOL_TCP", "TCP_CONGESTION", cc, cc.length] }, epoch);
  return set.ret < 0 ? { ...outcome, congestionControlErrno: set.errno } : outcome;
}

/**
 * A ping's call: fcntl(-1, F_GETFL), EBADF, touching nothing, through the same executor path
 * (argument marshalling, the FFI call, the outcome) as a script's call. On this kind of VM the
 * first call after an idle spell ran 5-20 times slower than the next ones (cold caches after the
 * vCPU halted); this one takes that cost instead, ahead of the real call.
 */
function warmCallPath(epoch: bigint): void {
  executeUncounted({ name: "fcntl", args: [-1, "F_GETFL"] }, epoch);
}

/** A call of tcpdrill's own (a ping, --cc's setsockopt): SyscallThread.callsStarted() does not count it. */
function executeUncounted(request: SyscallRequest, epoch: bigint): SyscallOutcome {
  uncounted = true;
  try {
    return executeSyscall(request, epoch);
  } finally {
    uncounted = false;
  }
}

/**
 * The sandbox's epoch, once this thread is set up and inside its namespace (else: refuse). The
 * namespace is read from /proc once per setup, not per call (a readlink took 50-80 µs between a
 * request and its call): only setup and recycle, on this thread, move it, and no script call
 * can (setns and unshare are not script calls).
 */
function readyEpoch(): bigint {
  if (epochNs === undefined || sandboxNetns === undefined) {
    throw new SandboxSetupError("ENOTREADY", "syscalls run only after setup, inside the sandbox's namespace");
  }
  if (!verifiedNetns) {
    if (threadNetns() !== sandboxNetns) throw new SandboxSetupError("ENOTREADY", "syscalls run only after setup, inside the sandbox's namespace");
    verifiedNetns = true;
  }
  return epochNs;
}

function threadError(e: unknown): ThreadError {
  const error = e as Error & { code?: unknown };
  return {
    code: typeof error.code === "string" ? error.code : "EINTERNAL",
    message: error.message,
    ...(e instanceof SyscallArgumentError ? { syscall: e.syscall, argIndex: e.argIndex } : {}),
  };
}

function serve(request: ThreadRequest): void {
  try {
    reply(handle(request));
  } catch (e) {
    reply({ id: request.id, kind: "error", error: threadError(e) });
  }
}

/**
 * After a request, the next one usually follows within microseconds (a script's `+0` calls):
 * watch for it this long before sleeping, which saves a futex wake-up (0.1–0.4 ms measured on
 * this kind of VM, where a sleeping thread's vCPU may itself be halted).
 */
const FOLLOW_UP_SPIN_MS = 0.3;

/** After a ping, watch for the call it announced this long. */
const PING_SPIN_MS = 1.5;

/** Woken ahead of a request (SyscallThread.wake), watch for it this long. */
const WOKEN_SPIN_MS = 2;

/** Idle this long, the thread lets its event loop turn (see serveLoop). */
const IDLE_YIELD_MS = 50;

/**
 * Serves requests synchronously: not going back to the event loop between requests is what makes
 * their delivery immediate. When idle for IDLE_YIELD_MS it returns to the event loop for one
 * turn, so whatever was queued there still runs (the TypeScript loader writes its transform cache
 * asynchronously: never letting it would recompile this file, with an esbuild service, on every
 * boot). Stopping sets SIGNAL_STOP and wakes us (worker.terminate() alone does not interrupt
 * Atomics.wait); back in the event loop, the termination takes effect. A blocked syscall is
 * interrupted by a signal (unblock.ts).
 */
function serveLoop(): void {
  for (let spinUntil = 0; Atomics.load(signal, SIGNAL_STOP) === 0; ) {
    const seen = Atomics.load(signal, SIGNAL_REQUESTS);
    const m = receiveMessageOnPort(requests);
    if (m !== undefined) {
      const request = m.message as ThreadRequest;
      serve(request);
      // A ping comes up to a millisecond ahead of its call (SyscallThread.warm): watch until then.
      spinUntil = performance.now() + (request.op === "ping" ? PING_SPIN_MS : FOLLOW_UP_SPIN_MS);
    } else if (performance.now() < spinUntil) {
      yieldToPeers();
    } else {
      const woke = Atomics.wait(signal, SIGNAL_REQUESTS, seen, IDLE_YIELD_MS);
      if (woke === "timed-out") {
        setImmediate(serveLoop);
        return;
      }
      // Woken without a request (SyscallThread.wake): one is coming.
      if (woke === "ok") spinUntil = performance.now() + WOKEN_SPIN_MS;
    }
  }
}

// Bind libc now (koffi or Deno.dlopen, harness/sys/libc.ts), so the first request does not pay for it.
libc();
// Loading the modules left megabytes of garbage; collect it before any run's calls.
collectGarbage("major");
port.postMessage({ id: 0, kind: "ready" } satisfies ThreadReply);
setImmediate(serveLoop);
