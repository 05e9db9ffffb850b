/**
 * The Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo-headers (RFC 9293 §3.1,
 * RFC 768, RFC 8200 §8.1).
 *
 * Speed matters here (the codec benchmark checksums every 1500-byte segment), so the bulk of the
 * data is summed as native 32-bit words through a Uint32Array over the same memory. That is
 * legitimate because the one's-complement sum is byte-order independent (RFC 1071 §2(B)): a sum
 * of little-endian words is the byte-swap of the big-endian sum, and a 32-bit word a + b·2^16 is
 * congruent to a + b modulo 2^16 - 1.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

let cachedBuffer: ArrayBufferLike | undefined;
let cachedWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

function wordsOf(buffer: ArrayBufferLike): Uint32Array<ArrayBufferLike> {
  if (buffer !== cachedBuffer) {
    cachedBuffer = buffer;
    cachedWords = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return cachedWords;
}

/** Folds a non-negative sum (up to 2^53) to 16 bits with end-around carry. */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * One's-complement sum of buf[start..end) as big-endian 16-bit words (an odd last byte is padded
 * with zero), folded to 16 bits. Not complemented: add sums together, then `finishChecksum`.
 */
export function onesSum(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let sum = 0;
  let abs = buf.byteOffset + start;
  if ((abs & 3) === 2 && end - start >= 34) {
    // Step over one 16-bit word to reach 4-byte alignment (word boundaries stay even).
    sum = (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
    abs += 2;
  }
  if ((abs & 3) === 0 && end - i >= 32) {
    const words = wordsOf(buf.buffer);
    let w = abs >>> 2;
    const wEnd = w + ((end - i) >>> 2);
    let s0 = 0;
    let s1 = 0;
    // Two accumulators and 8-way unrolling: each stays below 2^53 for any buffer under 2^40 bytes.
    for (; w + 8 <= wEnd; w += 8) {
      s0 += words[w]! + words[w + 1]! + words[w + 2]! + words[w + 3]!;
      s1 += words[w + 4]! + words[w + 5]! + words[w + 6]! + words[w + 7]!;
    }
    for (; w < wEnd; w++) s0 += words[w]!;
    const native = fold(s0 + s1);
    sum += LITTLE_ENDIAN ? ((native & 0xff) << 8) | (native >>> 8) : native;
    i += (wEnd - (abs >>> 2)) << 2;
  }
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return fold(sum);
}

/** Complement of the folded sum: the value that goes in a checksum field. */
export function finishChecksum(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/**
 * The Internet checksum of `bytes` (optionally plus a partial sum such as a pseudo-header's).
 * Over data that includes a correct checksum field it is 0.
 */
export function internetChecksum(bytes: Uint8Array, initial = 0, start = 0, end = bytes.length): number {
  return finishChecksum(onesSum(bytes, start, end) + initial);
}

/**
 * Partial sum of the pseudo-header, reading the addresses straight out of the IP header at
 * `ipOffset` (IPv4: src and dst at 12..20; IPv6: at 8..40). `protocol` and `length` are the
 * upper-layer protocol number and length in bytes.
 */
export function pseudoHeaderSum(buf: Uint8Array, ipOffset: number, version: 4 | 6, protocol: number, length: number): number {
  const addrs = version === 4 ? onesSum(buf, ipOffset + 12, ipOffset + 20) : onesSum(buf, ipOffset + 8, ipOffset + 40);
  // RFC 8200 §8.1: a 32-bit upper-layer length; IPv4's is 16 bits, and the same sum covers both.
  return addrs + protocol + (length >>> 16) + (length & 0xffff);
}
