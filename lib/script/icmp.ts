/**
 * ICMP type and code names as packetdrill knows them (icmp_packet.c). Which table applies depends
 * on the wire protocol: ICMPv4 for the ipv4 and ipv4-mapped-ipv6 modes, ICMPv6 for ipv6. So
 * `host_unreachable` exists only for ICMPv4 and `packet_too_big` only for ICMPv6.
 */
import type { IpMode } from "./ast";

interface IcmpTypeInfo {
  readonly type: number;
  readonly codes?: Readonly<Record<string, number>>;
}

/** RFC 792 / RFC 1700. */
const ICMPV4_TYPES: Readonly<Record<string, IcmpTypeInfo>> = {
  echo_reply: { type: 0 },
  unreachable: {
    type: 3,
    codes: {
      net_unreachable: 0, host_unreachable: 1, protocol_unreachable: 2, port_unreachable: 3,
      frag_needed: 4, source_route_failed: 5, net_unknown: 6, host_unknown: 7,
      source_host_isolated: 8, net_prohibited: 9, host_prohibited: 10, net_unreachable_for_tos: 11,
      host_unreachable_for_tos: 12, packet_filtered: 13, precedence_violation: 14, precedence_cutoff: 15,
    },
  },
  source_quench: { type: 4 },
  redirect: { type: 5 },
  echo_request: { type: 8 },
  time_exceeded: { type: 11 },
  parameter_problem: { type: 12 },
  timestamp_request: { type: 13 },
  timestamp_reply: { type: 14 },
  information_request: { type: 15 },
  information_reply: { type: 16 },
  address_mask_request: { type: 17 },
  address_mask_reply: { type: 18 },
};

/** RFC 4443. */
const ICMPV6_TYPES: Readonly<Record<string, IcmpTypeInfo>> = {
  unreachable: {
    type: 1,
    codes: { net_unreachable: 0, no_route: 0, admin_prohibited: 1, not_neighbour: 2, address_unreachable: 3, port_unreachable: 4 },
  },
  packet_too_big: { type: 2 },
  time_exceeded: { type: 3, codes: { exceeded_hop_limit: 0, exceeded_frag_time: 1 } },
  parameter_problem: { type: 4, codes: { header_field: 0, unknown_next_header: 1, unknown_option: 2 } },
  echo_request: { type: 128 },
  echo_reply: { type: 129 },
};

/** The IP version of packets on the wire in a mode (ipv4-mapped-ipv6 sends IPv4). */
export function wireVersion(mode: IpMode): 4 | 6 {
  return mode === "ipv6" ? 6 : 4;
}

export type IcmpResolution =
  | { readonly ok: true; readonly type: number; readonly code: number }
  | { readonly ok: false; readonly what: "type" | "code"; readonly message: string };

/** sscanf("%d") after a prefix: optional blanks and sign, then digits; the rest is ignored. */
function scanNumbered(s: string, prefix: string): number | undefined {
  if (!s.startsWith(prefix)) return undefined;
  const m = /^\s*([+-]?\d+)/.exec(s.slice(prefix.length));
  return m ? Number(m[1]) : undefined;
}

/** Resolves ICMP type and code names exactly as packetdrill's parse_icmp_type_and_code(). */
export function resolveIcmp(version: 4 | 6, typeName: string, codeName: string | undefined): IcmpResolution {
  const table = version === 4 ? ICMPV4_TYPES : ICMPV6_TYPES;
  let type = scanNumbered(typeName, "type_");
  let codes: Readonly<Record<string, number>> | undefined;
  if (type === undefined) {
    const info = Object.hasOwn(table, typeName) ? table[typeName] : undefined;
    type = info?.type;
    codes = info?.codes;
  }
  if (type === undefined || !isU8(type)) {
    return { ok: false, what: "type", message: `bad ICMP type ${typeName}` };
  }
  let code: number | undefined;
  if (codeName === undefined) code = 0;
  else {
    code = scanNumbered(codeName, "code_");
    if (code === undefined && codes && Object.hasOwn(codes, codeName)) code = codes[codeName];
  }
  if (code === undefined || !isU8(code)) return { ok: false, what: "code", message: `bad ICMP code ${codeName}` };
  return { ok: true, type, code };
}

/** The known type names for a version, for hints. */
export function icmpTypeNames(version: 4 | 6): readonly string[] {
  return Object.keys(version === 4 ? ICMPV4_TYPES : ICMPV6_TYPES);
}

/** The known code names of a type for a version, for hints. */
export function icmpCodeNames(version: 4 | 6, typeName: string): readonly string[] {
  const table = version === 4 ? ICMPV4_TYPES : ICMPV6_TYPES;
  const codes = Object.hasOwn(table, typeName) ? table[typeName]?.codes : undefined;
  return codes ? Object.keys(codes) : [];
}

/** The other ICMP version's tables know this code name (used to explain a bad code). */
export function icmpCodeKnownForOtherVersion(version: 4 | 6, typeName: string, codeName: string): boolean {
  return icmpCodeNames(version === 4 ? 6 : 4, typeName).includes(codeName);
}

function isU8(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 255;
}
