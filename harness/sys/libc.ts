/**
 * The system-call seam: libc for the rest of tcpdrill, on whichever runtime runs it. Nothing
 * above this file knows the runtime. The backend is chosen once per thread at start-up: Deno's
 * own FFI (Deno.dlopen, libc-deno.ts) under Deno, koffi (libc-koffi.ts) under Node.
 * TCPDRILL_FFI=koffi|deno overrides the choice (koffi also loads under Deno, but its fd poll
 * delivers one event only, so the capture would go deaf; the override is for debugging).
 *
 * Interface and prototypes: libc-api.ts.
 */
import type { FdWatch, FfiBackend, Libc } from "./libc-api";

export type { FdWatch, Libc, Ptr } from "./libc-api";

let chosen: FfiBackend | undefined;

/** "deno" when running under Deno, else "koffi"; TCPDRILL_FFI overrides. */
export function ffiName(): "koffi" | "deno" {
  const forced = process.env["TCPDRILL_FFI"];
  if (forced === "koffi" || forced === "deno") return forced;
  if (forced !== undefined && forced !== "") throw new Error(`TCPDRILL_FFI must be koffi or deno, not ${JSON.stringify(forced)}`);
  return typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "koffi";
}

function backend(): FfiBackend {
  if (chosen === undefined) {
    // Loaded on demand: Node never loads the Deno backend, Deno never loads koffi.
    chosen =
      ffiName() === "deno"
        ? (require("./libc-deno") as typeof import("./libc-deno")).denoBackend
        : (require("./libc-koffi") as typeof import("./libc-koffi")).koffiBackend;
  }
  return chosen;
}

/** The libc bindings of the calling thread. */
export function libc(): Libc {
  return backend().libc();
}

/**
 * close() on a background thread of the host namespace. Closing a TUN descriptor unregisters
 * the device and closing a packet socket waits for an RCU grace period (10-20 ms each); off the
 * event loop they do not stall it, and several run in parallel.
 */
export function closeInBackground(fd: number): Promise<number> {
  return backend().closeInBackground(fd);
}

/** The calling thread's errno, as left by the last libc call. */
export function lastErrno(): number {
  return backend().errno();
}

/** Runs one libc call and captures errno immediately after it (0 when the call succeeded). */
export function call(invoke: () => number | bigint): { ret: number; errno: number } {
  const ffi = backend();
  ffi.setErrno(0);
  const raw = invoke();
  const errno = ffi.errno();
  const ret = typeof raw === "bigint" ? Number(raw) : raw;
  return { ret, errno: ret < 0 ? errno : 0 };
}

/** Calls `onReadable` on this thread's event loop whenever `fd` may be readable. */
export function watchReadable(fd: number, onReadable: () => void): FdWatch {
  return backend().watchReadable(fd, onReadable);
}

/**
 * Native memory whose address can be stored inside other structs (iovec bases, msghdr name and
 * control pointers). JS buffers cannot be used there: an FFI pins only top-level arguments.
 * Free everything with `release()` after the call.
 */
export class NativeArena {
  private readonly blocks: bigint[] = [];

  /** A zeroed native block of `size` bytes, its address, and a view onto it. */
  alloc(size: number): { ptr: bigint; bytes: Uint8Array; view: DataView } {
    const length = Math.max(1, size);
    const ffi = backend();
    const { ptr, buffer } = ffi.alloc(length);
    this.blocks.push(ptr);
    const bytes = new Uint8Array(buffer, 0, length);
    bytes.fill(0);
    return { ptr, bytes, view: new DataView(buffer, 0, length) };
  }

  /** A native copy of `data`. */
  copy(data: Uint8Array): { ptr: bigint; bytes: Uint8Array; view: DataView } {
    const block = this.alloc(data.length);
    block.bytes.set(data);
    return block;
  }

  release(): void {
    const blocks = this.blocks.splice(0);
    if (blocks.length === 0) return;
    const ffi = backend();
    for (const ptr of blocks) ffi.free(ptr);
  }
}
