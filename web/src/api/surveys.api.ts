import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api-client';

/**
 * The surveys API (/api/v1/surveys): questionnaires with their questions, trigger and settings; invitations (signed
 * links); results (NPS, CSAT, response rate, trend, splits by store / guide / segment, verbatims). The public side
 * (/api/v1/public/surveys/{token}) answers without sign-in.
 */

export const QUESTION_TYPES = ['nps', 'csat', 'rating', 'single', 'multi', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const SURVEY_TRIGGERS = ['manual', 'after_purchase', 'after_ticket', 'periodic'] as const;
export type SurveyTrigger = (typeof SURVEY_TRIGGERS)[number];
export const SURVEY_STATUSES = ['draft', 'active', 'archived'] as const;
export type SurveyStatus = (typeof SURVEY_STATUSES)[number];

export interface Localized {
  'zh-CN': string;
  en: string;
}

export interface QuestionOption {
  value: string;
  label: Localized;
}

export interface Question {
  id: string;
  type: QuestionType;
  title: Localized;
  /** single and multi only: 2–20 choices. */
  options?: QuestionOption[];
  required: boolean;
}

export interface SurveySettings {
  /** after_purchase: days after the order. */
  delayDays?: number;
  /** after_ticket: the window after resolution (3–5 days). */
  delayWindowDays?: { min: number; max: number };
  channel?: 'auto' | 'sms' | 'email' | 'wechat' | 'app_push';
  template?: string;
  validDays?: number;
  cadence?: 'month' | 'quarter';
  segment?: string;
  cooldownDays?: number;
  title?: Localized;
}

export interface Survey {
  id: string;
  code: string;
  name: string;
  status: SurveyStatus;
  trigger: SurveyTrigger;
  settings: SurveySettings;
  questions: Question[];
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
  counts?: { invited: number; scheduled: number; sent: number; responded: number; expired: number };
}

export interface NpsScore {
  n: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** % promoters − % detractors, one decimal; null without answers. */
  nps: number | null;
}

export interface CsatScore {
  n: number;
  /** Answers of 4 or 5. */
  satisfied: number;
  sum: number;
  /** % of 4–5, one decimal. */
  csat: number | null;
  /** Mean of 1–5, two decimals. */
  mean: number | null;
}

export interface Scores {
  responses: number;
  nps: NpsScore;
  csat: CsatScore;
  sent: number;
  responded: number;
  /** responded / sent in %, one decimal. */
  responseRate: number | null;
}

export interface TrendPoint extends Scores {
  /** 2026-11 (month) or the Monday 2026-11-23 (week). */
  period: string;
}

export interface ResultGroupRow extends Scores {
  key: string | null;
  label: string | null;
}

export interface SurveyResults {
  survey: { id: string; code: string; name: string };
  from: string;
  to: string;
  by: string | null;
  trendBy: 'week' | 'month';
  total: Scores;
  trend: TrendPoint[];
  groups: ResultGroupRow[];
}

export interface Verbatim {
  id: string;
  submittedAt: string;
  verbatim: string;
  nps: number | null;
  csat: number | null;
  storeCode: string | null;
  guideId: string | null;
  ticketId: string | null;
  sentiment: number | null;
  sentimentLabel: string | null;
}

const V = '/api/v1/surveys';
const enc = encodeURIComponent;
const items = <T>(v: { items: T[] } | T[]): T[] => (Array.isArray(v) ? v : v.items);

export function useSurveys() {
  return useQuery({ queryKey: ['surveys', 'list'], queryFn: async ({ signal }) => items(await api<{ items: Survey[] } | Survey[]>(V, { signal })) });
}

export function useSurvey(id: string | undefined) {
  return useQuery({ queryKey: ['surveys', 'one', id], queryFn: ({ signal }) => api<Survey>(`${V}/${enc(id!)}`, { signal }), enabled: !!id });
}

export interface SurveyInput {
  code: string;
  name: string;
  trigger: SurveyTrigger;
  settings: SurveySettings;
  questions: Question[];
}

export function useSaveSurvey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string | undefined; body: SurveyInput }) =>
      id ? api<Survey>(`${V}/${enc(id)}`, { method: 'PATCH', body: { name: body.name, trigger: body.trigger, settings: body.settings, questions: body.questions } }) : api<Survey>(V, { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['surveys'] }),
  });
}

export function useSurveyAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'activate' | 'archive' }) => api<Survey>(`${V}/${enc(id)}/${action}`, { body: {} }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['surveys'] }),
  });
}

export interface ResultsQuery {
  from?: string;
  to?: string;
  by?: 'store' | 'guide' | 'segment' | 'week' | 'month';
}

export function useSurveyResults(id: string, q: ResultsQuery) {
  return useQuery({
    queryKey: ['surveys', 'results', id, q],
    queryFn: ({ signal }) => api<SurveyResults>(`${V}/${enc(id)}/results`, { query: { ...q }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useVerbatims(id: string, q: ResultsQuery) {
  return useQuery({
    queryKey: ['surveys', 'results', id, 'verbatims', q.from, q.to],
    queryFn: ({ signal }) => api<{ items: Verbatim[]; nextCursor: string | null; scorer: boolean }>(`${V}/${enc(id)}/verbatims`, { query: { from: q.from, to: q.to, limit: 50 }, signal }),
  });
}

/* The public side: no sign-in. */

/** A question as the respondent sees it: title and labels in one language. */
export interface PublicQuestion {
  id: string;
  type: QuestionType;
  title: string;
  required: boolean;
  scale?: { min: number; max: number };
  options?: Array<{ value: string; label: string }>;
}

export interface PublicSurvey {
  survey: { code: string; title: string };
  locale: 'zh-CN' | 'en';
  expiresAt: string;
  questions: PublicQuestion[];
}

export type Answer = number | string | string[];

export function usePublicSurvey(token: string, locale: string | undefined) {
  return useQuery({
    queryKey: ['public-survey', token, locale],
    queryFn: ({ signal }) => api<PublicSurvey>(`/api/v1/public/surveys/${enc(token)}`, { query: { locale }, signal }),
    retry: false,
    staleTime: Infinity,
  });
}

export function useSubmitPublicSurvey(token: string) {
  return useMutation({
    mutationFn: (body: { answers: Record<string, Answer>; locale?: string }) => api<unknown>(`/api/v1/public/surveys/${enc(token)}`, { body }),
  });
}

/** A survey question in one language, as the public page shows it. */
export function inLanguage(q: Question, lang: 'zh-CN' | 'en'): PublicQuestion {
  return {
    id: q.id,
    type: q.type,
    title: q.title[lang] || q.title[lang === 'en' ? 'zh-CN' : 'en'],
    required: q.required,
    ...(q.type === 'nps' ? { scale: { min: 0, max: 10 } } : q.type === 'csat' || q.type === 'rating' ? { scale: { min: 1, max: 5 } } : {}),
    ...(q.options ? { options: q.options.map((o) => ({ value: o.value, label: o.label[lang] || o.label[lang === 'en' ? 'zh-CN' : 'en'] })) } : {}),
  };
}

/** A title in the page's language, the other one when it is missing. */
export function localized(v: Partial<Localized> | string | null | undefined, lang: string): string {
  if (!v) return '';
  if (typeof v === 'string') return v;
  return (lang.startsWith('zh') ? (v['zh-CN'] ?? v.en) : (v.en ?? v['zh-CN'])) ?? '';
}
