import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from './api-client';

/**
 * The promotions API (/api/v1/promotions, /coupon-templates, /coupons, /checkout/price): promotions and their
 * preview, coupon templates with their code pools and issue runs, coupons, and the checkout quote. Definitions carry
 * integer fen (minFen, offFen, capFen, priceFen, valueFen); cart prices go in as amounts ("199.00").
 */

export const CHANNELS = ['pos', 'online', 'miniprogram', 'app', 'wechat', 'marketplace', 'phone', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];
export const FULFILMENTS = ['in_store', 'delivery', 'pickup'] as const;
export type Fulfilment = (typeof FULFILMENTS)[number];
export const AUDIENCES = ['everyone', 'members', 'new', 'returning'] as const;
export type Audience = (typeof AUDIENCES)[number];

export type Scope =
  | { kind: 'order' }
  | { kind: 'skus'; skus: string[] }
  | { kind: 'categories'; paths: string[] }
  | { kind: 'brands'; brands: string[] };

export interface GiftLine {
  sku: string;
  quantity: number;
  valueFen: number;
  name?: string;
}

export type Rule =
  | { kind: 'threshold'; tiers: Array<{ minFen: number; offFen: number }>; repeat?: boolean }
  | { kind: 'percent'; percent: number }
  | { kind: 'fixed'; offFen: number }
  | { kind: 'quantity'; minUnits: number; percent: number }
  | { kind: 'buyGet'; buy: number; get: number }
  | { kind: 'bundle'; items: Array<{ sku: string; quantity: number }>; priceFen: number }
  | { kind: 'gift'; minFen: number; gifts: GiftLine[]; repeat?: boolean }
  | { kind: 'price'; prices: Array<{ sku: string; priceFen: number }> };
export type RuleKind = Rule['kind'];
export const RULE_KINDS: RuleKind[] = ['threshold', 'percent', 'fixed', 'quantity', 'buyGet', 'bundle', 'gift', 'price'];

export interface Definition {
  scope: Scope;
  rule: Rule;
  excludedSkus?: string[];
  capFen?: number | null;
}

export interface Conditions {
  channels?: Channel[];
  stores?: string[];
  fulfillment?: Fulfilment[];
  audience?: Audience;
  priorOrders?: { min?: number; max?: number };
  tiers?: string[];
  segments?: string[];
  birthdayMonth?: boolean;
  minSubtotalFen?: number;
}

export type PromotionStatus = 'draft' | 'active' | 'paused' | 'ended';
export const PROMOTION_STATUSES: PromotionStatus[] = ['draft', 'active', 'paused', 'ended'];

export interface PromotionDraft {
  code?: string;
  name: string;
  description?: string;
  definition: Definition;
  conditions: Conditions;
  startsAt?: string | null;
  endsAt?: string | null;
  priority?: number;
  stackGroup?: string | null;
  exclusive?: boolean;
  budgetFen?: number | null;
  totalQuantity?: number | null;
  firstN?: number | null;
  perCustomerLimit?: number | null;
  holdoutPercent?: number;
}

export interface Promotion extends Required<Pick<PromotionDraft, 'name' | 'definition' | 'conditions'>> {
  id: string;
  code: string;
  description: string | null;
  status: PromotionStatus;
  startsAt: string | null;
  endsAt: string | null;
  priority: number;
  stackGroup: string | null;
  exclusive: boolean;
  budgetFen: number | null;
  totalQuantity: number | null;
  firstN: number | null;
  perCustomerLimit: number | null;
  holdoutPercent: number;
  version: number;
  createdAt: string;
  updatedAt: string;
  counters: { uses: number; customers: number; discountFen: number };
}

export interface PreviewLine {
  sku: string;
  quantity: number;
  unitPriceFen: number;
  categoryPath: string[];
  brand: string | null;
  amountFen: number;
  discountFen: number;
  paidFen: number;
}

export interface Preview {
  applies: boolean;
  subtotalFen: number;
  discountFen: number;
  totalFen: number;
  giftValueFen: number;
  lines: PreviewLine[];
  gifts: GiftLine[];
  explanation: { eligibleFen: number; step: string } | null;
}

/** A cart line as typed in the console: the unit price an amount ("199.00"), empty for the catalogue's. */
export interface CartLine {
  sku: string;
  quantity: number;
  unitPrice?: string;
}

const P = '/api/v1/promotions';
const T = '/api/v1/coupon-templates';

/** The list answers `items` (and a cursor); a bare array is read the same. */
function items<T>(r: { items: T[] } | T[]): T[] {
  return Array.isArray(r) ? r : r.items;
}

export function usePromotions(status: PromotionStatus | '') {
  return useQuery<Promotion[]>({
    queryKey: ['promotions', 'list', status],
    queryFn: ({ signal }) => api<{ items: Promotion[] } | Promotion[]>(P, { query: { status, limit: 200 }, signal }).then(items),
    placeholderData: keepPreviousData,
  });
}

