/**
 * Top-level rules: the script, its `--options`, init/cleanup commands, events and event times.
 * Each `parseX` implements the packetdrill grammar rule quoted in its comment (parser.y).
 */
import type { Span } from "../diagnostics/types";
import type { CodeEvent, CommandEvent, CommandSpec, Event, EventTime, Script, ScriptOption } from "./ast";
import { parsePacketSpec } from "./parse-packet";
import { parseSyscallSpec } from "./parse-syscall";
import { ParserCore, SyntaxAbort } from "./parser-core";
import type { Token } from "./tokens";

export interface ScriptParseResult {
  readonly script: Script;
  /** The `--ip_version` the script asked for, if any (the caller's choice wins). */
  readonly scriptIpVersion?: string;
}

/**
 * script
 *   : opt_options opt_init_command events opt_cleanup_command
 */
export function parseScriptRule(p: ParserCore, callerDefines: ReadonlySet<string>): ScriptParseResult {
  const options = parseOptions(p);
  // packetdrill applies in-script options (notably --define) once the options are parsed; the
  // command line's -D wins over the script's.
  let scriptIpVersion: string | undefined;
  for (const o of options) {
    if (o.name === "define" && o.value) {
      const eq = o.value.text.indexOf("=");
      if (eq > 0 && !callerDefines.has(o.value.text.slice(0, eq))) {
        p.defines.set(o.value.text.slice(0, eq), o.value.text.slice(eq + 1));
      }
    }
    if (o.name === "ip_version" && o.value) scriptIpVersion = o.value.text;
  }

  let initCommand: CommandSpec | undefined;
  if (p.isKind("command")) initCommand = parseCommandSpec(p);

  const events: Event[] = [];
  let cleanupCommand: CommandSpec | undefined;
  while (!p.isKind("eof")) {
    const startIndex = p.consumed;
    try {
      if (p.isKind("command")) {
        const cmd = parseCommandSpec(p);
        if (p.isKind("eof")) cleanupCommand = cmd;
        else {
          p.error(
            "E-untimed-command",
            "A command without a time is only allowed first (init command) or last (cleanup command); give it a time, e.g. `+0 `...``.",
            cmd.span,
          );
        }
        continue;
      }
      if (p.isKind("option")) {
        const opt = parseOption(p);
        p.error("E-option-position", `Option \`--${opt.name}\` must come before the first event.`, opt.span);
        continue;
      }
      events.push(parseEvent(p));
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e;
      recover(p, startIndex);
    }
  }
  // An empty script is an error of its own only when no other error already explains it.
  if (events.length === 0 && !p.diagnostics.some((d) => d.severity === "error")) {
    p.error("E-syntax", "Expected an event (e.g. `0 socket(...) = 3`), found end of file.", p.span(p.end, p.end));
  }
  const script: Script = {
    kind: "script",
    file: p.file,
    span: p.span(0, p.text.length),
    options,
    ...(initCommand ? { initCommand } : {}),
    events,
    ...(cleanupCommand ? { cleanupCommand } : {}),
  };
  return scriptIpVersion === undefined ? { script } : { script, scriptIpVersion };
}

/**
 * Skips to the next plausible event start: a token that begins a line and can begin an event
 * (a time, `+`, `*`, a command or an option), always making progress.
 */
function recover(p: ParserCore, eventStart: number): void {
  if (p.consumed === eventStart) p.next();
  while (!p.isKind("eof")) {
    const t = p.peek();
    if (t.lineStart && isEventStart(t)) return;
    p.next();
  }
}

function isEventStart(t: Token): boolean {
  if (t.kind === "int" || t.kind === "float" || t.kind === "command" || t.kind === "option") return true;
  return t.kind === "punct" && (t.text === "+" || t.text === "*");
}

/**
 * opt_options : | options
 * options     : option | options option
 */
function parseOptions(p: ParserCore): ScriptOption[] {
  const options: ScriptOption[] = [];
  while (p.isKind("option")) {
    const startIndex = p.consumed;
    try {
      options.push(parseOption(p));
    } catch (e) {
      if (!(e instanceof SyntaxAbort)) throw e;
      recover(p, startIndex);
    }
  }
  return options;
}

/**
 * option       : option_flag '=' option_value | option_flag
 * option_value : INTEGER | WORD | STRING | IPV4_ADDR | IPV6_ADDR | IPV4 | IPV6
 *              | WORD '=' WORD | WORD '=' STRING | WORD '=' BACK_QUOTED
 */
