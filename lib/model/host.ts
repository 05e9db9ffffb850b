/**
 * A host: one network stack with one local address talking to one remote address, an fd table,
 * the socket lookup tables (connections by 4-tuple, listeners by port), the event queue and the
 * virtual clock. Pure: time only moves when the caller passes a later `now`.
 *
 * Order of work inside every entry point (`syscall`, `receive`, `advance`): first every timer with
 * deadline ≤ now fires in deadline order (ties: oldest connection first), then the call itself,
 * then blocked syscalls are re-tried. Everything emitted is queued and handed out by `advance`.
 */
import { canonicalAddress } from "../wire/address";
import type { PacketRepr } from "../wire/types";
import { AF_INET, AF_INET6 } from "./constants";
import { segmentArrives } from "./input";
import { applySysctl as applySysctlTo, parseSysctlCommand, PROFILES, type Profile, type SysctlError } from "./profiles";
import { keyedHash, makeRng } from "./rng";
import type { RuleId } from "./rules";
import type { Conn, Request, Socket, Tuple } from "./socket";
import { tupleKey } from "./socket";
import { dispatchSyscall } from "./syscalls";
import type { PendingCall } from "./sys-util";
import { fireRequestTimer } from "./listener";
import { sendAck } from "./output";
import { fireSocketTimer, nextSocketTimer } from "./timers";
import type { ModelEvent, SysArg, SyscallOutcome, TcpState } from "./types";

export interface IsnContext extends Tuple {
  readonly now: number;
}

export interface HostOptions {
  /** A profile or a shipped profile's name; default "linux-6.18". */
  readonly profile?: Profile | string;
  readonly ipVersion: 4 | 6;
  /** IPv4 on the wire, AF_INET6 sockets with ::ffff:a.b.c.d addresses. */
  readonly mapped?: boolean;
  /** The host's own address as it appears on the wire (IPv4 also in mapped mode). */
  readonly localIp: string;
  /** The one peer address (the script side), as on the wire. */
  readonly remoteIp: string;
  /** Link MTU (default 1500): advertised MSS = MTU − 40 (IPv4) / − 60 (IPv6). */
  readonly mtu?: number;
  /** Seeds ISNs, timestamp offset, ephemeral ports and the syncookie secret (default 1). */
  readonly seed?: number;
  /** ISN choice; default: seeded pseudo-random per connection (Linux: keyed hash + clock). */
  readonly isn?: (c: IsnContext) => number;
  /** Timestamp clock offset (TS val = ms + offset); default seeded. */
  readonly tsOffset?: number;
  /** First ephemeral port tried by connect()/autobind; default seeded within ip_local_port_range. */
  readonly ephemeralPortStart?: number;
  /** IP TTL / hop limit of emitted packets (default 64). */
  readonly ttl?: number;
  /**
   * Model a TSO/GSO device: data segments sent back-to-back by one push leave as one packet of up
   * to 64 KB (what a TUN device with offloads, like packetdrill's, shows). Default false.
   */
  readonly tso?: boolean;
}

export interface ConnectionSummary {
  readonly conn: number;
  readonly kind: Conn["kind"];
  readonly state: TcpState;
  readonly fd?: number;
  readonly localPort?: number;
  readonly remotePort?: number;
}

/** A timer picked by the scheduler. */
type Due =
  | { at: number; kind: "socket"; s: Socket }
  | { at: number; kind: "request"; r: Request }
  | { at: number; kind: "call"; c: PendingCall };

export class Host {
  profile: Profile;
  readonly ipVersion: 4 | 6;
  readonly mapped: boolean;
  readonly localIp: string;
  readonly remoteIp: string;
  readonly mtu: number;
  readonly ttl: number;
  readonly tso: boolean;
  /** Current virtual time (µs). */
  now = 0;

  readonly fds = new Map<number, Socket>();
  /** Sockets that exist (fd-owned or orphaned), in creation order. */
  readonly sockets = new Set<Socket>();
  /** Connections by 4-tuple: full sockets, requests, timewait sockets (the ehash). */
  readonly conns = new Map<string, Conn>();
  readonly pendingCalls: PendingCall[] = [];

  private events: ModelEvent[] = [];
  private nextConnId = 1;
  private nextCallId = 1;
  private readonly rng: () => number;
  readonly secret: number;
  private readonly isnFn: ((c: IsnContext) => number) | undefined;
  readonly tsOffset: number;
  private nextEphemeral: number;

