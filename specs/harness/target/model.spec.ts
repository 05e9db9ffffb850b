/**
 * The model target: the Target interface over lib/model in virtual time — waits that cost
 * nothing, blocking syscalls completed by later events, out-parameters keyed by argument index as
 * the kernel target reports them, sysctl commands, and whole scripts through the runner.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { captureIo } from "../../../harness/cli/io";
import { runCommand } from "../../../harness/cli/run";
import { modelTargetFactory, runJob } from "../../../harness/runner/run-job";
import { ModelTarget } from "../../../harness/target/model";
import type { SysValue } from "../../../harness/target/target";
import { decodePacket, encodePacket, ipv4, seq, seqAdd, tcp, tcpPacket, type PacketRepr, type Seq, type TcpFlags, type TcpRepr } from "../../../lib/wire";

const LOCAL = "192.168.0.1";
const REMOTE = "192.0.2.1";
const ELLIPSIS: SysValue = { ellipsis: true };
const PEER_ISN = 1000;

function target(): ModelTarget {
  return new ModelTarget({ mode: "ipv4", localIp: LOCAL, remoteIp: REMOTE, cwd: "/", env: {} });
}

function inbound(t: Partial<Omit<TcpRepr, "flags">> & { flags: Partial<TcpFlags> }, ports = { src: 40000, dst: 8080 }): Uint8Array {
  return encodePacket(tcpPacket(ipv4({ src: REMOTE, dst: LOCAL, ttl: 255 }), tcp({ srcPort: ports.src, dstPort: ports.dst, window: 65535, ...t, flags: t.flags })));
}

function tcpOf(p: PacketRepr): TcpRepr {
  if (p.l4.protocol !== "tcp") throw new Error("not TCP");
  return p.l4.tcp;
}

async function listener(m: ModelTarget): Promise<void> {
  expect((await m.syscall({ name: "socket", args: [2, 1, 6] })).ret).to.equal(3);
  expect((await m.syscall({ name: "setsockopt", args: [3, 1, 2, [1], 4] })).ret).to.equal(0);
  expect((await m.syscall({ name: "bind", args: [3, { family: "AF_INET", port: 8080, addr: LOCAL }, ELLIPSIS] })).ret).to.equal(0);
  expect((await m.syscall({ name: "listen", args: [3, 1] })).ret).to.equal(0);
}

/** SYN in, SYN-ACK out; returns our ISN. */
async function handshake(m: ModelTarget, ackAt: number): Promise<Seq> {
  await m.inject(inbound({ seq: seq(PEER_ISN), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }] }));
  const synAck = await m.nextPacket(m.now() + 1000);
  expect(synAck, "SYN-ACK").to.not.equal(undefined);
  const isn = tcpOf(decodePacket(synAck!.bytes)).seq;
  await m.sleepUntil(ackAt);
  await m.inject(inbound({ seq: seq(PEER_ISN + 1), ack: seqAdd(isn, 1), flags: { ack: true } }));
  return isn;
}

