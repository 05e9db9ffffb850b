/**
 * Access to the shared packetdrill corpus for specs: where it is, which modes each script runs in,
 * the per-mode defines of its README, and the parse-time rejections verdicts.tsv records.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { IpMode } from "../../../lib/script/ast";

export const REPO_ROOT = path.resolve(__dirname, "../../..");
export const SHARED = path.resolve(REPO_ROOT, "../shared");
export const CORPUS = path.join(SHARED, "corpus/packetdrill");
export const FIXTURES = path.join(REPO_ROOT, "specs/fixtures/script");

export function corpusPresent(): boolean {
  return fs.existsSync(path.join(CORPUS, "verdicts.tsv"));
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".pkt") ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Every `.pkt` of the corpus, as paths relative to the corpus root. */
export function corpusScripts(): string[] {
  return walk(CORPUS).map((f) => path.relative(CORPUS, f));
}

export function readCorpus(rel: string): string {
  return fs.readFileSync(path.join(CORPUS, rel), "utf8");
}

/** run_all.py: `*v4.pkt` runs in ipv4 only, `*v6.pkt` in ipv6 only, everything else in all three. */
export function modesFor(file: string): IpMode[] {
  if (file.endsWith("v4.pkt")) return ["ipv4"];
  if (file.endsWith("v6.pkt")) return ["ipv6"];
  return ["ipv4", "ipv4-mapped-ipv6", "ipv6"];
}

/** The `-D` defines the corpus README gives for each mode. */
export function definesFor(mode: IpMode): Record<string, string> {
  switch (mode) {
    case "ipv4":
      return { TFO_COOKIE: "3021b9d889017eeb", CODE: "host_unreachable", CMSG_LEVEL_IP: "SOL_IP", CMSG_TYPE_RECVERR: "IP_RECVERR" };
    case "ipv4-mapped-ipv6":
      return { TFO_COOKIE: "3021b9d889017eeb", CODE: "host_unreachable", CMSG_LEVEL_IP: "SOL_IPV6", CMSG_TYPE_RECVERR: "IPV6_RECVERR" };
    case "ipv6":
      return { TFO_COOKIE: "c1d1e9742a47a9bc", CMSG_LEVEL_IP: "SOL_IPV6", CMSG_TYPE_RECVERR: "IPV6_RECVERR" };
  }
}

export interface Rejection {
  readonly script: string;
  readonly mode: IpMode;
  readonly line: number;
  /** packetdrill's message after "semantic error: " / "parse error ...: ". */
  readonly message: string;
}

/** The (script, mode) pairs packetdrill rejects while parsing, from verdicts.tsv. */
export function verdictRejections(): Rejection[] {
  const rows = fs.readFileSync(path.join(CORPUS, "verdicts.tsv"), "utf8").trim().split("\n").slice(1);
  const out: Rejection[] = [];
  for (const row of rows) {
    const [script, mode, , , , reason = ""] = row.split("\t");
    const m = /^[^:]+:(\d+): (?:semantic error|parse error[^:]*): (.*)$/.exec(reason);
    if (!m || !script || !mode) continue;
    out.push({ script, mode: mode === "ipv4-mapped-v6" ? "ipv4-mapped-ipv6" : (mode as IpMode), line: Number(m[1]), message: m[2]! });
  }
  return out;
}