function parseOption(p: ParserCore): ScriptOption {
  const flag = p.expectKind("option", "an option `--name[=value]`");
  if (!p.isPunct("=")) return { kind: "option", name: flag.text, span: p.tokenSpan(flag) };
  p.next();
  const v = p.peek();
  const what = "an option value (a number, word, \"string\" or address)";
  let text: string;
  let quoted = false;
  switch (v.kind) {
    case "int":
    case "ipv4":
    case "ipv6":
      text = v.text;
      p.next();
      break;
    case "keyword":
      if (v.text !== "ipv4" && v.text !== "ipv6") p.fail(what);
      text = v.text;
      p.next();
      break;
    case "string":
      text = v.text;
      quoted = true;
      p.next();
      break;
    case "word": {
      p.next();
      text = v.text;
      if (p.eatPunct("=")) {
        const r = p.peek();
        if (r.kind === "word") text = `${v.text}=${r.text}`;
        else if (r.kind === "string") text = `${v.text}="${r.text}"`;
        else if (r.kind === "command") text = `${v.text}=\`${r.text}\``;
        else p.fail('a define value (a word, "string" or `command`)');
        p.next();
      }
      break;
    }
    default:
      p.fail(what);
  }
  const span = p.span(v.start);
  if (flag.text === "ip_version" && text === "ipv4" && p.isPunct("-") && p.peek().start === p.end) {
    p.fail("the end of the option", p.peek(), [
      { message: "packetdrill reads `ipv4-mapped-ipv6` as `ipv4` `-` `mapped`...; this mode can only be chosen on the command line" },
    ]);
  }
  return { kind: "option", name: flag.text, value: { text, quoted, span }, span: p.span(flag.start) };
}

/**
 * event  : event_time action
 * action : packet_spec | syscall_spec | command_spec | code_spec
 */
function parseEvent(p: ParserCore): Event {
  const start = p.peek().start;
  const time = parseEventTime(p);
  const t = p.peek();
  if (t.kind === "punct" && (t.text === "<" || t.text === ">")) {
    const packet = parsePacketSpec(p);
    return { kind: "packet", time, packet, span: p.span(start) };
  }
  if (t.kind === "command") {
    const command = parseCommandSpec(p);
    return { kind: "command", time, command, span: p.span(start) } satisfies CommandEvent;
  }
  if (t.kind === "code") {
    p.next();
    return { kind: "code", time, code: t.text, span: p.span(start) } satisfies CodeEvent;
  }
  if (t.kind === "word" || t.kind === "ellipsis") {
    const call = parseSyscallSpec(p);
    return { kind: "syscall", time, call, span: p.span(start) };
  }
  return p.fail("a packet (`<` or `>`), a system call, a `command` or a %{ code }% block");
}

/**
 * event_time
 *   : '+' time | time | '*' | time '~' time | '+' time '~' '+' time
 */
function parseEventTime(p: ParserCore): EventTime {
  const start = p.peek().start;
  const what = "an event time (e.g. `0`, `+.1`, `*`)";
  if (p.eatPunct("*")) return { kind: "any", span: p.span(start) };
  if (p.eatPunct("+")) {
    const offset = p.expectTime();
    if (!p.eatPunct("~")) return { kind: "relative", offset, span: p.span(start) };
    p.expectPunct("+", "`+` (both ends of a relative time range are relative, `+a~+b`)");
    const end = p.expectTime();
    return { kind: "relative-range", start: offset, end, span: p.span(start) };
  }
  const t = p.peek();
  if (t.kind !== "int" && t.kind !== "float") p.fail(what);
  const at = p.expectTime();
  if (!p.eatPunct("~")) return { kind: "absolute", at, span: p.span(start) };
  const end = p.expectTime();
  return { kind: "absolute-range", start: at, end, span: p.span(start) };
}

/**
 * command_spec : BACK_QUOTED
 */
export function parseCommandSpec(p: ParserCore): CommandSpec {
  const t = p.expectKind("command", "a `command`");
  const cs = t.contentStart ?? t.start;
  const ce = t.contentEnd ?? t.end;
  const variables: { name: string; span: Span }[] = [];
  if (t.define === undefined) {
    const re = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
    for (let m = re.exec(t.text); m; m = re.exec(t.text)) {
      variables.push({ name: (m[1] ?? m[2])!, span: p.span(cs + m.index, cs + m.index + m[0].length) });
    }
  }
  return {
    kind: "command",
    text: t.text,
    textSpan: p.span(cs, ce),
    variables,
    ...(t.define !== undefined ? { define: t.define } : {}),
    span: p.tokenSpan(t),
  };
}
