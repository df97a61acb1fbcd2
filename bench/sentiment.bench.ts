/**
 * Sentiment (issue 12): throughput of the shipped model vs the character n-gram TF-IDF + logistic regression baseline
 * on the held-out test texts of the five corpora (single thread, warm), and both models' test accuracy per corpus.
 *
 *   node bin/kemai-dev.js bench/sentiment.bench.ts             # appends to bench/RESULTS.md
 *   node bin/kemai-dev.js bench/sentiment.bench.ts --dry-run   # print only
 *
 * The baseline is trained here on the same training rows with the options the training script chose on validation
 * (models/kemai-sentiment-v1.baseline.json); the model is the shipped file, trained by scripts/train-sentiment.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  binaryScores,
  CORPORA,
  loadCorpora,
  SentimentModel,
  splitCorpora,
  TfidfBaseline,
  type BaselineOptions,
  type CorpusRow,
} from '../src/modules/listening/sentiment/index.js';
import { appendToSection } from './support/results.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'RESULTS.md');
const BASELINE_CHOICE = path.resolve(HERE, '../src/modules/listening/sentiment/models/kemai-sentiment-v1.baseline.json');
const ROUNDS = 5;
const dry = process.argv.includes('--dry-run');

/** Texts per second of `score` over all texts: the median of ROUNDS timed passes after one warm-up pass. */
function throughput(texts: readonly string[], score: (text: string) => unknown): number {
  for (const t of texts) score(t);
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (const t of texts) score(t);
    rates.push(texts.length / ((performance.now() - started) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

function accuracyTable(test: readonly CorpusRow[], ours: (t: string) => number, baseline: (t: string) => number): string {
  const lines = ['| corpus | test rows | ours accuracy | baseline accuracy | ours macro-F1 | baseline macro-F1 |', '|---|---:|---:|---:|---:|---:|'];
  for (const corpus of [...CORPORA, 'all'] as const) {
    const rows = corpus === 'all' ? test : test.filter((r) => r.corpus === corpus);
    const labels = rows.map((r) => r.label);
    const o = binaryScores(labels, rows.map((r) => ours(r.text)));
    const b = binaryScores(labels, rows.map((r) => baseline(r.text)));
    lines.push(`| ${corpus} | ${rows.length.toLocaleString('en-US')} | ${(100 * o.accuracy).toFixed(1)}% | ${(100 * b.accuracy).toFixed(1)}% | ${o.macroF1.toFixed(3)} | ${b.macroF1.toFixed(3)} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const { train, test } = splitCorpora(loadCorpora());
  const choice = JSON.parse(fs.readFileSync(BASELINE_CHOICE, 'utf8')) as BaselineOptions;
  let started = performance.now();
  const model = SentimentModel.shipped();
  const loadMs = performance.now() - started;
  started = performance.now();
  const baseline = TfidfBaseline.train(train, choice);
  const baselineTrainS = (performance.now() - started) / 1000;
  const texts = test.map((r) => r.text);
  const chinese = (r: CorpusRow) => r.corpus === 'online_shopping_7_cats' || r.corpus === 'waimai_10k';
  const zh = test.filter(chinese).map((r) => r.text);
  const en = test.filter((r) => !chinese(r)).map((r) => r.text);
  const ours = { all: throughput(texts, (t) => model.score(t)), zh: throughput(zh, (t) => model.score(t)), en: throughput(en, (t) => model.score(t)) };
  const base = { all: throughput(texts, (t) => baseline.probability(t)), zh: throughput(zh, (t) => baseline.probability(t)), en: throughput(en, (t) => baseline.probability(t)) };
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const [l1, l5, l15] = os.loadavg().map((x) => x.toFixed(1));
  const run = `### Run of ${new Date().toISOString().slice(0, 10)}

Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, load average at the end ${l1} / ${l5} / ${l15} (1/5/15 min; other work shared the machine). Command: \`node bin/kemai-dev.js bench/sentiment.bench.ts\`. Texts: the ${texts.length.toLocaleString('en-US')} held-out test texts (${zh.length.toLocaleString('en-US')} Chinese, ${en.length.toLocaleString('en-US')} English); one warm-up pass, then the median of ${ROUNDS} passes, one thread, one text at a time. Ours: the shipped file (${(fs.statSync(fileURLToPath(new URL('../src/modules/listening/sentiment/models/kemai-sentiment-v1.bin', import.meta.url))).size / 1048576).toFixed(2)} MiB, read and parsed in ${loadMs.toFixed(0)} ms). Baseline: character ${choice.ngram.join('–')}-gram TF-IDF + logistic regression (λ = ${choice.lambda}), trained here in ${baselineTrainS.toFixed(1)} s on the same ${train.length.toLocaleString('en-US')} training rows, vocabulary ${baseline.vocabularySize.toLocaleString('en-US')}.

| texts | ours texts/s | baseline texts/s | ours / baseline |
|---|---:|---:|---:|
| all | **${fmt(ours.all)}** | ${fmt(base.all)} | ${(ours.all / base.all).toFixed(2)}× |
| Chinese | ${fmt(ours.zh)} | ${fmt(base.zh)} | ${(ours.zh / base.zh).toFixed(2)}× |
| English | ${fmt(ours.en)} | ${fmt(base.en)} | ${(ours.en / base.en).toFixed(2)}× |

${accuracyTable(test, (t) => (model.score(t).probability >= 0.5 ? 1 : 0), (t) => baseline.predict(t))}
`;
  console.log(run);
  if (!dry) {
    appendToSection(
      RESULTS,
      '## Listening: sentiment (issue 12)',
      'Kemai\'s own sentiment model (src/modules/listening/sentiment, EVALUATION.md there has the per-category table) against a character n-gram TF-IDF + logistic regression baseline trained on the same split. Accuracy: positive when P ≥ 0.5, on the held-out 20% of the five corpora.',
      run,
    );
  }
}

main();
