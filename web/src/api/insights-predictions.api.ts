import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, orNull } from './api-client';
import type { ChurnRisk, ClvFitInput, ClvRun, CustomerPrediction, FrequencyModel, PredictionsService } from '../../../src/modules/insights/predictions/predictions.service';

/**
 * Customer predictions (/api/v1/insights/…, src/modules/insights/http/predictions.routes.ts): CLV runs (BG/NBD or
 * Pareto/NBD with Gamma-Gamma), the churn-risk list, the distribution, one customer's prediction. Amounts are whole
 * fen; `expectedAvgValueFen` and `clvFen` are null while no spend model is fitted. The types are the service's own.
 */
const I = '/api/v1/insights';

export type { ChurnRisk, ClvRun, CustomerPrediction, FrequencyModel } from '../../../src/modules/insights/predictions/predictions.service';
export type Prediction = Omit<CustomerPrediction, 'asOf' | 'period' | 'horizonDays'>;
export type FitInput = ClvFitInput;

export const CHURN_RISKS: readonly ChurnRisk[] = ['high', 'medium', 'low'];

export interface ChurnRiskPage {
  run: ClvRun;
  total: number;
  /** `customer`: the customer's summary (name, phone … masked without pii:read), null when unknown. */
  items: Array<Prediction & { spendFen: number; customer: { id: string; name: string | null } | null }>;
}

export interface ClvDistribution {
  run: ClvRun;
  churn: Array<{ risk: ChurnRisk; customers: number; clvFen: number; expectedPurchases: number }>;
  clvDeciles: Array<{ decile: number; customers: number; minFen: number; maxFen: number; sumFen: number }>;
}

export interface ChurnQuery {
  risk: ChurnRisk[];
  minFrequency?: number | undefined;
  limit: number;
  offset: number;
}


const keys = {
  all: ['insights', 'predictions'] as const,
  latest: ['insights', 'predictions', 'latest'] as const,
  distribution: ['insights', 'predictions', 'distribution'] as const,
  churn: (q: ChurnQuery) => ['insights', 'predictions', 'churn', q] as const,
  customer: (id: string) => ['insights', 'predictions', 'customer', id] as const,
};

export function useLatestClvRun() {
  return useQuery({ queryKey: keys.latest, queryFn: ({ signal }) => orNull(api<ClvRun>(`${I}/clv/runs/latest`, { signal }), 'insights.no_clv_run') });
}

export function useClvDistribution(enabled = true) {
  return useQuery({
    queryKey: keys.distribution,
    queryFn: ({ signal }) => orNull(api<ClvDistribution>(`${I}/clv/distribution`, { signal }), 'insights.no_clv_run'),
    enabled,
  });
}

export function useChurnRisk(q: ChurnQuery, enabled = true) {
  return useQuery({
    queryKey: keys.churn(q),
    queryFn: ({ signal }) =>
      orNull(
        api<ChurnRiskPage>(`${I}/churn-risk`, { query: { risk: q.risk.join(','), minFrequency: q.minFrequency, limit: q.limit, offset: q.offset }, signal }),
        'insights.no_clv_run',
      ),
    placeholderData: keepPreviousData,
    enabled: enabled && q.risk.length > 0,
  });
}

/** A customer's prediction from the latest run; null when there is none (no run yet, or no order by its as-of date). */
export function useCustomerPrediction(customerId: string) {
  return useQuery({
    queryKey: keys.customer(customerId),
    queryFn: ({ signal }) => orNull(api<CustomerPrediction>(`${I}/customers/${encodeURIComponent(customerId)}/prediction`, { signal }), 'insights.no_prediction'),
  });
}

export function useFitClv() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: FitInput) => api<ClvRun>(`${I}/clv/runs`, { body }),
    onSuccess: (run) => {
      client.setQueryData(keys.latest, run);
      void client.invalidateQueries({ queryKey: keys.all });
    },
  });
}

/** Calibration vs holdout (POST /insights/clv/validation): the service's own answer. */
export type ClvValidation = Awaited<ReturnType<PredictionsService['validation']>>;
export interface ClvValidationInput {
  calibrationEnd: string;
  holdoutEnd: string;
  model?: FrequencyModel;
  period?: 'week' | 'day';
}

/** Runs the check on demand (it fits a model: a second or two on a large brand); nothing is stored. */
export function useClvValidation() {
  return useMutation({ mutationFn: (body: ClvValidationInput) => api<ClvValidation>(`${I}/clv/validation`, { body }) });
}
