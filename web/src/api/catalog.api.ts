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
