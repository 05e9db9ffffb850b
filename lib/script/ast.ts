/**
 * The AST of a packetdrill script: *expectations*, not wire bytes. Nothing here is encoded; an
 * outbound (`>`) packet is a partial segment whose fields are exact values, wildcards, or absent
 * (absent = "don't care" unless noted), and an inbound (`<`) packet is a template the runner encodes
 * when it injects it.
 *
 * Every node has a `span` into the script. Times are integer microseconds; where the text as
 * written matters (times, hex literals) it is kept in a `text` field. Values that came from a
 * `-D NAME=value` define carry `define: "NAME"` so the printer can write the name back.
 */
import type { Span } from "../diagnostics/types";

export type IpMode = "ipv4" | "ipv4-mapped-ipv6" | "ipv6";

export interface Script {
  readonly kind: "script";
  readonly file: string;
  readonly span: Span;
  /** `--name[=value]` lines before the first event. */
  readonly options: readonly ScriptOption[];
  /** An untimed `command` before the first event (packetdrill's init command). */
  readonly initCommand?: CommandSpec;
  readonly events: readonly Event[];
  /** An untimed `command` after the last event, always run at the end. */
  readonly cleanupCommand?: CommandSpec;
}

export interface ScriptOption {
  readonly kind: "option";
  readonly name: string;
  /** The value as packetdrill sees it (`--define=A="x"` gives `A="x"`); `quoted` if written as a string. */
  readonly value?: { readonly text: string; readonly quoted: boolean; readonly span: Span };
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Event times

/** One time value in seconds as written, converted exactly to microseconds. */
export interface TimeValue {
  readonly usecs: number;
  /** As written, without a leading `+` (e.g. `.1`, `0.100`, `2`). */
  readonly text: string;
  readonly span: Span;
}

export type EventTime =
  | { readonly kind: "absolute"; readonly at: TimeValue; readonly span: Span }
  | { readonly kind: "relative"; readonly offset: TimeValue; readonly span: Span }
  /** `*`: any time (outbound packets only). */
  | { readonly kind: "any"; readonly span: Span }
  /** `a~b` (outbound packets only). */
  | { readonly kind: "absolute-range"; readonly start: TimeValue; readonly end: TimeValue; readonly span: Span }
  /** `+a~+b` (outbound packets only). */
  | { readonly kind: "relative-range"; readonly start: TimeValue; readonly end: TimeValue; readonly span: Span };

export type Event = PacketEvent | SyscallEvent | CommandEvent | CodeEvent;

export interface PacketEvent {
  readonly kind: "packet";
  readonly time: EventTime;
  readonly packet: PacketSpec;
  readonly span: Span;
}

export interface SyscallEvent {
  readonly kind: "syscall";
  readonly time: EventTime;
  readonly call: SyscallSpec;
  readonly span: Span;
}

export interface CommandEvent {
  readonly kind: "command";
  readonly time: EventTime;
  readonly command: CommandSpec;
  readonly span: Span;
}

export interface CodeEvent {
  readonly kind: "code";
  readonly time: EventTime;
  /** The code between `%{` and `}%`, with spaces and tabs trimmed at both ends (as packetdrill does). */
  readonly code: string;
  readonly span: Span;
}

/** A shell command in backticks, kept verbatim (packetdrill hands it to `/bin/sh -c`). */
export interface CommandSpec {
  readonly kind: "command";
  readonly text: string;
  /** Where the text between the backticks starts and ends. */
  readonly textSpan: Span;
  /**
   * `$NAME` / `${NAME}` references in the text. packetdrill does not substitute defines into
   * commands: the shell expands these from the environment (e.g. `${PPID}`).
   */
  readonly variables: readonly { readonly name: string; readonly span: Span }[];
  readonly define?: string;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Packets

export type Direction = "inbound" | "outbound";

export interface PacketSpec {
  readonly kind: "packet";
  readonly direction: Direction;
  /** Outer headers written before the packet, outermost first (`ipv4 a > b:`, `gre:`, `mpls ...:`, `psp ...:`). */
  readonly layers: readonly EncapLayer[];
  /** `(tos 0x..)`, `[ect0]`, `(flowlabel 0x..)`, `(ttl N)` for the innermost IP header. */
  readonly ip?: IpInfo;
  readonly body: TcpSpec | UdpSpec | IcmpSpec;
  readonly span: Span;
}

export type Ecn = "noecn" | "ect0" | "ect1" | "ce" | "ect01";

export interface IpInfo {
  readonly bracket: "(" | "[";
  /** An ECN codepoint check (`ect01`: either ECT codepoint) or a whole TOS byte. */
  readonly tos?: { readonly kind: "ecn"; readonly ecn: Ecn } | { readonly kind: "tos"; readonly value: number };
  readonly flowLabel?: number;
  readonly ttl?: number;
  readonly span: Span;
}

export type EncapLayer =
  | {
      readonly kind: "ipv4" | "ipv6";
      readonly ip?: IpInfo;
      readonly src: string;
      readonly dst: string;
      readonly span: Span;
    }
  | { readonly kind: "gre"; readonly header?: GreHeader; readonly span: Span }
  | { readonly kind: "mpls"; readonly entries: readonly MplsEntry[]; readonly span: Span }
  | { readonly kind: "psp"; readonly psp: PspHeader; readonly span: Span };

export interface GreHeader {
  /** The flags field: `flags 0xb000` or `flags [checksum present, key present, sequence# present]`. */
  readonly flags:
    | { readonly kind: "number"; readonly value: number; readonly text: string }
    | { readonly kind: "list"; readonly names: readonly ("none" | "checksum" | "key" | "sequence")[] };
  readonly sum: IntLiteral;
  readonly off: IntLiteral;
  readonly key: IntLiteral;
  /** Whether `key` was written `key = N`. */
  readonly keyEquals: boolean;
  readonly seq: IntLiteral;
  readonly span: Span;
}

export interface MplsEntry {
  readonly label: number;
  readonly tc: number;
  readonly bottom: boolean;
  readonly ttl: number;
  readonly span: Span;
}

export interface PspHeader {
  readonly spi: IntLiteral;
  /** Virtualization cookie: `vc N` or `vnid N`. */
  readonly vc?: { readonly keyword: "vc" | "vnid"; readonly value: IntLiteral };
  readonly span: Span;
}

export interface IntLiteral {
  readonly value: number;
  readonly text: string;
  readonly span: Span;
}

export interface TcpSpec {
  readonly kind: "tcp";
  /** Transport-mode PSP: `encap psp spi N[, vc N]`. */
  readonly encap?: PspHeader;
  /** Explicit `src > dst` ports (script space); absent = the connection's ports. */
  readonly ports?: { readonly src: number; readonly dst: number; readonly span: Span };
  readonly flags: TcpFlagsSpec;
  readonly seq: SeqRange;
  /** `ack N`; absent = 0 on the wire. */
  readonly ack?: { readonly value: number; readonly span: Span };
  /** `win N`; absent on an outbound packet = don't check (required on inbound ones). */
  readonly window?: { readonly value: number; readonly span: Span };
  /** `urg N`; absent = 0. */
  readonly urg?: { readonly value: number; readonly span: Span };
  /**
   * `<...>` = don't check options (outbound only); a list = exactly these options; absent =
   * exactly no options.
   */
  readonly options?: TcpOptions;
}

export interface TcpFlagsSpec {
  /** As written, concatenated (`S.`, `P.`, `SEW`, `.3`); `-` is stored as the empty string. */
  readonly text: string;
  readonly fin: boolean;
  readonly syn: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly ack: boolean;
  readonly urg: boolean;
  readonly ece: boolean;
  readonly cwr: boolean;
  readonly ae: boolean;
  /** The AccECN ACE counter when a digit 0-7 was written (then ece/cwr/ae are its bits). */
  readonly ace?: number;
  readonly span: Span;
}

export interface SeqRange {
  readonly start: number;
  readonly end: number;
  readonly length: number;
  readonly span: Span;
}

export type TcpOptions =
  | { readonly kind: "any"; readonly span: Span }
  | { readonly kind: "list"; readonly options: readonly TcpOptionSpec[]; readonly span: Span };

export type TcpOptionSpec =
  | { readonly kind: "nop"; readonly span: Span }
  | { readonly kind: "eol"; readonly span: Span }
  /** `mss N`; `mss NAME` (a name packetdrill resolves elsewhere, e.g. the psp scripts' `MSS`). */
  | {
      readonly kind: "mss";
      readonly value: { readonly kind: "number"; readonly value: number } | { readonly kind: "symbol"; readonly name: string };
      readonly define?: string;
      readonly span: Span;
    }
  /** `wscale N`, or `wscale *` (any shift; outbound only). */
  | { readonly kind: "wscale"; readonly shift: number | "*"; readonly span: Span }
  | { readonly kind: "sackOK"; readonly span: Span }
  | { readonly kind: "sack"; readonly blocks: readonly SackBlock[]; readonly span: Span }
  | { readonly kind: "timestamp"; readonly val: number; readonly ecr: number; readonly span: Span }
  /** `md5 <hex>`: the digest as written (hex digits). */
  | { readonly kind: "md5"; readonly digest: string; readonly define?: string; readonly span: Span }
  /** `FO [hex]` (RFC 7413, kind 34) and `FOEXP [hex]` (kind 254, magic 0xF989); "" = cookie request. */
  | {
      readonly kind: "fastopen" | "fastopen-exp";
      readonly cookie: string;
      readonly define?: string;
      readonly span: Span;
    };

export interface SackBlock {
  readonly left: number;
  readonly right: number;
  readonly span: Span;
}

export interface UdpSpec {
  readonly kind: "udp";
  readonly ports?: { readonly src: number; readonly dst: number; readonly span: Span };
  readonly length: { readonly value: number; readonly span: Span };
}

export interface IcmpSpec {
  readonly kind: "icmp";
  /** A name from packetdrill's tables for the mode's ICMP version, or `type_N`. */
  readonly type: Name;
  /** A code name for the type, or `code_N`; absent = 0. */
  readonly code?: Name;
  readonly mtu?: { readonly value: number; readonly span: Span };
  readonly echoId?: { readonly value: number; readonly span: Span };
  /** The quoted original datagram: `[start:end(len)]` (TCP), `[udp (N)]`, `[raw (N)]`; absent = TCP, seq 0. */
  readonly echoed?: IcmpEchoed;
}

export interface Name {
  readonly name: string;
  readonly define?: string;
  readonly span: Span;
}

export type IcmpEchoed =
  | { readonly kind: "tcp"; readonly seq: SeqRange; readonly span: Span }
  | { readonly kind: "udp"; readonly length: number; readonly span: Span }
  | { readonly kind: "raw"; readonly length: number; readonly span: Span };

// ---------------------------------------------------------------------------------------------
// System calls

export interface SyscallSpec {
  readonly kind: "syscall";
  readonly name: string;
  readonly nameSpan: Span;
  readonly define?: string;
  /** `...END` after the start time: a blocking call that returns at END (same time base as the start). */
  readonly end?: TimeValue;
  readonly args: readonly Expr[];
  readonly result: Expr;
  /** `ERRNO (strerror text)` after the result. */
  readonly errno?: { readonly name: string; readonly note: string; readonly define?: string; readonly span: Span };
  /** A trailing `(note)`. */
  readonly note?: { readonly text: string; readonly span: Span };
  readonly span: Span;
}

export type Expr =
  | { readonly kind: "ellipsis"; readonly span: Span }
  | { readonly kind: "int"; readonly value: number; readonly text: string; readonly span: Span }
  /** A symbol (`SOCK_STREAM`) resolved at run time through the symbol table. */
  | { readonly kind: "word"; readonly name: string; readonly define?: string; readonly span: Span }
  /** `"..."`: `raw` as written between the quotes; `value` with C escapes decoded. `prefix` for `"..."...`. */
  | {
      readonly kind: "string";
      readonly raw: string;
      readonly value: string;
      readonly prefix: boolean;
      readonly define?: string;
      readonly span: Span;
    }
  /** Adjacent string literals, concatenated. */
  | { readonly kind: "concat"; readonly parts: readonly StringExpr[]; readonly span: Span }
  | { readonly kind: "binary"; readonly op: "|" | "="; readonly lhs: Expr; readonly rhs: Expr; readonly span: Span }
  | { readonly kind: "list"; readonly items: readonly Expr[]; readonly span: Span }
  /** `{ a, b=c, ... }`: a generic struct literal. */
  | { readonly kind: "struct"; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: "inet-addr" | "inet6-addr"; readonly address: string; readonly span: Span }
  | {
      readonly kind: "sockaddr";
      readonly family: string;
      readonly familyDefine?: string;
      readonly port: number;
      readonly address: string;
      readonly span: Span;
    }
  | {
      readonly kind: "msghdr";
      readonly iovlen: number;
      readonly iov: Expr & { readonly kind: "list" };
      readonly flags: Expr;
      readonly control?: Expr & { readonly kind: "list" };
      readonly span: Span;
    }
  | { readonly kind: "iovec"; readonly len: number; readonly span: Span }
  | { readonly kind: "pollfd"; readonly fd: Expr; readonly events: Expr; readonly revents?: Expr; readonly span: Span }
  | {
      readonly kind: "epoll-event";
      readonly events: Expr;
      readonly field: "fd" | "ptr" | "u32" | "u64";
      readonly data: Expr;
      readonly span: Span;
    }
  | { readonly kind: "linger"; readonly onoff: number; readonly linger: number; readonly span: Span }
  | { readonly kind: "cmsg"; readonly level: Expr; readonly type: Expr; readonly data: Expr; readonly span: Span }
  | { readonly kind: "scm-timestamping"; readonly sec: number; readonly nsec: number; readonly span: Span }
  | {
      readonly kind: "sock-extended-err";
      readonly errno: Expr;
      readonly origin: Expr;
      readonly type: Expr;
      readonly code: Expr;
      readonly info: Expr;
      readonly data: Expr;
      readonly span: Span;
    }
  | { readonly kind: "mpls-stack"; readonly entries: readonly MplsEntry[]; readonly span: Span }
  | { readonly kind: "gre"; readonly header: GreHeader; readonly span: Span }
  | { readonly kind: "psp-tuple"; readonly spi: IntLiteral; readonly span: Span };

export type StringExpr = Expr & { readonly kind: "string" };
export type ExprKind = Expr["kind"];
