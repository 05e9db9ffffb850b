/**
 * Profiles: every number the model uses. A profile is sysctls (as /proc/sys/net spells them),
 * kernel constants (include/net/tcp.h), and feature flags for behaviours that changed between
 * kernel versions. The model never uses a TCP literal of its own; it reads `host.profile`.
 *
 * Shipped: `linux-6.18` (the defaults of the kernel the docs measured) and `packetdrill` (what
 * upstream packetdrill scripts assume: their defaults.sh applied on top of linux-6.18).
 *
 * Scripts change sysctls with `sysctl -q net.ipv4.x=y` or `echo y > /proc/sys/net/ipv4/x`; on the
 * model target those commands are parsed by `parseSysctlCommand` and applied with `applySysctl`.
 */

export interface Sysctls {
  // net.ipv4 — connection management
  tcp_syn_retries: number;
  tcp_synack_retries: number;
  /** Linux 6.5+: the first N SYN retransmissions use a linear (not doubled) RTO. */
  tcp_syn_linear_timeouts: number;
  /** Seconds; orphaned FIN_WAIT_2 only. */
  tcp_fin_timeout: number;
  tcp_keepalive_time: number;
  tcp_keepalive_intvl: number;
  tcp_keepalive_probes: number;
  tcp_retries1: number;
  tcp_retries2: number;
  tcp_orphan_retries: number;
  tcp_syncookies: number;
  tcp_max_syn_backlog: number;
  tcp_abort_on_overflow: number;
  tcp_rfc1337: number;
  tcp_tw_reuse: number;
  tcp_tw_reuse_delay: number;
  tcp_max_tw_buckets: number;
  /** Milliseconds between out-of-window ACKs / challenge ACKs per socket. */
  tcp_invalid_ratelimit: number;
  tcp_challenge_ack_limit: number;
  // options
  tcp_timestamps: number;
  tcp_sack: number;
  tcp_dsack: number;
  tcp_window_scaling: number;
  tcp_ecn: number;
  tcp_workaround_signed_windows: number;
  tcp_shrink_window: number;
  // buffers
  tcp_rmem: readonly [number, number, number];
  tcp_wmem: readonly [number, number, number];
  tcp_notsent_lowat: number;
  // sending
  tcp_early_retrans: number;
  tcp_slow_start_after_idle: number;
  tcp_autocorking: number;
  tcp_comp_sack_nr: number;
  tcp_comp_sack_delay_ns: number;
  ip_local_port_range: readonly [number, number];
  // net.core
  somaxconn: number;
  rmem_max: number;
  wmem_max: number;
}

export interface Constants {
  /** Kernel tick rate; timers fire on ticks (the runner applies the lateness tolerance). */
  hz: number;
  /** TCP_TIMEOUT_INIT, µs. */
  timeoutInit: number;
  /** TCP_TIMEOUT_FALLBACK, µs: RTO after a handshake without an RTT sample. */
  timeoutFallback: number;
  /** TCP_TIMEOUT_MIN is two jiffies: the quick SYN retransmit after an unacceptable SYN-ACK. */
  timeoutMinJiffies: number;
  rtoMin: number;
  rtoMax: number;
  delackMin: number;
  delackMax: number;
  atoMin: number;
  maxQuickacks: number;
  timewaitLen: number;
  /** Peer sent no MSS option (RFC 9293 §3.7.1; IPv6: 1280 − 60). */
  mssDefaultV4: number;
  mssDefaultV6: number;
  minSndMss: number;
  initCwnd: number;
  maxWscale: number;
  /** TCP_DEFAULT_SCALING_RATIO / 256: the share of receive buffer offered as window. */
  scalingRatio: number;
  /** Listener: a SYN-ACK is re-sent for a retransmitted SYN at most this often (µs). */
  synackRtxRateLimit: number;
  /** Syncookie MSS table (net/ipv4/syncookies.c msstab). */
  cookieMssTable: readonly number[];
  /** The IPv6 table (net/ipv6/syncookies.c msstab): 1280/1480/1500/9000 − 60. */
  cookieMssTable6: readonly number[];
  /** Cookies stay valid for this many minutes (MAX_SYNCOOKIE_AGE). */
  cookieMaxAgeMinutes: number;
  /** A cookie ACK is only checked this long after a SYN-queue overflow (µs). */
  cookieValidAfterOverflow: number;
  /** TW ISN offset: tw_snd_nxt + 65535 + 2 (tcp_timewait_state_process). */
  twIsnOffset: number;
  /** Default send buffer once established (bytes of payload the model lets queue). */
  sndBufDefault: number;
}

