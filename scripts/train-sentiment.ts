/**
 * Rebuilds Kemai's shipped sentiment model (issue 12) and its evaluation:
 *
 *   node bin/kemai-dev.js scripts/train-sentiment.ts
 *
 * 1. Reads the five corpora of ../shared/data and splits them (SPLIT_RULE: 64% fit / 16% validation / 20% test).
 * 2. Chooses the baseline's hyper-parameters on the validation slice (mean accuracy over the five corpora, so the
 *    small English ones count as much as the large Chinese ones), then the model's (its worst margin over that
 *    baseline across the five corpora), fitting on the fit part.
 * 3. Trains both on the whole training part (fit + validation) with what was chosen, writes
 *    src/modules/listening/sentiment/models/kemai-sentiment-v1.bin, reads it back, and scores both on the held-out
 *    test rows, which nothing before touched.
 * 4. Writes src/modules/listening/sentiment/EVALUATION.md and prints it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  binaryScores,
  CORPORA,
  extractTrainingSet,
  fitTrainingSet,
  loadCorpora,
  SentimentModel,
  SPLIT_RULE,
  splitCorpora,
  TfidfBaseline,
  type BaselineOptions,
  type CorpusRow,
  type FeatureConfig,
  type LabelledText,
  type TrainSentimentOptions,
} from '../src/modules/listening/sentiment/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FOLDER = path.resolve(HERE, '../src/modules/listening/sentiment');
const MODEL_FILE = path.join(FOLDER, 'models/kemai-sentiment-v1.bin');
const EVALUATION_FILE = path.join(FOLDER, 'EVALUATION.md');
/** The baseline options chosen with this model, for bench/sentiment.bench.ts to retrain the same baseline. */
const BASELINE_FILE = path.join(FOLDER, 'models/kemai-sentiment-v1.baseline.json');

type ModelCandidate = { features: Partial<FeatureConfig> } & Omit<TrainSentimentOptions, 'features'>;

/**
 * The model's candidates. Session 10 chose the naive-Bayes view's settings (words and 1–3-grams beat no words and
 * 1–4-grams; 2^22 buckets gained nothing over 2^20; λ 3e-6, α 0.25, English rows ×4). This grid adds Chinese
 * skip-bigrams and the TF-IDF view (hashed character 2–4-grams, its λ and its share of the Chinese log-odds; English
 * is left to the naive-Bayes view, which reads it better on validation). The first candidate is session 10's model.
 */
const NB = { lambda: 3e-6, smoothing: 0.25, languageWeights: { en: 4 } };
const view = (zh: number, lambda = 3e-7) => ({ bits: 20, ngram: [2, 4] as [number, number], lambda, mix: { zh, en: 1 } });
const MODEL_GRID: ModelCandidate[] = [
  { features: {}, ...NB, tfidf: null },
  { features: { skipGrams: true }, ...NB, tfidf: null },
  ...[0.6, 0.7, 0.8].map((zh) => ({ features: { skipGrams: true }, ...NB, tfidf: view(zh) })),
  { features: { skipGrams: true }, ...NB, tfidf: view(0.7, 1e-6) },
  { features: {}, ...NB, tfidf: view(0.7) },
  { features: { skipGrams: true }, ...NB, lambda: 1e-6, tfidf: view(0.7) },
];

/** The baseline's candidates: the two usual character n-gram ranges × λ (C = 1 / (λ · rows) ≈ 3, 11, 33, 109, 327 on the fit part; 1e-7 added in session 11 because 3e-7, the smallest before, had won twice). */
const BASELINE_GRID: BaselineOptions[] = [];
for (const ngram of [
  [1, 3],
  [2, 4],
] as [number, number][]) {
  for (const lambda of [1e-5, 3e-6, 1e-6, 3e-7, 1e-7]) BASELINE_GRID.push({ ngram, lambda });
}

const toLabelled = (rows: readonly CorpusRow[]): LabelledText[] => rows.map((r) => ({ text: r.text, label: r.label === 1 ? 'positive' : 'negative' }));
const seconds = (since: number) => (performance.now() - since) / 1000;
const pct = (x: number) => (100 * x).toFixed(1);

const modelPredict = (model: SentimentModel) => (text: string) => (model.score(text).probability >= 0.5 ? 1 : 0);

/** Accuracy of `predict` on each corpus's rows. */
function corpusAccuracies(rows: readonly CorpusRow[], predict: (text: string) => 0 | 1): number[] {
  return CORPORA.map((corpus) => {
    const part = rows.filter((r) => r.corpus === corpus);
    return binaryScores(
      part.map((r) => r.label),
      part.map((r) => predict(r.text)),
    ).accuracy;
  });
}

const describe = (accuracies: number[]) => CORPORA.map((c, i) => `${c} ${pct(accuracies[i]!)}%`).join(', ');

