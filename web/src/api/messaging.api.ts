import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';

/**
 * The messaging API (/api/v1/messaging): templates (per channel × locale bodies with {{variables}}) and their preview,
 * the message log (addresses masked), channels (adapter + config; secrets come back as ••••), the contact policy and
 * the guide tasks. Mirrors src/modules/messaging/messaging.contract.ts.
 */

export const CHANNELS = ['sms', 'email', 'wechat', 'app_push', 'guide_task'] as const;
export type Channel = (typeof CHANNELS)[number];
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'failed', 'blocked', 'cancelled', 'expired'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export const ADAPTERS = ['log', 'smtp', 'webhook', 'wechat', 'guide_task'] as const;
export const CHANNEL_ADAPTERS: Record<Channel, readonly string[]> = { sms: ['webhook', 'log'], email: ['smtp', 'webhook', 'log'], wechat: ['wechat', 'webhook', 'log'], app_push: ['webhook', 'log'], guide_task: ['guide_task', 'log'] };
export const SECRET_MASK = '••••';

export interface Body {
  subject?: string;
  body: string;
}
export type Contents = Partial<Record<Channel, Partial<Record<Locale, Body>>>>;

export interface Template {
  id: string;
  code: string;
  name: string;
  purpose: 'marketing' | 'service';
  contents: Contents;
  providerIds?: Partial<Record<Channel, string>>;
  status: 'active' | 'archived';
  version: number;
  createdAt: string;
  updatedAt: string;
  /** The variables the bodies use (when the server lists them). */
  variables?: string[];
}

export interface TemplateDraft {
  code: string;
  name: string;
  purpose: 'marketing' | 'service';
  contents: Contents;
  providerIds?: Partial<Record<Channel, string>>;
}

export interface PreviewResult {
  subject: string | null;
  body: string;
  channel?: string;
  locale?: string;
  /** The variable paths the text uses. */
  variables?: string[];
  /** Those no provider fills. */
  unknown?: string[];
  warnings?: Array<{ path: string; message: string }>;
}

export interface Message {
  id: string;
  customerId: string;
  customerName?: string | null;
  channel: string;
  purpose: string;
  templateId: string | null;
  templateCode?: string | null;
  templateName?: string | null;
  locale: string;
  subject: string | null;
  body?: string | null;
  toMasked: string | null;
  status: MessageStatus;
  reason: string | null;
  sourceKind: string;
  journeyId: string | null;
  journeyName?: string | null;
  stepId: string | null;
  sendAfter: string;
  sentAt: string | null;
  deliveredAt: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  events?: Array<{ id: string; status: string; occurredAt: string; detail?: Record<string, unknown> }>;
  /** The text is hidden from callers without pii:read. */
  contentHidden?: boolean;
}

export interface ChannelSettings {
  channel: Channel;
  enabled: boolean;
  adapter: string;
  config: Record<string, unknown>;
  ratePerSecond: number | null;
  updatedBy?: string | null;
  updatedAt?: string | null;
}

export interface Policy {
  /** Marketing messages per customer across channels per day, week and month. */
  caps: { day: number; week: number; month: number };
  /** Local "HH:MM"; start = end means none; `service`: service messages wait too. */
  quietHours: { start: string; end: string; service: boolean };
  consent: 'opt_in' | 'opt_out';
  channelOrder: string[];
  /** The hour a usual-hour message goes to a customer with no orders to learn it from. */
  defaultHour: number;
  updatedAt?: string | null;
  updatedBy?: string | null;
}

export interface GuideTask {
  id: string;
  customerId: string;
  customerName?: string | null;
  messageId: string | null;
  kind?: (typeof TASK_KINDS)[number];
  storeCode: string | null;
  assigneeStaffId?: string | null;
  assignee: string | null;
  cancelReason?: string | null;
  title: string;
  body: string | null;
  dueAt: string;
  status: 'open' | 'done' | 'cancelled';
  outcome: string | null;
  note: string | null;
  doneAt: string | null;
  doneBy: string | null;
  createdAt: string;
}
export const TASK_OUTCOMES = ['reached', 'no_answer', 'declined', 'wrong_number', 'done'] as const;
export const TASK_KINDS = ['callback', 'follow_up', 'birthday_call', 'other'] as const;

const M = '/api/v1/messaging';

export interface ListPage<T> {
  items: T[];
  total?: number;
  nextCursor?: string | null;
}
function page<T>(r: ListPage<T> | T[]): ListPage<T> {
  return Array.isArray(r) ? { items: r } : { ...r, items: r.items ?? [] };
}

export function useMessageTemplates() {
  return useQuery({
    queryKey: ['messaging', 'templates'],
    queryFn: ({ signal }) => api<ListPage<Template> | Template[]>(`${M}/templates`, { query: { limit: 500 }, signal }).then((r) => page(r).items),
  });
}