describe("harness/target/model: virtual time", () => {
  it("sleepUntil moves the clock without sleeping", async () => {
    const m = target();
    const t0 = performance.now();
    await m.sleepUntil(3600_000_000);
    expect(m.now()).to.equal(3600_000_000);
    expect(performance.now() - t0).to.be.below(200);
  });

  it("nextPacket stops at its deadline, and on a later wait returns the packet at the timer's instant", async () => {
    const m = target();
    await m.syscall({ name: "socket", args: [2, 1, 6] });
    await m.syscall({ name: "fcntl", args: [3, "F_SETFL", "O_RDWR|O_NONBLOCK"] });
    const r = await m.syscall({ name: "connect", args: [3, { family: "AF_INET", port: 8080, addr: REMOTE }, ELLIPSIS] });
    expect(r).to.deep.include({ ret: -1, errno: "EINPROGRESS" });
    const syn = await m.nextPacket(0);
    expect(syn).to.deep.include({ time: 0, rule: "syscall/connect" });
    // The SYN is retransmitted after the initial RTO (1 s): not before a 500 ms deadline...
    expect(await m.nextPacket(500_000)).to.equal(undefined);
    expect(m.now()).to.equal(500_000);
    // ...and exactly at 1 s, with the clock stopped there, not at the deadline.
    const again = await m.nextPacket(10_000_000);
    expect(again?.time).to.equal(1_000_000);
    expect(m.now()).to.equal(1_000_000);
    expect(tcpOf(decodePacket(again!.bytes)).seq).to.equal(tcpOf(decodePacket(syn!.bytes)).seq);
    expect(m.tcpState(3)).to.equal("SYN_SENT");
  });

  it("a blocking connect() completes, in virtual time, when the SYN-ACK is injected", async () => {
    const m = target();
    await m.syscall({ name: "socket", args: [2, 1, 6] });
    let done = false;
    const call = m.syscall({ name: "connect", args: [3, { family: "AF_INET", port: 8080, addr: REMOTE }, ELLIPSIS] }).then((r) => {
      done = true;
      return r;
    });
    const syn = tcpOf(decodePacket((await m.nextPacket(0))!.bytes));
    await m.sleepUntil(250_000);
    expect(done).to.equal(false);
    await m.inject(inbound({ srcPort: 8080, dstPort: syn.srcPort, seq: seq(PEER_ISN), ack: seqAdd(syn.seq, 1), flags: { syn: true, ack: true }, options: [{ kind: "mss", mss: 1460 }] }, { src: 8080, dst: syn.srcPort }));
    const r = await call;
    expect(r).to.deep.equal({ ret: 0, start: 0, end: 250_000 });
    const ack = await m.nextPacket(250_000);
    expect(tcpOf(decodePacket(ack!.bytes)).flags).to.deep.include({ ack: true, syn: false });
    expect(m.tcpState(3)).to.equal("ESTABLISHED");
    expect(m.stateRule(3)).to.equal("segment-arrives/syn-sent/syn-ack");
  });

  it("a blocking accept() completes when the handshake's last ACK arrives, with the peer's address in out[1]", async () => {
    const m = target();
    await listener(m);
    const call = m.syscall({ name: "accept", args: [3, ELLIPSIS, ELLIPSIS] });
    await handshake(m, 100_000);
    expect(await call).to.deep.equal({ ret: 4, start: 0, end: 100_000, out: { 1: { family: "AF_INET", port: 40000, addr: REMOTE }, 2: 16 } });
    expect(m.tcpState(4)).to.equal("ESTABLISHED");
    expect(m.tcpState(3)).to.equal("LISTEN");
  });

  it("a call that nothing can ever complete is rejected instead of hanging", async () => {
    const m = target();
    await listener(m);
    let error: Error | undefined;
    await m.syscall({ name: "accept", args: [3, ELLIPSIS, ELLIPSIS] }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/accept\(\) blocks forever on the model target/);
  });

  it("close() releases every waiter", async () => {
    const m = target();
    await listener(m);
    const call = m.syscall({ name: "accept", args: [3, ELLIPSIS, ELLIPSIS] }).catch((e: Error) => e.message);
    const waiting = m.sleepUntil(5_000_000);
    await m.close();
    await waiting;
    expect(await call).to.match(/closed/);
    expect(await m.nextPacket(1e9)).to.equal(undefined);
  });
});

