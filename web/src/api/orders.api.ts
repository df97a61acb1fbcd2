import { useQuery } from '@tanstack/react-query';
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

/** The overview's sample: the most recent orders, one page. */
export const RECENT_ORDERS = 500;

export function useRecentOrders() {
  return useQuery({
    queryKey: ['orders', 'recent', RECENT_ORDERS],
    queryFn: ({ signal }) => api<OrderPage>('/api/v1/orders', { query: { limit: RECENT_ORDERS }, signal }),
  });
}
