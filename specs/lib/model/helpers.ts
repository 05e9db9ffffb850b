/**
 * A small packet-exchange DSL for model specs (smoltcp style): a template segment overridden per
 * test, `send(seg, at)` / `expectSent(...)` at explicit virtual times, and fixtures built state by
 * state. Sequence numbers are relative: ours to ISN, the peer's to PEER_ISN. Both ISNs sit just
 * below 2^32, so every spec also exercises sequence-number wrap.
 */
import { expect } from "chai";
import { createHost, isRuleId, type Host, type ModelEvent, type SyscallOutcome, type SysArg } from "../../../lib/model";
import type { HostOptions } from "../../../lib/model/host";
import type { Profile } from "../../../lib/model/profiles";
import { seq, seqAdd, seqDiff } from "../../../lib/wire/seq";
import type { PacketRepr, TcpFlags, TcpOption, TcpRepr } from "../../../lib/wire/types";

export const LOCAL = "192.168.0.1";
export const REMOTE = "192.0.2.1";
export const LOCAL_PORT = 8080;
export const REMOTE_PORT = 40000;
export const ISN = 0xffff_ff00;
export const PEER_ISN = 0xffff_fff0;
export const TS_OFFSET = 0;

export const ms = (n: number): number => n * 1000;
export const sec = (n: number): number => n * 1_000_000;

export type Packet = Extract<ModelEvent, { kind: "packet" }>;

/** What a spec writes for a segment: packetdrill-like flags, relative numbers. */
export interface SegSpec {
  flags?: string;
  seq?: number;
  ack?: number;
  win?: number;
  options?: TcpOption[];
  data?: number | Uint8Array;
  /** Absolute numbers instead of relative (for cookies and stale segments). */
  absSeq?: number;
  absAck?: number;
  srcPort?: number;
  dstPort?: number;
}

function parseFlags(f: string): TcpFlags {
  return {
    fin: f.includes("F"), syn: f.includes("S"), rst: f.includes("R"), psh: f.includes("P"),
    ack: f.includes("."), urg: false, ece: f.includes("E"), cwr: f.includes("W"), ae: false,
  };
}

export function flagString(t: TcpRepr): string {
  const f = t.flags;
  return `${f.fin ? "F" : ""}${f.syn ? "S" : ""}${f.rst ? "R" : ""}${f.psh ? "P" : ""}${f.ece ? "E" : ""}${f.cwr ? "W" : ""}${f.ack ? "." : ""}`;
}

/** Options as text without timestamp values: "mss 1460,sackOK,TS,nop,wscale 8". */
export function optionShape(opts: readonly TcpOption[]): string {
  return opts.map((o) => {
    switch (o.kind) {
      case "mss": return `mss ${o.mss}`;
      case "wscale": return `wscale ${o.shift}`;
      case "timestamp": return "TS";
      case "sack": return `sack ${o.blocks.length}`;
      default: return o.kind;
    }
  }).join(",");
}

export const opt = {
  mss: (mss: number): TcpOption => ({ kind: "mss", mss }),
  ws: (shift: number): TcpOption => ({ kind: "wscale", shift }),
  sackOK: { kind: "sackOK" } as TcpOption,
  nop: { kind: "nop" } as TcpOption,
  ts: (val: number, ecr: number): TcpOption => ({ kind: "timestamp", val, ecr }),
};

export interface ExpectSpec {
  flags?: string;
  seq?: number;
  ack?: number;
  len?: number;
  win?: number;
  options?: string;
  at?: number;
  rule?: string;
}

export class Drill {
  readonly host: Host;
  now = 0;
  /** Where the peer's segments go: LOCAL_PORT, or the client socket's ephemeral port. */
  dstPort = LOCAL_PORT;
  private pending: ModelEvent[] = [];
  readonly log: ModelEvent[] = [];

  constructor(o: Partial<HostOptions> & { profile?: Profile | string } = {}) {
    this.host = createHost({
      profile: "packetdrill",
      ipVersion: 4,
      localIp: LOCAL,
      remoteIp: REMOTE,
      isn: () => ISN,
      tsOffset: TS_OFFSET,
      ephemeralPortStart: 50000,
      ...o,
    });
  }

