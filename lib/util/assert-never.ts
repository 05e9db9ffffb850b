/** Exhaustiveness check for `switch` over a union: the compiler rejects a missed case. */
export function assertNever(x: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
