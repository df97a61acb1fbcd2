import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, isApiError } from '../../api/api-client';

/**
 * The listening API (/api/v1/listening): mentions and their sentiment, the overview, trend, keyword heat and regions,
 * spike rules and alerts, crises with their timeline and affected customers, and console notices. Shapes follow
 * src/modules/listening (listening.schemas.ts and the routes).
 */

export const SOURCES = ['weibo', 'xiaohongshu', 'douyin', 'wechat', 'dianping', 'ecommerce', 'survey', 'ticket', 'news', 'other'] as const;
export const SENTIMENTS = ['positive', 'neutral', 'negative'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];
export const ASPECTS = ['price', 'quality', 'delivery', 'service', 'staff'] as const;
export const SCOPE_TYPES = ['brand', 'source', 'region', 'store', 'product', 'keyword'] as const;
export type ScopeType = (typeof SCOPE_TYPES)[number];
export const METRICS = ['volume', 'negative_share'] as const;
export type Metric = (typeof METRICS)[number];

/** Filters every listening read takes: a period and what it is narrowed to. */
export interface ReadFilters {
  from?: string;
  to?: string;
  source?: string;
  region?: string;
  storeCode?: string;
  sku?: string;
  keyword?: string;
}

export interface Overview {
  from: string;
  to: string;
  mentions: number;
  positives: number;
  neutrals: number;
  negatives: number;
  negativeShare: number | null;
  previous: { mentions: number; negativeShare: number | null };
  bySource: Array<{ source: string; mentions: number; negatives: number; negativeShare: number | null }>;
  byAspect: Array<{ aspect: string; mentions: number; negatives: number }>;
  openAlerts: number;
  openCrises: number;
}

export interface TrendPoint {
  at: string;
  mentions: number;
  positives: number;
  neutrals: number;
  negatives: number;
  negativeShare: number | null;
}

export interface Term {
  term: string;
  count: number;
  negatives: number;
  previous: number;
  score: number;
  rising: boolean;
}

export interface Terms {
  items: Term[];
  newWords: Array<{ term: string; count: number }>;
}

export interface RegionRow {
  region: string;
  mentions: number;
  negatives: number;
  negativeShare: number | null;
}

export interface Mention {
  id: string;
  source: string;
  externalId: string;
  url: string | null;
  author: string | null;
  text: string;
  lang: string;
  postedAt: string;
  region: string | null;
  city: string | null;
  storeCode: string | null;
  sku: string | null;
  likes: number;
  comments: number;
  shares: number;
  views: number;
  customerId: string | null;
  sentiment: { label: Sentiment; score: number };
  aspects: string[];
  keywords: string[];
}

export interface MentionFilters extends ReadFilters {
  sentiment?: string;
  aspect?: string;
  q?: string;
  crisisId?: string;
  limit?: number;
}

export interface Notify {
  console: boolean;
  emails: string[];
  webhooks: Array<{ url: string; secret: string }>;
}

export interface Rule {
  id: string;
  name: string;
  scopeType: ScopeType;
  scopeKey: string;
  metric: Metric;
  windowMinutes: number;
  increasePct: number;
  minCount: number;
  alpha: number;
  minNegativeShare: number | null;
  timeZone: string;
  notify: Notify;
  opensCrisis: boolean;
  ownerId: string | null;
  enabled: boolean;
  createdAt: string;
}

export type RuleInput = Omit<Rule, 'id' | 'createdAt' | 'minNegativeShare' | 'ownerId'> & { minNegativeShare?: number; ownerId?: string };

export interface Finding {
  windowStart: string;
  windowEnd: string;
  observed: number;
  expected: number;
  increasePct: number;
  pValue: number;
  negatives: number;
  negativeShare: number | null;
  baselineShare: number | null;
  metric: Metric;
}

export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  scopeType: ScopeType;
  scopeKey: string;
  status: 'open' | 'closed';
  openedAt: string;
  lastSeenAt: string;
  closedAt: string | null;
  finding: Finding;
  peak: Finding | null;
  crisisId: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

