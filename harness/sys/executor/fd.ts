/** File-descriptor syscalls: open, close, read/write(v), fcntl, ioctl, pipe, splice, sendfile, dup. */
import { IOCTL } from "../constants";
import { libc, NativeArena } from "../libc";
import { decodeTimePair } from "../structs/basic";
import { buildIovecs } from "../structs/msghdr";
import { isEllipsis, type SysValue } from "../types";
import { isNullPointer, type Args } from "./args";
import { forgetDescriptor, kernelFdFlags, visibleFdFlags } from "./cloexec";
import { created, type CallTimer, type Effect, type Handler } from "./handler";

const O_CLOEXEC = 0o2000000;

function open(a: Args, t: CallTimer): Effect {
  const path = a.string(0);
  const flags = a.int(1);
  const mode = a.isOpen(2) ? undefined : a.int(2);
  const kernelFlags = flags | O_CLOEXEC;
  const r = t.run(() => (mode === undefined ? libc().open(path, kernelFlags) : libc().open(path, kernelFlags, "int", mode)));
  return created(r, [r.ret], (flags & O_CLOEXEC) !== 0);
}

function close(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const r = t.run(() => libc().close(fd));
  // Linux releases the descriptor even when close() reports EINTR or EIO; only EBADF keeps nothing.
  if (r.ret === 0 || (r.errno !== 0 && r.errno !== 9)) {
    forgetDescriptor(fd);
    return { ...r, closed: [fd] };
  }
  return r;
}

function read(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const count = a.int(2);
  const buf = a.outputBuffer(1, count);
  const r = t.run(() => libc().read(fd, buf, count));
  return r.ret >= 0 && buf !== null ? { ...r, out: { 1: buf.slice(0, r.ret) } } : r;
}

function write(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const count = a.int(2, byteLength(a.raw(1)));
  const buf = a.inputBytes(1, count);
  return t.run(() => libc().write(fd, buf, count));
}

function byteLength(v: SysValue | undefined): number | undefined {
  return v instanceof Uint8Array ? v.length : undefined;
}

function iovList(a: Args, i: number): readonly SysValue[] {
  const v = a.raw(i);
  if (!Array.isArray(v)) return a.fail(i, "expected a list of {iov_base, iov_len}");
  return v as readonly SysValue[];
}

function readv(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const arena = new NativeArena();
  try {
    const iov = buildIovecs(arena, iovList(a, 1));
    const count = a.int(2, iov.count);
    const r = t.run(() => libc().readv(fd, iov.ptr, count));
    if (r.ret < 0) return r;
    let left = r.ret;
    const out = iov.buffers.map((b) => {
      const take = Math.min(left, b.length);
      left -= take;
      return { iov_base: b.bytes.slice(0, take), iov_len: b.length };
    });
    return { ...r, out: { 1: out } };
  } finally {
    arena.release();
  }
}

function writev(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const arena = new NativeArena();
  try {
    const iov = buildIovecs(arena, iovList(a, 1));
    const count = a.int(2, iov.count);
    return t.run(() => libc().writev(fd, iov.ptr, count));
  } finally {
    arena.release();
  }
}

const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_DUPFD_CLOEXEC = 1030;

/** Close-on-exec is always set underneath and hidden from the script (cloexec.ts). */
function fcntl(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const cmd = a.int(1);
  const arg = a.isOpen(2) ? undefined : a.int(2);
  if (cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC) {
    const r = t.run(() => libc().fcntl(fd, F_DUPFD_CLOEXEC, "long", arg ?? 0));
    return created(r, [r.ret], cmd === F_DUPFD_CLOEXEC);
  }
  if (cmd === F_SETFD && arg !== undefined) {
    const r = t.run(() => libc().fcntl(fd, F_SETFD, "long", kernelFdFlags(fd, arg)));
    return r;
  }
  const r = t.run(() => (arg === undefined ? libc().fcntl(fd, cmd) : libc().fcntl(fd, cmd, "long", arg)));
  return cmd === F_GETFD && r.ret >= 0 ? { ...r, ret: visibleFdFlags(fd, r.ret) } : r;
}

/** ioctls whose argument is a struct the kernel fills, by request number. */
const IOCTL_OUT_STRUCT: ReadonlyMap<number, { size: number; decode: (b: Uint8Array) => SysValue }> = new Map([
  [IOCTL["SIOCGSTAMP"]!, { size: 16, decode: (b: Uint8Array): SysValue => decodeTimePair(b, "tv_usec") }],
  [IOCTL["SIOCGSTAMPNS"]!, { size: 16, decode: (b: Uint8Array): SysValue => decodeTimePair(b, "tv_nsec") }],
]);

