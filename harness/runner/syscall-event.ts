/**
 * One syscall event: evaluate the arguments, map script fds and `...` addresses to live ones,
 * run it on the target, and check the result the script expects — packetdrill's
 * run_system_call.c semantics (bind/connect with `...` use the run's addresses and ports 8080;
 * socket/accept/open/epoll_create results are checked as "an fd" (CHECK_FD); everything else
 * exactly; errno by name).
 */
import type { Expr, SyscallSpec } from "../../lib/script/ast";
import { hex } from "../../lib/wire";
import { errnoNumber, strerror } from "../sys/errno";
import { scriptStringBytes } from "../sys/executor/args";
import type { SyscallRequest, SyscallResult, SysValue, Target } from "../target/target";
import { PENDING_FD } from "../sys/types";
import { ELLIPSIS, EvalError, evaluate, isEllipsisValue } from "./evaluate";
import type { RunState } from "./state";

/** A failed syscall event: packetdrill's wording, and the expression to point at. */
export class SyscallFailure extends Error {
  readonly expr: Expr | undefined;
  constructor(message: string, expr?: Expr) {
    super(message);
    this.expr = expr;
  }
}

const AF_INET = 2;
const AF_INET6 = 10;
const AF_UNSPEC = 0;
const SOCK_DGRAM = 2;
const CHECK_FD = new Set(["socket", "accept", "open", "epoll_create"]);
/** Which arguments are file descriptors, by call (the rest are values). */
const FD_ARGS: Readonly<Record<string, readonly number[]>> = {
  socket: [],
  pipe: [],
  open: [],
  epoll_create: [],
  poll: [],
  cap_set: [],
  epoll_ctl: [0, 2],
  splice: [0, 2],
  sendfile: [0, 1],
};

export interface PreparedSyscall {
  readonly request: SyscallRequest;
  readonly values: readonly SysValue[];
}

function family(state: RunState): number {
  return state.config.mode === "ipv4" ? AF_INET : AF_INET6;
}

/** The sockaddr for the run's own address (wire IPv4 becomes ::ffff:a.b.c.d on AF_INET6 sockets). */
function sockaddr(state: RunState, ip: string, port: number): SysValue {
  if (state.config.mode === "ipv4-mapped-ipv6") return { family: "AF_INET6", port, addr: `::ffff:${ip}` };
  return { family: state.config.mode === "ipv4" ? "AF_INET" : "AF_INET6", port, addr: ip };
}

