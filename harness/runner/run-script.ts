/**
 * The runner: plays one parsed script against one target and returns its Trace (run.c's
 * run_script loop). One clock per run: the target's, in microseconds; script time 0 is the moment
 * the first event is reached.
 *
 * Semantics kept from packetdrill: the first event must be at time 0; inbound packets and
 * syscalls wait for their time; outbound packets are sniffed at once (so early ones are caught)
 * and checked against their time window; a blocking syscall (`t...end`) runs while later events
 * proceed, and the next syscall waits for it at most 1 s; the cleanup command always runs; at the
 * end every connection gets a RST so nothing lingers.
 */
import type { Event, PacketSpec, Script } from "../../lib/script/ast";
import { printPacket, printSyscall } from "../../lib/script/printer";
import type { Diagnostic, DiagnosticNote, Span } from "../../lib/diagnostics/types";
import { AnchorLag, resolveTime, secs, timingMargin, toleranceFor, verifyTime, type ResolvedTime, type TimeKind } from "../../lib/match/timing";
import { toScriptSpace } from "../../lib/match/outbound";
import { decodePacket, encodePacket, formatPacket, hex, seq } from "../../lib/wire";
import type { Trace, TraceEntry } from "../../lib/trace/types";
import type { SyscallResult, Target } from "../target/target";
import type { RunConfig } from "./config";
import { belongsTo, buildInjection, compareInScriptSpace, connectionFor, PacketFailure, resetConnections, ruleOf, sniff, timedInstant } from "./packet-event";
import { RunState } from "./state";
import { beforeConnect, checkOutParams, checkResult, prepareSyscall, recordEffects, SyscallFailure, type PreparedSyscall } from "./syscall-event";
import { callFollowsSoon, callWithinLead, chainAfter, PING_MIN_LEAD_USECS, SYSCALL_LEAD_USECS } from "./call-ahead";
import { CodeBlocks } from "../python/code-blocks";
import { actsBeforeCheck, CHECK_COST_USECS, checkWindowOf, PendingCheck } from "./act-first";
import { TraceStates } from "./trace-states";
import { askedSysctls, splitReadback, unappliedSysctls, withReadback } from "./sysctl-check";
import type { SysctlAssignment } from "../../lib/script/sysctl-assignments";

/** How long a syscall waits for a still-blocked earlier one (run_system_call.c: await_idle_thread). */
const AWAIT_IDLE_USECS = 1_000_000;
/** How long past its tolerance an expected outbound packet is still waited for (then: missing). */
const LATE_PACKET_GRACE_USECS = 2_000_000;
/** How long a call written without `...end` may take before it counts as blocking. */
const NONBLOCKING_LIMIT_USECS = 20_000;

class ScriptFailure extends Error {
  readonly diagnostic: Diagnostic;
  constructor(diagnostic: Diagnostic) {
    super(diagnostic.message);
    this.diagnostic = diagnostic;
  }
}

function fail(code: string, message: string, span: Span | undefined, notes: DiagnosticNote[] = []): never {
  throw new ScriptFailure({ code, severity: "error", message, ...(span !== undefined ? { span } : {}), ...(notes.length > 0 ? { notes } : {}) });
}

function timeOf(event: Event): { kind: TimeKind; value: number; end: number } {
  const t = event.time;
  switch (t.kind) {
    case "absolute":
      return { kind: "absolute", value: t.at.usecs, end: t.at.usecs };
    case "relative":
      return { kind: "relative", value: t.offset.usecs, end: t.offset.usecs };
    case "any":
      return { kind: "any", value: 0, end: 0 };
    case "absolute-range":
      return { kind: "absolute-range", value: t.start.usecs, end: t.end.usecs };
    case "relative-range":
      return { kind: "relative-range", value: t.start.usecs, end: t.end.usecs };
  }
}

function isInbound(e: Event): boolean {
  return e.kind === "packet" && e.packet.direction === "inbound";
}

interface Blocking {
  readonly event: Event & { kind: "syscall" };
  readonly resolved: ResolvedTime;
  /** When the script says it returns (script time). */
  readonly endAt: number;
  readonly done: Promise<{ result?: SyscallResult; failure?: ScriptFailure }>;
}

