import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, orNull } from './api-client';

/**
 * The segments API (/api/v1/segments/…): RFM runs, the R×F grid, classes and named segments, the
 * value matrix (rfm.routes.ts); rule and static segments with members and size history, the live
 * preview (segments.routes.ts); clustering runs and profiles (clusters.routes.ts).
 * Amounts of RFM figures are whole fen; rule values of money are yuan.
 */
const S = '/api/v1/segments';

export const VALUE_CLASSES = ['high_value', 'potential', 'general', 'low_value'] as const;
export type ValueClass = (typeof VALUE_CLASSES)[number];
export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalists',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];
export const VALUE_QUADRANTS = ['strategic', 'growth', 'basic', 'marginal'] as const;
export type ValueQuadrant = (typeof VALUE_QUADRANTS)[number];

export interface RfmRun {
  id: string;
  asOf: string;
  windowDays: number | null;
  method: 'quintiles' | 'thresholds';
  thresholds: unknown;
  customers: number;
  seconds: number | null;
  createdBy: string;
  createdAt: string;
}

export interface GridCell {
  r: number;
  f: number;
  customers: number;
  monetaryFen: number;
}

export interface Treatment {
  key: string;
  channels: string[];
  actions: string[];
}

export interface GroupSummary<K extends string> {
  key: K;
  code: string;
  customers: number;
  share: number;
  monetaryFen: number;
  avgRecencyDays: number | null;
  avgFrequency: number | null;
  avgMonetaryFen: number | null;
}

export interface RfmSummary {
  run: RfmRun;
  classes: Array<GroupSummary<ValueClass> & { treatment: Treatment }>;
  segments: Array<GroupSummary<RfmSegment>>;
}

export interface ValueMatrix {
  run: RfmRun;
  medianCurrentValueFen: number | null;
  medianPotentialValueFen: number | null;
  quadrants: Array<{ key: ValueQuadrant; code: string; customers: number; currentValueFen: number; potentialValueFen: number }>;
}

export type SegmentKind = 'rule' | 'static' | 'rfm' | 'value' | 'cluster';

export interface Segment {
  id: string;
  code: string;
  name: string;
  description: string | null;
  kind: SegmentKind;
  definition: unknown;
  treatment: unknown;
  active: boolean;
  size: number;
  refreshedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** A customer as the segments routes show one: names, phones and emails masked without pii:read. */
export interface SegmentCustomer {
  id: string;
  status?: string;
  name?: string | null;
  city?: string | null;
  tags?: string[];
  phone?: string | null;
  email?: string | null;
  memberNo?: string | null;
}

export interface Members {
  code: string;
  page: number;
  pageSize: number;
  total: number;
  items: Array<{ enteredAt: string; customer: SegmentCustomer }>;
}

export interface SizePoint {
  at: string;
  size: number;
  entered: number;
  exited: number;
}

export interface Preview {
  count: number;
  asOf: string;
  sample: SegmentCustomer[];
}

export interface RefreshResult {
  segmentId: string;
  code: string;
  size: number;
  entered: number;
  exited: number;
}

export interface ClusterProfile {
  cluster: number;
  name: string;
  label: string;
  persona: string;
  score: number | null;
  segmentCode: string;
  size: number;
  share: number;
  silhouette: number | null;
  centroid: Record<string, { z: number; value: number }>;
  distinguishing: Array<{ feature: string; label: string; z: number; value: number; direction: 'high' | 'low' }>;
}

export interface ClusterFeature {
  key: string;
  label: string;
  unit: string;
  transform: 'none' | 'log1p' | 'log';
  mean: number;
  sd: number;
  group?: 'channel' | 'category';
  weight: number;
}

export interface ClusterRun {
  id: string;
  asOf: string;
  k: number;
  seed: number;
  chosenBy: 'given' | 'silhouette';
  kRange: { min: number; max: number } | null;
  silhouetteByK: Array<{ k: number; silhouette: number | null }>;
  customers: number;
  silhouette: number | null;
  silhouetteExact: boolean;
  silhouetteScored: number;
  restarts: number;
  iterations: number;
  converged: boolean;
  inertia: number;
  features: ClusterFeature[];
  clusters: ClusterProfile[];
  seconds: { features: number; clustering: number; total: number };
  createdBy: string;
  createdAt: string;
}


export function useRfmGrid() {
  return useQuery({
    queryKey: ['segments', 'rfm', 'grid'],
    queryFn: ({ signal }) => orNull(api<{ run: RfmRun; cells: GridCell[] }>(`${S}/rfm/grid`, { signal })),
  });
}

export function useRfmSummary() {
  return useQuery({ queryKey: ['segments', 'rfm', 'summary'], queryFn: ({ signal }) => orNull(api<RfmSummary>(`${S}/rfm/summary`, { signal })) });
}

export function useValueMatrix() {
  return useQuery({ queryKey: ['segments', 'rfm', 'matrix'], queryFn: ({ signal }) => orNull(api<ValueMatrix>(`${S}/value-matrix`, { signal })) });
}

export function useRunRfm() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { asOf?: string; windowDays?: number | null }) => api<RfmRun>(`${S}/rfm/runs`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['segments'] }),
  });
}

