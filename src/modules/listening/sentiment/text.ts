/**
 * Text → hashed binary features for the sentiment model: normalisation, language detection, character n-grams,
 * word unigrams and bigrams (Intl.Segmenter) with negation scopes, all hashed (FNV-1a on UTF-16 code units, then a
 * murmur3 finaliser) into 2^bits buckets without allocating a string per n-gram.
 */

/** The two languages the model reads. */
export type Lang = 'zh' | 'en';

/** Which features a text yields; stored in the model file so scoring extracts exactly what training saw. */
export interface FeatureConfig {
  /** log2 of the number of hash buckets (18–22). */
  bits: number;
  /** Character n-gram lengths for Chinese text, inclusive (0 / 0: none). */
  zhChar: [number, number];
  /** Character n-gram lengths for English text, inclusive (0 / 0: none). */
  enChar: [number, number];
  /** Word unigrams and bigrams from Intl.Segmenter. */
  words: boolean;
  /** Words after a negator (不, 没有, not, n't, …) up to the clause's end get their own "negated" features. */
  negation: boolean;
  /** Chinese character skip-bigrams (a·c of every a b c): 不X好-style patterns a contiguous n-gram splits. */
  skipGrams?: boolean;
}

/** The features the shipped model was chosen with (on the validation slice; see EVALUATION.md). */
export const DEFAULT_FEATURES: FeatureConfig = { bits: 20, zhChar: [1, 3], enChar: [2, 5], words: true, negation: true };

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SEED_CHAR = 0x9e3779b1;
const SEED_WORD = 0x85ebca6b;
const SEED_NEG_WORD = 0xc2b2ae35;
const SEED_BIGRAM = 0x27d4eb2f;
const SEED_SKIP = 0xd3a2646c;
const SEED_TFIDF = 0x2545f491;

