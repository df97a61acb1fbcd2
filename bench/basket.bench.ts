/**
 * Basket rules (issue 8): FP-growth (src/modules/basket/domain/fpgrowth.ts) against a plain level-wise Apriori measured
 * in the same run on the same baskets (bench/support/basket-apriori.ts), checking both find the same itemsets with the
 * same counts; rule generation time; peak memory.
 *
 *   npm run bench:basket                 # Groceries at 0.1%, FIMI retail at 1%, 0.5%, 0.2%, 0.1%; writes bench/RESULTS.md
 *   npm run bench:basket -- --dry-run    # print only
 *   npm run bench:basket -- --runs 3     # FP-growth repetitions (default 5; the median is reported)
 *   npm run bench:basket -- --part recommend   # personal recommendations instead (bench/basket-personal.bench.ts)
 *
 * Each (data set, support, algorithm) runs in a child process of its own (node --expose-gc) that reads the baskets
 * already encoded (a binary file written here), collects garbage, notes its resident set size, mines, and reports its
 * peak resident set size (getrusage maxrss): the figure "above data" is that peak less the size before mining.
 */
import { execSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fpGrowth, generateRules, minCountFor, readBasketFile, type FrequentItemset, type Transactions } from '../src/modules/basket/index.js';
import { apriori } from './support/basket-apriori.js';
import { appendToSection } from './support/results.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS = path.join(HERE, 'RESULTS.md');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const MIN_CONFIDENCE = 0.5;

interface ChildResult {
  times: number[];
  ruleTimes: number[];
  itemsets: number;
  rules: number;
  maxLen: number;
  hash: string;
  rssBeforeMb: number;
  peakRssMb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const canonicalHash = (sets: FrequentItemset[]) =>
  crypto.createHash('sha256').update(sets.map((s) => `${s.items.join(' ')}:${s.count}`).sort().join('\n')).digest('hex');

function writeBinary(tx: Transactions, file: string): void {
  const head = Int32Array.from([tx.n, tx.labels.length, tx.items.length]);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(head.buffer), Buffer.from(tx.offsets.buffer, tx.offsets.byteOffset, tx.offsets.byteLength), Buffer.from(tx.items.buffer, tx.items.byteOffset, tx.items.byteLength)]));
}

function readBinary(file: string): Transactions {
  const buf = fs.readFileSync(file);
  const all = new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const [n, nLabels, nItems] = [all[0]!, all[1]!, all[2]!];
  return { n, labels: Array.from({ length: nLabels }, (_, i) => String(i)), offsets: all.slice(3, 3 + n + 1), items: all.slice(3 + n + 1, 3 + n + 1 + nItems) };
}

/** In the child: mine `runs` times, rules after each FP-growth run, memory around the first run. */
function child(algo: string, file: string, minCount: number, runs: number): void {
  const tx = readBinary(file);
  (globalThis as { gc?: () => void }).gc?.();
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const times: number[] = [];
  const ruleTimes: number[] = [];
  let sets: FrequentItemset[] = [];
  let rules = 0;
  let peakRssMb = 0;
  // Run 0 warms the JIT up and gives the peak memory; it is timed only when it is the one run (a slow Apriori).
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    sets = algo === 'fpgrowth' ? fpGrowth(tx, { minCount, maxLen: 10 }) : apriori(tx, minCount, 10);
    const ms = performance.now() - t0;
    if (r > 0) times.push(ms);
    if (algo === 'fpgrowth') {
      const t1 = performance.now();
      rules = generateRules(sets, tx.n, { minConfidence: MIN_CONFIDENCE, minLen: 1, maxLen: 10 }).length;
      if (r > 0) ruleTimes.push(performance.now() - t1);
    }
    if (r === 0) peakRssMb = process.resourceUsage().maxRSS / 1024;
    // Apriori is the slow side: its first run is enough when it takes more than 2 s.
    if (r === 0 && algo === 'apriori' && ms > 2000) {
      times.push(ms);
      break;
    }
  }
  const result: ChildResult = { times, ruleTimes, itemsets: sets.length, rules, maxLen: Math.max(0, ...sets.map((s) => s.items.length)), hash: canonicalHash(sets), rssBeforeMb, peakRssMb };
  process.stdout.write(JSON.stringify(result));
}

