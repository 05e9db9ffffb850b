/**
 * A ladder diagram for terminals (`tcpdrill run --ladder -`), aligned in 100 columns:
 *
 *      time line                    kernel (local) │          │ script (remote)
 *  0.000000   9                  listen(3, 1) = 0 ●          │
 *                                   fd 3 → LISTEN ╪          │
 *            12                                   │<─────────│ S 0:0(0) win 65535 <mss 1460>
 *            13                                   │─────────>│ S. 0:0(0) ack 1 <mss 1460>
 *
 * Syscalls and states on the kernel's side, segments as arrows with their script notation to the
 * right of the script's line (wrapped at option boundaries), a failing line's actual segment
 * drawn `━━━>` and the expected one `╌╌╌>` under it, long idle gaps as a `≈` break.
 */
import * as path from "node:path";
import { gapText, ladderLayout, ladderSecs, returnLabel, segmentLabel, stateOwner, syscallLabel, type LadderLayout, type LadderOptions, type LadderRow, type LadderStep } from "../../lib/report/ladder-layout";
import type { Trace } from "../../lib/trace/types";
import { assertNever } from "../../lib/util/assert-never";

export const LADDER_TEXT_WIDTH = 100;
const TIME_W = 10;
const LINE_W = 3;
const LEFT_W = 32;
const ARROW_W = 10;
const PREFIX_W = TIME_W + 1 + LINE_W + 1;
const LABEL_W = LADDER_TEXT_WIDTH - PREFIX_W - LEFT_W - 1 - 1 - ARROW_W - 1 - 1;

/** Splits `s` into pieces of at most `width`, preferring breaks after a space or comma. */
export function wrap(s: string, width: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > width) {
    // Options start on their own line when the header fits: `S. 0:0(0) ack 1 win 65160` / `<mss …>`.
    const lt = rest.lastIndexOf(" <", width);
    let cut = lt > width / 3 ? lt + 1 : -1;
    for (let i = width; cut < 0 && i > width / 3; i--) {
      const c = rest[i - 1];
      if (c === " " || c === ",") {
        cut = i;
        break;
      }
    }
    if (cut < 0) cut = width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

interface Cells {
  time?: string;
  line?: number;
  left?: string;
  localMark?: string;
  arrow?: string;
  remoteMark?: string;
  label?: string;
}

function compose(c: Cells): string {
  const time = (c.time ?? "").padStart(TIME_W);
  const line = (c.line !== undefined ? String(c.line) : "").padStart(LINE_W);
  const left = (c.left ?? "").padStart(LEFT_W);
  const arrow = c.arrow ?? " ".repeat(ARROW_W);
  const s = `${time} ${line} ${left} ${c.localMark ?? "│"}${arrow}${c.remoteMark ?? "│"}${c.label !== undefined ? ` ${c.label}` : ""}`;
  return s.trimEnd();
}

function arrowOf(row: Extract<LadderRow, { kind: "segment" }>): string {
  const fill = { normal: "─", unexpected: "┄", actual: "━", expected: "╌", missing: "╌" }[row.style];
  const body = fill.repeat(ARROW_W - 1);
  return row.dir === "out" ? body + ">" : "<" + body;
}

/** Lines of one row; `time` only when it differs from the previous row's. */
function rowLines(row: LadderRow, time: string | undefined): string[] {
  switch (row.kind) {
    case "segment": {
      const label = segmentLabel(row);
      const first = wrap(label, LABEL_W)[0]!;
      const rest = label.slice(first.length).trimStart();
      const parts = [first, ...(rest !== "" ? wrap(rest, LABEL_W - 2) : [])];
      return parts.map((p, i) => (i === 0 ? compose({ ...(time !== undefined ? { time } : {}), ...(row.line !== undefined ? { line: row.line } : {}), arrow: arrowOf(row), label: p }) : compose({ label: `  ${p}` })));
    }
    case "syscall":
    case "command": {
      // The errno's description and a long command's tail say nothing the diagram needs.
      const label = row.kind === "syscall" ? syscallLabel(row) : clip(`\`${row.text}\``, LEFT_W - 4) + ` → ${row.status}`;
      const parts = wrap(`${row.failed ? "✗ " : ""}${label}`, LEFT_W);
      return parts.map((p, i) => compose({ ...(i === 0 && time !== undefined ? { time } : {}), ...(i === 0 ? { line: row.line } : {}), left: p, localMark: i === 0 ? "●" : "│" }));
    }
    case "return":
      return wrap(`${row.failed ? "✗ " : ""}↩ ${returnLabel(row)}`, LEFT_W).map((p, i) => compose({ ...(i === 0 && time !== undefined ? { time } : {}), ...(i === 0 ? { line: row.line } : {}), left: p, localMark: i === 0 ? "○" : "│" }));
    case "state":
      return [compose({ ...(time !== undefined ? { time } : {}), left: `${stateOwner(row.fd)} → ${row.state}`, localMark: "╪" })];
    case "released":
      return [compose({ ...(time !== undefined ? { time } : {}), left: `fd ${row.fd} closed (state not seen)`, localMark: "┆" })];
    case "note":
      return wrap(`note: ${row.text}`, LABEL_W).map((p, i) => compose({ ...(i === 0 && time !== undefined ? { time } : {}), label: p }));
    case "failure":
      return wrap(`✗ ${row.line !== undefined ? `line ${row.line}: ` : ""}${row.code}: ${row.text}`, LADDER_TEXT_WIDTH - 4).map((p, i) => `${i === 0 ? "  " : "    "}${p}`);
    default:
      return assertNever(row, "ladder row");
  }
}

function gapLines(step: LadderStep): string[] {
  switch (step.gap.kind) {
    case "none":
      return [];
    case "time":
      return Array.from({ length: step.gap.usecs >= 100_000 ? 2 : step.gap.usecs >= 10_000 ? 1 : 0 }, () => compose({}));
    case "break":
      return [compose({}), compose({ localMark: "≈", remoteMark: "≈", label: `${gapText(step.gap.usecs)} later (not to scale)` }), compose({})];
    default:
      return assertNever(step.gap, "gap");
  }
}

export function renderLadderText(layout: LadderLayout): string {
  const out: string[] = [];
  out.push(`${path.basename(layout.script)} (${layout.mode}, ${layout.target}): ${layout.verdict.toUpperCase()}`);
  out.push(`${"time".padStart(TIME_W)} line${"kernel (local)".padStart(LEFT_W - (4 - LINE_W) + 1)} │${" ".repeat(ARROW_W)}│ script (remote)`);
  let lastTime: string | undefined;
  for (const step of layout.steps) {
    out.push(...gapLines(step));
    const t = ladderSecs(step.row.time);
    const show = t !== lastTime && step.row.kind !== "failure";
    out.push(...rowLines(step.row, show ? t : undefined));
    if (show) lastTime = t;
  }
  return out.join("\n") + "\n";
}

export function traceLadderText(trace: Trace, options?: LadderOptions): string {
  return renderLadderText(ladderLayout(trace, options));
}
