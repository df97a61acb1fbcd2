import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from './api-client';

import type { Overview, OverviewQuery } from '../../../src/modules/insights/insights.contract';

export type { Figure, Period, TrendPoint, KpiKey, Overview, OverviewQuery } from '../../../src/modules/insights/insights.contract';

/** The dashboard's figures; the previous answer stays on screen while another period loads. */
export function useOverview(q: OverviewQuery) {
  return useQuery({
    queryKey: ['insights', 'overview', q],
    queryFn: ({ signal }) => api<Overview>('/api/v1/insights/overview', { query: { ...q }, signal }),
    placeholderData: keepPreviousData,
  });
}
