/**
 * A run's conversation as a ladder diagram, before any drawing: the rows of the diagram in time
 * order (segments between the local kernel and the remote script, syscalls and states on the
 * kernel's side) and the vertical gap before each row. The SVG and text renderers
 * (harness/report/ladder-svg.ts, ladder-text.ts) only place what this computes.
 *
 * A failed run's mismatch comes from the trace's failure: the actual segment is the sniff entry of
 * the failing line (matched: false), the expected one is the failure's "script packet:" note
 * (runner's E-packet-mismatch / E-missing-packet), drawn right after it.
 */
import type { IpMode, TargetKind, Trace, TraceEntry, Verdict } from "../trace/types";
import { assertNever } from "../util/assert-never";

/** How a segment arrow is drawn. */
export type SegmentStyle =
  /** Matched (or injected): the conversation as scripted. */
  | "normal"
  /** Sent by the kernel but matched by no `>` line (not the failing one). */
  | "unexpected"
  /** What the kernel sent at the failing line. */
  | "actual"
  /** What the failing line expected instead (beside the actual one). */
  | "expected"
  /** What the failing line expected when nothing was sent. */
  | "missing";

export type LadderRow =
  /** `out`: local (kernel) → remote (script); `in`: remote → local. */
  | { readonly kind: "segment"; readonly time: number; readonly dir: "out" | "in"; readonly text: string; readonly line?: number; readonly rule?: string; readonly style: SegmentStyle }
  | {
      readonly kind: "syscall";
      readonly time: number;
      readonly end: number;
      readonly line: number;
      /** The call as the script wrote it, expected result included. */
      readonly text: string;
      readonly ret: number;
      readonly errno?: string;
      readonly failed: boolean;
    }
  /** A blocking syscall returning, long after it started (its `syscall` row is at the start). */
  | { readonly kind: "return"; readonly time: number; readonly start: number; readonly line: number; readonly name: string; readonly ret: number; readonly errno?: string; readonly failed: boolean }
  /** The kernel socket `fd` (script fd; -1 before any fd names it) entered `state`. */
  | { readonly kind: "state"; readonly time: number; readonly fd: number; readonly state: string; readonly rule?: string }
  /**
   * close(fd) of a socket whose states were shown: the runner reads states through the fd
   * (tcp_info), so what the socket does after (FIN_WAIT_*, TIME_WAIT) is not in the trace.
   */
  | { readonly kind: "released"; readonly time: number; readonly fd: number; readonly lastState: string }
  | { readonly kind: "command"; readonly time: number; readonly line: number; readonly text: string; readonly status: number; readonly failed: boolean }
  | { readonly kind: "note"; readonly time: number; readonly text: string }
  /** The run's failure message, at the failing event's time. */
  | { readonly kind: "failure"; readonly time: number; readonly line?: number; readonly code: string; readonly text: string; readonly notes: readonly string[] };

/**
 * The vertical space before a row: nothing (same instant), time drawn to scale, or an idle gap
 * longer than `breakUsecs` drawn as a fixed-size break (a 60 s TIME_WAIT would dwarf the rest).
 */
export type LadderGap = { readonly kind: "none" } | { readonly kind: "time"; readonly usecs: number } | { readonly kind: "break"; readonly usecs: number };

export interface LadderStep {
  readonly gap: LadderGap;
  readonly row: LadderRow;
}

export interface LadderLayout {
  readonly script: string;
  readonly mode: IpMode;
  readonly target: TargetKind;
  readonly verdict: Verdict;
  readonly failure?: { readonly code: string; readonly message: string; readonly line?: number };
  readonly steps: readonly LadderStep[];
  /** The states each script fd went through, in order (for captions and specs). */
  readonly states: readonly { readonly fd: number; readonly state: string }[];
}

export interface LadderOptions {
  /** Idle gaps longer than this (µs) become a break. Default 1 s. */
  readonly breakUsecs?: number;
}

export const DEFAULT_BREAK_USECS = 1_000_000;

/** A syscall that returned this long after it started gets its own return row. */
export const BLOCKING_USECS = 10_000;

/** Parses a failure note `script packet: 0.100000 R. 0:0(0) ack 1` (run-script.ts). */
export function expectedPacketNote(trace: Trace): { time: number; text: string } | undefined {
  for (const n of trace.failure?.notes ?? []) {
    const m = /^script packet: (-?\d+(?:\.\d+)?) (.*)$/s.exec(n.message);
    if (m !== null) return { time: Math.round(Number(m[1]) * 1e6), text: m[2]! };
  }
  return undefined;
}

