import { z } from 'zod';

/**
 * RFM scoring, the seeds' four value classes, the 11 named RFM segments and the value matrix — the one definition
 * both the database run (rfm.sql.ts builds its SQL from these constants) and `kemai rfm --from FILE` use.
 *
 * Scores 1–5, 5 best (R: more recent = higher). Quintiles never split ties: a customer's score is
 *   1 + floor(5 × (customers strictly worse than him) / (customers scored))
 * where "worse" is a larger recency, a smaller frequency, a smaller monetary value. Equal values always get the same
 * score; a large tie lifts everyone in it to the score of its first member, so a score may hold more or fewer than a
 * fifth and a score can be empty (e.g. when 60% bought once, F is 1 for them and the next F is 4).
 * In SQL that is `1 + 5 * (rank() over (order by x) - 1) / count(*) over ()` in integer arithmetic.
 */

export const RFM_SCORES = [1, 2, 3, 4, 5] as const;
export type Score = 1 | 2 | 3 | 4 | 5;

export const VALUE_CLASSES = ['high_value', 'potential', 'general', 'low_value'] as const;
export type ValueClass = (typeof VALUE_CLASSES)[number];

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalists',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

export const VALUE_QUADRANTS = ['strategic', 'growth', 'basic', 'marginal'] as const;
export type ValueQuadrant = (typeof VALUE_QUADRANTS)[number];

/** Score with no ties split: 1 + floor(5 × worse / n). */
export function quintileScore(worse: number, n: number): Score {
  return (1 + Math.floor((5 * worse) / n)) as Score;
}

/**
 * Fixed thresholds: four ascending cut points per measure.
 * - recencyDays [a, b, c, d]: R = 5 if recency ≤ a, 4 if ≤ b, 3 if ≤ c, 2 if ≤ d, else 1.
 * - frequency / monetaryFen [a, b, c, d]: score = 1 + how many cut points the value reaches (≥).
 */
const cuts = (name: string) =>
  z
    .array(z.number().int().min(0))
    .length(4)
    .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]!), `${name}: four strictly ascending cut points`);
export const RfmThresholds = z
  .object({ recencyDays: cuts('recencyDays'), frequency: cuts('frequency'), monetaryFen: cuts('monetaryFen') })
  .strict();
export type RfmThresholds = z.infer<typeof RfmThresholds>;

export function thresholdScores(t: RfmThresholds, recencyDays: number, frequency: number, monetaryFen: number): { r: Score; f: Score; m: Score } {
  const r = (5 - t.recencyDays.filter((c) => recencyDays > c).length) as Score;
  const f = (1 + t.frequency.filter((c) => frequency >= c).length) as Score;
  const m = (1 + t.monetaryFen.filter((c) => monetaryFen >= c).length) as Score;
  return { r, f, m };
}

/**
 * The seeds' four classes (product.md §2), total over the 125 (R, F, M) cells:
 * - recent (R ≥ 3) and F ≥ 3 and M ≥ 3 → high_value;
 * - recent (R ≥ 3) otherwise → potential (buys lately, not yet often or much);
 * - far (R ≤ 2) and F + M ≥ 6 (F and M middling or better on average) → general;
 * - far (R ≤ 2) otherwise → low_value.
 */
export function valueClassOf(r: number, f: number, m: number): ValueClass {
  if (r >= 3) return f >= 3 && m >= 3 ? 'high_value' : 'potential';
  return f + m >= 6 ? 'general' : 'low_value';
}

/** FM = the average of F and M, a half rounded up: ceil((F + M) / 2). */
export const fmOf = (f: number, m: number) => Math.floor((f + m + 1) / 2);

/** The named segments on R (rows, 5 first) × FM (columns 1..5). */
export const SEGMENT_GRID: ReadonlyArray<readonly RfmSegment[]> = [
  /* R=5 */ ['new', 'potential_loyalists', 'potential_loyalists', 'champions', 'champions'],
  /* R=4 */ ['promising', 'potential_loyalists', 'loyal', 'champions', 'champions'],
  /* R=3 */ ['promising', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  /* R=2 */ ['hibernating', 'about_to_sleep', 'at_risk', 'at_risk', 'cant_lose'],
  /* R=1 */ ['lost', 'hibernating', 'at_risk', 'cant_lose', 'cant_lose'],
];

export function segmentOf(r: number, f: number, m: number): RfmSegment {
  return SEGMENT_GRID[5 - r]![fmOf(f, m) - 1]!;
}

/** Lookup arrays indexed 1-based by (R−1)·25 + (F−1)·5 + M, so the SQL uses exactly these functions. */
export function cellTables(): { classes: string[]; segments: string[] } {
  const classes: string[] = [];
  const segments: string[] = [];
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++)
      for (let m = 1; m <= 5; m++) {
        classes.push(valueClassOf(r, f, m));
        segments.push(segmentOf(r, f, m));
      }
  return { classes, segments };
}

/** Recommended care per class (product.md §2): "80% of resources on the 20% that matter". */
export const TREATMENTS: Record<ValueClass, { key: string; channels: string[]; actions: string[] }> = {
  high_value: {
    key: 'dedicated_care',
    channels: ['account_manager', 'vip_channel'],
    actions: ['Assign a dedicated account manager', 'Serve through the VIP channel (priority line, private events)'],
  },
  potential: {
    key: 'upgrade',
    channels: ['sms', 'wechat', 'app_push'],
    actions: ['Upgrade offers (bundles, next tier)', 'Trials and samples of higher-value products'],
  },
  general: {
    key: 'standard_care',
    channels: ['wechat', 'email'],
    actions: ['Automated standard care (service reminders, holidays)', 'Satisfaction surveys'],
  },
  low_value: {
    key: 'low_cost',
    channels: ['email', 'app_push'],
    actions: ['Low-cost automated contact only (newsletter, push)'],
  },
};

/** Potential value proxy horizon: revenue per active day × 365 (see README, value matrix). */
export const POTENTIAL_HORIZON_DAYS = 365;
/** A customer's active span is at least this long, so a one-day customer is not projected at his first day's rate. */
export const MIN_SPAN_DAYS = 90;

/**
 * Potential value (fen) until predicted CLV exists: the customer's net revenue rate over his active span
 * (first order's business date to as-of, inclusive, at least MIN_SPAN_DAYS) projected over a year:
 * floor(revenue × 365 / span). Equal to average order value × orders per day × 365.
 */
export function potentialValueFen(revenueFen: number, firstDaysAgo: number): number {
  const span = Math.max(firstDaysAgo + 1, MIN_SPAN_DAYS);
  return Math.floor((revenueFen * POTENTIAL_HORIZON_DAYS) / span);
}

/** The lower median (percentile_disc(0.5)): the value at index ceil(n / 2) − 1 of the sorted values. */
export function lowerMedian(sorted: readonly number[]): number {
  return sorted[Math.ceil(sorted.length / 2) - 1]!;
}

/** High = at or above the lower median, so at least half are high on each axis. */
export function quadrantOf(current: number, potential: number, medianCurrent: number, medianPotential: number): ValueQuadrant {
  const hc = current >= medianCurrent;
  const hp = potential >= medianPotential;
  return hc ? (hp ? 'strategic' : 'basic') : hp ? 'growth' : 'marginal';
}