/** The baseline's settings: the candidate with the best validation mean accuracy (ties: the earlier one). */
function searchBaseline(fit: readonly CorpusRow[], validation: readonly CorpusRow[], log: string[]): { choice: BaselineOptions; accuracies: number[] } {
  let best = { choice: BASELINE_GRID[0]!, accuracies: [] as number[], mean: -1 };
  for (const candidate of BASELINE_GRID) {
    const started = performance.now();
    const baseline = TfidfBaseline.train(fit, candidate);
    const accuracies = corpusAccuracies(validation, (t) => baseline.predict(t));
    const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    const line = `baseline ${JSON.stringify(candidate)}: validation mean ${pct(mean)}% (${describe(accuracies)}; ${seconds(started).toFixed(1)} s)`;
    console.error(line);
    log.push(`- ${line}`);
    if (mean > best.mean) best = { choice: candidate, accuracies, mean };
  }
  return best;
}

/**
 * The model's settings. The issue asks for more accuracy than the baseline on each corpus, so a candidate is judged by
 * its worst margin over the chosen baseline across the five corpora on the validation slice (ties: the better mean,
 * then the earlier candidate).
 */
function searchModel(fit: readonly CorpusRow[], validation: readonly CorpusRow[], baseline: number[], log: string[]): ModelCandidate {
  const sets = new Map<string, ReturnType<typeof extractTrainingSet>>();
  let best = { choice: MODEL_GRID[0]!, worst: -Infinity, mean: -1 };
  for (const candidate of MODEL_GRID) {
    const started = performance.now();
    const key = JSON.stringify(candidate.features);
    if (!sets.has(key)) sets.set(key, extractTrainingSet(toLabelled(fit), candidate.features));
    const { features: _f, ...options } = candidate;
    const accuracies = corpusAccuracies(validation, modelPredict(fitTrainingSet(sets.get(key)!, options)));
    const worst = Math.min(...accuracies.map((a, i) => a - baseline[i]!));
    const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    const line = `model ${JSON.stringify(candidate)}: worst margin ${(100 * worst).toFixed(2)} points, mean ${pct(mean)}% (${describe(accuracies)}; ${seconds(started).toFixed(1)} s)`;
    console.error(line);
    log.push(`- ${line}`);
    if (worst > best.worst + 1e-12 || (Math.abs(worst - best.worst) <= 1e-12 && mean > best.mean)) best = { choice: candidate, worst, mean };
  }
  return best.choice;
}

/** One table row: a slice of the test rows scored by both. */
interface Slice {
  name: string;
  rows: CorpusRow[];
}

function slices(test: readonly CorpusRow[]): Slice[] {
  const out: Slice[] = [];
  for (const corpus of CORPORA) {
    const rows = test.filter((r) => r.corpus === corpus);
    out.push({ name: `**${corpus}**`, rows });
    const categories = [...new Set(rows.map((r) => r.category).filter((c) => c !== undefined))];
    for (const category of categories) out.push({ name: `${corpus} / ${category}`, rows: rows.filter((r) => r.category === category) });
  }
  out.push({ name: '**Chinese (both corpora)**', rows: test.filter((r) => r.corpus === 'online_shopping_7_cats' || r.corpus === 'waimai_10k') });
  out.push({ name: '**English (three corpora)**', rows: test.filter((r) => !(r.corpus === 'online_shopping_7_cats' || r.corpus === 'waimai_10k')) });
  out.push({ name: '**all test rows**', rows: [...test] });
  return out;
}

function evaluationTable(test: readonly CorpusRow[], ours: (t: string) => 0 | 1, baseline: (t: string) => 0 | 1): { table: string; losses: string[] } {
  const oursByText = new Map(test.map((r) => [r, ours(r.text)]));
  const baseByText = new Map(test.map((r) => [r, baseline(r.text)]));
  const lines = ['| test slice | rows | ours accuracy | baseline accuracy | ours macro-F1 | baseline macro-F1 | Δ accuracy |', '|---|---:|---:|---:|---:|---:|---:|'];
  const losses: string[] = [];
  for (const { name, rows } of slices(test)) {
    const labels = rows.map((r) => r.label);
    const o = binaryScores(labels, rows.map((r) => oursByText.get(r)!));
    const b = binaryScores(labels, rows.map((r) => baseByText.get(r)!));
    const delta = 100 * (o.accuracy - b.accuracy);
    if (delta <= 0) losses.push(`${name.replace(/\*/g, '')} (${delta.toFixed(1)} points on ${rows.length} rows)`);
    lines.push(`| ${name} | ${rows.length.toLocaleString('en-US')} | ${pct(o.accuracy)}% | ${pct(b.accuracy)}% | ${o.macroF1.toFixed(3)} | ${b.macroF1.toFixed(3)} | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} |`);
  }
  return { table: lines.join('\n'), losses };
}

