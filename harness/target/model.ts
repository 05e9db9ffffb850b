/**
 * The model target: lib/model's reference TCP behind the Target interface, in virtual time.
 *
 * The clock only moves when the runner waits. Every wait (`sleepUntil`, `nextPacket`, a blocked
 * syscall) registers here, and once the runner is idle (a macrotask later: every promise reaction
 * has run, so the runner is parked on one of our promises) the scheduler jumps the clock to the
 * earliest of the runner's wake-up times and the model's own timers, fires what is due, and hands
 * back what happened. A 60 s TIME_WAIT therefore costs a few loop turns, not 60 s.
 *
 * The clock stops at every model timer on the way, so each wait ends at the exact instant its
 * cause happened (the packet's emission, the syscall's completion), never later.
 *
 * "Both allowed": when the runner's wait for a packet reaches its deadline with nothing sent, an
 * ACK the model holds for its delayed-ACK timer is sent then (Linux may ACK at once in quick-ack
 * mode); its [earliest, latest] range lets the runner time it at the instant the script expects.
 */
import { createHost, LINUX_STATE_NAME, type Host, type LooseField, type ModelEvent, type Profile } from "../../lib/model";
import type { IpMode } from "../../lib/trace/types";
import { canonicalAddress, checkChecksums, decodePacket, DecodeError, encodePacket } from "../../lib/wire";
import { linuxStateName, outByIndex, toModelArgs } from "./model-syscall";
import type { Emitted, ExecResult, SyscallRequest, SyscallResult, Target, TargetOptions } from "./target";

export interface ModelTargetOptions extends TargetOptions {
  /** A shipped profile's name ("linux-6.18", the default, or "packetdrill") or a profile. */
  readonly profile?: string | Profile;
  /** Seeds the model's ISNs, timestamp offset and ephemeral ports (default 1). */
  readonly seed?: number;
}

/** The matcher's names (lib/match: Mismatch.field) for the fields the model cannot promise. */
const LOOSE_TO_MATCHER: Readonly<Record<LooseField, string | undefined>> = {
  window: "tcp_window",
  // The matcher never checks the IPv4 id; nothing to relax.
  "ip.id": undefined,
  "ipv6.flowLabel": "flowlabel",
};

export function matcherLooseFields(loose: readonly LooseField[] | undefined): string[] {
  const out: string[] = [];
  for (const l of loose ?? []) {
    const m = LOOSE_TO_MATCHER[l];
    if (m !== undefined) out.push(m);
  }
  return out;
}

interface Waiter {
  readonly at: number;
  readonly resolve: () => void;
}

interface PacketWaiter {
  readonly at: number;
  readonly resolve: (e: Emitted | undefined) => void;
}

interface Pending {
  readonly name: string;
  readonly start: number;
  readonly resolve: (r: SyscallResult) => void;
  readonly reject: (e: Error) => void;
}

/** A model state transition, for traces. */
export interface ModelStateChange {
  readonly time: number;
  readonly conn: number;
  readonly fd?: number;
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

export class ModelTarget implements Target {
  readonly kind = "model" as const;
  readonly host: Host;
  /** Every state transition the model made, in order (Linux state names). */
  readonly stateChanges: ModelStateChange[] = [];
  /** Every packet the model emitted, delivered or not (for `tcpdrill diff`: rules, loose fields). */
  readonly emitted: Emitted[] = [];
  private clock = 0;
  private closed = false;
  private readonly queue: Emitted[] = [];
  private sleepers: Waiter[] = [];
  private packetWaiters: PacketWaiter[] = [];
  private readonly pending = new Map<number, Pending>();
  private scheduled = false;
  private readonly lastRuleByConn = new Map<number, string>();

