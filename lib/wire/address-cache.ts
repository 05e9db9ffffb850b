/**
 * Memoised address conversions for the codec's hot path: a trace holds thousands of segments
 * between the same two hosts, and formatting or parsing the same address each time would
 * dominate decode and encode. Bounded; cleared wholesale when full.
 */
import { addressToBytes, formatIpv4, formatIpv6 } from "./address";

const LIMIT = 1024;

const v4Text = new Map<number, string>();

export function ipv4TextAt(buf: Uint8Array, off: number): string {
  const key = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
  let text = v4Text.get(key);
  if (text === undefined) {
    if (v4Text.size >= LIMIT) v4Text.clear();
    text = formatIpv4(buf, off);
    v4Text.set(key, text);
  }
  return text;
}

interface V6Entry {
  readonly bytes: Uint8Array;
  readonly text: string;
}
const v6Text = new Map<number, V6Entry>();

function sameBytes(a: Uint8Array, b: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

export function ipv6TextAt(buf: Uint8Array, off: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i++) h = Math.imul(h ^ buf[off + i]!, 0x01000193);
  const hit = v6Text.get(h);
  if (hit !== undefined && sameBytes(hit.bytes, buf, off, 16)) return hit.text;
  if (v6Text.size >= LIMIT) v6Text.clear();
  const text = formatIpv6(buf, off);
  v6Text.set(h, { bytes: buf.slice(off, off + 16), text });
  return text;
}

const bytesOf = new Map<string, Uint8Array>();

/** Address bytes for encoding. The result is shared: callers copy it, never modify it. */
export function addressBytesCached(text: string): Uint8Array {
  let bytes = bytesOf.get(text);
  if (bytes === undefined) {
    if (bytesOf.size >= LIMIT) bytesOf.clear();
    bytes = addressToBytes(text);
    bytesOf.set(text, bytes);
  }
  return bytes;
}