function entryTime(e: TraceEntry): number {
  return e.kind === "syscall" ? e.start : e.time;
}

function rowOf(e: TraceEntry, failLine: number | undefined): LadderRow {
  switch (e.kind) {
    case "inject":
      return { kind: "segment", time: e.time, dir: "in", text: e.text, line: e.source.line, style: "normal" };
    case "sniff": {
      const failing = !e.matched && failLine !== undefined && e.source?.line === failLine;
      const style: SegmentStyle = e.matched ? "normal" : failing ? "actual" : "unexpected";
      return {
        kind: "segment",
        time: e.time,
        dir: "out",
        text: e.text,
        style,
        ...(e.source !== undefined ? { line: e.source.line } : {}),
        ...(e.rule !== undefined ? { rule: e.rule } : {}),
      };
    }
    case "syscall":
      return {
        kind: "syscall",
        time: e.start,
        end: e.end,
        line: e.source.line,
        text: e.call,
        ret: e.ret,
        failed: failLine === e.source.line,
        ...(e.errno !== undefined ? { errno: e.errno } : {}),
      };
    case "command":
      return { kind: "command", time: e.time, line: e.source.line, text: e.command, status: e.status, failed: failLine === e.source.line };
    case "state":
      return { kind: "state", time: e.time, fd: e.fd, state: e.state, ...(e.rule !== undefined ? { rule: e.rule } : {}) };
    case "note":
      return { kind: "note", time: e.time, text: e.text };
    default:
      return assertNever(e, "trace entry");
  }
}

export function ladderLayout(trace: Trace, options: LadderOptions = {}): LadderLayout {
  const breakUsecs = options.breakUsecs ?? DEFAULT_BREAK_USECS;
  const failLine = trace.failure?.span?.start.line;
  // Stable sort: entries recorded at the same instant keep the runner's order (a state after its event).
  const rows: LadderRow[] = trace.entries
    .map((e, i) => ({ e, i: orderKey(trace.entries, e, i) }))
    .sort((a, b) => entryTime(a.e) - entryTime(b.e) || a.i - b.i)
    .map(({ e }) => rowOf(e, failLine));

  for (const e of trace.entries) {
    if (e.kind !== "syscall" || e.end - e.start < BLOCKING_USECS) continue;
    const name = /([a-z_0-9]+)\(/.exec(e.call)?.[1] ?? e.call;
    insertByTime(rows, { kind: "return", time: e.end, start: e.start, line: e.source.line, name, ret: e.ret, failed: failLine === e.source.line, ...(e.errno !== undefined ? { errno: e.errno } : {}) });
  }
  markReleased(rows);
  const expected = expectedPacketNote(trace);
  if (expected !== undefined) {
    const actualAt = rows.findIndex((r) => r.kind === "segment" && r.style === "actual");
    const row: LadderRow = {
      kind: "segment",
      dir: "out",
      text: expected.text,
      style: actualAt >= 0 ? "expected" : "missing",
      time: actualAt >= 0 ? rows[actualAt]!.time : expected.time,
      ...(failLine !== undefined ? { line: failLine } : {}),
    };
    if (actualAt >= 0) rows.splice(actualAt + 1, 0, row);
    else insertByTime(rows, row);
  }
  if (trace.failure !== undefined && trace.verdict !== "pass") {
    const last = rows.length > 0 ? rows[rows.length - 1]!.time : 0;
    const onLine = failLine === undefined ? [] : rows.filter((r) => "line" in r && r.line === failLine);
    const at = onLine.length > 0 ? onLine[onLine.length - 1]!.time : expected?.time ?? last;
    // Last, whatever was recorded after the failing instant (a state settling, teardown).
    rows.push({ kind: "failure", time: Math.max(at, last, 0), code: trace.failure.code, text: trace.failure.message, notes: (trace.failure.notes ?? []).map((n) => n.message), ...(failLine !== undefined ? { line: failLine } : {}) });
  }

  const steps: LadderStep[] = [];
  let prev: number | undefined;
  for (const row of rows) {
    const dt = prev === undefined ? 0 : row.time - prev;
    const gap: LadderGap = dt <= 0 ? { kind: "none" } : dt > breakUsecs ? { kind: "break", usecs: dt } : { kind: "time", usecs: dt };
    steps.push({ gap, row });
    prev = prev === undefined ? row.time : Math.max(prev, row.time);
  }
  const states = rows.flatMap((r) => (r.kind === "state" ? [{ fd: r.fd, state: r.state }] : []));
  return {
    script: trace.script,
    mode: trace.mode,
    target: trace.target,
    verdict: trace.verdict,
    ...(trace.failure !== undefined ? { failure: { code: trace.failure.code, message: trace.failure.message, ...(failLine !== undefined ? { line: failLine } : {}) } } : {}),
    steps,
    states,
  };
}

/**
 * The tie-break among entries at the same instant: their index, except for a blocking syscall,
 * recorded when it returned: it goes before the first entry of a later script line (the SYN a
 * blocking connect() sends comes after the connect).
 */
function orderKey(entries: readonly TraceEntry[], e: TraceEntry, i: number): number {
  if (e.kind !== "syscall" || e.end - e.start < BLOCKING_USECS) return i;
  const next = entries.findIndex((x) => x.kind !== "state" && x.kind !== "note" && x.source !== undefined && x.source.line > e.source.line && entryTime(x) >= e.start);
  return next >= 0 && next < i ? next - 0.5 : i;
}

function markReleased(rows: LadderRow[]): void {
  const last = new Map<number, string>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.kind === "state") last.set(r.fd, r.state);
    if (r.kind !== "syscall" || r.ret !== 0) continue;
    const m = /^close\((\d+)\)/.exec(r.text);
    const fd = m !== null ? Number(m[1]) : undefined;
    // A runner that follows the connection after close (by 4-tuple) reports its states itself.
    const later = rows.slice(i + 1).some((x) => x.kind === "state" && x.fd === fd);
    if (fd === undefined || !last.has(fd) || later) continue;
    rows.splice(i + 1, 0, { kind: "released", time: r.time, fd, lastState: last.get(fd)! });
    last.delete(fd);
    i++;
  }
}

