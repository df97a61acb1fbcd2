import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';

/**
 * The journeys API (/api/v1/journeys): journeys and their versions, the builder's validation, publishing, stats and
 * enrollments, the ready-made blueprints. The definition mirrors src/modules/journeys/journeys.schemas.ts (trigger,
 * audience, steps as a graph by id, goal); the builder keeps it as the server stores it.
 */

export const TRIGGER_EVENTS = ['first_purchase', 'order_placed', 'tier_changed', 'segment_entered', 'segment_exited', 'ticket_resolved', 'rhythm_changed', 'member_joined'] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];
export const TRIGGER_TYPES = ['event', 'date', 'inactivity', 'schedule'] as const;

export type Trigger =
  | { type: 'event'; event: TriggerEvent; filter?: { segment?: string; direction?: 'up' | 'down'; toTier?: string; channels?: string[]; minAmountFen?: number } }
  | { type: 'date'; date: 'birthday' | 'anniversary'; offsetDays?: number; at?: string }
  | { type: 'inactivity'; days: number; at?: string }
  | { type: 'schedule'; every?: 'once' | 'day' | 'week' | 'month' | 'quarter'; startAt: string };

export const REACH_CHANNELS = ['sms', 'email', 'wechat', 'app_push'] as const;
export type ReachChannel = (typeof REACH_CHANNELS)[number];

export type Condition =
  | { type: 'segment'; segment: string; in?: boolean }
  | { type: 'tier'; tiers: string[] }
  | { type: 'purchased'; value?: boolean }
  | { type: 'reachable'; channel: ReachChannel }
  | { type: 'age'; min?: number; max?: number }
  | { type: 'tag'; tag: string }
  | { type: 'message'; step: string; status: 'sent' | 'delivered' | 'opened' | 'clicked' }
  | { type: 'random'; percent: number };
export type ConditionType = Condition['type'];
export const CONDITION_TYPES: ConditionType[] = ['purchased', 'segment', 'tier', 'reachable', 'tag', 'age', 'message', 'random'];

interface StepBase {
  id: string;
  name?: string;
}
export type Next = string | null | undefined;
export type Step =
  | (StepBase & { type: 'wait'; days?: number; hours?: number; minutes?: number; until?: string; next?: Next })
  | (StepBase & { type: 'branch'; branches: Array<{ when: Condition[]; next?: Next }>; else?: Next })
  | (StepBase & { type: 'send'; template: string; channel?: 'auto' | ReachChannel; sendAt?: 'now' | 'usual_hour'; next?: Next })
  | (StepBase & { type: 'coupon'; template: string; next?: Next })
  | (StepBase & { type: 'points'; points: number; reason: string; next?: Next })
  | (StepBase & { type: 'tag'; add?: string[]; remove?: string[]; next?: Next })
  | (StepBase & { type: 'task'; template: string; dueDays?: number; next?: Next })
  | (StepBase & { type: 'exit' });
export type StepType = Step['type'];
export const STEP_TYPES: StepType[] = ['wait', 'branch', 'send', 'coupon', 'points', 'tag', 'task', 'exit'];

export interface Goal {
  event?: 'order_placed';
  withinDays?: number;
  exitOnGoal?: boolean;
}

export interface Definition {
  trigger: Trigger;
  audience?: { segments?: string[]; excludeSegments?: string[] };
  steps: Step[];
  goal?: Goal | null;
}

export type JourneyStatus = 'draft' | 'active' | 'paused' | 'archived';
export const JOURNEY_STATUSES: JourneyStatus[] = ['draft', 'active', 'paused', 'archived'];
export type Reentry = 'never' | 'after_exit' | 'cooldown';

export interface JourneySettings {
  code: string;
  name: string;
  description?: string | null;
  kind?: 'journey' | 'campaign';
  holdoutPercent: number;
  reentry: Reentry;
  reentryDays?: number | null;
}