export function useMessageTemplate(code: string | undefined) {
  return useQuery({
    queryKey: ['messaging', 'template', code],
    queryFn: ({ signal }) => api<Template>(`${M}/templates/${encodeURIComponent(code!)}`, { signal }),
    enabled: !!code,
  });
}

export function useSaveTemplate(existing: string | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ code, ...rest }: TemplateDraft) =>
      existing ? api<Template>(`${M}/templates/${encodeURIComponent(existing)}`, { method: 'PUT', body: rest }) : api<Template>(`${M}/templates`, { body: { code, ...rest } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['messaging'] }),
  });
}

/** Renders a template — the editor's draft when `contents` is given — for a customer (or with sample values). */
export function previewTemplate(code: string, body: { customerId?: string; channel: Channel; locale: Locale; contents?: Contents }, signal?: AbortSignal) {
  return api<PreviewResult>(`${M}/templates/${encodeURIComponent(code)}/preview`, { body, signal });
}

export interface MessageFilters {
  channel?: string;
  status?: string;
  journeyId?: string;
  customerId?: string;
  cursor?: string;
}

export function useMessages(f: MessageFilters) {
  return useQuery<ListPage<Message>>({
    queryKey: ['messaging', 'messages', f],
    queryFn: ({ signal }) => api<ListPage<Message> | Message[]>(`${M}/messages`, { query: { ...f, limit: 50 }, signal }).then(page),
    placeholderData: keepPreviousData,
  });
}

export function useMessage(id: string | null) {
  return useQuery({
    queryKey: ['messaging', 'message', id],
    queryFn: ({ signal }) => api<Message>(`${M}/messages/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
  });
}

export function useCustomerMessages(customerId: string) {
  return useQuery({
    queryKey: ['messaging', 'customer', customerId],
    queryFn: ({ signal }) => api<ListPage<Message> | Message[]>(`/api/v1/customers/${encodeURIComponent(customerId)}/messages`, { query: { limit: 20 }, signal }).then(page),
  });
}

export function useChannels() {
  return useQuery({
    queryKey: ['messaging', 'channels'],
    queryFn: ({ signal }) => api<ListPage<ChannelSettings> | ChannelSettings[]>(`${M}/channels`, { signal }).then((r) => page(r).items),
  });
}

export function useSaveChannel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ channel, ...body }: { channel: string; enabled: boolean; adapter: string; config: Record<string, unknown>; ratePerSecond?: number | null }) =>
      api<ChannelSettings>(`${M}/channels/${encodeURIComponent(channel)}`, { method: 'PUT', body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['messaging', 'channels'] }),
  });
}

export function useTestChannel() {
  return useMutation({
    mutationFn: ({ channel, to }: { channel: string; to: string }) =>
      api<{ id?: string; status: 'sent' | 'retry' | 'failed'; error?: string; providerMessageId?: string; adapter?: string }>(`${M}/channels/${encodeURIComponent(channel)}/test`, { body: { to } }),
  });
}

export function usePolicy() {
  return useQuery({ queryKey: ['messaging', 'policy'], queryFn: ({ signal }) => api<Policy>(`${M}/policy`, { signal }) });
}

export function useSavePolicy() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Omit<Policy, 'updatedAt' | 'updatedBy'>) => api<Policy>(`${M}/policy`, { method: 'PUT', body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['messaging', 'policy'] }),
  });
}

export function useGuideTasks(status: string) {
  return useQuery<GuideTask[]>({
    queryKey: ['messaging', 'guide-tasks', status],
    queryFn: ({ signal }) => api<ListPage<GuideTask> | GuideTask[]>(`${M}/guide-tasks`, { query: { status, limit: 100 }, signal }).then((r) => page(r).items),
    placeholderData: keepPreviousData,
  });
}

export function useCompleteTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; outcome: string; note?: string }) => api<GuideTask>(`${M}/guide-tasks/${encodeURIComponent(id)}/complete`, { body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['messaging', 'guide-tasks'] }),
  });
}

/** The {{names}} a text uses, in order of first use. */
export function variablesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\|[^}]*)?\}\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** An SMS's length as a gateway counts it: 70 characters for one part (67 each when split) with any Chinese, else 160 (153). */
export function smsParts(text: string): { length: number; parts: number; perPart: number } {
  const unicode = /[^\u0000-\u007f]/.test(text);
  const length = [...text].length;
  const single = unicode ? 70 : 160;
  const multi = unicode ? 67 : 153;
  return { length, parts: length === 0 ? 0 : length <= single ? 1 : Math.ceil(length / multi), perPart: length <= single ? single : multi };
}
