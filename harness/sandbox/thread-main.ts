/**
 * Entry point of a sandbox's syscall thread (a worker_threads Worker). It serves one request at
 * a time, synchronously: a blocking syscall blocks this thread and nothing else, which is
 * packetdrill's syscall-thread model. Until `setup` has moved the thread into its own namespace
 * it refuses to run syscalls, so nothing can land in the host's namespace.
 */
// First, before the other modules load: boot at low priority (thread-priority.ts).
import { lowerOwnPriority, restoreOwnPriority } from "./thread-priority";
lowerOwnPriority();
import { parentPort, workerData } from "node:worker_threads";
import { forgetAllDescriptors } from "../sys/executor/cloexec";
import { onCallStart } from "../sys/executor/handler";
import { executeSyscall } from "../sys/executor/index";
import { call, libc } from "../sys/libc";
import { SyscallArgumentError } from "../sys/types";
import { buildNamespace, returnToHostNamespace, SandboxSetupError, threadNetns } from "./netns";
import type { ThreadReply, ThreadRequest } from "./protocol";
import { destroyTcpSockets } from "./sock-destroy";

const SOL_SOCKET = 1;
const SO_LINGER = 13;
const SO_TYPE = 3;

const port = parentPort;
if (port === null) throw new Error("thread-main.ts must run in a worker thread");

// Publish each call's start (thread.ts: SyscallThread.calls) before it enters the kernel.
const calls = (workerData as { calls?: BigInt64Array } | null)?.calls;
if (calls !== undefined) {
  onCallStart((startNs) => {
    Atomics.store(calls, 1, startNs);
    Atomics.add(calls, 0, 1n);
  });
}

let epochNs: bigint | undefined;
let sandboxNetns: string | undefined;

function reply(message: ThreadReply): void {
  port!.postMessage(message);
}

/** SO_LINGER {1, 0} first, so closing a TCP socket resets it instead of leaving an orphan. */
function closeAbortively(fd: number): void {
  const type = new Int32Array(1);
  const len = new Uint32Array([4]);
  if (libc().getsockopt(fd, SOL_SOCKET, SO_TYPE, type, len) === 0) {
    libc().setsockopt(fd, SOL_SOCKET, SO_LINGER, new Int32Array([1, 0]), 8);
  }
  call(() => libc().close(fd));
}

function handle(request: ThreadRequest): ThreadReply {
  switch (request.op) {
    case "setup": {
      if (sandboxNetns !== undefined) throw new SandboxSetupError("ESETUP", "this thread is already set up");
      if (!restoreOwnPriority()) throw new SandboxSetupError("EPRIORITY", "cannot restore the syscall thread's priority");
      const value = buildNamespace(request.config, request.hostNetns);
      epochNs = request.epochNs;
      sandboxNetns = value.netns;
      return { id: request.id, kind: "setup", value };
    }
    case "syscall": {
      if (epochNs === undefined || sandboxNetns === undefined || threadNetns() !== sandboxNetns) {
        throw new SandboxSetupError("ENOTREADY", "syscalls run only after setup, inside the sandbox's namespace");
      }
      return { id: request.id, kind: "syscall", value: executeSyscall(request.request, epochNs) };
    }
    case "teardown": {
      for (const fd of request.fds) closeAbortively(fd);
      const destroyed = sandboxNetns !== undefined && threadNetns() === sandboxNetns ? destroyTcpSockets() : 0;
      return { id: request.id, kind: "teardown", value: { destroyed } };
    }
    case "recycle": {
      const netns = returnToHostNamespace(request.hostNetns);
      epochNs = undefined;
      sandboxNetns = undefined;
      forgetAllDescriptors();
      lowerOwnPriority();
      return { id: request.id, kind: "recycle", value: { netns } };
    }
  }
}

port.on("message", (request: ThreadRequest) => {
  try {
    reply(handle(request));
  } catch (e) {
    const error = e as Error & { code?: unknown };
    reply({
      id: request.id,
      kind: "error",
      error: {
        code: typeof error.code === "string" ? error.code : "EINTERNAL",
        message: error.message,
        ...(e instanceof SyscallArgumentError ? { syscall: e.syscall, argIndex: e.argIndex } : {}),
      },
    });
  }
});

// Bind libc now (koffi or Deno.dlopen, harness/sys/libc.ts), so the first request does not pay for it.
libc();
reply({ id: 0, kind: "ready" });