  constructor(o: HostOptions) {
    const p = o.profile ?? "linux-6.18";
    const profile = typeof p === "string" ? PROFILES[p] : p;
    if (!profile) throw new Error(`unknown model profile: ${String(p)}`);
    this.profile = profile;
    this.ipVersion = o.ipVersion;
    this.mapped = o.mapped ?? false;
    if (this.mapped && this.ipVersion !== 4) throw new Error("mapped (IPv4-mapped IPv6) needs ipVersion 4");
    const local = canonicalAddress(o.localIp);
    const remote = canonicalAddress(o.remoteIp);
    if (!local || !remote) throw new Error(`bad host addresses: ${o.localIp}, ${o.remoteIp}`);
    this.localIp = local;
    this.remoteIp = remote;
    this.mtu = o.mtu ?? 1500;
    this.ttl = o.ttl ?? 64;
    this.tso = o.tso ?? false;
    this.rng = makeRng(o.seed ?? 1);
    this.secret = this.rng();
    this.isnFn = o.isn;
    this.tsOffset = o.tsOffset ?? this.rng();
    const [lo, hi] = profile.sysctl.ip_local_port_range;
    this.nextEphemeral = o.ephemeralPortStart ?? lo + (this.rng() % (hi - lo + 1));
  }

  /** The socket family scripts get: AF_INET6 for IPv6 and for mapped mode. */
  get family(): 2 | 10 {
    return this.ipVersion === 6 || this.mapped ? AF_INET6 : AF_INET;
  }

  get jiffy(): number {
    return 1_000_000 / this.profile.constants.hz;
  }

  // ---- public entry points ----------------------------------------------------------------------

  syscall(name: string, args: readonly SysArg[], now: number): SyscallOutcome {
    this.moveTo(now);
    const outcome = dispatchSyscall(this, name, args, () => this.nextCallId++);
    this.retryPendingCalls();
    return outcome;
  }

  receive(packet: PacketRepr, now: number): void {
    this.moveTo(now);
    segmentArrives(this, packet);
    this.retryPendingCalls();
  }

  /** Fires every timer due by `now`, and returns (and forgets) everything emitted so far. */
  advance(now: number): ModelEvent[] {
    this.moveTo(now);
    const out = this.events;
    this.events = [];
    return out;
  }

  nextDeadline(): number | undefined {
    return this.earliestDue()?.at;
  }

  /**
   * The connection state behind an fd (RFC names). A connection in TIME_WAIT reports TIME_WAIT
   * here, although TCP_INFO reports TCP_CLOSE for it like the kernel does (the kernel moved the
   * connection to a timewait socket and closed the fd's socket).
   */
  socketState(fd: number): TcpState | undefined {
    return this.fds.get(fd)?.state;
  }

  /**
   * Sends now every ACK that is owed and waiting on its delayed-ACK timer ("both allowed": Linux
   * may ACK at once in quick-ack mode or at the timer). For a runner that expects the ACK earlier
   * than the model's nominal choice; the packet's timeRange runs to the timer's deadline. Like
   * an immediate ACK, it leaves ATO and pingpong as they are. Returns how many were sent.
   */
  sendOwedAcks(now: number): number {
    this.moveTo(now);
    let sent = 0;
    for (const s of this.sockets) {
      const t = s.tcb;
      if (!t || s.tw || s.state === "CLOSED" || s.state === "LISTEN" || !t.ack.scheduled || t.ack.timer === null) continue;
      sendAck(this, s, "output/ack-early", { timeRange: { earliest: t.ack.dueSince, latest: t.ack.timer } });
      sent++;
    }
    this.retryPendingCalls();
    return sent;
  }

  /** Applies `net.ipv4.x = value` to this host's profile. */
  applySysctl(name: string, value: string): SysctlError | undefined {
    const r = applySysctlTo(this.profile, name, value);
    if (!r.ok) return r.error;
    this.profile = r.profile;
    return undefined;
  }

  /**
   * Runs a script command if it only sets sysctls (`sysctl -q k=v`, `echo v > /proc/sys/...`).
   * Returns false (and changes nothing) when the command is anything else.
   */
  runCommand(command: string): { handled: boolean; errors: readonly SysctlError[] } {
    const parsed = parseSysctlCommand(command);
    if (parsed.unrecognized.length > 0 || parsed.assignments.length === 0) return { handled: false, errors: [] };
    const errors: SysctlError[] = [];
    for (const a of parsed.assignments) {
      const e = this.applySysctl(a.name, a.value);
      if (e) errors.push(e);
    }
    return { handled: true, errors };
  }

  connections(): ConnectionSummary[] {
    const out: ConnectionSummary[] = [];
    for (const s of this.sockets) {
      out.push({
        conn: s.id, kind: "socket", state: s.state,
        ...(s.fd !== null ? { fd: s.fd } : {}),
        ...(s.local ? { localPort: s.local.port } : {}),
        ...(s.remote ? { remotePort: s.remote.port } : {}),
      });
      for (const r of s.listen?.requests ?? []) {
        out.push({ conn: r.id, kind: "request", state: r.state, localPort: r.tuple.localPort, remotePort: r.tuple.remotePort });
      }
    }
    return out;
  }

  // ---- services for the model's modules ---------------------------------------------------------

  pushEvent(e: ModelEvent): void {
    this.events.push(e);
  }

  drop(conn: Conn | null, rule: RuleId): void {
    this.events.push({ kind: "drop", time: this.now, ...(conn ? { conn: conn.id } : {}), rule });
  }

