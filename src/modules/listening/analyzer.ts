import type { SentimentLabel } from './listening.schemas.js';
import type { SentimentModel } from './sentiment/model.js';
import { aspectHints, extractKeywords } from './text/index.js';

/** What ingest stores for one text. */
export interface Analysis {
  lang: 'zh' | 'en';
  label: SentimentLabel;
  /** −1 (negative) … 1 (positive). */
  score: number;
  aspects: string[];
  keywords: string[];
}

/** Scores, aspect hints and keywords for a batch of texts, one result per text, in order. */
export interface MentionAnalyzer {
  analyze(texts: readonly string[]): Analysis[];
}

/** The analyzer ingest uses: a sentiment model (the brand's newest trained one, or the shipped one) and the text rules. */
export function createAnalyzer(model: SentimentModel, opts: { maxKeywords?: number } = {}): MentionAnalyzer {
  const max = opts.maxKeywords ?? 8;
  return {
    analyze(texts) {
      const scored = model.scoreMany(texts);
      return texts.map((text, i) => {
        const s = scored[i]!;
        return { lang: s.lang, label: s.label, score: s.score, aspects: [...aspectHints(text, s.lang)], keywords: extractKeywords(text, { max }) };
      });
    },
  };
}
