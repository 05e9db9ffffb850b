/**
 * A ladder diagram as a standalone SVG: the kernel's lifeline on the left, the script's on the
 * right, one slanted arrow per segment labelled in script notation, syscalls left of the kernel's
 * line, its TCP states as labels on the line where they change, long idle gaps as breaks.
 * Every element carries a `<title>` (line, time, and the model's rule id on model runs) shown on
 * hover, and a class naming what it is (`segment out actual`, `syscall`, `state`…) for specs and CSS.
 *
 * No external assets: the page it is inlined into (html.ts) works offline.
 */
import * as path from "node:path";
import {
  gapText,
  ladderLayout,
  ladderSecs,
  returnLabel,
  segmentLabel,
  stateOwner,
  syscallLabel,
  type LadderGap,
  type LadderLayout,
  type LadderOptions,
  type LadderRow,
} from "../../lib/report/ladder-layout";
import type { Trace } from "../../lib/trace/types";
import { assertNever } from "../../lib/util/assert-never";

const CHAR_W = 7.3; // 12px monospace advance (DejaVu Sans Mono 7.22, Liberation Mono 7.2)
const TIME_X = 74;
const LOCAL_X = 560;
const REMOTE_X = 1180;
const WIDTH = 1290;
const HEADER = 78;
const SLANT = 20;
const LINE_X = 108;
const BREAK_H = 46;
/** Characters that fit between the lifelines, left of the kernel's, and across the page. */
const ARROW_CHARS = Math.floor((REMOTE_X - LOCAL_X - 24) / CHAR_W);
const LEFT_CHARS = Math.floor((LOCAL_X - LINE_X - 24) / CHAR_W);
const WIDE_CHARS = Math.floor((WIDTH - TIME_X - 30) / CHAR_W);

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, Math.max(0, n - 1)) + "…";
}

/** Vertical space for a gap: small gaps grow with the square root of their length, long ones break. */
function gapHeight(gap: LadderGap): number {
  switch (gap.kind) {
    case "none":
      return 0;
    case "time":
      return Math.min(72, 6 * Math.sqrt(gap.usecs / 1000));
    case "break":
      return BREAK_H;
    default:
      return assertNever(gap, "gap");
  }
}

function rowHeight(row: LadderRow): number {
  switch (row.kind) {
    case "segment":
      return 44;
    case "syscall":
    case "command":
    case "return":
      return 22;
    case "state":
    case "released":
      return 26;
    case "note":
      return 20;
    case "failure":
      return 28;
    default:
      return assertNever(row, "ladder row");
  }
}

function title(parts: (string | undefined)[]): string {
  return `<title>${escapeXml(parts.filter((p) => p !== undefined).join("\n"))}</title>`;
}

function text(x: number, y: number, s: string, cls: string, anchor: "start" | "middle" | "end" = "start"): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" class="${cls}"${anchor !== "start" ? ` text-anchor="${anchor}"` : ""}>${escapeXml(s)}</text>`;
}

