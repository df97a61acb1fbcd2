import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';

/**
 * The service API (/api/v1/service): tickets and their timelines, queues, taxonomy (categories, root causes), reply
 * templates, SLA policies, compensation policies and compensations, the review report. Shapes follow
 * src/modules/service (tickets.schemas.ts and the routes); money is in fen.
 */

export const TICKET_KINDS = ['complaint', 'inquiry', 'return_request', 'suggestion'] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];
export const TICKET_STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const SEVERITIES = ['minor', 'medium', 'severe'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const STAFF_CHANNELS = ['staff', 'phone', 'wechat', 'email'] as const;
export const SLA_TARGETS = ['ack', 'first_reply', 'resolve'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

export interface Contact {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
}

export interface Ticket {
  id: string;
  number: number;
  /** T-123: what the customer sees. */
  ticketNumber?: string;
  kind: TicketKind;
  channel: string;
  status: TicketStatus;
  subject: string;
  description: string | null;
  category: string | null;
  severity: Severity | null;
  customerId: string | null;
  /** The customer's name as the caller may see it (masked without pii:read). */
  customer?: { id: string; name: string | null; memberNo?: string | null; phone?: string | null } | null;
  customerName?: string | null;
  contact: Contact | null;
  orderId: string | null;
  order?: { id: string; externalId?: string; channel?: string; paidAt?: string; total?: string } | null;
  sku: string | null;
  storeCode: string | null;
  guideId: string | null;
  queueId: string | null;
  queue?: { id: string; code: string; name: string } | null;
  queueCode?: string | null;
  queueName?: string | null;
  assigneeId: string | null;
  assignee?: { id: string; displayName: string; username?: string } | null;
  assigneeName?: string | null;
  receivedAt: string;
  ackDueAt: string | null;
  firstReplyDueAt: string | null;
  resolveDueAt: string | null;
  ackedAt: string | null;
  firstRepliedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  pausedAt: string | null;
  nextDueAt: string | null;
  slaWarned: string[];
  slaBreached: string[];
  warnPercent?: number;
  escalationLevel: number;
  rootCauses: string[];
  tags: string[];
  reopenCount: number;
  resolution?: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Inbox rows: breached / warning / ok / null (no clock running) and the target next due. */
  slaState?: 'breached' | 'warning' | 'ok' | null;
  dueTarget?: SlaTarget | null;
}

/** GET /tickets/{id}: the ticket, its timeline (oldest first), compensations, the customer's summary and the order. */
export interface TicketDetail {
  ticket: Ticket;
  timeline: TicketEvent[];
  compensations: Compensation[];
  customer: { id: string; name: string | null; phone?: string | null; memberNo?: string | null } | null;
  order: { id: string; channel: string; externalId: string; storeCode: string | null; placedAt: string; status: string; paidFen: number } | null;
}

export interface TicketEvent {
  id: string;
  at: string;
  kind: string;
  visibility: 'public' | 'internal' | 'system';
  actor: string;
  actorName?: string | null;
  body: string | null;
  detail: Record<string, unknown>;
}

export interface TicketPage {
  items: Ticket[];
  total?: number;
  totalCapped?: boolean;
  limit?: number;
  offset?: number;
}

export interface TicketFilters {
  status?: string;
  assignee?: string;
  queue?: string;
  kind?: string;
  severity?: string;
  sla?: string;
  q?: string;
  customer?: string;
  limit?: number;
  offset?: number;
}

export interface Queue {
  id: string;
  code: string;
  name: string;
  status: string;
  priority: number;
  routes: Record<string, string[] | undefined>;
  assignment: 'manual' | 'round_robin' | 'least_open';
  memberIds: string[];
  managerId: string | null;
  members?: Array<{ id: string; displayName: string }>;
}

export interface TaxonomyEntry {
  kind: 'category' | 'root_cause';
  code: string;
  labels: { 'zh-CN': string; en: string };
  status: string;
  sort: number;
}

export interface ReplyTemplate {
  id: string;
  code: string;
  locale: 'zh-CN' | 'en';
  title: string;
  body: string;
  kinds: string[];
  categories: string[];
  status: string;
  updatedAt?: string;
}

export interface SlaPolicy {
  id: string;
  code: string;
  name: string;
  status: string;
  priority: number;
  appliesTo: Record<string, string[] | undefined>;
  calendarId: string | null;
  calendar?: { code: string; name: string } | null;
  calendarCode?: string | null;
  ackMinutes: number;
  firstReplyMinutes: number;
  resolveMinutes: Record<string, number>;
  warnPercent: number;
}

export interface CompensationAction {
  type: 'coupon' | 'points' | 'refund' | 'exchange' | 'priority_shipping' | 'cash' | string;
  amountFen?: number;
  templateCode?: string;
  points?: number;
  scope?: 'full' | 'lines';
  [k: string]: unknown;
}

export interface CompensationOption {
  code: string;
  name: string;
  actions: CompensationAction[];
}

export interface CompensationPolicy {
  id: string;
  code: string;
  name: string;
  severity: Severity;
  categories: string[];
  options: CompensationOption[];
  approvalScope: string;
  maxTotalFen: number | null;
  status: string;
}

export type CompensationStatus = 'proposed' | 'approved' | 'rejected' | 'executed' | 'failed' | 'cancelled';

export interface CompensationResult {
  n?: number;
  type: string;
  status?: string;
  valueFen?: number;
  couponId?: string;
  couponCode?: string;
  ledgerEntryId?: string;
  points?: number;
  returnId?: string;
  refundFen?: number;
  note?: string;
}

export interface Compensation {
  id: string;
  ticketId: string;
  policyId: string | null;
  optionCode: string | null;
  actions: CompensationAction[];
  totalFen: number;
  status: CompensationStatus;
  note: string | null;
  proposedBy: string;
  proposedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  executedAt: string | null;
  results: CompensationResult[];
  error: string | null;
  policyCode?: string | null;
  ticketNumber?: number;
  approvalScope?: string;
}

/** GET /tickets/{id}/compensation-options: the options of the policies matching the ticket, priced. */
export interface CompensationOptionView {
  policyCode: string;
  policyName: string;
  approvalScope: string;
  maxTotalFen: number | null;
  optionCode: string;
  name: string;
  actions: Array<{ action: CompensationAction; valueFen: number }>;
  totalFen: number;
  available: boolean;
  reasons: string[];
}

const S = '/api/v1/service';
const enc = encodeURIComponent;

export const serviceKeys = {
  all: ['service'] as const,
  tickets: (f: TicketFilters) => ['service', 'tickets', f] as const,
  ticket: (id: string) => ['service', 'ticket', id] as const,
  events: (id: string) => ['service', 'ticket', id, 'events'] as const,
  compensations: (id: string) => ['service', 'ticket', id, 'compensations'] as const,
};

/** A list answer may come as {items} or as a bare array. */
function items<T>(v: { items: T[] } | T[]): T[] {
  return Array.isArray(v) ? v : v.items;
}

export function useTickets(f: TicketFilters, opts: { refetchInterval?: number } = {}) {
  return useQuery({
    queryKey: serviceKeys.tickets(f),
    queryFn: ({ signal }) => api<TicketPage>(`${S}/tickets`, { query: { ...f }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: opts.refetchInterval,
  });
}

export function useCustomerTickets(customerId: string) {
  return useQuery({
    queryKey: ['service', 'tickets', 'customer', customerId],
    queryFn: ({ signal }) =>
      api<TicketPage>(`${S}/tickets`, { query: { customer: customerId, status: TICKET_STATUSES.join(','), limit: 20 }, signal }),
  });
}

export function useTicket(id: string) {
  return useQuery({ queryKey: serviceKeys.ticket(id), queryFn: ({ signal }) => api<TicketDetail>(`${S}/tickets/${enc(id)}`, { signal }) });
}

export interface NewTicket {
  kind: TicketKind;
  channel: string;
  subject: string;
  description?: string;
  category?: string;
  severity?: Severity;
  customerId?: string;
  contact?: Contact;
  storeCode?: string;
  queue?: string;
}

function useInvalidateTicket(id?: string) {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['service', 'tickets'] }),
      id ? client.invalidateQueries({ queryKey: serviceKeys.ticket(id) }) : null,
    ]);
}

