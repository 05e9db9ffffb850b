/**
 * Turning evaluated script values into C arguments, with errors that name the argument.
 *
 * Conventions (documented for the runner in harness/sys/index.ts):
 * - integers: number, bigint, or a constant name / flags expression ("O_RDWR|O_NONBLOCK");
 * - input buffers: Uint8Array (padded with zeros to the count), `...` (zeros), null (NULL);
 * - output buffers: always allocated by the layer at the requested size; never written into the
 *   caller's array, so a short array cannot be overrun;
 * - sockaddr: {family, port, addr}; lengths: number, or `...`/absent for "the natural size".
 */
import { resolveConstant, resolveFlags } from "../constants";
import { decodeSockaddr, encodeSockaddr, SOCKADDR_STORAGE_SIZE } from "../structs/sockaddr";
import { isEllipsis, SyscallArgumentError, type SysValue } from "../types";

/**
 * The zeros behind `...` input bytes (packetdrill writes from a zeroed buffer). Shared: the kernel
 * only reads input bytes, and this module never hands them out as an output buffer. A fresh
 * 150 KB array per write(..., 150000) took 0.1-0.2 ms between the request and the call.
 */
let zeros = new Uint8Array(64 * 1024);
function sharedZeros(count: number): Uint8Array {
  if (count > zeros.length) zeros = new Uint8Array(Math.max(count, 2 * zeros.length));
  return zeros.subarray(0, count);
}

export class Args {
  readonly syscall: string;
  private readonly values: readonly SysValue[];

  constructor(syscall: string, values: readonly SysValue[]) {
    this.syscall = syscall;
    this.values = values;
  }

  get length(): number {
    return this.values.length;
  }

  raw(i: number): SysValue | undefined {
    return this.values[i];
  }

  fail(i: number, message: string): never {
    throw new SyscallArgumentError(this.syscall, i, message);
  }

  /** Absent, or the script's `...`. */
  isOpen(i: number): boolean {
    const v = this.values[i];
    return v === undefined || isEllipsis(v);
  }

  int(i: number, fallback?: number): number {
    const v = this.values[i];
    if (v === undefined || isEllipsis(v)) {
      if (fallback !== undefined) return fallback;
      return this.fail(i, "a value is required here");
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return this.fail(i, `not a finite number: ${v}`);
      return v;
    }
    if (typeof v === "bigint") return Number(v);
    if (typeof v === "string") {
      const known = resolveConstant(v);
      if (known !== undefined) return known;
      try {
        return resolveFlags(v);
      } catch (e) {
        return this.fail(i, (e as Error).message);
      }
    }
    if (Array.isArray(v) && v.length === 1) return new Args(this.syscall, v as readonly SysValue[]).int(0);
    return this.fail(i, `expected an integer, got ${describe(v)}`);
  }

  string(i: number): string {
    const v = this.values[i];
    if (typeof v === "string") return v;
    return this.fail(i, `expected a string, got ${describe(v)}`);
  }

  /**
   * Bytes to hand to the kernel: `count` bytes (default: the array's length), taken from a
   * Uint8Array and zero-padded, or zeros for `...`. null means a NULL pointer.
   */
  inputBytes(i: number, count?: number): Uint8Array | null {
    const v = this.values[i];
    if (isNullPointer(v)) return null;
    if (v instanceof Uint8Array) {
      if (count === undefined || count <= v.length) return count === undefined ? v : v.subarray(0, count);
      const padded = new Uint8Array(count);
      padded.set(v);
      return padded;
    }
    if (typeof v === "string") {
      const text = scriptStringBytes(v);
      return this.padTo(text, count);
    }
    if (v === undefined || isEllipsis(v)) return sharedZeros(count ?? 0);
    return this.fail(i, `expected bytes, null or ..., got ${describe(v)}`);
  }

  private padTo(bytes: Uint8Array, count: number | undefined): Uint8Array {
    if (count === undefined || count === bytes.length) return bytes;
    const out = new Uint8Array(count);
    out.set(bytes.subarray(0, Math.min(count, bytes.length)));
    return out;
  }

  /** An output buffer of `count` bytes, or null when the script passed NULL. */
  outputBuffer(i: number, count: number): Uint8Array | null {
    if (isNullPointer(this.values[i])) return null;
    if (!Number.isInteger(count) || count < 0 || count > 1 << 30) return this.fail(i, `bad length ${count}`);
    return new Uint8Array(count);
  }

  /** A sockaddr to pass in, with its length (explicit `lenIndex` wins over the encoded size). */
  sockaddrIn(i: number, lenIndex: number): { addr: Uint8Array | null; len: number } {
    const v = this.values[i];
    if (v === null) return { addr: null, len: this.int(lenIndex, 0) };
    if (v === undefined || isEllipsis(v)) {
      return this.fail(i, "needs a concrete address (the runner maps `...` to the live address)");
    }
    let addr: Uint8Array;
    try {
      addr = v instanceof Uint8Array ? v : encodeSockaddr(v);
    } catch (e) {
      return this.fail(i, (e as Error).message);
    }
    return { addr, len: this.int(lenIndex, addr.length) };
  }

  /**
   * Space for a sockaddr the kernel fills in (accept, recvfrom, getsockname): null when the
   * script passed NULL, otherwise a sockaddr_storage and an in/out length word.
   */
  sockaddrOut(i: number, lenIndex: number): SockaddrOut {
    if (this.values[i] === null) return new SockaddrOut(null, this.values[lenIndex] === null ? null : 0);
    const len = this.values[lenIndex] === null ? null : this.int(lenIndex, SOCKADDR_STORAGE_SIZE);
    return new SockaddrOut(new Uint8Array(Math.max(SOCKADDR_STORAGE_SIZE, len ?? 0)), len);
  }
}

export class SockaddrOut {
  readonly buffer: Uint8Array | null;
  readonly lenWord: Uint32Array | null;

  constructor(buffer: Uint8Array | null, len: number | null) {
    this.buffer = buffer;
    this.lenWord = len === null ? null : new Uint32Array([len]);
  }

  /** The returned address (null when none was asked for) and length. */
  result(): { addr: SysValue; len: SysValue } {
    const len = this.lenWord === null ? null : this.lenWord[0]!;
    const addr = this.buffer === null || len === null ? null : decodeSockaddr(this.buffer, len);
    return { addr, len };
  }
}

/**
 * The bytes of a script string literal. The parser decodes `\xHH` and octal escapes to one
 * character per byte value (lib/script/strings.ts), so characters up to 0xff are bytes
 * (packetdrill strings are C byte strings: "\xf7\x63" is 2 bytes, not UTF-8's 3); anything above
 * can only come from literal text and is UTF-8 encoded.
 */
export function scriptStringBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code <= 0xff) out.push(code);
    else out.push(...new TextEncoder().encode(ch));
  }
  return new Uint8Array(out);
}

/**
 * NULL as a script writes it: `null`, or the integer 0 that packetdrill's NULL symbol evaluates
 * to (run_system_call.c buffer_arg: a buffer argument is `...` or 0).
 */
export function isNullPointer(v: SysValue | undefined): boolean {
  return v === null || v === 0 || v === 0n;
}

export function describe(v: SysValue | undefined): string {
  if (v === undefined) return "nothing";
  if (v === null) return "NULL";
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return isEllipsis(v) ? "..." : "a struct";
  return `${typeof v} ${String(v)}`;
}
