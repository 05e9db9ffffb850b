/**
 * The Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo-headers (RFC 9293 §3.1,
 * RFC 768, RFC 8200 §8.1).
 *
 * Speed matters here (the codec benchmark checksums every 1500-byte segment), so the bulk of the
 * data is summed as native 32-bit words, read through an Int32Array over a scratch copy. That is
 * legitimate because the one's-complement sum is byte-order independent (RFC 1071 §2(B)): a sum
 * of little-endian words is the byte-swap of the big-endian sum, and a 32-bit word a + b·2^16 is
 * congruent to a + b modulo 2^16 - 1.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Bulk data is copied into this one scratch area and summed there. Copying 1500 bytes (a memcpy)
// is cheaper than making an Int32Array view of each new input (reading `.buffer` and
// `.byteOffset` and allocating), and V8 compiles the loop over a fixed array tighter than one
// over arrays that vary. Copying also fixes alignment: the data can be placed at any offset.
const SCRATCH_BYTES = 1 << 16;
const scratchWords = new Int32Array(SCRATCH_BYTES / 4);
const scratchBytes = new Uint8Array(scratchWords.buffer);
/** Longest piece summed at once when a range does not fit (even, so word pairs stay intact). */
const CHUNK = SCRATCH_BYTES - 8;
/** Bytes outside the range worth copying along rather than cutting the range out. */
const SPARE_BYTES = 1024;

/** Folds a non-negative sum (up to 2^53) to 16 bits with end-around carry. */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** Words per block: keeps both int32 accumulators below 2^31 (8192 · 4 · 0xffff < 2^31). */
const BLOCK_WORDS = 8192;

/**
 * Sum of the 32-bit native words [w, wEnd) as 16-bit halves, folded to 16 bits. The halves are
 * added separately in int32 arithmetic, which V8 keeps in registers; summing the words as
 * unsigned 32-bit values would go through doubles.
 */
function sumWords(w: number, wEnd: number): number {
  const words = scratchWords;
  let total = 0;
  while (w < wEnd) {
    const blockEnd = wEnd - w > BLOCK_WORDS ? w + BLOCK_WORDS : wEnd;
    let lo = 0;
    let hi = 0;
    // Unrolled by 8: measurably faster than 4 or 1 on V8 11 (fewer loop-carried updates).
    for (; w + 8 <= blockEnd; w += 8) {
      const x0 = words[w]!;
      const x1 = words[w + 1]!;
      const x2 = words[w + 2]!;
      const x3 = words[w + 3]!;
      const x4 = words[w + 4]!;
      const x5 = words[w + 5]!;
      const x6 = words[w + 6]!;
      const x7 = words[w + 7]!;
      lo = (lo + (x0 & 0xffff) + (x1 & 0xffff) + (x2 & 0xffff) + (x3 & 0xffff) + (x4 & 0xffff) + (x5 & 0xffff) + (x6 & 0xffff) + (x7 & 0xffff)) | 0;
      hi = (hi + (x0 >>> 16) + (x1 >>> 16) + (x2 >>> 16) + (x3 >>> 16) + (x4 >>> 16) + (x5 >>> 16) + (x6 >>> 16) + (x7 >>> 16)) | 0;
    }
    for (; w < blockEnd; w++) {
      const x = words[w]!;
      lo = (lo + (x & 0xffff)) | 0;
      hi = (hi + (x >>> 16)) | 0;
    }
    total = fold(total + lo + hi);
  }
  return total;
}

/** Sum of scratchBytes[at..at+len) where `at` is a multiple of 4, as big-endian words. */
function sumScratch(at: number, len: number): number {
  const w = at >>> 2;
  const wEnd = w + (len >>> 2);
  const native = sumWords(w, wEnd);
  const sum = LITTLE_ENDIAN ? ((native & 0xff) << 8) | (native >>> 8) : native;
  return sum + sumBytes(scratchBytes, wEnd << 2, at + len);
}

/** Byte-at-a-time sum for short ranges (headers, pseudo-header addresses). */
function sumBytes(buf: Uint8Array, i: number, end: number): number {
  let sum = 0;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/**
 * One's-complement sum of buf[start..end) as big-endian 16-bit words (an odd last byte is padded
 * with zero), folded to 16 bits. Not complemented: add sums together, then `finishChecksum`.
 */
export function onesSum(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 64) return fold(sumBytes(buf, start, end));
  const shift = (4 - (start & 3)) & 3;
  if (start + (buf.length - end) <= SPARE_BYTES && buf.length + shift <= SCRATCH_BYTES) {
    // The whole buffer (a packet with little around it), placed so that `start` lands on a
    // 4-byte boundary: copying a few spare bytes is cheaper than allocating a subarray.
    scratchBytes.set(buf, shift);
    return fold(sumScratch(start + shift, end - start));
  }
  let sum = 0;
  for (let i = start; i < end; i += CHUNK) {
    const n = Math.min(CHUNK, end - i);
    scratchBytes.set(buf.subarray(i, i + n), 0);
    sum = fold(sum + sumScratch(0, n));
  }
  return sum;
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
