import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from './api-client';
import type { Money } from '../format/format';

export interface OrderSummary {
  id: string;
  customerId: string | null;
  channel: string;
  externalId: string;
  storeCode: string | null;
  placedAt: string;
  status: string;
  paidAmount: Money;
  refundedAmount: Money;
}

export interface OrderPage {
  items: OrderSummary[];
  nextCursor?: string | null;
}

export interface ListedOrder extends OrderSummary {
  storeName: string | null;
  lineCount: number;
  grossAmount: Money;
}

/** The orders list: `query` carries the page's URL parameters (filters, page, pageSize, sort). */
export function useOrderList(query: string) {
  return useQuery({
    queryKey: ['orders', 'list', query],
    queryFn: ({ signal }) => api<{ items: ListedOrder[]; total: number }>(`/api/v1/orders?${query}`, { signal }),
    placeholderData: keepPreviousData,
  });
}
