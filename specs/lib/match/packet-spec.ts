/** Test helper for the lib/match specs: one script packet line parsed into its `PacketSpec`. */
import type { IpMode, PacketSpec } from "../../../lib/script/ast";
import { parseScript } from "../../../lib/script";

/**
 * The packet of `line` (e.g. `< S 0:0(0) win 100`), parsed for `mode`. With `allowErrors` the
 * partial tree is returned even when the checks reject the line (to test the matcher's own errors).
 */
export function packetSpec(line: string, mode: IpMode = "ipv4", allowErrors = false): PacketSpec {
  const r = parseScript(`0 ${line}\n`, { file: "spec.pkt", ipVersion: mode });
  const script = allowErrors ? r.partial : r.script;
  if (script === undefined) throw new Error(`${line}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  const ev = script.events[0];
  if (ev === undefined || ev.kind !== "packet") throw new Error(`${line}: not a packet event`);
  return ev.packet;
}
