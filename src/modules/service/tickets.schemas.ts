import { z } from 'zod';
import { SEVERITIES, TICKET_CHANNELS, TICKET_KINDS, TICKET_STATUSES } from './service.contract.js';

/** Codes of categories, root causes, queues, reply templates: lower-case letters, digits and _. */
export const ServiceCode = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and - (up to 64)');

const Text = (max: number) => z.string().trim().min(1).max(max);

/** A contact given with a ticket: who to answer when the person is no member (personal data: masked without pii:read). */
export const ContactInput = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    phone: z.string().trim().min(1).max(40).optional(),
    email: z.string().trim().min(1).max(320).optional(),
  })
  .strict();
export type ContactInput = z.output<typeof ContactInput>;

/** POST /api/v1/service/tickets: the API and staff entry (channel staff | phone | wechat: the creator acknowledges at creation). */
export const TicketCreateInput = z
  .object({
    kind: z.enum(TICKET_KINDS),
    channel: z.enum(TICKET_CHANNELS).default('api'),
    subject: Text(200),
    description: z.string().trim().max(10_000).optional(),
    category: ServiceCode.optional().describe('A category code of the taxonomy (late_delivery, damaged_product, …)'),
    severity: z.enum(SEVERITIES).optional().describe('Complaints only (minor when not given)'),
    sku: z.string().trim().min(1).max(100).optional(),
    customerId: z.uuid().optional(),
    contact: ContactInput.optional().describe('Name, phone, email: links the customer holding the phone or email when no customerId is given'),
    orderId: z.uuid().optional(),
    order: z
      .object({ channel: z.string().trim().min(1).max(40), externalId: z.string().trim().min(1).max(200) })
      .strict()
      .optional()
      .describe('The order by its channel and external id (instead of orderId): also gives the customer and the store'),
    storeCode: z.string().trim().min(1).max(64).optional(),
    guideId: z.uuid().optional().describe('The guide (staff id) the ticket concerns'),
    queue: ServiceCode.optional().describe('A queue code; without: the first queue whose routes match'),
    assigneeId: z.uuid().optional().describe('A staff id; without: the queue’s assignment'),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
    externalRef: z.string().trim().min(1).max(300).optional().describe('The sender’s own id: a replay with the same channel and ref returns the ticket made first'),
    receivedAt: z.iso.datetime({ offset: true }).optional().describe('When the customer raised it (default now)'),
  })
  .strict();
export type TicketCreateInput = z.output<typeof TicketCreateInput>;

/** POST /api/v1/service/inbound/email: what a mail gateway forwards. */
export const InboundEmailInput = z
  .object({
    messageId: Text(300),
    from: Text(400).describe('"Name <address>" or an address'),
    subject: z.string().trim().max(300).default(''),
    text: z.string().max(50_000).default(''),
    receivedAt: z.iso.datetime({ offset: true }),
    inReplyTo: z.string().trim().min(1).max(300).optional(),
  })
  .strict();
export type InboundEmailInput = z.output<typeof InboundEmailInput>;

/** POST /api/v1/public/tickets: the web form (no sign-in). */
export const PublicTicketInput = z
  .object({
    submissionId: z.string().trim().min(8).max(100).describe('The form’s own id for this submission: a resubmission returns the same ticket'),
    name: Text(100),
    phone: z.string().trim().min(1).max(40).optional(),
    email: z.string().trim().min(1).max(320).optional(),
    subject: Text(200),
    description: Text(5000),
    kind: z.enum(TICKET_KINDS).default('complaint'),
    category: ServiceCode.optional(),
    orderNumber: z.string().trim().min(1).max(200).optional(),
    storeCode: z.string().trim().min(1).max(64).optional(),
    t: z.string().trim().min(1).max(1000).optional().describe('The signed parameter of a link sent to a customer'),
  })
  .strict();
export type PublicTicketInput = z.output<typeof PublicTicketInput>;

export const TicketLinkInput = z
  .object({
    customerId: z.uuid().optional(),
    orderId: z.uuid().optional(),
    expiresInDays: z.number().int().min(1).max(365).default(30),
  })
  .strict();
export type TicketLinkInput = z.output<typeof TicketLinkInput>;

// "a,b" (a query string) or ["a","b"] (the same query once parsed: the service parses what the route parsed already).
const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v),
    z.array(z.enum(values)).min(1),
  );