function drawRow(row: LadderRow, y: number): string {
  const where = (line: number | undefined): string | undefined => (line !== undefined ? `line ${line}` : undefined);
  switch (row.kind) {
    case "segment": {
      const label = segmentLabel(row);
      const [x1, x2] = row.dir === "out" ? [LOCAL_X, REMOTE_X] : [REMOTE_X, LOCAL_X];
      const y1 = y + 18;
      const y2 = y1 + SLANT;
      const head = row.dir === "out" ? x2 - 2 : x2 + 2;
      return (
        `<g class="segment ${row.dir} ${row.style}"${row.line !== undefined ? ` data-line="${row.line}"` : ""}>` +
        title([label, `${row.dir === "out" ? "kernel → script" : "script → kernel"} at ${ladderSecs(row.time)} s`, where(row.line), row.rule !== undefined ? `rule: ${row.rule}` : undefined]) +
        `<line x1="${x1}" y1="${y1.toFixed(1)}" x2="${head}" y2="${y2.toFixed(1)}" marker-end="url(#head-${row.style === "normal" ? row.dir : row.style})"/>` +
        text((LOCAL_X + REMOTE_X) / 2, y1 - 5, clip(label, ARROW_CHARS), "label", "middle") +
        `</g>`
      );
    }
    case "syscall": {
      const blocked = row.end - row.time > 1000 ? `returned at ${ladderSecs(row.end)} s` : undefined;
      const label = syscallLabel(row);
      return (
        `<g class="syscall${row.failed ? " failed" : ""}" data-line="${row.line}">` +
        title([label, `at ${ladderSecs(row.time)} s`, blocked, `returned ${row.ret}${row.errno !== undefined ? ` ${row.errno}` : ""}`, where(row.line)]) +
        `<circle cx="${LOCAL_X}" cy="${(y + 11).toFixed(1)}" r="3.5"/>` +
        text(LOCAL_X - 12, y + 15, clip(label, LEFT_CHARS), "call", "end") +
        `</g>`
      );
    }
    case "return": {
      const label = returnLabel(row);
      return (
        `<g class="return${row.failed ? " failed" : ""}" data-line="${row.line}">` +
        title([label, `at ${ladderSecs(row.time)} s, blocked since ${ladderSecs(row.start)} s`, where(row.line)]) +
        `<circle cx="${LOCAL_X}" cy="${(y + 11).toFixed(1)}" r="3.5"/>` +
        text(LOCAL_X - 12, y + 15, clip(`↩ ${label}`, LEFT_CHARS), "call", "end") +
        `</g>`
      );
    }
    case "command": {
      const label = `\`${row.text}\` → ${row.status}`;
      return `<g class="command${row.failed ? " failed" : ""}" data-line="${row.line}">${title([label, where(row.line)])}${text(LOCAL_X - 12, y + 15, clip(label, LEFT_CHARS), "cmd", "end")}</g>`;
    }
    case "state": {
      const label = `${row.state}`;
      const w = label.length * CHAR_W + 16;
      return (
        `<g class="state" data-fd="${row.fd}" data-state="${escapeXml(row.state)}">` +
        title([`${stateOwner(row.fd)}: ${row.state}`, `at ${ladderSecs(row.time)} s`, row.rule !== undefined ? `rule: ${row.rule}` : undefined]) +
        `<rect x="${(LOCAL_X - w / 2).toFixed(1)}" y="${(y + 4).toFixed(1)}" width="${w.toFixed(1)}" height="18" rx="9"/>` +
        text(LOCAL_X, y + 17, label, "statetext", "middle") +
        text(LOCAL_X - w / 2 - 8, y + 17, stateOwner(row.fd), "fd", "end") +
        `</g>`
      );
    }
    case "released": {
      const label = "closed";
      const w = label.length * CHAR_W + 16;
      return (
        `<g class="released" data-fd="${row.fd}">` +
        title([`close(${row.fd}) released the socket (last seen ${row.lastState}); its later states (FIN_WAIT_*, TIME_WAIT…) are not reported through the fd`]) +
        `<rect x="${(LOCAL_X - w / 2).toFixed(1)}" y="${(y + 4).toFixed(1)}" width="${w.toFixed(1)}" height="18" rx="9"/>` +
        text(LOCAL_X, y + 17, label, "statetext", "middle") +
        text(LOCAL_X - w / 2 - 8, y + 17, `fd ${row.fd}`, "fd", "end") +
        text(LOCAL_X + w / 2 + 8, y + 17, "state no longer visible to the runner", "fd") +
        `</g>`
      );
    }
    case "note":
      return `<g class="note">${title([row.text])}${text(TIME_X + 14, y + 14, clip(`note: ${row.text}`, WIDE_CHARS), "notetext")}</g>`;
    case "failure": {
      const label = `✗ ${row.line !== undefined ? `line ${row.line}: ` : ""}${row.text}`;
      return (
        `<g class="failure" data-code="${escapeXml(row.code)}">${title([`${row.code}: ${row.text}`, ...row.notes])}` +
        `<rect x="${TIME_X + 8}" y="${(y + 3).toFixed(1)}" width="${WIDTH - TIME_X - 16}" height="21" rx="3"/>` +
        text(TIME_X + 16, y + 18, clip(label, WIDE_CHARS - 2), "failtext") +
        `</g>`
      );
    }
    default:
      return assertNever(row, "ladder row");
  }
}

const STYLE = `
text{font-family:"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:12px;fill:#222}
.head{font-size:13px;font-weight:bold}
.sub{fill:#555}
.lane{stroke:#444;stroke-width:2}
.time{fill:#777;font-size:11px}
.lineno{fill:#999;font-size:11px}
.segment line{stroke-width:1.6}
.segment.out line{stroke:#1f5fa8}
.segment.out .label{fill:#1f4a80}
.segment.in line{stroke:#2b7a36}
.segment.in .label{fill:#24592c}
.segment.unexpected line{stroke:#d9822b;stroke-dasharray:2 3}
.segment.unexpected .label{fill:#a85d12}
.segment.actual line{stroke:#c62828;stroke-width:2.6}
.segment.actual .label{fill:#c62828;font-weight:bold}
.segment.expected line,.segment.missing line{stroke:#7b1fa2;stroke-width:2;stroke-dasharray:7 4}
.segment.expected .label,.segment.missing .label{fill:#7b1fa2;font-style:italic}
.label{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.syscall circle,.return circle{fill:#444}
.return circle{fill:#fff;stroke:#444;stroke-width:1.5}
.block{fill:#888;opacity:.35}
.syscall.failed circle{fill:#c62828}
.syscall.failed .call,.return.failed .call,.command.failed .cmd{fill:#c62828;font-weight:bold}
.cmd{fill:#777}
.state rect{fill:#fff6d5;stroke:#b8860b;stroke-width:1.2}
.statetext{font-weight:bold;fill:#6b4d00;font-size:11.5px}
.fd{fill:#a08a50;font-size:10px}
.released rect{fill:#f4f4f4;stroke:#999;stroke-dasharray:3 2}
.released .statetext{fill:#777;font-weight:normal;font-style:italic}
.notetext{fill:#777;font-style:italic}
.failure rect{fill:#fdecea;stroke:#c62828}
.failtext{fill:#b71c1c}
.break text{fill:#666;font-style:italic}
.break path{fill:none;stroke:#666;stroke-width:1.6}
.break .band{fill:#f1f1f1}
`;

