// topic: T9
// SYN loss and connect() timeout. Linux ≥ 6.5 keeps the first tcp_syn_linear_timeouts (4) RTOs
// at 1 s before doubling, and fails connect() with ETIMEDOUT at the first expiry after the time
// budget of the classic exponential schedule, (2^(retries+1) − 1) s — not after `retries`
// retransmissions as the textbook says.
import { expect } from "chai";
import { Drill, REMOTE, REMOTE_PORT, sec } from "./helpers";

function schedule(retries: number | undefined, viaSyncnt = false): { syns: number[]; doneAt: number; errno?: string } {
  const d = new Drill({ profile: "linux-6.18" });
  if (retries !== undefined && !viaSyncnt) d.host.applySysctl("net.ipv4.tcp_syn_retries", String(retries));
  d.call("socket", [2, 1, 6]);
  if (viaSyncnt) d.call("setsockopt", [3, "SOL_TCP", "TCP_SYNCNT", retries!, 4]);
  const r = d.sys("connect", [3, { family: 2, port: REMOTE_PORT, addr: REMOTE }, 16]);
  expect(r.kind).to.equal("blocked");
  const id = r.kind === "blocked" ? r.id : -1;
  const pkts = d.takePackets(sec(300));
  const done = d.log.find((e) => e.kind === "syscall-done" && e.id === id);
  expect(done, "connect() completed").to.not.equal(undefined);
  for (const p of pkts) expect(p.packet.l4.protocol === "tcp" && p.packet.l4.tcp.flags.syn).to.equal(true);
  return {
    syns: pkts.map((p) => p.time / 1e6),
    doneAt: done!.time / 1e6,
    ...(done!.kind === "syscall-done" && done!.errno ? { errno: done!.errno } : {}),
  };
}

describe("lib/model: SYN retransmission and connect timeout (T9)", () => {
  it("tcp_syn_retries=1: SYNs at 0, 1, 2 s, ETIMEDOUT at 3 s", () => {
    expect(schedule(1)).to.deep.equal({ syns: [0, 1, 2], doneAt: 3, errno: "ETIMEDOUT" });
  });

  it("tcp_syn_retries=2: SYNs at 0..5 s, ETIMEDOUT at 7 s", () => {
    expect(schedule(2)).to.deep.equal({ syns: [0, 1, 2, 3, 4, 5], doneAt: 7, errno: "ETIMEDOUT" });
  });

  it("tcp_syn_retries=5: linear then doubling, ETIMEDOUT at 67 s", () => {
    expect(schedule(5)).to.deep.equal({ syns: [0, 1, 2, 3, 4, 5, 7, 11, 19, 35], doneAt: 67, errno: "ETIMEDOUT" });
  });

  it("tcp_syn_retries=6 (the 6.18 default): SYNs up to 67 s, ETIMEDOUT at 131 s", () => {
    expect(schedule(undefined)).to.deep.equal({ syns: [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67], doneAt: 131, errno: "ETIMEDOUT" });
  });

  it("TCP_SYNCNT overrides the sysctl per socket", () => {
    expect(schedule(2, true)).to.deep.equal({ syns: [0, 1, 2, 3, 4, 5], doneAt: 7, errno: "ETIMEDOUT" });
  });

  it("tcp_syn_linear_timeouts=0 gives the pre-6.5 exponential schedule", () => {
    const d = new Drill({ profile: "linux-6.18" });
    d.host.applySysctl("net.ipv4.tcp_syn_linear_timeouts", "0");
    d.host.applySysctl("net.ipv4.tcp_syn_retries", "5");
    d.call("socket", [2, 1, 6]);
    d.sys("connect", [3, { family: 2, port: REMOTE_PORT, addr: REMOTE }, 16]);
    const times = d.takePackets(sec(100)).map((p) => p.time / 1e6);
    expect(times).to.deep.equal([0, 1, 3, 7, 15, 31]);
    expect(d.state(3)).to.equal("CLOSED");
    expect(d.states().at(-1)).to.deep.include({ to: "CLOSED", rule: "timer/syn-timeout", time: sec(63) });
  });

  it("a non-blocking connect reports the timeout through SO_ERROR", () => {
    const d = new Drill({ profile: "linux-6.18" });
    d.host.applySysctl("net.ipv4.tcp_syn_retries", "1");
    d.synSent();
    d.run(sec(3));
    expect(d.sys("getsockopt", [3, "SOL_SOCKET", "SO_ERROR", null, null])).to.deep.include({ ret: 0, out: { value: 110, optlen: 4 } });
    expect(d.sys("getsockopt", [3, "SOL_SOCKET", "SO_ERROR", null, null])).to.deep.include({ ret: 0, out: { value: 0, optlen: 4 } });
  });
});