/** Counts the list shows beside each journey (when the server gives them). */
export interface JourneyCounts {
  entered: number;
  active: number;
  converted: number;
  holdout?: number;
  /** Treated minus holdout conversion rate, when both groups have people. */
  uplift?: number | null;
}

export interface Journey extends JourneySettings {
  id: string;
  status: JourneyStatus;
  currentVersion: number;
  blueprint: string | null;
  description: string | null;
  kind: 'journey' | 'campaign';
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
  /** The definition of the current version (the one new entrants follow). */
  definition?: Definition;
  /** The latest version, which may be a draft ahead of the published one. */
  latestVersion?: number;
  draft?: { version: number; definition: Definition } | null;
  counts?: Partial<JourneyCounts> & { heldOut?: number };
  stats?: Partial<JourneyCounts>;
  /** GET /journeys/{id} answers the versions, newest first. */
  versions?: JourneyVersion[];
}

export interface JourneyVersion {
  version: number;
  definition: Definition;
  note: string | null;
  createdBy: string;
  createdAt: string;
  publishedAt: string | null;
}

export interface Arm {
  customers: number;
  converted: number;
  conversionRate: number | null;
  revenueFen: number;
  revenuePerCustomerFen: number | null;
}

export interface Interval {
  difference: number | null;
  low: number | null;
  high: number | null;
}

/** GET /journeys/{id}/stats, read leniently (see `readStats`). */
export interface JourneyStats {
  entered: number;
  active: number;
  completed: number;
  exited: number;
  converted: number;
  treated: Arm;
  holdout: Arm;
  conversion: Interval;
  revenuePerCustomer: Interval;
  steps: Array<{ stepId: string; reached: number; current: number; done: number; failed: number }>;
  messages: Array<{ status: string; count: number }>;
  window?: { from?: string; to?: string } | null;
}

export interface Blueprint {
  code: string;
  name: string;
  description: string;
  names?: { 'zh-CN': string; en: string };
  descriptions?: { 'zh-CN': string; en: string };
  stage?: string;
  templates?: string[];
  coupons?: string[];
  category?: string;
  installed?: boolean;
  journeyId?: string | null;
  definition?: Definition;
  holdoutPercent?: number;
}

export interface ValidationIssue {
  path: string;
  message: string;
  stepId?: string;
}

export interface Enrollment {
  id: string;
  journeyId: string;
  journeyName?: string;
  journeyCode?: string;
  version: number;
  customerId: string;
  holdout: number | boolean;
  status: string;
  currentStep: string | null;
  enteredAt: string;
  endedAt: string | null;
  endReason: string | null;
  convertedAt: string | null;
  nextRunAt?: string | null;
}

const J = '/api/v1/journeys';

/** The definition new entrants follow (the current version's), from a journey read with its versions. */
export function currentDefinition(j: Journey | undefined): Definition | undefined {
  return j?.versions?.find((v) => v.version === j.currentVersion)?.definition ?? j?.definition;
}

function items<T>(r: { items: T[] } | T[]): T[] {
  return Array.isArray(r) ? r : (r.items ?? []);
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);

function readArm(a: Record<string, unknown> | undefined): Arm {
  const customers = num(a?.customers ?? a?.entered ?? a?.count);
  const converted = num(a?.converted ?? a?.conversions);
  const revenueFen = num(a?.revenueFen ?? a?.revenue_fen);
  return {
    customers,
    converted,
    conversionRate: numOrNull(a?.conversionRate) ?? (customers ? converted / customers : null),
    revenueFen,
    revenuePerCustomerFen: numOrNull(a?.revenuePerCustomerFen) ?? (customers ? revenueFen / customers : null),
  };
}

function readInterval(v: Record<string, unknown> | undefined, fen: boolean): Interval {
  const k = (n: string) => v?.[fen ? `${n}Fen` : n] ?? v?.[n];
  return { difference: numOrNull(k('difference') ?? k('diff')), low: numOrNull(k('low')), high: numOrNull(k('high')) };
}

