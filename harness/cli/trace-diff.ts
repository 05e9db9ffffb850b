/**
 * Where a kernel trace and a model trace of the same script and mode differ, event by event:
 * entries are aligned by the script line they belong to (an entry without a line belongs to the
 * last line seen before it, as the runner records states and stray segments after an event).
 *
 * Not compared: times (the kernel's are wall-clock, with scheduling jitter; the runner already
 * held each side to the script's timing), TS val (a clock reading: same reason), live fd numbers
 * (the kernel's sandbox holds other fds), and fields the model marks `loose` (the window after the
 * handshake): a difference there is listed apart, as information, never counted.
 */
import type { Trace, TraceEntry } from "../../lib/trace/types";

export type DifferenceKind = "verdict" | "failure" | "segment" | "syscall" | "state" | "command";

export interface TraceDifference {
  readonly kind: DifferenceKind;
  /** The script line the difference is about, when there is one. */
  readonly line?: number;
  readonly kernel: string;
  readonly model: string;
  /** The model's rule behind its side (segments, states, a failure at a segment). */
  readonly rule?: string;
}

export interface TraceComparison {
  readonly differences: readonly TraceDifference[];
  /** Differences only in fields the model does not promise (informational). */
  readonly loose: readonly TraceDifference[];
}

/** The matcher fields (e.g. "tcp_window") the model did not promise for one of its sniff entries. */
export type LooseLookup = (entry: TraceEntry & { kind: "sniff" }) => readonly string[];

interface Segment {
  readonly text: string;
  readonly rule?: string;
  readonly entry: TraceEntry & { kind: "sniff" };
}

interface Line {
  readonly segments: Segment[];
  readonly syscalls: string[];
  readonly commands: string[];
}

interface StateStep {
  readonly state: string;
  readonly line: number;
  readonly rule?: string;
}

