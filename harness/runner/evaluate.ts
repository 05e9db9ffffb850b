/**
 * Script expressions → syscall argument values (packetdrill's evaluate_expression_list).
 * Symbols resolve through the Linux symbol table; fds are NOT mapped here (that needs the
 * runner's fd table, see syscall-args.ts).
 */
import type { Expr } from "../../lib/script/ast";
import { lookupSymbol } from "../../lib/script/symbols-linux";
import type { Span } from "../../lib/diagnostics/types";
import type { SysValue } from "../target/target";

export const ELLIPSIS: SysValue = { ellipsis: true };

export class EvalError extends Error {
  readonly span: Span;
  constructor(message: string, span: Span) {
    super(message);
    this.span = span;
  }
}

export function isEllipsisValue(v: SysValue | undefined): boolean {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v) && (v as { ellipsis?: unknown }).ellipsis === true;
}

export function evaluate(e: Expr): SysValue {
  switch (e.kind) {
    case "ellipsis":
      return ELLIPSIS;
    case "int":
      return e.value;
    case "word": {
      const v = lookupSymbol(e.name);
      if (v === undefined) throw new EvalError(`unknown symbol '${e.name}'`, e.span);
      return v;
    }
    case "string":
      return e.value;
    case "concat":
      return e.parts.map((p) => p.value).join("");
    case "binary": {
      if (e.op === "|") {
        const l = evaluate(e.lhs);
        const r = evaluate(e.rhs);
        if (typeof l !== "number" || typeof r !== "number") throw new EvalError("'|' needs integer operands", e.span);
        return (l | r) >>> 0;
      }
      return evaluate(e.rhs);
    }
    case "list":
      return e.items.map(evaluate);
    case "struct": {
      const fields: Record<string, SysValue> = {};
      e.items.forEach((item, i) => {
        if (item.kind === "binary" && item.op === "=" && item.lhs.kind === "word") fields[item.lhs.name] = evaluate(item.rhs);
        else fields[String(i)] = evaluate(item);
      });
      return fields;
    }
    case "inet-addr":
    case "inet6-addr":
      return e.address;
    case "sockaddr":
      return { family: e.family, port: e.port, addr: e.address };
    case "msghdr": {
      // packetdrill's grammar always has `msg_name(...)=...`: sendmsg gets the run's connect
      // address there (run_syscall_connect), recvmsg a sockaddr_storage to fill.
      const msg: Record<string, SysValue> = {
        msg_name: ELLIPSIS,
        msg_iov: e.iov.items.map(evaluate),
        msg_iovlen: e.iovlen,
        msg_flags: evaluate(e.flags),
      };
      if (e.control !== undefined) msg["msg_control"] = e.control.items.map(evaluate);
      return msg;
    }
    case "iovec":
      return { iov_base: ELLIPSIS, iov_len: e.len };
    case "pollfd": {
      const p: Record<string, SysValue> = { fd: evaluate(e.fd), events: evaluate(e.events) };
      if (e.revents !== undefined) p["revents"] = evaluate(e.revents);
      return p;
    }
    case "epoll-event":
      return { events: evaluate(e.events), [e.field === "fd" ? "fd" : "data"]: evaluate(e.data) };
    case "linger":
      return { onoff: e.onoff, linger: e.linger };
    case "cmsg":
      return { cmsg_level: evaluate(e.level), cmsg_type: evaluate(e.type), cmsg_data: evaluate(e.data) };
    case "scm-timestamping":
      return { tv_sec: e.sec, tv_nsec: e.nsec };
    case "sock-extended-err":
      return {
        ee_errno: evaluate(e.errno),
        ee_origin: evaluate(e.origin),
        ee_type: evaluate(e.type),
        ee_code: evaluate(e.code),
        ee_info: evaluate(e.info),
        ee_data: evaluate(e.data),
      };
    case "mpls-stack":
    case "gre":
    case "psp-tuple":
      throw new EvalError(`${e.kind} values are not supported as syscall arguments`, e.span);
  }
}