export interface RunOptions {
  /** Shell commands' time limit (ms). */
  readonly commandTimeoutMs?: number;
  /** The script's directory: shell commands' cwd (the init command's sysctls are checked from it). */
  readonly cwd?: string;
  /** Called for progress/verbose lines. */
  readonly log?: (line: string) => void;
}

export async function runScript(script: Script, target: Target, config: RunConfig, options: RunOptions = {}): Promise<Trace> {
  const started = Date.now();
  const entries: TraceEntry[] = [];
  const warnings: string[] = [];
  const state = new RunState(config);
  const code = new CodeBlocks(script.file, target.kind);
  let failure: Diagnostic | undefined;
  let verdict: Trace["verdict"] = "pass";
  let start = 0;
  /** [packetdrill's script time, the instant the event acted (µs since start)] of each event so far. */
  const timeline: [number, number][] = [];
  /**
   * The live instants (target clock) a script time stands for, for kernel timestamps a script
   * expects (SCM_TIMESTAMPING): from the first to the last event of the latest script time at or
   * before it, plus the rest. Events of one script time act one after another here, milliseconds
   * apart under load, where packetdrill's act within microseconds: that spread is tcpdrill's.
   */
  const liveTimeOf = (scriptUs: number): { from: number; to: number } => {
    let at: number | undefined;
    for (const [s] of timeline) if (s <= scriptUs && (at === undefined || s > at)) at = s;
    if (at === undefined) return { from: start + scriptUs, to: start + scriptUs };
    const instants = timeline.filter(([s]) => s === at).map(([, live]) => live);
    return { from: start + Math.min(...instants) + (scriptUs - at), to: start + Math.max(...instants) + (scriptUs - at) };
  };
  let epochMs: number | undefined;
  let lastScripted = 0;
  /**
   * The runner's own lateness carried by relative anchors (lib/match/timing.ts: AnchorLag), and
   * the current event's share of it: an outbound packet may be that much earlier than its time.
   */
  const lag = new AnchorLag();
  let earlySlack = 0;
  const at = (live: number): number => live - start;
  /**
   * Trace fields written after the run: between one event and the next one's action the runner
   * only does what the action needs. Encoding and hex-formatting a 10 KB aggregate took ~0.5 ms,
   * formatting a call or a packet 15-40 µs, and the next `+0` event waited for it.
   */
  const later: (() => void)[] = [];
  const filledLater = <E extends TraceEntry>(entry: E, fields: { readonly hex?: () => Uint8Array; readonly text?: () => string; readonly call?: () => string }): E => {
    later.push(() => {
      const e = entry as Record<string, unknown>;
      if (fields.hex !== undefined) e["hex"] = hex(fields.hex());
      if (fields.text !== undefined) e["text"] = fields.text();
      if (fields.call !== undefined) e["call"] = fields.call();
    });
    return entry;
  };

  const exec = async (command: string, span: Span, what: string, readback: readonly SysctlAssignment[] = []): Promise<void> => {
    // The init and cleanup commands are not timed: they start when other runs can spare the thread.
    if (what !== "command") await target.quietMoment?.();
    const raw = await target.exec(readback.length > 0 ? withReadback(command, readback) : command, options.commandTimeoutMs ?? 60_000);
    const back = splitReadback(raw.stdout);
    const r = { ...raw, stdout: back.stdout };
    if (back.values !== undefined) warnings.push(...unappliedSysctls(readback, back.values, config.congestionControl));
    // The init command runs before script time 0 (not yet set), so it is shown at 0.
    entries.push({ kind: "command", time: epochMs === undefined ? 0 : Math.max(0, at(target.now())), source: { line: span.start.line }, command, status: r.status });
    if (r.status !== 0) {
      const output = (r.stderr + r.stdout).trim();
      fail("E-command", `error executing ${what}: non-zero status ${r.status}`, span, output !== "" ? [{ message: output }] : []);
    }
  };

  /** An outbound packet's comparison left until the event after it has acted (act-first.ts). */
  const pendingCheck = new PendingCheck(entries);
  const settle = (): void => pendingCheck.settle();

  let blocking: Blocking | undefined;
  /** Calls posted ahead with an earlier call of their `+0` chain (call-ahead.ts), and their results. */
  const ahead = new Map<Event, { prepared: PreparedSyscall; result: Promise<SyscallResult | Error> }>();

  /** Records a call's result in the trace and checks it and its out-parameters (end_syscall). */
  const checkSyscall = (event: Event & { kind: "syscall" }, prepared: PreparedSyscall, result: SyscallResult, due: number): ScriptFailure | undefined => {
    const call = event.call;
    entries.push(filledLater({ kind: "syscall", start: at(result.start), end: at(result.end), due, source: { line: event.span.start.line }, call: "", ret: result.ret, ...(result.errno !== undefined ? { errno: result.errno } : {}) }, { call: () => printSyscall(call) }));
    const problem = checkResult(call, result) ?? checkOutParams(call, prepared.values, result, state, liveTimeOf) ?? recordEffects(call, prepared.values, result, state);
    if (problem === undefined) return undefined;
    return new ScriptFailure({ code: "E-syscall", severity: "error", message: `runtime error in ${call.name} call: ${problem}`, span: call.span });
  };

  /** The rest of a non-blocking call once it returned; returns its end (script time), for anchoring. */
  const finishNonBlocking = (event: Event & { kind: "syscall" }, prepared: PreparedSyscall, result: SyscallResult, resolved: ResolvedTime): number => {
    const call = event.call;
    const f = checkSyscall(event, prepared, result, resolved.at);
    if (f !== undefined) throw f;
    // A call the script writes as non-blocking must not block: otherwise whatever made it
    // return (a reset, a timer) goes unasserted. packetdrill does not check this.
    const took = result.end - result.start;
    if (took > Math.max(config.toleranceUsecs, NONBLOCKING_LIMIT_USECS)) {
      fail("E-timing", `timing error: ${call.name}() is scripted as non-blocking but returned after ${secs(took)} sec; write the time it returns as \`t...end\``, call.span);
    }
    lag.acted(at(result.start) - resolved.at);
    return at(result.end);
  };
  const awaitIdle = async (span: Span): Promise<void> => {
    if (blocking === undefined) return;
    const b = blocking;
    // packetdrill allows 1 s; a call whose scripted end is later gets until then (plus tolerance).
    const scriptedEnd = start + b.endAt + toleranceFor(config, b.endAt, b.resolved.at);
    const timeout = new Promise<"timeout">((r) => {
      const limit = Math.max(target.now() + AWAIT_IDLE_USECS, scriptedEnd);
      void target.sleepUntil(limit).then(() => r("timeout"));
    });
    const outcome = await Promise.race([b.done, timeout]);
    if (outcome === "timeout") {
      if (target.now() >= scriptedEnd) {
        fail("E-timing", `timing error: expected system call return at ${secs(b.endAt)} sec but it was still blocked at ${secs(at(target.now()))} sec`, b.event.call.end?.span ?? b.event.span);
      }
      fail("E-blocking", "blocking system call while another blocking system call is already in progress", span);
    }
    blocking = undefined;
    if (outcome.failure !== undefined) throw outcome.failure;
  };

  const eventTimes: [number, number][] = [];
  /** The smallest timing margin seen (Trace.timingMarginUs). */
  let tightest: number | undefined;
  const noteMargin = (margin: number | undefined): void => {
    if (margin !== undefined && (tightest === undefined || margin < tightest)) tightest = margin;
  };
  /** Readying a syscall thread for a call the target makes on the runner's thread would only make it spin. */
  const needsThread = (name: string): boolean => target.callMayNeedThread?.(name) ?? true;
  const states = new TraceStates(state, target, entries, at);

  try {
    if (script.initCommand !== undefined) {
      const asked = target.kind === "kernel" && options.cwd !== undefined ? askedSysctls(script.initCommand.text, options.cwd) : [];
      await exec(script.initCommand.text, script.initCommand.span, "init command", asked);
    }
    start = (await target.startInstant?.()) ?? target.now();
    epochMs = Date.now();
    let previous: { at: number; anchored: boolean } | undefined;
    let anchor: number | undefined;
    /**
     * The latest instant an event of the run acted at (an injection, a call's return, a packet).
     * An outbound packet sent before it (during a chain of calls, say) anchors the next relative
     * time here, not at its own timestamp: packetdrill anchors at "now" once it has sniffed the
     * packet, and it sniffs only after the events before it are done (run.c:
     * adjust_relative_event_times). Anchored at the timestamp, the `+.001 <` after a 10 KB `>`
     * that a 12-call chain had sent came 0.3 ms earlier than packetdrill's, and the kernel took
     * that RTT sample into HyStart (tcp/eor/no-coalesce-retrans.pkt).
     */
    let lastActed = 0;
    let scriptTime = 0;
    for (const [index, event] of script.events.entries()) {
      const t = timeOf(event);
      scriptTime = t.kind === "absolute" || t.kind === "absolute-range" ? t.value : scriptTime + t.value;
      if (index === 0 && !(t.kind === "absolute" && t.value === 0) && !(t.kind === "relative" && t.value === 0)) {
        fail("E-first-event", "first event should be at time 0", event.time.span);
      }
      // packetdrill anchors relative times to "now", microseconds after the previous event's
      // action. Ours could include thread latency and event-loop delays, so each event reports
      // the instant of its own action (injection, syscall return, packet timestamp) instead.
      // (Never before 0: the run is readied a little ahead of its start instant.)
      const now = anchor ?? Math.max(0, at(target.now()));
      anchor = undefined;
      const resolved = resolveTime(t.kind, t.value, t.end, now, previous, isInbound(event));
      earlySlack = lag.resolved(t.kind, previous?.anchored === true && isInbound(event));
      await target.betweenEvents?.();
      const prevAt = previous?.at;
      // A call right after this event (`+0`, or within a millisecond) finds its thread awake:
      // woken the moment this event acts (an injection, a packet sniffed), the thread wakes
      // while the runner finishes the event (comparing a packet takes 0.05–0.5 ms), instead of
      // after the call is posted (0.1–0.4 ms on this kind of VM). Calls further off are woken
      // by runSyscallEvent's lead. A `+0` call is only woken for, not pinged ahead of: the
      // ping would still be running when the call came (over the corpus, a `+0` call after
      // a packet started 0.7-0.9 ms late behind one).
      const follows = callFollowsSoon(event, script.events[index + 1], needsThread);
      const acting = follows === undefined ? () => undefined : () => target.expectSyscall?.(follows === "at-once");
      if (!actsBeforeCheck(event)) settle();
      try {
        switch (event.kind) {
          case "packet":
            anchor = await runPacket(event.packet, event, resolved, prevAt, acting, checkWindowOf(script.events[index + 1]), callWithinLead(script.events, index, needsThread), lastActed);
            break;
          case "syscall":
            anchor = await runSyscallEvent(event as Event & { kind: "syscall" }, resolved, prevAt, index);
            break;
          case "command":
            await waitFor(resolved, prevAt, "command", event.time.span);
            lag.acted(at(target.now()) - resolved.at);
            await exec(event.command.text, event.command.span, "command");
            break;
          case "code":
            await waitFor(resolved, prevAt, "data collection for code", event.time.span);
            // Reading the socket's state changes nothing the kernel does: the next event's relative
            // time counts from the block's own scripted instant, not from after its round trips
            // (or our bookkeeping since the previous event).
            anchor = resolved.at;
            {
              const problem = await code.snapshot(event, target, state.conn?.liveFd);
              settle();
              if (problem !== undefined) throw new ScriptFailure(problem);
            }
            entries.push({ kind: "note", time: at(target.now()), text: `code block at line ${event.span.start.line}: socket info recorded, evaluated after the script` });
            break;
        }
      } catch (e) {
        // The earlier line's comparison comes first: its failure is the run's.
        settle();
        throw e;
      }
      // After a packet whose check waits for the next event, so does this: an outbound packet
      // changes no state itself, and the next event records whatever a timer changed.
      if (!pendingCheck.waiting) states.record();
      timeline.push([scriptTime, anchor ?? resolved.at]);
      lastActed = Math.max(lastActed, anchor ?? resolved.at);
      if (event.kind === "packet" && !isInbound(event) && anchor !== undefined) anchor = Math.max(anchor, lastActed);
      previous = { at: resolved.at, anchored: isInbound(event) };
      eventTimes.push([event.span.start.line, resolved.at]);
      lastScripted = Math.max(lastScripted, resolved.end);
    }
    settle();
    if (blocking !== undefined) {
      const b = blocking;
      const line = b.event.span;
      try {
        await awaitIdle(line);
      } catch (e) {
        if (e instanceof ScriptFailure && e.diagnostic.code === "E-blocking") fail("E-blocking", "runtime error: exiting while a blocking system call is in progress", line);
        throw e;
      }
    }
    await checkUnexpected();
  } catch (e) {
    if (!(e instanceof ScriptFailure)) throw e;
    failure = e.diagnostic;
    verdict = "fail";
  } finally {
    target.timingDone?.();
    if (script.cleanupCommand !== undefined) {
      try {
        await exec(script.cleanupCommand.text, script.cleanupCommand.span, "cleanup command");
      } catch (e) {
        if (!(e instanceof ScriptFailure)) throw e;
        if (failure === undefined) {
          failure = e.diagnostic;
          verdict = "fail";
        }
      }
    }
    await resetConnections(state, target, config.mode);
  }
  // packetdrill runs the blocks' Python after every event and the cleanup command passed.
  if (failure === undefined && code.count > 0) {
    await target.quietMoment?.();
    const r = await code.evaluate({ timeoutMs: options.commandTimeoutMs ?? 60_000 });
    for (const line of r.output.split("\n").filter((l) => l !== "")) entries.push({ kind: "note", time: Math.max(0, at(target.now())), text: `python: ${line}` });
    if (r.failure !== undefined) {
      failure = r.failure;
      verdict = "fail";
    }
  }

  if (later.length > 0) await target.quietMoment?.();
  for (const fill of later) fill();
  return { script: script.file, mode: config.mode, target: target.kind, verdict, ...(failure !== undefined ? { failure } : {}), ...(epochMs !== undefined ? { epochMs } : {}), ...(warnings.length > 0 ? { warnings } : {}), ...(tightest !== undefined ? { timingMarginUs: Math.round(tightest) } : {}), entries, wallMs: Date.now() - started, scriptedUsecs: lastScripted };

  /**
   * Packets the kernel sent before the script's last event that no `>` line consumed: packetdrill
   * silently ignores them, tcpdrill reports them (`allowUnexpected` restores packetdrill's way).
   * Only packets of the script's own connections count; the first one fails the run.
   */
  async function checkUnexpected(): Promise<void> {
    if (config.allowUnexpected === true) return;
    for (;;) {
      const e = await target.nextPacket(target.now());
      if (e === undefined) return;
      let p;
      try {
        p = decodePacket(e.bytes);
      } catch {
        continue;
      }
      const conn = state.connections.find((c) => belongsTo(p, c));
      if (conn === undefined || at(e.time) > lastScripted + config.toleranceUsecs) continue;
      const text = formatPacket(toScriptSpace(p, undefined, conn), { direction: "outbound" });
      entries.push({ kind: "sniff", time: at(e.time), hex: hex(e.bytes), text, matched: false, ...ruleOf(e) });
      const after = [...script.events].reverse().find((ev) => ev.span.start.line <= lastLineBefore(at(e.time)));
      fail("E-unexpected-packet", `the kernel sent a packet the script does not expect, at ${secs(at(e.time))} sec: ${text}`, after?.span, [
        { message: "every outbound packet before the script's last event must be matched by a `>` line (--allow_unexpected ignores it, as packetdrill does)" },
      ]);
    }
  }

  function lastLineBefore(time: number): number {
    let line = 0;
    for (const [l, t] of eventTimes) if (t <= time) line = Math.max(line, l);
    return line;
  }

  /**
   * Waits for an event the runner itself performs (an injection, a syscall start, a command).
   * Being late here is tcpdrill's scheduling, not the kernel's behaviour, so unlike packetdrill
   * it does not fail the script: the lateness is recorded in the trace and shown by --verbose.
   * What the kernel does afterwards is still timed from the actual moment (relative anchoring).
   */
  async function waitFor(resolved: ResolvedTime, prevAt: number | undefined, what: string, span: Span): Promise<void> {
    await target.sleepUntil(start + resolved.at, true);
    const now = at(target.now());
    const err = verifyTime(config, resolved, now, prevAt, what);
    if (err !== undefined) {
      const text = `line ${span.start.line}: ${what} ${((now - resolved.at) / 1000).toFixed(3)} ms late (${err.message})`;
      entries.push({ kind: "note", time: now, text });
      options.log?.(text);
    }
  }

  /** Before an event that a call follows within the lead: readies the call's thread a lead ahead of the event. */
  async function readyThreadAhead(resolved: ResolvedTime): Promise<void> {
    const due = start + resolved.at;
    const lead = due - SYSCALL_LEAD_USECS;
    if (target.now() < lead) await target.sleepUntil(lead, true);
    target.expectSyscall?.(due - target.now() < PING_MIN_LEAD_USECS);
  }

  /** Runs a packet event; returns the instant of its action (injection or the packet's timestamp). */
  async function runPacket(spec: PacketSpec, event: Event, resolved: ResolvedTime, prevAt: number | undefined, acting: () => void, checkWindow: number | undefined, callSoon: boolean, lastActed: number): Promise<number> {
    const line = { line: event.span.start.line };
    try {
      const conn = connectionFor(spec, state);
      if (spec.direction === "inbound") {
        // Built before its time (as calls are prepared before theirs): at the time, only the write.
        const { bytes } = buildInjection(spec, conn, state);
        if (callSoon) await readyThreadAhead(resolved);
        await waitFor(resolved, prevAt, "inbound packet", event.time.span);
        acting();
        const injectedAt = at(target.now());
        lag.acted(injectedAt - resolved.at);
        await target.inject(bytes);
        // Shown as the script wrote it (script space); the live bytes are in `hex` (and the pcap).
        entries.push(filledLater({ kind: "inject", time: injectedAt, due: resolved.at, source: line, hex: "", text: "" }, { hex: () => bytes, text: () => formatSpec(spec) }));
        settle();
        return injectedAt;
      }
      if (spec.body.kind === "tcp" && spec.body.flags.syn && spec.body.flags.ack && conn.phase === "passive-packet-received") {
        conn.scriptLocalIsn = seq(spec.body.seq.start);
      }
      const tolerance = Math.max(config.toleranceUsecs, prevAt === undefined ? 0 : (config.tolerancePercent / 100) * (resolved.at - prevAt));
      const deadline = resolved.kind === "any" ? start + lastScripted + config.timeoutMs * 1000 : start + resolved.end + tolerance;
      // A packet due now (most come right after the event before them) readies the thread of a
      // call soon after it while it is sniffed and compared.
      if (callSoon && start + resolved.at - target.now() < SYSCALL_LEAD_USECS) target.expectSyscall?.(start + resolved.at - target.now() < PING_MIN_LEAD_USECS);
      let sniffed = await sniff(spec, conn, target, deadline, config.strictSegments);
      // Past its tolerance the packet is already late, but packetdrill keeps sniffing (it blocks
      // until one arrives) and then reports "timing error ... but happened at": wait a while
      // longer so a late packet is reported as late, with its time, not as missing. (A second
      // wait, so the model still decides at the deadline what it may send early.)
      if (sniffed === undefined && resolved.kind !== "any") sniffed = await sniff(spec, conn, target, deadline + LATE_PACKET_GRACE_USECS, config.strictSegments);
      if (sniffed !== undefined) acting();
      if (sniffed === undefined) {
        const when = resolved.kind === "any" ? "" : ` at ${secs(resolved.at)} sec`;
        fail("E-missing-packet", `error handling packet: expected outbound packet${when} but no packet was sent`, event.span, [
          { message: `script packet: ${secs(resolved.at)} ${formatSpec(spec)}` },
        ]);
      }
      for (const s of sniffed.seen) {
        if (s.ours) continue;
        const text = (): string => (s.packet !== undefined ? formatPacket(s.packet) : "(undecodable)");
        entries.push(filledLater({ kind: "sniff", time: at(s.emitted.time), hex: "", text: "", matched: false, ...ruleOf(s.emitted) }, { hex: () => s.emitted.bytes, text }));
      }
      // What the packet teaches about the connection (sequence and timestamp mapping) is learned
      // now: the next injection is built from it.
      const actual = toScriptSpace(sniffed.live, spec, conn);
      lag.kernelActed();
      const first = sniffed.first;
      const live = sniffed.live;
      // Fields the model computes but does not promise (its `loose` list) are not held against it.
      const loose = new Set(sniffed.seen.flatMap((s) => (s.ours ? s.emitted.loose ?? [] : [])));
      const slack = earlySlack;
      const check = (): void => {
        const mismatches = compareInScriptSpace(spec, actual, state).filter((m) => !loose.has(m.field));
        const actualAt = timedInstant(first, start, resolved, toleranceFor(config, resolved.at, prevAt));
        const actualText = (): string => formatPacket(actual, { direction: "outbound" });
        entries.push(filledLater({ kind: "sniff", time: actualAt, source: line, hex: "", text: "", matched: mismatches.length === 0, ...ruleOf(first) }, { hex: () => encodePacket(live), text: actualText }));
        const timing = verifyTime(config, resolved, actualAt, prevAt, "outbound packet", slack);
        noteMargin(timingMargin(config, resolved, actualAt, prevAt, slack));
        const problems = mismatches.map((m) => m.message);
        if (timing !== undefined) problems.push(`timing error: ${timing.message}`);
        if (problems.length > 0) {
          const notes: DiagnosticNote[] = problems.slice(1).map((p) => ({ message: `also: ${p}` }));
          notes.push({ message: `script packet: ${secs(resolved.at)} ${formatSpec(spec)}` });
          notes.push({ message: `actual packet: ${secs(actualAt)} ${actualText()}` });
          fail(mismatches.length > 0 ? "E-packet-mismatch" : "E-timing", `error handling packet: ${problems[0]}`, event.span, notes);
        }
      };
      const stamp = at(first.time);
      // Left for later only when the next event is due before the check could be done with.
      if (checkWindow !== undefined && Math.max(stamp, lastActed) + checkWindow - at(target.now()) < CHECK_COST_USECS) pendingCheck.defer(check);
      else check();
      return stamp;
    } catch (e) {
      if (e instanceof PacketFailure) {
        const notes: DiagnosticNote[] = [];
        if (e.actualText !== undefined) notes.push({ message: `actual packet: ${e.actualText}` });
        fail("E-packet", `error handling packet: ${e.message}`, event.span, notes);
      }
      throw e;
    }
  }

  /** Runs a syscall event; returns when a non-blocking one returned (script time), for anchoring. */
  async function runSyscallEvent(event: Event & { kind: "syscall" }, resolved: ResolvedTime, prevAt: number | undefined, index: number): Promise<number | undefined> {
    const call = event.call;
    const early = ahead.get(event);
    if (early !== undefined) {
      // Posted with an earlier call of its chain: it has run already, right after that one.
      ahead.delete(event);
      settle();
      const result = await early.result;
      if (result instanceof Error) fail("E-environment", `system call failed to run: ${result.message}`, call.span);
      const err = verifyTime(config, resolved, at(result.start), prevAt, "system call start");
      if (err !== undefined) entries.push({ kind: "note", time: at(result.start), text: `line ${event.span.start.line}: system call start late (${err.message})` });
      return finishNonBlocking(event, early.prepared, result, resolved);
    }
    await awaitIdle(event.span);
    // Everything the call needs is worked out before waiting for its time, so that at that time
    // only the posting is left: right after an idle spell every step of it runs several times
    // slower (cold caches), and a call prepared late was 1-2 ms late at the corpus's p90.
    let prepared;
    try {
      prepared = prepareSyscall(call, state);
      beforeConnect(call, prepared.values, state);
    } catch (e) {
      if (e instanceof SyscallFailure) fail("E-syscall", `runtime error in ${call.name} call: ${e.message}`, e.expr?.span ?? call.span);
      throw e;
    }
    const chain = call.end === undefined && blocking === undefined && target.syscalls !== undefined ? chainAfter(script.events, index, state, prepared.values) : [];
    const lead = start + resolved.at - SYSCALL_LEAD_USECS;
    if (target.now() < lead) await target.sleepUntil(lead, true);
    // A non-blocking call due later is posted now, a millisecond ahead, and its thread starts it
    // at its time: no wake-up, message or event-loop turn is left between the time and the call
    // (those took 0.15–0.2 ms at the corpus's median). A blocking call too: the runner then
    // watches it enter the kernel (whenBlocked); posted at its time, it entered 0.3-0.4 ms late.
    const postAhead = target.postsAhead === true && start + resolved.at > target.now();
    if (!postAhead) {
      // Readied only with time to spare: a ping posted right before the call runs first, and the
      // call waits for it (a cold ping takes 0.05–0.3 ms). A call due now was readied, if at all,
      // when the event before it acted.
      if (start + resolved.at - target.now() >= PING_MIN_LEAD_USECS && needsThread(call.name)) target.expectSyscall?.();
      await waitFor(resolved, prevAt, "system call start", event.time.span);
    }
    const postAt = postAhead ? start + resolved.at : undefined;
    const check = (result: SyscallResult): ScriptFailure | undefined => checkSyscall(event, prepared, result, resolved.at);
    if (call.end === undefined) {
      let posted: Promise<SyscallResult | Error>;
      try {
        if (chain.length === 0) posted = target.syscall(prepared.request, postAt);
        else {
          const all = target.syscalls!([prepared.request, ...chain.map((c) => c.prepared.request)], postAt);
          // Never rejected: a chain whose calls could not run fails at the first of them.
          chain.forEach((c, i) => ahead.set(c.event, { prepared: c.prepared, result: all.then((r) => r[i + 1]!, (e: unknown) => e as Error) }));
          posted = all.then((r) => r[0]!);
        }
      } catch (e) {
        posted = Promise.resolve(e as Error);
      }
      const outcome = posted.catch((e: unknown) => e as Error);
      // While the call runs: the previous packet's comparison, if it was left for now.
      settle();
      const result = await outcome;
      // As for a blocking call below; e.g. the model refusing a call that could never return.
      if (result instanceof Error) fail("E-environment", `system call failed to run: ${result.message}`, call.span);
      if (postAhead) {
        // What waitFor notes for a call started by the runner, from the thread's own start instant.
        const err = verifyTime(config, resolved, at(result.start), prevAt, "system call start");
        if (err !== undefined) entries.push({ kind: "note", time: at(result.start), text: `line ${event.span.start.line}: system call start late (${err.message})` });
      }
      const end = finishNonBlocking(event, prepared, result, resolved);
      if (call.name === "socket" && chain.length > 0) states.chainedSocket(result.ret, end);
      return end;
    }
    // Blocking: the call returns while later events run; its end time is checked when it does.
    const endAt = resolved.kind === "relative" ? resolved.offset + call.end.usecs : call.end.usecs;
    const endTime: ResolvedTime = { kind: "absolute", at: endAt, end: endAt, offset: 0 };
    // The runner's lateness from here to the return (its own start, the injection that wakes it).
    const lagBefore = lag.total;
    const done = target.syscall(prepared.request, postAt, true).then(
      (result) => {
        const f = check(result);
        if (f !== undefined) return { failure: f };
        const err = verifyTime(config, endTime, at(result.end), resolved.at, "system call return", 0, lag.total - lagBefore);
        noteMargin(timingMargin(config, endTime, at(result.end), resolved.at, 0, lag.total - lagBefore));
        if (err !== undefined) return { failure: new ScriptFailure({ code: "E-timing", severity: "error", message: `timing error: ${err.message}`, span: call.end!.span }) };
        return { result };
      },
      (e: unknown) => ({ failure: new ScriptFailure({ code: "E-environment", severity: "error", message: `system call failed to run: ${(e as Error).message}`, span: call.span }) }),
    );
    blocking = { event, resolved, endAt, done };
    settle();
    // Packets sent while the call blocks belong to the script's span too (unexpected-packet check).
    lastScripted = Math.max(lastScripted, endAt);
    // Later events are timed from when the call really entered the kernel, not from when it was
    // posted or when we noticed: under load either can be milliseconds off.
    if (target.whenBlocked === undefined) return undefined;
    const entered = await target.whenBlocked(1000);
    if (entered !== undefined) lag.acted(at(entered) - resolved.at);
    return entered === undefined ? undefined : at(entered);
  }
}

function formatSpec(spec: PacketSpec): string {
  return printPacket(spec).replace(/^[<>]\s*/, "");
}