  constructor(options: ModelTargetOptions) {
    this.host = createHost({
      profile: options.profile ?? "linux-6.18",
      ipVersion: options.mode === "ipv6" ? 6 : 4,
      mapped: options.mode === "ipv4-mapped-ipv6",
      localIp: wireAddress(options.localIp, options.mode),
      remoteIp: wireAddress(options.remoteIp, options.mode),
      ...(options.mtu !== undefined ? { mtu: options.mtu } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      // The kernel target's tun0 has packetdrill's offloads: a burst leaves as one TSO packet.
      tso: true,
    });
  }

  static async create(options: ModelTargetOptions): Promise<ModelTarget> {
    return new ModelTarget(options);
  }

  now(): number {
    return this.clock;
  }

  sleepUntil(time: number): Promise<void> {
    if (this.closed || time <= this.clock) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ at: time, resolve });
      this.schedule();
    });
  }

  nextPacket(deadline: number): Promise<Emitted | undefined> {
    const first = this.queue.shift();
    if (first !== undefined) return Promise.resolve(first);
    if (this.closed || deadline <= this.clock) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.packetWaiters.push({ at: deadline, resolve });
      this.schedule();
    });
  }

  async inject(bytes: Uint8Array): Promise<void> {
    if (this.closed) return;
    // What the kernel's IP/TCP input would discard never reaches the model: bytes that do not
    // decode, and bad IP or transport checksums (a script can inject those on purpose).
    let packet;
    try {
      const sums = checkChecksums(bytes);
      if (sums.ip === false || sums.l4 === false) return;
      packet = decodePacket(bytes);
    } catch (e) {
      if (e instanceof DecodeError) return;
      throw e;
    }
    this.host.receive(packet, this.clock);
    this.drain();
  }

  syscall(request: SyscallRequest): Promise<SyscallResult> {
    if (this.closed) return Promise.reject(new Error("the model target is closed"));
    const start = this.clock;
    const outcome = this.host.syscall(request.name, toModelArgs(request.args), start);
    if (outcome.kind === "returned") {
      this.drain();
      const out = outByIndex(request.name, outcome.out);
      return Promise.resolve({
        ret: outcome.ret,
        ...(outcome.errno !== undefined ? { errno: outcome.errno } : {}),
        ...(out !== undefined ? { out } : {}),
        start,
        end: start,
      });
    }
    const done = new Promise<SyscallResult>((resolve, reject) => {
      this.pending.set(outcome.id, { name: request.name, start, resolve, reject });
    });
    this.drain();
    if (this.pending.has(outcome.id)) this.schedule();
    return done;
  }

  connectionState(local: { ip: string; port: number }, remote: { ip: string; port: number }): string | undefined {
    const c = this.host.lookupConn({ localAddr: local.ip, localPort: local.port, remoteAddr: remote.ip, remotePort: remote.port });
    // By 4-tuple a timewait socket is TIME_WAIT (sock_diag says so); only through the closed fd
    // does Linux report CLOSE, which is what linuxStateName encodes.
    if (c === undefined) return undefined;
    return c.state === "TIME_WAIT" ? "TIME_WAIT" : linuxStateName(c.state);
  }

  tcpState(fd: number): string | undefined {
    const s = this.host.socketState(fd);
    return s === undefined ? undefined : linuxStateName(s);
  }

  /** The rule of the last state change of the connection behind `fd` (for traces). */
  stateRule(fd: number): string | undefined {
    const s = this.host.fds.get(fd);
    return s === undefined ? undefined : this.lastRuleByConn.get(s.id);
  }

  async exec(command: string): Promise<ExecResult> {
    const r = this.host.runCommand(command);
    if (!r.handled) {
      return {
        status: 127,
        stdout: "",
        stderr: `the model target cannot run shell commands: ${command.trim()}\n(only sysctl settings, \`sysctl -q name=value\` or \`echo value > /proc/sys/...\`, are modelled)`,
      };
    }
    if (r.errors.length > 0) return { status: 1, stdout: "", stderr: r.errors.map((e) => e.message).join("\n") };
    return { status: 0, stdout: "", stderr: "" };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sleepers) s.resolve();
    for (const p of this.packetWaiters) p.resolve(undefined);
    for (const p of this.pending.values()) p.reject(new Error("the model target was closed while the call was blocked"));
    this.sleepers = [];
    this.packetWaiters = [];
    this.pending.clear();
  }

  // ---- virtual time -----------------------------------------------------------------------------

  /** Runs the scheduler once the runner has nothing left to do but wait on us. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.tick();
    });
  }

  private tick(): void {
    if (this.closed) return;
    for (;;) {
      let wake: number | undefined;
      for (const s of this.sleepers) wake = wake === undefined ? s.at : Math.min(wake, s.at);
      for (const p of this.packetWaiters) wake = wake === undefined ? p.at : Math.min(wake, p.at);
      if (wake === undefined && this.pending.size === 0) return;
      const timer = this.host.nextDeadline();
      let t = wake === undefined ? timer : timer === undefined ? wake : Math.min(wake, timer);
      if (t === undefined) {
        // Only blocked calls wait, and nothing in the model can ever wake them.
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.reject(new Error(`${p.name}() blocks forever on the model target: no timer is pending and the script sends nothing more`));
        }
        return;
      }
      t = Math.max(t, this.clock);
      let woke = this.advanceTo(t);
      for (const s of this.sleepers.filter((w) => w.at <= this.clock)) {
        s.resolve();
        woke = true;
      }
      this.sleepers = this.sleepers.filter((w) => w.at > this.clock);
      if (this.queue.length === 0 && this.packetWaiters.some((w) => w.at <= this.clock)) {
        // The runner gives up on its packet here. An ACK the model is holding back for its
        // delayed-ACK timer could legitimately have gone out already (quick-ack): send it now.
        this.host.sendOwedAcks(this.clock);
        woke = this.drain() || woke;
      }
      for (const p of this.packetWaiters.filter((w) => w.at <= this.clock)) {
        p.resolve(undefined);
        woke = true;
      }
      this.packetWaiters = this.packetWaiters.filter((w) => w.at > this.clock);
      if (woke) {
        // Let the runner react before time moves on; it re-registers whatever it waits for next.
        if (this.sleepers.length > 0 || this.packetWaiters.length > 0 || this.pending.size > 0) this.schedule();
        return;
      }
    }
  }

  /** Moves the clock to `t` and dispatches what the model emitted; true if a waiter was woken. */
  private advanceTo(t: number): boolean {
    this.clock = t;
    return this.dispatch(this.host.advance(t));
  }

  /** Collects what a syscall or an injection emitted at the current instant. */
  private drain(): boolean {
    return this.dispatch(this.host.advance(this.clock));
  }

  private dispatch(events: readonly ModelEvent[]): boolean {
    let woke = false;
    for (const e of events) {
      switch (e.kind) {
        case "packet": {
          const loose = matcherLooseFields(e.loose);
          const emitted: Emitted = {
            bytes: encodePacket(e.packet),
            time: e.time,
            rule: e.rule,
            ...(e.timeRange !== undefined ? { earliest: e.timeRange.earliest, latest: e.timeRange.latest } : {}),
            ...(loose.length > 0 ? { loose } : {}),
          };
          this.queue.push(emitted);
          this.emitted.push(emitted);
          break;
        }
        case "syscall-done": {
          const p = this.pending.get(e.id);
          if (p === undefined) break;
          this.pending.delete(e.id);
          const out = outByIndex(p.name, e.out);
          p.resolve({ ret: e.ret, ...(e.errno !== undefined ? { errno: e.errno } : {}), ...(out !== undefined ? { out } : {}), start: p.start, end: e.time });
          woke = true;
          break;
        }
        case "state": {
          const from = LINUX_STATE_NAME[e.from];
          const to = LINUX_STATE_NAME[e.to];
          this.stateChanges.push({ time: e.time, conn: e.conn, ...(e.fd !== undefined ? { fd: e.fd } : {}), from, to, rule: e.rule });
          this.lastRuleByConn.set(e.conn, e.rule);
          break;
        }
        case "drop":
          break;
      }
    }
    while (this.packetWaiters.length > 0 && this.queue.length > 0) {
      this.packetWaiters.shift()!.resolve(this.queue.shift());
      woke = true;
    }
    return woke;
  }
}

/** The address as it appears on the wire: IPv4 text for the mapped mode's ::ffff:a.b.c.d. */
function wireAddress(addr: string, mode: IpMode): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr.trim());
  const text = mode !== "ipv6" && m ? m[1]! : addr;
  return canonicalAddress(text) ?? text;
}
