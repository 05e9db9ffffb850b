/**
 * Reads the `// rfc9293:` headers of every script under a directory (I/O half of
 * lib/coverage/header.ts) and names them the way run records do.
 */
import { readFileSync } from "node:fs";
import type { Diagnostic } from "../../lib/diagnostics/types";
import { parseRequirementHeader } from "../../lib/coverage/header";
import type { SpecDeclaration } from "../../lib/coverage/report";
import { expandScripts } from "../cli/run-options";
import { scriptKey } from "../baseline/io";

export interface ScannedScripts {
  readonly specs: readonly SpecDeclaration[];
  /** Header problems, with the script text each one points into (for rendering). */
  readonly problems: readonly { readonly diagnostic: Diagnostic; readonly source: string }[];
}

export function scanRequirementHeaders(dir: string, cwd: string = process.cwd()): ScannedScripts {
  const specs: SpecDeclaration[] = [];
  const problems: { diagnostic: Diagnostic; source: string }[] = [];
  for (const file of expandScripts([dir])) {
    const source = readFileSync(file, "utf8");
    const key = scriptKey(file, cwd);
    const parsed = parseRequirementHeader(source, key);
    specs.push({ script: key, ids: parsed.ids, sections: parsed.sections });
    for (const diagnostic of parsed.diagnostics) problems.push({ diagnostic, source });
  }
  return { specs, problems };
}