describe("harness/target/model: syscall shapes", () => {
  it("maps out-parameters to argument indices as the kernel target does", async () => {
    const m = target();
    await listener(m);
    const accepted = m.syscall({ name: "accept", args: [3, ELLIPSIS, ELLIPSIS] });
    const isn = await handshake(m, 10_000);
    expect((await accepted).ret).to.equal(4);
    const linger = await m.syscall({ name: "setsockopt", args: [4, 1, 13, { onoff: 1, linger: 7 }, 8] });
    expect(linger.ret).to.equal(0);
    expect((await m.syscall({ name: "getsockopt", args: [4, 1, 13, ELLIPSIS, [8]] })).out).to.deep.equal({ 3: { onoff: 1, linger: 7 }, 4: 8 });
    expect((await m.syscall({ name: "getsockopt", args: [3, 1, 2, [0], [4]] })).out).to.deep.equal({ 3: 1, 4: 4 });
    const info = (await m.syscall({ name: "getsockopt", args: [4, 6, 11, ELLIPSIS, ELLIPSIS] })).out?.[3] as Record<string, SysValue>;
    expect(info).to.deep.include({ state: 1, snd_mss: 1460 });
    expect(Object.keys(info).some((k) => k.startsWith("tcpi_"))).to.equal(false);

    await m.inject(inbound({ seq: seq(PEER_ISN + 1), ack: seqAdd(isn, 1), flags: { ack: true, psh: true }, payload: new Uint8Array([1, 2, 3]) }));
    expect((await m.syscall({ name: "ioctl", args: [4, "SIOCINQ", [0]] })).out).to.deep.equal({ 2: 3 });
    const poll = await m.syscall({ name: "poll", args: [[{ fd: 4, events: 1 }], 1, 0] });
    expect(poll).to.deep.include({ ret: 1, out: { 0: [{ fd: 4, events: 1, revents: 1 }] } });
    const read = await m.syscall({ name: "read", args: [4, ELLIPSIS, 100] });
    expect(read.ret).to.equal(3);
    expect([...(read.out?.[1] as Uint8Array)]).to.deep.equal([1, 2, 3]);
    expect(await m.syscall({ name: "recv", args: [4, ELLIPSIS, 100, "MSG_DONTWAIT"] })).to.deep.include({ ret: -1, errno: "EAGAIN" });
  });

  it("mapped mode takes and returns ::ffff: addresses on AF_INET6 sockets, IPv4 on the wire", async () => {
    const m = new ModelTarget({ mode: "ipv4-mapped-ipv6", localIp: LOCAL, remoteIp: REMOTE, cwd: "/", env: {} });
    await m.syscall({ name: "socket", args: [10, 1, 6] });
    expect((await m.syscall({ name: "bind", args: [3, { family: "AF_INET6", port: 8080, addr: `::ffff:${LOCAL}` }, ELLIPSIS] })).ret).to.equal(0);
    await m.syscall({ name: "listen", args: [3, 1] });
    const call = m.syscall({ name: "accept", args: [3, ELLIPSIS, ELLIPSIS] });
    await handshake(m, 1000);
    expect((await call).out).to.deep.equal({ 1: { family: "AF_INET6", port: 40000, addr: `::ffff:${REMOTE}`, flowinfo: 0, scope_id: 0 }, 2: 28 });
  });

  it("sysctl commands change the profile; anything else is refused with status 127", async () => {
    const m = target();
    expect(await m.exec("sysctl -q net.ipv4.tcp_timestamps=0")).to.deep.equal({ status: 0, stdout: "", stderr: "" });
    await m.syscall({ name: "socket", args: [2, 1, 6] });
    await m.syscall({ name: "fcntl", args: [3, "F_SETFL", "O_RDWR|O_NONBLOCK"] });
    await m.syscall({ name: "connect", args: [3, { family: "AF_INET", port: 8080, addr: REMOTE }, ELLIPSIS] });
    const syn = tcpOf(decodePacket((await m.nextPacket(0))!.bytes));
    expect(syn.options.some((o) => o.kind === "timestamp")).to.equal(false);
    const shell = await m.exec("ip link set dev tun0 mtu 1400");
    expect(shell.status).to.equal(127);
    expect(shell.stderr).to.match(/^the model target cannot run shell commands: ip link set dev tun0 mtu 1400/);
    expect((await m.exec("sysctl -q net.ipv4.tcp_syn_retries=banana")).status).to.equal(1);
  });

  it("drops what the kernel's input would: undecodable bytes and bad checksums", async () => {
    const m = target();
    await listener(m);
    const syn = inbound({ seq: seq(PEER_ISN), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }] });
    const corrupt = syn.slice();
    corrupt[corrupt.length - 1]! ^= 0xff;
    await m.inject(corrupt);
    await m.inject(new Uint8Array([0x45, 0, 0]));
    expect(await m.nextPacket(10_000)).to.equal(undefined);
    await m.inject(syn);
    expect((await m.nextPacket(20_000))?.rule).to.equal("segment-arrives/listen/syn");
  });

  it("emitted packets carry the rule, the loose fields in matcher names, and a delayed ACK's range", async () => {
    const m = target();
    await listener(m);
    const accepted = m.syscall({ name: "accept", args: [3, ELLIPSIS, ELLIPSIS] });
    await m.inject(inbound({ seq: seq(PEER_ISN), flags: { syn: true }, options: [{ kind: "mss", mss: 1460 }] }));
    const synAck = (await m.nextPacket(0))!;
    expect(synAck.rule).to.equal("segment-arrives/listen/syn");
    expect(synAck.loose ?? []).to.not.include("tcp_window");
    const isn = tcpOf(decodePacket(synAck.bytes)).seq;
    await m.sleepUntil(100_000);
    await m.inject(inbound({ seq: seq(PEER_ISN + 1), ack: seqAdd(isn, 1), flags: { ack: true } }));
    expect((await accepted).ret).to.equal(4);
    await m.sleepUntil(200_000);
    await m.inject(inbound({ seq: seq(PEER_ISN + 1), ack: seqAdd(isn, 1), flags: { ack: true, fin: true } }));
    const ack = (await m.nextPacket(1_000_000))!;
    expect(ack).to.deep.include({ rule: "timer/delayed-ack", earliest: 200_000, latest: ack.time });
    expect(ack.time).to.be.above(200_000);
    expect(ack.loose).to.include("tcp_window");
  });
});

