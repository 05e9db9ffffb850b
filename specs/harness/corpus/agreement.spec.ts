/**
 * A slice of the upstream packetdrill corpus, run as bench/corpus.ts runs all of it, must get
 * packetdrill's own verdicts (verdicts.tsv): the same verdict, and for failures the same line and
 * field. The slice covers what corpus mode depends on and is not timing-sensitive: the staged
 * helpers (set_sysctls stand-in), command-line addresses overriding a script's (TFO cookies),
 * per-mode defines (CODE undefined in ipv6), sequence and payload mismatches, Python blocks,
 * splice. The whole corpus is a bench (bench/corpus.ts), not a test.
 */
import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { captureIo } from "../../../harness/cli/io";
import { runCommand } from "../../../harness/cli/run";
import { stageCorpus } from "../../../harness/corpus/stage";
import { compareVerdicts, parseVerdicts } from "../../../lib/corpus/verdicts";
import { requireKernel } from "../../helpers/kernel";

const CORPUS = path.resolve(__dirname, "../../../../shared/corpus/packetdrill");
const SLICE = [
  "tcp/nagle/https_client.pkt",
  "tcp/fastopen/server/simple1.pkt",
  "tcp/ts_recent/invalid_ack.pkt",
  "tcp/epoll/epoll_out_edge.pkt",
  "tcp/fastopen/server/icmp-baseline.pkt",
  "tcp/tcp_info/tcp-info-last_data_recv.pkt",
  "tcp/splice/tcp_splice_loop_test.pkt",
];

describe("harness/corpus: agreement with packetdrill on a corpus slice (kernel)", function () {
  this.timeout(120_000);
  it(`${SLICE.length} scripts in every run_all.py mode get packetdrill's verdicts and first errors`, async function () {
    if (!existsSync(path.join(CORPUS, "verdicts.tsv"))) {
      console.log(`      pending: the upstream corpus is not at ${CORPUS}`);
      this.skip();
    }
    requireKernel(this);
    const staged = stageCorpus(CORPUS);
    const cwd = process.cwd();
    try {
      process.chdir(staged.root);
      const tsv = path.join(staged.root, "slice.tsv");
      const io = captureIo();
      await runCommand(["--variants", "all", "--cc", "cubic", "--allow_unexpected", "--results", "off", "--tsv", tsv, ...SLICE], io);
      const expected = parseVerdicts(readFileSync(path.join(CORPUS, "verdicts.tsv"), "utf8")).rows.filter((r) => SLICE.includes(r.script));
      const actual = parseVerdicts(readFileSync(tsv, "utf8")).rows;
      const r = compareVerdicts(expected, actual);
      expect(r.total).to.equal(21);
      expect(r.disagreements, io.out()).to.deep.equal([]);
    } finally {
      process.chdir(cwd);
      staged.remove();
    }
  });
});
