/**
 * The values that cross the syscall layer's boundary. They are plain data (structured-clone
 * safe), because calls are posted to the sandbox's syscall thread.
 *
 * `SysValue` has the same shape as the runner's `SysValue` (harness/target/target.ts): an
 * argument after the runner evaluated the script's expression.
 */

export type SysValue =
  | number
  | bigint
  | string
  | Uint8Array
  | null
  | { readonly ellipsis: true }
  | readonly SysValue[]
  | { readonly [field: string]: SysValue };

/** The script's `...`: "any value" for inputs, "don't report" for outputs. */
export interface Ellipsis {
  readonly ellipsis: true;
}

export const ELLIPSIS: Ellipsis = { ellipsis: true };

export function isEllipsis(value: SysValue | undefined): value is Ellipsis {
  return (
    typeof value === "object" &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    !Array.isArray(value) &&
    (value as { ellipsis?: unknown }).ellipsis === true
  );
}

/**
 * An fd argument that stands for the descriptor the socket() before it in the same chain returns
 * (harness/runner/call-ahead.ts): the syscall thread puts that descriptor in its place.
 */
export const PENDING_FD = -1_000_003;

export interface SyscallRequest {
  readonly name: string;
  readonly args: readonly SysValue[];
  /**
   * For a TCP socket(): the congestion control to set on the new socket (TCP_CONGESTION) right
   * after it is created, on the same thread (`--cc`). Its failure is the outcome's
   * `congestionControlErrno`. The executor itself ignores it; the sandbox's syscall thread applies it.
   */
  readonly congestionControl?: string;
}

/** What a syscall did. Times are nanoseconds on the sandbox clock (see harness/sys/clock.ts). */
export interface SyscallOutcome {
  /** The C return value (-1 on failure for most calls). */
  readonly ret: number;
  /** errno when the call failed, else 0. */
  readonly errno: number;
  /** Its name ("EAGAIN") when errno ≠ 0. */
  readonly errnoName?: string;
  /** Out-parameters by argument index: getsockopt's value and length, accept's address… */
  readonly out: Readonly<Record<number, SysValue>>;
  /** File descriptors the call created (socket, accept, pipe, open, epoll_create…). */
  readonly openedFds: readonly number[];
  /** File descriptors the call released (close). */
  readonly closedFds: readonly number[];
  readonly startNs: number;
  readonly endNs: number;
  /** errno of setting the request's `congestionControl`, when that failed. */
  readonly congestionControlErrno?: number;
}

/** An argument the layer could not turn into C values: a usage error, not a syscall failure. */
export class SyscallArgumentError extends Error {
  readonly code = "EARG";
  readonly syscall: string;
  /** 0-based index of the offending argument. */
  readonly argIndex: number;

  constructor(syscall: string, argIndex: number, message: string) {
    super(`${syscall}: argument ${argIndex + 1}: ${message}`);
    this.name = "SyscallArgumentError";
    this.syscall = syscall;
    this.argIndex = argIndex;
  }
}