  /** Advance to `t`, collecting what the model emits on the way. */
  run(t: number): this {
    expect(t, "time goes forward").to.be.at.least(this.now);
    this.absorb(this.host.advance(t));
    this.now = t;
    return this;
  }

  /** Advance through every timer up to `t` (nothing is lost between deadlines). */
  runUntil(t: number): this {
    return this.run(t);
  }

  private absorb(evs: ModelEvent[]): void {
    for (const e of evs) {
      if (e.kind !== "syscall-done") expect(isRuleId(e.rule), `rule id ${e.rule}`).to.equal(true);
      this.pending.push(e);
      this.log.push(e);
    }
  }

  sys(name: string, args: SysArg[], at = this.now): SyscallOutcome {
    this.run(at);
    const r = this.host.syscall(name, args, at);
    this.absorb(this.host.advance(at));
    return r;
  }

  /** A syscall that must return at once; returns ret. */
  call(name: string, args: SysArg[], at = this.now): number {
    const r = this.sys(name, args, at);
    expect(r.kind, `${name} returns at once`).to.equal("returned");
    return r.kind === "returned" ? r.ret : NaN;
  }

  expectErrno(name: string, args: SysArg[], errno: string, at = this.now): void {
    const r = this.sys(name, args, at);
    expect(r, `${name} fails`).to.deep.include({ kind: "returned", ret: -1, errno });
  }

  packetFor(s: SegSpec): PacketRepr {
    const flags = parseFlags(s.flags ?? ".");
    const payload = typeof s.data === "number" ? new Uint8Array(s.data).fill(0x61) : s.data ?? new Uint8Array(0);
    const tcp: TcpRepr = {
      srcPort: s.srcPort ?? REMOTE_PORT,
      dstPort: s.dstPort ?? this.dstPort,
      seq: s.absSeq !== undefined ? seq(s.absSeq) : seqAdd(seq(PEER_ISN), s.seq ?? 1),
      ack: s.absAck !== undefined ? seq(s.absAck) : flags.ack ? seqAdd(seq(ISN), s.ack ?? 1) : seq(0),
      flags,
      window: s.win ?? 257,
      urgentPointer: 0,
      options: s.options ?? [],
      payload,
    };
    return {
      ip: { version: 4, src: REMOTE, dst: LOCAL, protocol: 6, ttl: 64, tos: 0, id: 0, dontFragment: true, moreFragments: false, fragmentOffset: 0, options: new Uint8Array(0) },
      l4: { protocol: "tcp", tcp },
    };
  }

  /** Inject a segment from the peer at `at` (default: now). */
  send(s: SegSpec, at = this.now): this {
    this.run(at);
    this.host.receive(this.packetFor(s), at);
    this.absorb(this.host.advance(at));
    return this;
  }

  packets(): Packet[] {
    return this.pending.filter((e): e is Packet => e.kind === "packet");
  }

  /** Take the next emitted packet (in order) and check the given fields (runs to `at` if later). */
  expectSent(x: ExpectSpec): Packet {
    if (x.at !== undefined && x.at > this.now) this.run(x.at);
    const i = this.pending.findIndex((e) => e.kind === "packet");
    expect(i, `a packet was sent (expected ${JSON.stringify(x)}) by ${this.now}`).to.be.at.least(0);
    const p = this.pending[i] as Packet;
    this.pending.splice(0, i + 1);
    const t = (p.packet.l4 as { tcp: TcpRepr }).tcp;
    const rel = {
      flags: flagString(t),
      seq: seqDiff(t.seq, seq(ISN)),
      ack: seqDiff(t.ack, seq(PEER_ISN)),
      len: t.payload.length,
      win: t.window,
      options: optionShape(t.options),
      at: p.time,
      rule: p.rule,
    };
    const picked: Record<string, unknown> = {};
    for (const k of Object.keys(x)) picked[k] = rel[k as keyof typeof rel];
    expect(picked, `packet at ${p.time} µs (${p.rule})`).to.deep.equal(x);
    return p;
  }