function isFieldsValue(v: SysValue | undefined): v is Record<string, SysValue> {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

function toLive(state: RunState, value: SysValue, expr: Expr): number {
  if (typeof value !== "number") throw new SyscallFailure("Bad type; expected an integer file descriptor", expr);
  const live = state.liveFd(value);
  if (live === undefined) throw new SyscallFailure(`unable to find fd with script fd ${value}`, expr);
  return live;
}

/** Evaluates and maps a syscall's arguments (run_system_call.c: the syscall_* argument handling). */
export function prepareSyscall(call: SyscallSpec, state: RunState): PreparedSyscall {
  let values: SysValue[];
  try {
    values = call.args.map(evaluate);
  } catch (e) {
    if (e instanceof EvalError) throw new SyscallFailure(e.message, call.args.find((a) => a.span === e.span));
    throw e;
  }
  const args = values.slice();
  for (const i of FD_ARGS[call.name] ?? [0]) {
    if (i < args.length && !isEllipsisValue(args[i])) args[i] = toLive(state, args[i]!, call.args[i]!);
  }
  switch (call.name) {
    case "socket":
      if (isEllipsisValue(args[0])) args[0] = family(state);
      break;
    case "bind":
      args[1] = sockaddr(state, state.config.localIp, state.config.bindPort);
      args[2] = ELLIPSIS;
      break;
    case "connect":
      if (typeof args[1] === "number") args[1] = { family: args[1] === AF_UNSPEC ? "AF_UNSPEC" : String(args[1]), port: 0, addr: "" };
      else args[1] = sockaddr(state, state.config.remoteIp, state.config.connectPort);
      args[2] = ELLIPSIS;
      break;
    case "sendto":
      if (isEllipsisValue(args[4])) args[4] = sockaddr(state, state.config.remoteIp, state.config.connectPort);
      break;
    case "sendmsg": {
      const msg = args[1];
      if (isFieldsValue(msg)) {
        // run_system_call.c syscall_sendmsg: msg_flags must be 0, msg_name is the connect address.
        if (typeof msg["msg_flags"] === "number" && msg["msg_flags"] !== 0) throw new SyscallFailure("sendmsg ignores msg_flags field in msghdr", call.args[1]);
        if (isEllipsisValue(msg["msg_name"])) args[1] = { ...msg, msg_name: sockaddr(state, state.config.remoteIp, state.config.connectPort) };
      }
      break;
    }
    case "poll":
      if (Array.isArray(args[0])) {
        args[0] = (args[0] as SysValue[]).map((p, i) => {
          const pfd = p as { fd: SysValue; events: SysValue };
          const expr = call.args[0]!.kind === "list" ? call.args[0]!.items[i]! : call.args[0]!;
          return { fd: toLive(state, pfd.fd, expr), events: pfd.events };
        });
      }
      break;
    case "recvmsg": {
      // run_system_call.c cmsg_new: the control buffer is exactly as long as the messages the
      // script expects (more would be cut off: MSG_CTRUNC); none when it expects none.
      const msg = args[1];
      if (isFieldsValue(msg)) {
        const expected = Array.isArray(msg["msg_control"]) ? (msg["msg_control"] as readonly SysValue[]) : [];
        let controllen = 0;
        for (const c of expected) {
          const len = expectedCmsgDataLength(c);
          if (typeof len === "string") throw new SyscallFailure(len, call.args[1]);
          controllen += CMSGHDR_BYTES + align8(len);
        }
        args[1] = { ...msg, msg_controllen: controllen };
      }
      break;
    }
    case "epoll_ctl": {
      // The event's fd is the script fd of argument 3 (get_epoll_event_from_expr); the kernel
      // gets the live one, so epoll_wait hands the live one back.
      const ev = args[3];
      if (isFieldsValue(ev) && typeof ev["fd"] === "number") {
        if (ev["fd"] !== values[2]) throw new SyscallFailure("wrong fd specified in epoll_event", call.args[3]);
        args[3] = { ...ev, fd: args[2]! };
      }
      break;
    }
    case "setsockopt":
      // Strings go to the kernel as bytes with their length (TCP_CONGESTION "cubic").
      break;
  }
  return { request: { name: call.name, args }, values };
}

/** Checks ret and errno as packetdrill's end_syscall does; returns the failure sentence or undefined. */
export function checkResult(call: SyscallSpec, result: SyscallResult): string | undefined {
  const expectedValue = evaluate(call.result);
  if (typeof expectedValue !== "number") return `Bad type for the expected result of ${call.name}`;
  const actualErrno = result.errno !== undefined ? errnoNumber(result.errno) ?? 0 : 0;
  // Only worded when it fails (strerror goes through the FFI).
  const errnoText = (): string => `errno ${actualErrno} (${strerror(actualErrno)})`;
  if (CHECK_FD.has(call.name) && expectedValue >= 0) {
    if (result.ret < 0) return `Expected non-negative result but got ${result.ret} with ${errnoText()}`;
  } else if (result.ret !== expectedValue) {
    return `Expected result ${expectedValue} but got ${result.ret} with ${errnoText()}`;
  }
  if (call.errno !== undefined) {
    const want = errnoNumber(call.errno.name);
    if (want === undefined) return `unknown errno ${call.errno.name}`;
    if (want !== actualErrno) return `Expected errno ${want} (${strerror(want)}) but got ${actualErrno} (${strerror(actualErrno)})`;
  }
  return undefined;
}

/**
 * Script values like `[1000]` at an out-parameter position are expectations (getsockopt, ioctl).
 * `liveTimeOf` maps a script time to the target's clock for timestamps the kernel reports
 * (packetdrill: live_start_time + script time; tcpdrill anchors relative times to each event's
 * actual instant, so the map follows the events, not a fixed start).
 */
export function checkOutParams(call: SyscallSpec, values: readonly SysValue[], result: SyscallResult, state: RunState, liveTimeOf: LiveTimeOf = (us) => ({ from: us, to: us })): string | undefined {
  if (result.ret < 0 || result.out === undefined) return undefined;
  if (call.name === "setsockopt") return undefined;
  if (call.name === "epoll_wait") return checkEpollWait(call, values, result, state);
  if (call.name === "recvmsg") return checkRecvmsg(values[1], result.out[1], liveTimeOf, state.config.toleranceUsecs);
  // getsockopt checks optlen before optval, as packetdrill does.
  const order = call.name === "getsockopt" ? [4, 3] : values.map((_, i) => i);
  for (const i of order) {
    const want = values[i];
    const got = result.out[i];
    if (got === undefined) continue;
    // Only getsockopt's optval/optlen and ioctl's optval are checked (sendfile's [offset] is input).
    const checked = call.name === "getsockopt" ? i === 3 || i === 4 : call.name === "ioctl" && i === 2;
    if (checked && Array.isArray(want) && want.length === 1 && typeof want[0] === "number") {
      const actual = Array.isArray(got) ? got[0] : got;
      // packetdrill reads `[n]` as an s32 (get_s32 accepts INT_MIN..UINT_MAX) and compares s32s:
      // [0xffffffff] expects -1.
      if (typeof actual === "number" && (actual | 0) !== (want[0] | 0)) {
        const what = i === 4 ? "optlen" : "optval";
        return `Bad ${call.name} ${what}: expected: ${want[0] | 0} actual: ${actual | 0}`;
      }
    }
    if (call.name === "getsockopt" && i === 3 && typeof want === "string") {
      // A string optval is compared byte for byte over optlen, which must be its length.
      const wantBytes = scriptStringBytes(want);
      const optlen = Array.isArray(values[4]) && typeof values[4][0] === "number" ? values[4][0] : wantBytes.length;
      if (optlen !== wantBytes.length) {
        return `Bad getsockopt optval: expected optlen (${optlen} bytes) does not match length of expected optval string '${want}' (${wantBytes.length} bytes)`;
      }
      const gotBytes = typeof got === "string" ? scriptStringBytes(got) : got instanceof Uint8Array ? got : new Uint8Array(0);
      const same = wantBytes.every((b, k) => gotBytes[k] === b);
      if (!same) return `Bad getsockopt optval: expected: '${want}' actual: '${typeof got === "string" ? got : hex(gotBytes)}'`;
    }
    if (call.name === "getsockopt" && typeof want === "object" && want !== null && "onoff" in want && typeof got === "object" && got !== null && "onoff" in got) {
      const w = want as { onoff: number; linger: number };
      const g = got as { onoff: number; linger: number };
      if (w.onoff !== g.onoff || w.linger !== g.linger) {
        return `Bad getsockopt optval: expected: {onoff=${w.onoff}, linger=${w.linger}} actual: {onoff=${g.onoff}, linger=${g.linger}}`;
      }
    }
    if (call.name === "poll" && Array.isArray(want) && Array.isArray(got)) {
      for (let k = 0; k < want.length; k++) {
        const w = (want[k] as { revents?: SysValue }).revents;
        const g = (got[k] as { revents?: SysValue } | undefined)?.revents;
        if (typeof w === "number" && typeof g === "number" && w !== g) return `Expected revents of ${w} but got ${g} for pollfd ${k}`;
      }
    }
  }
  return undefined;
}

/**
 * epoll_wait(epfd, {events=…, fd|ptr|u32|u64=…}, maxevents, timeout): packetdrill compares the
 * first returned event (all zeros when none was returned) with the script's, `fd` after mapping
 * the script fd to the live one.
 */
function checkEpollWait(call: SyscallSpec, values: readonly SysValue[], result: SyscallResult, state: RunState): string | undefined {
  const want = values[1];
  if (!isFieldsValue(want)) return undefined;
  const list = result.out?.[1];
  const first = Array.isArray(list) && isFieldsValue(list[0]) ? list[0] : undefined;
  const gotEvents = typeof first?.["events"] === "number" ? first["events"] : 0;
  const wantEvents = typeof want["events"] === "number" ? want["events"] >>> 0 : undefined;
  if (wantEvents !== undefined && wantEvents !== gotEvents >>> 0) {
    return `epoll_event->events does not match script: expected: 0x${wantEvents.toString(16)} actual: 0x${(gotEvents >>> 0).toString(16)}`;
  }
  if (typeof want["fd"] === "number") {
    const live = toLive(state, want["fd"], call.args[1]!);
    const got = typeof first?.["fd"] === "number" ? first["fd"] : 0;
    if (live !== got) return `epoll_event->data does not match script: expected: ${live} actual: ${got}`;
  } else if (typeof want["data"] === "number" || typeof want["data"] === "bigint") {
    const w = BigInt.asUintN(64, BigInt(want["data"]));
    const raw = first?.["data"];
    const g = typeof raw === "number" || typeof raw === "bigint" ? BigInt.asUintN(64, BigInt(raw)) : 0n;
    if (w !== g) return `epoll_event->data does not match script: expected: ${w} actual: ${g}`;
  }
  return undefined;
}

/** The live instants (target clock, µs) a script time stands for: see run-script.ts liveTimeOf. */
export type LiveTimeOf = (scriptUs: number) => { readonly from: number; readonly to: number };

const CMSGHDR_BYTES = 16;
const SOL_IP = 0;
const SOL_SOCKET = 1;
const SOL_IPV6 = 41;
const IP_RECVERR = 11;
const IPV6_RECVERR = 25;
const SCM_TIMESTAMPING = 37;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * The data length of an expected control message, by the form of its cmsg_data (cmsg_new): an
 * int, a scm_timestamping (3 timespecs), or a sock_extended_err followed by the offender's
 * sockaddr_in (SOL_IP) or sockaddr_in6. A string is the reason it cannot be built.
 */
function expectedCmsgDataLength(c: SysValue): number | string {
  if (!isFieldsValue(c)) return "msg_control holds a non-cmsg value";
  const data = c["cmsg_data"];
  if (typeof data === "number") return 4;
  if (isFieldsValue(data) && "tv_nsec" in data) return 48;
  if (isFieldsValue(data) && "ee_errno" in data) return 16 + (c["cmsg_level"] === SOL_IP ? 16 : 28);
  return "Unrecognized type for cmsg_data";
}

function num(v: SysValue | undefined): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : 0;
}

