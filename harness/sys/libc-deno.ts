/**
 * The Deno backend: libc through Deno's own FFI (Deno.dlopen), bound from the same C prototypes
 * as the koffi backend (libc-api.ts).
 *
 * - Every call is synchronous: errno is read through __errno_location() on the calling thread,
 *   which is only meaningful for a call that ran on that thread. Blocking syscalls therefore run
 *   synchronously on the sandbox's syscall thread (a Worker), exactly as under Node.
 * - Variadic functions are bound with one fixed 64-bit trailing argument: on x86_64 a variadic
 *   integer or pointer argument travels in the same register as a fixed one, and glibc's open,
 *   fcntl and ioctl read it with va_arg as such (their %al vector count is never consulted).
 * - The only background call is close() (`nonblocking`, on Deno's blocking pool, whose threads
 *   the main thread creates, in the host namespace).
 * - Deno has no descriptor-readiness API for foreign descriptors, so watchReadable() polls: a
 *   non-blocking read attempt every millisecond, on an unref'd timer. That is what the capture
 *   already does while a packet is awaited; timestamps come from the kernel, not from the poll.
 */
import { PROTOTYPES, type FdWatch, type FfiBackend, type Libc } from "./libc-api";

type PointerValue = object | null;
type NativeType = "i32" | "u32" | "i64" | "isize" | "usize" | "pointer";
type SymbolSpec = { name?: string; parameters: NativeType[]; result: NativeType | "void"; nonblocking?: boolean };
type NativeFunction = (...args: unknown[]) => unknown;

/** The part of the `Deno` global used here (the project is type-checked without Deno's types). */
interface DenoFfi {
  dlopen(path: string, symbols: Record<string, SymbolSpec>): { symbols: Record<string, NativeFunction> };
  UnsafePointer: {
    of(value: ArrayBufferView): PointerValue;
    create(address: bigint): PointerValue;
    value(pointer: PointerValue): bigint | number;
  };
  UnsafePointerView: {
    getArrayBuffer(pointer: object, length: number, offset?: number): ArrayBuffer;
    getCString(pointer: object, offset?: number): string;
  };
}

function deno(): DenoFfi {
  const value = (globalThis as { Deno?: DenoFfi }).Deno;
  if (value === undefined || typeof value.dlopen !== "function") throw new Error("TCPDRILL_FFI=deno needs Deno (Deno.dlopen)");
  return value;
}

type CType = "int" | "unsigned" | "long" | "size" | "uintptr" | "pointer" | "string";

const C_TYPES: Readonly<Record<string, CType>> = {
  int: "int",
  "unsigned int": "unsigned",
  uint32_t: "unsigned",
  long: "long",
  "unsigned long": "size",
  size_t: "size",
  uintptr_t: "uintptr",
  "void *": "pointer",
  "const char *": "string",
};

const NATIVE: Readonly<Record<CType, NativeType>> = {
  int: "i32",
  unsigned: "u32",
  long: "isize",
  size: "usize",
  uintptr: "usize",
  pointer: "pointer",
  string: "pointer",
};

/** "const char *strerror(int errnum)" → its return type, parameter types, variadic flag. */
export function parsePrototype(prototype: string): { result: CType; params: CType[]; variadic: boolean } {
  const match = /^(.*?)\s*\b(\w+)\((.*)\)$/.exec(prototype.trim());
  if (match === null) throw new Error(`cannot parse prototype ${prototype}`);
  const cType = (text: string): CType => {
    const normal = text.trim().replace(/\s*\*$/, " *");
    const known = C_TYPES[normal];
    if (known === undefined) throw new Error(`no Deno FFI type for "${text}" in ${prototype}`);
    return known;
  };
  const params: CType[] = [];
  let variadic = false;
  for (const raw of match[3]!.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    if (raw === "...") {
      variadic = true;
      continue;
    }
    // The parameter's name is the last word; what precedes it (with any '*') is the type.
    params.push(cType(raw.replace(/\s*\b\w+$/, "")));
  }
  return { result: cType(match[1]!), params, variadic };
}

const encoder = new TextEncoder();

function cString(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, bytes);
  return bytes.subarray(0, written + 1);
}

function pointer(d: DenoFfi, value: unknown): PointerValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value === 0n ? null : d.UnsafePointer.create(value);
  if (typeof value === "number") return value === 0 ? null : d.UnsafePointer.create(BigInt(value));
  if (ArrayBuffer.isView(value)) return d.UnsafePointer.of(value);
  throw new TypeError(`cannot pass ${typeof value} as a pointer`);
}

/** A variadic argument as a 64-bit word (the x86_64 register it travels in). */
function word(d: DenoFfi, value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  if (value === null || value === undefined) return 0n;
  const p = pointer(d, value);
  return p === null ? 0n : BigInt(d.UnsafePointer.value(p));
}

