import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/api-client';

/**
 * Crises (/api/v1/listening/crises): opened from an alert or by hand, with deadlines (the statement, then progress
 * updates), a timeline, the customers they touch and what those were given, and the post-mortem report. Shapes follow
 * src/modules/listening (the crises table and routes).
 */

export const CRISIS_STATUSES = ['open', 'responding', 'monitoring', 'closed'] as const;
export type CrisisStatus = (typeof CRISIS_STATUSES)[number];
export const CRISIS_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const POST_KINDS = ['statement', 'update', 'note'] as const;
export type PostKind = (typeof POST_KINDS)[number];

export interface Crisis {
  id: string;
  number: number;
  title: string;
  status: CrisisStatus;
  severity: string;
  ownerId: string | null;
  alertId: string | null;
  scope: { type: string; key: string } | null;
  sku: string | null;
  batch: string | null;
  keyword: string | null;
  storeCode: string | null;
  openedAt: string;
  statementDueAt: string;
  statementAt: string | null;
  updateEveryMinutes: number;
  nextUpdateDueAt: string | null;
  startNegativeShare: number | null;
  targetNegativeShare: number;
  closedAt: string | null;
  closedBy: string | null;
  summary: string | null;
  createdBy: string;
  updatedAt: string;
}

export interface CrisisEvent {
  id: string;
  kind: string;
  actor: string;
  at: string;
  body: string | null;
  detail: Record<string, unknown>;
}

/** A deadline and where it stands: done, ok, due within 15 minutes, or overdue. */
export interface Deadline {
  kind: 'statement' | 'update';
  dueAt: string;
  doneAt: string | null;
  state: 'ok' | 'due_soon' | 'overdue' | 'done';
}

export interface CrisisDetail extends Crisis {
  timeline: CrisisEvent[];
  deadlines: Deadline[];
  counts: { mentions: number; affected: number; compensated: number };
  negativeShare: { start: number | null; latest: number | null; target: number };
}

export interface Affected {
  customerId: string;
  reasons: string[];
  addedAt: string;
  compensatedAt: string | null;
  compensation: { couponCode?: string; couponFen?: number; points?: number; note?: string; by: string } | null;
}

export interface ShareSeries {
  bucket: 'hour' | 'day';
  start: number | null;
  peak: { share: number; at: string } | null;
  latest: number | null;
  target: number;
  series: Array<{ at: string; mentions: number; negatives: number; share: number | null }>;
}

export interface CompensationRun {
  compensated: number;
  alreadyCompensated: number;
  couponFen: number;
  points: number;
  failures: Array<{ customerId: string; code: string; message: string }>;
}

/** The post-mortem: how long it ran, the statement and updates against their deadlines, the share, who was given what. */
export interface CrisisReport {
  crisis: Crisis;
  timeline: CrisisEvent[];
  durationMinutes: number;
  statement: { dueMinutes: number; minutes: number | null; met: boolean | null };
  updates: { count: number; onTime: number; onTimeRate: number | null; missedDeadlines: number };
  peakHour: { at: string; mentions: number } | null;
  negativeShare: { start: number | null; peak: { share: number; at: string } | null; end: number | null; target: number; reachedTarget: boolean };
  affected: { customers: number; byReason: Record<string, number> };
  compensation: { customers: number; couponFen: number; points: number };
  mentions: number;
  topKeywords: Array<{ keyword: string; mentions: number }>;
}

const C = '/api/v1/listening/crises';
const keys = {
  list: (status: string) => ['listening', 'crises', status] as const,
  one: (id: string) => ['listening', 'crisis', id] as const,
};

/** Crises, newest first; `status` narrows to one (monitoring: responding with the share back at its target). */
export function useCrises(status?: CrisisStatus) {
  return useQuery({ queryKey: keys.list(status ?? 'all'), queryFn: async () => (await api<{ items: Crisis[] }>(C, { query: { status } })).items, refetchInterval: 60_000 });
}

export function useCrisis(id: string) {
  return useQuery({ queryKey: keys.one(id), queryFn: () => api<CrisisDetail>(`${C}/${id}`), refetchInterval: 60_000 });
}

export function useCrisisShare(id: string, bucket: 'hour' | 'day') {
  return useQuery({ queryKey: [...keys.one(id), 'share', bucket], queryFn: () => api<ShareSeries>(`${C}/${id}/negative-share`, { query: { bucket } }) });
}

export function useAffected(id: string, page: number, pageSize = 20) {
  return useQuery({
    queryKey: [...keys.one(id), 'affected', page, pageSize],
    queryFn: () => api<{ items: Affected[]; total: number; page: number; pageSize: number }>(`${C}/${id}/affected`, { query: { page, pageSize } }),
  });
}

export function useCrisisReport(id: string) {
  return useQuery({ queryKey: [...keys.one(id), 'report'], queryFn: () => api<CrisisReport>(`${C}/${id}/report`) });
}

/** Anything done to a crisis refreshes it, its lists and the overview's counts. */
function useCrisisAction<B, R = CrisisDetail>(id: string, path: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: B) => api<R>(`${C}/${id}/${path}`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['listening'] }),
  });
}

export const useCrisisPost = (id: string) => useCrisisAction<{ kind: PostKind; body: string }>(id, 'posts');
export const useRefreshAffected = (id: string) => useCrisisAction<Record<string, never>, { customers: number; added: number; byReason: Record<string, number> }>(id, 'affected/refresh');
export const useCompensate = (id: string) => useCrisisAction<{ couponAmountFen?: number; points?: number; note?: string }, CompensationRun>(id, 'compensate');
export const useCloseCrisis = (id: string) => useCrisisAction<{ summary: string }>(id, 'close');

export function useOpenCrisis() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { title: string; severity: string; ownerId: string; sku?: string; keyword?: string; storeCode?: string; targetNegativeShare?: number }) => api<CrisisDetail>(C, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['listening'] }),
  });
}
