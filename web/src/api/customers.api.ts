import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';
import type { Money } from '../format/format';

export interface CustomerSummary {
  id: string;
  name: string | null;
  phone?: string | null;
  email?: string | null;
  memberNo?: string | null;
  city?: string | null;
  gender?: string | null;
  tags?: string[];
  lastSeenAt?: string | null;
  createdAt?: string;
}

export interface CustomerPage {
  items: CustomerSummary[];
  nextCursor?: string | null;
  total?: number;
}

export interface Identifier {
  type: string;
  value: string;
  isPrimary: boolean;
  source: string;
  createdAt?: string;
  lastSeenAt?: string;
}

export interface Consent {
  channel: string;
  purpose: string;
  status: string;
  source: string;
  recordedAt: string;
}

export interface Ranked {
  name: string;
  orders?: number;
  spend?: Money;
}

export interface Stats {
  firstOrderAt: string | null;
  lastOrderAt: string | null;
  orders: number;
  spend: Money;
  averageOrderValue: Money | null;
  refunded?: Money;
  channels: string[];
  favouriteCategories: Ranked[];
  favouriteStores: Ranked[];
}

export interface OrderLine {
  lineNo?: number;
  sku: string;
  productName?: string | null;
  quantity: number;
  unitPrice?: Money;
  discount?: Money;
  paidAmount: Money;
  returnedQuantity?: number;
}

export type TimelineItem =
  | { kind: 'order'; at: string; id: string; channel: string; externalId: string; storeCode: string | null; status: string; paidAmount: Money; refundedAmount?: Money; lines: OrderLine[] }
  | { kind: 'return'; at: string; id: string; orderId: string; channel: string; externalId: string; refundAmount: Money; reason: string | null; lines?: { sku: string; quantity: number; refundAmount: Money }[] }
  | { kind: 'event'; at: string; id: string; type: string; channel: string | null; storeCode: string | null; sku: string | null; properties?: Record<string, unknown> }
  | { kind: 'merge' | 'unmerge'; at: string; id: string; otherId: string; linkType: string | null; linkValue: string | null; actor: string; reason: string }
  | { kind: string; at: string; id: string; [key: string]: unknown };

export interface Customer360 {
  profile: CustomerSummary & {
    status: string;
    birthday: string | null;
    incomeBand: string | null;
    occupation: string | null;
    familyStage: string | null;
    mergedInto?: string | null;
  };
  identifiers: Identifier[];
  consents: Consent[];
  stats: Stats;
  timeline: TimelineItem[];
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
  duplicates: ['customers', 'duplicates'] as const,
};

export function useCustomerSearch(q: string) {
  return useQuery({
    queryKey: customerKeys.search(q),
    queryFn: ({ signal }) => api<CustomerPage>('/api/v1/customers', { query: { q, limit: 50 }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useCustomer360(id: string) {
  return useQuery({
    queryKey: customerKeys.one(id),
    queryFn: ({ signal }) => api<Customer360>(`/api/v1/customers/${encodeURIComponent(id)}`, { signal }),
  });
}

export function useDuplicates() {
  return useQuery({
    queryKey: customerKeys.duplicates,
    queryFn: ({ signal }) => api<{ items: DuplicateCandidate[] }>('/api/v1/customers/duplicates', { signal }),
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
