/**
 * Tokenization of short mentions (reviews, posts, comments) in Chinese, English or both mixed, with Intl.Segmenter
 * (ICU's dictionary-based word breaking for Han; Node 20 ships full ICU). No part-of-speech tagging.
 */
import { normalizeText, RETAIL_DICTIONARY, type Dictionary } from './dictionary.js';
import { isStopWord } from './stopwords.js';

/** The languages Kemai's listening distinguishes. */
export type Lang = 'zh' | 'en';

/** Options of tokenize(). */
export interface TokenizeOptions {
  /** The Segmenter locale; default detectLang(text). ICU breaks Han by dictionary and Latin by spaces in both. */
  lang?: Lang;
  /** Words kept whole (see dictionary.ts); default RETAIL_DICTIONARY. */
  dictionary?: Dictionary;
}

/**
 * Single Han characters kept as tokens: evaluative adjectives that are a mention's point on their own (太贵, 很慢).
 * Every other one-character token is dropped as too ambiguous.
 */
export const SINGLE_CHAR_WORDS: ReadonlySet<string> = new Set([
  '好', '差', '贵', '慢', '快', '坏', '破', '烂', '脏', '臭', '香', '甜', '咸', '淡', '辣', '酸', '苦', '凉', '冷', '热',
  '假', '丑', '硬', '软', '少', '腻',
]);

/** Degree adverbs folded away in front of a SINGLE_CHAR_WORDS character: 很慢, 太慢 → 慢. */
const DEGREE_PREFIXES: ReadonlySet<string> = new Set(['很', '太', '挺', '超', '蛮', '真', '好', '更', '最', '较']);

/** Negations joined to a SINGLE_CHAR_WORDS character right after them: 不|贵 → 不贵 (the opposite of 贵). */
const NEGATIONS: ReadonlySet<string> = new Set(['不', '没']);

/** The share of Han characters among letters at or above which a text counts as Chinese. */
export const ZH_SHARE = 0.3;

const segmenters: Record<Lang, Intl.Segmenter> = {
  zh: new Intl.Segmenter('zh', { granularity: 'word' }),
  en: new Intl.Segmenter('en', { granularity: 'word' }),
};

const LETTER = /\p{L}/u;

/** True for a Han character code: CJK Unified Ideographs with Extension A, and CJK Compatibility Ideographs. */
export function isHanCode(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff);
}

/** True for a Latin letter code: A–Z, a–z and the accented letters of Latin-1 Supplement and Latin Extended-A/B. */
function isLatinCode(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7);
}

/**
 * 'zh' when Han characters are at least ZH_SHARE (30 %) of the letters (Han + Latin) of the text, else 'en'.
 * A text without letters is 'en'.
 */
export function detectLang(text: string): Lang {
  requireString(text, 'detectLang', 'text');
  return langOf(text.normalize('NFKC'));
}

function langOf(normalized: string): Lang {
  let han = 0;
  let latin = 0;
  for (let i = 0; i < normalized.length; i++) {
    const code = normalized.charCodeAt(i);
    if (isHanCode(code)) han++;
    else if (isLatinCode(code)) latin++;
  }
  return han > 0 && han >= ZH_SHARE * (han + latin) ? 'zh' : 'en';
}

/**
 * The meaningful word tokens of a text, in order, repeats kept.
 *
 * 1. Normalise: NFKC (full width → half width: ＡＢＣ１２３ → abc123, ，→ ,), lower case, curly apostrophes → '.
 * 2. Segment with Intl.Segmenter (one shared instance per locale), word-like segments only (punctuation, spaces and
 *    emoji are not word-like). At each token start the dictionary's longest word is taken whole, even across
 *    segment ends (客|服 → 客服, 性|价|比高 → 性价比|高).
 * 3. Fold: a two-character Han token 'X了' or 'X的' becomes 'X'; a degree adverb (很 太 挺 超 …) before a SINGLE_CHAR_WORDS
 *    character is dropped (很慢 → 慢); 不 or 没 directly before such a character is joined to it (不|贵 → 不贵).
 * 4. Drop stop words (Chinese and English alike), tokens without a letter (numbers), single Latin letters and single
 *    Han characters other than SINGLE_CHAR_WORDS.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  requireString(text, 'tokenize', 'text');
  const normalized = normalizeText(text);
  const lang = options.lang ?? langOf(normalized);
  if (lang !== 'zh' && lang !== 'en') throw new TypeError(`tokenize: options.lang must be 'zh' or 'en', not ${String(lang)}`);
  const { words, starts } = wordSegments(normalized, segmenters[lang], options.dictionary ?? RETAIL_DICTIONARY);
  const tokens: string[] = [];
  for (let i = 0; i < words.length; i++) {
    let token = fold(words[i]!);
    if (NEGATIONS.has(token) && starts[i + 1] === starts[i]! + 1) {
      const next = fold(words[i + 1]!);
      if (SINGLE_CHAR_WORDS.has(next)) {
        token += next;
        i++;
      }
    }
    if (isMeaningful(token)) tokens.push(token);
  }
  return tokens;
}

/** Word-like segments of normalised text and where each starts, dictionary words taken whole (step 2 of tokenize). */
function wordSegments(text: string, segmenter: Intl.Segmenter, dictionary: Dictionary): { words: string[]; starts: number[] } {
  const words: string[] = [];
  const starts: number[] = [];
  let covered = 0;
  for (const { segment, index, isWordLike } of segmenter.segment(text)) {
    const end = index + segment.length;
    if (end <= covered) continue;
    let start = Math.max(index, covered);
    if (isWordLike) {
      while (start < end) {
        const length = dictionary.matchAt(text, start) || end - start;
        words.push(text.slice(start, start + length));
        starts.push(start);
        start += length;
      }
    }
    covered = Math.max(start, end);
  }
  return { words, starts };
}

/** Particles dropped from the end of a two-character Han token: 贵了 → 贵, 烂的 → 烂. */
const TRAILING_PARTICLES: ReadonlySet<string> = new Set(['了', '的']);

/** Step 3 of tokenize: 贵了 → 贵, 很慢 → 慢. */
function fold(token: string): string {
  if (token.length !== 2) return token;
  const [first, second] = [token[0]!, token[1]!];
  if (TRAILING_PARTICLES.has(second) && isHanCode(first.charCodeAt(0))) return first;
  if (DEGREE_PREFIXES.has(first) && SINGLE_CHAR_WORDS.has(second)) return second;
  return token;
}

/** Step 4 of tokenize. */
function isMeaningful(token: string): boolean {
  if (token.length === 1) return SINGLE_CHAR_WORDS.has(token);
  return LETTER.test(token) && !isStopWord(token);
}

function requireString(value: unknown, fn: string, field: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${fn}: ${field} must be a string, not ${value === null ? 'null' : typeof value}`);
}
