/** What one syscall family module provides: handlers that marshal, call once, and unmarshal. */
import { realtimeNs } from "../clock";
import { call } from "../libc";
import type { SysValue } from "../types";
import type { Args } from "./args";
import { forgetDescriptor, markImplicitCloexec } from "./cloexec";

export interface Effect {
  readonly ret: number;
  readonly errno: number;
  readonly out?: Readonly<Record<number, SysValue>>;
  readonly opened?: readonly number[];
  readonly closed?: readonly number[];
}

let callStartHook: ((startNs: bigint) => void) | undefined;

/**
 * Called with the start time just before each timed libc call: the syscall thread publishes it
 * so the main thread knows when a blocking call really entered the kernel.
 */
export function onCallStart(hook: ((startNs: bigint) => void) | undefined): void {
  callStartHook = hook;
}

/** Times the one libc call of a handler, so marshalling is not counted as syscall time. */
export class CallTimer {
  startNs = 0n;
  endNs = 0n;
  /** The realtime instant results are reported relative to (executeSyscall's epochNs). */
  readonly epochNs: bigint;
  private ran = false;

  constructor(epochNs = 0n) {
    this.epochNs = epochNs;
  }

  run(invoke: () => number | bigint): { ret: number; errno: number } {
    if (this.ran) throw new Error("a handler must make exactly one timed call");
    this.ran = true;
    this.startNs = realtimeNs();
    callStartHook?.(this.startNs);
    const result = call(invoke);
    this.endNs = realtimeNs();
    return result;
  }

  get used(): boolean {
    return this.ran;
  }
}

export type Handler = (args: Args, timer: CallTimer) => Effect;

/**
 * The effect of a call that created `fds` (when it succeeded) with close-on-exec set by
 * tcpdrill; `requested` says whether the script itself asked for close-on-exec.
 */
export function created(result: { ret: number; errno: number }, fds: readonly number[], requested: boolean): Effect {
  if (result.ret < 0) return result;
  for (const fd of fds) {
    if (requested) forgetDescriptor(fd);
    else markImplicitCloexec(fd);
  }
  return { ...result, opened: fds };
}
