/**
 * The Node backend: libc through koffi. koffi.errno() must be read right after the call it
 * belongs to (libc.ts `call()` does that); koffi pins only top-level arguments, hence NativeArena
 * for pointers stored inside structs.
 */
import koffi from "koffi";
import { PROTOTYPES, type FdWatch, type FfiBackend, type Libc } from "./libc-api";

let bound: Libc | undefined;

function libc(): Libc {
  if (bound === undefined) {
    const lib = koffi.load("libc.so.6");
    const table: Record<string, unknown> = {};
    for (const [name, prototype] of Object.entries(PROTOTYPES)) table[name] = lib.func(prototype);
    bound = table as unknown as Libc;
  }
  return bound;
}

type AsyncClose = { async: (fd: number, cb: (err: unknown, ret: number) => void) => void };

export const koffiBackend: FfiBackend = {
  name: "koffi",
  libc,
  errno: () => koffi.errno(),
  setErrno: (value) => {
    koffi.errno(value);
  },
  // One of koffi's async pool threads, created by the first such call (index.ts starts it from
  // the main thread, in the host namespace).
  closeInBackground(fd) {
    const close = (libc() as unknown as { close: AsyncClose }).close;
    return new Promise((resolve) => close.async(fd, (err, ret) => resolve(err ? -1 : ret)));
  },
  alloc(length) {
    const ptr = koffi.alloc("uint8_t", length) as unknown as bigint;
    return { ptr, buffer: koffi.view(ptr, length) };
  },
  free(ptr) {
    koffi.free(ptr);
  },
  // libuv polls the descriptor on the main loop. The handle is returned to be kept: a collected
  // handle stops delivering.
  watchReadable(fd, onReadable): FdWatch {
    const handle = koffi.node.poll(fd, { readable: true }, onReadable);
    return { unref: () => handle.unref(), close: () => handle.close() };
  },
};
