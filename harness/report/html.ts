/**
 * One self-contained HTML page per run (`tcpdrill run --report DIR`): the verdict, the failure as
 * the CLI prints it, the ladder diagram inlined as SVG, the script with its failing line marked,
 * and a link to the run's pcap written beside the page. No external assets, no scripts, no network.
 */
import * as path from "node:path";
import { renderDiagnostic } from "../../lib/diagnostics/render";
import type { Trace } from "../../lib/trace/types";
import { ladderLayout, ladderSecs, type LadderOptions } from "../../lib/report/ladder-layout";
import { escapeXml, renderLadderSvg } from "./ladder-svg";

export interface ReportPageOptions extends LadderOptions {
  /** The script's text (for the listing); without it the listing is left out. */
  readonly source?: string;
  /** Relative link to the run's pcap, when one was written. */
  readonly pcapHref?: string;
  /** Relative link back to an index page. */
  readonly indexHref?: string;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 6px}
.meta{color:#555;margin-bottom:14px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:bold;color:#fff}
.verdict.pass{background:#2e7d32}.verdict.fail{background:#c62828}.verdict.error{background:#b26a00}
pre{font-family:"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:12.5px}
pre.failure{background:#fdecea;border-left:4px solid #c62828;padding:10px 12px;overflow-x:auto}
.ladder-box{overflow-x:auto;background:#fff;border:1px solid #ddd;padding:6px;margin:12px 0}
table.script{border-collapse:collapse;font-family:"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;font-size:12.5px;background:#fff;border:1px solid #ddd}
table.script td{padding:0 10px;white-space:pre;vertical-align:top}
table.script td.n{color:#999;text-align:right;user-select:none;border-right:1px solid #eee}
table.script tr.failing{background:#fdecea}
table.script tr.failing td.n{color:#c62828;font-weight:bold}
table.script tr.failing td.mark{color:#c62828;font-weight:bold}
a{color:#1f5fa8}
`;

export function reportTitle(trace: Trace): string {
  return `${path.basename(trace.script)} (${trace.mode}, ${trace.target})`;
}

function listing(source: string, failLine: number | undefined): string {
  const rows = source.replace(/\n$/, "").split("\n").map((text, i) => {
    const n = i + 1;
    const failing = n === failLine;
    return `<tr id="L${n}"${failing ? ' class="failing"' : ""}><td class="n">${n}</td><td class="mark">${failing ? "✗" : ""}</td><td>${escapeXml(text)}</td></tr>`;
  });
  return `<table class="script">${rows.join("")}</table>`;
}

export function renderReportHtml(trace: Trace, options: ReportPageOptions = {}): string {
  const layout = ladderLayout(trace, options);
  const failLine = trace.failure?.span?.start.line;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(`${trace.verdict.toUpperCase()} ${reportTitle(trace)}`)}</title><style>${CSS}</style></head><body>`);
  if (options.indexHref !== undefined) parts.push(`<p><a href="${escapeXml(options.indexHref)}">← all runs</a></p>`);
  parts.push(`<h1><span class="verdict ${trace.verdict}">${trace.verdict.toUpperCase()}</span> ${escapeXml(trace.script)}</h1>`);
  const facts = [
    `mode ${trace.mode}`,
    `target ${trace.target}`,
    `scripted ${ladderSecs(trace.scriptedUsecs)} s`,
    `wall ${trace.wallMs} ms`,
    ...(trace.epochMs !== undefined ? [`started ${new Date(trace.epochMs).toISOString()}`] : []),
  ];
  parts.push(`<div class="meta">${facts.map(escapeXml).join(" · ")}${options.pcapHref !== undefined ? ` · <a href="${escapeXml(options.pcapHref)}">packets (pcap)</a>` : ""}</div>`);
  if (trace.failure !== undefined) parts.push(`<pre class="failure">${escapeXml(renderDiagnostic(trace.failure, options.source))}</pre>`);
  if (layout.steps.length > 0) parts.push(`<h2>Ladder diagram</h2><div class="ladder-box">${renderLadderSvg(layout)}</div>`);
  if (options.source !== undefined) parts.push(`<h2>Script</h2>${listing(options.source, failLine)}`);
  parts.push(`</body></html>\n`);
  return parts.join("\n");
}

/** An index of report pages: one row per run with its verdict. */
export function renderReportIndex(runs: readonly { readonly trace: Trace; readonly href: string }[]): string {
  const rows = runs.map(
    (r) =>
      `<tr><td><span class="verdict ${r.trace.verdict}">${r.trace.verdict.toUpperCase()}</span></td><td><a href="${escapeXml(r.href)}">${escapeXml(r.trace.script)}</a></td><td>${r.trace.mode}</td><td>${r.trace.target}</td><td>${escapeXml(r.trace.failure?.message ?? "")}</td></tr>`,
  );
  const passed = runs.filter((r) => r.trace.verdict === "pass").length;
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>tcpdrill report</title><style>${CSS}td{padding:3px 10px}td:nth-child(2){white-space:nowrap}</style></head><body>` +
    `<h1>tcpdrill report</h1><div class="meta">${passed} passed, ${runs.length - passed} failed</div>` +
    `<table>${rows.join("")}</table></body></html>\n`
  );
}
