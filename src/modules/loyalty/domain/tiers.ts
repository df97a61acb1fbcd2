import { z } from 'zod';

/**
 * Tier sets: what a member's tier is measured by, the tiers in order with their thresholds and
 * benefits, the yearly review and the growth-value rules. Pure: no database, no clock.
 *
 * Measures (thresholds and `missing` are in the measure's unit):
 * - `growth`: the member's growth value (成长值), accounts.growth, in growth points. It never lapses;
 *   returns take back what their refund earned.
 * - `yearly_spend`: net spend in the 12 months up to the instant of evaluation (a rolling window,
 *   not the calendar year, so a review on any day looks at a full year), in fen: paid minus
 *   refunded of the non-cancelled orders placed in (asOf − 12 months, asOf].
 */
export const TIER_MEASURES = ['yearly_spend', 'growth'] as const;
export type TierMeasure = (typeof TIER_MEASURES)[number];

export const MEASURE_UNIT: Record<TierMeasure, 'fen' | 'growth'> = { yearly_spend: 'fen', growth: 'growth' };

const code = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower_snake_case code, e.g. gold');

export const LocalizedName = z
  .object({
    'zh-CN': z.string().trim().min(1).max(60),
    en: z.string().trim().min(1).max(60),
  })
  .strict();
export type LocalizedName = z.infer<typeof LocalizedName>;

const percent = z.number().min(0).max(100);

export const TierBenefits = z
  .object({
    /** Member discount at checkout, in percent off (e.g. 5 = 5 % off). */
    discountPercent: percent.optional(),
    freeShipping: z.boolean().optional(),
    /** A gift handed over in the birthday month. */
    birthdayGift: z.boolean().optional(),
    priorityService: z.boolean().optional(),
    personalStylist: z.boolean().optional(),
    earlyAccess: z.boolean().optional(),
    /** Points granted once a year on the birthday (by the birthday job). */
    birthdayPoints: z.number().int().min(0).max(1_000_000).optional(),
    /** Discount in percent for the whole birthday month. */
    birthdayDiscountPercent: percent.optional(),
  })
  .strict();
export type TierBenefits = z.infer<typeof TierBenefits>;

export const TierDefinition = z
  .object({
    code,
    name: LocalizedName,
    /** The lowest measure that qualifies, in the measure's unit (fen for yearly_spend). */
    threshold: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    benefits: TierBenefits.default({}),
  })
  .strict();
export type TierDefinition = z.infer<typeof TierDefinition>;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const TierReview = z
  .object({
    /** Month and day (MM-DD, business time zone) of the yearly review; 29 February is not allowed. */
    monthDay: z
      .string()
      .regex(/^\d{2}-\d{2}$/, 'MM-DD, e.g. 01-01')
      .refine((s) => {
        const [m, d] = s.split('-').map(Number) as [number, number];
        return m >= 1 && m <= 12 && d >= 1 && d <= MONTH_DAYS[m - 1]!;
      }, 'a day that exists every year (MM-DD, not 02-29)'),
    /** Days a member keeps a tier after a review that would lower it; 0 = lowered at the review. */
    graceDays: z.number().int().min(0).max(730),
  })
  .strict();
export type TierReview = z.infer<typeof TierReview>;

export const GrowthRules = z
  .object({
    /** Growth value per ¥1 of paid amount (rounded down per order); returns take back per ¥1 refunded. */
    perYuan: z.number().min(0).max(1000),
    /** Growth value per activity event type (survey, event_attendance, share, review, check_in, …). */
    interactions: z.record(z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'lower_snake_case event type'), z.number().int().min(0).max(100_000)),
  })
  .strict();
export type GrowthRules = z.infer<typeof GrowthRules>;

export const TierSetDefinition = z
  .object({
    measure: z.enum(TIER_MEASURES),
    tiers: z.array(TierDefinition).min(1).max(20),
    review: TierReview,
    growth: GrowthRules,
  })
  .strict()
  .superRefine((def, ctx) => {
    const seen = new Set<string>();
    def.tiers.forEach((t, i) => {
      if (seen.has(t.code)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'code'], message: `duplicate tier code ${t.code}` });
      seen.add(t.code);
      const prev = def.tiers[i - 1];
      if (prev && t.threshold <= prev.threshold)
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'threshold'], message: `must be above the previous tier's threshold (${prev.threshold})` });
    });
  });
