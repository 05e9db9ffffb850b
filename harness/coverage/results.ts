/**
 * Where the last run's results live. `tcpdrill run` and the mocha integration record every
 * script × mode × target they play; `tcpdrill coverage` reads the file to say whether the scripts
 * checking a requirement passed.
 *
 * Default: `.tcpdrill/last-run.json` under the directory the run starts from (the repository root
 * for `npm test`). TCPDRILL_RESULTS=<file> moves it; TCPDRILL_RESULTS=off (or `--results off`)
 * records nothing.
 */
import * as path from "node:path";

export const DEFAULT_RESULTS_FILE = path.join(".tcpdrill", "last-run.json");

/** The results file to use, or undefined when recording is off. */
export function resultsFile(option: string | undefined, env: Record<string, string | undefined> | undefined, cwd: string): string | undefined {
  const chosen = option ?? env?.["TCPDRILL_RESULTS"] ?? DEFAULT_RESULTS_FILE;
  if (chosen === "off" || chosen === "") return undefined;
  return path.resolve(cwd, chosen);
}
