import { z } from 'zod';
import { CHANNELS, LOCALES, MESSAGE_STATUSES, PURPOSES } from './messaging.contract.js';

/**
 * Templates, the contact policy, the message log's filters, unsubscribe and inbound keywords: the API's validation
 * and the OpenAPI document's. The contents' rules beyond their shape (zh-CN required, an email's subject, an SMS's
 * length, placeholders) are checked by domain/template.ts, naming the field.
 */

export const TemplateCode = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lower-case letters, digits, _ . - (up to 64)');

const TextSchema = z.object({ subject: z.string().optional(), body: z.string() }).strict();
const ByLocale = z.record(z.string(), TextSchema);
/** `{channel: {locale: {subject?, body}}}`; keys checked by validateContents so a wrong one is named. */
export const TemplateContentsSchema = z
  .record(z.string(), ByLocale)
  .describe('Per channel (sms, email, wechat, app_push, guide_task), per locale (zh-CN required, en): {subject?, body} with {{variables}}');

const ProviderIds = z
  .partialRecord(z.enum(CHANNELS), z.string().trim().min(1).max(200))
  .describe('The provider’s own template id per channel (WeChat template id, SMS template code)');

export const TemplateCreateInput = z
  .object({
    code: TemplateCode,
    name: z.string().trim().min(1).max(200),
    purpose: z.enum(PURPOSES).default('marketing').describe('marketing needs consent and counts against caps; service does not'),
    contents: TemplateContentsSchema,
    providerIds: ProviderIds.default({}),
  })
  .strict();
export type TemplateCreateInput = z.output<typeof TemplateCreateInput>;

export const TemplateUpdateInput = z
  .object({
    code: TemplateCode.optional().describe('When given, must be the code in the path (codes do not change)'),
    name: z.string().trim().min(1).max(200).optional(),
    purpose: z.enum(PURPOSES).optional(),
    contents: TemplateContentsSchema.optional(),
    providerIds: ProviderIds.optional(),
    expectedVersion: z.number().int().min(1).optional().describe('Refuse (409) when the template changed since this version'),
  })
  .strict();
export type TemplateUpdateInput = z.output<typeof TemplateUpdateInput>;

export const TemplateListQuery = z.object({
  status: z.enum(['active', 'archived']).optional(),
  channel: z.enum(CHANNELS).optional().describe('Templates with text for this channel'),
  purpose: z.enum(PURPOSES).optional(),
});
export type TemplateListQuery = z.output<typeof TemplateListQuery>;

export const PreviewInput = z
  .object({
    customerId: z.uuid().optional().describe('Render with this customer’s data (masked without pii:read); without: sample values'),
    channel: z.enum(CHANNELS),
    locale: z.enum(LOCALES).default('zh-CN'),
    variables: z.record(z.string(), z.unknown()).default({}).describe('Values the planner would give (a coupon code…)'),
    contents: TemplateContentsSchema.optional().describe('A draft to render instead of the stored contents (the console’s editor)'),
  })
  .strict();
export type PreviewInput = z.output<typeof PreviewInput>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM');
const cap = z.number().int().min(0).max(1000);

export const PolicyInput = z
  .object({
    caps: z.object({ day: cap, week: cap, month: cap }).partial().strict().optional().describe('Marketing messages per customer across channels'),
    quietHours: z
      .object({ start: hhmm, end: hhmm, service: z.boolean().describe('Service messages wait too') })
      .partial()
      .strict()
      .optional()
      .describe('Business time zone; start after end spans midnight; start = end: none'),
    consent: z.enum(['opt_in', 'opt_out']).optional().describe('opt_in: marketing needs a granted consent; opt_out: allowed unless withdrawn'),
    channelOrder: z.array(z.enum(['wechat', 'app_push', 'sms', 'email'])).min(1).max(4).optional(),
    defaultHour: z.number().int().min(0).max(23).optional().describe('Usual-hour sends to customers without orders to learn their hour from'),
  })
  .strict();
export type PolicyInput = z.output<typeof PolicyInput>;

export const MessageLogQuery = z.object({
  customerId: z.uuid().optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  channel: z.enum([...CHANNELS, 'auto']).optional(),
  journeyId: z.uuid().optional(),
  sourceKind: z.enum(['journey', 'campaign', 'api', 'system']).optional(),
  from: z.string().trim().min(1).max(40).optional().describe('Created at or after (a local date-time is read in the business zone)'),
  to: z.string().trim().min(1).max(40).optional().describe('Created before'),
  cursor: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type MessageLogQuery = z.output<typeof MessageLogQuery>;

export const UnsubscribeQuery = z.object({
  token: z.string().trim().min(1).max(300),
  lang: z.enum(['zh-CN', 'en']).optional(),
});

export const InboundInput = z
  .object({
    channel: z.literal('sms'),
    from: z.string().trim().min(3).max(40).describe('The sender’s phone number'),
    text: z.string().max(1000),
    receivedAt: z.string().trim().max(40).optional(),
  })
  .strict();
export type InboundInput = z.output<typeof InboundInput>;
