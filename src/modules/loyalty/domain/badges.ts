import { z } from 'zod';

export const BADGE_PERIODS = ['month', 'year', 'ever'] as const;
export type BadgePeriod = (typeof BADGE_PERIODS)[number];

/**
 * What earns a badge: `count` activity events of one type (store_visit, check_in, share, …) or
 * `count` non-cancelled orders, within one calendar month or year of the business time zone, or
 * ever. `filter` narrows what counts: a store, and for orders a product category on any line.
 */
export const BadgeRule = z
  .object({
    source: z.enum(['activity', 'orders']),
    eventType: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{1,40}$/, 'lower_snake_case event type, e.g. store_visit')
      .optional()
      .describe('For source "activity": the activity event type counted'),
    count: z.number().int().min(1).max(10_000),
    period: z.enum(BADGE_PERIODS),
    filter: z
      .object({
        storeCode: z.string().trim().min(1).max(64).optional(),
        category: z.string().trim().min(1).max(100).optional().describe('For source "orders": a category on one of the order\'s lines'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.source === 'activity' && !r.eventType) ctx.addIssue({ code: 'custom', path: ['eventType'], message: 'required when source is "activity"' });
    if (r.source === 'orders' && r.eventType) ctx.addIssue({ code: 'custom', path: ['eventType'], message: 'only for source "activity"' });
    if (r.source === 'activity' && r.filter?.category) {
      ctx.addIssue({ code: 'custom', path: ['filter', 'category'], message: 'only for source "orders"' });
    }
  });
export type BadgeRule = z.output<typeof BadgeRule>;

export const BadgeInput = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, 'lower-case letters, digits, - and _, 2–64 characters')
      .describe('Stable code of the badge, e.g. store-regular'),
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(500).optional(),
    rule: BadgeRule,
    points: z.number().int().min(0).max(1_000_000).default(0).describe('Points awarded with the badge (0: none)'),
    repeatable: z.boolean().default(false).describe('Earned again in every month/year the rule is met (not with period "ever")'),
    active: z.boolean().default(true),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.repeatable && b.rule.period === 'ever') ctx.addIssue({ code: 'custom', path: ['repeatable'], message: 'a badge with period "ever" is earned once' });
  });
export type BadgeInput = z.output<typeof BadgeInput>;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The period an instant falls in, in the business time zone: '2026-05', '2026' or 'ever'. */
export function periodOf(at: Date, period: BadgePeriod, timeZone: string): string {
  if (period === 'ever') return 'ever';
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(at);
  const year = parts.find((p) => p.type === 'year')!.value;
  return period === 'year' ? year : `${year}-${parts.find((p) => p.type === 'month')!.value}`;
}

/** The SQL `to_char` pattern that gives the same period key from a local timestamp. */
export function periodPattern(period: BadgePeriod): string | undefined {
  return period === 'month' ? 'YYYY-MM' : period === 'year' ? 'YYYY' : undefined;
}

/**
 * Which of the periods a customer met the rule in should be awarded: every such period for a
 * repeatable badge; for a one-off badge only the earliest, and none if it was ever earned.
 */
export function periodsToAward(met: string[], earned: string[], repeatable: boolean): string[] {
  const done = new Set(earned);
  const sorted = [...new Set(met)].sort();
  if (repeatable) return sorted.filter((p) => !done.has(p));
  return done.size > 0 || sorted.length === 0 ? [] : [sorted[0]!];
}