/**
 * The third argument is a pointer for every socket ioctl: an int (SIOCINQ, SIOCOUTQ, FIONBIO…),
 * given as a number, `[number]` or `...`, reported back in out[2]; a struct the kernel fills
 * (SIOCGSTAMP/NS); or raw bytes (Uint8Array, in/out).
 */
function ioctl(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const request = a.int(1);
  const argValue = a.raw(2);
  if (argValue === null) return t.run(() => libc().ioctl(fd, request, "void *", null));
  const struct = IOCTL_OUT_STRUCT.get(request);
  if (struct !== undefined) {
    const buf = new Uint8Array(struct.size);
    const r = t.run(() => libc().ioctl(fd, request, "void *", buf));
    return r.ret >= 0 ? { ...r, out: { 2: struct.decode(buf) } } : r;
  }
  if (argValue instanceof Uint8Array) {
    const buf = argValue.slice();
    const r = t.run(() => libc().ioctl(fd, request, "void *", buf));
    return r.ret >= 0 ? { ...r, out: { 2: buf } } : r;
  }
  const word = new Int32Array([argValue === undefined || isEllipsis(argValue) ? 0 : a.int(2)]);
  const r = t.run(() => libc().ioctl(fd, request, "void *", word));
  return r.ret >= 0 ? { ...r, out: { 2: word[0]! } } : r;
}

function pipe(a: Args, t: CallTimer): Effect {
  const fds = new Int32Array(2);
  const flags = a.int(1, 0);
  const r = t.run(() => libc().pipe2(fds, flags | O_CLOEXEC));
  if (r.ret !== 0) return r;
  return { ...created(r, [fds[0]!, fds[1]!], (flags & O_CLOEXEC) !== 0), out: { 0: [fds[0]!, fds[1]!] } };
}

/** sendfile's off_t* argument: null/NULL for NULL, otherwise an in/out 64-bit offset (`[n]` or n). */
function offsetPointer(a: Args, i: number): BigInt64Array | null {
  const v = a.raw(i);
  if (v === null) return null;
  return new BigInt64Array([BigInt(a.int(i, 0))]);
}

/**
 * splice's loff_t* arguments. packetdrill passes the script's integer itself as the pointer
 * (run_system_call.c syscall_splice: `(loff_t *) off_in`), so NULL (0) is NULL and any other
 * integer is a raw address (EFAULT, not an offset); `[n]` is tcpdrill's way to pass an in/out
 * offset of n.
 */
function spliceOffset(a: Args, i: number): BigInt64Array | bigint | null {
  const v = a.raw(i);
  if (isNullPointer(v) || v === undefined) return null;
  if (typeof v === "number" || typeof v === "bigint") return BigInt.asUintN(64, BigInt(v));
  return new BigInt64Array([BigInt(a.int(i, 0))]);
}

function splice(a: Args, t: CallTimer): Effect {
  const fdIn = a.int(0);
  const offIn = spliceOffset(a, 1);
  const fdOut = a.int(2);
  const offOut = spliceOffset(a, 3);
  const len = a.int(4);
  const flags = a.int(5, 0);
  const r = t.run(() => libc().splice(fdIn, offIn, fdOut, offOut, len, flags));
  const out: Record<number, SysValue> = {};
  if (offIn instanceof BigInt64Array) out[1] = Number(offIn[0]);
  if (offOut instanceof BigInt64Array) out[3] = Number(offOut[0]);
  return { ...r, out };
}

function sendfile(a: Args, t: CallTimer): Effect {
  const outFd = a.int(0);
  const inFd = a.int(1);
  const offset = offsetPointer(a, 2);
  const count = a.int(3);
  const r = t.run(() => libc().sendfile(outFd, inFd, offset, count));
  return offset !== null ? { ...r, out: { 2: Number(offset[0]) } } : r;
}

/** dup() is F_DUPFD from 0, here with close-on-exec set underneath. */
function dup(a: Args, t: CallTimer): Effect {
  const fd = a.int(0);
  const r = t.run(() => libc().fcntl(fd, F_DUPFD_CLOEXEC, "long", 0));
  return created(r, [r.ret], false);
}

export const FD_HANDLERS: Readonly<Record<string, Handler>> = {
  open, close, read, write, readv, writev, fcntl, ioctl, pipe, pipe2: pipe, splice, sendfile, dup,
};
