/**
 * Parser benchmark: 100,000 mutated scripts (the fuzz spec's mutator and invariants), then the
 * time to parse the whole shared corpus in every mode its file name allows, cold (first pass) and
 * warm. The last line reads `parse: corpus <ms> ms for <n> scripts` (the cold pass).
 *
 * Usage: npx tsx bench/parse.ts [runs] [seed]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseScript } from "../lib/script/parse";
import { corpusPresent, corpusScripts, definesFor, FIXTURES, modesFor, readCorpus, CORPUS } from "../specs/lib/script/corpus-helper";
import { checkMutant, mutate, prepareSource, rng } from "../specs/lib/script/fuzz-helper";

const runs = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 1);

function corpusPass(scripts: readonly { file: string; text: string }[]): { ms: number; parses: number; errors: number } {
  const t0 = performance.now();
  let parses = 0;
  let errors = 0;
  for (const { file, text } of scripts) {
    for (const mode of modesFor(file)) {
      const r = parseScript(text, { file, ipVersion: mode, defines: definesFor(mode) });
      parses++;
      if (!r.script) errors++;
    }
  }
  return { ms: performance.now() - t0, parses, errors };
}

function main(): void {
  const hasCorpus = corpusPresent();
  const scripts = hasCorpus ? corpusScripts().map((file) => ({ file, text: readCorpus(file) })) : [];

  // Cold pass first, before the fuzz loop warms the JIT up: what `tcpdrill check` on the corpus costs.
  const cold = hasCorpus ? corpusPass(scripts) : undefined;

  const texts = fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".pkt"))
    .map((f) => fs.readFileSync(path.join(FIXTURES, f), "utf8"));
  texts.push(...scripts.map((s) => s.text));
  const sources = texts.map(prepareSource);
  const rand = rng(seed);
  let bytes = 0;
  let problems = 0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const mutant = mutate(sources[Math.floor(rand() * sources.length)]!, rand);
    bytes += mutant.length;
    const mode = (["ipv4", "ipv4-mapped-ipv6", "ipv6"] as const)[i % 3];
    const problem = checkMutant(mutant, { ipVersion: mode, defines: definesFor(mode) });
    if (problem) {
      problems++;
      if (problems <= 3) console.log(`problem in mutant ${i}: ${problem}\n--- mutant:\n${mutant}\n`);
    }
  }
  const fuzzMs = performance.now() - t0;
  console.log(
    `parse: fuzz ${runs} mutants (seed ${seed}, ${(bytes / runs).toFixed(0)} bytes avg) in ${fuzzMs.toFixed(0)} ms, ` +
      `${((fuzzMs * 1000) / runs).toFixed(1)} us each, ${problems} problems`,
  );
  if (!cold) {
    console.log(`parse: corpus not present at ${CORPUS}; corpus timing skipped`);
    return;
  }
  const warm = corpusPass(scripts);
  const kb = scripts.reduce((n, s) => n + s.text.length, 0) / 1024;
  console.log(
    `parse: corpus warm ${warm.ms.toFixed(1)} ms for ${warm.parses} parses (${scripts.length} scripts x modes, ${kb.toFixed(0)} KiB), ` +
      `${warm.errors} rejected as packetdrill does`,
  );
  console.log(`parse: corpus ${cold.ms.toFixed(1)} ms for ${scripts.length} scripts`);
  if (problems > 0) process.exitCode = 1;
}

main();
