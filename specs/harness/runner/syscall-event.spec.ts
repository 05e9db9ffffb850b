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

  it("epoll_ctl refuses an event fd other than the call's fd", () => {
    const state = stateWith(4, 40);
    state.addFd({ scriptFd: 5, liveFd: 50 });
    expect(() => prepareSyscall(call("epoll_ctl(5, EPOLL_CTL_ADD, 4, {events=EPOLLOUT, fd=3}) = 0"), state)).to.throw(SyscallFailure, /wrong fd/);
  });
});
