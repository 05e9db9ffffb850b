/** Messages between the main thread and a sandbox's syscall thread (structured-clone data). */
import type { SyscallOutcome, SyscallRequest } from "../sys/types";
import type { NetConfig } from "./config";

/** Main → syscall thread. Every request carries an id; the reply echoes it. */
export type ThreadRequest =
  | { readonly id: number; readonly op: "setup"; readonly config: NetConfig; readonly epochNs: bigint; readonly hostNetns: string }
  /** `atNs` (sandbox clock): posted ahead of its time, the call starts then, not before. */
  | { readonly id: number; readonly op: "syscall"; readonly request: SyscallRequest; readonly atNs?: number }
  /** Calls run back to back, each as soon as the one before returns (a script's `+0` chain). */
  | { readonly id: number; readonly op: "syscalls"; readonly requests: readonly SyscallRequest[]; readonly atNs?: number }
  | { readonly id: number; readonly op: "teardown"; readonly fds: readonly number[] }
  /** A call is coming: run the call path once on nothing, so the real one finds it warm. */
  | { readonly id: number; readonly op: "ping" }
  /** After teardown: leave the namespace (back to the host's) and forget the sandbox. */
  | { readonly id: number; readonly op: "recycle"; readonly hostNetns: string };

export interface SetupReply {
  readonly pid: number;
  readonly tid: number;
  /** readlink of the thread's /proc/thread-self/ns/net, e.g. "net:[4026532177]". */
  readonly netns: string;
  readonly tunFd: number;
  readonly captureFd: number;
  /** An O_RDONLY descriptor of the namespace itself (/proc/thread-self/ns/net). */
  readonly nsFd: number;
  /** A NETLINK_SOCK_DIAG socket in the namespace (-1 if it could not be opened). */
  readonly diagFd: number;
  readonly ifindex: number;
  /** Time spent in each setup step, for the benchmark and for slow-setup diagnostics. */
  readonly stepsNs: Readonly<Record<string, number>>;
}

export interface TeardownReply {
  /** Sockets still in the namespace after closing (orphans) that SOCK_DESTROY removed. */
  readonly destroyed: number;
}

export interface ThreadError {
  readonly code: string;
  readonly message: string;
  readonly syscall?: string;
  readonly argIndex?: number;
}

/** Syscall thread → main. `ready` is sent once, unsolicited, when the thread has loaded. */
export type ThreadReply =
  | { readonly id: 0; readonly kind: "ready" }
  | { readonly id: number; readonly kind: "setup"; readonly value: SetupReply }
  | { readonly id: number; readonly kind: "syscall"; readonly value: SyscallOutcome }
  /** One entry per call run; a call that could not run ends the list with its error. */
  | { readonly id: number; readonly kind: "syscalls"; readonly value: readonly ({ readonly outcome: SyscallOutcome } | { readonly error: ThreadError })[] }
  | { readonly id: number; readonly kind: "teardown"; readonly value: TeardownReply }
  | { readonly id: number; readonly kind: "recycle"; readonly value: { readonly netns: string } }
  | { readonly id: number; readonly kind: "pong" }
  | { readonly id: number; readonly kind: "error"; readonly error: ThreadError };
