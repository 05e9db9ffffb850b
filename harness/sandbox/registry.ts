/**
 * Every open sandbox of this process, so they can all be torn down on SIGINT/SIGTERM and
 * defused at exit.
 *
 * At 'exit' nothing asynchronous runs any more, so `emergencyStop` only does what is synchronous
 * and enough: wake the syscall threads (Node joins worker threads at exit and would hang on one
 * blocked in a native call) and SIGKILL the commands' processes. Descriptors, threads and the
 * namespaces go with the process.
 */

export interface Closable {
  close(): Promise<unknown>;
  emergencyStop(): void;
}

const live = new Set<Closable>();
let exitHookInstalled = false;

export function register(sandbox: Closable): void {
  live.add(sandbox);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const s of live) s.emergencyStop();
    });
  }
}

export function unregister(sandbox: Closable): void {
  live.delete(sandbox);
}

export function liveSandboxCount(): number {
  return live.size;
}

/** Closes every open sandbox (each close is itself bounded in time). */
export async function closeAllSandboxes(): Promise<void> {
  await Promise.allSettled([...live].map((s) => s.close()));
}

/**
 * On SIGINT/SIGTERM: close every sandbox (at most `graceMs`), then die of the same signal, as
 * the process would have without the handler. Returns a function that removes the handlers.
 */
export function installSignalHandlers(graceMs = 3000): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  const uninstall = (): void => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    let handling = false;
    const handler = (): void => {
      if (handling) return;
      handling = true;
      const deadline = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
      void Promise.race([closeAllSandboxes(), deadline]).then(() => {
        uninstall();
        process.kill(process.pid, signal);
      });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return uninstall;
}
