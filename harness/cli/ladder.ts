/**
 * `tcpdrill ladder [-o FILE] <trace.json>...`: the ladder diagram of saved runs (`tcpdrill run
 * --trace FILE`), as text on stdout or, with -o, as SVG (`.svg`), a report page (`.html`) or text
 * (anything else). Also the per-run views `tcpdrill run` writes (--ladder, --trace, --report).
 *
 * Exit status: 0 written, 2 usage error or unreadable trace.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { Trace } from "../../lib/trace/types";
import type { JobResult } from "../runner/run-job";
import { renderReportHtml, renderReportIndex } from "../report/html";
import { traceLadderSvg } from "../report/ladder-svg";
import { traceLadderText } from "../report/ladder-text";
import { writeTracePcap } from "../report/pcap";
import { commandLine, type CliIo } from "./io";

const USAGE = `usage: tcpdrill ladder [options] <trace.json>...

Draw the ladder diagram of runs saved with \`tcpdrill run --trace FILE\`: the kernel (local) and
the script (remote) side, one arrow per segment, syscalls and TCP states on the kernel's side.

options:
  -o, --output FILE   write FILE instead of printing text: .svg an SVG diagram, .html a report
                      page (verdict, diagram, script), anything else text; with several traces
                      each gets FILE's name plus .<script>.<mode>.<target>
  --break SECONDS     idle gaps longer than this are drawn as a break (default 1)
  -h, --help          show this help
`;

/**
 * The name part of each of one invocation's scripts: its file name without `.pkt`, or where
 * several scripts share a file name (upstream's corpus has a basic.pkt in four directories), as
 * many of its directories in front as tell it apart (`zerocopy-basic`), so that no run's files
 * overwrite another's.
 */
export function scriptStems(scripts: readonly string[]): Map<string, string> {
  const unique = [...new Set(scripts)];
  const parts = new Map(unique.map((s) => [s, path.normalize(s).replace(/\.pkt$/, "").split(path.sep).filter((p) => p !== "" && p !== "." && p !== "..")]));
  const stemOf = (p: readonly string[], n: number): string => p.slice(Math.max(0, p.length - n)).join("-");
  const stems = new Map<string, string>();
  for (const s of unique) {
    const mine = parts.get(s)!;
    let n = 1;
    while (n < mine.length && unique.some((o) => o !== s && stemOf(parts.get(o)!, n) === stemOf(mine, n))) n++;
    stems.set(s, stemOf(mine, n));
  }
  return stems;
}

/** `<script>.<mode>.<target>` (the script's name part from `stems` when given): also the pcap option's. */
export function runStem(t: Trace, stems?: ReadonlyMap<string, string>): string {
  return `${stems?.get(t.script) ?? path.basename(t.script, ".pkt")}.${t.mode}.${t.target}`;
}

/**
 * Where one run's view goes: FILE itself for a single run; with several, FILE's name plus the
 * run's stem (`out.svg` → `out.listen-accept.ipv4.kernel.svg`); a directory (existing, or
 * written with a trailing slash) gets `DIR/<stem><ext>`.
 */
export function perRunFile(file: string, t: Trace, several: boolean, ext: string, stems?: ReadonlyMap<string, string>): string {
  let isDir = file.endsWith("/") || file.endsWith(path.sep);
  if (!isDir) {
    try {
      isDir = statSync(file).isDirectory();
    } catch {
      isDir = false;
    }
  }
  if (isDir) return path.join(file, `${runStem(t, stems)}${ext}`);
  if (!several) return file;
  const e = path.extname(file);
  return `${file.slice(0, file.length - e.length)}.${runStem(t, stems)}${e}`;
}

function writeFile(file: string, data: string): void {
  const dir = path.dirname(file);
  if (dir !== "") mkdirSync(dir, { recursive: true });
  writeFileSync(file, data);
}

function viewOf(file: string, trace: Trace, source: string | undefined, breakUsecs: number | undefined): string {
  const opts = breakUsecs !== undefined ? { breakUsecs } : {};
  const ext = path.extname(file).toLowerCase();
  if (ext === ".svg") return traceLadderSvg(trace, opts);
  if (ext === ".html" || ext === ".htm") return renderReportHtml(trace, { ...opts, ...(source !== undefined ? { source } : {}) });
  return traceLadderText(trace, opts);
}