export interface ConsoleNotice {
  id: string;
  kind: string;
  alertId: string | null;
  crisisId: string | null;
  subject: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

const L = '/api/v1/listening';
const lk = {
  all: ['listening'] as const,
  read: (what: string, q: object = {}) => ['listening', what, q] as const,
};

const minute = 60_000;

export function useOverview(q: ReadFilters) {
  return useQuery({ queryKey: lk.read('overview', q), queryFn: () => api<Overview>(`${L}/overview`, { query: { ...q } }), placeholderData: keepPreviousData });
}

export function useTrend(q: ReadFilters & { bucket: 'hour' | 'day' | 'week' }) {
  return useQuery({
    queryKey: lk.read('trend', q),
    queryFn: () => api<{ bucket: string; points: TrendPoint[] }>(`${L}/trend`, { query: { ...q } }),
    placeholderData: keepPreviousData,
  });
}

export function useTerms(q: ReadFilters & { sentiment?: string; limit?: number }) {
  return useQuery({ queryKey: lk.read('terms', q), queryFn: () => api<Terms>(`${L}/terms`, { query: { ...q } }), placeholderData: keepPreviousData });
}

export function useRegions(q: ReadFilters) {
  return useQuery({ queryKey: lk.read('regions', q), queryFn: () => api<{ items: RegionRow[] }>(`${L}/regions`, { query: { ...q } }), placeholderData: keepPreviousData });
}

/** The mention stream, newest first, a page at a time by cursor ("load more"). */
export function useMentions(f: MentionFilters) {
  return useInfiniteQuery({
    queryKey: lk.read('mentions', f),
    queryFn: ({ pageParam }) => api<{ items: Mention[]; nextBefore: string | null }>(`${L}/mentions`, { query: { ...f, before: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
}

/** The sentiment model on texts typed into the console. */
export function useScoreTexts() {
  return useMutation({
    mutationFn: (texts: string[]) => api<{ items: Array<{ label: Sentiment; score: number; probability: number; lang: string; aspects: string[] }> }>(`${L}/sentiment`, { body: { texts } }),
  });
}

export function useRules() {
  return useQuery({ queryKey: lk.read('rules'), queryFn: async () => (await api<{ items: Rule[] }>(`${L}/rules`)).items });
}

export function useSaveRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: Partial<RuleInput> }) => api<Rule>(id ? `${L}/rules/${id}` : `${L}/rules`, { method: id ? 'PATCH' : 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['listening', 'rules'] }),
  });
}

export function useDeleteRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<unknown>(`${L}/rules/${id}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['listening', 'rules'] }),
  });
}

export function useAlerts(status: 'open' | 'closed' | 'all') {
  return useQuery({
    queryKey: lk.read('alerts', { status }),
    queryFn: async () => (await api<{ items: Alert[] }>(`${L}/alerts`, { query: { status } })).items,
    staleTime: 0,
    refetchInterval: minute,
  });
}

/** Acknowledging an alert (it changes the alerts and the overview's counts). */
export function useAckAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Alert>(`${L}/alerts/${id}/ack`, { body: {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: lk.all }),
  });
}

/**
 * Opens an alert's crisis, owned by the rule's owner; when the rule names none, by `me` (the person opening it).
 * Resolves to the new crisis's id.
 */
export function useCrisisFromAlert(me: string | undefined) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const open = (body: object) => api<{ id: string }>(`${L}/alerts/${id}/crisis`, { body });
      try {
        return (await open({})).id;
      } catch (e) {
        if (me && isApiError(e, 400) && e.body.code === 'listening.owner_required') return (await open({ ownerId: me })).id;
        throw e;
      }
    },
    onSuccess: () => client.invalidateQueries({ queryKey: lk.all }),
  });
}

export function useNotices() {
  return useQuery({
    queryKey: lk.read('notifications'),
    queryFn: () => api<{ items: ConsoleNotice[]; unread: number }>(`${L}/notifications`, { query: { unread: true } }),
    // Fresh on every listening page, and each minute while one is open.
    staleTime: 0,
    refetchInterval: minute,
  });
}

export function useReadNotices() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids?: string[]) => api<unknown>(`${L}/notifications/read`, { body: ids ? { ids } : {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['listening', 'notifications'] }),
  });
}