function markers(): string {
  const colours: [string, string][] = [
    ["out", "#1f5fa8"],
    ["in", "#2b7a36"],
    ["unexpected", "#d9822b"],
    ["actual", "#c62828"],
    ["expected", "#7b1fa2"],
    ["missing", "#7b1fa2"],
  ];
  return colours
    .map(([name, fill]) => `<marker id="head-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" orient="auto-start-reverse" markerUnits="userSpaceOnUse"><path d="M0,0 L10,5 L0,10 z" fill="${fill}"/></marker>`)
    .join("");
}

function zigzag(x: number, y: number): string {
  return `<path d="M${x - 12},${y - 8} l24,0 M${x - 12},${y} l8,-6 l8,12 l8,-6 M${x - 12},${y + 8} l24,0"/>`;
}

/** The SVG document of a layout (no XML declaration: it is inlined into HTML as is). */
export function renderLadderSvg(layout: LadderLayout): string {
  const body: string[] = [];
  const lanes: [number, number][] = [];
  let laneStart = HEADER - 8;
  let y = HEADER;
  let lastTime: string | undefined;
  const callY = new Map<string, number>();
  for (const step of layout.steps) {
    if (step.gap.kind === "break") {
      const mid = y + BREAK_H / 2;
      lanes.push([laneStart, mid - 8]);
      laneStart = mid + 8;
      body.push(
        `<g class="break" data-usecs="${step.gap.usecs}">${title([`${gapText(step.gap.usecs)} idle, not drawn to scale`])}` +
          `<rect x="${TIME_X + 8}" y="${(mid - 11).toFixed(1)}" width="${WIDTH - TIME_X - 16}" height="22" class="band"/>` +
          zigzag(LOCAL_X, mid) +
          zigzag(REMOTE_X, mid) +
          text((LOCAL_X + REMOTE_X) / 2, mid + 4, `≈ ${gapText(step.gap.usecs)} later (not to scale)`, "", "middle") +
          `</g>`,
      );
    }
    y += gapHeight(step.gap);
    const t = ladderSecs(step.row.time);
    if (t !== lastTime && step.row.kind !== "failure") {
      body.push(text(TIME_X, y + (step.row.kind === "segment" ? 22 : 15), t, "time", "end"));
      lastTime = t;
    }
    const line = "line" in step.row && step.row.kind !== "failure" ? step.row.line : undefined;
    if (line !== undefined) body.push(text(LINE_X, y + (step.row.kind === "segment" ? 22 : 15), String(line), "lineno", "end"));
    if (step.row.kind === "syscall") callY.set(`${step.row.line}@${step.row.time}`, y + 11);
    if (step.row.kind === "return") {
      const from = callY.get(`${step.row.line}@${step.row.start}`);
      // The thread is inside the call meanwhile: a bar beside the kernel's line (it may span a break).
      if (from !== undefined) body.push(`<rect class="block" x="${LOCAL_X - 9}" y="${from.toFixed(1)}" width="4" height="${(y + 11 - from).toFixed(1)}"><title>blocked in line ${step.row.line}</title></rect>`);
    }
    body.push(drawRow(step.row, y));
    y += rowHeight(step.row);
  }
  y += 12;
  lanes.push([laneStart, y]);
  const height = Math.ceil(y + 10);
  const name = path.basename(layout.script);
  const verdict = layout.verdict.toUpperCase();
  const head =
    text(TIME_X - 60, 22, `${name} — ${layout.mode} — ${layout.target} — ${verdict}`, `head verdict-${layout.verdict}`) +
    text(TIME_X, HEADER - 16, "time/s", "sub", "end") +
    text(LINE_X, HEADER - 16, "line", "sub", "end") +
    text(LOCAL_X, HEADER - 16, "kernel (local)", "head", "middle") +
    text(REMOTE_X, HEADER - 16, "script (remote)", "head", "middle") +
    text(TIME_X - 60, 40, layout.target === "model" ? "reference model, virtual time — hover an arrow or a state for its rule" : "Linux kernel in a network namespace — hover for details", "sub");
  const laneLines = lanes
    .filter(([a, b]) => b > a)
    .map(([a, b]) => `<line class="lane" x1="${LOCAL_X}" y1="${a.toFixed(1)}" x2="${LOCAL_X}" y2="${b.toFixed(1)}"/><line class="lane" x1="${REMOTE_X}" y1="${a.toFixed(1)}" x2="${REMOTE_X}" y2="${b.toFixed(1)}"/>`)
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" data-verdict="${layout.verdict}">` +
    `<style>${STYLE}</style><defs>${markers()}</defs>` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    head +
    laneLines +
    body.join("") +
    `</svg>\n`
  );
}

export function traceLadderSvg(trace: Trace, options?: LadderOptions): string {
  return renderLadderSvg(ladderLayout(trace, options));
}
