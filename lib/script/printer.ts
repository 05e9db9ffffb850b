/**
 * Prints an AST back to canonical packetdrill text: one event per line, single spaces, no
 * comments. Values that came from a define are printed as the define's name, so that parsing the
 * output with the same defines gives back the same tree (modulo spans).
 */
import { assertNever } from "../util/assert-never";
import type {
  CommandSpec,
  EncapLayer,
  Event,
  EventTime,
  Expr,
  GreHeader,
  IcmpSpec,
  IpInfo,
  MplsEntry,
  PacketSpec,
  PspHeader,
  Script,
  SeqRange,
  SyscallSpec,
  TcpOptionSpec,
  TcpSpec,
  UdpSpec,
} from "./ast";

export function printScript(script: Script): string {
  const lines: string[] = [];
  for (const o of script.options) {
    if (!o.value) lines.push(`--${o.name}`);
    else lines.push(`--${o.name}=${o.value.quoted ? `"${o.value.text}"` : o.value.text}`);
  }
  if (script.initCommand) lines.push(printCommand(script.initCommand));
  for (const e of script.events) lines.push(printEvent(e));
  if (script.cleanupCommand) lines.push(printCommand(script.cleanupCommand));
  return `${lines.join("\n")}\n`;
}

export function printEvent(e: Event): string {
  const time = printTime(e.time);
  switch (e.kind) {
    case "packet":
      return `${time} ${printPacket(e.packet)}`;
    case "syscall":
      return `${time} ${printSyscall(e.call)}`;
    case "command":
      return `${time} ${printCommand(e.command)}`;
    case "code":
      return `${time} ${printCode(e.code)}`;
    default:
      return assertNever(e, "event");
  }
}

export function printTime(t: EventTime): string {
  switch (t.kind) {
    case "absolute":
      return t.at.text;
    case "relative":
      return `+${t.offset.text}`;
    case "any":
      return "*";
    case "absolute-range":
      return `${t.start.text}~${t.end.text}`;
    case "relative-range":
      return `+${t.start.text}~+${t.end.text}`;
    default:
      return assertNever(t, "event time");
  }
}

/** `%{ code }%`, without padding next to a newline (packetdrill trims only spaces and tabs). */
function printCode(code: string): string {
  const open = code.startsWith("\n") ? "%{" : "%{ ";
  const close = code.endsWith("\n") ? "}%" : " }%";
  return `${open}${code}${close}`;
}

function printCommand(c: CommandSpec): string {
  return c.define ?? `\`${c.text}\``;
}

