/**
 * The system-call seam (harness/sys/libc.ts): the backend matches the runtime (koffi under Node,
 * Deno.dlopen under Deno — this spec runs in both suites), every libc prototype can be bound by the
 * Deno backend, errno, native memory and variadic calls behave alike, and the Deno stack-trace
 * mapping decodes source maps correctly.
 */
import { expect } from "chai";
import { call, closeInBackground, ffiName, lastErrno, libc, NativeArena, watchReadable } from "../../../harness/sys/libc";
import { PROTOTYPES } from "../../../harness/sys/libc-api";
import { parsePrototype } from "../../../harness/sys/libc-deno";
import { decodeMappings, mapPosition } from "../../../harness/runtime/deno-stack-traces";

const underDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

describe("harness/sys libc seam", () => {
  it(`uses ${underDeno ? "Deno.dlopen under Deno" : "koffi under Node"} (unless TCPDRILL_FFI says otherwise)`, () => {
    const forced = process.env["TCPDRILL_FFI"];
    expect(ffiName()).to.equal(forced === "koffi" || forced === "deno" ? forced : underDeno ? "deno" : "koffi");
  });

  it("refuses an unknown TCPDRILL_FFI value", () => {
    const saved = process.env["TCPDRILL_FFI"];
    process.env["TCPDRILL_FFI"] = "ctypes";
    try {
      expect(() => ffiName()).to.throw(/koffi or deno/);
    } finally {
      if (saved === undefined) delete process.env["TCPDRILL_FFI"];
      else process.env["TCPDRILL_FFI"] = saved;
    }
  });

  it("the Deno backend can bind every prototype (types, variadics, string results)", () => {
    for (const [name, prototype] of Object.entries(PROTOTYPES)) {
      expect(() => parsePrototype(prototype), name).to.not.throw();
    }
    expect(parsePrototype(PROTOTYPES.open)).to.deep.equal({ result: "int", params: ["string", "int"], variadic: true });
    expect(parsePrototype(PROTOTYPES.strerror)).to.deep.equal({ result: "string", params: ["int"], variadic: false });
    expect(parsePrototype(PROTOTYPES.sendto).params).to.deep.equal(["int", "pointer", "size", "int", "pointer", "unsigned"]);
    expect(parsePrototype(PROTOTYPES.getpid)).to.deep.equal({ result: "int", params: [], variadic: false });
    expect(() => parsePrototype("double sqrt(double x)")).to.throw(/no Deno FFI type/);
  });

  it("captures errno right after a failing call, 0 after a successful one", () => {
    expect(call(() => libc().close(-1))).to.deep.equal({ ret: -1, errno: 9 });
    expect(lastErrno()).to.equal(9);
    expect(call(() => libc().getpid())).to.deep.equal({ ret: process.pid, errno: 0 });
    expect(libc().strerror(2)).to.equal("No such file or directory");
    expect(call(() => libc().open("/nonexistent/tcpdrill", 0))).to.deep.equal({ ret: -1, errno: 2 });
  });

  it("passes variadic arguments (fcntl long, ioctl pointer) and native pointers inside structs", () => {
    const fds = new Int32Array(2);
    expect(libc().pipe2(fds, 0o2000000)).to.equal(0);
    const [r, w] = [fds[0]!, fds[1]!];
    try {
      expect(libc().fcntl(r, 1) & 1, "F_GETFD has FD_CLOEXEC").to.equal(1);
      expect(libc().fcntl(r, 2, "long", 0)).to.equal(0);
      expect(libc().fcntl(r, 1)).to.equal(0);
      // writev through an iovec array in native memory pointing at two native blocks.
      const arena = new NativeArena();
      try {
        const a = arena.copy(new Uint8Array([1, 2, 3]));
        const b = arena.copy(new Uint8Array([4, 5]));
        const iov = arena.alloc(32);
        iov.view.setBigUint64(0, a.ptr, true);
        iov.view.setBigUint64(8, 3n, true);
        iov.view.setBigUint64(16, b.ptr, true);
        iov.view.setBigUint64(24, 2n, true);
        expect(libc().writev(w, iov.ptr, 2)).to.equal(5);
      } finally {
        arena.release();
      }
      const pending = new Int32Array(1);
      expect(libc().ioctl(r, 0x541b, "void *", pending)).to.equal(0); // FIONREAD
      expect(pending[0]).to.equal(5);
      const buf = new Uint8Array(8);
      expect(libc().read(r, buf.subarray(1), 5)).to.equal(5);
      expect([...buf]).to.deep.equal([0, 1, 2, 3, 4, 5, 0, 0]);
    } finally {
      libc().close(r);
      libc().close(w);
    }
  });

  it("closes in the background and watches a descriptor for readability", async () => {
    const fds = new Int32Array(2);
    expect(libc().pipe2(fds, 0o2000000 | 0o4000)).to.equal(0);
    const [r, w] = [fds[0]!, fds[1]!];
    let reads = 0;
    const watch = watchReadable(r, () => {
      const buf = new Uint8Array(16);
      while (libc().read(r, buf, buf.length) > 0) reads++;
    });
    try {
      for (const byte of [1, 2]) {
        libc().write(w, new Uint8Array([byte]), 1);
        const until = Date.now() + 2000;
        while (reads < byte && Date.now() < until) await new Promise((res) => setTimeout(res, 2));
        expect(reads, `readiness event ${byte} (a watch must fire again after the first)`).to.equal(byte);
      }
    } finally {
      watch.close();
    }
    expect(await closeInBackground(r)).to.equal(0);
    expect(await closeInBackground(w)).to.equal(0);
    expect(await closeInBackground(-1)).to.equal(-1);
  });

  it("source maps: decodes VLQ mappings and maps a generated position to the source", () => {
    // Line 1: col 0 → src 0:0, col 4 → src 0:2; line 2 (after ';'): col 2 → src 1:0.
    const lines = decodeMappings("AAAA,IAAE;EACF");
    expect(lines).to.deep.equal([
      [
        [0, 0, 0],
        [4, 0, 2],
      ],
      [[2, 1, 0]],
    ]);
    expect(mapPosition(lines, 1, 6)).to.deep.equal({ line: 1, col: 3 });
    expect(mapPosition(lines, 2, 3)).to.deep.equal({ line: 2, col: 1 });
    expect(mapPosition(lines, 3, 1)).to.equal(undefined);
  });

  it("stack traces name this file's TypeScript lines (Deno: through the installed mapping)", () => {
    const line = Number(/libc-seam\.spec\.ts:(\d+):\d+/.exec(new Error("here").stack ?? "")?.[1]);
    expect(line).to.equal(125);
  });
});
