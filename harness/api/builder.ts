/**
 * A fluent builder for specs written in TypeScript. It writes packetdrill text, one event per
 * line, and hands it to the same parser and runner as a .pkt file: errors are the same
 * diagnostics, with file:line:col into the generated text plus a note naming the TS call site.
 *
 *     const trace = await script("handshake")
 *       .at(0).call("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3")
 *       .at("+0").inject("S 0:0(0) win 65535 <mss 1460>")
 *       .expect("S. 0:0(0) ack 1 <mss 1460>")          // no .at(): `+0`
 *       .run({ target: "model" });
 */
import * as path from "node:path";
import type { Diagnostic } from "../../lib/diagnostics/types";
import { parseScript, type ParseResult } from "../../lib/script/parse";
import type { IpMode } from "../../lib/script/ast";
import { callerSite, formatCallSite, type CallSite } from "./call-site";
import { runSource, type RunSourceOptions, type SpecTrace } from "./run-source";

/** A time as packetdrill writes it: a number is absolute seconds, a string is verbatim (`+.1`, `*`, `0~0.2`). */
export type TimeSpec = number | string;

interface Line {
  readonly text: string;
  readonly site: CallSite | undefined;
}

export class ScriptBuilder {
  readonly name: string;
  private readonly lines: Line[] = [];
  private pending: string | undefined;
  private events = 0;
  private readonly origin: CallSite | undefined;

  constructor(name: string, origin?: CallSite) {
    this.name = name;
    this.origin = origin;
  }

  /** The generated text's file name in diagnostics: `<name>.pkt`. */
  get file(): string {
    return `${this.name}.pkt`;
  }

  /** `--name[=value]` (only before the first event, as in a .pkt file). */
  option(name: string, value?: string | number): this {
    return this.push(value === undefined ? `--${name}` : `--${name}=${value}`);
  }

  /** The time of the next event. Without it an event is at `0` (the first) or `+0`. */
  at(time: TimeSpec): this {
    this.pending = typeof time === "number" ? formatSeconds(time) : time;
    return this;
  }

  /** Shorthand for `.at("+secs")`. */
  after(secs: number): this {
    return this.at(`+${formatSeconds(secs)}`);
  }

  /** A system call and its expected result: `"connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)"`. */
  call(text: string): this {
    return this.event(text);
  }

  /** An inbound packet the runner injects (`<` is added): `"S 0:0(0) win 65535 <mss 1460>"`. */
  inject(text: string): this {
    return this.event(`< ${text}`);
  }

  /** An outbound packet the target must send (`>` is added): `"S. 0:0(0) ack 1 <...>"`. */
  expect(text: string): this {
    return this.event(`> ${text}`);
  }

  /** A shell command: timed after `.at()` or once events exist; before the first event, the init command. */
  shell(command: string): this {
    const text = `\`${command}\``;
    return this.events === 0 && this.pending === undefined ? this.push(text) : this.event(text);
  }

  /** Any script line verbatim (a comment, a code block, a whole event with its time). */
  line(text: string): this {
    if (/^\s*(?:[0-9.+*]|\.\.\.)/.test(text)) this.events++;
    return this.push(text);
  }

  /** The packetdrill text this builder stands for. */
  text(): string {
    return this.lines.map((l) => `${l.text}\n`).join("");
  }

  /** Parses the text for one IP mode; every diagnostic carries a note with its TS call site. */
  parse(mode: IpMode = "ipv4", defines: Readonly<Record<string, string>> = {}): ParseResult {
    const r = parseScript(this.text(), { file: this.file, ipVersion: mode, defines });
    return { ...r, diagnostics: r.diagnostics.map((d) => this.withCallSite(d)) };
  }

  /** Plays the script (default: model target, ipv4). The failure, if any, names the TS call site. */
  async run(options: RunSourceOptions = {}): Promise<SpecTrace> {
    const cwd = options.cwd ?? (this.origin !== undefined ? path.dirname(this.origin.file) : undefined);
    const trace = await runSource(this.text(), this.file, { ...options, ...(cwd !== undefined ? { cwd } : {}) });
    return trace.failure === undefined ? trace : { ...trace, failure: this.withCallSite(trace.failure) };
  }

  /** Adds "written at file.ts:L:C" to a diagnostic whose span is a line of this builder's text. */
  withCallSite(d: Diagnostic): Diagnostic {
    if (d.span === undefined || d.span.file !== this.file) return d;
    const site = this.lines[d.span.start.line - 1]?.site;
    if (site === undefined) return d;
    return { ...d, notes: [...(d.notes ?? []), { message: `written at ${formatCallSite(site)}` }] };
  }

  private event(body: string): this {
    const time = this.pending ?? (this.events === 0 ? "0" : "+0");
    this.pending = undefined;
    this.events++;
    return this.push(`${time} ${body}`);
  }

  private push(text: string): this {
    // One builder call is one script line; a newline would shift every later diagnostic's call site.
    if (/[\r\n]/.test(text)) throw new TypeError(`a script line cannot contain a line break: ${JSON.stringify(text)}`);
    this.lines.push({ text, site: callerSite() });
    return this;
  }
}

/** Starts a TS-built script; `name` names it in diagnostics (`name.pkt`) and traces. */
export function script(name: string): ScriptBuilder {
  return new ScriptBuilder(name, callerSite());
}

/** Seconds as packetdrill writes them: `0`, `0.1`, `1.25` (at most microsecond precision). */
export function formatSeconds(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) throw new RangeError(`not a script time: ${secs}`);
  const usecs = Math.round(secs * 1e6);
  const whole = Math.floor(usecs / 1e6);
  const frac = usecs % 1e6;
  return frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(6, "0").replace(/0+$/, "")}`;
}
