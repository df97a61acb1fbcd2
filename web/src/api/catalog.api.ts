import { useQuery } from '@tanstack/react-query';
import { api } from './api-client';

export interface Store {
  code: string;
  name: string;
  city: string | null;
}

/** Store names by code; a few dozen rows, cached for the session. */
export function useStoreNames() {
  return useQuery({
    queryKey: ['catalog', 'stores'],
    queryFn: ({ signal }) => api<{ items: Store[] }>('/api/v1/stores', { signal }),
    select: (data) => new Map(data.items.map((s) => [s.code, s.name])),
    staleTime: 10 * 60_000,
  });
}

export interface StoreRow {
  id: string;
  code: string;
  name: string;
  city: string | null;
  district: string | null;
  address: string | null;
  openedOn: string | null;
  status: 'open' | 'closed' | string;
  updatedAt: string;
}

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  category: string[];
  brand: string | null;
  listPrice: string | null;
  consumable: boolean;
}

/** One page of a catalog list: `query` carries page, pageSize, sort and q from the URL. */
function usePage<T>(path: string, query: string) {
  return useQuery({
    queryKey: ['catalog', path, query],
    queryFn: ({ signal }) => api<{ items: T[]; total: number }>(`/api/v1/${path}?${query}`, { signal }),
    placeholderData: (previous) => previous,
  });
}

export const useStoresPage = (query: string) => usePage<StoreRow>('stores', query);
export const useProductsPage = (query: string) => usePage<ProductRow>('products', query);