/**
 * recvmsg's msg_flags and control messages against the script's (syscall_recvmsg,
 * cmsg_expect_eq): level, type and length of each message in order; IP(V6)_RECVERR field by
 * field; SCM_TIMESTAMPING's non-zero timestamps within the tolerance of the script time
 * (relative to the script's start); anything else byte for byte; then the same count.
 */
function checkRecvmsg(want: SysValue | undefined, got: SysValue | undefined, liveTimeOf: LiveTimeOf, toleranceUsecs: number): string | undefined {
  if (!isFieldsValue(want) || !isFieldsValue(got)) return undefined;
  const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
  const wantFlags = num(want["msg_flags"]);
  const gotFlags = num(got["msg_flags"]);
  if (wantFlags >>> 0 !== gotFlags >>> 0) return `Expected msg_flags ${hex8(wantFlags)} but got ${hex8(gotFlags)}`;
  const expected = Array.isArray(want["msg_control"]) ? (want["msg_control"] as readonly SysValue[]) : [];
  const decoded = Array.isArray(got["msg_control"]) ? (got["msg_control"] as readonly SysValue[]) : [];
  const raw = Array.isArray(got["msg_control_raw"]) ? (got["msg_control_raw"] as readonly SysValue[]) : [];
  let i = 0;
  for (; i < expected.length && i < decoded.length; i++) {
    const e = expected[i];
    const a = decoded[i];
    const r = raw[i];
    if (!isFieldsValue(e) || !isFieldsValue(a) || !isFieldsValue(r)) return "cmsgs do not match";
    const level = num(a["cmsg_level"]);
    const type = num(a["cmsg_type"]);
    if (level !== num(e["cmsg_level"])) return `Bad level in cmsg ${i}: expected=${num(e["cmsg_level"])} actual=${level}`;
    if (type !== num(e["cmsg_type"])) return `Bad type in cmsg ${i}: expected=${num(e["cmsg_type"])} actual=${type}`;
    const len = expectedCmsgDataLength(e);
    const wantLen = CMSGHDR_BYTES + (typeof len === "number" ? len : 0);
    if (num(r["cmsg_len"]) !== wantLen) return `Bad len in cmsg ${i}: expected=${wantLen} actual=${num(r["cmsg_len"])}`;
    const ed = e["cmsg_data"];
    if ((level === SOL_IP && type === IP_RECVERR) || (level === SOL_IPV6 && type === IPV6_RECVERR)) {
      const problem = compareExtendedErr(ed, a["cmsg_data"], i);
      if (problem !== undefined) return problem;
    } else if (level === SOL_SOCKET && type === SCM_TIMESTAMPING) {
      const problem = compareTimestamping(ed, a["cmsg_data"], i, liveTimeOf, toleranceUsecs);
      if (problem !== undefined) return problem;
    } else {
      const bytes = r["cmsg_data"];
      const actual = bytes instanceof Uint8Array && bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getInt32(0, true) : undefined;
      if (typeof ed === "number" && actual !== (ed | 0)) return `Bad data in cmsg ${i}: expected=${ed | 0} actual=${actual ?? "-"}`;
    }
  }
  if (decoded.length > expected.length) return `received more than ${i} cmsgs`;
  if (decoded.length < expected.length) return `received only ${i} cmsgs`;
  return undefined;
}

