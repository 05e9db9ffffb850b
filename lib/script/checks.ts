/**
 * Semantic checks over a parsed script, collected (never stopping at the first): packetdrill's
 * parse-time rules, plus the rules it applies before executing each event (first event at 0,
 * absolute times never going backwards, known system calls) so that `tcpdrill check` reports them
 * without running anything.
 */
import type { Diagnostic, Span } from "../diagnostics/types";
import type { Event, EventTime, Expr, IpMode, Script, SyscallSpec, TimeValue } from "./ast";
import { isIpv4Address, isIpv6Address } from "./addresses";
import { PacketChecker } from "./check-packets";
import { SCRIPT_OPTIONS } from "./script-options";
import { didYouMean } from "./suggest";
import { LINUX_SYMBOLS, lookupSymbol } from "./symbols-linux";
import { SYSCALLS } from "./syscalls";

export interface CheckOptions {
  readonly mode: IpMode;
}

export function checkScript(script: Script, options: CheckOptions): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = (code: string, message: string, span: Span, notes?: Diagnostic["notes"]): void => {
    out.push({ code, severity: "error", message, span, ...(notes ? { notes } : {}) });
  };
  checkOptions(script, err);
  const packets = new PacketChecker(options.mode, out);
  let previous: Event | undefined;
  for (const [i, event] of script.events.entries()) {
    checkEventTime(event, err);
    if (i === 0 && startUsecs(event.time) !== 0) {
      err("E-first-event-time", "first event should be at time 0", event.time.span, [
        { message: "packetdrill anchors the script's clock at its first event; start with `0` or `+0`" },
      ]);
    }
    if (previous && isAbsolute(previous.time) && isAbsolute(event.time) && startUsecs(event.time) < startUsecs(previous.time)) {
      err(
        "E-time-backwards",
        `time goes backward in script from ${startUsecs(previous.time)} usec to ${startUsecs(event.time)} usec`,
        event.time.span,
        [{ message: "the previous event is here", span: previous.time.span }],
      );
    }
    switch (event.kind) {
      case "packet":
        packets.check(event.packet);
        break;
      case "syscall":
        checkSyscall(event.call, err, out);
        break;
      case "command":
      case "code":
        break;
    }
    previous = event;
  }
  return out;
}

type Report = (code: string, message: string, span: Span, notes?: Diagnostic["notes"]) => void;

function checkOptions(script: Script, err: Report): void {
  for (const o of script.options) {
    const info = SCRIPT_OPTIONS.get(o.name);
    if (!info) {
      err("E-unknown-option", `option '${o.name}' unknown`, o.span, didYouMean(o.name, SCRIPT_OPTIONS.keys()));
      continue;
    }
    if (o.value && !info.hasArg) err("E-option-arg", `option '${o.name}' forbids an argument`, o.span);
    else if (!o.value && info.hasArg) err("E-option-arg", `option '${o.name}' requires an argument`, o.span);
    else if (o.value && info.validate) {
      const problem = info.validate(o.value.text);
      if (problem) err("E-option-value", problem, o.value.span);
    }
  }
}

function startUsecs(t: EventTime): number {
  switch (t.kind) {
    case "absolute":
      return t.at.usecs;
    case "relative":
      return t.offset.usecs;
    case "any":
      return 0;
    case "absolute-range":
    case "relative-range":
      return t.start.usecs;
  }
}

function isAbsolute(t: EventTime): boolean {
  return t.kind === "absolute" || t.kind === "absolute-range";
}

function checkTimeValue(v: TimeValue, err: Report): void {
  if (v.usecs < 0) err("E-negative-time", "negative time", v.span);
}

function checkEventTime(event: Event, err: Report): void {
  const t = event.time;
  const outboundPacket = event.kind === "packet" && event.packet.direction === "outbound";
  switch (t.kind) {
    case "absolute":
      checkTimeValue(t.at, err);
      break;
    case "relative":
      checkTimeValue(t.offset, err);
      break;
    case "any":
      if (!outboundPacket) err("E-star-time", "event time <star> can only be used with outbound packets", t.span);
      break;
    case "absolute-range":
    case "relative-range":
      checkTimeValue(t.start, err);
      checkTimeValue(t.end, err);
      if (t.end.usecs < t.start.usecs) err("E-time-range", "time range is backwards", t.span);
      if (!outboundPacket) err("E-range-time", "event time range can only be used with outbound packets", t.span);
      break;
  }
  if (event.kind === "syscall" && event.call.end) checkTimeValue(event.call.end, err);
}

