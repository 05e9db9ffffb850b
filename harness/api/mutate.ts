/**
 * Mechanical mutations of a script, for showing that a spec can fail: each one changes a single
 * expectation in the text (by the AST's spans, so comments and layout survive) and must still
 * parse. A script that passes with a mutation applied does not check what it claims to.
 */
import type { Event, PacketEvent, Script, SyscallEvent } from "../../lib/script/ast";
import type { Span } from "../../lib/diagnostics/types";
import { parseScript } from "../../lib/script/parse";
import type { IpMode } from "../../lib/script/ast";
import { formatSeconds } from "./builder";

export interface Mutation {
  /** e.g. `flags of line 9: S. -> F.` */
  readonly name: string;
  readonly line: number;
  readonly text: string;
}

function splice(source: string, span: Span, replacement: string): string {
  return source.slice(0, span.start.offset) + replacement + source.slice(span.end.offset);
}

function isOutboundTcp(e: Event): e is PacketEvent {
  return e.kind === "packet" && e.packet.direction === "outbound" && e.packet.body.kind === "tcp";
}

/** Flag texts to try instead of `flags`, most telling first: drop FIN, RST↔ACK-only, add FIN. */
function flagCandidates(flags: string): string[] {
  const out: string[] = [];
  if (flags.includes("F")) out.push(flags.replace("F", "") || ".");
  if (flags.includes("R")) out.push(flags.replace("R", "") || ".");
  if (flags === ".") out.push("R.");
  if (!flags.includes("F") && !flags.includes("R")) out.push(`F${flags === "." ? "" : flags.replace(".", "")}.`);
  return out.filter((f) => f !== flags);
}

function parses(text: string, file: string, mode: IpMode): boolean {
  const r = parseScript(text, { file, ipVersion: mode });
  return r.script !== undefined;
}

type Pick = (events: readonly Event[]) => PacketEvent | undefined;

const firstOutbound: Pick = (events) => events.find(isOutboundTcp);
/** Past the handshake: the first `>` without SYN (a FIN, RST or ACK the script is really about). */
const firstNonSyn: Pick = (events) => events.find((e): e is PacketEvent => isOutboundTcp(e) && e.packet.body.kind === "tcp" && !e.packet.body.flags.syn);
const firstRelative: Pick = (events) => events.find((e): e is PacketEvent => isOutboundTcp(e) && e.time.kind === "relative");
/** The last timed `>` is often a timer's work (retransmission, keepalive, TIME_WAIT ACK). */
const lastRelative: Pick = (events) => [...events].reverse().find((e): e is PacketEvent => isOutboundTcp(e) && e.time.kind === "relative");

function flipFlags(which: string, pick: Pick): (source: string, script: Script, mode: IpMode) => Mutation | undefined {
  return (source, script, mode) => {
    const e = pick(script.events);
    if (e === undefined || e.packet.body.kind !== "tcp") return undefined;
    const flags = e.packet.body.flags;
    for (const f of flagCandidates(flags.text)) {
      const text = splice(source, flags.span, f);
      const line = flags.span.start.line;
      if (parses(text, script.file, mode)) return { name: `flags of the ${which} > (line ${line}): ${flags.text || "-"} -> ${f}`, line, text };
    }
    return undefined;
  };
}

function shiftTime(which: string, pick: Pick): (source: string, script: Script, mode: IpMode) => Mutation | undefined {
  return (source, script, mode) => {
    const e = pick(script.events);
    if (e === undefined || e.time.kind !== "relative") return undefined;
    const shifted = `+${formatSeconds((e.time.offset.usecs + 500_000) / 1e6)}`;
    const text = splice(source, e.time.span, shifted);
    const line = e.time.span.start.line;
    return parses(text, script.file, mode) ? { name: `time of the ${which} > (line ${line}): +${e.time.offset.text} -> ${shifted}`, line, text } : undefined;
  };
}

function changeErrno(source: string, script: Script, mode: IpMode): Mutation | undefined {
  const e = script.events.find((x): x is SyscallEvent => x.kind === "syscall" && x.call.errno !== undefined && x.call.errno.define === undefined);
  const errno = e?.call.errno;
  if (errno === undefined) return undefined;
  const other = errno.name === "ENOTCONN" ? "EPIPE" : "ENOTCONN";
  const start = errno.span.start;
  const nameSpan: Span = { file: errno.span.file, start, end: { ...start, offset: start.offset + errno.name.length, col: start.col + errno.name.length } };
  const text = splice(source, nameSpan, other);
  return parses(text, script.file, mode) ? { name: `first errno (line ${start.line}): ${errno.name} -> ${other}`, line: start.line, text } : undefined;
}

/** The applicable mutations of `source` (none if it does not parse for `mode`). */
export function mutations(source: string, file: string, mode: IpMode): Mutation[] {
  const script = parseScript(source, { file, ipVersion: mode }).script;
  if (script === undefined) return [];
  const all = [
    flipFlags("first", firstOutbound),
    flipFlags("first non-SYN", firstNonSyn),
    shiftTime("first relative", firstRelative),
    shiftTime("last relative", lastRelative),
    changeErrno,
  ].flatMap((m) => m(source, script, mode) ?? []);
  // The same edit reached two ways (one `>` both first and last) is one mutation.
  return all.filter((m, i) => all.findIndex((o) => o.text === m.text) === i);
}

/**
 * Every `>` line deleted, its ack and (past the SYN) seq moved by one, its time moved by +0.5 s;
 * every expected errno changed. Slower and harsher than `mutations`: for finding what a script
 * does not pin down (TCPDRILL_MUTATE_DEEP=1 in specs/tcp/mutation.spec.ts).
 */
export function deepMutations(source: string, file: string, mode: IpMode): Mutation[] {
  const script = parseScript(source, { file, ipVersion: mode }).script;
  if (script === undefined) return [];
  const out: Mutation[] = [];
  const add = (name: string, line: number, text: string): void => {
    if (parses(text, file, mode)) out.push({ name: `${name} (line ${line})`, line, text });
  };
  for (const e of script.events) {
    const line = e.span.start.line;
    if (e.kind === "syscall" && e.call.errno !== undefined && e.call.errno.define === undefined) {
      const other = e.call.errno.name === "ENOTCONN" ? "EPIPE" : "ENOTCONN";
      add(`errno ${e.call.errno.name} -> ${other}`, line, splice(source, e.call.errno.span, `${other} (mutated)`));
    }
    if (!isOutboundTcp(e) || e.packet.body.kind !== "tcp") continue;
    const b = e.packet.body;
    add("> line deleted", line, splice(source, e.span, ""));
    if (b.ack !== undefined) add(`ack ${b.ack.value} -> ${b.ack.value + 1}`, line, splice(source, b.ack.span, `ack ${b.ack.value + 1}`));
    // A SYN's seq is the script's own ISN (mapped to the live one), so moving it changes nothing.
    if (!b.flags.syn) add(`seq ${b.seq.start} -> ${b.seq.start + 1}`, line, splice(source, b.seq.span, `${b.seq.start + 1}:${b.seq.end + 1}(${b.seq.length})`));
    if (e.time.kind === "relative") {
      const shifted = `+${formatSeconds((e.time.offset.usecs + 500_000) / 1e6)}`;
      add(`time +${e.time.offset.text} -> ${shifted}`, line, splice(source, e.time.span, shifted));
    }
    if (e.time.kind === "absolute") {
      const shifted = formatSeconds((e.time.at.usecs + 500_000) / 1e6);
      add(`time ${e.time.at.text} -> ${shifted}`, line, splice(source, e.time.span, shifted));
    }
  }
  return out;
}
