/**
 * The `--options` packetdrill accepts, on its command line and as lines at the top of a script
 * (config.c), and the value checks it applies when it processes them.
 */

export interface OptionInfo {
  readonly hasArg: boolean;
  /** Returns an error message (packetdrill's wording) for a bad value. */
  readonly validate?: (value: string) => string | undefined;
}

/** C atoi(): leading blanks, optional sign, digits; anything else reads as 0. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

function atof(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

const port = (name: string) => (v: string) => {
  const n = atoi(v);
  return n <= 0 || n > 0xffff ? `bad --${name}: ${v}` : undefined;
};

export const SCRIPT_OPTIONS: ReadonlyMap<string, OptionInfo> = new Map<string, OptionInfo>([
  [
    "ip_version",
    {
      hasArg: true,
      validate: (v) => (v === "ipv4" || v === "ipv4-mapped-ipv6" || v === "ipv6" ? undefined : `bad --ip_version: ${v}`),
    },
  ],
  ["bind_port", { hasArg: true, validate: port("bind_port") }],
  ["code_command", { hasArg: true }],
  ["code_format", { hasArg: true }],
  ["code_sockopt", { hasArg: true }],
  ["connect_port", { hasArg: true, validate: port("connect_port") }],
  ["remote_ip", { hasArg: true }],
  ["local_ip", { hasArg: true }],
  ["gateway_ip", { hasArg: true }],
  ["netmask_ip", { hasArg: true }],
  [
    "speed",
    { hasArg: true, validate: (v) => (/^\d+$/.test(v) && Number(v) <= 0xffffffff ? undefined : `bad --speed: ${v}`) },
  ],
  ["mss", { hasArg: true, validate: (v) => (atoi(v) <= 0 ? `bad --mss: ${v}` : undefined) }],
  ["mtu", { hasArg: true, validate: (v) => (atoi(v) < 0 ? `bad --mtu: ${v}` : undefined) }],
  ["init_scripts", { hasArg: true }],
  ["tolerance_usecs", { hasArg: true, validate: (v) => (atoi(v) <= 0 ? `bad --tolerance_usecs: ${v}` : undefined) }],
  [
    "tolerance_percent",
    { hasArg: true, validate: (v) => (atof(v) < 0 || atof(v) > 100 ? `bad --tolerance_percent: ${v}` : undefined) },
  ],
  ["wire_client", { hasArg: false }],
  ["wire_server", { hasArg: false }],
  ["wire_server_ip", { hasArg: true }],
  ["wire_server_at", { hasArg: true }],
  ["wire_server_port", { hasArg: true, validate: port("wire_server_port") }],
  ["wire_client_dev", { hasArg: true }],
  ["wire_server_dev", { hasArg: true }],
  ["so_filename", { hasArg: true }],
  ["so_flags", { hasArg: true }],
  ["tcp_ts_ecr_scaled", { hasArg: false }],
  [
    "tcp_ts_tick_usecs",
    { hasArg: true, validate: (v) => (atoi(v) < 0 || atoi(v) > 1_000_000 ? `bad --tcp_ts_tick_usecs: ${v}` : undefined) },
  ],
  ["strict_segments", { hasArg: false }],
  ["non_fatal", { hasArg: true }],
  ["dry_run", { hasArg: false }],
  ["is_anyip", { hasArg: false }],
  ["send_omit_free", { hasArg: false }],
  ["psp_udp_port", { hasArg: true }],
  ["debug", { hasArg: false }],
  ["define", { hasArg: true, validate: (v) => (v.indexOf("=") <= 0 ? `bad definition: ${v}` : undefined) }],
  ["verbose", { hasArg: false }],
]);
