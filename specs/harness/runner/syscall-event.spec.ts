// The runner's syscall event without a kernel: how script arguments become a request and how a
// result is judged, against packetdrill's run_system_call.c.
import { expect } from "chai";
import { defaultConfig } from "../../../harness/runner/config";
import { RunState } from "../../../harness/runner/state";
import { beforeConnect, checkOutParams, prepareSyscall, SyscallFailure } from "../../../harness/runner/syscall-event";
import type { SyscallResult, SysValue } from "../../../harness/target/target";
import { parseScript, type SyscallSpec } from "../../../lib/script";

function call(line: string): SyscallSpec {
  const parsed = parseScript(`0 ${line}\n`, { file: "t.pkt" });
  const event = parsed.script?.events[0];
  if (event === undefined || event.kind !== "syscall") throw new Error(`not one syscall: ${JSON.stringify(parsed.diagnostics)}`);
  return event.call;
}

function result(ret: number, out: Record<number, SysValue>): SyscallResult {
  return { ret, out, start: 0, end: 0 };
}

/** A state with script fd `fd` open as live fd `live`, a new TCP socket. */
function stateWith(fd: number, live: number): RunState {
  const state = new RunState(defaultConfig("ipv4"));
  const conn = state.newConnection("tcp", "new", fd, live);
  state.addFd({ scriptFd: fd, liveFd: live, conn });
  return state;
}

