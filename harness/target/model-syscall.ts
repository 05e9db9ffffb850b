/**
 * Syscalls between the runner's shapes and the model's: arguments as the runner evaluated them
 * (script `...` as `{ellipsis: true}`, sockaddrs with family names, `[1]` for an int pointer) in,
 * and the model's named out-parameters back out keyed by argument index, as the kernel target
 * reports them (harness/sys/index.ts), so the runner's checks read both targets alike.
 */
import { LINUX_STATE_NAME, sys, type SysArg, type SyscallOut, type TcpInfo, type TcpState } from "../../lib/model";
import type { SysValue } from "./target";

type Fields = { readonly [field: string]: SysValue };

function isFields(v: SysValue | undefined): v is Fields {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

function isEllipsis(v: SysValue | undefined): boolean {
  return isFields(v) && (v as { readonly ellipsis?: unknown }).ellipsis === true;
}

function familyNumber(f: SysValue | undefined): number {
  if (typeof f === "number") return f;
  if (typeof f === "string") {
    const named = sys.symbolValue(f);
    if (named !== undefined) return named;
    const n = Number(f);
    if (Number.isInteger(n)) return n;
  }
  return -1;
}

function intOf(v: SysValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

/** One runner value as a model argument. Shapes the model does not take become NULL. */
export function toModelArg(v: SysValue | undefined): SysArg {
  if (v === undefined || v === null || isEllipsis(v)) return null;
  if (typeof v === "number" || typeof v === "string" || v instanceof Uint8Array) return v;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) {
    const items = v as readonly SysValue[];
    // `[1]`: a pointer to an int (setsockopt's optval, getsockopt's optlen).
    if (items.length === 1 && intOf(items[0]) !== undefined) return intOf(items[0])!;
    if (items.every((p) => isFields(p) && "fd" in p)) {
      return items.map((p) => {
        const f = p as Fields;
        return { fd: intOf(f["fd"]) ?? -1, events: intOf(f["events"]) ?? sys.symbolValue(f["events"]) ?? 0 };
      });
    }
    return null;
  }
  if (isFields(v)) {
    if ("port" in v && "addr" in v) {
      return { family: familyNumber(v["family"]), port: intOf(v["port"]) ?? 0, addr: typeof v["addr"] === "string" ? v["addr"] : "" };
    }
    if ("onoff" in v && "linger" in v) return { onoff: intOf(v["onoff"]) ?? 0, linger: intOf(v["linger"]) ?? 0 };
  }
  return null;
}

export function toModelArgs(args: readonly SysValue[]): SysArg[] {
  return args.map(toModelArg);
}

function sockaddrValue(a: NonNullable<SyscallOut["addr"]>): { value: SysValue; len: number } {
  if (a.family === sys.AF_INET6) return { value: { family: "AF_INET6", port: a.port, addr: a.addr, flowinfo: 0, scope_id: 0 }, len: 28 };
  return { value: { family: "AF_INET", port: a.port, addr: a.addr }, len: 16 };
}

function isTcpInfo(v: unknown): v is TcpInfo {
  return typeof v === "object" && v !== null && "tcpi_state" in v;
}

/** TCP_INFO with the kernel decoder's field names (the C names without `tcpi_`). */
function tcpInfoValue(info: TcpInfo): SysValue {
  const out: Record<string, SysValue> = {};
  for (const [k, v] of Object.entries(info)) out[k.replace(/^tcpi_/, "")] = v as number;
  return out;
}

/** The model's named out-parameters keyed by the argument index the kernel target uses. */
export function outByIndex(name: string, out: SyscallOut | undefined): Record<number, SysValue> | undefined {
  if (out === undefined) return undefined;
  const r: Record<number, SysValue> = {};
  switch (name) {
    case "accept":
    case "accept4":
    case "getsockname":
    case "getpeername":
      if (out.addr !== undefined) {
        const { value, len } = sockaddrValue(out.addr);
        r[1] = value;
        r[2] = len;
      }
      break;
    case "read":
    case "recv":
    case "recvfrom":
      if (out.data !== undefined) r[1] = out.data;
      if (out.addr !== undefined) {
        const { value, len } = sockaddrValue(out.addr);
        r[4] = value;
        r[5] = len;
      }
      break;
    case "getsockopt": {
      const v = out.value;
      if (v !== undefined) r[3] = isTcpInfo(v) ? tcpInfoValue(v) : typeof v === "object" ? { onoff: v.onoff, linger: v.linger } : v;
      if (out.optlen !== undefined) r[4] = out.optlen;
      break;
    }
    case "ioctl":
      if (out.value !== undefined && typeof out.value === "number") r[2] = out.value;
      break;
    case "poll":
      if (out.fds !== undefined) r[0] = out.fds.map((p) => ({ fd: p.fd, events: p.events, revents: p.revents ?? 0 }));
      break;
    default:
      break;
  }
  return Object.keys(r).length > 0 ? r : undefined;
}

/**
 * tcpi_state's name for an fd's connection, as the kernel target reports it: Linux names, and
 * CLOSE for an fd whose connection moved to a timewait socket (tcp_time_wait → tcp_done closes
 * the full socket; the fd's TCP_INFO then says TCP_CLOSE).
 */
export function linuxStateName(state: TcpState): string {
  return state === "TIME_WAIT" ? LINUX_STATE_NAME.CLOSED : LINUX_STATE_NAME[state];
}