export interface Features {
  /** 6.x sends a challenge ACK for an ACK of unsent data (observed: ts_recent/invalid_ack.pkt). */
  challengeAckOnUnsentData: boolean;
  /** RACK-TLP tail loss probe (needs SACK; tcp_early_retrans 3 or 4). */
  tailLossProbe: boolean;
}

export interface Profile {
  readonly name: string;
  readonly sysctl: Sysctls;
  readonly constants: Constants;
  readonly features: Features;
  /** Sysctls the model stores but does not interpret (e.g. tcp_congestion_control), by full name. */
  readonly other: Readonly<Record<string, string>>;
}

const MS = 1000;
const S = 1_000_000;

export const LINUX_6_18: Profile = Object.freeze({
  name: "linux-6.18",
  sysctl: Object.freeze({
    tcp_syn_retries: 6,
    tcp_synack_retries: 5,
    tcp_syn_linear_timeouts: 4,
    tcp_fin_timeout: 60,
    tcp_keepalive_time: 7200,
    tcp_keepalive_intvl: 75,
    tcp_keepalive_probes: 9,
    tcp_retries1: 3,
    tcp_retries2: 15,
    tcp_orphan_retries: 0,
    tcp_syncookies: 1,
    tcp_max_syn_backlog: 2048,
    tcp_abort_on_overflow: 0,
    tcp_rfc1337: 0,
    tcp_tw_reuse: 2,
    tcp_tw_reuse_delay: 1000,
    tcp_max_tw_buckets: 262144,
    tcp_invalid_ratelimit: 500,
    tcp_challenge_ack_limit: 2147483647,
    tcp_timestamps: 1,
    tcp_sack: 1,
    tcp_dsack: 1,
    tcp_window_scaling: 1,
    tcp_ecn: 2,
    tcp_workaround_signed_windows: 0,
    tcp_shrink_window: 0,
    tcp_rmem: [4096, 131072, 33554432] as const,
    tcp_wmem: [4096, 16384, 4194304] as const,
    tcp_notsent_lowat: 4294967295,
    tcp_early_retrans: 3,
    tcp_slow_start_after_idle: 1,
    tcp_autocorking: 1,
    tcp_comp_sack_nr: 44,
    tcp_comp_sack_delay_ns: 1_000_000,
    ip_local_port_range: [32768, 60999] as const,
    somaxconn: 4096,
    rmem_max: 212992,
    wmem_max: 212992,
  }),
  constants: Object.freeze({
    hz: 250,
    timeoutInit: 1 * S,
    timeoutFallback: 3 * S,
    timeoutMinJiffies: 2,
    rtoMin: 200 * MS,
    rtoMax: 120 * S,
    delackMin: 40 * MS,
    delackMax: 200 * MS,
    atoMin: 40 * MS,
    maxQuickacks: 16,
    timewaitLen: 60 * S,
    mssDefaultV4: 536,
    mssDefaultV6: 1220,
    minSndMss: 48,
    initCwnd: 10,
    maxWscale: 14,
    scalingRatio: 128 / 256,
    synackRtxRateLimit: 500 * MS,
    cookieMssTable: Object.freeze([536, 1300, 1440, 1460]),
    cookieMssTable6: Object.freeze([1220, 1420, 1440, 8940]),
    cookieMaxAgeMinutes: 2,
    cookieValidAfterOverflow: 120 * S,
    twIsnOffset: 65537,
    sndBufDefault: 87040,
  }),
  features: Object.freeze({ challengeAckOnUnsentData: true, tailLossProbe: true }),
  other: Object.freeze({}),
});

