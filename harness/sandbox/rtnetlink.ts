/**
 * Runs ON THE SYSCALL THREAD: the namespace's links, address and route, configured directly
 * with ioctl and rtnetlink instead of spawning `ip` (a fork+exec from Node costs 3-4 ms per
 * command; these calls cost microseconds).
 *
 * The messages are the ones `ip` sends for the same commands, so the result is identical to
 * packetdrill's `ip addr add …` / `ip route add … dev tun0 via …` (a script's later
 * `ip route change 192.0.2.1 via …` finds the route it expects):
 *   RTM_NEWADDR  ifaddrmsg{family, prefixlen, flags, scope 0, index} IFA_LOCAL IFA_ADDRESS [IFA_FLAGS]
 *   RTM_NEWROUTE rtmsg{family, dst_len, table main, protocol boot, scope universe, unicast}
 *                RTA_DST RTA_GATEWAY RTA_OIF
 */
import { addressToBytes } from "../../lib/wire/address";
import { errnoName } from "../sys/errno";
import { call, libc } from "../sys/libc";
import type { NetConfig } from "./config";
import { ifreq } from "./tun";

const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const SOCK_DGRAM_CLOEXEC = 2 | 0o2000000;
const SOCK_RAW_CLOEXEC = 3 | 0o2000000;
const NETLINK_ROUTE = 0;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const SIOCSIFMTU = 0x8922;
const IFF_UP = 0x1;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const RTN_LOCAL = 2;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NLMSG_ERROR = 2;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_FLAGS = 8;
const IFA_F_NODAD = 0x02;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;

export class NetlinkError extends Error {
  readonly code = "ESETUP";

  constructor(message: string) {
    super(message);
    this.name = "NetlinkError";
  }
}

function ok(what: string, result: { ret: number; errno: number }): void {
  if (result.ret < 0) throw new NetlinkError(`${what}: ${errnoName(result.errno)}`);
}

/** Sets the MTU (if given) and IFF_UP on an interface with the classic ioctls. */
function linkUp(control: number, name: string, mtu: number | undefined): void {
  if (mtu !== undefined) {
    const req = ifreq(name);
    new DataView(req.buffer).setInt32(16, mtu, true);
    ok(`SIOCSIFMTU ${name}`, call(() => libc().ioctl(control, SIOCSIFMTU, "void *", req)));
  }
  const req = ifreq(name);
  ok(`SIOCGIFFLAGS ${name}`, call(() => libc().ioctl(control, SIOCGIFFLAGS, "void *", req)));
  const view = new DataView(req.buffer);
  view.setUint16(16, view.getUint16(16, true) | IFF_UP, true);
  ok(`SIOCSIFFLAGS ${name}`, call(() => libc().ioctl(control, SIOCSIFFLAGS, "void *", req)));
}

/** A netlink message builder: header, fixed body, then attributes (each 4-byte aligned). */
class Message {
  private readonly type: number;
  private readonly parts: Uint8Array[] = [];

  constructor(type: number, body: Uint8Array) {
    this.type = type;
    this.parts.push(body);
  }

  attr(type: number, data: Uint8Array): this {
    const len = 4 + data.length;
    const out = new Uint8Array((len + 3) & ~3);
    const view = new DataView(out.buffer);
    view.setUint16(0, len, true);
    view.setUint16(2, type, true);
    out.set(data, 4);
    this.parts.push(out);
    return this;
  }