/** sock_ee_expect_eq: errno, origin, type, code, info, data (u32, u8, u8, u8, u32, u32). */
function compareExtendedErr(want: SysValue | undefined, got: SysValue | undefined, index: number): string | undefined {
  if (!isFieldsValue(want) || !isFieldsValue(got)) return `Bad data in cmsg ${index}: not a sock_extended_err`;
  const fields: readonly [string, string, number][] = [
    ["ee_errno", "errno", 0xffffffff],
    ["ee_origin", "origin", 0xff],
    ["ee_type", "type", 0xff],
    ["ee_code", "code", 0xff],
    ["ee_info", "info", 0xffffffff],
    ["ee_data", "data", 0xffffffff],
  ];
  for (const [field, word, mask] of fields) {
    const w = mask === 0xff ? num(want[field]) & 0xff : num(want[field]) >>> 0;
    const g = mask === 0xff ? num(got[field]) & 0xff : num(got[field]) >>> 0;
    if (w !== g) return `Bad ${word} in extended err ${index}: expected=${w} actual=${g}`;
  }
  return undefined;
}

/**
 * scm_timestamping_expect_eq: the script gives ts[0] only; a zero expected timestamp is not
 * checked; otherwise it must fall within the tolerance of the live instants its script time
 * stands for.
 */
