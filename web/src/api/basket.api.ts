import { useMemo } from 'react';
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { api, isApiError } from './api-client';

/**
 * Basket analysis (/api/v1/basket/…, src/modules/basket/http/basket.routes.ts): association rules, frequently bought
 * together and bundles, mined per request from the orders. Items are SKUs, leaf categories or brands by `level`.
 */
const B = '/api/v1/basket';

export type BasketLevel = 'sku' | 'category' | 'brand';
export const BASKET_LEVELS: readonly BasketLevel[] = ['sku', 'category', 'brand'];
export const CHANNELS = ['pos', 'online', 'miniprogram', 'app', 'wechat', 'marketplace', 'phone', 'other'] as const;

export interface BasketFilters {
  from?: string;
  to?: string;
  stores?: string[];
  channels?: string[];
  segment?: string;
  level: BasketLevel;
}

export interface RulesRequest extends BasketFilters {
  minSupport: number;
  minConfidence: number;
}

export interface BasketRule {
  lhs: string[];
  rhs: string;
  count: number;
  support: number;
  confidence: number;
  coverage: number;
  lift: number;
  leverage: number;
  /** "Infinity" when the confidence is 1. */
  conviction: number | 'Infinity';
}

export interface RulesAnswer {
  baskets: number;
  items: number;
  level: BasketLevel;
  minSupport: number;
  minCount: number;
  minConfidence: number;
  itemsets: number;
  total: number;
  rules: BasketRule[];
}

export interface Suggestion {
  item: string;
  because: string[];
  count: number;
  support: number;
  confidence: number;
  lift: number;
}

export interface TogetherAnswer {
  item: string;
  baskets: number;
  minCount: number;
  suggestions: Suggestion[];
}

export interface BundlesAnswer {
  baskets: number;
  minCount: number;
  bundles: Array<{ items: string[]; count: number; support: number; lift: number }>;
}

/** The most rules one run brings: the page sorts, filters by lift and pages them in the browser. */
export const RULES_LIMIT = 1000;

/** A GET's filters: lists comma-separated, as the API reads them. */
function filterQuery(f: BasketFilters) {
  return { from: f.from, to: f.to, stores: f.stores?.join(','), channels: f.channels?.join(','), segment: f.segment, level: f.level };
}

/** Rules for the submitted filters (null: nothing submitted yet), best lift first; runs again only on a new submission. */
export function useBasketRules(req: RulesRequest | null) {
  return useQuery({
    queryKey: ['basket', 'rules', req],
    queryFn: ({ signal }) => api<RulesAnswer>(`${B}/rules`, { body: { ...req, minLen: 2, sort: 'lift', limit: RULES_LIMIT }, signal }),
    enabled: req !== null,
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function useTogether(item: string | null, req: RulesRequest | null) {
  return useQuery({
    queryKey: ['basket', 'together', item, req],
    queryFn: ({ signal }) =>
      api<TogetherAnswer>(`${B}/together`, { query: { item, ...filterQuery(req!), minSupport: req!.minSupport, limit: 10 }, signal }),
    enabled: item !== null && req !== null,
    staleTime: 5 * 60_000,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useBundles(req: RulesRequest | null) {
  return useQuery({
    queryKey: ['basket', 'bundles', req],
    queryFn: ({ signal }) => api<BundlesAnswer>(`${B}/bundles`, { query: { ...filterQuery(req!), minSupport: req!.minSupport, limit: 10 }, signal }),
    enabled: req !== null,
    staleTime: 5 * 60_000,
    retry: false,
  });
}

/**
 * Product names for SKUs (catalog:read), one cached lookup per SKU: only the SKUs on screen are asked for. A SKU the
 * catalog does not know keeps its code.
 */
export function useProductNames(skus: string[], enabled: boolean): Map<string, string> {
  const results = useQueries({
    queries: skus.map((sku) => ({
      queryKey: ['catalog', 'product-name', sku],
      queryFn: async ({ signal }: { signal: AbortSignal }) => {
        try {
          return (await api<{ name: string }>(`/api/v1/products/${encodeURIComponent(sku)}`, { signal })).name;
        } catch (e) {
          if (isApiError(e, 404)) return null;
          throw e;
        }
      },
      enabled,
      staleTime: Infinity,
      retry: false,
    })),
  });
  // One map per change of what is known, so charts drawn from it are not redrawn on every render.
  const known = results.map((r, i) => (r.data ? `${skus[i]}\u0001${r.data}` : '')).join('\u0002');
  return useMemo(() => new Map(known.split('\u0002').filter(Boolean).map((x) => x.split('\u0001') as [string, string])), [known]);
}

export type RecommendationKind = 'rule' | 'similar' | 'popular' | 'due_again';
interface NamedItem {
  item: string;
  /** Catalog name at SKU level; the category or brand itself at the others. */
  name: string | null;
}
export interface CustomerRecommendations {
  customerId: string;
  level: BasketLevel;
  asOf: string;
  model: { builtAt: string; baskets: number; customers: number; items: number; rules: number };
  recommendations: Array<NamedItem & { kind: RecommendationKind; because: NamedItem[]; score: number }>;
}

/** Next-best items for one customer (GET /basket/customers/{id}/recommendations), each with its reason. */
export function useCustomerRecommendations(customerId: string | null, level: BasketLevel) {
  return useQuery({
    queryKey: ['basket', 'recommendations', customerId, level],
    queryFn: ({ signal }) => api<CustomerRecommendations>(`${B}/customers/${encodeURIComponent(customerId!)}/recommendations`, { query: { level, limit: 8 }, signal }),
    enabled: customerId !== null,
    staleTime: 5 * 60_000,
    retry: false,
  });
}
