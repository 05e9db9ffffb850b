/**
 * The trace as text, one line per entry, in script time — what `tcpdrill run --verbose` prints:
 *
 *   0.000120 < S 0:0(0) win 65535 <mss 1460>            line 9
 *   0.000398 > S. 0:0(0) ack 1 win 64240 <mss 1460>     line 10
 *   0.100512 accept(3, ..., ...) = 4                      line 12
 *   0.100530 fd 4: ESTABLISHED
 */
import { secs } from "../../lib/match/timing";
import type { Trace, TraceEntry } from "../../lib/trace/types";
import { assertNever } from "../../lib/util/assert-never";

function line(e: TraceEntry): [number, string, number | undefined] {
  switch (e.kind) {
    case "inject":
      return [e.time, `< ${e.text}`, e.source.line];
    case "sniff":
      return [e.time, `> ${e.text}${e.matched ? "" : "   (not matched)"}${e.rule !== undefined ? `   [${e.rule}]` : ""}`, e.source?.line];
    case "syscall":
      // The call as the script wrote it; live fds and long blocking times are added after it.
      return [e.start, `${e.call}${/^(socket|accept|open|epoll_create)\(/.test(e.call) && e.ret >= 0 ? `   (live fd ${e.ret})` : ""}${e.end - e.start > 1000 ? `   (returned at ${secs(e.end)})` : ""}`, e.source.line];
    case "command":
      return [e.time, `\`${e.command}\` → status ${e.status}`, e.source.line];
    case "state":
      return [e.time, `fd ${e.fd}: ${e.state}${e.rule !== undefined ? `   [${e.rule}]` : ""}`, undefined];
    case "note":
      return [e.time, `note: ${e.text}`, undefined];
    default:
      return assertNever(e, "trace entry");
  }
}

export function formatTrace(trace: Trace): string {
  const rows = trace.entries.map(line).sort((a, b) => a[0] - b[0]);
  const width = Math.min(90, Math.max(0, ...rows.map((r) => r[1].length)));
  return rows.map(([t, text, src]) => `${secs(t).padStart(11)} ${src !== undefined ? text.padEnd(width) + `   line ${src}` : text}`).join("\n") + "\n";
}