export type TierSetDefinition = z.infer<typeof TierSetDefinition>;

const yuan = (n: number) => n * 100;

/**
 * Explorer → follower → advocate by growth value (1 per ¥1 paid plus interactions):
 * explorer from 0 (every new member), follower from 1,000 (a repeat customer: about ¥1,000 of
 * purchases or a few purchases and interactions), advocate from 5,000 (high value).
 */
export const MEMBERSHIP_PRESET: TierSetDefinition = {
  measure: 'growth',
  tiers: [
    {
      code: 'explorer',
      name: { 'zh-CN': '探索者', en: 'Explorer' },
      threshold: 0,
      benefits: { birthdayPoints: 100, birthdayDiscountPercent: 5 },
    },
    {
      code: 'follower',
      name: { 'zh-CN': '追随者', en: 'Follower' },
      threshold: 1_000,
      benefits: { discountPercent: 3, freeShipping: true, earlyAccess: true, birthdayPoints: 200, birthdayDiscountPercent: 10 },
    },
    {
      code: 'advocate',
      name: { 'zh-CN': '倡导者', en: 'Advocate' },
      threshold: 5_000,
      benefits: {
        discountPercent: 5,
        freeShipping: true,
        birthdayGift: true,
        priorityService: true,
        personalStylist: true,
        earlyAccess: true,
        birthdayPoints: 500,
        birthdayDiscountPercent: 15,
      },
    },
  ],
  review: { monthDay: '01-01', graceDays: 90 },
  growth: { perYuan: 1, interactions: { survey: 20, event_attendance: 50, share: 5, review: 10, check_in: 5 } },
};

/** Silver / gold / diamond by net spend in the last 12 months: ≥ ¥10,000, ≥ ¥20,000, ≥ ¥50,000; below silver no tier. */
export const VIP_PRESET: TierSetDefinition = {
  measure: 'yearly_spend',
  tiers: [
    {
      code: 'silver',
      name: { 'zh-CN': '银卡', en: 'Silver' },
      threshold: yuan(10_000),
      benefits: { discountPercent: 5, freeShipping: true, birthdayPoints: 200, birthdayDiscountPercent: 10 },
    },
    {
      code: 'gold',
      name: { 'zh-CN': '金卡', en: 'Gold' },
      threshold: yuan(20_000),
      benefits: {
        discountPercent: 8,
        freeShipping: true,
        birthdayGift: true,
        priorityService: true,
        earlyAccess: true,
        birthdayPoints: 500,
        birthdayDiscountPercent: 15,
      },
    },
    {
      code: 'diamond',
      name: { 'zh-CN': '钻石卡', en: 'Diamond' },
      threshold: yuan(50_000),
      benefits: {
        discountPercent: 12,
        freeShipping: true,
        birthdayGift: true,
        priorityService: true,
        personalStylist: true,
        earlyAccess: true,
        birthdayPoints: 1_000,
        birthdayDiscountPercent: 20,
      },
    },
  ],
  review: { monthDay: '01-01', graceDays: 90 },
  growth: { perYuan: 1, interactions: { survey: 20, event_attendance: 50, share: 5, review: 10, check_in: 5 } },
};

export const TIER_PRESETS = {
  membership: { name: 'Explorer / Follower / Advocate', definition: MEMBERSHIP_PRESET },
  vip: { name: 'Silver / Gold / Diamond', definition: VIP_PRESET },
} as const;
export type TierPreset = keyof typeof TIER_PRESETS;

/** The set in force when none was activated: the built-in explorer / follower / advocate, version 0. */
export const DEFAULT_TIER_SET = { code: 'membership', version: 0, name: TIER_PRESETS.membership.name, definition: MEMBERSHIP_PRESET };

/** Index of the highest tier the measure reaches; -1 when below the first threshold. */
export function tierRank(measure: number, set: TierSetDefinition): number {
  let rank = -1;
  set.tiers.forEach((t, i) => {
    if (measure >= t.threshold) rank = i;
  });
  return rank;
}

