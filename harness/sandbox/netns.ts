/**
 * Runs ON THE SYSCALL THREAD: moves the thread into a fresh anonymous network namespace and
 * builds the sandbox's network in it.
 *
 * unshare(CLONE_NEWNET) changes only the calling thread's namespace (namespaces are per task);
 * threads and processes it creates afterwards inherit it, the main thread keeps the host's. The
 * namespace is never named (nothing under /var/run/netns), so the kernel frees it when its last
 * thread, descriptor and process are gone, whatever happens to tcpdrill.
 *
 * Nothing here may touch the network before `enterFreshNamespace` has proved that this thread's
 * namespace differs from the host's. Only synchronous calls are used afterwards: they run on
 * this thread, whereas async fs calls run on libuv's pool threads, which createSandbox makes sure
 * live in the host's namespace (a /proc/sys/net write from there would change the host).
 */
import { openDiagSocket } from "./sock-diag";
import { readlinkSync, writeFileSync } from "node:fs";
import { realtimeNs } from "../sys/clock";
import { call, libc, NativeArena } from "../sys/libc";
import { errnoName } from "../sys/errno";
import { tunSysctls, type NetConfig } from "./config";
import { configureNetwork } from "./rtnetlink";
import type { SetupReply } from "./protocol";
import {
  IFF_NO_PI,
  IFF_TUN,
  IFF_VNET_HDR,
  PACKET_VNET_HDR,
  SOL_PACKET,
  SO_ATTACH_FILTER,
  TUNSETIFF,
  TUNSETOFFLOAD,
  TUN_F_CSUM,
  TUN_F_TSO4,
  TUN_F_TSO6,
  TUN_F_TSO_ECN,
  ifreq,
  ifreqName,
  outgoingOnlyFilter,
  sockaddrLl,
} from "./tun";

const CLONE_NEWNET = 0x40000000;
const O_RDWR = 2;
const O_RDONLY = 0;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVBUFFORCE = 33;
const SO_TIMESTAMPNS = 35;
/** Room for a burst of TSO segments while the main thread is busy. */
const CAPTURE_BUFFER_BYTES = 16 << 20;

export class SandboxSetupError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "SandboxSetupError";
    this.code = code;
  }
}

function check(what: string, result: { ret: number; errno: number }): number {
  if (result.ret < 0) {
    throw new SandboxSetupError("ESETUP", `${what} failed: ${errnoName(result.errno)}`);
  }
  return result.ret;
}

/** This thread's network namespace, as the kernel names it ("net:[4026532177]"). */
export function threadNetns(): string {
  return readlinkSync("/proc/thread-self/ns/net");
}

/**
 * unshare(CLONE_NEWNET) for this thread, then the safety check every later step relies on:
 * the thread's namespace must differ from `hostNetns` (the main thread's, read by the caller).
 */
export function enterFreshNamespace(hostNetns: string): string {
  const { ret, errno } = call(() => libc().unshare(CLONE_NEWNET));
  if (ret !== 0) throw new SandboxSetupError("EUNSHARE", `unshare(CLONE_NEWNET) failed: ${errnoName(errno)}`);
  const netns = threadNetns();
  if (netns === hostNetns || readlinkSync("/proc/self/ns/net") !== hostNetns) {
    throw new SandboxSetupError("EHOSTNS", `refusing to configure: thread namespace ${netns} is the host's`);
  }
  return netns;
}

/**
 * Moves this thread back into the host's namespace (the main thread's, /proc/self/ns/net), so
 * the sandbox's namespace loses its last thread. Checked like the way in.
 */
export function returnToHostNamespace(hostNetns: string): string {
  const fd = check("open host netns", call(() => libc().open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)));
  try {
    check("setns(host)", call(() => libc().setns(fd, CLONE_NEWNET)));
  } finally {
    libc().close(fd);
  }
  const netns = threadNetns();
  if (netns !== hostNetns) throw new SandboxSetupError("ERECYCLE", `thread is in ${netns} after setns, not the host's ${hostNetns}`);
  return netns;
}

