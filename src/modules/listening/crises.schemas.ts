import { z } from 'zod';

/**
 * The crisis workflow's contract: opening a crisis (by hand or from an alert), posts to its timeline, the affected
 * customers' refresh and page, compensation, the negative share's series, closing. A bad field is a 400 naming it.
 */

export const CRISIS_STATUSES = ['open', 'responding', 'monitoring', 'closed'] as const;
export type CrisisStatus = (typeof CRISIS_STATUSES)[number];
export const CRISIS_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type CrisisSeverity = (typeof CRISIS_SEVERITIES)[number];
export const POST_KINDS = ['statement', 'update', 'note'] as const;
export type PostKind = (typeof POST_KINDS)[number];
export const AFFECTED_REASONS = ['mention', 'ticket', 'order'] as const;
export type AffectedReason = (typeof AFFECTED_REASONS)[number];

/** The seeds' deadlines: a public statement within 60 minutes of opening, then a progress update every 4 hours. */
export const CRISIS_DEFAULTS = { statementWithinMinutes: 60, updateEveryMinutes: 240, targetNegativeShare: 0.05, lookbackDays: 90 } as const;

const shortText = (max: number) => z.string().trim().min(1).max(max);

/** What a crisis is about and its deadlines: shared by opening by hand and from an alert. */
const CrisisFields = {
  severity: z.enum(CRISIS_SEVERITIES).default('high'),
  ownerId: z.uuid().describe('The staff user who runs the crisis (access.staff id)'),
  sku: shortText(128).optional().describe('The product the crisis is about'),
  batch: shortText(64).optional().describe('The production batch: recorded on the crisis (order lines carry no batch, so it does not narrow the affected customers)'),
  keyword: shortText(60).optional().describe('A keyword of the mentions (as extracted at ingest)'),
  storeCode: shortText(64).optional(),
  statementWithinMinutes: z.number().int().min(5).max(1440).default(CRISIS_DEFAULTS.statementWithinMinutes).describe('The statement deadline after opening (the seed: 60)'),
  updateEveryMinutes: z.number().int().min(15).max(10_080).default(CRISIS_DEFAULTS.updateEveryMinutes).describe('Progress updates are due this often after the statement (default 240)'),
  targetNegativeShare: z.number().min(0).max(1).default(CRISIS_DEFAULTS.targetNegativeShare).describe('The negative share to bring the scope back to (0.05 = 5 %)'),
};

/** Opening a crisis by hand (or naming the alert it comes from). */
export const CrisisInput = z
  .object({
    title: shortText(200),
    alertId: z.uuid().optional().describe("The alert it comes from: its scope fills sku / keyword / store, and the rule's notify hears of it"),
    ...CrisisFields,
  })
  .strict();
export type CrisisInput = z.input<typeof CrisisInput>;

/** Opening a crisis from an alert: the title defaults from the rule and scope, the owner from the rule's owner. */
export const AlertCrisisInput = z
  .object({ title: shortText(200).optional(), ...CrisisFields, ownerId: CrisisFields.ownerId.optional().describe("Default: the rule's owner") })
  .strict();
export type AlertCrisisInput = z.input<typeof AlertCrisisInput>;

export const PostInput = z
  .object({
    kind: z.enum(POST_KINDS).describe('statement (the first one meets the statement deadline) | update (a progress update) | note (internal)'),
    body: shortText(10_000),
    channels: z.array(shortText(40)).max(20).optional().describe('Where a statement or update went out (weibo, wechat, website…)'),
  })
  .strict();
export type PostInput = z.infer<typeof PostInput>;

export const RefreshAffectedInput = z
  .object({ lookbackDays: z.number().int().min(1).max(730).default(CRISIS_DEFAULTS.lookbackDays).describe("Tickets and orders this many days before the crisis opened (default 90)") })
  .strict();
export type RefreshAffectedInput = z.input<typeof RefreshAffectedInput>;

export const CompensateInput = z
  .object({
    couponAmountFen: z.number().int().min(1).max(10_000_000).optional().describe('A coupon of this value (the COMP-<fen> template)'),
    couponTemplateCode: shortText(64).optional().describe('A coupon of this compensation template'),
    points: z.number().int().min(1).max(1_000_000).optional(),
    note: shortText(500).optional(),
    customerIds: z.array(z.uuid()).min(1).max(5000).optional().describe('Only these affected customers (default: every affected customer not yet compensated)'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.couponAmountFen !== undefined && v.couponTemplateCode !== undefined)
      ctx.addIssue({ code: 'custom', path: ['couponTemplateCode'], message: 'give couponAmountFen or couponTemplateCode, not both' });
    if (v.couponAmountFen === undefined && v.couponTemplateCode === undefined && v.points === undefined)
      ctx.addIssue({ code: 'custom', path: ['points'], message: 'give a coupon (couponAmountFen or couponTemplateCode) and/or points' });
  });
export type CompensateInput = z.infer<typeof CompensateInput>;

export const CloseInput = z.object({ summary: shortText(10_000) }).strict();
export type CloseInput = z.infer<typeof CloseInput>;

export const CrisisListQuery = z.object({ status: z.enum(CRISIS_STATUSES).optional().describe("monitoring: responding with the latest 6 hours' negative share at or below the target") });
export type CrisisListQuery = z.infer<typeof CrisisListQuery>;

export const AffectedQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export type AffectedQuery = z.infer<typeof AffectedQuery>;

export const ShareQuery = z.object({ bucket: z.enum(['hour', 'day']).default('hour') });
export type ShareQuery = z.infer<typeof ShareQuery>;
