/**
 * The sysctl settings a shell command asks for, read from its text (and, by the caller, from the
 * shell files it runs): `sysctl -w net.ipv4.x=v`, `"net.ipv4.tcp_rmem=4096 540000 15728640"` in a
 * settings list, `/proc/sys/net/ipv4/x=v` as upstream's set_sysctls.py takes them. Used to say when
 * a setting did not take effect: `sysctl -q -w ... 2>/dev/null` fails silently, and upstream's
 * defaults.sh asks for cubic, which a host whose allowed list lacks it refuses in a namespace.
 */
export interface SysctlAssignment {
  /** Dotted name, e.g. net.ipv4.tcp_congestion_control. */
  readonly name: string;
  readonly value: string;
}

const KEY = String.raw`(?:(?:net|kernel|vm)\.[A-Za-z0-9_.]+|\/proc\/sys\/[A-Za-z0-9_/]+)`;
/** `"name=value with spaces"` (the whole setting quoted, as in a shell array) or `name=value`/`name="v"`. */
const SETTING = new RegExp(String.raw`"(${KEY})=([^"\n]*)"|'(${KEY})=([^'\n]*)'|(?:^|[\s(])(${KEY})=("[^"\n]*"|'[^'\n]*'|[^\s"'\`);&|]+)`, "g");

/** Every assignment in `text`, the last one of each name winning (later settings override). */
export function sysctlAssignments(text: string): SysctlAssignment[] {
  const found = new Map<string, string>();
  const lines = text.split("\n").map((l) => l.replace(/(^|\s)#.*$/, ""));
  for (const line of lines) {
    for (const m of line.matchAll(SETTING)) {
      const key = (m[1] ?? m[3] ?? m[5])!;
      const value = m[2] ?? m[4] ?? unquote(m[6]!);
      const name = key.startsWith("/proc/sys/") ? key.slice("/proc/sys/".length).replace(/\//g, ".") : key;
      found.delete(name);
      found.set(name, value);
    }
  }
  return [...found].map(([name, value]) => ({ name, value }));
}

function unquote(v: string): string {
  return (v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")) ? v.slice(1, -1) : v;
}

/** Whether the value read back means the value asked for (numbers by value, text by words). */
export function sameSysctlValue(asked: string, actual: string): boolean {
  const a = asked.trim().split(/\s+/);
  const b = actual.trim().split(/\s+/);
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    const nx = Number(x);
    const ny = Number(y);
    if (x !== "" && y !== "" && Number.isFinite(nx) && Number.isFinite(ny)) return nx === ny;
    return x.toLowerCase() === y.toLowerCase();
  });
}
