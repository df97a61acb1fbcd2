/**
 * Kemai's sentiment model: a hashed linear model over naive-Bayes-scaled binary features (NBSVM, Wang & Manning 2012,
 * with logistic regression), trained by our own code, stored as int16 weights in one small binary file.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SentimentLabel } from './labels.js';
import { sigmoid, SparseRowsBuilder, trainLogistic } from './linear.js';
import { DEFAULT_FEATURES, FeatureHasher, GramCounter, type FeatureConfig, type Lang } from './text.js';

/** One text's sentiment: `score` = 2·probability − 1 in −1…1; `probability` = P(positive). */
export interface SentimentResult {
  label: SentimentLabel;
  score: number;
  probability: number;
  lang: Lang;
}

/** What a model file says about itself. */
export interface SentimentModelInfo {
  version: string;
  /** ISO instant the model was trained. */
  trainedAt: string;
  /** The languages of its training rows. */
  languages: Lang[];
  /** Training rows per label (neutral rows only set the band). */
  rows: Record<SentimentLabel, number>;
  /** |score| below this is neutral. */
  neutralBand: number;
  features: FeatureConfig;
  /** L2 strength of the fit. */
  lambda: number;
  /** Naive-Bayes smoothing α; 0 when the features were not NB-scaled. */
  smoothing: number;
  /** Feature values divided by √(number of features of the text), so long and short texts weigh alike. */
  lengthNorm: boolean;
  /** Each training row's weight in the loss, by language (more weight for the smaller language = less shrinkage). */
  languageWeights: Record<Lang, number>;
  /** Passes over the rows the solver made. */
  iterations: number;
  /** The second view, when the model has one: a TF-IDF character n-gram logistic regression mixed into the score. */
  tfidf?: TfidfView;
}

/**
 * The model's second view: hashed character n-grams weighted TF-IDF (sublinear tf, smooth idf, L2 norm), its own
 * logistic regression; the model's log-odds are mix · (naive-Bayes view) + (1 − mix) · (this view).
 */
export interface TfidfView {
  /** log2 of its number of hash buckets. */
  bits: number;
  /** Character n-gram lengths, inclusive. */
  ngram: [number, number];
  /** Its L2 strength. */
  lambda: number;
  /** The naive-Bayes view's share of the log-odds (0…1) by language; 1 leaves the language to the naive-Bayes view. */
  mix: Record<Lang, number>;
}

/** How to train; every field has a default (those of the shipped model). */
export interface TrainSentimentOptions {
  features?: Partial<FeatureConfig>;
  /** L2 strength λ (mean log-loss + λ/2‖w‖²). */
  lambda?: number;
  /** Naive-Bayes log-count-ratio scaling with smoothing α (0: plain binary features). */
  smoothing?: number;
  /** Row weights by language (default zh 1, en 4). */
  languageWeights?: Partial<Record<Lang, number>>;
  /** The solver stops when its largest dual gradient in a pass is below this (default 0.01). */
  tolerance?: number;
  /** Divide feature values by √(the text's feature count) (default true). */
  lengthNorm?: boolean;
  /** The band when the rows have no neutral ones (default 0.2). */
  neutralBand?: number;
  version?: string;
  trainedAt?: Date;
  maxIterations?: number;
  /** The TF-IDF view (default {@link DEFAULT_TRAINING}.tfidf; null: the naive-Bayes view alone). */
  tfidf?: TfidfView | null;
}

/** The defaults chosen on the validation slice (EVALUATION.md). */
export const DEFAULT_TRAINING = {
  lambda: 3e-6,
  smoothing: 0.25,
  lengthNorm: true,
  neutralBand: 0.2,
  languageWeights: { zh: 1, en: 4 } as Record<Lang, number>,
  tfidf: { bits: 20, ngram: [2, 4], lambda: 3e-7, mix: { zh: 0.7, en: 1 } } as TfidfView | null,
};

const MAGIC = 'KMSENTI1';
const HEADER_AT = MAGIC.length + 4;
const LANGS: readonly Lang[] = ['zh', 'en'];

interface StoredHeader extends SentimentModelInfo {
  langBias: Record<Lang, number>;
  scale: number;
  /** The TF-IDF view's quantisation: weight = int16 × scale, idf = uint16 × idfScale, and its bias per language. */
  tfidfStored?: { scale: number; idfScale: number; bias: Record<Lang, number> };
}

