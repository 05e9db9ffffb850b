/**
 * TUN device and capture-socket plumbing shared by the syscall thread (which creates them inside
 * the namespace) and the main thread (which reads and writes them).
 *
 * With offload on, tun0 carries a 10-byte `struct virtio_net_hdr` in front of every packet, like
 * packetdrill's tun (IFF_VNET_HDR + TUNSETOFFLOAD(CSUM|TSO4|TSO6|TSO_ECN)). The capture socket
 * then asks for the same header (PACKET_VNET_HDR) so it can tell a TSO super-segment (gso_size)
 * and finish a partial checksum the kernel left for the "hardware" (NEEDS_CSUM).
 */
import { finishChecksum, onesSum } from "../../lib/wire/checksum";

export const TUNSETIFF = 0x400454ca;
export const TUNSETOFFLOAD = 0x400454d0;
export const IFF_TUN = 0x0001;
export const IFF_NO_PI = 0x1000;
export const IFF_VNET_HDR = 0x4000;
export const TUN_F_CSUM = 0x01;
export const TUN_F_TSO4 = 0x02;
export const TUN_F_TSO6 = 0x04;
export const TUN_F_TSO_ECN = 0x08;
export const IFREQ_SIZE = 40;
export const IFNAMSIZ = 16;

export const ETH_P_ALL = 0x0003;
export const SOL_PACKET = 263;
export const PACKET_STATISTICS = 6;
export const PACKET_VNET_HDR = 15;
export const PACKET_OUTGOING = 4;
export const SO_ATTACH_FILTER = 26;

export const VNET_HDR_SIZE = 10;
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;

export interface VnetHeader {
  readonly flags: number;
  readonly gsoType: number;
  readonly hdrLen: number;
  readonly gsoSize: number;
  readonly csumStart: number;
  readonly csumOffset: number;
}

/** struct virtio_net_hdr (include/uapi/linux/virtio_net.h); fields are little-endian here. */
export function decodeVnetHeader(bytes: Uint8Array): VnetHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, VNET_HDR_SIZE);
  return {
    flags: view.getUint8(0),
    gsoType: view.getUint8(1),
    hdrLen: view.getUint16(2, true),
    gsoSize: view.getUint16(4, true),
    csumStart: view.getUint16(6, true),
    csumOffset: view.getUint16(8, true),
  };
}

/** The header to put in front of an injected packet (zeros, or a GSO description). */
export function encodeVnetHeader(packet: Uint8Array, gsoSize: number | undefined): Uint8Array {
  const out = new Uint8Array(VNET_HDR_SIZE);
  if (gsoSize !== undefined && gsoSize > 0) {
    const version = (packet[0] ?? 0) >> 4;
    out[1] = version === 6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
    new DataView(out.buffer).setUint16(4, gsoSize, true);
  }
  return out;
}

/**
 * Completes a CHECKSUM_PARTIAL packet in place: the kernel stored the pseudo-header sum in the
 * checksum field and left the one's-complement sum over [csumStart, end) to the device
 * (skb_checksum_help does the same in software).
 */
export function completeChecksum(packet: Uint8Array, csumStart: number, csumOffset: number): void {
  const field = csumStart + csumOffset;
  if (csumStart >= packet.length || field + 2 > packet.length) return;
  // The codec's word-at-a-time sum: a 10 KB aggregate is summed here, between the packet's
  // arrival and the next event, and a loop over byte pairs took a good part of 0.1 ms for it.
  const result = finishChecksum(onesSum(packet, csumStart, packet.length));
  packet[field] = result >> 8;
  packet[field + 1] = result & 0xff;
}

/** struct ifreq with ifr_name set and ifr_flags (a short at offset 16). */
export function ifreq(name: string, flags = 0): Uint8Array {
  const out = new Uint8Array(IFREQ_SIZE);
  out.set(new TextEncoder().encode(name).subarray(0, IFNAMSIZ - 1));
  new DataView(out.buffer).setUint16(IFNAMSIZ, flags, true);
  return out;
}

export function ifreqName(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end));
}

/** struct sockaddr_ll binding a packet socket to every protocol on one interface. */
export function sockaddrLl(ifindex: number): Uint8Array {
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  view.setUint16(0, 17, true); // AF_PACKET
  view.setUint16(2, ETH_P_ALL, false);
  view.setInt32(4, ifindex, true);
  return out;
}

/**
 * Classic BPF: keep only packets the host sends (pkttype == PACKET_OUTGOING), so injected
 * packets never occupy the capture socket's buffer.
 *   ldb  [SKF_AD_OFF + SKF_AD_PKTTYPE]
 *   jeq  #PACKET_OUTGOING, keep, drop
 *   keep: ret #0x40000      drop: ret #0
 */
export function outgoingOnlyFilter(): Uint8Array {
  const insns: readonly (readonly [number, number, number, number])[] = [
    [0x30, 0, 0, (0xfffff000 + 4) >>> 0],
    [0x15, 0, 1, PACKET_OUTGOING],
    [0x06, 0, 0, 0x40000],
    [0x06, 0, 0, 0],
  ];
  const out = new Uint8Array(8 * insns.length);
  const view = new DataView(out.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    view.setUint16(8 * i, code, true);
    view.setUint8(8 * i + 2, jt);
    view.setUint8(8 * i + 3, jf);
    view.setUint32(8 * i + 4, k, true);
  });
  return out;
}
