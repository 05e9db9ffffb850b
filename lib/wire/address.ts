/**
 * IP address text <-> bytes. Text is canonical: dotted quad for IPv4, RFC 5952 for IPv6 (lower
 * case, no leading zeros, the longest run of two or more zero groups as "::", the first run on a
 * tie) with IPv4-mapped addresses as "::ffff:1.2.3.4" (RFC 5952 §5).
 */

/** Parses a dotted quad; undefined unless it is exactly four decimal octets. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return parseIpv4Into(text, out, 0) ? out : undefined;
}

function parseIpv4Into(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    // No signs, spaces or empty parts; leading zeros are refused (inet_pton does too, since
    // "010" is octal to inet_aton).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return false;
    const v = Number(p);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

/** Parses IPv6 text (with "::" and an optional trailing dotted quad); no zone ids. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const out = new Uint8Array(16);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] | undefined => (s === "" ? [] : s.split(":"));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  // A trailing dotted quad stands for two groups.
  const last = halves.length === 2 ? tail : head;
  let v4: Uint8Array | undefined;
  if (last.length > 0 && last[last.length - 1]!.includes(".")) {
    v4 = parseIpv4(last.pop()!);
    if (v4 === undefined) return undefined;
  }
  const groupCount = head.length + tail.length + (v4 === undefined ? 0 : 2);
  if (halves.length === 2 ? groupCount > 7 : groupCount !== 8) return undefined;
  const hex = /^[0-9a-fA-F]{1,4}$/;
  let pos = 0;
  for (const g of head) {
    if (!hex.test(g)) return undefined;
    const v = parseInt(g, 16);
    out[pos++] = v >>> 8;
    out[pos++] = v & 0xff;
  }
  pos = 16 - 2 * tail.length - (v4 === undefined ? 0 : 4);
  for (const g of tail) {
    if (!hex.test(g)) return undefined;
    const v = parseInt(g, 16);
    out[pos++] = v >>> 8;
    out[pos++] = v & 0xff;
  }
  if (v4 !== undefined) out.set(v4, 12);
  return out;
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  let bestAt = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    g
      .slice(from, to)
      .map((v) => v.toString(16))
      .join(":");
  if (bestAt < 0) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** Bytes of an IPv4 or IPv6 address in text form; throws RangeError on anything else. */
export function addressToBytes(text: string): Uint8Array {
  const bytes = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  if (bytes === undefined) throw new RangeError(`invalid IP address: ${JSON.stringify(text)}`);
  return bytes;
}

/** Canonical text of a 4- or 16-byte address. */
export function addressFromBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4(bytes);
  if (bytes.length === 16) return formatIpv6(bytes);
  throw new RangeError(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
}

/** The canonical spelling of an address, or undefined if the text is not one. */
export function canonicalAddress(text: string): string | undefined {
  const bytes = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  return bytes === undefined ? undefined : addressFromBytes(bytes);
}
