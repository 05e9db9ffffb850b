/**
 * Deterministic stand-ins for the kernel's secrets: a seeded PRNG (ISNs, ports, timestamp
 * offsets) and a keyed 32-bit hash (syncookies). Same seed, same run.
 */

export { makeRng } from "../util/rng";

/** FNV-1a over a string, keyed by a seed: a stand-in for siphash(secret, tuple). */
export function keyedHash(key: number, text: string): number {
  let h = (0x811c9dc5 ^ key) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche so nearby inputs spread over all 32 bits
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
