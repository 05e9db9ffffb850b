/**
 * After the init command: the sysctl settings it asked for (in its text and in the shell files
 * it runs, e.g. upstream's defaults.sh) read back in the sandbox, by the command's own shell;
 * each one that did not take effect becomes a warning on the run. The classic case:
 * `tcp_congestion_control=cubic` refused with EPERM in a namespace when the host does not allow
 * cubic — scripts then run with the host's default (bbr) and fail for reasons that have nothing
 * to do with what they test.
 */
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { sameSysctlValue, sysctlAssignments, type SysctlAssignment } from "../../lib/script/sysctl-assignments";

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

/** The settings the command asks for (names the readback can open). */
export function askedSysctls(command: string, cwd: string): SysctlAssignment[] {
  const texts = [...referencedFiles(command, cwd).map((f) => readFileSync(f, "utf8")), command];
  return sysctlAssignments(texts.join("\n")).filter((a) => /^[A-Za-z0-9_.]+$/.test(a.name));
}

const MARK = "@@tcpdrill-sysctl-readback@@";

/**
 * `command` followed, in the same shell, by a readback of the `asked` settings (one grep, no
 * extra exec into the sandbox) and the command's own exit status. The values come back
 * after a marker line on stdout (splitReadback).
 */
export function withReadback(command: string, asked: readonly SysctlAssignment[]): string {
  // One grep for all files: procfs int handlers answer only reads at offset 0, so the shell's
  // byte-at-a-time `read` would see one character; `path:value` lines survive a missing file.
  const files = asked.map((a) => `/proc/sys/${a.name.replace(/\./g, "/")}`).join(" ");
  return `${command}\n__tcpdrill_status=$?\nprintf '\\n%s\\n' '${MARK}'\ngrep -H '' ${files} 2>/dev/null\nexit $__tcpdrill_status`;
}

/** The command's own stdout, and the values read back by name (undefined if the shell never got there). */
export function splitReadback(stdout: string): { stdout: string; values: Map<string, string> | undefined } {
  const at = stdout.lastIndexOf(`\n${MARK}\n`);
  if (at < 0) return { stdout, values: undefined };
  const values = new Map<string, string>();
  for (const line of stdout.slice(at + MARK.length + 2).split("\n")) {
    const m = /^\/proc\/sys\/([^:]+):(.*)$/.exec(line);
    if (m) values.set(m[1]!.replace(/\//g, "."), m[2]!);
  }
  return { stdout: stdout.slice(0, at), values };
}

/** Warnings for the settings that did not take effect; `cc` is the `--cc` algorithm, if given. */
export function unappliedSysctls(asked: readonly SysctlAssignment[], values: ReadonlyMap<string, string>, cc: string | undefined): string[] {
  const warnings: string[] = [];
  for (const a of asked) {
    const actual = (values.get(a.name) ?? "").replace(/\s+/g, " ").trim();
    if (actual === "" || sameSysctlValue(a.value, actual)) continue;
    let text = `the init command's sysctl ${a.name}=${a.value} did not take effect (it is ${actual})`;
    if (a.name === "net.ipv4.tcp_congestion_control") {
      text += cc !== undefined ? `; --cc ${cc} sets TCP_CONGESTION on every socket instead` : `; the host may not allow it in a namespace: --cc ${a.value} sets it on every socket`;
    }
    warnings.push(text);
  }
  return warnings;
}
