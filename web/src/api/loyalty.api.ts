import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';
import type { Money } from '../format/format';

/**
 * The loyalty API (/api/v1/loyalty/…): programme versions, member balances and statements,
 * liability and expiry (ledger), tiers (tiers), referral codes and badges (engagement).
 */

export type Localized = { 'zh-CN': string; en: string };

export type Multiplier =
  | { kind: 'category'; category: string; factor: number }
  | { kind: 'sku'; sku: string; factor: number }
  | { kind: 'tier'; tierCode: string; factor: number }
  | { kind: 'birthday_month'; factor: number }
  | { kind: 'date_range'; from: string; to: string; factor: number };

export type Expiry = { policy: 'rolling_months'; months: number } | { policy: 'end_of_year'; yearsAfter: number } | { policy: 'never' };

export const EVENT_KINDS = ['sign_up', 'first_purchase', 'review', 'share', 'survey', 'store_check_in', 'referral_referrer', 'referral_referee'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface ProgramRules {
  earn: { points: number; perFen: number; rounding: 'floor' };
  multipliers: Multiplier[];
  multiplierCombination: 'highest' | 'product';
  eventPoints: Record<EventKind, number>;
  caps: { perOrder: number | null; perDay: number | null };
  excludedSkus: string[];
  pendingDays: number;
  expiry: Expiry;
  clawbackWhenSpent: 'negative_balance' | 'deduct_from_refund';
  pointsPerYuanCash: number;
}

export interface ProgramVersion {
  version: number;
  effectiveFrom: string;
  rules: ProgramRules;
  note: string | null;
  createdBy: string;
  createdAt: string;
}

export interface Member {
  customerId: string;
  available: number;
  pending: number;
  held: number;
  lifetimeEarned: number;
  cashValue: Money;
  expiringSoon: { days: number; points: number; firstAt: string | null };
}

export type EntryKind = 'earn' | 'release' | 'redeem' | 'expire' | 'reverse' | 'adjust';

export interface StatementEntry {
  id: string;
  kind: EntryKind;
  points: number;
  pendingPoints: number;
  balance: number;
  pendingBalance: number;
  sourceType: string;
  sourceId: string | null;
  reason: string | null;
  ruleVersion: number | null;
  actor: string;
  detail: Record<string, unknown>;
  occurredAt: string;
}

export interface Statement {
  page: number;
  pageSize: number;
  total: number;
  items: StatementEntry[];
}

export interface Benefits {
  discountPercent?: number;
  freeShipping?: boolean;
  birthdayGift?: boolean;
  priorityService?: boolean;
  personalStylist?: boolean;
  earlyAccess?: boolean;
  birthdayPoints?: number;
  birthdayDiscountPercent?: number;
}

export type MeasureType = 'yearly_spend' | 'growth';

export interface MemberTier {
  customerId: string;
  tierSet: { code: string; version: number; name: string };
  tier: { code: string; name: Localized } | null;
  since: string | null;
  manualUntil: string | null;
  graceUntil: string | null;
  measure: { type: MeasureType; unit: 'fen' | 'growth'; value: number };
  growth: number;
  next: { code: string; name: Localized; threshold: number; missing: number } | null;
  benefits: Benefits;
  birthdayMonth: boolean;
}

export interface TierDef {
  code: string;
  name: Localized;
  threshold: number;
  benefits: Benefits;
}

export interface TierReview {
  monthDay: string;
  graceDays: number;
}

export interface GrowthRules {
  perYuan: number;
  interactions: Record<string, number>;
}

export interface TierCounts {
  tierSet: { code: string; version: number; name: string; builtIn: boolean };
  measure: MeasureType;
  review: TierReview;
  growth: GrowthRules;
  tiers: Array<TierDef & { memberCount: number }>;
  withoutTier: number;
}

export interface TierSetDefinition {
  measure: MeasureType;
  tiers: TierDef[];
  review: TierReview;
  growth: GrowthRules;
}

export interface TierSet {
  code: string;
  version: number;
  name: string;
  active: boolean;
  builtIn: boolean;
  effectiveFrom: string | null;
  createdBy: string;
  definition: TierSetDefinition;
}

export interface TierSets {
  items: TierSet[];
  active: TierSet;
  /** Built-in presets by code (membership, vip). */
  presets: Record<string, { name: string; definition: TierSetDefinition }>;
}

export interface ReviewCounts {
  assigned: number;
  upgraded: number;
  downgraded: number;
  graceStarted: number;
  requalified: number;
  manualEnded: number;
  tierSet: string;
  asOf: string;
  dryRun: boolean;
}

export interface Liability {
  asOf: string;
  members: number;
  available: number;
  pending: number;
  held: number;
  outstanding: number;
  cashValue: Money;
  ruleVersion: number;
  pointsPerYuanCash: number;
  /** `month` is YYYY-MM (business zone) or 'never'. */
  byExpiryMonth: Array<{ month: string; points: number; cashValue: Money }>;
}

export interface ExpirySummary {
  asOf: string;
  dryRun: boolean;
  members: number;
  lots: number;
  points: number;
  pendingPoints: number;
}

export interface MemberBadges {
  customerId: string;
  earned: Array<{ code: string; name: string; period: string; progress: number; points: number; awardedAt: string }>;
  progress: Array<{ code: string; name: string; period: string; count: number; target: number; points: number }>;
}

export interface Referral {
  customerId: string;
  code: string;
  link: string;
}

const L = '/api/v1/loyalty';

export function useProgram() {
  return useQuery({ queryKey: ['loyalty', 'program'], queryFn: ({ signal }) => api<ProgramRules & { version: number }>(`${L}/program`, { signal }) });
}

export function useProgramVersions() {
  return useQuery({
    queryKey: ['loyalty', 'program', 'versions'],
    queryFn: ({ signal }) => api<{ items: ProgramVersion[] }>(`${L}/program/versions`, { signal }),
  });
}

export interface NewVersion {
  rules: ProgramRules;
  effectiveFrom?: string | undefined;
  note?: string | undefined;
}

export function useCreateProgramVersion() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewVersion) => api<ProgramVersion>(`${L}/program/versions`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['loyalty', 'program'] }),
  });
}

