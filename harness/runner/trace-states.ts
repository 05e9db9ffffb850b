/**
 * The TCP state of each connection of a run, as trace entries, recorded when it changes: through
 * its fd while the script holds one (TCP_INFO), afterwards by 4-tuple (orphans and TIME_WAIT have
 * no fd), and CLOSED once the connection is gone.
 */
import type { Connection } from "../../lib/match/space";
import type { TraceEntry } from "../../lib/trace/types";
import type { Target } from "../target/target";
import type { RunState } from "./state";

export class TraceStates {
  private readonly stateOf = new Map<Connection, { state: string; fd: number }>();

  /** `at`: a target instant as script time. */
  constructor(
    private readonly state: RunState,
    private readonly target: Target,
    private readonly entries: TraceEntry[],
    private readonly at: (live: number) => number,
  ) {}

  /** Records every connection whose state changed since the last time. */
  record(): void {
    const { state, target } = this;
    for (const conn of state.connections) {
      const entry = conn.scriptFd >= 0 ? state.fdEntry(conn.scriptFd) : undefined;
      const open = entry !== undefined && entry.conn === conn;
      let s: string | undefined;
      const byTuple = (): string | undefined =>
        conn.liveLocal !== undefined && conn.liveRemote !== undefined ? target.connectionState?.(conn.liveLocal, conn.liveRemote) : undefined;
      if (open) {
        s = target.tcpState(conn.liveFd);
        // A connection in TIME_WAIT lives on as a timewait socket; TCP_INFO on the fd says CLOSE.
        if (s === "CLOSE") s = byTuple() === "TIME_WAIT" ? "TIME_WAIT" : s;
      } else if (conn.liveLocal !== undefined && conn.liveRemote !== undefined && target.connectionState !== undefined) {
        s = byTuple() ?? (this.stateOf.has(conn) ? "CLOSED" : undefined);
      }
      // Recorded again when accept() gives the connection its fd, so each fd's history is whole.
      const last = this.stateOf.get(conn);
      if (s === undefined || (last?.state === s && last.fd === conn.scriptFd)) continue;
      this.stateOf.set(conn, { state: s, fd: conn.scriptFd });
      const rule = open ? target.stateRule?.(conn.liveFd) : undefined;
      this.entries.push({ kind: "state", time: this.at(target.now()), fd: conn.scriptFd, state: s, ...(rule !== undefined ? { rule } : {}) });
    }
  }

  /**
   * A socket() that headed a `+0` chain returned `liveFd` at `time` (script time). By the time
   * the runner reads the state the chain's calls have all run (a listen() made it LISTEN); a TCP
   * socket starts CLOSE (tcp_init_sock), and the trace says so first.
   */
  chainedSocket(liveFd: number, time: number): void {
    const conn = this.state.connections.find((c) => c.liveFd === liveFd);
    if (conn?.protocol !== "tcp" || this.stateOf.has(conn)) return;
    this.stateOf.set(conn, { state: "CLOSE", fd: conn.scriptFd });
    this.entries.push({ kind: "state", time, fd: conn.scriptFd, state: "CLOSE" });
  }
}