export function usePromotion(id: string | undefined) {
  return useQuery({
    queryKey: ['promotions', 'one', id],
    queryFn: ({ signal }) => api<Promotion>(`${P}/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
  });
}

export function useSavePromotion(id: string | undefined) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: PromotionDraft) => (id ? api<Promotion>(`${P}/${id}`, { method: 'PATCH', body }) : api<Promotion>(P, { body })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['promotions'] }),
  });
}

export function useSetPromotionStatus() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, status }: { id: string; status: PromotionStatus }) => api<Promotion>(`${P}/${id}/status`, { body: { status } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['promotions'] }),
  });
}

export function previewPromotion(promotion: PromotionDraft, lines: CartLine[], signal?: AbortSignal) {
  return api<Preview>(`${P}/preview`, { body: { promotion, cart: { lines } }, signal });
}

// ------------------------------------------------------------------ coupons

export type TemplatePurpose = 'general' | 'new_member' | 'compensation' | 'gift';
export const PURPOSES: TemplatePurpose[] = ['general', 'new_member', 'compensation', 'gift'];
export type TemplateStatus = 'active' | 'paused' | 'ended';
export type CouponStatus = 'available' | 'issued' | 'reserved' | 'redeemed' | 'void' | 'expired';
export const COUPON_STATUSES: CouponStatus[] = ['available', 'issued', 'reserved', 'redeemed', 'void', 'expired'];

export interface TemplateDraft {
  code: string;
  name: string;
  purpose: TemplatePurpose;
  definition: Definition;
  conditions: Conditions;
  validFrom?: string | null;
  validTo?: string | null;
  validDays?: number | null;
  withPromotions?: boolean;
  exclusive?: boolean;
  perCustomerLimit?: number | null;
  totalQuantity?: number | null;
}

export interface CouponTemplate extends TemplateDraft {
  id: string;
  status: TemplateStatus;
  validFrom: string | null;
  validTo: string | null;
  validDays: number | null;
  priority: number;
  stackGroup: string | null;
  exclusive: boolean;
  withPromotions: boolean;
  perCustomerLimit: number | null;
  totalQuantity: number | null;
  issued: number;
  returnPolicy: 'keep' | 'restore';
  createdAt: string;
}

export interface Coupon {
  id: string;
  templateId: string;
  templateCode: string;
  name: string;
  code: string;
  customerId: string | null;
  status: CouponStatus;
  batch: string | null;
  source: string;
  issuedAt: string | null;
  validFrom: string | null;
  validTo: string | null;
  orderId: string | null;
  redeemedAt: string | null;
  voidedAt: string | null;
  voidReason: string | null;
  createdAt: string;
}

export interface IssueRun {
  id: string;
  templateId: string;
  segmentId: string | null;
  holdoutPercent: number;
  issued: number;
  heldOut: number;
  skipped: number;
  createdAt: string;
}

export function useTemplates() {
  return useQuery({
    queryKey: ['coupons', 'templates'],
    queryFn: ({ signal }) => api<{ items: CouponTemplate[] } | CouponTemplate[]>(T, { signal }).then(items),
  });
}

export function useTemplate(id: string | undefined) {
  return useQuery({
    queryKey: ['coupons', 'template', id],
    queryFn: ({ signal }) => api<CouponTemplate>(`${T}/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
  });
}

export function useCreateTemplate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: TemplateDraft) => api<CouponTemplate>(T, { body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['coupons'] }),
  });
}

export function useSetTemplateStatus() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, status }: { id: string; status: TemplateStatus }) => api<CouponTemplate>(`${T}/${id}/status`, { body: { status } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['coupons'] }),
  });
}

export function useCoupons(filter: { templateId?: string; customerId?: string; status?: string; limit?: number; offset?: number }, enabled = true) {
  return useQuery({
    queryKey: ['coupons', 'list', filter],
    queryFn: ({ signal }) => api<{ items: Coupon[]; total?: number }>('/api/v1/coupons', { query: { limit: 100, ...filter }, signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useGenerateCodes(templateId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { count: number; prefix?: string }) => api<{ batch: string; count: number }>(`${T}/${templateId}/codes`, { body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['coupons'] }),
  });
}

export function useImportCodes(templateId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (csv: string) => {
      const res = await fetch(`${T}/${templateId}/codes/import`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'text/csv' },
        body: csv,
        credentials: 'same-origin',
      });
      const data = (await res.json().catch(() => undefined)) as { batch: string; count: number; error?: { code: string; message: string } } | undefined;
      if (!res.ok) {
        throw new ApiError(res.status, data?.error ?? { code: `http_${res.status}`, message: res.statusText });
      }
      return data!;
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['coupons'] }),
  });
}

export function codesExportUrl(templateId: string): string {
  return `${T}/${templateId}/codes/export`;
}

export function useIssue(templateId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { customerId: string } | { segmentId: string; holdoutPercent?: number }) =>
      api<{ coupon?: Coupon; run?: IssueRun } & Partial<IssueRun>>(`${T}/${templateId}/issue`, { body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['coupons'] }),
  });
}