export function useMember(customerId: string) {
  return useQuery({ queryKey: ['loyalty', 'member', customerId], queryFn: ({ signal }) => api<Member>(`${L}/members/${customerId}`, { signal }) });
}

export function useMemberTier(customerId: string) {
  return useQuery({
    queryKey: ['loyalty', 'member', customerId, 'tier'],
    queryFn: ({ signal }) => api<MemberTier>(`${L}/members/${customerId}/tier`, { signal }),
  });
}

export function useMemberBadges(customerId: string) {
  return useQuery({
    queryKey: ['loyalty', 'member', customerId, 'badges'],
    queryFn: ({ signal }) => api<MemberBadges>(`${L}/members/${customerId}/badges`, { signal }),
  });
}

export function useReferral(customerId: string) {
  return useQuery({
    queryKey: ['loyalty', 'member', customerId, 'referral'],
    queryFn: ({ signal }) => api<Referral>(`${L}/members/${customerId}/referral`, { signal }),
    staleTime: Infinity,
  });
}

export function useStatement(customerId: string, page: number, pageSize: number) {
  return useQuery({
    queryKey: ['loyalty', 'member', customerId, 'statement', page, pageSize],
    queryFn: ({ signal }) => api<Statement>(`${L}/members/${customerId}/statement`, { query: { page, pageSize }, signal }),
    placeholderData: keepPreviousData,
  });
}

export interface Adjustment {
  points: number;
  reason: string;
  idempotencyKey: string;
}

export function useAdjustPoints(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Adjustment) =>
      api<{ entryId: string; created: boolean; available: number; pending: number; held: number }>(`${L}/members/${customerId}/adjustments`, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['loyalty'] }),
  });
}

export function useTiers() {
  return useQuery({ queryKey: ['loyalty', 'tiers'], queryFn: ({ signal }) => api<TierCounts>(`${L}/tiers`, { signal }) });
}

/** Every tier set version (loyalty:admin). */
export function useTierSets(enabled: boolean) {
  return useQuery({ queryKey: ['loyalty', 'tier-sets'], queryFn: ({ signal }) => api<TierSets>(`${L}/tier-sets`, { signal }), enabled });
}

export function useTierReview() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { dryRun: boolean; asOf?: string }) => api<ReviewCounts>(`${L}/tiers/review`, { body }),
    onSuccess: (r) => (r.dryRun ? undefined : client.invalidateQueries({ queryKey: ['loyalty'] })),
  });
}

export function useLiability() {
  return useQuery({ queryKey: ['loyalty', 'liability'], queryFn: ({ signal }) => api<Liability>(`${L}/liability`, { signal }) });
}

/** The nightly expiry, counted only (dryRun) or run (loyalty:admin). */
export function useExpire() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { dryRun: boolean; asOf?: string }) => api<ExpirySummary>(`${L}/expire`, { body }),
    onSuccess: (r) => (r.dryRun ? undefined : client.invalidateQueries({ queryKey: ['loyalty'] })),
  });
}
