import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, orNull } from './api-client';
import type { ChurnExplanation, ChurnModelInput, ChurnModelRun } from '../../../src/modules/insights/churn/churn-model.service';

/**
 * The supervised churn model (/api/v1/insights/churn-model/…, src/modules/insights/http/churn-model.routes.ts): a
 * training run with its out-of-time evaluation against BG/NBD, and one customer's probability with the features
 * that push it up. The types are the service's own.
 */
export type { ChurnExplanation, ChurnFeature, ChurnModelRun } from '../../../src/modules/insights/churn/churn-model.service';

const I = '/api/v1/insights';
const keys = {
  latest: ['insights', 'churn-model', 'latest'] as const,
  explanation: (id: string) => ['insights', 'churn-model', 'explanation', id] as const,
};


export function useLatestChurnModel() {
  return useQuery({ queryKey: keys.latest, queryFn: ({ signal }) => orNull(api<ChurnModelRun>(`${I}/churn-model/latest`, { signal }), 'insights.no_churn_model_run') });
}

/** Null when there is no model yet or the customer was not scored (no order by the run's as-of date). */
export function useChurnExplanation(customerId: string) {
  return useQuery({
    queryKey: keys.explanation(customerId),
    queryFn: ({ signal }) => orNull(api<ChurnExplanation>(`${I}/customers/${encodeURIComponent(customerId)}/churn-explanation`, { signal })),
  });
}

export function useTrainChurnModel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ChurnModelInput) => api<ChurnModelRun>(`${I}/churn-model/runs`, { body }),
    onSuccess: (run) => {
      client.setQueryData(keys.latest, run);
      void client.invalidateQueries({ queryKey: ['insights', 'churn-model'] });
    },
  });
}