export function useSegments(kind?: SegmentKind) {
  return useQuery({
    queryKey: ['segments', 'list', kind ?? 'all'],
    queryFn: ({ signal }) => api<{ items: Segment[] }>(S, { query: { kind }, signal }),
  });
}

export function useSegment(code: string) {
  return useQuery({ queryKey: ['segments', 'one', code], queryFn: ({ signal }) => api<Segment>(`${S}/${encodeURIComponent(code)}`, { signal }) });
}

export function useMembers(code: string, page: number, pageSize: number) {
  return useQuery({
    queryKey: ['segments', 'one', code, 'members', page, pageSize],
    queryFn: ({ signal }) => api<Members>(`${S}/${encodeURIComponent(code)}/members`, { query: { page, pageSize }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useSizeHistory(code: string, limit = 90) {
  return useQuery({
    queryKey: ['segments', 'one', code, 'history', limit],
    queryFn: ({ signal }) => api<{ code: string; items: SizePoint[] }>(`${S}/${encodeURIComponent(code)}/history`, { query: { limit }, signal }),
  });
}

export function useRefreshSegment(code: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<RefreshResult>(`${S}/${encodeURIComponent(code)}/refresh`, { body: {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['segments'] }),
  });
}

export function exportUrl(code: string): string {
  return `${S}/${encodeURIComponent(code)}/export.csv`;
}

/** The live count of a rule being edited; `signal` drops an answer a newer edit has overtaken. */
export function preview(rule: unknown, signal?: AbortSignal): Promise<Preview> {
  return api<Preview>(`${S}/preview`, { body: { version: 1, rule }, signal });
}

export function useCreateSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { code: string; name: string; description?: string; rule: unknown }) =>
      api<{ segment: Segment; refresh: RefreshResult }>(S, { body: { ...body, version: 1 } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['segments'] }),
  });
}

export function useCreateStatic() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { code: string; name: string; of: 'id' | 'phone'; content: string }) =>
      api<{ segment: Segment; lines: number; matched: number; duplicates: number }>(`${S}/static`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['segments'] }),
  });
}

export function useLatestClusters() {
  return useQuery({ queryKey: ['segments', 'clusters', 'latest'], queryFn: ({ signal }) => orNull(api<ClusterRun>(`${S}/clusters/latest`, { signal })) });
}

export function useRunClusters() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { k?: number; seed?: number; asOf?: string }) => api<ClusterRun>(`${S}/clusters/runs`, { body }),
    onSuccess: (run) => {
      client.setQueryData(['segments', 'clusters', 'latest'], run);
      void client.invalidateQueries({ queryKey: ['segments', 'list'] });
    },
  });
}
