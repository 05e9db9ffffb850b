/**
 * packetdrill's per-mode variants, as upstream's run_all.py runs every script: each IP mode the
 * file name allows (config.ts modesForScript), with that mode's addresses and the defines the
 * upstream scripts expect (a TFO cookie computed for those addresses, the ICMP code and the cmsg
 * level/type of IP_RECVERR). `--send_omit_free` is packetdrill's memory switch and has no meaning
 * here. User `-D` defines win over these.
 */
import type { IpMode } from "../../lib/trace/types";
import { assertNever } from "../../lib/util/assert-never";
import { modeDefaults, type RunConfig } from "./config";

/** What run_all.py puts on packetdrill's command line for a mode (so it wins over script options). */
export type VariantFields = Pick<RunConfig, "localIp" | "remoteIp" | "gatewayIp" | "defines"> & Partial<Pick<RunConfig, "netmaskIp" | "mtu">>;

export function packetdrillVariant(mode: IpMode): VariantFields {
  // run_all.py's addresses are packetdrill's defaults for the mode (config.ts modeDefaults); what
  // it adds on the command line is the netmask (IPv4 modes), the MTU (ipv6) and the defines.
  const { localIp, remoteIp, gatewayIp, netmaskIp, mtu } = modeDefaults[mode];
  switch (mode) {
    case "ipv4":
      return { localIp, remoteIp, gatewayIp, netmaskIp, defines: { TFO_COOKIE: "3021b9d889017eeb", CODE: "host_unreachable", CMSG_LEVEL_IP: "SOL_IP", CMSG_TYPE_RECVERR: "IP_RECVERR" } };
    case "ipv4-mapped-ipv6":
      return { localIp, remoteIp, gatewayIp, netmaskIp, defines: { TFO_COOKIE: "3021b9d889017eeb", CODE: "host_unreachable", CMSG_LEVEL_IP: "SOL_IPV6", CMSG_TYPE_RECVERR: "IPV6_RECVERR" } };
    case "ipv6":
      // No CODE: upstream leaves it undefined for ipv6, and the scripts that use it fail there.
      return { localIp, remoteIp, gatewayIp, mtu, defines: { TFO_COOKIE: "c1d1e9742a47a9bc", CMSG_LEVEL_IP: "SOL_IPV6", CMSG_TYPE_RECVERR: "IPV6_RECVERR" } };
    default:
      return assertNever(mode);
  }
}

/**
 * The modes run_all.py runs a file in: every name not ending in `v6.pkt` in ipv4 and
 * ipv4-mapped-ipv6, every name not ending in `v4.pkt` in ipv6 (so `*v4.pkt` also runs mapped,
 * unlike `--ip_version all`'s rule).
 */
export function variantModes(file: string): IpMode[] {
  const modes: IpMode[] = [];
  if (!file.endsWith("v6.pkt")) modes.push("ipv4", "ipv4-mapped-ipv6");
  if (!file.endsWith("v4.pkt")) modes.push("ipv6");
  return modes;
}

/** `base` with the variant of `mode` underneath: options given by the user override the variant's. */
export function withVariant(base: Partial<RunConfig>, mode: IpMode): Partial<RunConfig> {
  const v = packetdrillVariant(mode);
  return { ...v, ...base, defines: { ...v.defines, ...(base.defines ?? {}) } };
}