/** upstream packetdrill's defaults.sh on top of linux-6.18. */
export const PACKETDRILL: Profile = Object.freeze({
  ...LINUX_6_18,
  name: "packetdrill",
  sysctl: Object.freeze({
    ...LINUX_6_18.sysctl,
    tcp_rmem: [4096, 540000, 15728640] as const,
    tcp_wmem: [4096, 262144, 4194304] as const,
    tcp_timestamps: 1,
    tcp_syn_retries: 5,
    tcp_synack_retries: 5,
    tcp_sack: 1,
    tcp_dsack: 1,
    tcp_ecn: 0,
    tcp_slow_start_after_idle: 0,
    tcp_early_retrans: 4,
    tcp_syncookies: 1,
  }),
  other: Object.freeze({
    "net.ipv4.tcp_congestion_control": "cubic",
    "net.ipv4.tcp_frto": "2",
    "net.ipv4.tcp_fack": "0",
    "net.ipv4.tcp_reordering": "3",
    "net.ipv4.tcp_recovery": "1",
    "net.ipv4.tcp_tso_win_divisor": "3",
    "net.ipv4.tcp_ecn_option": "2",
    "net.ipv4.tcp_pacing_ss_ratio": "200",
    "net.ipv4.tcp_pacing_ca_ratio": "120",
  }),
});

export const PROFILES: Readonly<Record<string, Profile>> = Object.freeze({
  "linux-6.18": LINUX_6_18,
  packetdrill: PACKETDRILL,
});

export function profileByName(name: string): Profile | undefined {
  return PROFILES[name];
}

type IntKey = { [K in keyof Sysctls]: Sysctls[K] extends number ? K : never }[keyof Sysctls];
type TripleKey = "tcp_rmem" | "tcp_wmem";

/** Full sysctl name → the field it sets. */
const SYSCTL_FIELDS: Readonly<Record<string, keyof Sysctls>> = (() => {
  const table: Record<string, keyof Sysctls> = {};
  for (const key of Object.keys(LINUX_6_18.sysctl) as (keyof Sysctls)[]) {
    const prefix = key === "somaxconn" || key === "rmem_max" || key === "wmem_max" ? "net.core." : "net.ipv4.";
    table[prefix + key] = key;
  }
  return table;
})();

export interface SysctlError {
  readonly code: "bad-value" | "bad-name";
  readonly message: string;
}

export type SysctlResult =
  | { readonly ok: true; readonly profile: Profile; readonly known: boolean }
  | { readonly ok: false; readonly error: SysctlError };

/** Accepts `net.ipv4.tcp_x`, `net/ipv4/tcp_x` and `/proc/sys/net/ipv4/tcp_x`. */
export function normalizeSysctlName(name: string): string {
  let n = name.trim();
  if (n.startsWith("/proc/sys/")) n = n.slice("/proc/sys/".length);
  return n.replace(/\//g, ".");
}

function parseIntValue(v: string): number | undefined {
  const t = v.trim();
  if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(t)) return undefined;
  return t.startsWith("-") ? -Number(t.slice(1)) : Number(t);
}

/**
 * Returns a new profile with one sysctl changed (the input is not modified). Unknown names under
 * net.* are stored in `other` (known: false) so a script's settings never fail on the model.
 */
