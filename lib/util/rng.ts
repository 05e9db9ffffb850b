/** mulberry32: a small, fast, seedable PRNG. Same seed, same stream (model secrets, fuzzing). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same stream as makeRng, scaled to [0, 1). */
export function makeUnitRng(seed: number): () => number {
  const next = makeRng(seed);
  return () => next() / 4294967296;
}
