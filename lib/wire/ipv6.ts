/**
 * IPv6 header (RFC 8200 §3) and its extension-header chain (§4): a zero-copy view, and the parse
 * / emit / length triple over `Ipv6Repr`. Extension headers are skipped to find the upper layer
 * but kept as raw bytes so a datagram round-trips exactly.
 */
import * as addressCacheModule from "./address-cache";
import * as errorsModule from "./errors";
import type { Ipv6ExtensionHeader, Ipv6Repr } from "./types";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { addressBytesCached, ipv6TextAt } = addressCacheModule;
const { DecodeError } = errorsModule;

const F = {
  verClassFlow: 0,
  payloadLength: 4,
  nextHeader: 6,
  hopLimit: 7,
  src: 8,
  dst: 24,
} as const;

export const IPV6_HEADER = 40;

export const EXT_HOP_BY_HOP = 0;
export const EXT_ROUTING = 43;
export const EXT_FRAGMENT = 44;
export const EXT_AUTH = 51;
export const EXT_DEST_OPTS = 60;

/**
 * Extension headers we can skip. All but AH and fragment give their length in 8-octet units not
 * counting the first 8 (RFC 8200 §4.3-4.6, Mobility RFC 6275, HIP RFC 7401, Shim6 RFC 5533); AH
 * counts 4-octet units minus 2 (RFC 4302 §2.2); the fragment header is always 8 bytes. ESP (50)
 * is not skippable: what follows it is encrypted.
 */
function isExtension(type: number): boolean {
  return type === 0 || type === 43 || type === 44 || type === 51 || type === 60 || type === 135 || type === 139 || type === 140;
}

export class Ipv6Header {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
  ) {}

  private u32(at: number): number {
    const b = this.buf;
    const o = this.off + at;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  private setU32(at: number, v: number): void {
    const b = this.buf;
    const o = this.off + at;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
  }

  get version(): number {
    return this.buf[this.off]! >>> 4;
  }
  get trafficClass(): number {
    return (this.u32(F.verClassFlow) >>> 20) & 0xff;
  }
  get flowLabel(): number {
    return this.u32(F.verClassFlow) & 0xfffff;
  }
  /** Sets version 6, traffic class and flow label together (they share one word). */
  setClassAndFlow(trafficClass: number, flowLabel: number): void {
    this.setU32(F.verClassFlow, ((6 << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & 0xfffff)) >>> 0);
  }
  get payloadLength(): number {
    return (this.buf[this.off + F.payloadLength]! << 8) | this.buf[this.off + F.payloadLength + 1]!;
  }
  set payloadLength(v: number) {
    this.buf[this.off + F.payloadLength] = v >>> 8;
    this.buf[this.off + F.payloadLength + 1] = v;
  }
  get nextHeader(): number {
    return this.buf[this.off + F.nextHeader]!;
  }
  set nextHeader(v: number) {
    this.buf[this.off + F.nextHeader] = v;
  }
  get hopLimit(): number {
    return this.buf[this.off + F.hopLimit]!;
  }
  set hopLimit(v: number) {
    this.buf[this.off + F.hopLimit] = v;
  }
  get src(): string {
    return ipv6TextAt(this.buf, this.off + F.src);
  }
  set src(text: string) {
    this.buf.set(v6Bytes(text), this.off + F.src);
  }
  get dst(): string {
    return ipv6TextAt(this.buf, this.off + F.dst);
  }
  set dst(text: string) {
    this.buf.set(v6Bytes(text), this.off + F.dst);
  }
}

function v6Bytes(text: string): Uint8Array {
  const bytes = addressBytesCached(text);
  if (bytes.length !== 16) throw new RangeError(`not an IPv6 address: ${JSON.stringify(text)}`);
  return bytes;
}

const NO_EXTENSIONS: readonly Ipv6ExtensionHeader[] = Object.freeze([]);

export interface Ipv6Layout {
  /** Start of the upper-layer header (after all extension headers). */
  headerEnd: number;
  payloadEnd: number;
  /** The upper-layer protocol after the extension headers. */
  protocol: number;
  /** True for a non-first fragment or one with more to follow: no whole upper-layer header. */
  fragment: boolean;
}

/**
 * Validates the fixed header and walks the extension-header chain, filling `layout`; each
 * extension header is appended to `exts` when given.
 */