export function useCreateTicket() {
  const done = useInvalidateTicket();
  return useMutation({ mutationFn: (body: NewTicket) => api<{ ticket: Ticket; created: boolean }>(`${S}/tickets`, { body }), onSuccess: () => done() });
}

/** Reply (public, to the customer) or an internal note. */
export function useTicketPost(id: string) {
  const done = useInvalidateTicket(id);
  return useMutation({
    mutationFn: ({ internal, body, template }: { internal: boolean; body: string; template?: string | undefined }) =>
      internal
        ? api(`${S}/tickets/${enc(id)}/note`, { body: { body } })
        : api(`${S}/tickets/${enc(id)}/reply`, { body: template ? { body, template } : { body } }),
    onSuccess: () => done(),
  });
}

export type StatusAction = 'open' | 'pending' | 'resolved' | 'closed' | 'reopen';

export function useTicketStatus(id: string) {
  const done = useInvalidateTicket(id);
  return useMutation({
    mutationFn: (body: { status: StatusAction; resolution?: string; rootCauses?: string[]; note?: string }) => api<{ ticket: Ticket }>(`${S}/tickets/${enc(id)}/status`, { body }),
    onSuccess: () => done(),
  });
}

export function useAssign(id: string) {
  const done = useInvalidateTicket(id);
  return useMutation({
    mutationFn: (body: { assigneeId: string | null; queue?: string }) => api<{ ticket: Ticket }>(`${S}/tickets/${enc(id)}/assign`, { body }),
    onSuccess: () => done(),
  });
}