function runChild(algo: string, file: string, minCount: number, runs: number): ChildResult {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(ROOT, 'bin/kemai-dev.js'), fileURLToPath(import.meta.url), '--child', algo, file, String(minCount), String(runs)], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`child ${algo} ${minCount} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

async function main(): Promise<void> {
  const runs = Number(opt('runs', '5'));
  const dry = args.includes('--dry-run');
  const retailFile = [path.resolve(ROOT, '../shared/data/retail_fimi/retail.dat.gz'), '/tmp/shared/data/retail_fimi/retail.dat.gz'].find((f) => fs.existsSync(f));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-basket-'));
  const load0 = os.loadavg()[0]!;
  const started = new Date();
  const sets: { name: string; file: string; supports: number[] }[] = [{ name: 'Groceries', file: path.join(ROOT, 'tests/fixtures/groceries/groceries.csv'), supports: [0.001] }];
  if (retailFile) sets.push({ name: 'FIMI retail', file: retailFile, supports: [0.01, 0.005, 0.002, 0.001] });
  else console.warn('FIMI retail not found (../shared/data/retail_fimi/retail.dat.gz): Groceries only');

  const rows: string[] = [];
  const reads: string[] = [];
  for (const s of sets) {
    const t0 = performance.now();
    const { tx } = await readBasketFile(s.file, { format: 'baskets' });
    const readMs = performance.now() - t0;
    reads.push(`${s.name}: ${tx.n.toLocaleString('en')} baskets, ${tx.labels.length.toLocaleString('en')} items, ${tx.items.length.toLocaleString('en')} item occurrences, read and encoded in ${(readMs / 1000).toFixed(2)} s`);
    const bin = path.join(work, `${s.name.replace(/\W+/g, '-')}.bin`);
    writeBinary(tx, bin);
    for (const support of s.supports) {
      const minCount = minCountFor(support, tx.n);
      const fp = runChild('fpgrowth', bin, minCount, runs);
      const ap = runChild('apriori', bin, minCount, 3);
      const same = fp.hash === ap.hash && fp.itemsets === ap.itemsets;
      if (!same) throw new Error(`${s.name} at ${support}: FP-growth found ${fp.itemsets} itemsets, Apriori ${ap.itemsets} — not the same`);
      const fpMs = median(fp.times);
      const apMs = median(ap.times);
      const row = [
        s.name,
        `${(support * 100).toFixed(1)}% (${minCount.toLocaleString('en')})`,
        `${fp.itemsets.toLocaleString('en')} (≤ ${fp.maxLen})`,
        `${fpMs.toFixed(0)} ms (${Math.min(...fp.times).toFixed(0)}–${Math.max(...fp.times).toFixed(0)})`,
        `${apMs.toFixed(0)} ms${ap.times.length > 1 ? ` (${ap.times.length} runs)` : ' (1 run)'}`,
        `**${(apMs / fpMs).toFixed(1)}×**`,
        same ? 'yes' : 'NO',
        fp.rules.toLocaleString('en'),
        `${median(fp.ruleTimes).toFixed(1)} ms`,
        `${fp.peakRssMb.toFixed(0)} MB (+${Math.max(0, fp.peakRssMb - fp.rssBeforeMb).toFixed(0)})`,
        `${ap.peakRssMb.toFixed(0)} MB (+${Math.max(0, ap.peakRssMb - ap.rssBeforeMb).toFixed(0)})`,
      ];
      rows.push(`| ${row.join(' | ')} |`);
      console.log(row.join('  '));
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
  const load1 = os.loadavg()[0]!;
  const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  const cpu = os.cpus();
  const text = [
    `### Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (commit ${commit})`,
    '',
    `Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, load average ${load0.toFixed(1)} at the start and ${load1.toFixed(1)} at the end (other engineers' jobs share the cores). FP-growth: median of ${runs} runs in one process after a warm-up run (min–max); Apriori: median of 3 runs after a warm-up, or its first run alone when that takes over 2 s. Rules: confidence ≥ ${MIN_CONFIDENCE}, 1–10 items (arules defaults), generated from FP-growth's itemsets. Peak RSS: the child process's maxrss (Node + tsx ≈ the "before" size), the increase over its size before mining in brackets.`,
    '',
    ...reads.map((r) => `- ${r}`),
    '',
    '| data set | min support (count) | itemsets (largest) | FP-growth | Apriori | speedup | same itemsets | rules | rule generation | peak RSS FP-growth | peak RSS Apriori |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  console.log(`\n${text}`);
  if (!dry)
    appendToSection(
      RESULTS,
      '## Basket rules (issue 8)',
      'FP-growth (src/modules/basket/domain/fpgrowth.ts, typed-array FP-tree, conditional trees, single-path shortcut) against a plain level-wise Apriori (bench/support/basket-apriori.ts: join, subset pruning, counting by enumerating each basket\'s k-subsets) on the same baskets in the same run; the run stops if the two find different itemsets or counts. `npm run bench:basket`.',
      text,
    );
}

if (args[0] === '--child') child(args[1]!, args[2]!, Number(args[3]), Number(args[4]));
else if (opt('part', 'rules') === 'recommend') await (await import('./basket-personal.bench.js')).main(args);
else await main();