export function walkIpv6(buf: Uint8Array, off: number, end: number, layout: Ipv6Layout, exts: Ipv6ExtensionHeader[] | undefined): void {
  if (end - off < IPV6_HEADER) throw new DecodeError("truncated-ip-header", off, `${end - off} bytes`);
  const payloadLength = (buf[off + F.payloadLength]! << 8) | buf[off + F.payloadLength + 1]!;
  const payloadEnd = off + IPV6_HEADER + payloadLength;
  if (payloadEnd > end) {
    throw new DecodeError("truncated-ip-payload", off + F.payloadLength, `payload length ${payloadLength}, ${end - off - IPV6_HEADER} present`);
  }
  let next = buf[off + F.nextHeader]!;
  let p = off + IPV6_HEADER;
  let fragment = false;
  while (isExtension(next)) {
    if (payloadEnd - p < 8) throw new DecodeError("truncated-extension-header", p, `type ${next}`);
    let len: number;
    if (next === EXT_FRAGMENT) {
      // RFC 8200 §4.5: the second byte is reserved, not a length; it must be zero to round-trip.
      if (buf[p + 1] !== 0) throw new DecodeError("bad-extension-header", p + 1, "fragment header reserved byte is not zero");
      len = 8;
      const offsetFlags = (buf[p + 2]! << 8) | buf[p + 3]!;
      if ((offsetFlags & 0xfff8) !== 0 || (offsetFlags & 1) !== 0) fragment = true;
    } else if (next === EXT_AUTH) {
      len = (buf[p + 1]! + 2) * 4;
    } else {
      len = (buf[p + 1]! + 1) * 8;
    }
    if (payloadEnd - p < len) throw new DecodeError("truncated-extension-header", p, `type ${next} needs ${len} bytes, ${payloadEnd - p} left`);
    exts?.push({ type: next, body: buf.subarray(p + 2, p + len) });
    next = buf[p]!;
    p += len;
  }
  layout.headerEnd = p;
  layout.payloadEnd = payloadEnd;
  layout.protocol = next;
  layout.fragment = fragment;
}

export function parseIpv6(buf: Uint8Array, off: number, end: number, layout: Ipv6Layout): Ipv6Repr {
  // Most datagrams have no extension headers: only allocate a list when there is one.
  const exts: Ipv6ExtensionHeader[] | undefined = isExtension(buf[off + F.nextHeader] ?? 0) ? [] : undefined;
  walkIpv6(buf, off, end, layout, exts);
  const vcf = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  return {
    version: 6,
    src: ipv6TextAt(buf, off + F.src),
    dst: ipv6TextAt(buf, off + F.dst),
    protocol: layout.protocol,
    hopLimit: buf[off + F.hopLimit]!,
    trafficClass: (vcf >>> 20) & 0xff,
    flowLabel: vcf & 0xfffff,
    extensionHeaders: exts ?? NO_EXTENSIONS,
  };
}

function extensionLengthField(ext: Ipv6ExtensionHeader): number {
  const total = ext.body.length + 2;
  if (ext.type === EXT_FRAGMENT) {
    if (total !== 8) throw new RangeError(`a fragment header body is 6 bytes, got ${ext.body.length}`);
    return 0;
  }
  if (ext.type === EXT_AUTH) {
    if (total % 4 !== 0 || total < 8) throw new RangeError(`an AH header is a multiple of 4 bytes (>= 8), got ${total}`);
    return total / 4 - 2;
  }
  if (total % 8 !== 0 || total > 2048) throw new RangeError(`extension header ${ext.type} must be a multiple of 8 bytes, got ${total}`);
  return total / 8 - 1;
}

/** Fixed header plus extension headers, in bytes. */
export function ipv6HeaderLength(repr: Ipv6Repr): number {
  let n = IPV6_HEADER;
  for (const ext of repr.extensionHeaders) n += ext.body.length + 2;
  return n;
}

/** Writes the header chain for `upperLength` bytes of upper-layer data; returns its length. */
export function emitIpv6(repr: Ipv6Repr, buf: Uint8Array, off: number, upperLength: number, forcedPayloadLength: number | undefined): number {
  const h = new Ipv6Header(buf, off);
  const exts = repr.extensionHeaders;
  h.setClassAndFlow(repr.trafficClass, repr.flowLabel);
  h.hopLimit = repr.hopLimit;
  h.src = repr.src;
  h.dst = repr.dst;
  h.nextHeader = exts.length > 0 ? exts[0]!.type : repr.protocol;
  let p = off + IPV6_HEADER;
  for (let i = 0; i < exts.length; i++) {
    const ext = exts[i]!;
    buf[p] = i + 1 < exts.length ? exts[i + 1]!.type : repr.protocol;
    buf[p + 1] = extensionLengthField(ext);
    buf.set(ext.body, p + 2);
    p += ext.body.length + 2;
  }
  const hlen = p - off;
  h.payloadLength = forcedPayloadLength ?? hlen - IPV6_HEADER + upperLength;
  return hlen;
}