  /** Nothing (more) is sent up to `until`. */
  expectNoPacket(until = this.now): this {
    this.run(until);
    const p = this.packets()[0];
    expect(p, p ? `unexpected ${flagString((p.packet.l4 as { tcp: TcpRepr }).tcp)} at ${p.time} (${p.rule})` : "").to.equal(undefined);
    return this;
  }

  /** All packets sent up to `until`, consumed. */
  takePackets(until = this.now): Packet[] {
    this.run(until);
    const out = this.packets();
    this.pending = this.pending.filter((e) => e.kind !== "packet");
    return out;
  }

  /** The completion of blocked call `id`, consumed. */
  done(id: number): Extract<ModelEvent, { kind: "syscall-done" }> | undefined {
    const i = this.pending.findIndex((e) => e.kind === "syscall-done" && e.id === id);
    if (i < 0) return undefined;
    return this.pending.splice(i, 1)[0] as Extract<ModelEvent, { kind: "syscall-done" }>;
  }

  states(): Extract<ModelEvent, { kind: "state" }>[] {
    return this.log.filter((e): e is Extract<ModelEvent, { kind: "state" }> => e.kind === "state");
  }

  state(fd: number): string | undefined {
    return this.host.socketState(fd);
  }

  // ---- fixtures, state by state ------------------------------------------------------------------

  /** socket + SO_REUSEADDR + bind(8080) + listen(backlog): fd 3 in LISTEN. */
  listening(backlog = 1): this {
    expect(this.call("socket", [2, 1, 6])).to.equal(3);
    this.call("setsockopt", [3, "SOL_SOCKET", "SO_REUSEADDR", 1, 4]);
    expect(this.call("bind", [3, { family: 2, port: LOCAL_PORT, addr: "0.0.0.0" }, 16])).to.equal(0);
    expect(this.call("listen", [3, backlog])).to.equal(0);
    return this;
  }

  /** A peer SYN at `at` with the usual packetdrill options; the SYN-ACK is checked. */
  synReceived(at = 0, options: TcpOption[] = [opt.mss(1000), opt.sackOK, opt.nop, opt.nop, opt.nop, opt.ws(7)]): this {
    this.listening();
    this.send({ flags: "S", seq: 0, win: 32792, options }, at);
    this.expectSent({ flags: "S.", seq: 0, ack: 1 });
    return this;
  }

  /** The third segment at +100 ms, then accept(): fd 4 ESTABLISHED. */
  established(): this {
    this.synReceived();
    this.send({ flags: ".", seq: 1, ack: 1, win: 257 }, ms(100));
    expect(this.call("accept", [3, null, null])).to.equal(4);
    return this;
  }

  /** socket + O_NONBLOCK + connect: fd 3 in SYN_SENT, SYN checked. */
  synSent(nonblock = true): this {
    expect(this.call("socket", [2, 1, 6])).to.equal(3);
    if (nonblock) this.call("fcntl", [3, "F_SETFL", "O_RDWR|O_NONBLOCK"]);
    const r = this.sys("connect", [3, { family: 2, port: REMOTE_PORT, addr: REMOTE }, 16]);
    if (nonblock) expect(r).to.deep.include({ kind: "returned", ret: -1, errno: "EINPROGRESS" });
    else expect(r.kind).to.equal("blocked");
    this.expectSent({ flags: "S", seq: 0 });
    this.dstPort = this.localPort(3);
    return this;
  }

  /** The peer's SYN-ACK at +100 ms; our ACK follows at once. */
  clientEstablished(options: TcpOption[] = [opt.mss(1460), opt.nop, opt.ws(7), opt.nop, opt.nop, opt.sackOK]): this {
    this.synSent();
    this.send({ flags: "S.", seq: 0, ack: 1, win: 5792, options }, ms(100));
    this.expectSent({ flags: ".", seq: 1, ack: 1, at: ms(100) });
    return this;
  }

  /** The local port fd's socket got (for replies to a client socket). */
  localPort(fd: number): number {
    const r = this.host.syscall("getsockname", [fd], this.now);
    return r.kind === "returned" && r.out?.addr ? r.out.addr.port : 0;
  }
}
