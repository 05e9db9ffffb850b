/**
 * After the init command: the sysctl settings it asked for (in its text and in the shell files
 * it runs, e.g. upstream's defaults.sh) read back in the sandbox; each one that did not take
 * effect becomes a warning on the run. The classic case: `tcp_congestion_control=cubic` refused
 * with EPERM in a namespace when the host does not allow cubic — scripts then run with the
 * host's default (bbr) and fail for reasons that have nothing to do with what they test.
 */
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { sameSysctlValue, sysctlAssignments, type SysctlAssignment } from "../../lib/script/sysctl-assignments";
import type { Target } from "../target/target";

/** Shell files a command runs by path (`../common/defaults.sh`), resolved from `cwd`. */
function referencedFiles(command: string, cwd: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/(?:^|[\s;&|`])((?:\.{1,2}\/|\/)[^\s;&|`'"]+)/g)) {
    const file = path.resolve(cwd, m[1]!);
    try {
      const st = statSync(file);
      if (st.isFile() && st.size < 65536) out.push(file);
    } catch {
      // Not a file here: nothing to read.
    }
  }
  return out;
}

export function askedSysctls(command: string, cwd: string): SysctlAssignment[] {
  const texts = [...referencedFiles(command, cwd).map((f) => readFileSync(f, "utf8")), command];
  return sysctlAssignments(texts.join("\n"));
}

/**
 * Warnings for the settings that did not take effect; `cc` is the `--cc` algorithm, if given.
 * Reads everything with one command in the sandbox (before script time 0).
 */
export async function unappliedSysctls(target: Target, command: string, cwd: string, cc: string | undefined): Promise<string[]> {
  const asked = askedSysctls(command, cwd).filter((a) => /^[A-Za-z0-9_.]+$/.test(a.name));
  if (asked.length === 0) return [];
  const read = asked.map((a) => `printf '%s\\n' "$(cat /proc/sys/${a.name.replace(/\./g, "/")} 2>/dev/null | tr '\\n\\t' '  ')"`).join("; ");
  const r = await target.exec(read, 10_000);
  if (r.status !== 0) return [];
  const values = r.stdout.split("\n");
  const warnings: string[] = [];
  for (const [i, a] of asked.entries()) {
    const actual = (values[i] ?? "").trim();
    if (actual === "" || sameSysctlValue(a.value, actual)) continue;
    let text = `the init command's sysctl ${a.name}=${a.value} did not take effect (it is ${actual})`;
    if (a.name === "net.ipv4.tcp_congestion_control") {
      text += cc !== undefined ? `; --cc ${cc} sets TCP_CONGESTION on every socket instead` : `; the host may not allow it in a namespace: --cc ${a.value} sets it on every socket`;
    }
    warnings.push(text);
  }
  return warnings;
}
