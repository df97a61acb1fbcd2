import { z } from 'zod';

/** Where a mention was said. `survey` and `ticket` are our own channels (verbatims and complaints). */
export const MENTION_SOURCES = ['weibo', 'xiaohongshu', 'douyin', 'wechat', 'dianping', 'ecommerce', 'survey', 'ticket', 'news', 'other'] as const;
export type MentionSource = (typeof MENTION_SOURCES)[number];
export const SENTIMENT_LABELS = ['positive', 'neutral', 'negative'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];
export const SCOPE_TYPES = ['brand', 'source', 'region', 'store', 'product', 'keyword'] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];
export const ASPECTS = ['price', 'quality', 'delivery', 'service', 'staff'] as const;

const count = z.coerce.number().int().min(0).max(2_000_000_000).optional();
const shortText = (max: number) => z.string().trim().max(max);

/** One mention as a monitoring export, a platform API, a webhook or a feed gives it. */
export const MentionInput = z.object({
  source: z.enum(MENTION_SOURCES).describe('weibo | xiaohongshu | douyin | wechat | dianping | ecommerce | survey | ticket | news | other'),
  externalId: shortText(200).min(1).optional().describe("The platform's id of the post; without it, a hash of author, time and text deduplicates"),
  url: shortText(2000).optional(),
  author: shortText(200).optional(),
  authorId: shortText(200).optional(),
  text: z.string().trim().min(1, 'text is empty').max(20_000),
  postedAt: z.iso.datetime({ offset: true, message: 'postedAt must be an ISO 8601 instant with its offset, e.g. 2026-11-24T20:15:00+08:00' }),
  region: shortText(40).optional().describe('Province or region, e.g. 广东'),
  city: shortText(60).optional(),
  storeCode: shortText(64).optional().describe('The store the mention names'),
  sku: shortText(128).optional().describe('The product the mention names'),
  likes: count,
  comments: count,
  shares: count,
  views: count,
  identifiers: z
    .object({
      phone: shortText(40).optional(),
      email: shortText(200).optional(),
      memberNo: shortText(64).optional(),
      wechatOpenid: shortText(128).optional(),
      ecomUserId: shortText(128).optional(),
    })
    .strict()
    .optional()
    .describe('Identifiers the platform gives for the author (e.g. an e-commerce review by an account): they link the mention to a customer'),
});
export type MentionInput = z.infer<typeof MentionInput>;

export const MentionBatch = z.object({ items: z.array(z.unknown()).min(1).max(5000) });

export const MentionListQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  source: z.enum(MENTION_SOURCES).optional(),
  sentiment: z.enum(SENTIMENT_LABELS).optional(),
  region: shortText(40).optional(),
  storeCode: shortText(64).optional(),
  sku: shortText(128).optional(),
  keyword: shortText(60).optional(),
  aspect: z.enum(ASPECTS).optional(),
  customerId: z.uuid().optional(),
  crisisId: z.uuid().optional().describe("Only the crisis's mentions (its scope since it opened)"),
  q: shortText(100).optional().describe('Words of the text'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(200).optional().describe('The cursor of the previous page (nextBefore)'),
});
export type MentionListQuery = z.infer<typeof MentionListQuery>;

export const PeriodQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('Default: 7 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
  source: z.enum(MENTION_SOURCES).optional(),
  region: shortText(40).optional(),
  storeCode: shortText(64).optional(),
  sku: shortText(128).optional(),
  keyword: shortText(60).optional(),
});
export type PeriodQuery = z.infer<typeof PeriodQuery>;

export const TrendQuery = PeriodQuery.extend({ bucket: z.enum(['hour', 'day', 'week']).default('day'), timeZone: shortText(60).default('Asia/Shanghai') });
export type TrendQuery = z.infer<typeof TrendQuery>;

export const TermsQuery = PeriodQuery.extend({ limit: z.coerce.number().int().min(1).max(300).default(60), sentiment: z.enum(SENTIMENT_LABELS).optional() });
export type TermsQuery = z.infer<typeof TermsQuery>;

export const RegionsQuery = PeriodQuery;

export const NotifyInput = z
  .object({
    console: z.boolean().default(true),
    emails: z.array(z.email()).max(20).default([]),
    webhooks: z.array(z.object({ url: z.url(), secret: z.string().min(16).max(200) })).max(5).default([]),
  })
  .strict();
export type Notify = z.infer<typeof NotifyInput>;

/** A spike rule's fields, without defaults (a patch names only what it changes). */
const ruleFields = {
  name: shortText(120).min(1),
  scopeType: z.enum(SCOPE_TYPES),
  scopeKey: shortText(128).min(1).describe("One key (a store code, a SKU, a keyword…) or '*' for every key of the type"),
  metric: z.enum(['volume', 'negative_share']),
  windowMinutes: z.number().int().min(60).max(1440).multipleOf(60),
  increasePct: z.number().gt(0).max(100_000).describe('e.g. 500 for "+500 %": observed ≥ expected × 6'),
  minCount: z.number().int().min(1).max(1_000_000),
  alpha: z.number().gt(0).lt(0.5),
  minNegativeShare: z.number().min(0).max(1),
  timeZone: shortText(60),
  notify: NotifyInput,
  opensCrisis: z.boolean(),
  ownerId: z.uuid(),
  enabled: z.boolean(),
};

/** A spike rule as the API takes it. */
export const RuleInput = z
  .object({
    ...ruleFields,
    scopeKey: ruleFields.scopeKey.default('*'),
    windowMinutes: ruleFields.windowMinutes.default(60),
    minCount: ruleFields.minCount.default(20),
    alpha: ruleFields.alpha.default(0.001),
    minNegativeShare: ruleFields.minNegativeShare.optional(),
    timeZone: ruleFields.timeZone.default('Asia/Shanghai'),
    notify: NotifyInput.default({ console: true, emails: [], webhooks: [] }),
    opensCrisis: ruleFields.opensCrisis.default(false),
    ownerId: ruleFields.ownerId.optional(),
    enabled: ruleFields.enabled.default(true),
  })
  .strict();
export type RuleInput = z.infer<typeof RuleInput>;
/** A change to a rule: only the fields named. */
export const RulePatch = z.object(ruleFields).partial().strict();
export type RulePatch = z.infer<typeof RulePatch>;

export const FeedInput = z
  .object({
    name: shortText(120).min(1),
    kind: z.enum(['rss', 'json', 'webhook']),
    url: z.url().optional().describe('rss and json: the address polled'),
    source: z.enum(MENTION_SOURCES),
    mapping: z.record(z.string(), z.string().max(200)).default({}).describe('json: field paths, e.g. {"items": "data.list", "text": "content", "postedAt": "created_at"}'),
    everyMinutes: z.number().int().min(1).max(1440).default(15),
    enabled: z.boolean().default(true),
  })
  .strict();
export type FeedInput = z.infer<typeof FeedInput>;
