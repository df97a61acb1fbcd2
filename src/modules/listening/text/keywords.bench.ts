/**
 * Micro-benchmark, run by hand (not a test): extractKeywords over short Chinese and English reviews, and
 * detectNewWords over a Chinese corpus. Prints texts per wall second and per CPU second (the machine is shared).
 *
 *   node bin/kemai-dev.js src/modules/listening/text/keywords.bench.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractKeywords } from './keywords.js';
import { detectNewWords } from './newwords.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const data = path.resolve(repoRoot, '../shared/data');
const CALLS = 100_000;

/** The review column of `label,review` lines; quoting is left in, which does not matter for timing. */
function reviews(file: string, column: (line: string) => string): string[] {
  return fs.readFileSync(path.join(data, file), 'utf8').split('\n').slice(1).map(column).filter((text) => text !== '');
}

function timed(run: () => number): { wall: number; cpu: number; result: number } {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = run();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6, result };
}

const corpora = {
  'waimai_10k (zh)': reviews('chinese_sentiment/waimai_10k.csv', (line) => line.slice(2)),
  'amazon_cells (en)': reviews('english_sentiment/amazon_cells_labelled.txt', (line) => line.split('\t')[0]!),
};
for (const [name, texts] of Object.entries(corpora)) {
  for (const text of texts) extractKeywords(text); // warm-up
  const { wall, cpu, result } = timed(() => {
    let keywords = 0;
    for (let i = 0; i < CALLS; i++) keywords += extractKeywords(texts[i % texts.length]!).length;
    return keywords;
  });
  const chars = texts.reduce((sum, text) => sum + text.length, 0) / texts.length;
  console.log(
    `extractKeywords ${name}: ${CALLS} texts (avg ${chars.toFixed(1)} chars), ${Math.round(CALLS / wall)} texts/s wall, ` +
      `${Math.round(CALLS / cpu)} texts/CPU-s, ${(result / CALLS).toFixed(2)} keywords/text`,
  );
}
const shopping = reviews('chinese_sentiment/online_shopping_7_cats.csv', (line) => line);
const { wall, cpu, result } = timed(() => detectNewWords(shopping, { minCount: 10 }).length);
console.log(`detectNewWords online_shopping_7_cats: ${shopping.length} texts, ${result} new words, ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} CPU-s`);