function checkSyscall(call: SyscallSpec, err: Report, out: Diagnostic[]): void {
  const info = SYSCALLS.get(call.name);
  if (!info) {
    err(
      "E-unknown-syscall",
      `Unknown system call: '${call.name}'`,
      call.nameSpan,
      didYouMean(call.name, SYSCALLS.keys()) ?? [{ message: `packetdrill knows: ${[...SYSCALLS.keys()].join(", ")}` }],
    );
  } else if (!info.args.includes(call.args.length)) {
    // packetdrill's wording: check_arg_count(), or fcntl/ioctl's own "expected 2-3 args".
    const n = call.args.length;
    const message =
      info.args.length === 1 ? `Expected ${info.args[0]} args but got ${n}` : `${call.name} expected ${info.args[0]}-${info.args.at(-1)} args but got ${n}`;
    err("E-syscall-args", message, call.span);
  }
  for (const a of call.args) checkExpr(a, err, out);
  checkExpr(call.result, err, out);
  if (call.errno && lookupSymbol(call.errno.name) === undefined) {
    const s = call.errno.span.start;
    const len = (call.errno.define ?? call.errno.name).length;
    const span = { file: call.errno.span.file, start: s, end: { offset: s.offset + len, line: s.line, col: s.col + len } };
    out.push({ code: "W-unknown-symbol", severity: "warning", message: `unknown errno \`${call.errno.name}\``, span });
  }
}

function checkExpr(e: Expr, err: Report, out: Diagnostic[]): void {
  switch (e.kind) {
    case "word":
      if (lookupSymbol(e.name) === undefined) {
        const notes = didYouMean(e.name, LINUX_SYMBOLS.keys());
        out.push({
          code: "W-unknown-symbol",
          severity: "warning",
          message: `unknown symbol \`${e.name}\`${e.define ? ` (from define \`${e.define}\`)` : ""}; it will not evaluate to a number`,
          span: e.span,
          ...(notes ? { notes } : {}),
        });
      }
      return;
    case "binary":
      // The left side of `name=value` is a field name in struct literals; only check the value.
      if (e.op === "|") checkExpr(e.lhs, err, out);
      checkExpr(e.rhs, err, out);
      return;
    case "list":
    case "struct":
      for (const x of e.items) checkExpr(x, err, out);
      return;
    case "inet6-addr":
      if (!isIpv6Address(e.address)) err("E-address", "cannot parse in6_addr", e.span);
      return;
    case "sockaddr":
      if (e.family === "AF_INET") {
        if (!isIpv4Address(e.address)) err("E-address", "invalid IPv4 address", e.span);
      } else if (e.family === "AF_INET6") {
        if (!isIpv6Address(e.address)) err("E-address", "invalid IPv6 address", e.span);
      } else err("E-sockaddr-family", `sa_family must be AF_INET or AF_INET6, not ${e.family}`, e.span);
      if (!(e.port >= 0 && e.port <= 0xffff)) err("E-out-of-range", "port out of range", e.span);
      return;
    case "msghdr":
      checkExpr(e.iov, err, out);
      checkExpr(e.flags, err, out);
      if (e.control) checkExpr(e.control, err, out);
      return;
    case "pollfd":
      checkExpr(e.fd, err, out);
      checkExpr(e.events, err, out);
      if (e.revents) checkExpr(e.revents, err, out);
      return;
    case "epoll-event":
      checkExpr(e.events, err, out);
      checkExpr(e.data, err, out);
      return;
    case "cmsg":
      checkExpr(e.level, err, out);
      checkExpr(e.type, err, out);
      checkExpr(e.data, err, out);
      return;
    case "sock-extended-err":
      for (const x of [e.errno, e.origin, e.type, e.code, e.info, e.data]) checkExpr(x, err, out);
      return;
    case "ellipsis":
    case "int":
    case "string":
    case "concat":
    case "inet-addr":
    case "iovec":
    case "linger":
    case "scm-timestamping":
    case "mpls-stack":
    case "gre":
    case "psp-tuple":
      return;
  }
}
