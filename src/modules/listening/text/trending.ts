/**
 * Topic heat and trends from term counts. Counting by period, region or store happens where the mentions are
 * (SQL over each mention's keywords); these functions compare and scale the resulting count maps.
 */
import { compare, finite, increment, positiveInteger } from './util.js';

/** A term rising from the previous period to the current one. */
export interface TrendingTerm {
  term: string;
  /** Count in the current period. */
  count: number;
  /** Count in the previous period. */
  previous: number;
  /** Add-one smoothed rate ratio: ((count + 1) / (C + V)) / ((previous + 1) / (P + V)). */
  ratio: number;
  /** Dunning's log-likelihood G² of the term's 2 × 2 table (current / previous × term / other terms). */
  score: number;
}

/** Options of trendingTerms(). */
export interface TrendingOptions {
  /** A term needs at least this count in the current period; default 5. */
  minCount?: number;
  /** At most this many terms; default 20. */
  limit?: number;
  /** The current period's total C (e.g. its number of mentions); default the sum of `current`. */
  currentTotal?: number;
  /** The previous period's total P; default the sum of `previous`. */
  previousTotal?: number;
}

/** Options of heat(). */
export interface HeatOptions {
  /** At most this many terms; default 50. */
  limit?: number;
  /** The base of `share` (e.g. the number of mentions); default the sum of the counts. */
  total?: number;
}

/** One term of a word cloud. */
export interface HeatTerm {
  term: string;
  count: number;
  /** count / total. */
  share: number;
  /** count / the largest count shown: 1 for the hottest term, in (0, 1] for the others. */
  weight: number;
}

/**
 * Counts how many token lists contain each term (once per list: the document frequency, what counting the rows of
 * mentions whose keywords hold the term gives in SQL).
 */
export function countTerms(tokenLists: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  let line = 0;
  for (const tokens of tokenLists) {
    if (!Array.isArray(tokens)) throw new TypeError(`countTerms: tokenLists[${line}] must be an array of strings`);
    for (const term of new Set(tokens)) increment(counts, term);
    line++;
  }
  return counts;
}

/**
 * The terms whose share rose from `previous` to `current`, ranked by Dunning's G² (desc, then term).
 *
 * For a term with counts a (current) and b (previous), totals C and P: the table [[a, b], [C − a, P − b]] has
 * expected cells E = row total × column total / (C + P) and G² = 2 Σ O ln(O / E) (0 ln 0 = 0). Only terms with
 * a / C > b / P and a ≥ minCount are kept. G² above 3.84 is significant at p < 0.05 (χ² with one degree of
 * freedom), 10.83 at p < 0.001. The ratio is add-one smoothed over the V terms of both maps together, so a term
 * new in this period has a finite ratio. With an empty previous period nothing is rising (use heat() instead).
 */
export function trendingTerms(
  current: ReadonlyMap<string, number>,
  previous: ReadonlyMap<string, number>,
  options: TrendingOptions = {},
): TrendingTerm[] {
  const minCount = positiveInteger(options.minCount ?? 5, 'trendingTerms', 'minCount');
  const limit = positiveInteger(options.limit ?? 20, 'trendingTerms', 'limit');
  const currentTotal = total('trendingTerms', current, options.currentTotal, 'current', 'currentTotal');
  const previousTotal = total('trendingTerms', previous, options.previousTotal, 'previous', 'previousTotal');
  const vocabulary = new Set([...current.keys(), ...previous.keys()]).size;
  const rising: TrendingTerm[] = [];
  for (const [term, count] of current) {
    const before = previous.get(term) ?? 0;
    if (count < minCount || count * previousTotal <= before * currentTotal) continue;
    rising.push({
      term,
      count,
      previous: before,
      ratio: (count + 1) / (currentTotal + vocabulary) / ((before + 1) / (previousTotal + vocabulary)),
      score: logLikelihood(count, before, currentTotal, previousTotal),
    });
  }
  rising.sort((x, y) => y.score - x.score || compare(x.term, y.term));
  return rising.slice(0, limit);
}

/**
 * Dunning's G² for a count a out of total c against a count b out of total p: 2 Σ O ln(O / E) over the table
 * [[a, b], [c − a, p − b]].
 */
export function logLikelihood(a: number, b: number, c: number, p: number): number {
  const n = c + p;
  const termTotal = a + b;
  const otherTotal = n - termTotal;
  const cells: [number, number][] = [
    [a, (termTotal * c) / n],
    [b, (termTotal * p) / n],
    [c - a, (otherTotal * c) / n],
    [p - b, (otherTotal * p) / n],
  ];
  let sum = 0;
  for (const [observed, expected] of cells) if (observed > 0) sum += observed * Math.log(observed / expected);
  return 2 * sum;
}

/**
 * The `limit` (default 50) most frequent terms for a word cloud, by count (desc, then term), with their share of
 * `total` (default the sum of all counts) and a weight scaled to the hottest term.
 */
export function heat(counts: ReadonlyMap<string, number>, options: HeatOptions = {}): HeatTerm[] {
  const limit = positiveInteger(options.limit ?? 50, 'heat', 'limit');
  const sum = total('heat', counts, options.total, 'counts', 'total');
  const top = [...counts].sort((x, y) => y[1] - x[1] || compare(x[0], y[0])).slice(0, limit);
  const hottest = top[0]?.[1] ?? 0;
  return top.map(([term, count]) => ({ term, count, share: sum > 0 ? count / sum : 0, weight: hottest > 0 ? count / hottest : 0 }));
}

/** The given total (checked) or the sum of the counts; every count must be a non-negative integer. */
function total(fn: string, counts: ReadonlyMap<string, number>, given: number | undefined, name: string, field: string): number {
  let sum = 0;
  let largest = 0;
  for (const [term, count] of counts) {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`${fn}: ${name}['${term}'] must be a non-negative integer, not ${String(count)}`);
    sum += count;
    largest = Math.max(largest, count);
  }
  if (given === undefined) return sum;
  finite(given, fn, field);
  if (given < largest) throw new RangeError(`${fn}: options.${field} (${given}) is smaller than a count in ${name} (${largest})`);
  return given;
}