export function lookupCoupon(code: string) {
  return api<Coupon>(`/api/v1/coupons/${encodeURIComponent(code.trim().toUpperCase())}`);
}

export function useVoidCoupon() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ code, reason }: { code: string; reason: string }) => api<Coupon>(`/api/v1/coupons/${encodeURIComponent(code)}/void`, { body: { reason } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['coupons'] }),
  });
}

export function useWallet(customerId: string, enabled = true) {
  return useQuery({
    queryKey: ['coupons', 'wallet', customerId],
    queryFn: ({ signal }) => api<{ items: Coupon[] } | Coupon[]>(`/api/v1/customers/${customerId}/coupons`, { signal }).then(items),
    enabled,
  });
}

// ------------------------------------------------------------------ checkout

export interface CheckoutCart {
  customerId?: string;
  channel: Channel;
  storeCode?: string;
  fulfillment?: Fulfilment;
  lines: CartLine[];
  couponCodes: string[];
  points: number;
}

export interface Allocation {
  kind: 'promotion' | 'coupon';
  id: string;
  code: string;
  amountFen: number;
}

/** POST /checkout/price: the best valid combination, each line's share of every discount, points, and the cashier's explanation. */
export interface Quote {
  at: string;
  customerId: string | null;
  subtotalFen: number;
  discountFen: number;
  totalFen: number;
  payableFen: number;
  lines: Array<{ lineNo: number; sku: string; name: string | null; quantity: number; unitPriceFen: number; amountFen: number; discountFen: number; paidFen: number; allocations: Allocation[] }>;
  applied: Array<{ kind: 'promotion' | 'coupon'; id: string; code: string; name: string; discountFen: number; giftValueFen: number; gifts: GiftLine[]; step: string }>;
  gifts: Array<{ lineNo: number; sku: string; name: string | null; quantity: number; unitValueFen: number; valueFen: number; kind: 'promotion' | 'coupon'; id: string; code: string }>;
  notApplied: Array<{ kind: 'promotion' | 'coupon'; code: string; name: string | null; reason: string }>;
  points: { balance: number; usableMax: number; usableMaxFen: number; pointsPerYuanCash: number; used: number; valueFen: number } | null;
  search: 'exact' | 'greedy';
  explanation: { 'zh-CN': string[]; en: string[] };
}

export function priceCart(cart: CheckoutCart) {
  return api<Quote>('/api/v1/checkout/price', { body: cart });
}

// ------------------------------------------------------------------ results (measurement against holdouts)

export interface GroupResult {
  customers: number;
  converted: number;
  conversionRate: number | null;
  revenueFen: number;
  revenuePerCustomerFen: number | null;
}

export interface HoldoutComparison {
  treated: GroupResult;
  holdout: GroupResult;
  conversion: { difference: number; low: number | null; high: number | null; standardError: number | null };
  revenuePerCustomer: { differenceFen: number; lowFen: number | null; highFen: number | null; df: number | null };
  incrementalRevenueFen: number;
  incrementalRevenueLowFen: number | null;
  incrementalRevenueHighFen: number | null;
}

export interface PromotionResults {
  promotion: { id: string; code: string; name: string; status: string; holdoutPercent: number };
  from: string;
  to: string;
  uses: number;
  customers: number;
  discountFen: number;
  orders: number;
  revenueFen: number;
  averageOrder: { withFen: number | null; withoutFen: number | null; ordersWith: number; ordersWithout: number };
  holdout: (HoldoutComparison & { population: 'segment_members' | 'buyers' }) | null;
}

export interface IssueRunSummary {
  id: string;
  template: { id: string; code: string; name: string };
  segment: { id: string; name: string } | null;
  holdoutPercent: number;
  issued: number;
  heldOut: number;
  skipped: number;
  createdAt: string;
}

export interface IssueRunResults {
  run: IssueRunSummary;
  from: string;
  to: string;
  issued: number;
  redeemed: number;
  redemptionRate: number | null;
  orders: number;
  revenueFen: number;
  discountFen: number;
  comparison: HoldoutComparison;
}

export function usePromotionResults(id: string) {
  return useQuery({
    queryKey: ['promotions', 'results', id],
    queryFn: ({ signal }) => api<PromotionResults>(`${P}/${encodeURIComponent(id)}/results`, { signal }),
    enabled: !!id,
  });
}

export function useIssueRuns() {
  return useQuery({
    queryKey: ['coupons', 'runs'],
    queryFn: ({ signal }) => api<{ items: IssueRunSummary[] }>('/api/v1/coupon-issue-runs', { query: { limit: 100 }, signal }).then((r) => r.items),
  });
}

export function useRunResults(id: string) {
  return useQuery({
    queryKey: ['coupons', 'runs', id, 'results'],
    queryFn: ({ signal }) => api<IssueRunResults>(`/api/v1/coupon-issue-runs/${id}/results`, { signal }),
    enabled: !!id,
  });
}
