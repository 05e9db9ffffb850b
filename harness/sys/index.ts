/**
 * tcpdrill's kernel access layer: libc through koffi, on whichever thread calls it.
 *
 * ## Calling a syscall
 *
 *   executeSyscall({ name: "getsockopt", args: [fd, "SOL_TCP", "TCP_INFO", ELLIPSIS, ELLIPSIS] }, epochNs)
 *     → { ret: 0, errno: 0, out: { 3: { state: 1, rto: 204000, … }, 4: 280 }, openedFds: [],
 *         closedFds: [], startNs, endNs }
 *
 * `args` are the script's arguments after evaluation, one per C parameter, in C order:
 *
 * | C parameter                  | JS value                                                        |
 * |------------------------------|-----------------------------------------------------------------|
 * | int / flags / level / option | number, bigint, constant name ("SOCK_STREAM") or flags          |
 * |                              | expression ("O_RDWR|O_NONBLOCK"), or `[n]`                      |
 * | input buffer (write, send)   | Uint8Array (zero-padded to the count), `...` (zeros), null (NULL)|
 * | output buffer (read, recv)   | anything but null: the layer allocates `count` bytes itself and |
 * |                              | returns what the kernel wrote in out[i]; null passes NULL       |
 * | struct sockaddr * (in)       | {family: "AF_INET"|"AF_INET6"|"AF_UNSPEC", port, addr,          |
 * |                              |  flowinfo?, scope_id?}; null = NULL. `...` is refused: the      |
 * |                              | runner maps script `...` to the live address first              |
 * | struct sockaddr * (out)      | `...` or anything non-null; decoded into out[i] (null = NULL)   |
 * | socklen_t / socklen_t *      | number, or `...`/absent for the natural size; out[i] = returned |
 * | optval (setsockopt)          | number, bigint, string, {onoff, linger}, {tv_sec, tv_usec},     |
 * |                              | [ints], Uint8Array, null                                        |
 * | struct pollfd[]              | [{fd, events}]; out[0] adds revents                             |
 * | struct epoll_event *         | {events, fd} / {events, data}; epoll_wait's out[1] is the list  |
 * | struct msghdr *              | {msg_name?, msg_iov: [{iov_base, iov_len}], msg_control?:       |
 * |                              |  [{cmsg_level, cmsg_type, cmsg_data}] | ..., msg_flags?}        |
 * | loff_t * (splice, sendfile)  | number (in/out, reported in out[i]) or null                     |
 * | int fds[2] (pipe)            | anything; out[0] = [readFd, writeFd]                            |
 *
 * `ELLIPSIS` ({ellipsis: true}) is the script's `...`. Results use the same shapes: decoded
 * sockaddrs, {onoff, linger}, tcp_info objects (harness/sys/structs/tcp-info.ts), cmsg lists with
 * decoded data for IP(V6)_RECVERR (sock_extended_err fields), SCM_TIMESTAMPING (three
 * {tv_sec, tv_nsec}), TCP_CM_INQ (int); other data stays raw bytes.
 *
 * Failures: a kernel error is a normal outcome (`ret` -1, `errno`, `errnoName`); an argument the
 * layer cannot marshal, or an unknown call, throws SyscallArgumentError before anything reaches
 * the kernel. File descriptors are live numbers; mapping script fds to live ones is the runner's.
 *
 * Times (startNs/endNs) are CLOCK_REALTIME nanoseconds minus `epochNs`, the clock the kernel
 * stamps captured packets with (clock.ts).
 */
export { AF, EPOLL, F, IOCTL, IP, IPV6, MSG, O, POLL, SHUT, SO, SOCK, SOL, TCP, IPPROTO } from "./constants";
export { flagNames, resolveConstant, resolveFlags, tcpStateName, TCP_STATE_NAMES } from "./constants";
export { errnoName, errnoNumber, strerror } from "./errno";
export { realtimeNs, sinceEpochNs, timespecSinceEpochNs } from "./clock";
export { descriptorsNamed, executeQuickSyscall, executeSyscall, isKnownSyscall, SYSCALL_NAMES } from "./executor/index";
export { readTcpInfo } from "./executor/sockopt";
export { decodeSockaddr, encodeSockaddr } from "./structs/sockaddr";
export type { Sockaddr } from "./structs/sockaddr";
export { decodeTcpInfo, TCP_INFO_SIZE } from "./structs/tcp-info";
export type { TcpInfo } from "./structs/tcp-info";
export { ELLIPSIS, isEllipsis, SyscallArgumentError } from "./types";
export type { Ellipsis, SyscallOutcome, SyscallRequest, SysValue } from "./types";