/** Calls whose result the runner checks as "an fd" (the number itself is the target's choice). */
const FD_RESULT = /^(socket|accept4?|open|epoll_create)\(/;

function group(trace: Trace): { lines: Map<number, Line>; states: Map<number, StateStep[]> } {
  const lines = new Map<number, Line>();
  const states = new Map<number, StateStep[]>();
  let current = 0;
  const at = (line: number): Line => {
    let l = lines.get(line);
    if (l === undefined) lines.set(line, (l = { segments: [], syscalls: [], commands: [] }));
    return l;
  };
  for (const e of trace.entries) {
    switch (e.kind) {
      case "inject":
        current = e.source.line;
        break;
      case "sniff":
        if (e.source !== undefined) current = e.source.line;
        at(current).segments.push({ text: e.text, ...(e.rule !== undefined ? { rule: e.rule } : {}), entry: e });
        break;
      case "syscall": {
        current = Math.max(current, e.source.line);
        const result = FD_RESULT.test(e.call) && e.ret >= 0 ? "an fd" : `${e.ret}${e.errno !== undefined ? ` ${e.errno}` : ""}`;
        at(e.source.line).syscalls.push(`${e.call.replace(/\s*=.*$/, "")} returned ${result}`);
        break;
      }
      case "command":
        current = Math.max(current, e.source.line);
        at(e.source.line).commands.push(`status ${e.status}`);
        break;
      case "state": {
        let s = states.get(e.fd);
        if (s === undefined) states.set(e.fd, (s = []));
        s.push({ state: e.state, line: current, ...(e.rule !== undefined ? { rule: e.rule } : {}) });
        break;
      }
      case "note":
        break;
    }
  }
  return { lines, states };
}

function failureText(t: Trace): string {
  if (t.verdict === "pass") return "PASS";
  const f = t.failure;
  const line = f?.span !== undefined ? `line ${f.span.start.line}: ` : "";
  return `${t.verdict.toUpperCase()}: ${line}${f?.message ?? "(no diagnostic)"}${f !== undefined ? ` [${f.code}]` : ""}`;
}

function failureLine(t: Trace): number | undefined {
  return t.verdict === "pass" ? undefined : t.failure?.span?.start.line ?? 0;
}

function mask(text: string, loose: readonly string[]): string {
  let out = text.replace(/\bTS val \d+/g, "TS val *");
  if (loose.includes("tcp_window")) out = out.replace(/\bwin \d+/g, "win *");
  return out;
}

function segmentsText(segs: readonly Segment[]): string {
  return segs.length === 0 ? "(no segment)" : segs.map((s) => s.text).join(" | ");
}

function rulesOf(segs: readonly Segment[]): string | undefined {
  const rules = segs.flatMap((s) => (s.rule !== undefined ? [s.rule] : []));
  return rules.length > 0 ? rules.join(", ") : undefined;
}

export function compareTraces(kernel: Trace, model: Trace, looseOf: LooseLookup = () => []): TraceComparison {
  const differences: TraceDifference[] = [];
  const loose: TraceDifference[] = [];
  const k = group(kernel);
  const m = group(model);
  const kFail = failureLine(kernel);
  const mFail = failureLine(model);
  // Past the first failure one side stopped playing the script; comparing further is noise.
  const lastLine = Math.min(kFail ?? Infinity, mFail ?? Infinity);

  if (kernel.verdict !== model.verdict) {
    const rule = mFail !== undefined ? rulesOf(m.lines.get(mFail)?.segments ?? []) : undefined;
    differences.push({ kind: "verdict", ...(lastLine !== Infinity ? { line: lastLine } : {}), kernel: failureText(kernel), model: failureText(model), ...(rule !== undefined ? { rule } : {}) });
  } else if (kernel.verdict !== "pass" && (kFail !== mFail || kernel.failure?.code !== model.failure?.code)) {
    const rule = mFail !== undefined ? rulesOf(m.lines.get(mFail)?.segments ?? []) : undefined;
    differences.push({ kind: "failure", line: lastLine, kernel: failureText(kernel), model: failureText(model), ...(rule !== undefined ? { rule } : {}) });
  }

  const lineNumbers = [...new Set([...k.lines.keys(), ...m.lines.keys()])].filter((l) => l <= lastLine).sort((a, b) => a - b);
  for (const line of lineNumbers) {
    const kl = k.lines.get(line) ?? { segments: [], syscalls: [], commands: [] };
    const ml = m.lines.get(line) ?? { segments: [], syscalls: [], commands: [] };
    const rule = rulesOf(ml.segments);
    const withRule = rule !== undefined ? { rule } : {};
    if (kl.segments.length !== ml.segments.length) {
      differences.push({ kind: "segment", line, kernel: segmentsText(kl.segments), model: segmentsText(ml.segments), ...withRule });
    } else {
      let strict = false;
      let relaxed = false;
      kl.segments.forEach((ks, i) => {
        const ms = ml.segments[i]!;
        const l = looseOf(ms.entry);
        if (mask(ks.text, l) !== mask(ms.text, l)) strict = true;
        else if (mask(ks.text, []) !== mask(ms.text, [])) relaxed = true;
      });
      if (strict) differences.push({ kind: "segment", line, kernel: segmentsText(kl.segments), model: segmentsText(ml.segments), ...withRule });
      else if (relaxed) loose.push({ kind: "segment", line, kernel: segmentsText(kl.segments), model: segmentsText(ml.segments), ...withRule });
    }
    if (kl.syscalls.join("\n") !== ml.syscalls.join("\n")) {
      differences.push({ kind: "syscall", line, kernel: kl.syscalls.join("; ") || "(no call)", model: ml.syscalls.join("; ") || "(no call)" });
    }
    if (kl.commands.join("\n") !== ml.commands.join("\n")) {
      differences.push({ kind: "command", line, kernel: kl.commands.join("; ") || "(not run)", model: ml.commands.join("; ") || "(not run)" });
    }
  }

  for (const fd of [...new Set([...k.states.keys(), ...m.states.keys()])].sort((a, b) => a - b)) {
    const ks = (k.states.get(fd) ?? []).filter((s) => s.line <= lastLine);
    const ms = (m.states.get(fd) ?? []).filter((s) => s.line <= lastLine);
    const n = Math.max(ks.length, ms.length);
    for (let i = 0; i < n; i++) {
      if (ks[i]?.state === ms[i]?.state) continue;
      const rule = ms[i]?.rule;
      differences.push({
        kind: "state",
        line: ks[i]?.line ?? ms[i]!.line,
        kernel: `fd ${fd}: ${ks.map((s) => s.state).join(" → ") || "(no state)"}`,
        model: `fd ${fd}: ${ms.map((s) => s.state).join(" → ") || "(no state)"}`,
        ...(rule !== undefined ? { rule } : {}),
      });
      break;
    }
  }
  const order = (d: TraceDifference): number => (d.kind === "verdict" || d.kind === "failure" ? -1 : d.line ?? 0);
  return { differences: differences.sort((a, b) => order(a) - order(b)), loose };
}
