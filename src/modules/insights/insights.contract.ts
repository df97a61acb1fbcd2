/**
 * The dashboard's figures as the API answers them: types only, shared by the server and the console
 * (web/src/api/insights.api.ts imports them), so the two cannot drift apart.
 */
export type CompareKind = 'previous' | 'year';

export interface OverviewQuery {
  from?: string | undefined;
  to?: string | undefined;
  /** Without `from`: the period is this many days ending on `to` (default 30). */
  days?: number | undefined;
  compare: CompareKind;
}

/** A KPI for the period and its comparison period. */
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
  /** First day of the bucket (a day, or the 7 days starting here). */
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
  comparison: Period & { kind: CompareKind };
  timeZone: string;
  granularity: 'day' | 'week';
  kpis: Record<KpiKey, Figure>;
  byChannel: Array<{ channel: string; orders: number; revenueFen: number; comparisonRevenueFen: number }>;
  byStore: Array<{ storeCode: string; name: string | null; orders: number; revenueFen: number; comparisonRevenueFen: number }>;
  trend: { current: TrendPoint[]; comparison: TrendPoint[] };
}