function argument(d: DenoFfi, type: CType, value: unknown): unknown {
  switch (type) {
    case "pointer":
      return pointer(d, value);
    case "string":
      return typeof value === "string" ? d.UnsafePointer.of(cString(value)) : pointer(d, value);
    case "long":
    case "size":
    case "uintptr":
      return typeof value === "bigint" ? value : BigInt(value as number);
    case "int":
    case "unsigned":
      return typeof value === "bigint" ? Number(value) : value;
  }
}

function wrap(d: DenoFfi, native: NativeFunction, params: readonly CType[], variadic: boolean, result: CType): (...args: unknown[]) => unknown {
  const convert = (args: unknown[]): unknown[] => {
    const out = params.map((type, i) => argument(d, type, args[i]));
    // Variadic arguments come as (C type name, value) pairs; one is bound (see the top).
    if (variadic) out.push(word(d, args[params.length + 1]));
    return out;
  };
  switch (result) {
    case "string":
      return (...args) => {
        const p = native(...convert(args)) as PointerValue;
        return p === null ? "" : d.UnsafePointerView.getCString(p);
      };
    case "long":
    case "size":
      return (...args) => Number(native(...convert(args)) as bigint | number);
    case "uintptr":
      return (...args) => BigInt(native(...convert(args)) as bigint | number);
    case "pointer":
      return (...args) => {
        const p = native(...convert(args)) as PointerValue;
        return p === null ? 0n : BigInt(d.UnsafePointer.value(p));
      };
    case "int":
    case "unsigned":
      return (...args) => native(...convert(args));
  }
}

interface Bound {
  libc: Libc;
  errnoWord: Int32Array;
  malloc: NativeFunction;
  free: NativeFunction;
  closeNonblocking: NativeFunction;
}

let bound: Bound | undefined;

function bind(): Bound {
  if (bound !== undefined) return bound;
  const d = deno();
  const specs: Record<string, SymbolSpec> = {
    __errno_location: { parameters: [], result: "pointer" },
    malloc: { parameters: ["usize"], result: "pointer" },
    free: { parameters: ["pointer"], result: "void" },
    close_nonblocking: { name: "close", parameters: ["i32"], result: "i32", nonblocking: true },
  };
  const parsed = new Map<string, ReturnType<typeof parsePrototype>>();
  for (const [name, prototype] of Object.entries(PROTOTYPES)) {
    const p = parsePrototype(prototype);
    parsed.set(name, p);
    const parameters = p.params.map((t) => NATIVE[t]);
    if (p.variadic) parameters.push("i64");
    specs[name] = { parameters, result: NATIVE[p.result] };
  }
  const { symbols } = d.dlopen("libc.so.6", specs);
  const table: Record<string, unknown> = {};
  for (const [name, p] of parsed) table[name] = wrap(d, symbols[name]!, p.params, p.variadic, p.result);
  const errnoPointer = symbols["__errno_location"]!() as PointerValue;
  if (errnoPointer === null) throw new Error("__errno_location() returned NULL");
  bound = {
    libc: table as unknown as Libc,
    // errno is thread-local: this address belongs to the calling thread, like this module instance.
    errnoWord: new Int32Array(d.UnsafePointerView.getArrayBuffer(errnoPointer, 4)),
    malloc: symbols["malloc"]!,
    free: symbols["free"]!,
    closeNonblocking: symbols["close_nonblocking"]!,
  };
  return bound;
}

const POLL_INTERVAL_MS = 1;

export const denoBackend: FfiBackend = {
  name: "deno",
  libc: () => bind().libc,
  errno: () => bind().errnoWord[0]!,
  setErrno: (value) => {
    bind().errnoWord[0] = value;
  },
  closeInBackground(fd) {
    return (bind().closeNonblocking(fd) as Promise<number>).then(
      (ret) => ret,
      () => -1,
    );
  },
  alloc(length) {
    const d = deno();
    const p = bind().malloc(BigInt(length)) as PointerValue;
    if (p === null) throw new Error(`malloc(${length}) failed`);
    return { ptr: BigInt(d.UnsafePointer.value(p)), buffer: d.UnsafePointerView.getArrayBuffer(p, length) };
  },
  free(ptr) {
    bind().free(deno().UnsafePointer.create(ptr));
  },
  watchReadable(_fd, onReadable): FdWatch {
    let timer: NodeJS.Timeout | undefined = setInterval(onReadable, POLL_INTERVAL_MS);
    return {
      unref: () => timer?.unref(),
      close: () => {
        if (timer !== undefined) clearInterval(timer);
        timer = undefined;
      },
    };
  },
};
