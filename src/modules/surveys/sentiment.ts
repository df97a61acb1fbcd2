import type { SurveyLocale } from './surveys.schemas.js';

/** One text's sentiment: a score from −1 (negative) to 1 (positive) and its label (e.g. negative | neutral | positive). */
export interface Sentiment {
  score: number;
  label: string;
}

/**
 * What the listening module (issue 12) provides to score verbatims: one result per text, in order. Until a scorer is
 * set (SurveysService.useScorer), responses keep sentiment and its label null. A scorer that throws leaves them null.
 */
export interface SentimentScorer {
  score(texts: readonly string[], locale: SurveyLocale): Promise<Sentiment[]>;
}

/** A scorer's answer clamped to −1…1 (null for anything not a finite number). */
export function clampSentiment(s: Sentiment | undefined): Sentiment | null {
  if (!s || typeof s.score !== 'number' || !Number.isFinite(s.score)) return null;
  return { score: Math.max(-1, Math.min(1, s.score)), label: String(s.label ?? '').slice(0, 40) };
}
