/**
 * The main thread's handle on a syscall thread: start it, send requests, get replies, stop it.
 *
 * Starting a Node worker costs ~20 ms (isolate + bootstrap; more under tsx), more than the rest of
 * a sandbox's setup, so threads are pooled: see `takeThread` / `returnThread`.
 *
 * A thread is unref'd while idle, so an idle sandbox never keeps the process alive, and ref'd
 * while a request is outstanding, so awaiting a blocked accept() does.
 *
 * Requests and replies do not go through the event loops. A worker's postMessage reaches the
 * other side when its event loop next turns, 100–350 µs per call here under load, and a script's
 * `+0` calls then drift milliseconds behind their times (packetdrill's take microseconds). So
 * both sides pass messages on ports nobody listens to and read them with receiveMessageOnPort,
 * and signal each other through a shared counter pair (SIGNAL_*): the thread sleeps in
 * Atomics.wait until a request comes, the main thread looks for the reply between turns of its
 * event loop (other runs keep going) — a non-blocking call is back within tens of microseconds —
 * and past a millisecond waits with Atomics.waitAsync.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import * as path from "node:path";
import type { ThreadReply, ThreadRequest } from "./protocol";
import { yieldToPeers } from "./thread-priority";
import { withDeadline } from "./deadline";

/** Shared Int32 counters: requests posted (main → thread) and replies posted (thread → main). */
export const SIGNAL_REQUESTS = 0;
export const SIGNAL_REPLIES = 1;
/** Set when the thread is to stop: Atomics.wait ignores worker.terminate() until it times out. */
export const SIGNAL_STOP = 2;
/** How long the main thread looks for a reply before waiting asynchronously (ms). */
const REPLY_SPIN_MS = 1;
/** How long it looks without letting the event loop turn: right after posting, then per turn. */
const REPLY_SLICE_MS = 0.03;

/** What the thread gets at start: the call counters, the signal counters and its two ports. */
export interface ThreadData {
  readonly calls: BigInt64Array;
  readonly signal: Int32Array;
  readonly requests: MessagePort;
  readonly replies: MessagePort;
}

