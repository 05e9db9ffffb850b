/** Socket data transfer: send, sendto, recv, recvfrom, sendmsg, recvmsg. */
import { timespecSinceEpochNs } from "../clock";
import { SO, SOL } from "../constants";
import { libc, NativeArena } from "../libc";
import { isFields, type Fields } from "../structs/basic";
import { buildMsghdr, readMsghdr } from "../structs/msghdr";
import type { SysValue } from "../types";
import { SockaddrOut, type Args } from "./args";
import type { CallTimer, Effect, Handler } from "./handler";

function lengthOf(v: SysValue | undefined): number | undefined {
  return v instanceof Uint8Array ? v.length : undefined;
}

const MSG_ZEROCOPY = 0x4000000;

/**
 * With MSG_ZEROCOPY the kernel sends from the caller's pages after the call has returned, so
 * the bytes must stay as they were: packetdrill's run_all.py passes --send_omit_free (send
 * buffers are never freed) for that reason. Freed memory is reused by the allocator and would
 * go out as garbage ("incorrect outbound data payload"). Those buffers are native blocks that
 * are never released: a deliberate, small leak per zerocopy send.
 */
const retained: NativeArena[] = [];

/** How many MSG_ZEROCOPY sends have kept their buffers so far (for specs). */
export function keptZerocopyBuffers(): number {
  return retained.length;
}

/** The send buffer as the kernel should see it: pinned JS memory, or a kept native copy for MSG_ZEROCOPY. */
function sendBuffer(buf: Uint8Array | null, flags: number): Uint8Array | bigint | null {
  if (buf === null || (flags & MSG_ZEROCOPY) === 0) return buf;
  const arena = new NativeArena();
  retained.push(arena);
  return arena.copy(buf).ptr;
}

function send(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const len = a.int(2, lengthOf(a.raw(1)));
  const flags = a.int(3, 0);
  const buf = sendBuffer(a.inputBytes(1, len), flags);
  return t.run(() => libc().send(fd, buf, len, flags));
}

/** sendto with a NULL/absent address is send(); `...` is not allowed for the address here. */
function sendto(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const len = a.int(2, lengthOf(a.raw(1)));
  const flags = a.int(3, 0);
  const buf = sendBuffer(a.inputBytes(1, len), flags);
  const dest = a.raw(4) === undefined ? { addr: null, len: 0 } : a.sockaddrIn(4, 5);
  return t.run(() => libc().sendto(fd, buf, len, flags, dest.addr, dest.len));
}

function recv(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const len = a.int(2);
  const buf = a.outputBuffer(1, len);
  const flags = a.int(3, 0);
  const r = t.run(() => libc().recv(fd, buf, len, flags));
  return r.ret >= 0 && buf !== null ? { ...r, out: { 1: buf.slice(0, Math.min(r.ret, len)) } } : r;
}

function recvfrom(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const len = a.int(2);
  const buf = a.outputBuffer(1, len);
  const flags = a.int(3, 0);
  const space = a.raw(4) === undefined ? new SockaddrOut(null, null) : a.sockaddrOut(4, 5);
  const r = t.run(() => libc().recvfrom(fd, buf, len, flags, space.buffer, space.lenWord));
  if (r.ret < 0) return r;
  const { addr, len: addrlen } = space.result();
  return { ...r, out: { 1: buf === null ? null : buf.slice(0, Math.min(r.ret, len)), 4: addr, 5: addrlen } };
}

/**
 * The msghdr scaffolding sendmsg and recvmsg share: native memory for the header and its parts,
 * built from argument 1, released after `call` has read what it needs out of it.
 */
function withMsghdr(a: Args, forReceive: boolean, call: (msg: ReturnType<typeof buildMsghdr>) => Effect, keep = false): Effect {
  const arena = new NativeArena();
  if (keep) retained.push(arena);
  try {
    let msg;
    try {
      msg = buildMsghdr(arena, a.raw(1) ?? null, forReceive);
    } catch (e) {
      return a.fail(1, (e as Error).message);
    }
    return call(msg);
  } finally {
    if (!keep) arena.release();
  }
}

function sendmsg(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const flags = a.int(2, 0);
  return withMsghdr(a, false, (msg) => {
    const header = msg.ptr;
    return t.run(() => libc().sendmsg(fd, header, flags));
  }, (flags & MSG_ZEROCOPY) !== 0);
}

function recvmsg(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const flags = a.int(2, 0);
  return withMsghdr(a, true, (msg) => {
    const header = msg.ptr;
    const r = t.run(() => libc().recvmsg(fd, header, flags));
    // Read everything out of native memory before the arena is released.
    return r.ret >= 0 ? { ...r, out: { 1: withEpochTimes(readMsghdr(msg, r.ret), t.epochNs) } } : r;
  });
}

/**
 * SCM_TIMESTAMPING's timespecs are CLOCK_REALTIME instants; each non-zero one also gets
 * `since_epoch_us`, on the clock of the call's own start/end times, so the runner can compare it
 * with script times (packetdrill: scm_timestamping_expect_eq).
 */
function withEpochTimes(msg: Fields, epochNs: bigint): Fields {
  const control = msg["msg_control"];
  if (!Array.isArray(control)) return msg;
  const mapped = (control as readonly SysValue[]).map((c) => {
    if (!isFields(c) || c["cmsg_level"] !== SOL["SOL_SOCKET"] || c["cmsg_type"] !== SO["SCM_TIMESTAMPING"] || !Array.isArray(c["cmsg_data"])) return c;
    const stamps = (c["cmsg_data"] as readonly SysValue[]).map((ts) => {
      if (!isFields(ts) || typeof ts["tv_sec"] !== "number" || typeof ts["tv_nsec"] !== "number") return ts;
      if (ts["tv_sec"] === 0 && ts["tv_nsec"] === 0) return ts;
      return { ...ts, since_epoch_us: timespecSinceEpochNs(ts["tv_sec"], ts["tv_nsec"], epochNs) / 1000 };
    });
    return { ...c, cmsg_data: stamps };
  });
  return { ...msg, msg_control: mapped };
}

export const MSG_HANDLERS: Readonly<Record<string, Handler>> = { send, sendto, recv, recvfrom, sendmsg, recvmsg };
