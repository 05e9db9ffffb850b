/**
 * The executor against the real kernel, on the test's own thread, with calls that touch no
 * network configuration (pipes, files, AF_UNIX socket pairs, epoll). TCP calls are exercised
 * inside a sandbox in specs/harness/sandbox.
 */
import { expect } from "chai";
import { rmSync } from "node:fs";
import {
  descriptorsNamed,
  ELLIPSIS,
  executeQuickSyscall,
  executeSyscall,
  realtimeNs,
  SyscallArgumentError,
  type SyscallOutcome,
  type SyscallRequest,
} from "../../../harness/sys/index";
import { scriptStringBytes } from "../../../harness/sys/executor/args";
import { keptZerocopyBuffers } from "../../../harness/sys/executor/msg";
import { libc } from "../../../harness/sys/libc";

describe("harness/sys executor", () => {
  const epoch = realtimeNs();
  const opened: number[] = [];
  const run = (name: string, ...args: SyscallRequest["args"]): SyscallOutcome => {
    const outcome = executeSyscall({ name, args }, epoch);
    opened.push(...outcome.openedFds);
    return outcome;
  };

  afterEach(() => {
    for (const fd of opened.splice(0)) libc().close(fd);
  });

  it("pipe, write (zero-padded), FIONREAD, read with out-params and times", () => {
    const p = run("pipe", ELLIPSIS);
    expect(p.ret).to.equal(0);
    const [r, w] = p.out[0] as number[];
    expect(p.openedFds).to.deep.equal([r, w]);
    const wr = run("write", w!, new Uint8Array([1, 2, 3]), 5);
    expect(wr.ret).to.equal(5);
    expect(wr.endNs).to.be.at.least(wr.startNs);
    expect(wr.startNs).to.be.greaterThan(0);
    expect(run("ioctl", r!, "FIONREAD", ELLIPSIS).out[2]).to.equal(5);
    const rd = run("read", r!, ELLIPSIS, 10);
    expect(rd.ret).to.equal(5);
    expect([...(rd.out[1] as Uint8Array)]).to.deep.equal([1, 2, 3, 0, 0]);
  });

  it("reports kernel errors as values with errno names", () => {
    const p = run("pipe", ELLIPSIS);
    const [r] = p.out[0] as number[];
    expect(run("fcntl", r!, "F_SETFL", "O_RDWR|O_NONBLOCK").ret).to.equal(0);
    expect(run("fcntl", r!, "F_GETFL").ret & 0o4000).to.equal(0o4000);
    const again = run("read", r!, ELLIPSIS, 1);
    expect(again).to.include({ ret: -1, errno: 11, errnoName: "EAGAIN" });
    const c = run("close", r!);
    expect(c.closedFds).to.deep.equal([r]);
    opened.splice(opened.indexOf(r!), 1);
    expect(run("close", r!)).to.include({ ret: -1, errnoName: "EBADF" });
  });

  it("passes NULL for null buffers (EFAULT), zeros for ...", () => {
    const [, w] = run("pipe", ELLIPSIS).out[0] as number[];
    expect(run("write", w!, null, 1)).to.include({ ret: -1, errnoName: "EFAULT" });
    expect(run("write", w!, ELLIPSIS, 3).ret).to.equal(3);
  });

  it("makes descriptors close-on-exec underneath but shows the script its own flags", () => {
    const [r, w] = run("pipe", ELLIPSIS).out[0] as number[];
    const kernelFlags = (fd: number): number => libc().fcntl(fd, 1 /* F_GETFD */);
    expect(kernelFlags(r!)).to.equal(1);
    expect(run("fcntl", r!, "F_GETFD").ret).to.equal(0);
    expect(run("fcntl", r!, "F_SETFD", "FD_CLOEXEC").ret).to.equal(0);
    expect(run("fcntl", r!, "F_GETFD").ret).to.equal(1);
    expect(run("fcntl", r!, "F_SETFD", 0).ret).to.equal(0);
    expect(run("fcntl", r!, "F_GETFD").ret).to.equal(0);
    expect(kernelFlags(r!)).to.equal(1);
    const d = run("dup", w!);
    expect(d.openedFds).to.deep.equal([d.ret]);
    expect(kernelFlags(d.ret)).to.equal(1);
    expect(run("fcntl", d.ret, "F_GETFD").ret).to.equal(0);
  });

  it("socketpair, sendmsg with iovecs, poll and recvmsg into iovecs", () => {
    const sp = run("socketpair", "AF_UNIX", "SOCK_STREAM", 0, ELLIPSIS);
    const [a, b] = sp.out[3] as number[];
    const sent = run("sendmsg", a!, { msg_iov: [{ iov_base: new Uint8Array([9, 8]), iov_len: 2 }, { iov_base: ELLIPSIS, iov_len: 3 }] }, 0);
    expect(sent.ret).to.equal(5);
    const polled = run("poll", [{ fd: b!, events: "POLLIN" }], ELLIPSIS, 0);
    expect(polled.ret).to.equal(1);
    expect(polled.out[0]).to.deep.equal([{ fd: b, events: 1, revents: 1 }]);
    const got = run("recvmsg", b!, { msg_iov: [{ iov_base: ELLIPSIS, iov_len: 4 }, { iov_base: ELLIPSIS, iov_len: 4 }], msg_control: ELLIPSIS }, 0);
    expect(got.ret).to.equal(5);
    const msg = got.out[1] as { msg_iov: { iov_base: Uint8Array }[]; msg_control: unknown[] };
    expect(msg.msg_iov.map((v) => [...v.iov_base])).to.deep.equal([[9, 8, 0, 0], [0]]);
    expect(msg.msg_control).to.deep.equal([]);
  });

  it("epoll with the packed epoll_event", () => {
    const [a] = run("socketpair", "AF_UNIX", "SOCK_STREAM", 0, ELLIPSIS).out[3] as number[];
    const ep = run("epoll_create", 1);
    expect(ep.openedFds).to.deep.equal([ep.ret]);
    expect(run("epoll_ctl", ep.ret, "EPOLL_CTL_ADD", a!, { events: "EPOLLOUT|EPOLLET", fd: a! }).ret).to.equal(0);
    const waited = run("epoll_wait", ep.ret, ELLIPSIS, 4, 0);
    expect(waited.ret).to.equal(1);
    expect(waited.out[1]).to.deep.equal([{ events: 4, data: a, fd: a }]);
  });

  it("getsockopt/setsockopt with typed values", () => {
    const [a] = run("socketpair", "AF_UNIX", "SOCK_STREAM", 0, ELLIPSIS).out[3] as number[];
    expect(run("setsockopt", a!, "SOL_SOCKET", "SO_LINGER", { onoff: 1, linger: 0 }, ELLIPSIS).ret).to.equal(0);
    expect(run("getsockopt", a!, "SOL_SOCKET", "SO_LINGER", ELLIPSIS, ELLIPSIS).out).to.deep.equal({ 3: { onoff: 1, linger: 0 }, 4: 8 });
    expect(run("setsockopt", a!, "SOL_SOCKET", "SO_SNDBUF", [20000], 4).ret).to.equal(0);
    const sndbuf = run("getsockopt", a!, "SOL_SOCKET", "SO_SNDBUF", ELLIPSIS, ELLIPSIS).out[3];
    expect(sndbuf).to.equal(40000);
    expect(run("getsockopt", a!, "SOL_TCP", "TCP_INFO", ELLIPSIS, ELLIPSIS)).to.include({ ret: -1, errnoName: "EOPNOTSUPP" });
  });

  it("open with O_CREAT and a mode, sendfile with an in/out offset", () => {
    const path = `/tmp/tcpdrill-executor-spec-${process.pid}`;
    const f = run("open", path, "O_CREAT|O_RDWR|O_TRUNC", 0o600);
    expect(f.ret).to.be.at.least(0);
    expect(run("write", f.ret, new Uint8Array([1, 2, 3, 4, 5]), 5).ret).to.equal(5);
    const [r, w] = run("pipe", ELLIPSIS).out[0] as number[];
    const sf = run("sendfile", w!, f.ret, 1, 3);
    expect(sf.ret).to.equal(3);
    expect(sf.out[2]).to.equal(4);
    expect([...(run("read", r!, ELLIPSIS, 8).out[1] as Uint8Array)]).to.deep.equal([2, 3, 4]);
    libc().close(f.ret);
    opened.splice(opened.indexOf(f.ret), 1);
    rmSync(path);
  });

  it("takes packetdrill's NULL (the integer 0) as a NULL buffer: write(fd, NULL, 1) is EFAULT", () => {
    const [, w] = run("pipe", ELLIPSIS).out[0] as number[];
    expect(run("write", w!, 0, 1)).to.include({ ret: -1, errnoName: "EFAULT" });
    expect(run("write", w!, ELLIPSIS, 1).ret).to.equal(1);
  });

  it("splice passes the script's offset integer as the pointer: NULL (0) is NULL, not a pointer to 0", () => {
    const [r1, w1] = run("pipe", ELLIPSIS).out[0] as number[];
    const [r2, w2] = run("pipe", ELLIPSIS).out[0] as number[];
    expect(run("write", w1!, new Uint8Array([7, 8, 9]), 3).ret).to.equal(3);
    // A pipe has no offset: any non-NULL offset pointer is ESPIPE.
    expect(run("splice", r1!, [0], w2!, 0, 3, 0)).to.include({ ret: -1, errnoName: "ESPIPE" });
    expect(run("splice", r1!, 0, w2!, 0, 3, 0).ret).to.equal(3);
    expect([...(run("read", r2!, ELLIPSIS, 8).out[1] as Uint8Array)]).to.deep.equal([7, 8, 9]);
  });

  it("keeps the buffers of MSG_ZEROCOPY sends (the kernel reads them after the call), frees the others", () => {
    const [, w] = run("pipe", ELLIPSIS).out[0] as number[];
    const before = keptZerocopyBuffers();
    const msg = { msg_iov: [{ iov_base: ELLIPSIS, iov_len: 1 }], msg_flags: 0 };
    // A pipe is not a socket (ENOTSOCK), but the buffers are built and handed over all the same.
    expect(run("sendmsg", w!, msg, 0)).to.include({ errnoName: "ENOTSOCK" });
    expect(run("send", w!, ELLIPSIS, 10, 0)).to.include({ errnoName: "ENOTSOCK" });
    expect(keptZerocopyBuffers()).to.equal(before);
    expect(run("sendmsg", w!, msg, "MSG_ZEROCOPY")).to.include({ errnoName: "ENOTSOCK" });
    expect(run("send", w!, ELLIPSIS, 10, "MSG_ZEROCOPY")).to.include({ errnoName: "ENOTSOCK" });
    expect(run("sendto", w!, ELLIPSIS, 10, "MSG_ZEROCOPY")).to.include({ errnoName: "ENOTSOCK" });
    expect(keptZerocopyBuffers()).to.equal(before + 3);
  });

  it("passes a script string as C bytes: \\xHH escapes are single bytes, not UTF-8", () => {
    expect([...scriptStringBytes("\xf7\x63\x80")]).to.deep.equal([0xf7, 0x63, 0x80]);
    expect([...scriptStringBytes("a\u20ac")]).to.deep.equal([0x61, 0xe2, 0x82, 0xac]);
    const [r, w] = run("pipe", ELLIPSIS).out[0] as number[];
    expect(run("write", w!, "\xf7\xa0", 2).ret).to.equal(2);
    expect([...(run("read", r!, ELLIPSIS, 8).out[1] as Uint8Array)]).to.deep.equal([0xf7, 0xa0]);
  });

  it("refuses what it cannot marshal, before anything reaches the kernel", () => {
    expect(() => executeSyscall({ name: "frobnicate", args: [] }, epoch)).to.throw(SyscallArgumentError, /unknown syscall/);
    expect(() => executeSyscall({ name: "connect", args: [3, ELLIPSIS, ELLIPSIS] }, epoch)).to.throw(SyscallArgumentError, /argument 2/);
    expect(() => executeSyscall({ name: "fcntl", args: [3, "F_NOPE"] }, epoch)).to.throw(SyscallArgumentError, /F_NOPE/);
    expect(() => executeSyscall({ name: "bind", args: [3, { family: "AF_INET", port: 1, addr: "nope" }] }, epoch)).to.throw(/bad IPv4/);
  });

  it("allows only non-blocking, non-creating calls off the syscall thread", () => {
    const [r] = run("pipe", ELLIPSIS).out[0] as number[];
    expect(executeQuickSyscall({ name: "fcntl", args: [r!, "F_GETFL"] }, epoch).ret).to.equal(0);
    expect(() => executeQuickSyscall({ name: "socket", args: ["AF_INET", "SOCK_STREAM", 0] }, epoch)).to.throw(/not allowed/);
    expect(() => executeQuickSyscall({ name: "fcntl", args: [r!, "F_DUPFD", 0] }, epoch)).to.throw(/read state/);
    expect(() => executeQuickSyscall({ name: "poll", args: [[{ fd: r!, events: 1 }], 1, 100] }, epoch)).to.throw(/timeout 0/);
  });

  it("names the descriptors a call acts on", () => {
    expect(descriptorsNamed({ name: "read", args: [4, ELLIPSIS, 1] })).to.deep.equal([4]);
    expect(descriptorsNamed({ name: "splice", args: [4, null, 6, null, 1, 0] })).to.deep.equal([4, 6]);
    expect(descriptorsNamed({ name: "poll", args: [[{ fd: 3, events: 1 }, { fd: 5, events: 1 }], 2, 0] })).to.deep.equal([3, 5]);
    expect(descriptorsNamed({ name: "socket", args: ["AF_INET", 1, 0] })).to.deep.equal([]);
  });
});