/** Atomics.waitAsync (ES2024; Node ≥ 16 and Deno have it, the project's lib setting predates it). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

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
  /**
   * Shared with the thread: [0] counts timed libc calls started, [1] is the realtime ns at which
   * the latest one started (written just before it enters the kernel).
   */
  private readonly calls: BigInt64Array;
  /** Resolves once the thread has bound libc (its FFI) and can take requests. */
  readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone: Error | undefined;
  private readonly exitPromise: Promise<void>;
  private failReady: (e: Error) => void = () => {};
  private readonly signal = new Int32Array(new SharedArrayBuffer(12));
  /** Our ends of the request and reply channels (never started: read with receiveMessageOnPort). */
  private readonly requests: MessagePort;
  private readonly replies: MessagePort;
  private watching = false;

  constructor() {
    const { script, eval: isEval } = workerScript();
    this.calls = new BigInt64Array(new SharedArrayBuffer(16));
    const requests = new MessageChannel();
    const replies = new MessageChannel();
    this.requests = requests.port1;
    this.replies = replies.port1;
    const data: ThreadData = { calls: this.calls, signal: this.signal, requests: requests.port2, replies: replies.port2 };
    this.worker = new Worker(script, { eval: isEval, stdout: false, stderr: false, workerData: data, transferList: [requests.port2, replies.port2] });
    let markReady: () => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      this.failReady = reject;
    });
    // A thread that never becomes ready must not produce an unhandled rejection by itself.
    this.ready.catch(() => {});
    // Only `ready` comes this way; replies come on the reply port.
    this.worker.on("message", (message: ThreadReply) => {
      if (message.kind === "ready") markReady();
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

  /** How many timed calls the thread has started so far. */
  callsStarted(): bigint {
    return Atomics.load(this.calls, 0);
  }

  /** Realtime ns at which the latest call started. */
  lastCallStartNs(): bigint {
    return Atomics.load(this.calls, 1);
  }

  get alive(): boolean {
    return this.gone === undefined;
  }

  /** Requests sent and not yet answered (a blocked syscall counts until it returns). */
  get outstanding(): number {
    return this.pending.size;
  }

  /**
   * Sends a request; the reply resolves the promise. The reply is looked for up to REPLY_SPIN_MS
   * (see poll) unless `spin` is false (a request nobody waits for: a ping).
   */
  send(request: Outgoing, spin = true): Promise<ThreadReply> {
    if (this.gone !== undefined) return Promise.reject(this.gone);
    const id = this.nextId++;
    const reply = new Promise<ThreadReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    this.worker.ref();
    this.requests.postMessage({ ...request, id } as ThreadRequest);
    Atomics.add(this.signal, SIGNAL_REQUESTS, 1);
    Atomics.notify(this.signal, SIGNAL_REQUESTS);
    if (spin) this.look(id, performance.now() + REPLY_SLICE_MS);
    if (!this.pending.has(id)) return reply;
    if (spin) void this.poll(id, performance.now() + REPLY_SPIN_MS);
    else void this.watch();
    return reply;
  }

  /** Drains replies until `id`'s came or `until` (performance.now() ms) passed. */
  private look(id: number, until: number): void {
    for (;;) {
      this.drain();
      if (!this.pending.has(id) || this.gone !== undefined || performance.now() >= until) return;
      yieldToPeers();
    }
  }

  /**
   * Looks for `id`'s reply between event-loop turns until REPLY_SPIN_MS passed, then waits on the
   * signal (watch). The main thread serves every run in progress: a synchronous spin held it
   * for up to a millisecond per call (the whole of it for a call that blocks), and another run's
   * packet or timer waited that long; over the corpus, calls after calls were 1.5 ms late at p90.
   */
  private async poll(id: number, until: number): Promise<void> {
    while (this.pending.has(id) && this.gone === undefined) {
      if (performance.now() >= until) return this.watch();
      await new Promise((r) => setImmediate(r));
      this.look(id, Math.min(until, performance.now() + REPLY_SLICE_MS));
    }
  }

  /**
   * Wakes the thread so that it watches for a request for a couple of milliseconds: a sleeping
   * thread takes 0.1–0.4 ms to wake on this kind of VM, which a call posted soon after need not wait.
   */
  wake(): void {
    Atomics.notify(this.signal, SIGNAL_REQUESTS);
  }

  /**
   * Wakes the thread with a ping (thread-main.ts): it runs the call path once on nothing, so a
   * call posted soon after runs warm. Only when the thread is idle: behind a blocked call the
   * ping would wait, and then delay the next call instead.
   */
  warm(): void {
    if (this.pending.size > 0 || this.gone !== undefined) return this.wake();
    this.send({ op: "ping" }, false).catch(() => undefined);
  }

  /** Delivers every reply that has arrived. */
  private drain(): void {
    for (let m = receiveMessageOnPort(this.replies); m !== undefined; m = receiveMessageOnPort(this.replies)) {
      const message = m.message as ThreadReply;
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) continue;
      this.pending.delete(message.id);
      if (this.pending.size === 0) this.worker.unref();
      waiter.resolve(message);
    }
  }

  /** Waits, without blocking the event loop, for the replies still outstanding (one watcher). */
  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      while (this.pending.size > 0 && this.gone === undefined) {
        const seen = Atomics.load(this.signal, SIGNAL_REPLIES);
        this.drain();
        if (this.pending.size === 0) break;
        // Bounded, so a thread that died without a reply is noticed by the 'exit' handler's fail().
        const wait = waitAsync(this.signal, SIGNAL_REPLIES, seen, 1000);
        if (wait.async) await wait.value;
      }
    } finally {
      this.watching = false;
    }
  }

  /** Stops the thread; resolves true when it has exited within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<boolean> {
    if (this.gone === undefined) this.fail(new ThreadGoneError("syscall thread stopped"));
    // Held while awaited (an idle thread is unref'd): see deadline.ts.
    this.worker.ref();
    void this.worker.terminate().catch(() => undefined);
    Atomics.store(this.signal, SIGNAL_STOP, 1);
    Atomics.notify(this.signal, SIGNAL_REQUESTS);
    return (await withDeadline(this.exitPromise.then(() => true), timeoutMs)) ?? false;
  }
}

/**
 * Idle threads, in the host namespace, ready for the next sandbox. A sandbox's thread comes back
 * here after close (it has left the namespace, see netns.ts returnToHostNamespace), so sandboxes
 * opened one after another reuse one thread and never wait for a boot.
 */
const idle: SyscallThread[] = [];
let pooling = true;
const MAX_IDLE = 4;

/** Whether closed sandboxes' threads are kept for reuse (default true). Off: all idle threads stop. */
export function setThreadPooling(enabled: boolean): void {
  pooling = enabled;
  if (!enabled) void stopIdleThreads();
}

/** Starts threads ahead of time (e.g. while a CLI parses its scripts), up to the pool size. */
export function prewarmThreads(count = 1): void {
  if (!pooling) return;
  while (idle.length < Math.min(count, MAX_IDLE)) idle.push(new SyscallThread());
}

/** A thread for a new sandbox: an idle one if there is one, else a new one. */
export function takeThread(): SyscallThread {
  for (let thread = idle.shift(); thread !== undefined; thread = idle.shift()) {
    if (thread.alive) return thread;
  }
  return new SyscallThread();
}

/** Takes back a thread that has left its sandbox's namespace; false if it was not kept. */
export function returnThread(thread: SyscallThread): boolean {
  if (!pooling || !thread.alive || thread.outstanding > 0 || idle.length >= MAX_IDLE) return false;
  idle.push(thread);
  return true;
}

/** Stops every idle thread (they are in the host namespace and hold nothing). */
export async function stopIdleThreads(): Promise<void> {
  await Promise.all(idle.splice(0).map((thread) => thread.stop(1000)));
}

/** @deprecated Use setThreadPooling. */
export const setThreadPrewarm = setThreadPooling;
/** @deprecated Use stopIdleThreads. */
export const stopSpareThread = stopIdleThreads;
