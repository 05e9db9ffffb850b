/**
 * Comparing trees modulo source positions: `parse(print(ast))` equals `ast` except for spans.
 */

/** A deep copy of a tree without its `span` and `*Span` properties. */
export function stripSpans<T>(node: T): T {
  if (Array.isArray(node)) return node.map((x) => stripSpans(x)) as T;
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === "span" || k.endsWith("Span")) continue;
    out[k] = stripSpans(v);
  }
  return out as T;
}

/** Deep equality of two trees, ignoring spans; undefined-valued and absent properties are equal. */
export function equalModuloSpans(a: unknown, b: unknown): boolean {
  return deepEqual(stripSpans(a), stripSpans(b));
}

/** The path of the first difference between two trees (ignoring spans), or undefined if equal. */
export function firstDifference(a: unknown, b: unknown, path = "$"): string | undefined {
  return diff(stripSpans(a), stripSpans(b), path);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return diff(a, b, "$") === undefined;
}

function diff(a: unknown, b: unknown, path: string): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return `${path}: ${JSON.stringify(a)} !== ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} !== ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) {
    if (ra[k] === undefined && rb[k] === undefined) continue;
    const d = diff(ra[k], rb[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}
