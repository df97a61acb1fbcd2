import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from './api-client';

/**
 * Staff and store KPIs (/api/v1/staff/kpis, /leaderboard): per guide or per store over a period (`2026-W47`,
 * `2026-11`), with the seeds' targets. Guides and store managers get their own store only (the API scopes them).
 */

export const KPI_METRICS = [
  'customersServed',
  'orders',
  'netSalesFen',
  'memberEnrolments',
  'repurchaseRate',
  'referralRate',
  'csat',
  'nps',
  'couponRedemptions',
  'firstResponseSeconds',
  'resolutionRate',
  'taskCompletionRate',
] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];

export interface TargetResult {
  target: number;
  met: boolean | null;
}

export interface KpiRow {
  key: string;
  staffId: string | null;
  username: string | null;
  displayName: string | null;
  storeCode: string | null;
  customersServed: number;
  orders: number;
  netSalesFen: number;
  memberEnrolments: number;
  assignedCustomers: number;
  buyers: number;
  repeatBuyers: number;
  repurchaseRate: number | null;
  referrers: number;
  referralRate: number | null;
  csatResponses: number;
  csatSatisfied: number;
  csat: number | null;
  npsResponses: number;
  nps: number | null;
  couponRedemptions: number;
  tickets: number;
  firstResponseSeconds: number | null;
  resolvedTickets: number;
  resolutionRate: number | null;
  resolutionHours: number | null;
  tasksDue: number;
  tasksDone: number;
  taskCompletionRate: number | null;
  targets: { csat: TargetResult; firstResponseSeconds: TargetResult; resolutionRate: TargetResult };
}

export interface KpiReport {
  from: string;
  to: string;
  period: string | null;
  groupBy: 'guide' | 'store';
  store: string | null;
  items: KpiRow[];
}

export interface LeaderboardEntry {
  rank: number;
  key: string;
  staffId: string | null;
  username: string | null;
  displayName: string | null;
  storeCode: string | null;
  value: number;
}

export interface Leaderboard {
  metric: KpiMetric;
  order: 'asc' | 'desc';
  from: string;
  to: string;
  items: LeaderboardEntry[];
}

export function useStaffKpis(q: { period: string; groupBy: 'guide' | 'store'; store?: string }) {
  return useQuery({
    queryKey: ['staff', 'kpis', q],
    queryFn: ({ signal }) => api<KpiReport>('/api/v1/staff/kpis', { query: { period: q.period, groupBy: q.groupBy, store: q.store || undefined }, signal }),
    placeholderData: keepPreviousData,
    enabled: q.period !== '',
  });
}

export function useLeaderboard(q: { period: string; metric: KpiMetric; store?: string; limit?: number }) {
  return useQuery({
    queryKey: ['staff', 'leaderboard', q],
    queryFn: ({ signal }) =>
      api<Leaderboard>('/api/v1/staff/leaderboard', { query: { period: q.period, metric: q.metric, groupBy: 'guide', store: q.store || undefined, limit: q.limit ?? 10 }, signal }),
    placeholderData: keepPreviousData,
    enabled: q.period !== '',
  });
}