function compareTimestamping(want: SysValue | undefined, got: SysValue | undefined, index: number, liveTimeOf: LiveTimeOf, toleranceUsecs: number): string | undefined {
  if (!isFieldsValue(want)) return `Bad data in cmsg ${index}: not a scm_timestamping`;
  const sec = num(want["tv_sec"]);
  const nsec = num(want["tv_nsec"]);
  if (sec === 0 && nsec === 0) return undefined;
  const scriptUs = sec * 1_000_000 + Math.trunc(nsec / 1000);
  const live = liveTimeOf(scriptUs);
  const first = Array.isArray(got) ? got[0] : undefined;
  const actualUs = isFieldsValue(first) && typeof first["since_epoch_us"] === "number" ? Math.round(first["since_epoch_us"]) : 0;
  if (actualUs < live.from - toleranceUsecs || actualUs > live.to + toleranceUsecs) {
    const start = Math.round(liveTimeOf(0).from);
    const expectedUs = Math.round(live.from);
    return `Bad timestamp 0 in scm_timestamping ${index}: expected=${expectedUs} (${expectedUs - start}) actual=${actualUs} (${actualUs - start}) start=${start}`;
  }
  return undefined;
}

/** After a successful call: keep the fd table and the connection under test in step. */
export function recordEffects(call: SyscallSpec, values: readonly SysValue[], result: SyscallResult, state: RunState): string | undefined {
  if (result.ret < 0) return undefined;
  const scriptFd = typeof values[0] === "number" ? values[0] : undefined;
  switch (call.name) {
    case "socket": {
      const expected = evaluate(call.result) as number;
      const pending = state.fdEntry(expected);
      if (pending?.liveFd === PENDING_FD && pending.conn !== undefined) {
        // Set up by beforeSocket for the calls chained after it: now it has its descriptor.
        pending.conn.liveFd = result.ret;
        state.addFd({ scriptFd: expected, liveFd: result.ret, conn: pending.conn });
        return undefined;
      }
      if (pending !== undefined) return `duplicate fd ${expected} in script`;
      const conn = state.newConnection(socketProtocol(values), "new", expected, result.ret);
      state.addFd({ scriptFd: expected, liveFd: result.ret, conn });
      return undefined;
    }
    case "open":
    case "epoll_create": {
      const expected = evaluate(call.result) as number;
      state.addFd({ scriptFd: expected, liveFd: result.ret });
      return undefined;
    }
    case "pipe": {
      const want = values[0];
      const got = result.out?.[0];
      if (Array.isArray(want) && Array.isArray(got)) {
        for (let i = 0; i < 2; i++) {
          if (typeof want[i] === "number" && typeof got[i] === "number") state.addFd({ scriptFd: want[i] as number, liveFd: got[i] as number });
        }
      }
      return undefined;
    }
    case "bind": {
      const conn = scriptFd !== undefined ? state.fdEntry(scriptFd)?.conn : undefined;
      if (conn !== undefined) conn.liveLocal = state.localEndpoint(state.config.bindPort);
      return undefined;
    }
    case "listen": {
      const conn = scriptFd !== undefined ? state.fdEntry(scriptFd)?.conn : undefined;
      if (conn === undefined) return `unable to find socket with script fd ${scriptFd}`;
      conn.phase = "listening";
      if (conn.liveLocal === undefined) conn.liveLocal = state.localEndpoint(state.config.bindPort);
      return undefined;
    }
    case "accept": {
      const expected = evaluate(call.result) as number;
      const child = state.connections.find((c) => c.liveFd < 0 && (c.phase === "passive-synack-sent" || c.phase === "passive-synack-acked"));
      if (child === undefined) return "unable to find socket matching accept() call";
      child.scriptFd = expected;
      child.liveFd = result.ret;
      state.addFd({ scriptFd: expected, liveFd: result.ret, conn: child });
      return undefined;
    }
    case "close":
      if (scriptFd !== undefined) state.closeFd(scriptFd);
      return undefined;
    default:
      return undefined;
  }
}

