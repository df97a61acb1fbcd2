import { z } from 'zod';

/**
 * The points programme's rules: one JSON document per version (loyalty.program_versions.rules).
 * Every field has a default, so `ProgramRules.parse({})` is the default programme (version 0).
 */

/** A multiplier factor with at most two decimals (×1.5, ×2): kept as an integer percentage for exact maths. */
const Factor = z
  .number()
  .positive()
  .max(100)
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-9, 'at most two decimals');

const Instant = z.iso.datetime({ offset: true });

export const Multiplier = z.discriminatedUnion('kind', [
  /** Lines whose product has this category anywhere on its category path. */
  z.object({ kind: z.literal('category'), category: z.string().min(1), factor: Factor }),
  z.object({ kind: z.literal('sku'), sku: z.string().min(1), factor: Factor }),
  /** Every line of a member currently holding this tier. */
  z.object({ kind: z.literal('tier'), tierCode: z.string().min(1), factor: Factor }),
  /** Every line of an order placed (business zone) in the member's birthday month. */
  z.object({ kind: z.literal('birthday_month'), factor: Factor }),
  /** Every line of an order placed in [from, to). */
  z.object({ kind: z.literal('date_range'), from: Instant, to: Instant, factor: Factor }),
]);
export type Multiplier = z.infer<typeof Multiplier>;

const Points = z.number().int().min(0).max(1_000_000_000);

export const EVENT_KINDS = [
  'sign_up',
  'first_purchase',
  'review',
  'share',
  'survey',
  'store_check_in',
  'referral_referrer',
  'referral_referee',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const Expiry = z.discriminatedUnion('policy', [
  /** Each award expires at the start of the day after the same date N months later (business zone). */
  z.object({ policy: z.literal('rolling_months'), months: z.number().int().min(1).max(120) }),
  /** An award expires at midnight starting 1 January of (award year + yearsAfter + 1), business zone. */
  z.object({ policy: z.literal('end_of_year'), yearsAfter: z.number().int().min(0).max(10).default(1) }),
  z.object({ policy: z.literal('never') }),
]);
export type Expiry = z.infer<typeof Expiry>;

export const ProgramRules = z
  .object({
    earn: z
      .object({
        /** `points` for every `perFen` of net paid amount (10 per ¥100 = 10 per 10000 fen). */
        points: z.number().int().min(0).max(100_000).default(10),
        perFen: z.number().int().min(1).max(100_000_000).default(10_000),
        /** The only rounding: the order's weighted amount × rate, floored once per order (never per line). */
        rounding: z.literal('floor').default('floor'),
      })
      .prefault({}),
    multipliers: z.array(Multiplier).max(200).default([]),
    /** highest: a line gets the largest factor that matches it; product: all matching factors multiplied. */
    multiplierCombination: z.enum(['highest', 'product']).default('highest'),
    eventPoints: z
      .object({
        sign_up: Points.default(100),
        first_purchase: Points.default(200),
        review: Points.default(20),
        share: Points.default(10),
        survey: Points.default(20),
        store_check_in: Points.default(5),
        referral_referrer: Points.default(300),
        referral_referee: Points.default(100),
      })
      .prefault({}),
    caps: z
      .object({
        /** Most points one order can earn; null = no cap. */
        perOrder: Points.nullable().default(null),
        /** Most points a member's orders can earn on one business day; null = no cap. */
        perDay: Points.nullable().default(null),
      })
      .prefault({}),
    /** SKUs that never earn (gift cards, delivery fees). */
    excludedSkus: z.array(z.string().min(1)).max(10_000).default(['GIFT-CARD', 'DELIVERY-FEE']),
    /** Days an award stays pending (the return window); 0 = available at once. */
    pendingDays: z.number().int().min(0).max(365).default(7),
    expiry: Expiry.default({ policy: 'rolling_months', months: 24 }),
    /** A return whose points were already spent: let the balance go negative, or deduct their cash value from the refund. */
    clawbackWhenSpent: z.enum(['negative_balance', 'deduct_from_refund']).default('negative_balance'),
    /** Points worth ¥1 when paying with points (100 points = ¥1). */
    pointsPerYuanCash: z.number().int().min(1).max(1_000_000).default(100),
  })
  .superRefine((r, ctx) => {
    r.multipliers.forEach((m, i) => {
      if (m.kind === 'date_range' && Date.parse(m.to) <= Date.parse(m.from))
        ctx.addIssue({ code: 'custom', path: ['multipliers', i, 'to'], message: 'must be after from' });
    });
  });
export type ProgramRules = z.infer<typeof ProgramRules>;
export type ProgramRulesInput = z.input<typeof ProgramRules>;

export const DEFAULT_RULES: ProgramRules = ProgramRules.parse({});

/** Fen a number of points is worth when paying with points, floored (the member never gets more than the rate). */
export function pointsToFen(points: number, rules: Pick<ProgramRules, 'pointsPerYuanCash'>): number {
  return Math.floor((points * 100) / rules.pointsPerYuanCash);
}

/** Fen to deduct from a refund for points already spent: rounded up (the shop never loses to rounding). */
export function pointsToFenCeil(points: number, rules: Pick<ProgramRules, 'pointsPerYuanCash'>): number {
  return Math.ceil((points * 100) / rules.pointsPerYuanCash);
}

/** Start (as an instant) of a business-zone calendar date: `zonedMidnight('2026-01-01', 'Asia/Shanghai')`. */
export type ZonedMidnight = (date: string) => Date;

/** Calendar arithmetic on YYYY-MM-DD strings (no time zone: the caller says which zone's dates these are). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(2000, nm, 0)).getUTCDate();
  const lastDay = nm === 2 ? (isLeap(ny) ? 29 : 28) : last;
  return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d + days);
  return t.toISOString().slice(0, 10);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * When an award made on `awardDate` (its business-zone date) expires: the instant from which its
 * points are gone. Midnight in the business zone, so the last spendable moment is 23:59:59.999 of
 * the day before. Null: never.
 */
export function expiryOf(awardDate: string, expiry: Expiry, midnight: ZonedMidnight): Date | null {
  switch (expiry.policy) {
    case 'never':
      return null;
    case 'rolling_months':
      return midnight(addDays(addMonths(awardDate, expiry.months), 1));
    case 'end_of_year':
      return midnight(`${String(Number(awardDate.slice(0, 4)) + expiry.yearsAfter + 1).padStart(4, '0')}-01-01`);
  }
}
