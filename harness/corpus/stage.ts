/**
 * Lays out the packetdrill corpus the way its scripts expect to find it. Upstream keeps the
 * scripts' helpers in gtests/net/tcp/common/ (scripts call `../common/defaults.sh` or
 * `../../common/set_sysctls.py` from their own directory); ../shared/corpus/packetdrill keeps
 * `common/` beside `tcp/` and ships no set_sysctls.py. The staged copy puts defaults.sh where the
 * scripts look and adds tcpdrill's set_sysctls stand-in (set_sysctls.sh), so each script runs
 * unmodified, from its own directory, as packetdrill ran it for verdicts.tsv.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface StagedCorpus {
  /** The staged root: `<root>/tcp/...` mirrors the corpus's `tcp/`. */
  readonly root: string;
  remove(): void;
}

export function stageCorpus(corpus: string, into?: string): StagedCorpus {
  const root = into ?? mkdtempSync(path.join(os.tmpdir(), "tcpdrill-corpus-"));
  const tcp = path.join(root, "tcp");
  cpSync(path.join(corpus, "tcp"), tcp, { recursive: true });
  // Scripts reach the helpers as `../common/…` from tcp/<topic>/ and tcp/<a>/<b>/ (upstream's
  // gtests/net/tcp/common/) and as `../../common/…` from tcp/<topic>/ (gtests/net/common/).
  for (const common of [path.join(tcp, "common"), path.join(root, "common")]) {
    mkdirSync(common, { recursive: true });
    const defaults = path.join(corpus, "common", "defaults.sh");
    if (existsSync(defaults)) install(defaults, path.join(common, "defaults.sh"));
    install(path.join(__dirname, "set_sysctls.sh"), path.join(common, "set_sysctls.py"));
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

function install(from: string, to: string): void {
  copyFileSync(from, to);
  chmodSync(to, 0o755);
}
