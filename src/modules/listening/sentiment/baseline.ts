/**
 * The baseline the model must beat: character n-gram TF-IDF + L2 logistic regression, as scikit-learn's
 * TfidfVectorizer(analyzer='char', lowercase=True, sublinear_tf=True, smooth_idf=True, norm='l2') followed by
 * LogisticRegression(C) with an intercept. Exact vocabulary (no hashing), fitted by the same solver as the model.
 */
import { sigmoid, SparseRowsBuilder, trainLogistic } from './linear.js';

/** The baseline's hyper-parameters. */
export interface BaselineOptions {
  /** Character n-gram lengths, inclusive. */
  ngram: [number, number];
  /** L2 strength λ of mean log-loss + λ/2‖w‖² (scikit-learn's C = 1 / (λ · rows)). */
  lambda: number;
}

/** One training row: label 1 positive, 0 negative. */
export interface BinaryText {
  text: string;
  label: 0 | 1;
}

const SPACES = /\s+/g;

/** A fitted TF-IDF + logistic regression classifier. */
export class TfidfBaseline {
  private constructor(
    private readonly options: BaselineOptions,
    private readonly vocabulary: Map<string, number>,
    private readonly idf: Float64Array,
    private readonly weights: Float64Array,
    private readonly bias: number,
  ) {}

  /** Fits the vocabulary, idf and classifier on the rows. */
  static train(rows: readonly BinaryText[], options: BaselineOptions): TfidfBaseline {
    const vocabulary = new Map<string, number>();
    const df: number[] = [];
    const docs = rows.map((row) => {
      const counts = countGrams(row.text, options.ngram, (gram) => {
        let id = vocabulary.get(gram);
        if (id === undefined) {
          id = vocabulary.size;
          vocabulary.set(gram, id);
          df.push(0);
        }
        return id;
      });
      for (const id of counts.keys()) df[id]!++;
      return counts;
    });
    const n = rows.length;
    const idf = Float64Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
    // The last column is the bias (a feature of value 1, as LIBLINEAR's -B 1).
    const bias = vocabulary.size;
    const builder = new SparseRowsBuilder(bias + 1, true);
    docs.forEach((counts, r) => {
      const [indices, values] = tfidf(counts, idf);
      builder.push([...indices, bias], rows[r]!.label, [...values, 1]);
    });
    const fit = trainLogistic(builder.build(), { lambda: options.lambda });
    return new TfidfBaseline(options, vocabulary, idf, fit.weights.subarray(0, bias), fit.weights[bias]!);
  }

  /** Number of n-grams in the vocabulary. */
  get vocabularySize(): number {
    return this.vocabulary.size;
  }

  /** P(positive | text). */
  probability(text: string): number {
    const [indices, values] = tfidf(
      countGrams(text, this.options.ngram, (gram) => this.vocabulary.get(gram) ?? -1),
      this.idf,
    );
    let z = this.bias;
    for (let k = 0; k < indices.length; k++) z += this.weights[indices[k]!]! * values[k]!;
    return sigmoid(z);
  }

  /** 1 when P(positive) ≥ 0.5, else 0. */
  predict(text: string): 0 | 1 {
    return this.probability(text) >= 0.5 ? 1 : 0;
  }
}

/** Term counts of a text's character n-grams (lower case, white space runs as one space); id −1 is dropped. */
function countGrams(text: string, [lo, hi]: [number, number], id: (gram: string) => number): Map<number, number> {
  const s = text.toLowerCase().replace(SPACES, ' ');
  const counts = new Map<number, number>();
  for (let n = lo; n <= hi; n++) {
    for (let i = 0; i + n <= s.length; i++) {
      const j = id(s.slice(i, i + n));
      if (j >= 0) counts.set(j, (counts.get(j) ?? 0) + 1);
    }
  }
  return counts;
}

/** Sublinear tf (1 + ln tf) × idf, L2-normalised. */
function tfidf(counts: Map<number, number>, idf: Float64Array): [number[], number[]] {
  const indices: number[] = [];
  const values: number[] = [];
  let norm = 0;
  for (const [j, tf] of counts) {
    const v = (1 + Math.log(tf)) * idf[j]!;
    indices.push(j);
    values.push(v);
    norm += v * v;
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < values.length; k++) values[k]! /= norm;
  return [indices, values];
}
