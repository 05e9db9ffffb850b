/** What the cleanup specs look for in /proc: namespaces, leftover background commands. */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export function pids(): string[] {
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e));
}

/** Every network namespace some thread of the machine is in, with the processes in it. */
export function netNamespaces(): Map<string, Set<number>> {
  const found = new Map<string, Set<number>>();
  for (const pid of pids()) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const ns = readlinkSync(`/proc/${pid}/task/${tid}/ns/net`);
        found.set(ns, (found.get(ns) ?? new Set()).add(Number(pid)));
      } catch {
        // the task exited while we looked
      }
    }
  }
  return found;
}

/** The network namespaces the threads of one process are in. */
export function namespacesOf(pid: number): Set<string> {
  const found = new Set<string>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tasks) {
    try {
      found.add(readlinkSync(`/proc/${pid}/task/${tid}/ns/net`));
    } catch {
      // the thread exited while we looked
    }
  }
  return found;
}

/** The `sleep 1000` processes the blocks-forever fixture starts in the background. */
export function sleepers(): number[] {
  return pids()
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8") === "sleep\u00001000\u0000";
      } catch {
        return false;
      }
    })
    .map(Number);
}

export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}
