/**
 * New-word and phrase detection over a corpus of mentions: terms the segmenter does not know (product nicknames,
 * slang, 起球) and word pairs that go together (质量 问题, customer service).
 */
import { normalizeText } from './dictionary.js';
import { isHanCode } from './segment.js';
import { ZH_STOP_WORDS } from './stopwords.js';
import { compare, finite, increment, positiveInteger } from './util.js';

/** Options of detectNewWords(). */
export interface NewWordOptions {
  /** A candidate must occur at least this often in the corpus; default 5. */
  minCount?: number;
  /** The longest candidate in characters, 2 to 6; default 4. */
  maxLength?: number;
  /** The least cohesion (min PMI over split points, natural log); default 3 (≥ 20 × more often than chance). */
  minCohesion?: number;
  /** The least of left and right neighbour entropy (nats); default 2. */
  minEntropy?: number;
  /** Words already known, never reported again: e.g. `RETAIL_DICTIONARY.words` or the words learned so far. */
  known?: ReadonlySet<string>;
  /** At most this many results; default all. */
  limit?: number;
}

/** A detected new word. */
export interface NewWord {
  term: string;
  /** Occurrences in the corpus. */
  count: number;
  /** The least PMI over the term's split points (natural log). */
  cohesion: number;
  /** The lesser of the left and right neighbour entropies (nats). */
  entropy: number;
}

/** Options of detectPhrases(). */
export interface PhraseOptions {
  /** A pair must occur at least this often; default 5. */
  minCount?: number;
  /** The least PMI of the pair (natural log); default 3. */
  minPmi?: number;
  /** At most this many results; default all. */
  limit?: number;
}

