/**
 * The survey scores, from exact counts (no floating point until the last division):
 * - NPS: answers 0–10; promoters 9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors, one decimal.
 * - CSAT: answers 1–5; satisfied 4–5; CSAT = % satisfied, one decimal; the mean, two decimals.
 * - Response rate: responded / sent, %, one decimal.
 * Rounding is half away from zero (−12.25 → −12.3, 12.25 → 12.3). No answers: null.
 */

export interface NpsCounts {
  promoters: number;
  passives: number;
  detractors: number;
}

export interface NpsScore extends NpsCounts {
  n: number;
  nps: number | null;
}

export interface CsatCounts {
  /** Answers. */
  n: number;
  /** Answers of 4 or 5. */
  satisfied: number;
  /** The sum of the answers (for the mean). */
  sum: number;
}

export interface CsatScore extends CsatCounts {
  csat: number | null;
  mean: number | null;
}

/** `numerator / denominator` rounded half away from zero to `decimals`, computed on integers where they are. */
export function ratio(numerator: number, denominator: number, decimals: number): number | null {
  if (denominator === 0) return null;
  const scale = 10 ** decimals;
  const scaled = (numerator * scale) / denominator;
  const sign = scaled < 0 ? -1 : 1;
  // The epsilon absorbs binary error in a quotient like 1.005 × 100; exact halves stay halves.
  const r = (sign * Math.floor(Math.abs(scaled) + 0.5 + 1e-9)) / scale;
  return r === 0 ? 0 : r;
}

export function isNpsAnswer(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 10;
}

export function isFivePointAnswer(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 5;
}

export function npsCategory(score: number): 'promoter' | 'passive' | 'detractor' {
  if (!isNpsAnswer(score)) throw new RangeError(`an NPS answer is 0–10, not ${score}`);
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

export function npsFromCounts(c: NpsCounts): NpsScore {
  const n = c.promoters + c.passives + c.detractors;
  return { n, promoters: c.promoters, passives: c.passives, detractors: c.detractors, nps: ratio((c.promoters - c.detractors) * 100, n, 1) };
}

export function nps(answers: readonly number[]): NpsScore {
  const c: NpsCounts = { promoters: 0, passives: 0, detractors: 0 };
  for (const a of answers) c[`${npsCategory(a)}s` as keyof NpsCounts]++;
  return npsFromCounts(c);
}

export function csatFromCounts(c: CsatCounts): CsatScore {
  return { n: c.n, satisfied: c.satisfied, sum: c.sum, csat: ratio(c.satisfied * 100, c.n, 1), mean: ratio(c.sum, c.n, 2) };
}

export function csat(answers: readonly number[]): CsatScore {
  let satisfied = 0;
  let sum = 0;
  for (const a of answers) {
    if (!isFivePointAnswer(a)) throw new RangeError(`a CSAT answer is 1–5, not ${a}`);
    if (a >= 4) satisfied++;
    sum += a;
  }
  return csatFromCounts({ n: answers.length, satisfied, sum });
}

/** Responded / sent in %, one decimal; null when nothing was sent. */
export function responseRate(responded: number, sent: number): number | null {
  return ratio(responded * 100, sent, 1);
}