function main(): void {
  const started = performance.now();
  const rows = loadCorpora();
  const split = splitCorpora(rows);
  console.error(`${rows.length} rows: fit ${split.fit.length}, validation ${split.validation.length}, test ${split.test.length}`);
  const log: string[] = [];
  const { choice: baselineChoice, accuracies: baselineValidation } = searchBaseline(split.fit, split.validation, log);
  const modelChoice = searchModel(split.fit, split.validation, baselineValidation, log);

  let t = performance.now();
  const { features, ...options } = modelChoice;
  const trained = fitTrainingSet(extractTrainingSet(toLabelled(split.train), features), options);
  const modelSeconds = seconds(t);
  fs.mkdirSync(path.dirname(MODEL_FILE), { recursive: true });
  fs.writeFileSync(MODEL_FILE, trained.toBuffer());
  const model = SentimentModel.fromBuffer(fs.readFileSync(MODEL_FILE));
  fs.writeFileSync(BASELINE_FILE, `${JSON.stringify(baselineChoice)}\n`);
  t = performance.now();
  const baseline = TfidfBaseline.train(split.train, baselineChoice);
  const baselineSeconds = seconds(t);

  const { table, losses } = evaluationTable(split.test, modelPredict(model), (text) => baseline.predict(text));
  const info = model.info;
  const doc = `# Sentiment model — evaluation

Written by \`node bin/kemai-dev.js scripts/train-sentiment.ts\` on ${info.trainedAt.slice(0, 10)} (Node ${process.version}); rerun it to
rebuild \`models/kemai-sentiment-v1.bin\` and this file. Total run ${seconds(started).toFixed(0)} s on a shared 2-core machine.

## Split

${rows.length.toLocaleString('en-US')} labelled rows from five corpora (the one empty review of online_shopping left out): ${split.train.length.toLocaleString('en-US')} training
(${split.fit.length.toLocaleString('en-US')} fit + ${split.validation.length.toLocaleString('en-US')} validation), ${split.test.length.toLocaleString('en-US')} held-out test rows.
${SPLIT_RULE}

The baseline's hyper-parameters were chosen on the validation slice by its mean accuracy over the five corpora; the
model's by its worst margin over that baseline across the five corpora on the validation slice (the issue asks for
more accuracy on each corpus). The test rows were scored by the two final models trained on all training rows.

History, for honesty: session 10 scored its model (the grid's first candidate) on these same test rows; it tied the
baseline on waimai_10k (88.7 % each). Session 11 added the candidates after the first (Chinese skip-bigrams and the
TF-IDF view), judged them on the validation slice only, and scored the test rows once more with what was chosen.

## Held-out test results

Prediction: positive when P(positive) ≥ 0.5 (the corpora are binary; the neutral band plays no part here).
Ours is scored as shipped: the model file read back from disk (int16 weights).

${table}

${losses.length ? `Slices where ours does not beat the baseline: ${losses.join('; ')}.` : 'Ours beats the baseline on every slice above.'}

## The two models

| | ours (kemai-sentiment-v1) | baseline |
|---|---|---|
| features | naive-Bayes view: hashed 2^${info.features.bits}: Chinese character ${info.features.zhChar.join('–')}-grams${info.features.skipGrams ? ' and skip-bigrams' : ''}, English character ${info.features.enChar.join('–')}-grams (padded), ${info.features.words ? 'Intl.Segmenter word unigrams + bigrams' : 'no words'}${info.features.negation ? ', negation scopes' : ''}; binary, naive-Bayes log-count-ratio scaled (α = ${info.smoothing})${info.lengthNorm ? ', ÷ √(feature count)' : ''}${info.tfidf ? `. TF-IDF view: hashed 2^${info.tfidf.bits} character ${info.tfidf.ngram.join('–')}-grams, sublinear tf, smooth idf, L2 norm; log-odds = ${info.tfidf.mix.zh} · naive-Bayes + ${(1 - info.tfidf.mix.zh).toFixed(1)} · TF-IDF for Chinese${info.tfidf.mix.en < 1 ? `, ${info.tfidf.mix.en} · naive-Bayes + ${(1 - info.tfidf.mix.en).toFixed(1)} · TF-IDF for English` : ', the naive-Bayes view alone for English'}` : ''} | character ${baselineChoice.ngram.join('–')}-grams, exact vocabulary of ${baseline.vocabularySize.toLocaleString('en-US')}, TF-IDF (sublinear tf, smooth idf, L2 norm) |
| classifier | logistic regression per view, L2 λ = ${info.lambda}${info.tfidf ? ` (TF-IDF view ${info.tfidf.lambda})` : ''} (row weight zh ${info.languageWeights.zh}, en ${info.languageWeights.en}), one bias per language, dual coordinate descent (naive-Bayes view: ${info.iterations} passes) | logistic regression, L2 λ = ${baselineChoice.lambda} (C = ${(1 / (baselineChoice.lambda * split.train.length)).toFixed(1)}), intercept, the same solver |
| training time (all training rows) | ${modelSeconds.toFixed(1)} s | ${baselineSeconds.toFixed(1)} s |
| size | ${(fs.statSync(MODEL_FILE).size / 1048576).toFixed(2)} MiB file (int16 weights${info.tfidf ? ', uint16 idf' : ''}) | ${baseline.vocabularySize.toLocaleString('en-US')} n-grams + float weights in memory (no file) |

## Validation search

${log.join('\n')}
`;
  fs.writeFileSync(EVALUATION_FILE, doc);
  console.log(doc);
}

main();