export interface RunViewOptions {
  /** `-` for text on stdout, else a file (.svg SVG, anything else text). */
  readonly ladder?: string;
  /** A JSON file of the trace. */
  readonly trace?: string;
  /** A directory for report pages (HTML + pcap beside, and index.html). */
  readonly report?: string;
}

/** What `tcpdrill run` writes for each run besides its verdict line. */
export class RunViews {
  private readonly pages: { trace: Trace; href: string }[] = [];

  constructor(
    private readonly options: RunViewOptions,
    private readonly total: number,
    private readonly io: CliIo,
    /** The invocation's script name parts (scriptStems). */
    private readonly stems?: ReadonlyMap<string, string>,
  ) {}

  save(r: JobResult): void {
    const t = r.trace;
    const several = this.total > 1;
    const { ladder, trace, report } = this.options;
    if (ladder === "-") this.io.stdout.write(traceLadderText(t).replace(/^(?=.)/gm, "    "));
    else if (ladder !== undefined) {
      const file = perRunFile(ladder, t, several, ".svg", this.stems);
      writeFile(file, viewOf(file, t, r.source, undefined));
    }
    if (trace !== undefined) writeFile(perRunFile(trace, t, several, ".json", this.stems), JSON.stringify(t, null, 1) + "\n");
    if (report !== undefined) {
      mkdirSync(report, { recursive: true });
      const stem = runStem(t, this.stems);
      let pcapHref: string | undefined;
      if (t.entries.some((e) => e.kind === "inject" || e.kind === "sniff")) {
        writeTracePcap(t, path.join(report, `${stem}.pcap`));
        pcapHref = `${stem}.pcap`;
      }
      const page = renderReportHtml(t, { ...(r.source !== undefined ? { source: r.source } : {}), ...(pcapHref !== undefined ? { pcapHref } : {}), indexHref: "index.html" });
      writeFileSync(path.join(report, `${stem}.html`), page);
      this.pages.push({ trace: t, href: `${stem}.html` });
    }
  }

  /** Writes the report's index page (after every run). */
  finish(): void {
    if (this.options.report === undefined || this.pages.length === 0) return;
    const order = (p: { trace: Trace }) => `${p.trace.script} ${p.trace.mode} ${p.trace.target}`;
    writeFileSync(path.join(this.options.report, "index.html"), renderReportIndex([...this.pages].sort((a, b) => (order(a) < order(b) ? -1 : 1))));
  }
}

/** A Trace read back from JSON (a single trace or an array of them), checked only for its shape. */
export function readTraces(file: string): Trace[] {
  const data: unknown = JSON.parse(readFileSync(file, "utf8"));
  const list = Array.isArray(data) ? data : [data];
  for (const t of list) {
    const o = t as Partial<Trace> | null;
    if (o === null || typeof o !== "object" || typeof o.script !== "string" || !Array.isArray(o.entries) || typeof o.verdict !== "string") {
      throw new Error(`${file} is not a tcpdrill trace (tcpdrill run --trace FILE writes one)`);
    }
  }
  return list as Trace[];
}

export async function ladderCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = commandLine(
    "ladder",
    USAGE,
    io,
    () => parseArgs({ args: argv, allowPositionals: true, strict: true, options: { output: { type: "string", short: "o" }, break: { type: "string" }, help: { type: "boolean", short: "h" } } }),
    "trace",
  );
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const breakSecs = values.break !== undefined ? Number(values.break) : undefined;
  if (breakSecs !== undefined && (!Number.isFinite(breakSecs) || breakSecs <= 0)) {
    io.stderr.write(`tcpdrill ladder: --break takes a positive number of seconds, got '${values.break}'\n`);
    return 2;
  }
  const breakUsecs = breakSecs !== undefined ? breakSecs * 1e6 : undefined;
  let traces: Trace[];
  try {
    traces = positionals.flatMap(readTraces);
  } catch (e) {
    io.stderr.write(`tcpdrill ladder: ${(e as Error).message}\n`);
    return 2;
  }
  const stems = scriptStems(traces.map((t) => t.script));
  for (const t of traces) {
    let source: string | undefined;
    try {
      source = readFileSync(t.script, "utf8");
    } catch {
      source = undefined;
    }
    if (values.output === undefined || values.output === "-") {
      io.stdout.write(viewOf("-", t, source, breakUsecs));
      continue;
    }
    const file = perRunFile(values.output, t, traces.length > 1, ".svg", stems);
    writeFile(file, viewOf(file, t, source, breakUsecs));
    io.stdout.write(`wrote ${file}\n`);
  }
  return 0;
}
