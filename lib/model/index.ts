/**
 * tcpdrill's reference TCP model: an executable model of Linux TCP connection management
 * (RFC 9293 plus the Linux 6.x behaviours catalogued in docs/tcp-behaviors.md, T1–T24) that runs
 * in virtual time. Pure: no clock, no I/O; time is an argument in microseconds.
 *
 * ## Using a host
 *
 * ```ts
 * const host = createHost({ profile: "packetdrill", ipVersion: 4, localIp: "192.168.0.1", remoteIp: "192.0.2.1" });
 * host.syscall("socket", [AF_INET, SOCK_STREAM, IPPROTO_TCP], 0);          // { kind: "returned", ret: 3 }
 * host.syscall("connect", [3, { family: AF_INET, port: 8080, addr: "192.0.2.1" }], 0); // { kind: "blocked", id: 1 }
 * host.advance(0);        // [{ kind: "state", ... SYN_SENT }, { kind: "packet", packet: <the SYN>, rule: "syscall/connect" }]
 * host.receive(synAck, 100_000);
 * host.advance(100_000);  // [..., { kind: "packet", <ACK> }, { kind: "syscall-done", id: 1, ret: 0 }]
 * host.nextDeadline();    // the next timer (retransmission, delayed ACK, keepalive, TIME_WAIT...)
 * ```
 *
 * - `createHost(options)` — see HostOptions (profile, ipVersion, mapped, localIp, remoteIp, mtu,
 *   seed, isn, tsOffset, ephemeralPortStart, ttl, tso). The host talks to exactly one remote
 *   address; unpredictable kernel choices (ISN, timestamp offset, ephemeral port) come from the
 *   seed unless given — a runner binds them on first sight as it does for the kernel.
 * - `host.syscall(name, args, now): SyscallOutcome` — `{ kind: "returned", ret, errno?, out? }`
 *   or `{ kind: "blocked", id }`; a blocked call completes later as a `syscall-done` event.
 * - `host.receive(packet, now)` — a segment from the remote side (`PacketRepr`; addressed from
 *   remoteIp to localIp, else ignored with a `drop` event).
 * - `host.advance(now): ModelEvent[]` — fires every timer with deadline ≤ now (in deadline
 *   order) and returns everything emitted since the last call, in time order. `syscall` and
 *   `receive` do not return events: what they emit (at their `now`) is collected and handed out
 *   by the next `advance` (call `advance(now)` with the same `now` to drain at once). Every entry
 *   point first fires the timers due by its `now`, so calling them in time order is all a runner
 *   needs. Time never goes backwards (that throws: a runner bug).
 * - `host.nextDeadline()` — the earliest pending timer (or poll/linger timeout), undefined if none.
 * - `host.socketState(fd)` — the RFC state of the connection behind an fd.
 * - `host.applySysctl(name, value)` / `host.runCommand(cmd)` — script sysctl commands update the
 *   host's profile (`runCommand` returns handled: false for anything that is not a sysctl set).
 * - `host.connections()` — every connection (sockets and half-open requests) for traces.
 *
 * ## Events (ModelEvent)
 * - `packet`: `{ time, packet, rule, conn?, timeRange?, loose? }`. `time` is the nominal time
 *   (Linux timers fire late by up to a tick, HZ=250: the runner applies the tolerance). When
 *   Linux may legitimately send the segment anywhere in an interval — a delayed ACK could have
 *   left at once — `timeRange: { earliest, latest }` gives it ("both allowed"). `loose` lists
 *   fields the model computes but cannot promise: the window after the handshake (it depends on
 *   receive-buffer autotuning), IPv4 id, IPv6 flow label.
 * - `state`: `{ time, conn, fd?, from, to, rule }` — every transition, through one `setState`.
 * - `syscall-done`: `{ id, time, ret, errno?, out? }`.
 * - `drop`: `{ time, conn?, rule }` — a segment consumed without an answer (for traces).
 * Every packet, state change and drop names a rule id from `RULES` (rules.ts).
 *
 * ## Syscall conventions (args are evaluated plain values)
 * Numbers may be given symbolically where the kernel takes an int ("SOL_SOCKET", "SO_LINGER",
 * "O_RDWR|O_NONBLOCK"). Pointers the script leaves as `...` are `null`. Errors: ret -1 and
 * `errno` as a name ("EAGAIN"). fds are allocated lowest-free from 3.
 * - `socket(domain, type, protocol)`: AF_INET/AF_INET6, SOCK_STREAM[|SOCK_NONBLOCK], 0 or
 *   IPPROTO_TCP. The socket's family follows the host (AF_INET6 for IPv6 and mapped mode, as
 *   packetdrill does); other types give EPROTONOSUPPORT (only TCP is modelled).
 * - `bind(fd, sockaddr, len)`: sockaddr `{ family, port, addr }`; addr the local address or the
 *   wildcard ("0.0.0.0", "::"), v4-mapped accepted; port 0 picks an ephemeral port. null → EFAULT.
 * - `listen(fd, backlog)`; `accept(fd, addr, len)` / `accept4(fd, addr, len, flags)`:
 *   `out.addr` is the peer.
 * - `connect(fd, sockaddr, len)`: the address must be remoteIp. Non-blocking: EINPROGRESS, then
 *   EALREADY, then 0 once established (Linux's second-connect quirk), EISCONN after that.
 * - `read(fd, buf, count)`, `recv/recvfrom(fd, buf, len, flags)`: `out.data` holds the bytes.
 *   MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL honoured.
 * - `write(fd, buf, count)`, `send/sendto(fd, buf, len, flags)`: `buf` a Uint8Array or null
 *   (then `count` zero bytes). MSG_MORE corks, MSG_DONTWAIT.
 * - `close(fd)`, `shutdown(fd, how)` (SHUT_RD=0, SHUT_WR=1, SHUT_RDWR=2).
 * - `setsockopt(fd, level, name, value, len)`: int options take a number (or a 4-byte
 *   little-endian buffer), SO_LINGER takes `{ onoff, linger }`, TCP_CONGESTION a string. Times as
 *   the kernel takes them (TCP_KEEPIDLE s, TCP_USER_TIMEOUT ms). IP-level options are accepted
 *   and ignored.
 * - `getsockopt(fd, level, name, value, len)`: `out.value` is a number, `{ onoff, linger }`, a
 *   string (TCP_CONGESTION) or a `TcpInfo` object (TCP_INFO; `tcpi_state` as Linux numbers it);
 *   `out.optlen` the length. SO_ERROR returns the errno number and clears it.
 * - `fcntl(fd, F_GETFL)` → O_RDWR|O_NONBLOCK bits; `fcntl(fd, F_SETFL, flags)`.
 * - `poll(fds, nfds, timeoutMs)`: fds `[{ fd, events }]`; `out.fds` with revents (tcp_poll
 *   masks); timeout -1 blocks, >0 completes with 0 at the deadline.
 * - `ioctl(fd, SIOCINQ|SIOCOUTQ|SIOCOUTQNSD|FIONBIO, arg)`: `out.value`.
 * - `getsockname(fd)`, `getpeername(fd)`: `out.addr`.
 * Unknown syscalls return ENOSYS.
 *
 * ## Not modelled (yet)
 * Fast retransmit / SACK-based recovery (RACK), congestion control beyond a Reno-shaped slow
 * start (the kernel's default here is bbr), receive-buffer autotuning (hence `loose: ["window"]`
 * after the handshake), TCP Fast Open, MD5/AO, urgent data, ECN beyond the handshake and ECT on
 * new data, path MTU discovery and ICMP, UDP, tcp_max_tw_buckets, SO_RCVTIMEO/SNDTIMEO, epoll,
 * TSO sizing from the pacing rate (with `tso: true` a burst is one packet of up to 64 KB).
 */
export { createHost, Host, type HostOptions, type IsnContext, type ConnectionSummary } from "./host";
export {
  LINUX_6_18, PACKETDRILL, PROFILES, profileByName, applySysctl, parseSysctlCommand, normalizeSysctlName,
  type Profile, type Sysctls, type Constants, type Features, type SysctlResult, type SysctlError,
  type SysctlAssignment, type SysctlCommandParse,
} from "./profiles";
export { RULES, ruleInfo, isRuleId, type RuleId, type RuleInfo } from "./rules";
export type {
  TcpState, SockaddrArg, LingerArg, PollFdArg, SysArg, SyscallOut, SyscallOutcome, ModelEvent, LooseField, TcpInfo,
} from "./types";
export { SUPPORTED_SYSCALLS } from "./syscalls";
export * as sys from "./constants";
export { LINUX_STATE_NAME, LINUX_STATE_NUMBER } from "./constants";
