/**
 * Scheduling priority of syscall threads. A spare thread boots (V8 isolate, module loading) at
 * the lowest priority, so that on a small machine it does not steal CPU from a script that is
 * running at that moment (a delayed softirq or event loop shows up as a late packet). A thread
 * goes back to normal priority when it becomes a sandbox's syscall thread.
 *
 * Linux applies setpriority(PRIO_PROCESS, tid) to the one thread.
 */
import { libc } from "../sys/libc";

const PRIO_PROCESS = 0;

export function lowerOwnPriority(): void {
  libc().setpriority(PRIO_PROCESS, libc().gettid(), 19);
}

/** Back to nice 0 (needs CAP_SYS_NICE, which a sandbox's root has); false if refused. */
export function restoreOwnPriority(): boolean {
  return libc().setpriority(PRIO_PROCESS, libc().gettid(), 0) === 0;
}
