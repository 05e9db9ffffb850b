/**
 * Memoised address conversions for the codec's hot path: a trace holds thousands of segments
 * between the same two hosts, and formatting or parsing the same address each time would
 * dominate decode and encode. Small direct-mapped tables; a collision just recomputes.
 */
import * as addressModule from "./address";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { addressToBytes, formatIpv4, formatIpv6 } = addressModule;

const SLOTS = 256;

const v4Keys = new Int32Array(SLOTS);
const v4Texts: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

/** Dotted-quad text of the 4 bytes at `off`. */
export function ipv4TextAt(buf: Uint8Array, off: number): string {
  const key = (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
  const slot = (key ^ (key >>> 8) ^ (key >>> 16) ^ (key >>> 24)) & (SLOTS - 1);
  const hit = v4Texts[slot];
  if (hit !== undefined && v4Keys[slot] === key) return hit;
  const text = formatIpv4(buf, off);
  v4Keys[slot] = key;
  v4Texts[slot] = text;
  return text;
}

const v6Bytes = new Uint8Array(SLOTS * 16);
const v6Texts: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

/** RFC 5952 text of the 16 bytes at `off`. */
export function ipv6TextAt(buf: Uint8Array, off: number): string {
  let h = 0;
  for (let i = 0; i < 16; i++) h = (Math.imul(h, 31) + buf[off + i]!) | 0;
  const slot = (h ^ (h >>> 8) ^ (h >>> 16)) & (SLOTS - 1);
  const hit = v6Texts[slot];
  if (hit !== undefined) {
    let same = true;
    for (let i = 0; i < 16; i++) {
      if (v6Bytes[slot * 16 + i] !== buf[off + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  const text = formatIpv6(buf, off);
  v6Bytes.set(buf.subarray(off, off + 16), slot * 16);
  v6Texts[slot] = text;
  return text;
}

const RECENT = 4;
const recentTexts: (string | undefined)[] = [undefined, undefined, undefined, undefined];
const recentBytes: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
let recentNext = 0;
const bytesOf = new Map<string, Uint8Array>();

/**
 * Address bytes for encoding (throws RangeError on bad text). The result is shared: callers copy
 * it, never modify it.
 */
export function addressBytesCached(text: string): Uint8Array {
  for (let i = 0; i < RECENT; i++) if (recentTexts[i] === text) return recentBytes[i]!;
  let bytes = bytesOf.get(text);
  if (bytes === undefined) {
    if (bytesOf.size >= 1024) bytesOf.clear();
    bytes = addressToBytes(text);
    bytesOf.set(text, bytes);
  }
  recentTexts[recentNext] = text;
  recentBytes[recentNext] = bytes;
  recentNext = (recentNext + 1) % RECENT;
  return bytes;
}