/** The TF-IDF view's fitted numbers. */
interface TfidfWeights {
  weights: Int16Array;
  idf: Uint16Array;
}

/** Float weights → int16 with one scale (the largest |w| maps to 32767). */
function quantise(weights: Float64Array): [Int16Array, number] {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const scale = max > 0 ? max / 32767 : 1;
  return [Int16Array.from(weights, (w) => Math.round(w / scale)), scale];
}

/** A trained model: scores texts, and (de)serialises to the model file format. */
export class SentimentModel {
  private static cached: SentimentModel | undefined;
  private readonly hasher: FeatureHasher;
  private readonly counter: GramCounter | null;

  private constructor(
    private readonly header: StoredHeader,
    private readonly weights: Int16Array,
    private readonly second: TfidfWeights | null,
  ) {
    this.hasher = new FeatureHasher(header.features);
    this.counter = header.tfidf && second ? new GramCounter(header.tfidf.bits, header.tfidf.ngram) : null;
  }

  /** The model shipped in models/kemai-sentiment-v1.bin, read once. */
  static shipped(): SentimentModel {
    SentimentModel.cached ??= SentimentModel.fromBuffer(fs.readFileSync(fileURLToPath(new URL('./models/kemai-sentiment-v1.bin', import.meta.url))));
    return SentimentModel.cached;
  }