/** GET /api/v1/service/tickets: the inbox. */
export const TicketListQuery = z
  .object({
    status: csv(TICKET_STATUSES).optional().describe('One status or several separated by commas (default new,open,pending)'),
    queue: z.string().trim().min(1).max(64).optional().describe('A queue id or code'),
    assignee: z
      .union([z.enum(['me', 'none']), z.uuid()])
      .optional()
      .describe('me, none (unassigned) or a staff id'),
    kind: z.enum(TICKET_KINDS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    channel: z.enum(TICKET_CHANNELS).optional(),
    category: ServiceCode.optional(),
    sla: z.enum(['breached', 'warning', 'due_soon']).optional().describe('breached; warned but not breached; due within 2 hours'),
    customer: z.uuid().optional(),
    store: z.string().trim().min(1).max(64).optional(),
    q: z.string().trim().min(1).max(200).optional().describe('A ticket number (T-123 or 123) or words of the subject'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  })
  .strict();
export type TicketListQuery = z.output<typeof TicketListQuery>;

export const AssignInput = z
  .object({
    assigneeId: z.uuid().nullable().describe('A staff id, or null to unassign'),
    queue: ServiceCode.optional().describe('Move to this queue too'),
  })
  .strict();
export type AssignInput = z.output<typeof AssignInput>;

export const ReplyInput = z
  .object({
    body: Text(5000),
    channel: z.enum(['auto', 'sms', 'email', 'wechat', 'app_push']).optional().describe('Default: email for a ticket that came by email, else auto'),
    template: ServiceCode.optional().describe('The reply template the text started from (recorded on the timeline)'),
  })
  .strict();
export type ReplyInput = z.output<typeof ReplyInput>;

export const NoteInput = z.object({ body: Text(5000) }).strict();
export type NoteInput = z.output<typeof NoteInput>;

export const STATUS_ACTIONS = ['open', 'pending', 'resolved', 'closed', 'reopen'] as const;
export const StatusInput = z
  .object({
    status: z.enum(STATUS_ACTIONS),
    resolution: z.string().trim().min(1).max(5000).optional().describe('Required to resolve: what was done'),
    rootCauses: z.array(ServiceCode).max(10).optional(),
    note: z.string().trim().min(1).max(5000).optional(),
  })
  .strict();
export type StatusInput = z.output<typeof StatusInput>;

export const RootCausesInput = z.object({ rootCauses: z.array(ServiceCode).max(10) }).strict();
export const TagsInput = z.object({ tags: z.array(z.string().trim().min(1).max(40)).max(20) }).strict();

/** Queues (service:admin). */
export const QueueRoutes = z
  .object({
    kinds: z.array(z.enum(TICKET_KINDS)).optional(),
    categories: z.array(ServiceCode).optional(),
    channels: z.array(z.enum(TICKET_CHANNELS)).optional(),
    severities: z.array(z.enum(SEVERITIES)).optional(),
    storeCodes: z.array(z.string().trim().min(1).max(64)).optional(),
  })
  .strict();
export type QueueRoutes = z.output<typeof QueueRoutes>;

export const ASSIGNMENTS = ['manual', 'round_robin', 'least_open'] as const;
export const QueueInput = z
  .object({
    code: ServiceCode,
    name: Text(120),
    priority: z.number().int().min(0).max(100_000).default(100),
    routes: QueueRoutes.default({}),
    assignment: z.enum(ASSIGNMENTS).default('least_open'),
    memberIds: z.array(z.uuid()).max(500).default([]),
    managerId: z.uuid().nullable().optional(),
  })
  .strict();
export type QueueInput = z.output<typeof QueueInput>;

export const QueuePatch = z
  .object({
    name: Text(120).optional(),
    status: z.enum(['active', 'archived']).optional(),
    priority: z.number().int().min(0).max(100_000).optional(),
    routes: QueueRoutes.optional(),
    assignment: z.enum(ASSIGNMENTS).optional(),
    memberIds: z.array(z.uuid()).max(500).optional(),
    managerId: z.uuid().nullable().optional(),
  })
  .strict();
export type QueuePatch = z.output<typeof QueuePatch>;

/** Taxonomy entries (categories, root causes). */
export const TAXONOMY_KINDS = ['category', 'root_cause'] as const;
export const TaxonomyInput = z
  .object({
    labels: z.object({ 'zh-CN': Text(100), en: Text(100) }).strict(),
    status: z.enum(['active', 'archived']).default('active'),
    sort: z.number().int().min(0).max(10_000).default(100),
  })
  .strict();
export type TaxonomyInput = z.output<typeof TaxonomyInput>;

/** Reply templates. */
export const REPLY_LOCALES = ['zh-CN', 'en'] as const;
export const ReplyTemplateInput = z
  .object({
    code: ServiceCode,
    locale: z.enum(REPLY_LOCALES),
    title: Text(200),
    body: Text(5000),
    kinds: z.array(z.enum(TICKET_KINDS)).default([]),
    categories: z.array(ServiceCode).default([]),
  })
  .strict();
export type ReplyTemplateInput = z.output<typeof ReplyTemplateInput>;

export const ReplyTemplatePatch = z
  .object({
    title: Text(200).optional(),
    body: Text(5000).optional(),
    kinds: z.array(z.enum(TICKET_KINDS)).optional(),
    categories: z.array(ServiceCode).optional(),
    status: z.enum(['active', 'archived']).optional(),
  })
  .strict();
export type ReplyTemplatePatch = z.output<typeof ReplyTemplatePatch>;

export const RenderInput = z.object({ ticketId: z.string().trim().min(1).max(64), locale: z.enum(REPLY_LOCALES).default('zh-CN') }).strict();
export type RenderInput = z.output<typeof RenderInput>;
