/**
 * Calls the runner sends ahead of their turn: `+0` chains that go to the syscall thread in one
 * piece, and the readying of the thread before a call is due (Target.expectSyscall).
 * packetdrill makes `+0` calls microseconds apart; a round trip to the syscall thread and the
 * runner's bookkeeping between them took 0.05–0.3 ms each, so eleven `+0` sends ended a
 * millisecond late, and the kernel measured that in its RTTs.
 */
import type { Event, SyscallSpec } from "../../lib/script/ast";
import type { SysValue } from "../target/target";
import type { RunState } from "./state";
import { beforeConnect, beforeSocket, prepareSyscall, type PreparedSyscall } from "./syscall-event";

/** How long before a syscall's time its thread is readied (Target.expectSyscall). */
export const SYSCALL_LEAD_USECS = 1000;
/** A call due sooner than this is not readied with a ping any more (it would run behind one). */
export const PING_MIN_LEAD_USECS = 300;

/**
 * Whether `next` is a syscall due within SYSCALL_LEAD_USECS of `event`'s own time, and how soon;
 * undefined too when it never needs a thread (`needsThread`, as for callWithinLead).
 */
export function callFollowsSoon(event: Event, next: Event | undefined, needsThread: (name: string) => boolean = () => true): "at-once" | "soon" | undefined {
  if (next?.kind !== "syscall" || event.kind === "syscall" || !needsThread(next.call.name)) return undefined;
  const t = next.time;
  let gap: number | undefined;
  if (t.kind === "relative" || t.kind === "relative-range") gap = t.kind === "relative" ? t.offset.usecs : t.start.usecs;
  else if ((t.kind === "absolute" || t.kind === "absolute-range") && event.time.kind === "absolute") gap = (t.kind === "absolute" ? t.at.usecs : t.start.usecs) - event.time.at.usecs;
  if (gap === undefined || gap > SYSCALL_LEAD_USECS) return undefined;
  return gap < PING_MIN_LEAD_USECS ? "at-once" : "soon";
}

/**
 * Whether a syscall follows the event at `index` within SYSCALL_LEAD_USECS of its time, through
 * relative times only (`< .`, `+0 > P.`, `+0 getsockopt`): its thread is then readied before that
 * event acts, not after. Woken after, a sleeping thread took 0.3-0.5 ms to run the `+0` call
 * (the futex wake-up of a thread whose vCPU may be halted), and the call waited for it.
 * `needsThread`: whether that call may need a thread at all (the kernel makes some on the
 * runner's own thread).
 */
export function callWithinLead(events: readonly Event[], index: number, needsThread: (name: string) => boolean = () => true): boolean {
  let gap = 0;
  for (let i = index + 1; i < events.length; i++) {
    const e = events[i]!;
    const t = e.time;
    if (t.kind !== "relative") return false;
    gap += t.offset.usecs;
    if (gap > SYSCALL_LEAD_USECS) return false;
    if (e.kind === "syscall") return needsThread(e.call.name);
    if (e.kind === "command") return false;
  }
  return false;
}

/**
 * Calls that may run as part of a chain posted ahead: every call of a chain is prepared before
 * the first runs, so none may change what the next ones' arguments map to — the fd table
 * (socket, accept, close, dup…: only listed calls qualify) — and none is scripted as blocking.
 */
const CHAINABLE = new Set(["write", "writev", "send", "sendto", "sendmsg", "read", "readv", "recv", "recvfrom", "setsockopt", "getsockopt", "ioctl", "bind", "listen", "connect", "shutdown", "getsockname", "getpeername", "fcntl"]);
const F_DUPFD = new Set(["F_DUPFD", "F_DUPFD_CLOEXEC"]);

function chainable(call: SyscallSpec): boolean {
  if (call.end !== undefined || !CHAINABLE.has(call.name)) return false;
  // fcntl(F_DUPFD…) makes a descriptor; only a named command that is not one qualifies.
  const cmd = call.args[1];
  return call.name !== "fcntl" || (cmd?.kind === "word" && !F_DUPFD.has(cmd.name));
}

/**
 * The calls of a `+0` chain that follow `events[index]`, prepared (and their connects noted in
 * `state`), when the chain can go to the target in one piece; empty otherwise. A call whose
 * arguments cannot be evaluated ends the chain before it: its own turn reports the error.
 *
 * A socket() may head a chain (`socket; +0 setsockopt; +0 bind; +0 listen`, how nearly every
 * script opens): its descriptor is unknown until it returns, so the calls after it name
 * PENDING_FD and the syscall thread puts the descriptor in (syscall-event.ts: beforeSocket).
 * Otherwise the `+0` call after socket() waited for the reply: 0.3-0.5 ms at the corpus median.
 * `headValues`: the head's evaluated arguments.
 */
export function chainAfter(events: readonly Event[], index: number, state: RunState, headValues: readonly SysValue[] = []): { event: Event & { kind: "syscall" }; prepared: PreparedSyscall }[] {
  const first = events[index];
  if (first?.kind !== "syscall") return [];
  const next = events[index + 1];
  const follows = (e: Event | undefined): e is Event & { kind: "syscall" } =>
    e?.kind === "syscall" && e.time.kind === "relative" && e.time.offset.usecs === 0 && chainable(e.call);
  const opensSocket = first.call.name === "socket" && first.call.end === undefined && follows(next);
  if (!chainable(first.call) && !(opensSocket && beforeSocket(first.call, headValues, state))) return [];
  const chain: { event: Event & { kind: "syscall" }; prepared: PreparedSyscall }[] = [];
  for (let i = index + 1; i < events.length; i++) {
    const e = events[i];
    if (!follows(e)) break;
    let prepared: PreparedSyscall;
    try {
      prepared = prepareSyscall(e.call, state);
    } catch {
      break;
    }
    beforeConnect(e.call, prepared.values, state);
    chain.push({ event: e, prepared });
  }
  return chain;
}
