/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4, RFC 1982 serial arithmetic).
 *
 * A `Seq` is a branded number in [0, 2^32). Ordering is by the sign of the 32-bit difference, so it
 * stays correct across the wrap; never compare two sequence numbers with `<` on the raw values.
 */
export type Seq = number & { readonly __seq: unique symbol };

const MOD = 0x1_0000_0000;

/** Wraps any integer (negative too) into sequence space. */
export function seq(n: number): Seq {
  return ((n % MOD) + MOD) % MOD as Seq;
}

/** a + n in sequence space; n may be negative. */
export function seqAdd(a: Seq, n: number): Seq {
  return seq(a + n);
}

/** Signed distance from b to a: a - b interpreted in (-2^31, 2^31]. */
export function seqDiff(a: Seq, b: Seq): number {
  return ((a - b) | 0);
}

export function seqLt(a: Seq, b: Seq): boolean {
  return seqDiff(a, b) < 0;
}
export function seqLe(a: Seq, b: Seq): boolean {
  return seqDiff(a, b) <= 0;
}
export function seqGt(a: Seq, b: Seq): boolean {
  return seqDiff(a, b) > 0;
}
export function seqGe(a: Seq, b: Seq): boolean {
  return seqDiff(a, b) >= 0;
}

/** lo <= x < hi in sequence space (RFC 9293's "acceptable" window tests). */
export function seqInRange(x: Seq, lo: Seq, hi: Seq): boolean {
  return seqLe(lo, x) && seqLt(x, hi);
}

export function seqMax(a: Seq, b: Seq): Seq {
  return seqGe(a, b) ? a : b;
}
export function seqMin(a: Seq, b: Seq): Seq {
  return seqLe(a, b) ? a : b;
}
