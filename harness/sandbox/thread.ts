/**
 * The main thread's handle on a syscall thread: start it, send requests, get replies, stop it.
 *
 * Starting a Node worker costs ~20 ms (isolate + bootstrap), most of a sandbox's setup, so one
 * spare thread is started ahead of time (in the host namespace, idle; it only unshares when a
 * sandbox takes it) and replaced in the background whenever one is taken.
 *
 * A thread is unref'd while idle, so an idle sandbox never keeps the process alive, and ref'd
 * while a request is outstanding, so awaiting a blocked accept() does.
 */
import { Worker } from "node:worker_threads";
import * as path from "node:path";
import type { ThreadReply, ThreadRequest } from "./protocol";

type Pending = { resolve: (reply: ThreadReply) => void; reject: (error: Error) => void };
type Outgoing = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** A request that could not complete because the thread died or was stopped. */
export class ThreadGoneError extends Error {
  readonly code = "ETHREAD";

  constructor(message: string) {
    super(message);
    this.name = "ThreadGoneError";
  }
}

function workerScript(): { script: string; eval: boolean } {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `thread-main${ext}`);
  if (ext !== ".ts") return { script: entry, eval: false };
  // Running from TypeScript sources (tests, a git checkout): the worker needs the same loader.
  let loader: string;
  try {
    loader = require.resolve("tsx/cjs");
  } catch {
    loader = require.resolve("ts-node/register/transpile-only");
  }
  return { script: `require(${JSON.stringify(loader)}); require(${JSON.stringify(entry)});`, eval: true };
}

export class SyscallThread {
  readonly worker: Worker;
  /** Resolves once the thread has loaded koffi and can take requests. */
  readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone: Error | undefined;
  private readonly exitPromise: Promise<void>;
  private failReady: (e: Error) => void = () => {};

  constructor() {
    const { script, eval: isEval } = workerScript();
    this.worker = new Worker(script, { eval: isEval, stdout: false, stderr: false });
    let markReady: () => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      this.failReady = reject;
    });
    // A thread that never becomes ready must not produce an unhandled rejection by itself.
    this.ready.catch(() => {});
    this.worker.on("message", (message: ThreadReply) => {
      if (message.kind === "ready") {
        markReady();
        return;
      }
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) this.worker.unref();
      waiter.resolve(message);
    });
    this.worker.on("error", (error) => this.fail(error));
    this.exitPromise = new Promise<void>((resolve) => {
      this.worker.once("exit", (code) => {
        this.fail(new ThreadGoneError(`syscall thread exited (code ${code})`));
        resolve();
      });
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }

  private fail(error: Error): void {
    if (this.gone === undefined) this.gone = error;
    this.failReady(error);
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  /** Waits (keeping the process alive meanwhile) until the thread can take requests. */
  async waitReady(timeoutMs: number): Promise<void> {
    this.worker.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new ThreadGoneError(`syscall thread did not start within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (this.pending.size === 0) this.worker.unref();
    }
  }

  get alive(): boolean {
    return this.gone === undefined;
  }

  /** Requests sent and not yet answered (a blocked syscall counts until it returns). */
  get outstanding(): number {
    return this.pending.size;
  }

  send(request: Outgoing): Promise<ThreadReply> {
    if (this.gone !== undefined) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<ThreadReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...request, id } as ThreadRequest);
    });
  }

  /** Stops the thread; resolves true when it has exited within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<boolean> {
    if (this.gone === undefined) this.fail(new ThreadGoneError("syscall thread stopped"));
    const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    void this.worker.terminate().catch(() => undefined);
    return Promise.race([this.exitPromise.then(() => true), timer]);
  }
}

let spare: SyscallThread | undefined;
let prewarm = true;

/** Whether a spare thread is kept started (default true). Turning it off stops the spare. */
export function setThreadPrewarm(enabled: boolean): void {
  prewarm = enabled;
  if (!enabled && spare !== undefined) {
    const idle = spare;
    spare = undefined;
    void idle.stop(1000);
  }
}

/** A started thread for a new sandbox: the spare if there is one; then a new spare is started. */
export function takeThread(): SyscallThread {
  const thread = spare !== undefined && spare.alive ? spare : new SyscallThread();
  spare = undefined;
  if (prewarm) spare = new SyscallThread();
  return thread;
}

/** Stops the spare thread, if any (it is idle and in the host namespace; nothing else to undo). */
export async function stopSpareThread(): Promise<void> {
  const idle = spare;
  spare = undefined;
  if (idle !== undefined) await idle.stop(1000);
}