/** The tier a measure qualifies for, or null below the first threshold. */
export function tierFor(measure: number, set: TierSetDefinition): TierDefinition | null {
  return set.tiers[tierRank(measure, set)] ?? null;
}

export interface TierProgress {
  current: TierDefinition | null;
  /** Null at the top tier. */
  next: { code: string; name: LocalizedName; threshold: number; missing: number } | null;
}

/** Progress from a tier (the member's, which may be above what the measure reaches during grace) to the next one. */
export function progressFor(measure: number, set: TierSetDefinition, currentCode?: string | null): TierProgress {
  const held = currentCode ? set.tiers.findIndex((t) => t.code === currentCode) : -1;
  const rank = Math.max(held, tierRank(measure, set));
  const next = set.tiers[rank + 1];
  return {
    current: set.tiers[rank] ?? null,
    next: next ? { code: next.code, name: next.name, threshold: next.threshold, missing: Math.max(0, next.threshold - measure) } : null,
  };
}

export type ReviewMode = 'qualify' | 'settle' | 'review';

export type ReviewAction =
  /** Nothing changes. */
  | 'keep'
  /** First tier in this set (a new member, or the set was changed). */
  | 'assign'
  /** Up to a higher tier, at once. */
  | 'upgrade'
  /** Qualifies again for the tier held in grace: grace cleared. */
  | 'requalified'
  /** A review would lower the tier: kept until the grace ends. */
  | 'grace'
  | 'downgrade'
  /** A manual assignment has ended: the rules decide again. */
  | 'manual_ended';

export interface ReviewInput {
  /** The member's tier_set: this set, another (earlier active) set, or none yet. */
  set: 'this' | 'other' | 'none';
  /** Rank of the tier held in this set; -1 for none (or a code this version no longer has). */
  currentRank: number;
  qualifiedRank: number;
  graceUntil: Date | null;
  manualUntil: Date | null;
  asOf: Date;
  graceDays: number;
  mode: ReviewMode;
}

/**
 * What happens to one member. `qualify` (after purchases and interactions) only raises; `settle`
 * (the daily job) also ends graces that ran out and manual assignments; `review` (the yearly
 * review) additionally starts a grace for every member whose measure fell below the tier held.
 * The SQL in TiersService implements exactly this table for all members at once.
 */
export function reviewDecision(m: ReviewInput): ReviewAction {
  if (m.manualUntil && m.manualUntil > m.asOf) return 'keep';
  if (m.set === 'none') return m.qualifiedRank < 0 ? 'keep' : 'assign';
  if (m.set === 'other') return 'assign';
  if (m.manualUntil) return 'manual_ended';
  const current = m.currentRank;
  if (m.qualifiedRank > current) return 'upgrade';
  if (m.qualifiedRank === current) return m.graceUntil ? 'requalified' : 'keep';
  if (m.graceUntil) return m.graceUntil <= m.asOf && m.mode !== 'qualify' ? 'downgrade' : 'keep';
  if (m.mode !== 'review') return 'keep';
  return m.graceDays > 0 ? 'grace' : 'downgrade';
}

/** The day a birthday is celebrated in a year: 29 February falls on 28 February in non-leap years. */
export function birthdayIn(year: number, birthday: string): string {
  const [, mm, dd] = birthday.split('-');
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = mm === '02' && dd === '29' && !leap ? '28' : dd;
  return `${String(year).padStart(4, '0')}-${mm}-${day}`;
}

/** Whether a birthday's grant is due on a date: on the day or later in the same month (catching up a missed run). */
export function birthdayDue(asOfDate: string, birthday: string): boolean {
  const celebrated = birthdayIn(Number(asOfDate.slice(0, 4)), birthday);
  return celebrated.slice(0, 7) === asOfDate.slice(0, 7) && celebrated <= asOfDate;
}

/** Growth value of an amount in fen at a rate per ¥1, rounded down. */
export function growthForFen(fen: number, perYuan: number): number {
  return Math.floor((fen * perYuan) / 100 + 1e-9);
}