describe("harness/runner/syscall-event", () => {
  it("compares getsockopt's [n] as an s32, as packetdrill: [0xffffffff] expects -1", () => {
    const c = call("getsockopt(4, SOL_TCP, TCP_NOTSENT_LOWAT, [0xffffffff], [4]) = 0");
    const state = stateWith(4, 40);
    const p = prepareSyscall(c, state);
    expect(checkOutParams(c, p.values, result(0, { 3: -1, 4: 4 }), state)).to.equal(undefined);
    expect(checkOutParams(c, p.values, result(0, { 3: 7, 4: 4 }), state)).to.equal("Bad getsockopt optval: expected: -1 actual: 7");
  });

  it("checks getsockopt's optlen before its optval", () => {
    const c = call("getsockopt(4, SOL_SOCKET, SO_SNDBUF, [1000], [4]) = 0");
    const state = stateWith(4, 40);
    const p = prepareSyscall(c, state);
    expect(checkOutParams(c, p.values, result(0, { 3: 2000, 4: 8 }), state)).to.equal("Bad getsockopt optlen: expected: 4 actual: 8");
  });

  it("compares a string optval byte for byte over its length (TCP_CONGESTION)", () => {
    const c = call('getsockopt(4, SOL_TCP, TCP_CONGESTION, "cubic", [5]) = 0');
    const state = stateWith(4, 40);
    const p = prepareSyscall(c, state);
    expect(checkOutParams(c, p.values, result(0, { 3: "cubic", 4: 5 }), state)).to.equal(undefined);
    expect(checkOutParams(c, p.values, result(0, { 3: "reno", 4: 5 }), state)).to.equal("Bad getsockopt optval: expected: 'cubic' actual: 'reno'");
    const bad = call('getsockopt(4, SOL_TCP, TCP_CONGESTION, "cubic", [16]) = 0');
    const q = prepareSyscall(bad, state);
    expect(checkOutParams(bad, q.values, result(0, { 3: "cubic", 4: 16 }), state)).to.equal(
      "Bad getsockopt optval: expected optlen (16 bytes) does not match length of expected optval string 'cubic' (5 bytes)",
    );
  });

  it("does not check sendfile's [offset]: it is an input", () => {
    const c = call("sendfile(4, 5, [0], 5) = 5");
    const state = stateWith(4, 40);
    state.addFd({ scriptFd: 5, liveFd: 50 });
    const p = prepareSyscall(c, state);
    expect(p.request.args.slice(0, 2)).to.deep.equal([40, 50]);
    expect(checkOutParams(c, p.values, result(5, { 2: 5 }), state)).to.equal(undefined);
  });

  it("sendmsg: msg_name(...)=... is the run's connect address, and the call starts an active open", () => {
    const c = call("sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 1000}], msg_flags=0}, MSG_FASTOPEN) = 1000");
    const state = stateWith(4, 40);
    const p = prepareSyscall(c, state);
    const msg = p.request.args[1] as Record<string, SysValue>;
    expect(msg["msg_name"]).to.deep.equal({ family: "AF_INET", port: 8080, addr: "192.0.2.1" });
    expect(msg["msg_iov"]).to.have.length(1);
    beforeConnect(c, p.values, state);
    expect(state.fdEntry(4)?.conn?.phase).to.equal("active-connecting");
  });

  it("sendmsg refuses a non-zero msg_flags, as packetdrill", () => {
    const c = call("sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 10}], msg_flags=MSG_DONTWAIT}, 0) = 10");
    expect(() => prepareSyscall(c, stateWith(4, 40))).to.throw(SyscallFailure, /msg_flags/);
  });

  it("epoll: the event's fd is mapped to the live fd, and epoll_wait's first event is checked", () => {
    const state = stateWith(4, 40);
    state.addFd({ scriptFd: 5, liveFd: 50 });
    const ctl = prepareSyscall(call("epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT, fd=4}) = 0"), state);
    expect(ctl.request.args[3]).to.deep.include({ fd: 40 });
    const wait = call("epoll_wait(5, {events=EPOLLOUT, fd=4}, 1, 0) = 1");
    const w = prepareSyscall(wait, state);
    expect(checkOutParams(wait, w.values, result(1, { 1: [{ events: 4, data: 40, fd: 40 }] }), state)).to.equal(undefined);
    expect(checkOutParams(wait, w.values, result(1, { 1: [{ events: 1, data: 40, fd: 40 }] }), state)).to.match(/events does not match script: expected: 0x4 actual: 0x1/);
    expect(checkOutParams(wait, w.values, result(1, { 1: [{ events: 4, data: 4, fd: 4 }] }), state)).to.match(/data does not match script: expected: 40 actual: 4/);
    const none = call("epoll_wait(5, {events=0, ptr=0}, 1, 0) = 0");
    const n = prepareSyscall(none, state);
    expect(checkOutParams(none, n.values, result(0, { 1: [] }), state)).to.equal(undefined);
  });

  describe("recvmsg", () => {
    const errqueue =
      "recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE|MSG_TRUNC, msg_control=[" +
      "{cmsg_level=SOL_SOCKET, cmsg_type=SCM_TIMESTAMPING, cmsg_data={scm_sec=0,scm_nsec=20000000}}," +
      "{cmsg_level=SOL_IP, cmsg_type=IP_RECVERR, cmsg_data={ee_errno=ENOMSG, ee_origin=SO_EE_ORIGIN_TIMESTAMPING, ee_type=0, ee_code=0, ee_info=SCM_TSTAMP_SCHED, ee_data=10999}}" +
      "]}, MSG_ERRQUEUE) = 0";
    const stamp = (us: number): SysValue => ({
      cmsg_level: 1,
      cmsg_type: 37,
      cmsg_data: [{ tv_sec: 1, tv_nsec: 0, since_epoch_us: us }, { tv_sec: 0, tv_nsec: 0 }, { tv_sec: 0, tv_nsec: 0 }],
    });
    const recverr = (data: number): SysValue => ({
      cmsg_level: 0,
      cmsg_type: 11,
      cmsg_data: { ee_errno: 42, ee_origin: 4, ee_type: 0, ee_code: 0, ee_pad: 0, ee_info: 1, ee_data: data },
    });
    const answer = (flags: number, control: SysValue[], lens: number[]): SysValue => ({
      msg_flags: flags,
      msg_control: control,
      msg_control_raw: lens.map((len) => ({ cmsg_len: len, cmsg_data: new Uint8Array(len - 16) })),
    });
    // Script time t is live 100000 + t: the kernel's timestamps are compared on that clock.
    const liveTimeOf = (us: number): { from: number; to: number } => ({ from: 100_000 + us, to: 100_000 + us + (us === 20_000 ? 5_000 : 0) });

    it("offers a control buffer exactly as long as the expected messages (cmsg_new), none without", () => {
      const state = stateWith(4, 40);
      const p = prepareSyscall(call(errqueue), state);
      expect((p.request.args[1] as Record<string, SysValue>)["msg_controllen"]).to.equal(16 + 48 + 16 + 32);
      const plain = prepareSyscall(call("recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 100}], msg_flags=0}, 0) = 100"), state);
      expect((plain.request.args[1] as Record<string, SysValue>)["msg_controllen"]).to.equal(0);
    });

    it("checks msg_flags, then each message's type, length and fields, then the count", () => {
      const c = call(errqueue);
      const state = stateWith(4, 40);
      const p = prepareSyscall(c, state);
      const check = (out: SysValue): string | undefined => checkOutParams(c, p.values, result(0, { 1: out }), state, liveTimeOf);
      expect(check(answer(0x2020, [stamp(121_000), recverr(10999)], [64, 48]))).to.equal(undefined);
      expect(check(answer(0x2000, [stamp(121_000), recverr(10999)], [64, 48]))).to.equal("Expected msg_flags 0x00002020 but got 0x00002000");
      expect(check(answer(0x2020, [recverr(10999), stamp(121_000)], [48, 64]))).to.equal("Bad level in cmsg 0: expected=1 actual=0");
      expect(check(answer(0x2020, [stamp(121_000), recverr(10999)], [64, 60]))).to.equal("Bad len in cmsg 1: expected=48 actual=60");
      expect(check(answer(0x2020, [stamp(121_000), recverr(1)], [64, 48]))).to.equal("Bad data in extended err 1: expected=10999 actual=1");
      expect(check(answer(0x2020, [stamp(121_000)], [64]))).to.equal("received only 1 cmsgs");
      expect(check(answer(0x2020, [stamp(121_000), recverr(10999), stamp(1)], [64, 48, 64]))).to.equal("received more than 2 cmsgs");
    });

    it("compares a non-zero expected timestamp with the kernel's within the tolerance", () => {
      const c = call(errqueue);
      const state = stateWith(4, 40);
      const p = prepareSyscall(c, state);
      const check = (us: number): string | undefined =>
        checkOutParams(c, p.values, result(0, { 1: answer(0x2020, [stamp(us), recverr(10999)], [64, 48]) }), state, liveTimeOf);
      // Script time 20 ms stands for live 120-125 ms (events of that time acted 5 ms apart).
      expect(check(120_000 - 3_999)).to.equal(undefined);
      expect(check(125_000 + 3_999)).to.equal(undefined);
      expect(check(120_000 - 4_001)).to.match(/^Bad timestamp 0 in scm_timestamping 0: expected=120000 \(20000\) actual=115999/);
      expect(check(125_000 + 4_001)).to.match(/actual=129001 \(29001\)/);
    });

    it("compares other control data byte for byte (TCP_CM_INQ's int)", () => {
      const c = call("recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 1000}], msg_flags=0, msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=9000}]}, 0) = 1000");
      const state = stateWith(4, 40);
      const p = prepareSyscall(c, state);
      const inq = (n: number): SysValue => ({
        msg_flags: 0,
        msg_control: [{ cmsg_level: 6, cmsg_type: 36, cmsg_data: n }],
        msg_control_raw: [{ cmsg_len: 20, cmsg_data: new Uint8Array(new Int32Array([n]).buffer) }],
      });
      expect(checkOutParams(c, p.values, result(1000, { 1: inq(9000) }), state)).to.equal(undefined);
      expect(checkOutParams(c, p.values, result(1000, { 1: inq(8000) }), state)).to.equal("Bad data in cmsg 0: expected=9000 actual=8000");
    });
  });

  it("epoll_ctl refuses an event fd other than the call's fd", () => {
    const state = stateWith(4, 40);
    state.addFd({ scriptFd: 5, liveFd: 50 });
    expect(() => prepareSyscall(call("epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT, fd=3}) = 0"), state)).to.throw(SyscallFailure, /wrong fd/);
  });
});