  newConnId(): number {
    return this.nextConnId++;
  }

  /**
   * secure_tcp_seq: a keyed hash of the 4-tuple plus a clock that ticks every 64 ns
   * (ktime_get_real_ns() >> 6), so a later connection on the same 4-tuple starts further on in
   * proportion to the time between them (RFC 9293 §3.4.1, MUST-8).
   */
  isnFor(t: Tuple): number {
    if (this.isnFn) return this.isnFn({ ...t, now: this.now }) >>> 0;
    const hash = keyedHash(this.secret, `isn|${t.localAddr}|${t.localPort}|${t.remoteAddr}|${t.remotePort}`);
    return (hash + Math.floor((this.now * 1000) / 64)) >>> 0;
  }

  /** Next free ephemeral port (skips ports any socket or timewait uses). */
  ephemeralPort(): number | undefined {
    const [lo, hi] = this.profile.sysctl.ip_local_port_range;
    const span = hi - lo + 1;
    for (let i = 0; i < span; i++) {
      let port = this.nextEphemeral + i;
      if (port > hi || port < lo) port = lo + ((port - lo) % span + span) % span;
      if (!this.portInUse(port)) {
        this.nextEphemeral = port + 1;
        return port;
      }
    }
    return undefined;
  }

  portInUse(port: number): boolean {
    for (const s of this.sockets) if (s.local?.port === port) return true;
    return false;
  }

  lookupConn(t: Tuple): Conn | undefined {
    return this.conns.get(tupleKey(t));
  }

  addConn(t: Tuple, c: Conn): void {
    this.conns.set(tupleKey(t), c);
  }

  removeConn(t: Tuple, c: Conn): void {
    const key = tupleKey(t);
    if (this.conns.get(key) === c) this.conns.delete(key);
  }

  findListener(port: number): Socket | undefined {
    for (const s of this.sockets) {
      if (s.state === "LISTEN" && s.local?.port === port && (s.local.addr === null || s.local.addr === this.localIp)) return s;
    }
    return undefined;
  }

  /** Forget a socket that is CLOSED and orphaned (inet_csk_destroy_sock). */
  maybeDestroy(s: Socket): void {
    if (s.state === "CLOSED" && s.dead) {
      this.sockets.delete(s);
      if (s.local && s.remote) {
        this.removeConn({ localAddr: this.localIp, localPort: s.local.port, remoteAddr: s.remote.addr, remotePort: s.remote.port }, s);
      }
    }
  }

  /** Secret-keyed 32-bit hash (syncookies). */
  hash(text: string): number {
    return keyedHash(this.secret, text);
  }

  // ---- the clock --------------------------------------------------------------------------------

  private moveTo(now: number): void {
    if (!Number.isFinite(now)) throw new Error(`model time must be a finite number of µs, got ${now}`);
    if (now < this.now) throw new Error(`model time went backwards: ${now} < ${this.now}`);
    for (;;) {
      const due = this.earliestDue();
      if (!due || due.at > now) break;
      this.now = Math.max(this.now, due.at);
      switch (due.kind) {
        case "socket":
          fireSocketTimer(this, due.s);
          break;
        case "request":
          fireRequestTimer(this, due.r);
          break;
        case "call":
          this.completeOnDeadline(due.c);
          break;
      }
      this.retryPendingCalls();
    }
    this.now = now;
  }

  private earliestDue(): Due | undefined {
    let best: Due | undefined;
    const consider = (d: Due): void => {
      if (!best || d.at < best.at) best = d;
    };
    for (const s of this.sockets) {
      const at = nextSocketTimer(s);
      if (at !== undefined) consider({ at, kind: "socket", s });
      for (const r of s.listen?.requests ?? []) consider({ at: r.timerAt, kind: "request", r });
    }
    for (const c of this.pendingCalls) if (c.deadline !== undefined) consider({ at: c.deadline, kind: "call", c });
    return best;
  }

  // ---- blocked syscalls -------------------------------------------------------------------------

  private finish(c: PendingCall, r: { ret: number; errno?: string; out?: unknown }): void {
    const i = this.pendingCalls.indexOf(c);
    if (i >= 0) this.pendingCalls.splice(i, 1);
    this.events.push({
      kind: "syscall-done", id: c.id, time: this.now, ret: r.ret,
      ...(r.errno !== undefined ? { errno: r.errno } : {}),
      ...(r.out !== undefined ? { out: r.out as never } : {}),
    });
  }

  private completeOnDeadline(c: PendingCall): void {
    if (c.onDeadline) this.finish(c, c.onDeadline(this));
    else c.deadline = undefined;
  }

  /** Re-try blocked calls until none can make progress (a completion can unblock another). */
  retryPendingCalls(): void {
    let progress = true;
    while (progress) {
      progress = false;
      for (const c of [...this.pendingCalls]) {
        const r = c.attempt(this);
        if (r) {
          this.finish(c, r);
          progress = true;
        }
      }
    }
  }
}

export function createHost(o: HostOptions): Host {
  return new Host(o);
}
