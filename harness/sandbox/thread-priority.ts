/**
 * Scheduling priority of syscall threads. A spare thread boots (V8 isolate, module loading) at
 * the lowest priority, so that on a small machine it does not steal CPU from a script that is
 * running at that moment (a delayed softirq or event loop shows up as a late packet). A thread
 * goes back to normal priority when it becomes a sandbox's syscall thread.
 *
 * Linux applies setpriority(PRIO_PROCESS, tid) to the one thread.
 */
import { availableParallelism } from "node:os";
import { libc } from "../sys/libc";

const PRIO_PROCESS = 0;
const SCHED_OTHER = 0;
const SCHED_RR = 2;
/**
 * Processes and threads started from a real-time thread begin at SCHED_OTHER (sched(7)). Without
 * it every command and Python process a script starts inherited SCHED_RR 1: a busy one (Python's
 * start-up is 20-50 ms of CPU) kept its CPU from the syscall threads, whose calls then returned
 * 17-30 ms late (blocking connect() and poll() over the corpus, `-j 2`).
 */
const SCHED_RESET_ON_FORK = 0x40000000;

export function lowerOwnPriority(): void {
  libc().sched_setscheduler(0, SCHED_OTHER, new Int32Array([0]));
  libc().setpriority(PRIO_PROCESS, libc().gettid(), 19);
}

/**
 * The calling thread at the lowest real-time priority (SCHED_RR 1), as packetdrill runs its
 * threads (run.c: set_scheduling_priority): a script's events then are not delayed behind
 * ordinary work. Skipped on a single CPU, where it could starve everything else. Returns
 * whether the thread is now real-time.
 */
export function useRealtimePriority(): boolean {
  if (availableParallelism() <= 1) return false;
  return libc().sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, new Int32Array([1])) === 0;
}

/** Back to the normal policy (SCHED_OTHER). */
export function useNormalPriority(): void {
  libc().sched_setscheduler(0, SCHED_OTHER, new Int32Array([0]));
}

/**
 * Back to nice 0 at SCHED_OTHER (raising needs CAP_SYS_NICE, which a sandbox's root has); false
 * if refused. A thread being set up for a sandbox stays here, not yet real-time: building a
 * namespace is milliseconds of kernel work (unshare(CLONE_NEWNET), links, addresses) plus a major
 * GC, none of it timed, and at SCHED_RR 1 it would keep a CPU from the main thread and another
 * run's syscall thread (SCHED_RR 1 too, and SCHED_RR does not preempt its equal) until it blocked.
 */
export function restoreOwnPriority(): boolean {
  useNormalPriority();
  return libc().setpriority(PRIO_PROCESS, libc().gettid(), 0) === 0;
}

/**
 * Offers this thread's CPU to any other runnable thread of its priority, for the spin loops of
 * the main thread and the syscall threads. They all run at SCHED_RR 1, and SCHED_RR keeps a
 * spinning thread on its CPU until it blocks or its 100 ms slice ends
 * (kernel/sched/rt.c: sched_rr_timeslice): with two runs on two CPUs, the main thread and one run's
 * syscall thread spinning left the other run's syscall thread queued behind them for up to their
 * 2 ms spins (over the corpus, calls were 1.3 ms late at p90 with -j 2, 0.5 ms with -j 1).
 * sched_yield(2) returns at once when nothing else wants the CPU.
 */
export function yieldToPeers(): void {
  libc().sched_yield();
}