describe("harness/target/model: scripts through the runner", () => {
  let dir: string;
  const script = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const PASSIVE_OPEN = [
    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
    "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0",
    "+0 bind(3, ..., ...) = 0",
    "+0 listen(3, 1) = 0",
    "+0 < S 0:0(0) win 65535 <mss 1460>",
    "+0 > S. 0:0(0) ack 1 <mss 1460>",
    "+.1 < . 1:1(0) ack 1 win 65535",
    "+0 accept(3, ..., ...) = 4",
  ];
  const run = (file: string, mode: "ipv4" | "ipv4-mapped-ipv6" | "ipv6" = "ipv4") => runJob(file, mode, { target: "model" }, modelTargetFactory());

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpdrill-model-"));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a script with a 60 s TIME_WAIT gap finishes in milliseconds", async () => {
    const file = script("time-wait.pkt", [
      ...PASSIVE_OPEN,
      "+0 close(4) = 0",
      "+0 > F. 1:1(0) ack 1",
      "+.01 < . 1:1(0) ack 2 win 65535",
      "+.01 < F. 1:1(0) ack 2 win 65535",
      "+0 > . 2:2(0) ack 2",
      // Still TIME_WAIT at 59 s: a retransmitted FIN is ACKed again...
      "+59 < F. 1:1(0) ack 2 win 65535",
      "+0 > . 2:2(0) ack 2",
      // ...which restarts the 60 s; once they pass, the listener resets a stray ACK.
      "+60.1 < . 2:2(0) ack 2 win 65535",
      "+0 > R 2:2(0)",
      "",
    ].join("\n"));
    for (const mode of ["ipv4", "ipv4-mapped-ipv6", "ipv6"] as const) {
      const t0 = performance.now();
      const r = await run(file, mode);
      expect(r.trace.failure?.message, mode).to.equal(undefined);
      expect(r.trace).to.deep.include({ verdict: "pass", target: "model" });
      expect(r.trace.scriptedUsecs).to.be.above(119_000_000);
      expect(performance.now() - t0).to.be.below(1000);
    }
  });

  it("fails a script whose expectation the model does not meet, naming the model's packet", async () => {
    const file = script("wrong.pkt", [...PASSIVE_OPEN, "+0 close(4) = 0", "+0 > R. 1:1(0) ack 1", ""].join("\n"));
    const r = await run(file);
    expect(r.trace.verdict).to.equal("fail");
    expect(r.trace.failure?.code).to.equal("E-packet-mismatch");
    expect(r.trace.failure?.span?.start.line).to.equal(10);
    const sniff = r.trace.entries.find((e) => e.kind === "sniff" && e.source?.line === 10);
    expect(sniff).to.deep.include({ text: "F. 1:1(0) ack 1 win 64240", rule: "close/fin", matched: false });
  });

  it("times a delayed ACK by its whole allowed range: at once and 40 ms later both pass, 100 ms later fails", async () => {
    // After data, the FIN's ACK waits the delayed-ACK timeout (40 ms) on the model; Linux may
    // also send it at once (quickack), so both instants are accepted.
    const body = (when: string): string =>
      [...PASSIVE_OPEN, "+0 < P. 1:11(10) ack 1 win 65535", "+0 > . 1:1(0) ack 11", "+.2 < F. 11:11(0) ack 1 win 65535", `${when} > . 1:1(0) ack 12`, ""].join("\n");
    const ackOf = (r: Awaited<ReturnType<typeof run>>) => r.trace.entries.find((e) => e.kind === "sniff" && e.source?.line === 12);
    const now = await run(script("now.pkt", body("+0")));
    expect(now.trace.verdict).to.equal("pass");
    // Sent when the runner's wait ran out, timed at the scripted instant of its allowed range.
    expect(ackOf(now)).to.deep.include({ rule: "output/ack-early", time: 300_000 });
    const later = await run(script("later.pkt", body("+.04")));
    expect(later.trace.verdict).to.equal("pass");
    expect(ackOf(later)).to.deep.include({ rule: "timer/delayed-ack", time: 340_000 });
    const late = await run(script("late.pkt", body("+.1")));
    expect(late.trace.verdict).to.equal("fail");
    expect(late.trace.failure?.code).to.equal("E-timing");
    // The tightest timing check: a `+0` packet on time has the whole 4 ms tolerance either side;
    // the ACK 60 ms before its window (+.1, 12.5 ms tolerance) is that far outside.
    expect(now.trace.timingMarginUs).to.equal(4000);
    expect(late.trace.timingMarginUs).to.equal(340_000 - (400_000 - 12_500));
  });

  it("does not hold a window the model does not promise against it, but does hold the SYN-ACK's", async () => {
    const after = [...PASSIVE_OPEN, "+0 < P. 1:11(10) ack 1 win 65535", "+0 > . 1:1(0) ack 11 win 1234", ""].join("\n");
    expect((await run(script("loose.pkt", after))).trace.verdict).to.equal("pass");
    const synAck = PASSIVE_OPEN.map((l) => l.replace("> S. 0:0(0) ack 1 <mss 1460>", "> S. 0:0(0) ack 1 win 1234 <mss 1460>")).join("\n") + "\n";
    const r = await run(script("strict.pkt", synAck));
    expect(r.trace.failure?.message).to.match(/tcp_window/);
  });

  it("a call that blocks forever fails its line at once instead of waiting for --timeout", async () => {
    const r = await run(script("hang.pkt", PASSIVE_OPEN.slice(0, 4).join("\n") + "\n+0 accept(3, ..., ...) = 4\n"));
    expect(r.trace.verdict).to.equal("fail");
    expect(r.trace.failure).to.deep.include({ code: "E-environment" });
    expect(r.trace.failure?.message).to.match(/accept\(\) blocks forever on the model target/);
    expect(r.trace.failure?.span?.start.line).to.equal(5);
  });

  it("tcpdrill run --target model [--profile]: every mode, no namespace needed; bad targets and profiles are usage errors", async () => {
    const file = script("cli.pkt", PASSIVE_OPEN.join("\n") + "\n");
    const cli = async (...argv: string[]) => {
      const io = captureIo();
      const status = await runCommand(argv, io);
      return { status, out: io.out(), err: io.err() };
    };
    const all = await cli("--target", "model", "--ip_version", "all", file);
    expect(all.status).to.equal(0);
    expect(all.out).to.match(/\(ipv4\).*\n.*\(ipv4-mapped-ipv6\).*\n.*\(ipv6\).*\n3 passed, 0 failed\n$/);
    expect((await cli("--target", "model", "--profile", "packetdrill", file)).status).to.equal(0);
    const json = await cli("--target", "model", "--json", file);
    expect(JSON.parse(json.out)).to.deep.include({ target: "model", verdict: "pass" });
    expect(await cli("--target", "bsd", file)).to.deep.include({ status: 2, err: "tcpdrill run: unknown --target 'bsd' (kernel or model)\n" });
    expect((await cli("--target", "model", "--profile", "bsd", file)).status).to.equal(2);
    expect((await cli("--profile", "packetdrill", file)).err).to.match(/--profile applies to --target model only/);
  });

  it("records the model's rules on state entries, and refuses shell commands", async () => {
    const r = await run(script("states.pkt", PASSIVE_OPEN.join("\n") + "\n"));
    expect(r.trace.entries.filter((e) => e.kind === "state")).to.deep.include.members([
      { kind: "state", time: 0, fd: 3, state: "LISTEN", rule: "syscall/listen" },
      { kind: "state", time: 100_000, fd: 4, state: "ESTABLISHED", rule: "request/established" },
    ]);
    const shell = await run(script("shell.pkt", "`ip link show`\n" + PASSIVE_OPEN.join("\n") + "\n"));
    expect(shell.trace.failure?.code).to.equal("E-command");
    expect(shell.trace.failure?.notes?.[0]?.message).to.match(/the model target cannot run shell commands/);
  });
});