  /**
   * Reads a model file: "KMSENTI1", a u32 LE header length, the header as JSON, then 2^bits int16 LE weights; when the
   * header has a TF-IDF view, then its 2^bits int16 LE weights and 2^bits uint16 LE idf values. Throws naming what is
   * wrong when the buffer is not such a file.
   */
  static fromBuffer(buffer: Buffer): SentimentModel {
    if (buffer.length < HEADER_AT || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a Kemai sentiment model file (bad magic)');
    const headerLength = buffer.readUInt32LE(MAGIC.length);
    const weightsAt = HEADER_AT + headerLength;
    let header: StoredHeader;
    try {
      header = JSON.parse(buffer.toString('utf8', HEADER_AT, weightsAt)) as StoredHeader;
    } catch {
      throw new Error('sentiment model file: unreadable header');
    }
    const count = 2 ** header.features.bits;
    const secondCount = header.tfidf && header.tfidfStored ? 2 ** header.tfidf.bits : 0;
    const expected = weightsAt + 2 * count + 4 * secondCount;
    if (buffer.length !== expected) throw new Error(`sentiment model file: ${buffer.length} bytes, expected ${expected} for its weights`);
    const weights = new Int16Array(count);
    for (let i = 0; i < count; i++) weights[i] = buffer.readInt16LE(weightsAt + 2 * i);
    let second: TfidfWeights | null = null;
    if (secondCount) {
      second = { weights: new Int16Array(secondCount), idf: new Uint16Array(secondCount) };
      const at = weightsAt + 2 * count;
      for (let i = 0; i < secondCount; i++) second.weights[i] = buffer.readInt16LE(at + 2 * i);
      for (let i = 0; i < secondCount; i++) second.idf[i] = buffer.readUInt16LE(at + 2 * secondCount + 2 * i);
    }
    return new SentimentModel(header, weights, second);
  }

  /**
   * Builds a model from float weights (quantised here to int16 with one scale per view, idf to uint16); `second` is
   * the TF-IDF view's when `info.tfidf` is set.
   */
  static fromWeights(
    info: SentimentModelInfo,
    weights: Float64Array,
    langBias: Record<Lang, number>,
    second?: { weights: Float64Array; idf: Float64Array; bias: Record<Lang, number> },
  ): SentimentModel {
    const [quantised, scale] = quantise(weights);
    if (!info.tfidf || !second) {
      const { tfidf: _none, ...rest } = info;
      return new SentimentModel({ ...rest, langBias, scale }, quantised, null);
    }
    const [secondWeights, secondScale] = quantise(second.weights);
    let maxIdf = 0;
    for (const v of second.idf) maxIdf = Math.max(maxIdf, v);
    const idfScale = maxIdf > 0 ? maxIdf / 65535 : 1;
    const idf = Uint16Array.from(second.idf, (v) => Math.round(v / idfScale));
    return new SentimentModel({ ...info, langBias, scale, tfidfStored: { scale: secondScale, idfScale, bias: second.bias } }, quantised, { weights: secondWeights, idf });
  }

  /** The model file's bytes ({@link fromBuffer} reads them back to a model that scores identically). */
  toBuffer(): Buffer {
    const json = Buffer.from(JSON.stringify(this.header), 'utf8');
    const secondCount = this.second ? this.second.weights.length : 0;
    const out = Buffer.alloc(HEADER_AT + json.length + 2 * this.weights.length + 4 * secondCount);
    out.write(MAGIC, 0, 'latin1');
    out.writeUInt32LE(json.length, MAGIC.length);
    json.copy(out, HEADER_AT);
    let at = HEADER_AT + json.length;
    for (let i = 0; i < this.weights.length; i++) out.writeInt16LE(this.weights[i]!, at + 2 * i);
    if (!this.second) return out;
    at += 2 * this.weights.length;
    for (let i = 0; i < secondCount; i++) out.writeInt16LE(this.second.weights[i]!, at + 2 * i);
    at += 2 * secondCount;
    for (let i = 0; i < secondCount; i++) out.writeUInt16LE(this.second.idf[i]!, at + 2 * i);
    return out;
  }

  /** What the model says about itself. */
  get info(): SentimentModelInfo {
    const { langBias: _langBias, scale: _scale, tfidfStored: _stored, ...info } = this.header;
    return info;
  }

  /** A copy of the model with another neutral band (|score| below it is neutral). */
  withNeutralBand(neutralBand: number): SentimentModel {
    if (!(neutralBand >= 0 && neutralBand < 1)) throw new Error(`neutral band must be in 0…1, got ${neutralBand}`);
    return new SentimentModel({ ...this.header, neutralBand }, this.weights, this.second);
  }

  /**
   * One text's sentiment. A text none of whose features the model knows (empty, only symbols, or unseen words) is
   * neutral with score 0 and probability 0.5; otherwise neutral when |score| < the neutral band.
   */
  score(text: string): SentimentResult {
    const { lang, buckets } = this.hasher.extract(text);
    let sum = 0;
    let known = 0;
    for (let k = 0; k < buckets.length; k++) {
      const w = this.weights[buckets[k]!]!;
      if (w !== 0) known++;
      sum += w;
    }
    if (known === 0) return { label: 'neutral', score: 0, probability: 0.5, lang };
    const norm = this.header.lengthNorm ? Math.sqrt(buckets.length) : 1;
    let z = this.header.langBias[lang] + (sum * this.header.scale) / norm;
    const mix = this.header.tfidf?.mix[lang] ?? 1;
    if (mix < 1 && this.counter && this.second && this.header.tfidfStored) {
      const { scale, idfScale, bias } = this.header.tfidfStored;
      const { buckets: grams, counts } = this.counter.count(text);
      let dot = 0;
      let squares = 0;
      for (let k = 0; k < grams.length; k++) {
        const b = grams[k]!;
        const v = (1 + Math.log(counts[k]!)) * this.second.idf[b]! * idfScale;
        dot += this.second.weights[b]! * v;
        squares += v * v;
      }
      z = mix * z + (1 - mix) * (bias[lang] + (dot * scale) / (Math.sqrt(squares) || 1));
    }
    const probability = sigmoid(z);
    const score = 2 * probability - 1;
    const label: SentimentLabel = Math.abs(score) < this.header.neutralBand ? 'neutral' : score > 0 ? 'positive' : 'negative';
    return { label, score, probability, lang };
  }

  /** {@link score} for each text, in order. */
  scoreMany(texts: readonly string[]): SentimentResult[] {
    return texts.map((t) => this.score(t));
  }
}

/** One labelled text for {@link trainSentiment}. */
export interface LabelledText {
  text: string;
  label: SentimentLabel;
}

/** Naive-Bayes log-count ratios r = log((α + p)/‖α + p‖₁) − log((α + q)/‖α + q‖₁) over the buckets rows use. */
function logCountRatios(dim: number, rows: { buckets: Int32Array; positive: boolean }[], alpha: number): Float64Array {
  const pos = new Float64Array(dim);
  const neg = new Float64Array(dim);
  const used = new Uint8Array(dim);
  for (const { buckets, positive } of rows) {
    const counts = positive ? pos : neg;
    for (const b of buckets) {
      counts[b]!++;
      used[b] = 1;
    }
  }
  let posTotal = 0;
  let negTotal = 0;
  for (let j = 0; j < dim; j++) {
    if (!used[j]) continue;
    posTotal += alpha + pos[j]!;
    negTotal += alpha + neg[j]!;
  }
  const r = new Float64Array(dim);
  for (let j = 0; j < dim; j++) if (used[j]) r[j] = Math.log((alpha + pos[j]!) / posTotal) - Math.log((alpha + neg[j]!) / negTotal);
  return r;
}

/**
 * The band that best separates neutral rows from polar ones on the given scores: the b in {0, 0.01, …, 0.95} with the
 * most rows right when |score| < b is neutral (ties: the smaller band).
 */
function fitNeutralBand(scored: { score: number; label: SentimentLabel }[]): number {
  let best = 0;
  let bestRight = -1;
  for (let step = 0; step <= 95; step++) {
    const band = step / 100;
    let right = 0;
    for (const { score, label } of scored) {
      const predicted: SentimentLabel = Math.abs(score) < band ? 'neutral' : score > 0 ? 'positive' : 'negative';
      if (predicted === label) right++;
    }
    if (right > bestRight) [best, bestRight] = [band, right];
  }
  return best;
}

/** Labelled texts turned into features once, to fit several option sets on (hyper-parameter search). */
export interface TrainingSet {
  features: FeatureConfig;
  polar: { text: string; buckets: Int32Array; positive: boolean; lang: Lang }[];
  neutral: string[];
  counts: Record<SentimentLabel, number>;
  /** Hashed n-gram counts of the polar rows for TF-IDF views, by "bits:lo-hi" (filled on first use). */
  grams?: Map<string, { buckets: Int32Array; counts: Uint16Array }[]>;
}

/** Extracts the features of labelled texts; throws unless there is at least one positive and one negative row. */
export function extractTrainingSet(rows: Iterable<LabelledText>, features: Partial<FeatureConfig> = {}): TrainingSet {
  const config: FeatureConfig = { ...DEFAULT_FEATURES, ...features };
  const hasher = new FeatureHasher(config);
  const set: TrainingSet = { features: config, polar: [], neutral: [], counts: { positive: 0, negative: 0, neutral: 0 } };
  for (const row of rows) {
    set.counts[row.label]++;
    if (row.label === 'neutral') {
      set.neutral.push(row.text);
      continue;
    }
    const { lang, buckets } = hasher.extract(row.text);
    set.polar.push({ text: row.text, buckets: buckets.slice(), positive: row.label === 'positive', lang });
  }
  const { positive, negative } = set.counts;
  if (!positive || !negative) throw new Error(`training needs positive and negative rows (got ${positive} positive, ${negative} negative)`);
  return set;
}

/**
 * Fits a model on an extracted training set. Positive and negative rows are the two classes of the logistic
 * regression (one model for both languages, with a bias per language); neutral rows are not a class: after the fit
 * they set the neutral band (the band that best tells them from the polar rows by |score|). Without neutral rows the
 * band is `options.neutralBand` (default 0.2).
 */
export function fitTrainingSet(set: TrainingSet, options: Omit<TrainSentimentOptions, 'features'> = {}): SentimentModel {
  const { features, polar, neutral } = set;
  const lambda = options.lambda ?? DEFAULT_TRAINING.lambda;
  const smoothing = options.smoothing ?? DEFAULT_TRAINING.smoothing;
  const lengthNorm = options.lengthNorm ?? DEFAULT_TRAINING.lengthNorm;
  const languageWeights = { ...DEFAULT_TRAINING.languageWeights, ...options.languageWeights };
  const dim = 2 ** features.bits;
  const ratios = smoothing > 0 ? logCountRatios(dim, polar, smoothing) : null;
  // Columns: the 2^bits buckets, then one indicator per language (its bias, the only bias).
  const builder = new SparseRowsBuilder(dim + LANGS.length, true);
  for (const { buckets, positive, lang } of polar) {
    const norm = lengthNorm ? Math.sqrt(buckets.length) : 1;
    const indices = [...buckets, dim + LANGS.indexOf(lang)];
    const values = indices.map((j) => (j < dim ? (ratios ? ratios[j]! : 1) / norm : 1));
    builder.push(indices, positive ? 1 : 0, values);
  }
  const rowWeights = Float64Array.from(polar, (row) => languageWeights[row.lang]);
  const fit = trainLogistic(builder.build(), { lambda, rowWeights, maxIterations: options.maxIterations, tolerance: options.tolerance });
  const folded = new Float64Array(dim);
  for (let j = 0; j < dim; j++) folded[j] = fit.weights[j]! * (ratios ? ratios[j]! : 1);
  const info: SentimentModelInfo = {
    version: options.version ?? 'kemai-sentiment-v1',
    trainedAt: (options.trainedAt ?? new Date()).toISOString(),
    languages: LANGS.filter((l) => polar.some((row) => row.lang === l)),
    rows: { ...set.counts },
    neutralBand: options.neutralBand ?? DEFAULT_TRAINING.neutralBand,
    features,
    lambda,
    smoothing,
    lengthNorm,
    languageWeights,
    iterations: fit.iterations,
  };
  const tfidf = options.tfidf === undefined ? DEFAULT_TRAINING.tfidf : options.tfidf;
  if (tfidf) info.tfidf = { ...tfidf, ngram: [...tfidf.ngram], mix: { ...tfidf.mix } };
  const second = tfidf ? fitTfidfView(set, tfidf, rowWeights, options) : undefined;
  const model = SentimentModel.fromWeights(info, folded, { zh: fit.weights[dim]!, en: fit.weights[dim + 1]! }, second);
  if (!neutral.length) return model;
  const scored = [
    ...neutral.map((text) => ({ score: model.score(text).score, label: 'neutral' as const })),
    ...polar.map(({ text, positive }) => ({ score: model.score(text).score, label: positive ? ('positive' as const) : ('negative' as const) })),
  ];
  return model.withNeutralBand(fitNeutralBand(scored));
}

/** The polar rows' hashed n-gram counts for a TF-IDF view, counted once per (bits, n-gram range) and kept on the set. */
function gramCounts(set: TrainingSet, view: TfidfView): { buckets: Int32Array; counts: Uint16Array }[] {
  const key = `${view.bits}:${view.ngram.join('-')}`;
  set.grams ??= new Map();
  let rows = set.grams.get(key);
  if (!rows) {
    const counter = new GramCounter(view.bits, view.ngram);
    rows = set.polar.map(({ text }) => {
      const { buckets, counts } = counter.count(text);
      return { buckets: buckets.slice(), counts: counts.slice() };
    });
    set.grams.set(key, rows);
  }
  return rows;
}

/**
 * Fits the TF-IDF view: idf = ln((1 + n) / (1 + df)) + 1 over the polar rows, values (1 + ln tf) · idf L2-normalised,
 * an L2 logistic regression with one bias column per language, the same row weights as the naive-Bayes view.
 */
function fitTfidfView(
  set: TrainingSet,
  view: TfidfView,
  rowWeights: Float64Array,
  options: Omit<TrainSentimentOptions, 'features'>,
): { weights: Float64Array; idf: Float64Array; bias: Record<Lang, number> } {
  const dim = 2 ** view.bits;
  const rows = gramCounts(set, view);
  const df = new Float64Array(dim);
  for (const { buckets } of rows) for (const b of buckets) df[b]!++;
  const n = rows.length;
  const idf = new Float64Array(dim);
  for (let j = 0; j < dim; j++) if (df[j]! > 0) idf[j] = Math.log((1 + n) / (1 + df[j]!)) + 1;
  const builder = new SparseRowsBuilder(dim + LANGS.length, true);
  rows.forEach(({ buckets, counts }, r) => {
    const values: number[] = [];
    let squares = 0;
    for (let k = 0; k < buckets.length; k++) {
      const v = (1 + Math.log(counts[k]!)) * idf[buckets[k]!]!;
      values.push(v);
      squares += v * v;
    }
    const norm = Math.sqrt(squares) || 1;
    for (let k = 0; k < values.length; k++) values[k]! /= norm;
    const { lang, positive } = set.polar[r]!;
    builder.push([...buckets, dim + LANGS.indexOf(lang)], positive ? 1 : 0, [...values, 1]);
  });
  const fit = trainLogistic(builder.build(), { lambda: view.lambda, rowWeights, maxIterations: options.maxIterations, tolerance: options.tolerance });
  return { weights: fit.weights.slice(0, dim), idf, bias: { zh: fit.weights[dim]!, en: fit.weights[dim + 1]! } };
}

/**
 * Trains a model on labelled texts (any mix of Chinese and English): {@link extractTrainingSet} then
 * {@link fitTrainingSet}. Needs at least one positive and one negative row.
 */
export function trainSentiment(rows: Iterable<LabelledText>, options: TrainSentimentOptions = {}): SentimentModel {
  return fitTrainingSet(extractTrainingSet(rows, options.features), options);
}