/** Inserts after every row at or before `row.time` (a failure goes after what happened at its instant). */
function insertByTime(rows: LadderRow[], row: LadderRow): void {
  let i = rows.length;
  while (i > 0 && rows[i - 1]!.time > row.time) i--;
  rows.splice(i, 0, row);
}

/** A segment's label for a row: `S. 0:0(0) ack 1 <mss 1460>`, with the expected/actual prefix of a mismatch. */
export function segmentLabel(row: Extract<LadderRow, { kind: "segment" }>): string {
  switch (row.style) {
    case "normal":
      return row.text;
    case "unexpected":
      return `unexpected: ${row.text}`;
    case "actual":
      return `actual: ${row.text}`;
    case "expected":
      return `expected: ${row.text}`;
    case "missing":
      return `missing: ${row.text}`;
    default:
      return assertNever(row.style, "segment style");
  }
}

/** `accept(3, ..., ...) = 4`, with the actual result when the line failed on it. */
export function syscallLabel(row: Extract<LadderRow, { kind: "syscall" }>): string {
  // The errno's description, `(Resource temporarily unavailable)`, says nothing a diagram needs.
  const text = row.text.replace(/( = -?\d+ [A-Z][A-Z0-9_]*) \([^()]*\)$/, "$1");
  if (!row.failed) return text;
  return `${text}   [returned ${row.ret}${row.errno !== undefined ? ` ${row.errno}` : ""}]`;
}

/** `connect returned -1 ETIMEDOUT`. */
export function returnLabel(row: Extract<LadderRow, { kind: "return" }>): string {
  return `${row.name} returned ${row.ret}${row.errno !== undefined ? ` ${row.errno}` : ""}`;
}

/** Who a state belongs to: `fd 4`, or `child` for a connection no script fd names yet (a passive open before accept()). */
export function stateOwner(fd: number): string {
  return fd >= 0 ? `fd ${fd}` : "child";
}

/** `0.100000`: seconds with microseconds, as the text trace prints times. */
export function ladderSecs(usecs: number): string {
  return (usecs / 1e6).toFixed(6);
}

/** A gap as a short duration: `59.880 s`, `10.0 ms`, `250 µs`. */
export function gapText(usecs: number): string {
  if (usecs >= 1_000_000) return `${(usecs / 1e6).toFixed(3)} s`;
  if (usecs >= 1000) return `${(usecs / 1000).toFixed(1)} ms`;
  return `${Math.round(usecs)} µs`;
}
