/**
 * Sandboxes: a throwaway network namespace with a TUN device, in which a script's syscalls run
 * against the real kernel. This is the kernel target's whole access to the system.
 *
 * ## Lifecycle
 *
 *   const sb = await createSandbox({ mode: "ipv4" });   // ~3 ms with a pooled thread
 *   try { …; } finally { await sb.close(); }            // always; idempotent; bounded; never throws
 *
 * Call `installSignalHandlers()` once in a CLI: SIGINT/SIGTERM then close every open sandbox
 * before the process dies of the signal. At process exit, blocked syscall threads are woken and
 * commands killed automatically, so a forgotten sandbox cannot hang the exit.
 *
 * Syscall threads are pooled: a Node worker costs 20-60 ms to boot, so a healthy thread leaves
 * its sandbox's namespace on close (setns back to the host's, checked) and waits, idle and
 * unref'd, for the next sandbox (at most 4 idle threads). `prewarmThreads(n)` boots some ahead
 * of time; `setThreadPooling(false)` stops that (every close then ends its thread);
 * `stopIdleThreads()` ends the idle ones.
 *
 * ## What a sandbox is
 *
 * - A Node worker thread (the *syscall thread*) that first calls unshare(CLONE_NEWNET): the
 *   thread, and only it, moves into a fresh anonymous namespace (the main thread stays in the
 *   host's). Before configuring anything it checks that its namespace differs from the host's.
 *   The namespace has no name, so the kernel frees it when its last thread, descriptor and process
 *   are gone — also when tcpdrill is SIGKILLed.
 * - In it: `lo` up; `tun0` (IFF_TUN|IFF_NO_PI, plus IFF_VNET_HDR with checksum/TSO offload like
 *   packetdrill unless `offload: false`); no IPv6 link-local address, no router solicitations;
 *   the local address on tun0, a host route to the remote address via the gateway. Defaults
 *   (packetdrill's, see `sb.config`):
 *     ipv4 / ipv4-mapped-ipv6: local 192.168.0.1/16, gateway 192.168.0.1, remote 192.0.2.1, MTU 1500
 *     ipv6: local fd3d:a0b:17d6::1/48, gateway fd3d:a0b:17d6:8888::1, remote fd3d:fa7b:d17d::1, MTU 1520
 *   The kernel sends nothing on its own: no RS, DAD or MLD packets.
 *
 * ## Time
 *
 * One clock: CLOCK_REALTIME, the clock of the kernel's packet timestamps. Every time a sandbox
 * reports is a number of nanoseconds since `sb.epochNs` (the realtime instant of creation):
 * `sb.nowNs()`, packet `timeNs`, syscall `startNs`/`endNs`, `inject().timeNs`.
 * `sb.sleepUntilNs(t)` waits precisely on that clock.
 *
 * ## Packets
 *
 * - Outbound: `await sb.nextPacket(deadlineNs)` → `{ bytes, timeNs, gsoSize? }` or undefined
 *   when the deadline passed; `sb.takePackets()` returns what is queued without waiting. Bytes
 *   are the IP datagram (no link header, no virtio header); checksums the kernel left to the
 *   "hardware" are completed; `timeNs` is the kernel's transmit timestamp (SO_TIMESTAMPNS on an
 *   AF_PACKET socket that sees only outgoing packets of tun0). A TSO super-segment arrives as one
 *   packet with `gsoSize` set, as packetdrill sees it.
 * - Inbound: `sb.inject(bytes, { gsoSize? })` writes one IP datagram to tun0, synchronously;
 *   returns `{ timeNs, ret, errno }`.
 *
 * ## Syscalls
 *
 * - `await sb.syscall({ name, args })` runs on the syscall thread, inside the namespace. It
 *   may block (accept, read…); the promise resolves when the call returns with
 *   `{ ret, errno, errnoName?, out, openedFds, closedFds, startNs, endNs }`. Calls are served in
 *   order, one at a time. Argument conventions and out-parameters: harness/sys/index.ts.
 * - `sb.syscallNow({ name, args })` runs a non-blocking call (getsockopt, ioctl, fcntl, poll or
 *   epoll_wait with timeout 0, get*name) on the main thread, even while the syscall thread is
 *   blocked. `sb.tcpState(fd)` ("ESTABLISHED"…) and `sb.tcpInfo(fd)` are shortcuts for TCP_INFO.
 * - Descriptors are live numbers. The sandbox tracks those its calls create and refuses
 *   (ForeignDescriptorError) calls naming a descriptor that is open in tcpdrill but not its own,
 *   so a script cannot close or read tcpdrill's internals; unknown numbers reach the kernel
 *   (EBADF). Mapping script fds to live fds is the runner's job.
 * - `sb.busy` tells whether a call is outstanding on the syscall thread.
 *
 * ## Commands
 *
 * `await sb.exec(command, { timeoutMs?, cwd?, env? })` runs `/bin/sh -c command` inside the
 * namespace (and a PID namespace private to the sandbox, so `sleep 1000 &` dies with it) →
 * `{ status, signal, timedOut, stdout, stderr, durationMs }`. Default cwd: a fresh temporary
 * directory, `sb.directory()`.
 *
 * ## Teardown
 *
 * `close()` wakes a blocked syscall (shutdown() on the sandbox's sockets, then EINTR signals),
 * closes every descriptor the script created with SO_LINGER {1, 0} (a reset, no lingering),
 * SOCK_DESTROYs orphaned TCP sockets the script closed itself (they would keep the namespace
 * alive for minutes), closes tun0 and the capture socket, kills every command process, moves the
 * thread out of the namespace (pool) or stops it, removes the temporary directory. It resolves
 * with a CloseReport ({unblocked, destroyedSockets, threadReleased, threadRecycled, durationMs,
 * stepsMs, problems}) and never rejects; ~20-30 ms, most of it the kernel unregistering tun0.
 *
 * Descriptors the executor creates are close-on-exec underneath (hidden from the script's
 * fcntl(F_GETFD)), so no command — of this sandbox or another one in the process — inherits a
 * script socket.
 *
 * ## Errors
 *
 * createSandbox rejects with a NetConfigError (bad options), SandboxUnavailableError (no
 * /dev/net/tun, not root, unshare refused: `sandboxSupport()` says so up front) or
 * SandboxSetupError (code, message) when building the namespace failed; nothing is left behind.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readlink, readlinkSync } from "node:fs";
import { realtimeNs } from "../sys/clock";
import { closeInBackground } from "../sys/libc";
import { resolveNetConfig, type NetOptions } from "./config";
import { Sandbox } from "./sandbox";
import { SandboxSetupError } from "./netns";
import { takeThread } from "./thread";
import { prepareUnblocking } from "./unblock";

export { Sandbox, ForeignDescriptorError } from "./sandbox";
export type { CloseReport, InjectResult } from "./sandbox";
export type { CapturedPacket } from "./capture";
export type { ExecOptions, ExecResult } from "./exec";
export { NetConfigError, resolveNetConfig } from "./config";
export type { IpMode, NetConfig, NetOptions } from "./config";
export { SandboxSetupError } from "./netns";
export { closeAllSandboxes, installSignalHandlers, liveSandboxCount } from "./registry";
export { prewarmThreads, setThreadPooling, setThreadPrewarm, stopIdleThreads, stopSpareThread } from "./thread";

export type SandboxOptions = NetOptions;

export class SandboxUnavailableError extends Error {
  readonly code = "EUNAVAILABLE";

  constructor(message: string) {
    super(message);
    this.name = "SandboxUnavailableError";
  }
}

let supportCache: { ok: true } | { ok: false; reason: string } | undefined;

/** Whether this machine can run sandboxes, and if not, why (for skipping specs, CLI errors). */
export function sandboxSupport(): { ok: true } | { ok: false; reason: string } {
  if (supportCache !== undefined) return supportCache;
  const decide = (): { ok: true } | { ok: false; reason: string } => {
    if (process.platform !== "linux") return { ok: false, reason: "kernel sandboxes need Linux" };
    try {
      closeSync(openSync("/dev/net/tun", "r+"));
    } catch (e) {
      return { ok: false, reason: `cannot open /dev/net/tun (${(e as NodeJS.ErrnoException).code})` };
    }
    const probe = spawnSync("unshare", ["--net", "true"], { timeout: 5000 });
    if (probe.error !== undefined || probe.status !== 0) {
      return { ok: false, reason: `cannot create a network namespace (unshare --net: ${probe.error?.message ?? probe.stderr.toString().trim()})` };
    }
    for (const tool of ["ip", "nsenter", "setpriv", "setsid"]) {
      const r = spawnSync(tool, ["--version"], { timeout: 5000 });
      if (r.error !== undefined) return { ok: false, reason: `${tool} is not installed` };
    }
    return { ok: true };
  };
  supportCache = decide();
  return supportCache;
}