/** murmur3's 32-bit finaliser: spreads FNV's low bits before masking. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over a string's UTF-16 code units, starting from `seed`. */
export function fnv1a(s: string, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

const HAN = /\p{Script=Han}/gu;
const LATIN = /[a-z]/gi;
const REPEAT = /(.)\1{3,}/gsu;
const SPACES = /\s+/gu;
// BOM, NEL (imdb's U+0085) and other controls become spaces before NFKC.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\ufeff\u200b-\u200d]/gu;

/**
 * The text every feature is read from: controls and BOM out, NFKC (full-width → half-width, compatibility forms),
 * lower case, a character repeated more than 3 times cut to 3 (好好好好好 → 好好好, !!!!! → !!!), runs of white
 * space collapsed.
 */
export function normalise(text: string): string {
  return text.replace(CONTROLS, ' ').normalize('NFKC').toLowerCase().replace(REPEAT, '$1$1$1').replace(SPACES, ' ').trim();
}

/** 'zh' when the text has Han characters and at least one per three Latin letters; 'en' otherwise. */
export function detectLang(normalised: string): Lang {
  const han = normalised.match(HAN)?.length ?? 0;
  if (han === 0) return 'en';
  const latin = normalised.match(LATIN)?.length ?? 0;
  return han * 3 >= latin ? 'zh' : 'en';
}

const ZH_NEGATORS = new Set(['不', '没', '没有', '别', '未', '无', '非', '不是', '不要', '不会', '不能', '不太', '不够', '并不', '从不', '绝不', '毫不', '不怎么', '不再', '无法', '没法']);
const EN_NEGATORS = new Set(['not', 'no', 'never', 'none', 'nothing', 'nobody', 'neither', 'nor', 'cannot', 'without', 'hardly', 'barely', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'wont', 'cant', 'couldnt', 'shouldnt', 'wouldnt', 'aint']);

function isNegator(word: string, lang: Lang): boolean {
  return lang === 'zh' ? ZH_NEGATORS.has(word) : EN_NEGATORS.has(word) || word.endsWith("n't");
}

/** A clause ends at punctuation other than apostrophes and hyphens (white space does not end it). */
const CLAUSE_END = /[^\s'\-]/u;

const segmenters: Record<Lang, Intl.Segmenter> = {
  zh: new Intl.Segmenter('zh', { granularity: 'word' }),
  en: new Intl.Segmenter('en', { granularity: 'word' }),
};

/**
 * Extracts one text's distinct feature buckets into a reusable buffer. One instance per model (it keeps a stamp per
 * bucket to drop repeats in O(1)); not re-entrant, which a single JavaScript thread never needs.
 */
export class FeatureHasher {
  private readonly mask: number;
  private readonly stamp: Uint32Array;
  private tick = 0;
  private buf = new Int32Array(1024);
  private n = 0;

  constructor(readonly config: FeatureConfig) {
    if (!Number.isInteger(config.bits) || config.bits < 10 || config.bits > 24) throw new Error(`feature bits must be an integer in 10…24, got ${config.bits}`);
    this.mask = (1 << config.bits) - 1;
    this.stamp = new Uint32Array(1 << config.bits);
  }

  /**
   * A text's language and its distinct feature buckets. The returned array is a view of the hasher's buffer, valid
   * until the next call.
   */
  extract(text: string): { lang: Lang; buckets: Int32Array } {
    const s = normalise(text);
    const lang = detectLang(s);
    this.begin();
    const [lo, hi] = lang === 'zh' ? this.config.zhChar : this.config.enChar;
    if (hi > 0) this.charGrams(lang === 'zh' ? s : ` ${s} `, lo, hi);
    if (lang === 'zh' && this.config.skipGrams) this.skipGrams(s);
    if (this.config.words) this.wordGrams(s, lang);
    return { lang, buckets: this.buf.subarray(0, this.n) };
  }

  private begin(): void {
    this.n = 0;
    if (++this.tick === 0xffffffff) {
      this.stamp.fill(0);
      this.tick = 1;
    }
  }

  private add(hash: number): void {
    const b = fmix32(hash) & this.mask;
    if (this.stamp[b] === this.tick) return;
    this.stamp[b] = this.tick;
    if (this.n === this.buf.length) {
      const bigger = new Int32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = b;
  }

  private charGrams(s: string, lo: number, hi: number): void {
    for (let i = 0; i < s.length; i++) {
      let h = SEED_CHAR;
      const end = Math.min(s.length, i + hi);
      for (let j = i; j < end; j++) {
        h = Math.imul(h ^ s.charCodeAt(j), FNV_PRIME);
        if (j - i + 1 >= lo) this.add(h);
      }
    }
  }

  private skipGrams(s: string): void {
    for (let i = 0; i + 2 < s.length; i++) this.add(Math.imul(Math.imul(SEED_SKIP ^ s.charCodeAt(i), FNV_PRIME) ^ s.charCodeAt(i + 2), FNV_PRIME));
  }

  private wordGrams(s: string, lang: Lang): void {
    let previous = -1;
    let negated = false;
    for (const { segment, isWordLike } of segmenters[lang].segment(s)) {
      if (!isWordLike) {
        if (CLAUSE_END.test(segment)) {
          previous = -1;
          negated = false;
        }
        continue;
      }
      const h = fnv1a(segment, SEED_WORD);
      this.add(h);
      if (previous !== -1) this.add(Math.imul(previous ^ SEED_BIGRAM, FNV_PRIME) ^ h);
      previous = h;
      if (!this.config.negation) continue;
      if (negated) this.add(fnv1a(segment, SEED_NEG_WORD));
      else if (isNegator(segment, lang)) negated = true;
    }
  }
}

/**
 * Counts one text's character n-grams into 2^bits hashed buckets, for the model's TF-IDF view: the same normalised
 * text as {@link FeatureHasher}, every n-gram of length lo…hi (English padded with a space at each end). One instance
 * per model; not re-entrant.
 */
export class GramCounter {
  private readonly mask: number;
  private readonly stamp: Uint32Array;
  private readonly slot: Int32Array;
  private tick = 0;
  private buf = new Int32Array(1024);
  private tf = new Uint16Array(1024);
  private n = 0;

  constructor(
    readonly bits: number,
    readonly ngram: [number, number],
  ) {
    if (!Number.isInteger(bits) || bits < 10 || bits > 24) throw new Error(`feature bits must be an integer in 10…24, got ${bits}`);
    this.mask = (1 << bits) - 1;
    this.stamp = new Uint32Array(1 << bits);
    this.slot = new Int32Array(1 << bits);
  }

  /** A text's language, its distinct buckets and their counts (views of the counter's buffers, valid until the next call). */
  count(text: string): { lang: Lang; buckets: Int32Array; counts: Uint16Array } {
    const normalised = normalise(text);
    const lang = detectLang(normalised);
    const s = lang === 'zh' ? normalised : ` ${normalised} `;
    this.n = 0;
    if (++this.tick === 0xffffffff) {
      this.stamp.fill(0);
      this.tick = 1;
    }
    const [lo, hi] = this.ngram;
    for (let i = 0; i < s.length; i++) {
      let h = SEED_TFIDF;
      const end = Math.min(s.length, i + hi);
      for (let j = i; j < end; j++) {
        h = Math.imul(h ^ s.charCodeAt(j), FNV_PRIME);
        if (j - i + 1 >= lo) this.bump(fmix32(h) & this.mask);
      }
    }
    return { lang, buckets: this.buf.subarray(0, this.n), counts: this.tf.subarray(0, this.n) };
  }

  private bump(b: number): void {
    if (this.stamp[b] === this.tick) {
      const k = this.slot[b]!;
      if (this.tf[k]! < 65535) this.tf[k]!++;
      return;
    }
    this.stamp[b] = this.tick;
    if (this.n === this.buf.length) {
      const buf = new Int32Array(this.n * 2);
      buf.set(this.buf);
      this.buf = buf;
      const tf = new Uint16Array(this.n * 2);
      tf.set(this.tf);
      this.tf = tf;
    }
    this.slot[b] = this.n;
    this.buf[this.n] = b;
    this.tf[this.n++] = 1;
  }
}
