/**
 * The Trace: the one product of a run. Text output, --json, pcap, ladder diagrams, mocha results
 * and `tcpdrill diff` are all views of it. Plain, serialisable data: packets as hex bytes plus their
 * script notation, times in microseconds since the run started, spans back into the script.
 */
import type { Diagnostic } from "../diagnostics";

export type TargetKind = "kernel" | "model";
export type IpMode = "ipv4" | "ipv4-mapped-ipv6" | "ipv6";
export type Verdict = "pass" | "fail" | "error";

/** Where in the script an entry came from (1-based line). */
export interface TraceSource {
  readonly line: number;
}

export type TraceEntry =
  /** A segment the script injected (after mapping to live space). */
  | {
      readonly kind: "inject";
      readonly time: number;
      /** When the script meant it (µs): `time - due` is the runner's own lateness. */
      readonly due?: number;
      readonly source: TraceSource;
      readonly hex: string;
      readonly text: string;
    }
  /** A segment the target emitted; `line` is the script event it was matched against, if any. */
  | {
      readonly kind: "sniff";
      readonly time: number;
      readonly source?: TraceSource;
      readonly hex: string;
      /** In script notation, mapped to script space. */
      readonly text: string;
      readonly matched: boolean;
      /** The model's rule that produced it (model target only). */
      readonly rule?: string;
    }
  | {
      readonly kind: "syscall";
      readonly start: number;
      readonly end: number;
      /** When the script meant the call to start (µs): `start - due` is the runner's own lateness. */
      readonly due?: number;
      readonly source: TraceSource;
      /** The call as written, e.g. `accept(3, ..., ...)`. */
      readonly call: string;
      readonly ret: number;
      readonly errno?: string;
    }
  | { readonly kind: "command"; readonly time: number; readonly source: TraceSource; readonly command: string; readonly status: number }
  /** The socket's TCP state (tcpi_state name, e.g. "ESTABLISHED") after an event, when it changed. */
  | { readonly kind: "state"; readonly time: number; readonly fd: number; readonly state: string; readonly rule?: string }
  | { readonly kind: "note"; readonly time: number; readonly text: string };

export interface Trace {
  readonly script: string;
  readonly mode: IpMode;
  readonly target: TargetKind;
  readonly verdict: Verdict;
  /** The first failure (a script failure or an environment error), rendered by the edge. */
  readonly failure?: Diagnostic;
  /** Every further problem found at the failing event (all mismatched fields of a segment). */
  readonly entries: readonly TraceEntry[];
  /** Wall-clock time (Unix ms) of script time 0, to place the trace's relative times. */
  readonly epochMs?: number;
  /** Wall-clock duration of the run in milliseconds (for the kernel; ~0 for the model). */
  readonly wallMs: number;
  /** Scripted duration: the time of the last event (µs). */
  readonly scriptedUsecs: number;
  /** Conditions that do not fail the run but may explain it (an init command's sysctl that did not apply). */
  readonly warnings?: readonly string[];
  /**
   * The smallest margin (µs) of the run's timing checks (outbound packets, blocking calls'
   * returns; lib/match/timing.ts: timingMargin), negative when one failed. Absent when none ran.
   */
  readonly timingMarginUs?: number;
  /** Set when the run was repeated to confirm its outcome (lib/trace/confirm.ts). */
  readonly repeats?: Repeats;
}

/** How the repeats of a run whose verdict could hang on timing came out. */
export interface Repeats {
  /** Runs made, this one included. */
  readonly runs: number;
  /** Runs with this run's outcome (the majority's), this one included. */
  readonly agreeing: number;
  /** The other runs' outcomes, as outcomeText describes them. */
  readonly others: readonly string[];
}
