/**
 * The sandbox's network configuration: packetdrill's defaults per IP mode (the values upstream's
 * run_all.py passes, see /work/shared/corpus/packetdrill/README.md), overridable, and the exact
 * commands that realise them.
 *
 * Like packetdrill (netdev.c, net_utils.c): the local address sits on tun0 with the netmask's
 * prefix; the remote address is reached by a host route `<remote>/<32|128> dev tun0 via
 * <gateway>` (config.c: a remote given without a prefix length is a full-length prefix); the
 * gateway may be the local address itself (ipv4 default). ipv4-mapped-ipv6 has the same wire
 * configuration as ipv4; only the sockets differ (AF_INET6 with ::ffff: addresses).
 */
import { canonicalAddress, parseIpv4 } from "../../lib/wire/address";

export type IpMode = "ipv4" | "ipv4-mapped-ipv6" | "ipv6";

export interface NetOptions {
  readonly mode: IpMode;
  readonly localIp?: string;
  readonly remoteIp?: string;
  readonly gatewayIp?: string;
  /** IPv4 dotted netmask ("255.255.0.0"); IPv6 uses `prefixLength`. */
  readonly netmask?: string;
  readonly prefixLength?: number;
  readonly mtu?: number;
  /**
   * Give tun0 a virtio-net header with checksum and TSO offload, as packetdrill does
   * (IFF_VNET_HDR + TUNSETOFFLOAD): the kernel then emits TSO-sized segments, which upstream
   * scripts expect (`> P. 1:10001(10000)`). Default true.
   */
  readonly offload?: boolean;
}

/** Everything the runner needs to know about the sandbox's addresses. */
export interface NetConfig {
  readonly mode: IpMode;
  /** IP version on the wire (tun0). */
  readonly wireVersion: 4 | 6;
  /** Address family of the script's sockets. */
  readonly socketFamily: "AF_INET" | "AF_INET6";
  readonly localIp: string;
  readonly remoteIp: string;
  readonly gatewayIp: string;
  readonly prefixLength: number;
  /** How the sockets spell the addresses (::ffff:a.b.c.d in ipv4-mapped-ipv6). */
  readonly localSocketIp: string;
  readonly remoteSocketIp: string;
  readonly mtu: number;
  readonly offload: boolean;
  readonly device: "tun0";
}

const DEFAULTS: Readonly<Record<IpMode, { local: string; remote: string; gateway: string; prefix: number; mtu: number }>> = {
  ipv4: { local: "192.168.0.1", remote: "192.0.2.1", gateway: "192.168.0.1", prefix: 16, mtu: 1500 },
  "ipv4-mapped-ipv6": { local: "192.168.0.1", remote: "192.0.2.1", gateway: "192.168.0.1", prefix: 16, mtu: 1500 },
  ipv6: { local: "fd3d:a0b:17d6::1", remote: "fd3d:fa7b:d17d::1", gateway: "fd3d:a0b:17d6:8888::1", prefix: 48, mtu: 1520 },
};

export class NetConfigError extends Error {
  readonly code = "ENETCONFIG";

  constructor(message: string) {
    super(message);
    this.name = "NetConfigError";
  }
}

function address(text: string, version: 4 | 6, what: string): string {
  const canonical = canonicalAddress(text);
  if (canonical === undefined || canonical.includes(":") !== (version === 6)) {
    throw new NetConfigError(`${what} ${JSON.stringify(text)} is not an IPv${version} address`);
  }
  return canonical;
}

function netmaskToPrefix(mask: string): number {
  const bytes = parseIpv4(mask);
  if (bytes === undefined) throw new NetConfigError(`netmask ${JSON.stringify(mask)} is not a dotted quad`);
  const bits = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const prefix = Math.clz32(~bits >>> 0);
  const expected = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if (expected !== bits) throw new NetConfigError(`netmask ${mask} is not contiguous`);
  return prefix;
}

export function resolveNetConfig(options: NetOptions): NetConfig {
  const d = DEFAULTS[options.mode];
  if (d === undefined) throw new NetConfigError(`unknown IP mode ${JSON.stringify(options.mode)}`);
  const version: 4 | 6 = options.mode === "ipv6" ? 6 : 4;
  const localIp = address(options.localIp ?? d.local, version, "local address");
  const remoteIp = address(options.remoteIp ?? d.remote, version, "remote address");
  const gatewayIp = address(options.gatewayIp ?? d.gateway, version, "gateway address");
  const prefixLength =
    options.prefixLength ?? (options.netmask !== undefined && version === 4 ? netmaskToPrefix(options.netmask) : d.prefix);
  if (!Number.isInteger(prefixLength) || prefixLength < 1 || prefixLength > (version === 4 ? 32 : 128)) {
    throw new NetConfigError(`prefix length ${prefixLength} is out of range`);
  }
  const mtu = options.mtu ?? d.mtu;
  if (!Number.isInteger(mtu) || mtu < (version === 6 ? 1280 : 68) || mtu > 65535) {
    throw new NetConfigError(`MTU ${mtu} is out of range`);
  }
  if (remoteIp === localIp) throw new NetConfigError("the remote address must not be the local address");
  const mapped = options.mode === "ipv4-mapped-ipv6";
  return {
    mode: options.mode,
    wireVersion: version,
    socketFamily: options.mode === "ipv4" ? "AF_INET" : "AF_INET6",
    localIp,
    remoteIp,
    gatewayIp,
    prefixLength,
    localSocketIp: mapped ? `::ffff:${localIp}` : localIp,
    remoteSocketIp: mapped ? `::ffff:${remoteIp}` : remoteIp,
    mtu,
    offload: options.offload ?? true,
    device: "tun0",
  };
}

/**
 * Per-interface sysctls written before tun0 comes up. No link-local address (addr_gen_mode 1 =
 * none) and no router solicitations: otherwise the kernel sends RS (and, with an address, MLD)
 * on its own and the script sees packets it never asked for. DAD does not run on tun0 anyway
 * (IFF_NOARP, addrconf_dad_begin), and IPv6 addresses are added `nodad` to make that explicit.
 */
export function tunSysctls(config: NetConfig): readonly (readonly [string, string])[] {
  const dir = `/proc/sys/net/ipv6/conf/${config.device}`;
  return [
    [`${dir}/addr_gen_mode`, "1"],
    [`${dir}/router_solicitations`, "0"],
  ];
}

/**
 * The `ip -batch` commands equivalent to what rtnetlink.ts does (documentation, and the
 * reference the specs compare the real configuration against).
 */
export function ipBatch(config: NetConfig): string {
  const dev = config.device;
  const lines = [
    `link set dev ${dev} mtu ${config.mtu}`,
    "link set dev lo up",
    `link set dev ${dev} up`,
    `addr add ${config.localIp}/${config.prefixLength} dev ${dev}${config.wireVersion === 6 ? " nodad" : ""}`,
    `route add ${config.remoteIp}/${config.wireVersion === 4 ? 32 : 128} dev ${dev} via ${config.gatewayIp}`,
  ];
  return `${lines.join("\n")}\n`;
}
