/**
 * "Did the target send this segment?" for a whole trace: the expectation is parsed as a `>` line
 * and compared with every emitted segment by lib/match's own comparison (compareOutbound), so
 * `F. 1:1(0) ack 2` means what it means in a script. Unlike a script line, an expectation that
 * omits its options list does not demand "no options": it leaves them unchecked, like `win`.
 *
 * The trace keeps emitted segments as live bytes plus script-space text; the comparison uses the
 * bytes with sequence numbers, acknowledgment and SACK edges taken from the text (script space).
 */
import type { Diagnostic } from "../../lib/diagnostics/types";
import { compareOutbound, type Mismatch } from "../../lib/match/outbound";
import type { PacketSpec, TcpSpec } from "../../lib/script/ast";
import { parseScript } from "../../lib/script/parse";
import type { IpMode, Trace, TraceEntry } from "../../lib/trace/types";
import { decodePacket, seq, type PacketRepr, type TcpOption } from "../../lib/wire";

export type SniffEntry = TraceEntry & { readonly kind: "sniff" };

export interface SegmentVerdict {
  /** The first emitted segment that matches, if any. */
  readonly match?: SniffEntry;
  /** For a miss: each emitted segment with what differs from the expectation. */
  readonly misses: readonly { readonly entry: SniffEntry; readonly mismatches: readonly Mismatch[] }[];
}

/** Parses `text` (script notation, with or without a leading `>`) as one outbound packet. */
export function parseSegment(text: string, mode: IpMode = "ipv4"): { spec?: PacketSpec; diagnostic?: Diagnostic } {
  const body = text.trim().replace(/^>\s*/, "");
  const r = parseScript(`0 > ${body}\n`, { file: "<segment>", ipVersion: mode });
  const event = r.script?.events[0];
  const error = r.diagnostics.find((d) => d.severity === "error");
  if (error !== undefined || event === undefined || event.kind !== "packet") {
    return { diagnostic: error ?? { code: "E-segment", severity: "error", message: `not an outbound packet: ${text}` } };
  }
  return { spec: event.packet };
}

/** The expectation with an omitted options list read as `<...>` (don't care). */
function lenient(spec: PacketSpec): PacketSpec {
  if (spec.body.kind !== "tcp" || spec.body.options !== undefined) return spec;
  const body: TcpSpec = { ...spec.body, options: { kind: "any", span: spec.body.flags.span } };
  return { ...spec, body };
}

/** The emitted segment in script space: live bytes with seq/ack/SACK from the script-space text. */
function actualPacket(entry: SniffEntry, mode: IpMode): PacketRepr | undefined {
  let live: PacketRepr;
  try {
    live = decodePacket(Uint8Array.from(Buffer.from(entry.hex, "hex")));
  } catch {
    return undefined;
  }
  const shown = parseSegment(entry.text, mode).spec;
  if (live.l4.protocol !== "tcp" || shown === undefined || shown.body.kind !== "tcp") return live;
  const s = shown.body;
  const sacks = s.options?.kind === "list" ? s.options.options.filter((o) => o.kind === "sack") : [];
  let nthSack = 0;
  const options = live.l4.tcp.options.map((o): TcpOption => {
    if (o.kind !== "sack") return o;
    const written = sacks[nthSack++];
    return written === undefined ? o : { kind: "sack", blocks: written.blocks.map((b) => ({ left: seq(b.left), right: seq(b.right) })) };
  });
  const tcp = { ...live.l4.tcp, seq: seq(s.seq.start), ack: seq(s.ack?.value ?? 0), options };
  return { ...live, l4: { ...live.l4, tcp } };
}

/** Compares `expected` with every segment the target emitted in `trace`. */
export function findSegment(trace: Trace, expected: PacketSpec): SegmentVerdict {
  const spec = lenient(expected);
  const misses: { entry: SniffEntry; mismatches: Mismatch[] }[] = [];
  for (const entry of trace.entries) {
    if (entry.kind !== "sniff") continue;
    const actual = actualPacket(entry, trace.mode);
    if (actual === undefined) continue;
    const mismatches = compareOutbound(spec, actual, { strictSegments: false, tsTickUsecs: 0, toleranceUsecs: 0 });
    if (mismatches.length === 0) return { match: entry, misses };
    misses.push({ entry, mismatches });
  }
  return { misses };
}