let nextId = 1;
let helperThreadsStarted: Promise<void> | undefined;

/**
 * Starts the process-wide helper threads from the main thread, in the host namespace, before any
 * syscall thread unshares. Threads inherit the namespace of the thread that creates them, and
 * both libuv's pool (async fs, dns) and the FFI's async pool (koffi's; Deno's nonblocking calls) are created lazily by whichever thread
 * first needs them: created by a syscall thread after unshare, they would live in that sandbox's
 * namespace for the rest of the process, running everyone's async I/O there and keeping the
 * namespace alive. readlink always goes to libuv's pool (io_uring does not do it); its answer
 * proves where the pool runs.
 */
function startHelperThreads(hostNetns: string): Promise<void> {
  helperThreadsStarted ??= (async () => {
    const poolNetns = await new Promise<string>((resolve, reject) =>
      readlink("/proc/thread-self/ns/net", (err, link) => (err ? reject(err) : resolve(link))),
    );
    if (poolNetns !== hostNetns) {
      throw new SandboxSetupError("EHOSTNS", `libuv's thread pool runs in ${poolNetns}, not the host namespace ${hostNetns}`);
    }
    await closeInBackground(-1);
  })();
  return helperThreadsStarted;
}

/** Builds a sandbox (see the top of this file). */
export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const config = resolveNetConfig(options);
  const support = sandboxSupport();
  if (!support.ok) throw new SandboxUnavailableError(support.reason);
  prepareUnblocking();
  const hostNetns = readlinkSync("/proc/thread-self/ns/net");
  if (hostNetns !== readlinkSync("/proc/self/ns/net")) {
    throw new SandboxSetupError("EHOSTNS", "createSandbox must be called from the main thread");
  }
  await startHelperThreads(hostNetns);
  const thread = takeThread();
  try {
    await thread.waitReady(10_000);
    const epochNs = realtimeNs();
    const reply = await thread.send({ op: "setup", config, epochNs, hostNetns });
    if (reply.kind === "error") throw new SandboxSetupError(reply.error.code, reply.error.message);
    if (reply.kind !== "setup") throw new SandboxSetupError("EINTERNAL", `unexpected reply ${reply.kind}`);
    return new Sandbox(nextId++, config, epochNs, thread, reply.value, hostNetns);
  } catch (e) {
    await thread.stop(1000);
    throw e;
  }
}
