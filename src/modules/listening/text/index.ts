/**
 * Text analytics for social listening: tokenization, keywords, new words and phrases, trending terms, aspect hints.
 * Pure functions, no database. See README.md in this folder.
 */
export { createDictionary, normalizeText, RETAIL_DICTIONARY, RETAIL_WORDS, type Dictionary } from './dictionary.js';
export { EN_STOP_WORDS, isStopWord, ZH_STOP_WORDS } from './stopwords.js';
export { detectLang, SINGLE_CHAR_WORDS, tokenize, ZH_SHARE, type Lang, type TokenizeOptions } from './segment.js';
export { extractKeywords, type KeywordOptions } from './keywords.js';
export { detectNewWords, detectPhrases, type NewWord, type NewWordOptions, type Phrase, type PhraseOptions } from './newwords.js';
export { countTerms, heat, logLikelihood, trendingTerms, type HeatOptions, type HeatTerm, type TrendingOptions, type TrendingTerm } from './trending.js';
export { aspectHints, ASPECTS, EN_ASPECT_CUES, ZH_ASPECT_CUES, type Aspect } from './aspects.js';
