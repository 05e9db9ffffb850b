/**
 * Which calls the kernel target may make on the runner's own thread (never-blocks.ts): calls on
 * an existing descriptor that can neither block nor create one. The descriptor's status flags
 * come from a stub here; the sandbox spec checks the same decisions against the kernel.
 */
import { expect } from "chai";
import { neverBlocks } from "../../../harness/sys/executor/never-blocks";
import { ELLIPSIS, type SyscallRequest } from "../../../harness/sys/index";

const O_NONBLOCK = 0o4000;
const BLOCKING_FD = 5;
const NONBLOCKING_FD = 6;
const flagsOf = (fd: number): number => (fd === NONBLOCKING_FD ? 2 | O_NONBLOCK : fd === BLOCKING_FD ? 2 : -1);
const here = (name: string, ...args: SyscallRequest["args"]): boolean => neverBlocks({ name, args }, flagsOf);

describe("harness/sys/executor/never-blocks", () => {
  it("takes the calls that return at once whatever the descriptor's flags", () => {
    expect(here("setsockopt", BLOCKING_FD, "SOL_SOCKET", "SO_SNDBUF", [20000], 4)).to.equal(true);
    expect(here("getsockopt", BLOCKING_FD, "SOL_SOCKET", "SO_ERROR", ELLIPSIS, ELLIPSIS)).to.equal(true);
    expect(here("bind", BLOCKING_FD, ELLIPSIS, ELLIPSIS)).to.equal(true);
    expect(here("listen", BLOCKING_FD, 1)).to.equal(true);
    expect(here("ioctl", BLOCKING_FD, "SIOCINQ", ELLIPSIS)).to.equal(true);
    expect(here("shutdown", BLOCKING_FD, "SHUT_WR")).to.equal(true);
    expect(here("getsockname", BLOCKING_FD, ELLIPSIS, ELLIPSIS)).to.equal(true);
  });

  it("leaves to the syscall thread what creates a descriptor or closes one", () => {
    expect(here("socket", "AF_INET", "SOCK_STREAM", 0)).to.equal(false);
    expect(here("accept", NONBLOCKING_FD, ELLIPSIS, ELLIPSIS)).to.equal(false);
    expect(here("pipe", ELLIPSIS)).to.equal(false);
    expect(here("open", "/tmp/x", "O_RDONLY")).to.equal(false);
    expect(here("close", NONBLOCKING_FD)).to.equal(false);
    expect(here("fcntl", BLOCKING_FD, "F_DUPFD", 10)).to.equal(false);
  });

  it("judges fcntl by its command: record locks wait, the fd flags are the syscall thread's bookkeeping", () => {
    expect(here("fcntl", BLOCKING_FD, "F_GETFL")).to.equal(true);
    expect(here("fcntl", BLOCKING_FD, "F_SETFL", "O_RDWR|O_NONBLOCK")).to.equal(true);
    expect(here("fcntl", BLOCKING_FD, "F_SETLKW", ELLIPSIS)).to.equal(false);
    expect(here("fcntl", BLOCKING_FD, "F_GETFD")).to.equal(false);
    expect(here("fcntl", BLOCKING_FD, "F_SETFD", "FD_CLOEXEC")).to.equal(false);
  });

  it("takes poll and epoll_wait only with timeout 0", () => {
    expect(here("poll", [{ fd: BLOCKING_FD, events: "POLLIN" }], 1, 0)).to.equal(true);
    expect(here("poll", [{ fd: BLOCKING_FD, events: "POLLIN" }], 1, 5)).to.equal(false);
    expect(here("epoll_wait", 7, ELLIPSIS, 1, 0)).to.equal(true);
    expect(here("epoll_wait", 7, ELLIPSIS, 1, -1)).to.equal(false);
  });

  it("takes reads and connect on a non-blocking descriptor, or with MSG_DONTWAIT", () => {
    expect(here("read", NONBLOCKING_FD, ELLIPSIS, 100)).to.equal(true);
    expect(here("read", BLOCKING_FD, ELLIPSIS, 100)).to.equal(false);
    expect(here("connect", NONBLOCKING_FD, ELLIPSIS, ELLIPSIS)).to.equal(true);
    expect(here("connect", BLOCKING_FD, ELLIPSIS, ELLIPSIS)).to.equal(false);
    expect(here("recv", BLOCKING_FD, ELLIPSIS, 100, 0)).to.equal(false);
    expect(here("recv", BLOCKING_FD, ELLIPSIS, 100, "MSG_DONTWAIT")).to.equal(true);
    // An error-queue read answers EAGAIN when the queue is empty; it never waits.
    expect(here("recvmsg", BLOCKING_FD, ELLIPSIS, "MSG_ERRQUEUE")).to.equal(true);
  });

  it("leaves writes to the syscall thread even when they cannot block: they transmit inside the call", () => {
    expect(here("write", NONBLOCKING_FD, ELLIPSIS, 100)).to.equal(false);
    expect(here("sendto", BLOCKING_FD, ELLIPSIS, 100, "MSG_DONTWAIT", ELLIPSIS, ELLIPSIS)).to.equal(false);
    expect(here("sendmsg", NONBLOCKING_FD, ELLIPSIS, 0)).to.equal(false);
  });

  it("leaves a call it cannot judge to the syscall thread", () => {
    expect(here("read", 99, ELLIPSIS, 100)).to.equal(false); // flags unreadable
    expect(here("recv", BLOCKING_FD, ELLIPSIS, 100, ELLIPSIS)).to.equal(false);
    expect(here("fcntl", BLOCKING_FD, ELLIPSIS)).to.equal(false);
    expect(here("sendfile", NONBLOCKING_FD, 3, ELLIPSIS, 10)).to.equal(false);
  });
});
