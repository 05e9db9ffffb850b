/**
 * The one place connection state changes happen (smoltcp's `set_state`): every transition is
 * recorded as a `state` event carrying the rule that caused it.
 */
import type { Host } from "./host";
import type { RuleId } from "./rules";
import type { Conn } from "./socket";
import type { TcpState } from "./types";

export function setState(h: Host, c: Conn, to: TcpState, rule: RuleId): void {
  const from = c.state;
  if (from === to) return;
  c.state = to;
  const fd = c.kind === "socket" ? c.fd : null;
  h.pushEvent({ kind: "state", time: h.now, conn: c.id, ...(fd !== null ? { fd } : {}), from, to, rule });
}

/** RFC 9293: states in which both sides' ISNs are known and the connection is synchronized. */
export function isSynchronized(s: TcpState): boolean {
  return s !== "CLOSED" && s !== "LISTEN" && s !== "SYN_SENT" && s !== "SYN_RECEIVED";
}
