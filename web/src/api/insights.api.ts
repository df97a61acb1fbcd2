import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from './api-client';

export interface Figure {
  current: number | null;
  comparison: number | null;
}

export interface Period {
  from: string;
  to: string;
  days: number;
}

export interface TrendPoint {
  date: string;
  revenueFen: number;
  orders: number;
  buyers: number;
  newMembers: number;
}

export type KpiKey =
  | 'members'
  | 'activeMembers'
  | 'newMembers'
  | 'buyers'
  | 'repurchaseRate'
  | 'orders'
  | 'revenueFen'
  | 'averageOrderValueFen'
  | 'memberSalesShare';

export interface Overview {
  period: Period;
  comparison: Period & { kind: 'previous' | 'year' };
  timeZone: string;
  granularity: 'day' | 'week';
  kpis: Record<KpiKey, Figure>;
  byChannel: Array<{ channel: string; orders: number; revenueFen: number; comparisonRevenueFen: number }>;
  byStore: Array<{ storeCode: string; name: string | null; orders: number; revenueFen: number; comparisonRevenueFen: number }>;
  trend: { current: TrendPoint[]; comparison: TrendPoint[] };
}

export interface OverviewQuery {
  from?: string | undefined;
  to?: string | undefined;
  days?: number | undefined;
  compare: 'previous' | 'year';
}

/** The dashboard's figures; the previous answer stays on screen while another period loads. */
export function useOverview(q: OverviewQuery) {
  return useQuery({
    queryKey: ['insights', 'overview', q],
    queryFn: ({ signal }) => api<Overview>('/api/v1/insights/overview', { query: { ...q }, signal }),
    placeholderData: keepPreviousData,
  });
}
