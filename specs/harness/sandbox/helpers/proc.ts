/**
 * What exists on the machine, read from /proc: which tasks are in a namespace, which processes
 * descend from this one, which threads and TUN descriptors this process has. Unreadable entries
 * (processes that exit while we look, other containers' tasks) are skipped.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function link(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  return list("/proc").filter((e) => /^\d+$/.test(e)).map(Number);
}

/** Every task (thread) of every process whose `kind` namespace is `ns`, as "pid/tid". */
export function tasksIn(ns: string, kind: "net" | "pid" = "net"): string[] {
  const found: string[] = [];
  for (const pid of pids()) {
    for (const tid of list(`/proc/${pid}/task`)) {
      if (link(`/proc/${pid}/task/${tid}/ns/${kind}`) === ns) found.push(`${pid}/${tid}`);
    }
  }
  return found;
}

export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Processes descending from `root` (children, grandchildren…), not `root` itself. */
export function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const pid of pids()) {
    const ppid = parentOf(pid);
    if (ppid !== undefined) parents.set(pid, ppid);
  }
  return [...parents.keys()].filter((pid) => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  });
}

/** Distinct network namespaces of this process's threads and of its descendants' threads. */
export function namespacesOfTree(root = process.pid): string[] {
  const set = new Set<string>();
  for (const pid of [root, ...descendantsOf(root)]) {
    for (const tid of list(`/proc/${pid}/task`)) {
      const ns = link(`/proc/${pid}/task/${tid}/ns/net`);
      if (ns !== undefined) set.add(ns);
    }
  }
  return [...set].sort();
}

const ON_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

function comm(pid: number, tid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * This process's threads, less Deno's blocking-pool threads: tokio starts those on demand (an
 * async `rm`, a file read) and keeps them 10 s after their last job, so they come and go whatever
 * the sandbox does. They carry the runtime's name ("deno") but are not the main thread. Node's
 * libuv pool is fixed once started, and the syscall threads are named differently ("node" workers,
 * Deno's "worker-N"), so nothing of ours is left out.
 */
/** As "tid:name", so that a failure says which thread. */
export function threadIds(pid = process.pid): string[] {
  return list(`/proc/${pid}/task`)
    .map((tid) => ({ tid, name: comm(pid, tid) }))
    .filter(({ tid, name }) => !(ON_DENO && Number(tid) !== pid && name === "deno"))
    .map(({ tid, name }) => `${tid}:${name ?? "?"}`);
}

/**
 * Threads in `now` that were not in `before`. A thread that was in `before` and has gone since is
 * not a leak: a worker an earlier spec terminated may take its OS thread away only after its
 * "exit" event (seen under Deno, once in a full suite), so counts alone can be off by one.
 */
export function newThreads(before: readonly string[], now: readonly string[]): string[] {
  const old = new Set(before.map(tidOf));
  return now.filter((t) => !old.has(tidOf(t)));
}

/** The thread id of a threadIds entry ("tid:name"), as a string. */
export function tidOf(entry: string): string {
  return entry.split(":")[0]!;
}

export function tunDescriptors(pid = process.pid): number {
  return list(`/proc/${pid}/fd`).filter((fd) => link(`/proc/${pid}/fd/${fd}`) === "/dev/net/tun").length;
}

export function alive(pid: number): boolean {
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
  })();
  // A zombie has exited; it only waits for its parent to reap it.
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

/** Polls `check` until it returns true or `ms` pass; returns its last answer. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A snapshot of everything a sandbox could leave behind in or under this process. */
export function footprint(): { namespaces: string[]; threadIds: string[]; children: number[]; tunFds: number } {
  return { namespaces: namespacesOfTree(), threadIds: threadIds(), children: descendantsOf(process.pid), tunFds: tunDescriptors() };
}

/** A footprint taken once threads and children have stopped changing (exiting threads linger briefly). */
export async function settledFootprint(): Promise<ReturnType<typeof footprint>> {
  let last = footprint();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = footprint();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}
