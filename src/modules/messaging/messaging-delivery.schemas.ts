import { z } from 'zod';
import { CHANNELS, type Channel } from './messaging.contract.js';

/**
 * The delivery side's contract: channel settings per adapter, a send to one person, receipts from gateways, guide
 * tasks. Every schema here is the API's validation and the OpenAPI document's.
 */

/** What a secret looks like when the API shows it; sent back in a PUT it keeps the stored secret. */
export const SECRET_MASK = '••••';
/** Config fields that are secrets: never answered, never logged. */
export const SECRET_FIELDS = ['pass', 'secret', 'appSecret', 'receiptSecret'] as const;

export const ADAPTERS = ['log', 'smtp', 'webhook', 'wechat', 'guide_task'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** Which adapters can carry which channel (a gateway webhook can stand in for any provider but a guide task). */
export const CHANNEL_ADAPTERS: Record<Channel, readonly AdapterName[]> = {
  sms: ['webhook', 'log'],
  email: ['smtp', 'webhook', 'log'],
  wechat: ['wechat', 'webhook', 'log'],
  app_push: ['webhook', 'log'],
  guide_task: ['guide_task', 'log'],
};

/** The settings a fresh install has: everything on, "sent" to the log (guide tasks as real tasks), so the demo works offline. */
export const DEFAULT_ADAPTER: Record<Channel, AdapterName> = { sms: 'log', email: 'log', wechat: 'log', app_push: 'log', guide_task: 'guide_task' };

const secret = z.string().min(8, 'at least 8 characters').max(500);
const receiptSecret = secret.optional().describe('Signs receipts posted to /messaging/receipts/{channel} (default: the adapter’s own secret)');
const timeoutMs = z.number().int().min(100).max(120_000).default(10_000).describe('Give up on a request after this long (then retry later)');

export const LogConfig = z.object({ receiptSecret }).strict();

export const SmtpConfig = z
  .object({
    host: z.string().trim().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(587),
    secure: z.boolean().default(false).describe('TLS from the start (port 465); otherwise STARTTLS when the server offers it'),
    user: z.string().max(255).optional(),
    pass: secret.optional(),
    from: z.string().trim().min(3).max(320).describe('Sender, e.g. "Kemai <care@brand.example>"'),
    ignoreTLS: z.boolean().default(false).describe('Do not upgrade with STARTTLS (only for a local relay)'),
    timeoutMs,
    receiptSecret,
  })
  .strict()
  .refine((c) => !c.user || !!c.pass, { message: 'pass is needed with user', path: ['pass'] });

export const WebhookConfig = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe('The gateway endpoint: POST {messages:[…]} signed with the secret'),
    secret: secret.describe('HMAC-SHA256 key: X-Kemai-Signature = hex(HMAC(secret, `${X-Kemai-Timestamp}.${body}`))'),
    batchSize: z.number().int().min(1).max(1000).default(100),
    timeoutMs,
    receiptSecret,
  })
  .strict();

export const WechatConfig = z
  .object({
    appId: z.string().trim().min(1).max(100),
    appSecret: secret,
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.weixin.qq.com'),
    kind: z.enum(['template', 'subscribe']).default('template').describe('Template message (service account) or subscription message (mini-program)'),
    timeoutMs,
    receiptSecret,
  })
  .strict();

export const GuideTaskConfig = z
  .object({ dueDays: z.number().int().min(0).max(365).default(3).describe('Days until a task is due when the message names none (variables.dueDays)'), receiptSecret })
  .strict();

export const ADAPTER_CONFIG: Record<AdapterName, z.ZodType<Record<string, unknown>>> = {
  log: LogConfig,
  smtp: SmtpConfig,
  webhook: WebhookConfig,
  wechat: WechatConfig,
  guide_task: GuideTaskConfig,
};

export const ChannelParams = z.object({ channel: z.enum(CHANNELS) });

export const ChannelInput = z
  .object({
    enabled: z.boolean(),
    adapter: z.enum(ADAPTERS),
    config: z.record(z.string(), z.unknown()).default({}),
    ratePerSecond: z.number().int().min(1).max(100_000).nullable().default(null).describe('Messages per second the provider accepts (null: no limit)'),
  })
  .strict();
export type ChannelInput = z.input<typeof ChannelInput>;

export const ChannelTestInput = z
  .object({
    to: z.string().trim().min(1).max(320).describe('An address of the channel: a phone, an email, an openid, a device token, a store code'),
    providerTemplateId: z.string().trim().min(1).max(200).optional().describe('The provider’s template id to test with (WeChat needs one)'),
  })
  .strict();

export const ChannelView = z.object({
  channel: z.enum(CHANNELS),
  enabled: z.boolean(),
  adapter: z.enum(ADAPTERS),
  config: z.record(z.string(), z.unknown()),
  ratePerSecond: z.number().int().nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.date().nullable(),
});

export const SendMessageInput = z
  .object({
    customerId: z.uuid(),
    template: z.string().trim().min(1).max(100).describe('The template code'),
    channel: z.enum([...CHANNELS, 'auto']).default('auto').describe('auto: the customer’s channel (consent, preference, history)'),
    variables: z.record(z.string(), z.unknown()).default({}),
    dedupeKey: z.string().trim().min(1).max(200).optional().describe('A replay with the same key answers the first message (default: a new key)'),
    validForHours: z.number().int().min(1).max(8784).optional(),
  })
  .strict();

export const RECEIPT_STATUSES = ['delivered', 'failed', 'opened', 'clicked', 'bounced'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

export const ReceiptsInput = z
  .object({
    receipts: z
      .array(
        z
          .object({
            id: z.uuid().optional().describe('The message id (the idempotencyKey it was sent with)'),
            providerMessageId: z.string().trim().min(1).max(300).optional(),
            status: z.enum(RECEIPT_STATUSES),
            at: z.iso.datetime({ offset: true }).describe('When it happened (ISO 8601 with an offset)'),
            error: z.string().max(1000).optional(),
          })
          .strict()
          .refine((r) => !!r.id || !!r.providerMessageId, { message: 'give id or providerMessageId', path: ['id'] }),
      )
      .min(1)
      .max(5000),
  })
  .strict();
export type ReceiptsInput = z.output<typeof ReceiptsInput>;

export const GuideTaskQuery = z.object({
  store: z.string().trim().min(1).max(64).optional(),
  status: z.enum(['open', 'done', 'cancelled']).optional(),
  customerId: z.uuid().optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const CompleteTaskInput = z
  .object({
    outcome: z.string().trim().min(1).max(100).describe('e.g. reached, no_answer, booked_visit, not_interested'),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