/** The stats answer in one shape, whichever names the server chose for the comparison (top level or under `uplift`). */
export function readStats(raw: Record<string, unknown>): JourneyStats {
  const r = raw as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const cmp = r.comparison ?? r.uplift ?? r.control ?? r;
  const treated = readArm(cmp.treated ?? r.treated);
  const holdout = readArm(cmp.holdout ?? r.holdout);
  const conversion = readInterval(cmp.conversion ?? cmp.conversionRate ?? r.conversion, false);
  const rpc = readInterval(cmp.revenuePerCustomer ?? r.revenuePerCustomer, true);
  if (conversion.difference === null && treated.conversionRate !== null && holdout.conversionRate !== null) conversion.difference = treated.conversionRate - holdout.conversionRate;
  if (rpc.difference === null && treated.revenuePerCustomerFen !== null && holdout.revenuePerCustomerFen !== null) rpc.difference = treated.revenuePerCustomerFen - holdout.revenuePerCustomerFen;
  // No comparison without people on both sides.
  if (!treated.customers || !holdout.customers) {
    conversion.difference = null;
    rpc.difference = null;
  }
  const steps = (Array.isArray(r.steps) ? r.steps : Object.entries(r.steps ?? {}).map(([stepId, v]) => ({ stepId, ...(v as object) }))) as Array<Record<string, unknown>>;
  const msgs = r.messages;
  const messages: Array<{ status: string; count: number }> = Array.isArray(msgs)
    ? msgs.map((m: Record<string, unknown>) => ({ status: String(m.status), count: num(m.count ?? m.n) }))
    : Object.entries((msgs?.byStatus ?? msgs ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'number' || typeof v === 'string').map(([status, count]) => ({ status, count: num(count) }));
  const counts = (r.byStatus ?? r.counts ?? r) as Record<string, unknown>;
  return {
    entered: num(r.entered ?? counts.entered ?? treated.customers + holdout.customers),
    active: num(counts.active ?? counts.inProgress ?? r.active),
    completed: num(counts.completed ?? r.completed),
    exited: num(counts.exited ?? r.exited),
    converted: num(counts.converted ?? r.converted ?? treated.converted + holdout.converted),
    treated,
    holdout,
    conversion,
    revenuePerCustomer: rpc,
    steps: steps.map((s) => ({
      stepId: String(s.stepId ?? s.step ?? s.id),
      reached: num(s.ran ?? s.reached ?? s.entered ?? s.runs),
      current: num(s.now ?? s.current ?? s.waiting),
      done: num(s.done ?? (s.outcomes as Record<string, unknown> | undefined)?.done),
      failed: num(s.failed ?? (s.outcomes as Record<string, unknown> | undefined)?.failed),
    })),
    messages,
    window: r.window ?? null,
  };
}

export const journeyKeys = {
  all: ['journeys'] as const,
  list: (status: string) => ['journeys', 'list', status] as const,
  one: (id: string) => ['journeys', 'one', id] as const,
};

export function useJourneys(status: JourneyStatus | '' = '') {
  return useQuery<Journey[]>({
    queryKey: journeyKeys.list(status),
    queryFn: ({ signal }) => api<{ items: Journey[] } | Journey[]>(J, { query: { status, limit: 200 }, signal }).then(items),
    placeholderData: keepPreviousData,
  });
}

export function useJourney(id: string | undefined) {
  return useQuery({
    queryKey: journeyKeys.one(id ?? ''),
    queryFn: ({ signal }) => api<Journey>(`${J}/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
  });
}

export function useJourneyVersions(id: string | undefined) {
  return useQuery({
    queryKey: ['journeys', 'one', id ?? '', 'versions'],
    queryFn: ({ signal }) => api<{ items: JourneyVersion[] } | JourneyVersion[]>(`${J}/${encodeURIComponent(id!)}/versions`, { signal }).then(items),
    enabled: !!id,
  });
}

export function useJourneyStats(id: string | undefined, opts: { enabled?: boolean; refetchInterval?: number } = {}) {
  return useQuery({
    queryKey: ['journeys', 'one', id ?? '', 'stats'],
    queryFn: ({ signal }) => api<Record<string, unknown>>(`${J}/${encodeURIComponent(id!)}/stats`, { signal }).then(readStats),
    enabled: !!id && (opts.enabled ?? true),
    refetchInterval: opts.refetchInterval,
  });
}

export function useEnrollments(id: string | undefined, status: string) {
  return useQuery({
    queryKey: ['journeys', 'one', id ?? '', 'enrollments', status],
    queryFn: ({ signal }) => api<{ items: Enrollment[] } | Enrollment[]>(`${J}/${encodeURIComponent(id!)}/enrollments`, { query: { status, limit: 50 }, signal }).then(items),
    enabled: !!id,
  });
}

export function useCustomerJourneys(customerId: string) {
  return useQuery({
    queryKey: ['journeys', 'customer', customerId],
    queryFn: ({ signal }) => api<{ items: Enrollment[] } | Enrollment[]>(`/api/v1/customers/${encodeURIComponent(customerId)}/journeys`, { signal }).then(items),
  });
}

export function useBlueprints() {
  return useQuery({
    queryKey: ['journeys', 'blueprints'],
    queryFn: ({ signal }) => api<{ items: Blueprint[] } | Blueprint[]>(`${J}/blueprints`, { signal }).then(items),
  });
}

function useJourneyMutation<V, R>(fn: (v: V) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => void qc.invalidateQueries({ queryKey: journeyKeys.all }) });
}

/** The journey an install or create answered, wherever it sits in the answer. */
function journeyOf(r: Journey | { journey: Journey }): Journey {
  return 'journey' in r && r.journey ? r.journey : (r as Journey);
}

export const useInstallBlueprint = () =>
  useJourneyMutation((v: { code: string; journeyCode?: string; name?: string }) =>
    api<Journey | { journey: Journey }>(`${J}/blueprints/${encodeURIComponent(v.code)}/install`, { body: { ...(v.journeyCode ? { code: v.journeyCode } : {}), ...(v.name ? { name: v.name } : {}) } }).then(journeyOf),
  );

export const useCreateJourney = () => useJourneyMutation((body: JourneySettings & { definition: Definition; blueprint?: string }) => api<Journey | { journey: Journey }>(J, { body }).then(journeyOf));

export const useUpdateJourney = () =>
  useJourneyMutation(({ id, ...body }: Partial<JourneySettings> & { id: string }) => api<Journey | { journey: Journey }>(`${J}/${id}`, { method: 'PATCH', body }).then(journeyOf));

export const useSaveDefinition = () =>
  useJourneyMutation(({ id, definition, note }: { id: string; definition: Definition; note?: string }) =>
    api<JourneyVersion>(`${J}/${id}/definition`, { method: 'PUT', body: definition, query: { note } }),
  );

export type JourneyAction = 'publish' | 'pause' | 'resume' | 'archive';
export const useJourneyAction = () =>
  useJourneyMutation(({ id, action, body }: { id: string; action: JourneyAction; body?: Record<string, unknown> }) => api<Journey | { journey: Journey }>(`${J}/${id}/${action}`, { body: body ?? {} }));

/** Server-side validation of a definition: `{ok, issues}` (a 400 with issues reads the same). */
export async function validateDefinition(definition: Definition, signal?: AbortSignal): Promise<{ ok: boolean; issues: ValidationIssue[] }> {
  try {
    const r = await api<{ ok?: boolean; valid?: boolean; issues?: ValidationIssue[]; errors?: ValidationIssue[] }>(`${J}/validate`, { body: definition, signal });
    const issues = r.issues ?? r.errors ?? [];
    return { ok: r.ok ?? r.valid ?? issues.length === 0, issues: issues.map((i) => ({ ...i, path: String(i.path) })) };
  } catch (e) {
    const body = (e as { body?: { details?: { issues?: ValidationIssue[] } } }).body;
    if (body?.details?.issues) return { ok: false, issues: body.details.issues.map((i) => ({ ...i, path: String(i.path) })) };
    throw e;
  }
}
