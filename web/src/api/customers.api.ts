import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';
import type { Money } from '../format/format';

export interface CustomerSummary {
  id: string;
  status: string;
  /** Masked (王*) for roles without pii:read, as are phone and email. */
  name: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  tags: string[];
  phone: string | null;
  email: string | null;
  memberNo: string | null;
  createdAt: string;
  lastSeenAt: string;
}

/** A row of the paged customer list (GET /api/v1/customers?page=…). */
export interface ListedCustomer extends CustomerSummary {
  /** Created, or first bought if that was earlier. */
  memberSince: string;
  orders: number;
  netSpend: Money;
  firstOrderAt: string | null;
  lastOrderAt: string | null;
}

export interface CustomerListPage {
  items: ListedCustomer[];
  total: number;
}

/** `query` is the list's URL query (page, pageSize, sort and the filters) as useListParams builds it. */
export function useCustomerList(query: string) {
  return useQuery({
    queryKey: ['customers', 'list', query],
    // No placeholder: a search must never show the previous list under the new heading.
    queryFn: ({ signal }) => api<CustomerListPage>(`/api/v1/customers?${query}`, { signal }),
  });
}

export interface CustomerPage {
  items: CustomerSummary[];
  nextCursor: string | null;
}

export interface Identifier {
  type: string;
  value: string;
  primary: boolean;
  source: string;
  createdAt: string;
  lastSeenAt: string;
}

export interface Consent {
  channel: string;
  purpose: string;
  status: string;
  source: string;
  recordedAt: string;
}

export interface Stats {
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  orders: number;
  gross: Money;
  refunded: Money;
  netSpend: Money;
  averageOrderValue: Money | null;
  returns: number;
  events: number;
  lastEventAt: string | null;
  channels: { channel: string; orders: number; netSpend: Money }[];
  favouriteCategories: { category: string[]; orders: number; quantity: number; netSpend: Money }[];
  favouriteStores: { storeCode: string; orders: number; netSpend: Money; lastVisitAt: string }[];
}

export interface OrderLine {
  lineNo: number;
  sku: string;
  productName: string | null;
  quantity: number;
  paid: Money;
  returnedQuantity: number;
  refunded: Money;
}

interface TimelineBase {
  id: string;
  at: string;
}
export interface OrderItem extends TimelineBase {
  kind: 'order';
  channel: string;
  externalId: string;
  storeCode: string | null;
  status: string;
  gross: Money;
  discount: Money;
  paid: Money;
  refunded: Money;
  lines: OrderLine[];
}
export interface ReturnItem extends TimelineBase {
  kind: 'return';
  orderId: string;
  channel: string;
  externalId: string;
  refund: Money;
  reason: string | null;
}
export interface EventItem extends TimelineBase {
  kind: 'event';
  type: string;
  channel: string | null;
  storeCode: string | null;
  sku: string | null;
  properties: Record<string, unknown> | null;
}
export interface MergeItem extends TimelineBase {
  kind: 'merge' | 'unmerge';
  survivorId: string;
  absorbedId: string;
  linkType: string | null;
  linkValue: string | null;
  actor: string | null;
  reason: string;
}
/** What later modules add (points, messages, tickets…): a kind of their own and a summary. */
export interface OtherItem extends TimelineBase {
  kind: 'item';
  itemKind: string;
  refId: string | null;
  summary: Record<string, unknown>;
}
export type TimelineItem = OrderItem | ReturnItem | EventItem | MergeItem | OtherItem;

export interface TimelinePage {
  items: TimelineItem[];
  nextCursor: string | null;
}

export interface Customer360 {
  /** The survivor's id; a merged-away id answers with its survivor (`requestedId`, `mergedInto`). */
  id: string;
  requestedId: string;
  mergedInto?: string;
  profile: {
    status: string;
    name: string | null;
    gender: string | null;
    birthday: string | null;
    city: string | null;
    incomeBand: string | null;
    occupation: string | null;
    familyStage: string | null;
    tags: string[];
    source: string | null;
    createdAt: string;
    updatedAt: string;
    lastSeenAt: string;
  };
  identifiers: Identifier[];
  consents: { current: Consent[]; history: Consent[] };
  stats: Stats;
  timeline: TimelinePage;
}

export interface DuplicateCandidate {
  id: string;
  reason: string;
  score: number;
  createdAt: string;
  customer: CustomerSummary;
  other: CustomerSummary;
}

export const customerKeys = {
  search: (q: string) => ['customers', 'search', q] as const,
  one: (id: string) => ['customers', 'one', id] as const,
  timeline: (id: string, from: string) => ['customers', 'timeline', id, from] as const,
  duplicates: ['customers', 'duplicates'] as const,
};

const PAGE = 50;

/** Newest active profiles first, or those matching q; pages follow the API's cursor. */
export function useCustomerSearch(q: string) {
  return useInfiniteQuery({
    queryKey: customerKeys.search(q),
    queryFn: ({ signal, pageParam }) => api<CustomerPage>('/api/v1/customers', { query: { q, limit: PAGE, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useCustomer360(id: string) {
  return useQuery({
    queryKey: customerKeys.one(id),
    queryFn: ({ signal }) => api<Customer360>(`/api/v1/customers/${encodeURIComponent(id)}`, { signal }),
  });
}

/**
 * Older timeline pages, after the first one the 360 brings. Nothing loads until asked:
 * most visits never scroll past the latest fifty items.
 */
export function useOlderTimeline(id: string, from: string | null) {
  return useInfiniteQuery({
    queryKey: customerKeys.timeline(id, from ?? ''),
    queryFn: ({ signal, pageParam }) =>
      api<TimelinePage>(`/api/v1/customers/${encodeURIComponent(id)}/timeline`, { query: { limit: PAGE, cursor: pageParam }, signal }),
    initialPageParam: from ?? '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: false,
  });
}

export function useDuplicates() {
  return useQuery({
    queryKey: customerKeys.duplicates,
    queryFn: ({ signal }) => api<{ items: DuplicateCandidate[]; hasMore: boolean }>('/api/v1/customers/duplicates', { signal }),
  });
}

export function useDecideDuplicate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, decision }: { id: string; decision: 'accept' | 'reject' }) =>
      api(`/api/v1/customers/duplicates/${encodeURIComponent(id)}/${decision}`, { method: 'POST', body: {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['customers'] }),
  });
}

export function useUnmerge(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (mergeId: string) => api(`/api/v1/customers/${encodeURIComponent(customerId)}/unmerge`, { body: { mergeId } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['customers'] }),
  });
}
