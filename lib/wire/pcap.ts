/**
 * pcap (not pcapng) framing for traces, pure: callers write the bytes. Nanosecond timestamps
 * (magic 0xa1b23c4d), LINKTYPE_RAW (101: packets begin with the IP header), native little-endian
 * as libpcap writes it on x86.
 */
const MAGIC_NS = 0xa1b23c4d;
const LINKTYPE_RAW = 101;
const SNAPLEN = 262144;

export function pcapFileHeader(): Uint8Array {
  const out = new Uint8Array(24);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC_NS, true);
  v.setUint16(4, 2, true); // version 2.4
  v.setUint16(6, 4, true);
  // thiszone and sigfigs stay 0
  v.setUint32(16, SNAPLEN, true);
  v.setUint32(20, LINKTYPE_RAW, true);
  return out;
}

/** One record: `timeNs` since the epoch (or since the trace's start), then the whole packet. */
export function pcapRecord(bytes: Uint8Array, timeNs: bigint): Uint8Array {
  const out = new Uint8Array(16 + bytes.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, Number(timeNs / 1_000_000_000n), true);
  v.setUint32(4, Number(timeNs % 1_000_000_000n), true);
  v.setUint32(8, bytes.length, true); // captured length
  v.setUint32(12, bytes.length, true); // original length
  out.set(bytes, 16);
  return out;
}
