/** A run's packets as a pcap file (raw IP, nanosecond timestamps): injected and sniffed, in time order. */
import { writeFileSync } from "node:fs";
import { pcapFileHeader, pcapRecord } from "../../lib/wire/pcap";
import type { Trace } from "../../lib/trace/types";

export function tracePcap(trace: Trace): Uint8Array {
  const epochNs = BigInt(Math.round((trace.epochMs ?? 0) * 1e6));
  const packets = trace.entries
    .filter((e): e is Extract<typeof e, { kind: "inject" | "sniff" }> => e.kind === "inject" || e.kind === "sniff")
    .sort((a, b) => a.time - b.time);
  const parts: Uint8Array[] = [pcapFileHeader()];
  for (const p of packets) parts.push(pcapRecord(Buffer.from(p.hex, "hex"), epochNs + BigInt(Math.round(p.time * 1000))));
  return Buffer.concat(parts);
}

export function writeTracePcap(trace: Trace, file: string): void {
  writeFileSync(file, tracePcap(trace));
}
