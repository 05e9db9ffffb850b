/** Golden fixture scripts (specs/fixtures/script): their options line, names, and checked output. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Diagnostic } from "../../../lib/diagnostics/types";
import { renderDiagnostic } from "../../../lib/diagnostics/render";
import type { IpMode } from "../../../lib/script/ast";
import { isIpMode, parseScript } from "../../../lib/script/parse";
import { FIXTURES } from "./corpus-helper";

export interface FixtureOptions {
  ipVersion?: IpMode;
  defines: Record<string, string>;
}

export function fixtureOptions(text: string): FixtureOptions {
  const first = text.split("\n", 1)[0] ?? "";
  const m = /^\/\/ check:(.*)$/.exec(first);
  const out: FixtureOptions = { defines: {} };
  if (!m) return out;
  const words = m[1]!.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith("--ip_version=")) {
      const mode = w.slice("--ip_version=".length);
      if (!isIpMode(mode)) throw new Error(`bad fixture mode ${mode}`);
      out.ipVersion = mode;
    } else if (w === "-D") {
      const [k, v] = words[++i]!.split("=");
      out.defines[k!] = v!;
    }
  }
  return out;
}

export function fixtureNames(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".pkt"))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function checkFixture(name: string): { text: string; diagnostics: readonly Diagnostic[]; rendered: string } {
  const text = fs.readFileSync(path.join(FIXTURES, `${name}.pkt`), "utf8");
  const opts = fixtureOptions(text);
  const r = parseScript(text, { file: `${name}.pkt`, ...(opts.ipVersion ? { ipVersion: opts.ipVersion } : {}), defines: opts.defines });
  const rendered = r.diagnostics.map((d) => `${renderDiagnostic(d, text)}\n`).join("");
  return { text, diagnostics: r.diagnostics, rendered };
}

