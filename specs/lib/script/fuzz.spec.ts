/**
 * Parser fuzzing: 10,000 mutated scripts per run (from the corpus when present, and always from
 * the golden fixtures). Never an uncaught exception, every diagnostic positioned inside the file,
 * and every mutant without errors prints back to the same tree. The seed is printed in the title;
 * FUZZ_SEED=<n> reproduces a run.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import type { IpMode } from "../../../lib/script/ast";
import { corpusPresent, corpusScripts, definesFor, FIXTURES, readCorpus } from "./corpus-helper";
import { checkMutant, mutate, prepareSource, rng, type Source } from "./fuzz-helper";

const RUNS = 10_000;
const MODES: readonly IpMode[] = ["ipv4", "ipv4-mapped-ipv6", "ipv6"];
const SEED = process.env["FUZZ_SEED"] ? Number(process.env["FUZZ_SEED"]) : Date.now() % 1_000_000;

describe("script: parser fuzzing", () => {
  it(`survives ${RUNS} mutated scripts with positioned diagnostics (seed ${SEED})`, function () {
    this.timeout(60_000);
    const texts = fs
      .readdirSync(FIXTURES)
      .filter((f) => f.endsWith(".pkt"))
      .map((f) => fs.readFileSync(path.join(FIXTURES, f), "utf8"));
    if (corpusPresent()) texts.push(...corpusScripts().map(readCorpus));
    const sources: Source[] = texts.map(prepareSource);
    const rand = rng(SEED);
    const failures: string[] = [];
    for (let i = 0; i < RUNS && failures.length < 3; i++) {
      const src = sources[Math.floor(rand() * sources.length)]!;
      const mutant = mutate(src, rand);
      const mode = MODES[Math.floor(rand() * MODES.length)]!;
      const problem = checkMutant(mutant, { ipVersion: mode, defines: definesFor(mode) });
      if (problem) failures.push(`${problem}\n--- mutant ${i}:\n${mutant}`);
    }
    expect(failures, failures.join("\n\n")).to.deep.equal([]);
  });
});
