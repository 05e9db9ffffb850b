/**
 * Where a path a script passes to open() lives on the host. packetdrill runs a script from the
 * script's own directory and in the same file system as its shell commands; tcpdrill's syscall
 * thread has tcpdrill's cwd and the host's mount namespace, while commands run in the sandbox's
 * mount namespace, where a private directory is bind-mounted over /tmp (harness/sandbox/exec.ts).
 * So a relative path resolves against the script's directory, and a path under /tmp against the
 * private /tmp: `dd of=/tmp/testfile` in a command and `open("/tmp/testfile")` in the script then
 * name the same file.
 */
import * as path from "node:path";

export interface PathView {
  /** The script's directory (where packetdrill would run it). */
  readonly cwd: string;
  /** The host directory the sandbox's commands see as /tmp, when they have a private one. */
  readonly privateTmp?: string;
}

export function hostPath(scriptPath: string, view: PathView): string {
  if (!path.isAbsolute(scriptPath)) return path.resolve(view.cwd, scriptPath);
  if (view.privateTmp === undefined) return scriptPath;
  const normal = path.posix.normalize(scriptPath);
  if (normal === "/tmp" || normal === "/tmp/") return view.privateTmp;
  if (normal.startsWith("/tmp/")) return path.join(view.privateTmp, normal.slice("/tmp/".length));
  return scriptPath;
}