function openTun(config: NetConfig): number {
  const fd = check("open /dev/net/tun", call(() => libc().open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)));
  try {
    const request = ifreq(config.device, IFF_TUN | IFF_NO_PI | (config.offload ? IFF_VNET_HDR : 0));
    check("TUNSETIFF", call(() => libc().ioctl(fd, TUNSETIFF, "void *", request)));
    const name = ifreqName(request);
    if (name !== config.device) throw new SandboxSetupError("ESETUP", `TUNSETIFF created ${name}, not ${config.device}`);
    if (config.offload) {
      const offload = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
      check("TUNSETOFFLOAD", call(() => libc().ioctl(fd, TUNSETOFFLOAD, "unsigned long", offload)));
    }
    return fd;
  } catch (e) {
    libc().close(fd);
    throw e;
  }
}

/**
 * The capture socket: AF_PACKET on tun0 only, outgoing packets only (BPF), kernel receive
 * timestamps (SO_TIMESTAMPNS, realtime), the virtio header when offload is on. Created before
 * the link comes up so that nothing the kernel sends is missed.
 */
function openCapture(config: NetConfig, ifindex: number): number {
  // Protocol 0 at creation, ETH_P_ALL only in bind(): a socket created with a protocol is
  // already hooked in, and re-binding it unhooks it first, which waits for an RCU grace period
  // (synchronize_net, ~13 ms here).
  const fd = check("socket(AF_PACKET)", call(() => libc().socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)));
  try {
    const one = new Int32Array([1]);
    const filter = outgoingOnlyFilter();
    const fprog = new Uint8Array(16);
    const view = new DataView(fprog.buffer);
    view.setUint16(0, filter.length / 8, true);
    // The program pointer must be stable: the FFI (koffi or Deno.dlopen) only pins top-level arguments.
    const arena = new NativeArena();
    try {
      const prog = arena.copy(filter);
      view.setBigUint64(8, prog.ptr, true);
      check("SO_ATTACH_FILTER", call(() => libc().setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16)));
    } finally {
      arena.release();
    }
    check("SO_TIMESTAMPNS", call(() => libc().setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, one, 4)));
    check("SO_RCVBUFFORCE", call(() => libc().setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, new Int32Array([CAPTURE_BUFFER_BYTES]), 4)));
    if (config.offload) check("PACKET_VNET_HDR", call(() => libc().setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, one, 4)));
    const ll = sockaddrLl(ifindex);
    check("bind(AF_PACKET)", call(() => libc().bind(fd, ll, ll.length)));
    return fd;
  } catch (e) {
    libc().close(fd);
    throw e;
  }
}

/** Builds tun0, its addresses and route, and the capture socket. Returns the handles. */
export function buildNamespace(config: NetConfig, hostNetns: string): SetupReply {
  const steps: Record<string, number> = {};
  let mark = realtimeNs();
  const step = (name: string): void => {
    const now = realtimeNs();
    steps[name] = Number(now - mark);
    mark = now;
  };
  const netns = enterFreshNamespace(hostNetns);
  step("unshare");
  const opened: number[] = [];
  try {
    const tunFd = openTun(config);
    opened.push(tunFd);
    step("tun");
    for (const [path, value] of tunSysctls(config)) writeFileSync(path, value);
    step("sysctl");
    const ifindex = libc().if_nametoindex(config.device);
    if (ifindex === 0) throw new SandboxSetupError("ESETUP", `${config.device} has no index`);
    const captureFd = openCapture(config, ifindex);
    opened.push(captureFd);
    step("capture");
    configureNetwork(config, ifindex);
    step("network");
    const nsFd = check("open netns", call(() => libc().open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)));
    opened.push(nsFd);
    // For the states of connections without an fd (TIME_WAIT, orphans): see sock-diag.ts.
    const diagFd = openDiagSocket();
    if (diagFd >= 0) opened.push(diagFd);
    // The namespace must not have changed under us (it cannot, but every step relied on it).
    if (threadNetns() !== netns) throw new SandboxSetupError("EHOSTNS", "thread namespace changed during setup");
    return { pid: libc().getpid(), tid: libc().gettid(), netns, tunFd, captureFd, nsFd, diagFd, ifindex, stepsNs: steps };
  } catch (e) {
    for (const fd of opened) libc().close(fd);
    throw e;
  }
}
