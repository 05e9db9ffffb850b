/**
 * Reads the `// rfc9293:` headers of the conformance checks under a directory (I/O half of
 * lib/coverage/header.ts) and names them the way run records do. Two kinds count: every `.pkt`
 * script, and every TypeScript spec (`*.spec.ts`) whose header has an rfc9293 line — specs that
 * drive the targets directly where script syntax cannot say the thing (a corrupted checksum, an
 * ISN's clock).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { Diagnostic } from "../../lib/diagnostics/types";
import { parseRequirementHeader } from "../../lib/coverage/header";
import type { SpecDeclaration } from "../../lib/coverage/report";
import { scriptKey } from "../baseline/io";

export interface ScannedScripts {
  readonly specs: readonly SpecDeclaration[];
  /** Header problems, with the script text each one points into (for rendering). */
  readonly problems: readonly { readonly diagnostic: Diagnostic; readonly source: string }[];
}

/** `.pkt` scripts and `.spec.ts` files under dir, in name order. */
export function conformanceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...conformanceFiles(p));
    else if (name.endsWith(".pkt") || name.endsWith(".spec.ts")) out.push(p);
  }
  return out;
}

export function scanRequirementHeaders(dir: string, cwd: string = process.cwd()): ScannedScripts {
  const specs: SpecDeclaration[] = [];
  const problems: { diagnostic: Diagnostic; source: string }[] = [];
  for (const file of conformanceFiles(dir)) {
    const source = readFileSync(file, "utf8");
    const key = scriptKey(file, cwd);
    const parsed = parseRequirementHeader(source, key);
    const declares = parsed.ids.length > 0 || parsed.sections.length > 0 || parsed.diagnostics.length > 0;
    if (file.endsWith(".spec.ts") && !declares) continue;
    specs.push({ script: key, ids: parsed.ids, sections: parsed.sections });
    for (const diagnostic of parsed.diagnostics) problems.push({ diagnostic, source });
  }
  return { specs, problems };
}
