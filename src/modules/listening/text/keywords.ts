/**
 * Keywords of one mention: what is stored with it and counted for heat and trends.
 */
import type { Dictionary } from './dictionary.js';
import { tokenize, type Lang } from './segment.js';
import { positiveInteger } from './util.js';

/** Options of extractKeywords(). */
export interface KeywordOptions {
  /** At most this many keywords (a positive integer); default 8. */
  max?: number;
  /** Words kept whole; default RETAIL_DICTIONARY. */
  dictionary?: Dictionary;
  /** The Segmenter locale; default detectLang(text). */
  lang?: Lang;
}

/**
 * The distinct tokens of a text (see tokenize) in order of first appearance, at most `max` of them.
 * Short mentions rarely have more than eight distinct content words, so first appearance loses little and keeps the
 * result stable (the same text always gives the same keywords, whatever the corpus).
 */
export function extractKeywords(text: string, options: KeywordOptions = {}): string[] {
  const max = positiveInteger(options.max ?? 8, 'extractKeywords', 'max');
  const seen = new Set<string>();
  for (const token of tokenize(text, options)) {
    seen.add(token);
    if (seen.size === max) break;
  }
  return [...seen];
}