function socketProtocol(values: readonly SysValue[]): "udp" | "tcp" {
  return values[1] === SOCK_DGRAM || (typeof values[1] === "number" && (values[1] & 0xf) === SOCK_DGRAM) ? "udp" : "tcp";
}

/**
 * Before a socket() that heads a `+0` chain (call-ahead.ts): its script fd and connection exist
 * at once, the fd standing for PENDING_FD, so the calls after it can be prepared before it
 * returned (the syscall thread puts the real descriptor in); recordEffects completes them.
 * False (nothing done) when the script does not expect a new descriptor or already has that fd.
 */
export function beforeSocket(call: SyscallSpec, values: readonly SysValue[], state: RunState): boolean {
  if (call.name !== "socket") return false;
  let expected: SysValue;
  try {
    expected = evaluate(call.result);
  } catch {
    return false;
  }
  if (typeof expected !== "number" || expected < 0 || state.fdEntry(expected) !== undefined) return false;
  const conn = state.newConnection(socketProtocol(values), "new", expected, PENDING_FD);
  state.addFd({ scriptFd: expected, liveFd: PENDING_FD, conn });
  return true;
}

/** Before connect(): the connection starts its active open (run_syscall_connect). */
export function beforeConnect(call: SyscallSpec, values: readonly SysValue[], state: RunState): void {
  if (call.name !== "connect" && call.name !== "sendto" && call.name !== "sendmsg") return;
  const conn = typeof values[0] === "number" ? state.fdEntry(values[0])?.conn : undefined;
  if (conn === undefined) return;
  if (call.name === "connect" && values[1] === AF_UNSPEC) {
    conn.phase = "new";
    return;
  }
  if (conn.phase !== "new") return;
  conn.phase = "active-connecting";
  conn.liveRemote = state.remoteEndpoint(state.config.connectPort);
  state.conn = conn;
}

export async function runSyscall(target: Target, prepared: PreparedSyscall): Promise<SyscallResult> {
  return target.syscall(prepared.request);
}