export function useQueues() {
  return useQuery({
    queryKey: ['service', 'queues'],
    queryFn: async ({ signal }) => items(await api<{ items: Queue[] } | Queue[]>(`${S}/queues`, { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useTaxonomy(kind: 'category' | 'root_cause') {
  return useQuery({
    queryKey: ['service', 'taxonomy', kind],
    queryFn: async ({ signal }) => items(await api<{ items: TaxonomyEntry[] } | TaxonomyEntry[]>(`${S}/taxonomy`, { query: { kind }, signal })),
    staleTime: 10 * 60_000,
  });
}

/** A label of a category or root cause in the page's language. */
export function taxonomyLabel(list: TaxonomyEntry[] | undefined, code: string | null | undefined, lang: string): string {
  if (!code) return '—';
  const e = list?.find((x) => x.code === code);
  if (!e) return code;
  return lang.startsWith('zh') ? e.labels['zh-CN'] : e.labels.en;
}

/** Reply templates; with `kind` / `category`, those for it and the general ones; active ones unless `all`. */
export function useReplyTemplates(opts: { locale?: string; kind?: string; category?: string | null; all?: boolean } = {}) {
  return useQuery({
    queryKey: ['service', 'reply-templates', opts],
    queryFn: async ({ signal }) =>
      items(
        await api<{ items: ReplyTemplate[] } | ReplyTemplate[]>(`${S}/reply-templates`, {
          query: { locale: opts.locale, kind: opts.kind, category: opts.category, status: opts.all ? undefined : 'active' },
          signal,
        }),
      ),
  });
}

export function useRenderTemplate() {
  return useMutation({
    mutationFn: ({ code, ticketId, locale }: { code: string; ticketId: string; locale: string }) =>
      api<{ body: string; title?: string }>(`${S}/reply-templates/${enc(code)}/render`, { body: { ticketId, locale } }),
  });
}

export function useSaveReplyTemplate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id?: string; code: string; locale: string; title: string; body: string; kinds: string[]; categories: string[]; status?: string }) =>
      id
        ? api<ReplyTemplate>(`${S}/reply-templates/${enc(id)}`, { method: 'PATCH', body: { title: body.title, body: body.body, kinds: body.kinds, categories: body.categories, ...(body.status ? { status: body.status } : {}) } })
        : api<ReplyTemplate>(`${S}/reply-templates`, { body: { code: body.code, locale: body.locale, title: body.title, body: body.body, kinds: body.kinds, categories: body.categories } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['service', 'reply-templates'] }),
  });
}

export function useSlaPolicies() {
  return useQuery({
    queryKey: ['service', 'sla-policies'],
    queryFn: async ({ signal }) => items(await api<{ items: SlaPolicy[] } | SlaPolicy[]>(`${S}/sla-policies`, { signal })),
  });
}

export function useCompensationPolicies() {
  return useQuery({
    queryKey: ['service', 'compensation-policies'],
    queryFn: async ({ signal }) => items(await api<{ items: CompensationPolicy[] } | CompensationPolicy[]>(`${S}/compensation-policies`, { signal })),
  });
}

export function useTicketCompensations(ticketId: string) {
  return useQuery({
    queryKey: serviceKeys.compensations(ticketId),
    queryFn: async ({ signal }) => items(await api<{ items: Compensation[] } | Compensation[]>(`${S}/tickets/${enc(ticketId)}/compensations`, { signal })),
  });
}

export function useCompensationOptions(ticketId: string) {
  return useQuery({
    queryKey: [...serviceKeys.compensations(ticketId), 'options'],
    queryFn: async ({ signal }) => (await api<{ items: CompensationOptionView[] }>(`${S}/tickets/${enc(ticketId)}/compensation-options`, { signal })).items,
  });
}

export function useProposeCompensation(ticketId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { policyCode: string; optionCode: string; note?: string }) => api<Compensation>(`${S}/tickets/${enc(ticketId)}/compensations`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['service', 'ticket', ticketId] }),
  });
}