/** Integers as plain digits, even beyond 1e21 where JavaScript would switch to exponents. */
export function fmtInt(n: number): string {
  return Number.isSafeInteger(n) || Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

export function printPacket(p: PacketSpec): string {
  const parts: string[] = [p.direction === "inbound" ? "<" : ">"];
  for (const l of p.layers) parts.push(printLayer(l));
  if (p.ip) parts.push(printIpInfo(p.ip));
  switch (p.body.kind) {
    case "tcp":
      parts.push(printTcp(p.body));
      break;
    case "udp":
      parts.push(printUdp(p.body));
      break;
    case "icmp":
      parts.push(printIcmp(p.body));
      break;
    default:
      assertNever(p.body, "packet body");
  }
  return parts.join(" ");
}

function printLayer(l: EncapLayer): string {
  switch (l.kind) {
    case "ipv4":
    case "ipv6":
      // A space before `:` keeps an IPv6 address from swallowing it.
      return `${l.kind}${l.ip ? ` ${printIpInfo(l.ip)}` : ""} ${l.src} > ${l.dst} :`;
    case "gre":
      return l.header ? `gre ${printGre(l.header)}:` : "gre:";
    case "mpls":
      return `mpls${l.entries.map((e) => ` ${printMplsEntry(e)}`).join("")}:`;
    case "psp":
      return `psp ${printPsp(l.psp)}:`;
    default:
      return assertNever(l, "encapsulation layer");
  }
}

function printGre(h: GreHeader): string {
  const flags = h.flags.kind === "number" ? h.flags.text : `[${h.flags.names.map(greFlag).join(", ")}]`;
  return `flags ${flags}, sum ${h.sum.text}, off ${h.off.text}, key ${h.keyEquals ? "= " : ""}${h.key.text}, seq ${h.seq.text}`;
}

function greFlag(n: "none" | "checksum" | "key" | "sequence"): string {
  return n === "none" ? "none" : n === "sequence" ? "sequence# present" : `${n} present`;
}

function printMplsEntry(e: MplsEntry): string {
  return `(label ${fmtInt(e.label)}, tc ${fmtInt(e.tc)}, ${e.bottom ? "[S], " : ""}ttl ${fmtInt(e.ttl)})`;
}

function printPsp(h: PspHeader): string {
  return `spi ${h.spi.text}${h.vc ? `, ${h.vc.keyword} ${h.vc.value.text}` : ""}`;
}

function printIpInfo(ip: IpInfo): string {
  const items: string[] = [];
  if (ip.tos) items.push(ip.tos.kind === "ecn" ? ip.tos.ecn : `tos 0x${ip.tos.value.toString(16)}`);
  if (ip.flowLabel !== undefined) items.push(`flowlabel 0x${ip.flowLabel.toString(16)}`);
  if (ip.ttl !== undefined) items.push(`ttl ${fmtInt(ip.ttl)}`);
  const [open, close] = ip.bracket === "(" ? ["(", ")"] : ["[", "]"];
  return `${open}${items.join(", ")}${close}`;
}

function printSeq(s: SeqRange): string {
  return `${fmtInt(s.start)}:${fmtInt(s.end)}(${fmtInt(s.length)})`;
}

function printTcp(t: TcpSpec): string {
  const parts: string[] = [];
  if (t.encap) parts.push(`encap psp ${printPsp(t.encap)}`);
  if (t.ports) parts.push(`${fmtInt(t.ports.src)} > ${fmtInt(t.ports.dst)}`);
  parts.push(t.flags.text === "" ? "-" : t.flags.text, printSeq(t.seq));
  if (t.ack) parts.push(`ack ${fmtInt(t.ack.value)}`);
  if (t.window) parts.push(`win ${fmtInt(t.window.value)}`);
  if (t.urg) parts.push(`urg ${fmtInt(t.urg.value)}`);
  if (t.options) parts.push(t.options.kind === "any" ? "<...>" : `<${t.options.options.map(printTcpOption).join(",")}>`);
  return parts.join(" ");
}

export function printTcpOption(o: TcpOptionSpec): string {
  switch (o.kind) {
    case "nop":
    case "eol":
    case "sackOK":
      return o.kind;
    case "mss":
      return `mss ${o.define ?? (o.value.kind === "number" ? fmtInt(o.value.value) : o.value.name)}`;
    case "wscale":
      return `wscale ${o.shift === "*" ? "*" : fmtInt(o.shift)}`;
    case "sack":
      return `sack ${o.blocks.map((b) => `${fmtInt(b.left)}:${fmtInt(b.right)}`).join(" ")}`;
    case "timestamp":
      return `TS val ${fmtInt(o.val)} ecr ${fmtInt(o.ecr)}`;
    case "md5":
      return `md5 ${o.define ?? o.digest}`;
    case "fastopen":
    case "fastopen-exp": {
      const name = o.kind === "fastopen" ? "FO" : "FOEXP";
      const cookie = o.define ?? o.cookie;
      return cookie === "" ? name : `${name} ${cookie}`;
    }
    default:
      return assertNever(o, "TCP option");
  }
}

function printUdp(u: UdpSpec): string {
  return `udp ${u.ports ? `${fmtInt(u.ports.src)} > ${fmtInt(u.ports.dst)} ` : ""}(${fmtInt(u.length.value)})`;
}

function printIcmp(i: IcmpSpec): string {
  const parts = ["icmp", i.type.define ?? i.type.name];
  if (i.code) parts.push(i.code.define ?? i.code.name);
  if (i.mtu) parts.push(`mtu ${fmtInt(i.mtu.value)}`);
  if (i.echoId) parts.push(`id ${fmtInt(i.echoId.value)}`);
  if (i.echoed) {
    const e = i.echoed;
    parts.push(e.kind === "tcp" ? `[${printSeq(e.seq)}]` : `[${e.kind} (${fmtInt(e.length)})]`);
  }
  return parts.join(" ");
}

export function printSyscall(c: SyscallSpec): string {
  const end = c.end ? `...${c.end.text} ` : "";
  let s = `${end}${c.define ?? c.name}(${c.args.map(printExpr).join(", ")}) = ${printExpr(c.result)}`;
  if (c.errno) s += ` ${c.errno.define ?? c.errno.name} (${c.errno.note})`;
  if (c.note) s += ` (${c.note.text})`;
  return s;
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "ellipsis":
      return "...";
    case "int":
      return e.text;
    case "word":
      return e.define ?? e.name;
    case "string":
      return (e.define ?? `"${e.raw}"`) + (e.prefix ? "..." : "");
    case "concat":
      return e.parts.map(printExpr).join(" ");
    case "binary":
      return e.op === "|" ? `${printExpr(e.lhs)} | ${printExpr(e.rhs)}` : `${printExpr(e.lhs)}=${printExpr(e.rhs)}`;
    case "list":
      return `[${e.items.map(printExpr).join(", ")}]`;
    case "struct":
      return `{${e.items.map(printExpr).join(", ")}}`;
    case "inet-addr":
      return `inet_addr("${e.address}")`;
    case "inet6-addr":
      return `inet6_addr("${e.address}")`;
    case "sockaddr":
      return `{sa_family=${e.familyDefine ?? e.family}, sin_port=htons(${fmtInt(e.port)}), sin_addr=inet_addr("${e.address}")}`;
    case "msghdr":
      return (
        `{msg_name(...)=..., msg_iov(${fmtInt(e.iovlen)})=${printExpr(e.iov)}, msg_flags=${printExpr(e.flags)}` +
        `${e.control ? `, msg_control=${printExpr(e.control)}` : ""}}`
      );
    case "iovec":
      return `{..., ${fmtInt(e.len)}}`;
    case "pollfd":
      return `{fd=${printExpr(e.fd)}, events=${printExpr(e.events)}${e.revents ? `, revents=${printExpr(e.revents)}` : ""}}`;
    case "epoll-event":
      return `{events=${printExpr(e.events)}, ${e.field}=${printExpr(e.data)}}`;
    case "linger":
      return `{onoff=${fmtInt(e.onoff)}, linger=${fmtInt(e.linger)}}`;
    case "cmsg":
      return `{cmsg_level=${printExpr(e.level)}, cmsg_type=${printExpr(e.type)}, cmsg_data=${printExpr(e.data)}}`;
    case "scm-timestamping":
      return `{scm_sec=${fmtInt(e.sec)}, scm_nsec=${fmtInt(e.nsec)}}`;
    case "sock-extended-err":
      return (
        `{ee_errno=${printExpr(e.errno)}, ee_origin=${printExpr(e.origin)}, ee_type=${printExpr(e.type)}, ` +
        `ee_code=${printExpr(e.code)}, ee_info=${printExpr(e.info)}, ee_data=${printExpr(e.data)}}`
      );
    case "mpls-stack":
      return `{${e.entries.map(printMplsEntry).join(" ")}}`;
    case "gre":
      return `{${printGre(e.header)}}`;
    case "psp-tuple":
      return `{spi=${e.spi.text}}`;
    default:
      return assertNever(e, "expression");
  }
}