export function applySysctl(profile: Profile, name: string, value: string): SysctlResult {
  const full = normalizeSysctlName(name);
  if (!/^net\.[a-z0-9_.]+$/i.test(full)) {
    return { ok: false, error: { code: "bad-name", message: `not a net.* sysctl: ${name}` } };
  }
  const field = SYSCTL_FIELDS[full];
  if (field === undefined) {
    return { ok: true, known: false, profile: { ...profile, other: { ...profile.other, [full]: value.trim() } } };
  }
  const parts = value.trim().split(/\s+/);
  if (field === "tcp_rmem" || field === "tcp_wmem" || field === "ip_local_port_range") {
    const nums = parts.map(parseIntValue);
    const want = field === "ip_local_port_range" ? 2 : 3;
    if (nums.length !== want || nums.some((n) => n === undefined)) {
      return { ok: false, error: { code: "bad-value", message: `${full} wants ${want} integers, got "${value}"` } };
    }
    const v = nums as number[];
    const sysctl: Sysctls = field === "ip_local_port_range"
      ? { ...profile.sysctl, ip_local_port_range: [v[0]!, v[1]!] as const }
      : { ...profile.sysctl, [field as TripleKey]: [v[0]!, v[1]!, v[2]!] as const };
    return { ok: true, known: true, profile: { ...profile, sysctl } };
  }
  const n = parts.length === 1 ? parseIntValue(parts[0]!) : undefined;
  if (n === undefined) {
    return { ok: false, error: { code: "bad-value", message: `${full} wants an integer, got "${value}"` } };
  }
  return { ok: true, known: true, profile: { ...profile, sysctl: { ...profile.sysctl, [field as IntKey]: n } } };
}

export interface SysctlAssignment {
  readonly name: string;
  readonly value: string;
}

export interface SysctlCommandParse {
  /** Assignments in order, names normalised to `net.ipv4.x`. */
  readonly assignments: readonly SysctlAssignment[];
  /** Pieces of the command that are neither form (empty when the whole command was understood). */
  readonly unrecognized: readonly string[];
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/** Splits on whitespace but keeps quoted strings together. */
function words(s: string): string[] {
  const out: string[] = [];
  const re = /"[^"]*"|'[^']*'|[^\s"']*(?:"[^"]*"|'[^']*')[^\s]*|\S+/g;
  for (const m of s.matchAll(re)) out.push(m[0]);
  return out;
}

function parseOne(raw: string): SysctlAssignment[] | undefined {
  // Output redirections and "|| true" do not change what the command sets.
  const cmd = raw.replace(/\s*\|\|\s*(true|:)\s*$/, "").replace(/\s+(?:[12]?>\s*\/dev\/null|2>&1)/g, "").trim();
  const echo = /^echo\s+(-n\s+)?(.+?)\s*>\s*(\/proc\/sys\/net\/\S+)\s*$/.exec(cmd);
  if (echo) return [{ name: normalizeSysctlName(echo[3]!), value: unquote(echo[2]!) }];
  const w = words(cmd);
  if (w[0] !== "sysctl" && w[0] !== "/sbin/sysctl" && w[0] !== "/usr/sbin/sysctl") return undefined;
  const out: SysctlAssignment[] = [];
  for (const raw of w.slice(1)) {
    if (/^-[a-zA-Z]+$/.test(raw)) {
      if (!/^-[qw]+$/.test(raw)) return undefined; // -n, -a, -p... are not assignments
      continue;
    }
    const word = unquote(raw);
    const eq = word.indexOf("=");
    if (eq <= 0) return undefined; // a read (`sysctl net.ipv4.x`) is not something we can fake
    out.push({ name: normalizeSysctlName(word.slice(0, eq)), value: unquote(word.slice(eq + 1)) });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Recognises the two ways scripts set sysctls: `sysctl [-q] [-w] name=value ...` and
 * `echo value > /proc/sys/net/...`, possibly several joined by newlines, `;` or `&&`.
 */
export function parseSysctlCommand(command: string): SysctlCommandParse {
  const assignments: SysctlAssignment[] = [];
  const unrecognized: string[] = [];
  for (const piece of command.split(/\n|;|&&/)) {
    const cmd = piece.trim();
    if (cmd === "") continue;
    const parsed = parseOne(cmd);
    if (parsed) assignments.push(...parsed);
    else unrecognized.push(cmd);
  }
  return { assignments, unrecognized };
}