export function useDecideCompensation(ticketId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action, note }: { id: string; action: 'approve' | 'reject' | 'execute' | 'cancel'; note?: string }) =>
      api<Compensation>(`${S}/compensations/${enc(id)}/${action}`, { body: note ? { note } : {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['service', 'ticket', ticketId] }),
  });
}

export interface StaffOption {
  id: string;
  displayName: string;
  username: string;
  role: string;
}

/** Staff to assign to (the staff list needs staff:admin; others take a ticket themselves or leave it). */
export function useAssignees(enabled: boolean) {
  return useQuery({
    queryKey: ['service', 'assignees'],
    queryFn: async ({ signal }) => (await api<{ items: StaffOption[] }>('/api/v1/staff', { query: { status: 'active', pageSize: 100 }, signal })).items,
    staleTime: 5 * 60_000,
    enabled,
  });
}

/** The ticket's number as people write it. */
export const ticketRef = (t: Pick<Ticket, 'number' | 'ticketNumber'>) => t.ticketNumber ?? `T-${t.number}`;

/** A ticket's customer (masked by the server as the caller may see) or its contact. */
export function customerLabel(t: Ticket): string | null {
  return t.customer?.name ?? t.customerName ?? t.contact?.name ?? null;
}

/** The queue's name (from the queue list), else its code. */
export const queueLabel = (t: Ticket, queues?: Queue[]) => t.queue?.name ?? t.queueName ?? queues?.find((q) => q.id === t.queueId || q.code === t.queueCode)?.name ?? t.queueCode ?? null;
export const assigneeLabel = (t: Ticket) => t.assignee?.displayName ?? t.assigneeName ?? null;