/** A detected phrase: two tokens that follow each other more often than chance. */
export interface Phrase {
  /** The two tokens joined by one space. */
  phrase: string;
  count: number;
  /** ln(count · N / (count(first) · count(second))), N the number of tokens. */
  pmi: number;
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Finds words made of Han characters that the segmenter cuts apart, by the classic statistics of character n-grams
 * (lengths 2 to maxLength inside runs of Han characters; texts are normalised as by tokenize):
 * - frequency: count ≥ minCount;
 * - cohesion: for every way to cut the term in two (a|b), PMI = ln(c(term)·N / (c(a)·c(b))) with N the number of
 *   Han characters; the least of them must be ≥ minCohesion;
 * - freedom: the entropy of the characters right before the term, and of those right after, must both be
 *   ≥ minEntropy (a term's occurrence at the start or end of a run counts as a neighbour of its own each time);
 * - novelty: the segmenter does not already give the term as one token, it is not in `known`, and it neither starts
 *   nor ends with a one-character stop word (的, 了, 是 …).
 * Ordered by count (desc), then cohesion (desc), then term. Memory grows with the corpus's frequent n-grams: meant
 * for a period's sample of mentions (up to some 100,000), not for the whole history at once.
 */
export function detectNewWords(texts: Iterable<string>, options: NewWordOptions = {}): NewWord[] {
  const minCount = positiveInteger(options.minCount ?? 5, 'detectNewWords', 'minCount');
  const maxLength = positiveInteger(options.maxLength ?? 4, 'detectNewWords', 'maxLength');
  if (maxLength < 2 || maxLength > 6) throw new RangeError(`detectNewWords: options.maxLength must be 2 to 6, not ${maxLength}`);
  const minCohesion = finite(options.minCohesion ?? 3, 'detectNewWords', 'minCohesion');
  const minEntropy = finite(options.minEntropy ?? 2, 'detectNewWords', 'minEntropy');
  const known = options.known ?? new Set<string>();
  const limit = options.limit === undefined ? Infinity : positiveInteger(options.limit, 'detectNewWords', 'limit');

  const runs = hanRuns(texts);
  const { counts, total } = countFrequentNgrams(runs, maxLength, minCount);
  const candidates = new Map<string, number>();
  for (const term of counts.keys()) {
    if (term.length < 2 || known.has(term)) continue;
    if (ZH_STOP_WORDS.has(term[0]!) || ZH_STOP_WORDS.has(term[term.length - 1]!)) continue;
    const cohesion = minPmi(term, counts, total);
    if (cohesion >= minCohesion) candidates.set(term, cohesion);
  }
  const entropies = neighbourEntropies(runs, candidates, maxLength);
  const found: NewWord[] = [];
  for (const [term, cohesion] of candidates) {
    const entropy = entropies.get(term)!;
    if (entropy >= minEntropy && !segmenterKnows(term)) found.push({ term, count: counts.get(term)!, cohesion, entropy });
  }
  found.sort((a, b) => b.count - a.count || b.cohesion - a.cohesion || compare(a.term, b.term));
  return found.slice(0, limit);
}

/**
 * Finds adjacent token pairs (in lists such as tokenize gives; stop words already removed, so "adjacent" means next
 * among the kept tokens) that occur at least minCount times with PMI = ln(c(ab)·N / (c(a)·c(b))) ≥ minPmi, N being
 * the number of tokens. A token repeated (好 好) is not a phrase. Ordered by count (desc), then PMI (desc), then phrase.
 */
export function detectPhrases(tokenLists: Iterable<readonly string[]>, options: PhraseOptions = {}): Phrase[] {
  const minCount = positiveInteger(options.minCount ?? 5, 'detectPhrases', 'minCount');
  const minPmiValue = finite(options.minPmi ?? 3, 'detectPhrases', 'minPmi');
  const limit = options.limit === undefined ? Infinity : positiveInteger(options.limit, 'detectPhrases', 'limit');
  const unigrams = new Map<string, number>();
  const pairs = new Map<string, { first: string; second: string; count: number }>();
  let total = 0;
  let line = 0;
  for (const tokens of tokenLists) {
    if (!Array.isArray(tokens)) throw new TypeError(`detectPhrases: tokenLists[${line}] must be an array of strings`);
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      increment(unigrams, token);
      total++;
      const next = tokens[i + 1];
      if (next === undefined || next === token) continue;
      const key = `${token}\u0000${next}`;
      const pair = pairs.get(key);
      if (pair) pair.count++;
      else pairs.set(key, { first: token, second: next, count: 1 });
    }
    line++;
  }
  const found: Phrase[] = [];
  for (const { first, second, count } of pairs.values()) {
    if (count < minCount) continue;
    const pmi = Math.log((count * total) / (unigrams.get(first)! * unigrams.get(second)!));
    if (pmi >= minPmiValue) found.push({ phrase: `${first} ${second}`, count, pmi });
  }
  found.sort((a, b) => b.count - a.count || b.pmi - a.pmi || compare(a.phrase, b.phrase));
  return found.slice(0, limit);
}

/** The maximal runs of Han characters of every text, normalised. */
function hanRuns(texts: Iterable<string>): string[] {
  const runs: string[] = [];
  let line = 0;
  for (const text of texts) {
    if (typeof text !== 'string') throw new TypeError(`detectNewWords: texts[${line}] must be a string`);
    const normalized = normalizeText(text);
    let start = -1;
    for (let i = 0; i <= normalized.length; i++) {
      const han = i < normalized.length && isHanCode(normalized.charCodeAt(i));
      if (han && start < 0) start = i;
      else if (!han && start >= 0) {
        runs.push(normalized.slice(start, i));
        start = -1;
      }
    }
    line++;
  }
  return runs;
}

/**
 * Counts of the n-grams of 1 to maxLength characters inside the runs that occur at least minCount times, and the
 * number of characters. Level by level: an n-gram is counted only when both its (n−1)-character ends are frequent
 * (no n-gram is more frequent than its parts), which keeps the map to a fraction of all distinct n-grams.
 */
function countFrequentNgrams(runs: readonly string[], maxLength: number, minCount: number): { counts: Map<string, number>; total: number } {
  const counts = new Map<string, number>();
  let total = 0;
  for (const run of runs) total += run.length;
  for (let length = 1; length <= maxLength; length++) {
    const level = new Map<string, number>();
    for (const run of runs)
      for (let i = 0; i + length <= run.length; i++) {
        if (length > 1 && !(counts.has(run.slice(i, i + length - 1)) && counts.has(run.slice(i + 1, i + length)))) continue;
        increment(level, run.slice(i, i + length));
      }
    for (const [gram, count] of level) if (count >= minCount) counts.set(gram, count);
  }
  return { counts, total };
}

/** The least PMI over the split points of a term. */
function minPmi(term: string, counts: ReadonlyMap<string, number>, total: number): number {
  const count = counts.get(term)!;
  let least = Infinity;
  for (let cut = 1; cut < term.length; cut++) {
    const pmi = Math.log((count * total) / (counts.get(term.slice(0, cut))! * counts.get(term.slice(cut))!));
    least = Math.min(least, pmi);
  }
  return least;
}

/** For each candidate, the lesser of its left and right neighbour entropies. */
function neighbourEntropies(runs: readonly string[], candidates: ReadonlyMap<string, number>, maxLength: number): Map<string, number> {
  const sides = new Map<string, { left: Neighbours; right: Neighbours }>();
  for (const term of candidates.keys()) sides.set(term, { left: newNeighbours(), right: newNeighbours() });
  for (const run of runs)
    for (let i = 0; i < run.length; i++)
      for (let length = 2; length <= maxLength && i + length <= run.length; length++) {
        const side = sides.get(run.slice(i, i + length));
        if (side === undefined) continue;
        addNeighbour(side.left, i > 0 ? run[i - 1]! : undefined);
        addNeighbour(side.right, i + length < run.length ? run[i + length]! : undefined);
      }
  const entropies = new Map<string, number>();
  for (const [term, { left, right }] of sides) entropies.set(term, Math.min(entropy(left), entropy(right)));
  return entropies;
}

interface Neighbours {
  chars: Map<string, number>;
  /** Occurrences at a run's edge, each a distinct neighbour. */
  edges: number;
}

function newNeighbours(): Neighbours {
  return { chars: new Map(), edges: 0 };
}

function addNeighbour(neighbours: Neighbours, char: string | undefined): void {
  if (char === undefined) neighbours.edges++;
  else increment(neighbours.chars, char);
}

/** Shannon entropy (nats) of the neighbour distribution; each edge occurrence has probability 1/n of its own. */
function entropy({ chars, edges }: Neighbours): number {
  let n = edges;
  for (const count of chars.values()) n += count;
  let h = edges > 0 ? (edges / n) * Math.log(n) : 0;
  for (const count of chars.values()) h -= (count / n) * Math.log(count / n);
  return h;
}

/** True when the segmenter already gives the term as one word. */
function segmenterKnows(term: string): boolean {
  const first = segmenter.segment(term)[Symbol.iterator]().next().value;
  return first !== undefined && first.segment === term;
}
