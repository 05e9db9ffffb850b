/**
 * Run configuration, with packetdrill's option names and defaults (config.c: set_default_config
 * and the per-IP-version address defaults), so upstream scripts and command lines work unchanged.
 */
import type { IpMode, TargetKind } from "../../lib/trace/types";

export interface RunConfig {
  readonly mode: IpMode;
  readonly target: TargetKind;
  readonly localIp: string;
  readonly remoteIp: string;
  readonly gatewayIp: string;
  readonly netmaskIp: string;
  readonly mtu: number;
  /** packetdrill --mss: MSS of inbound SYNs when the script does not give one (unused if 0). */
  readonly mss: number;
  /** Local port bound by `bind(fd, ..., ...)` and reached by inbound SYNs (packetdrill: 8080). */
  readonly bindPort: number;
  /** Remote port `connect(fd, ..., ...)` reaches (packetdrill: 8080). */
  readonly connectPort: number;
  readonly toleranceUsecs: number;
  readonly tolerancePercent: number;
  /** Compare each outbound segment exactly instead of aggregating up to the scripted length. */
  readonly strictSegments: boolean;
  /** packetdrill --tcp_ts_ecr_scaled: an inbound TS ecr no outbound TS val stood for is interpolated. */
  readonly tcpTsEcrScaled?: boolean;
  /** Congestion control forced on every socket the script creates (TCP_CONGESTION), if set. */
  readonly congestionControl?: string;
  readonly defines: Readonly<Record<string, string>>;
  /** Refuse scripts with backtick shell commands. */
  readonly noShell: boolean;
  /** Whole-script wall-clock limit (ms); a script that blocks forever fails here. */
  readonly timeoutMs: number;
  readonly verbose: boolean;
  /** Ignore outbound packets no `>` line consumed, as packetdrill does (default: report them). */
  readonly allowUnexpected?: boolean;
}

export const modeDefaults: Record<IpMode, Pick<RunConfig, "localIp" | "remoteIp" | "gatewayIp" | "netmaskIp" | "mtu">> = {
  ipv4: { localIp: "192.168.0.1", remoteIp: "192.0.2.1", gatewayIp: "192.168.0.1", netmaskIp: "255.255.0.0", mtu: 1500 },
  "ipv4-mapped-ipv6": {
    localIp: "192.168.0.1",
    remoteIp: "192.0.2.1",
    gatewayIp: "192.168.0.1",
    netmaskIp: "255.255.0.0",
    mtu: 1500,
  },
  ipv6: {
    localIp: "fd3d:0a0b:17d6::1",
    remoteIp: "fd3d:fa7b:d17d::1",
    gatewayIp: "fd3d:0a0b:17d6:8888::1",
    netmaskIp: "ffff:ffff:ffff:ffff::",
    mtu: 1520,
  },
};

export function defaultConfig(mode: IpMode, overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    mode,
    target: "kernel",
    ...modeDefaults[mode],
    mss: 0,
    bindPort: 8080,
    connectPort: 8080,
    toleranceUsecs: 4000,
    tolerancePercent: 12.5,
    strictSegments: false,
    defines: {},
    noShell: false,
    timeoutMs: 300_000,
    verbose: false,
    ...overrides,
  };
}

/** packetdrill's file-name rule: `*v4.pkt` runs only in ipv4, `*v6.pkt` only in ipv6, else all three. */
export function modesForScript(file: string): IpMode[] {
  if (/v4\.pkt$/.test(file)) return ["ipv4"];
  if (/v6\.pkt$/.test(file)) return ["ipv6"];
  return ["ipv4", "ipv4-mapped-ipv6", "ipv6"];
}