  bytes(seq: number, flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL): Uint8Array {
    const bodyLen = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(16 + bodyLen);
    const view = new DataView(out.buffer);
    view.setUint32(0, out.length, true);
    view.setUint16(4, this.type, true);
    view.setUint16(6, flags, true);
    view.setUint32(8, seq, true);
    let at = 16;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

/** Sends one request and reads its acknowledgement (bounded by SO_RCVTIMEO). */
function transact(fd: number, what: string, message: Message, seq: number): void {
  const req = message.bytes(seq);
  ok(`${what} (send)`, call(() => libc().send(fd, req, req.length, 0)));
  const ack = new Uint8Array(1024);
  const received = call(() => libc().recv(fd, ack, ack.length, 0));
  ok(`${what} (no answer)`, received);
  const view = new DataView(ack.buffer);
  if (received.ret < 20 || view.getUint16(4, true) !== NLMSG_ERROR) throw new NetlinkError(`${what}: unexpected answer`);
  const error = view.getInt32(16, true);
  if (error !== 0) throw new NetlinkError(`${what}: ${errnoName(-error)}`);
}

/** The route type the kernel picks for `address` now (RTM_GETROUTE, like `ip route get`). */
function routeType(fd: number, family: number, address: Uint8Array, seq: number): number {
  const rtm = new Uint8Array(12);
  rtm[0] = family;
  rtm[1] = address.length * 8;
  const req = new Message(RTM_GETROUTE, rtm).attr(RTA_DST, address).bytes(seq, NLM_F_REQUEST);
  ok("route lookup (send)", call(() => libc().send(fd, req, req.length, 0)));
  const reply = new Uint8Array(4096);
  const received = call(() => libc().recv(fd, reply, reply.length, 0));
  ok("route lookup (no answer)", received);
  const view = new DataView(reply.buffer);
  if (received.ret < 28 || view.getUint16(4, true) !== RTM_NEWROUTE) return -1;
  return reply[16 + 7]!;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits until the kernel delivers packets for the local address locally. For IPv6 that is not
 * immediate even with IFA_F_NODAD: the address leaves the tentative state, and gets its local
 * route, in addrconf's DAD work, which runs on a workqueue after RTM_NEWADDR has returned. A
 * packet injected in between is dropped (Ip6InAddrErrors).
 */
function waitLocal(fd: number, config: NetConfig, family: number): void {
  const local = addressToBytes(config.localIp);
  const deadline = Date.now() + 2000;
  for (let seq = 100; routeType(fd, family, local, seq) !== RTN_LOCAL; seq++) {
    if (Date.now() > deadline) throw new NetlinkError(`${config.localIp} did not become local within 2 s`);
    Atomics.wait(pause, 0, 0, 0.2);
  }
}

/** lo up; tun0's MTU, up, address and the host route to the remote address. */
export function configureNetwork(config: NetConfig, ifindex: number): void {
  const control = call(() => libc().socket(AF_INET, SOCK_DGRAM_CLOEXEC, 0));
  ok("socket(AF_INET) for ioctls", control);
  try {
    linkUp(control.ret, "lo", undefined);
    linkUp(control.ret, config.device, config.mtu);
  } finally {
    libc().close(control.ret);
  }
  const nl = call(() => libc().socket(AF_NETLINK, SOCK_RAW_CLOEXEC, NETLINK_ROUTE));
  ok("socket(AF_NETLINK)", nl);
  try {
    const timeout = new BigInt64Array([1n, 0n]);
    libc().setsockopt(nl.ret, SOL_SOCKET, SO_RCVTIMEO, new Uint8Array(timeout.buffer), 16);
    const family = config.wireVersion === 4 ? AF_INET : AF_INET6;
    const local = addressToBytes(config.localIp);
    const ifa = new Uint8Array(8);
    ifa[0] = family;
    ifa[1] = config.prefixLength;
    ifa[2] = config.wireVersion === 6 ? IFA_F_NODAD : 0;
    ifa[3] = RT_SCOPE_UNIVERSE;
    new DataView(ifa.buffer).setUint32(4, ifindex, true);
    const addr = new Message(RTM_NEWADDR, ifa).attr(IFA_LOCAL, local).attr(IFA_ADDRESS, local);
    if (config.wireVersion === 6) addr.attr(IFA_FLAGS, u32(IFA_F_NODAD));
    transact(nl.ret, `add address ${config.localIp}/${config.prefixLength}`, addr, 1);
    const rtm = new Uint8Array(12);
    rtm[0] = family;
    rtm[1] = config.wireVersion === 4 ? 32 : 128;
    rtm[4] = RT_TABLE_MAIN;
    rtm[5] = RTPROT_BOOT;
    rtm[6] = RT_SCOPE_UNIVERSE;
    rtm[7] = RTN_UNICAST;
    const route = new Message(RTM_NEWROUTE, rtm)
      .attr(RTA_DST, addressToBytes(config.remoteIp))
      .attr(RTA_GATEWAY, addressToBytes(config.gatewayIp))
      .attr(RTA_OIF, u32(ifindex));
    transact(nl.ret, `add route to ${config.remoteIp} via ${config.gatewayIp}`, route, 2);
    waitLocal(nl.ret, config, family);
  } finally {
    libc().close(nl.ret);
  }
}
