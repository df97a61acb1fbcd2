import type { TFunction } from 'i18next';
import type { ClusterProfile, Segment } from '../../api/segments.api';
import type { Format } from '../../format/format';

/** Whole fen (RFM figures) as money. */
export const fen = (f: Format, v: number | null | undefined) => (v === null || v === undefined ? '—' : f.money(v / 100));
export const compactFen = (f: Format, v: number | null | undefined) => (v === null || v === undefined ? '—' : f.compactMoney(v / 100));

/** Money at a glance: compact from ¥10,000 up (¥46.1万, ¥46K), whole yuan below. */
export function shortFen(f: Format, v: number): string {
  if (Math.abs(v) >= 1_000_000) return f.compactMoney(v / 100);
  return new Intl.NumberFormat(f.locale, { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(Math.round(v / 100));
}

/** A figure with at most one decimal (average frequency, recency in days). */
export function decimal(f: Format, v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined) return '—';
  return new Intl.NumberFormat(f.locale, { maximumFractionDigits: digits }).format(v);
}

/** A cluster's name in the reader's language: the persona, with its rank when clusters share one (`price_sensitive_2`). */
export function clusterName(t: TFunction, c: Pick<ClusterProfile, 'persona' | 'name' | 'label'>): string {
  const rank = /_(\d+)$/.exec(c.name.slice(c.persona.length))?.[1];
  const base = t(`segments.persona.${c.persona}`, { defaultValue: c.label });
  return rank ? `${base} ${rank}` : base;
}

/** A clustering feature in the reader's language; the top-category shares name their category. */
export function featureName(t: TFunction, key: string, fallback: string): string {
  if (key.startsWith('category:')) return t('segments.feature.category', { category: key.slice('category:'.length) });
  return t(`segments.feature.${key}`, { defaultValue: fallback });
}

/** The system segments carry English names; the console names them from their definition. */
export function segmentName(t: TFunction, s: Pick<Segment, 'kind' | 'name' | 'definition'> & { code?: string }): string {
  const d = (s.definition ?? {}) as Record<string, unknown>;
  if (s.kind === 'rfm' && typeof d.class === 'string') return t(`segments.class.${d.class}`, { defaultValue: s.name });
  if (s.kind === 'rfm' && typeof d.segment === 'string') return t(`segments.rfmSegment.${d.segment}`, { defaultValue: s.name });
  // cluster_<persona> or cluster_<persona>_<rank>: the persona of the latest clustering run.
  const persona = s.kind === 'cluster' && 'code' in s ? /^cluster_([a-z_]+?)(?:_(\d+))?$/.exec(String(s.code)) : null;
  if (persona) {
    const name = t(`segments.persona.${persona[1]}`, { defaultValue: '' });
    if (name) return t('segments.clusterSegment', { name: persona[2] ? `${name} ${persona[2]}` : name });
  }
  if (s.kind === 'value' && typeof d.quadrant === 'string') return t(`segments.quadrant.${d.quadrant}`, { defaultValue: s.name });
  return s.name;
}

/** The charts' series colours (components/echarts-chart.tsx), for the legend dots drawn outside a chart without loading ECharts. */
export const CLUSTER_COLORS = ['#0f766e', '#f59e0b', '#6366f1', '#ec4899', '#0ea5e9', '#84cc16', '#a855f7', '#64748b'];

/** The API's rule refusals (English, for API callers) in the reader's language; an unknown one as the API said it. */
const RULE_ISSUES: Array<[RegExp, string]> = [
  [/^must be ≥ (.+)$/, 'min'],
  [/^must be ≤ (.+)$/, 'max'],
  [/^must list at least one (?:value|month)$/, 'atLeastOne'],
  [/^must not be empty$/, 'notEmpty'],
  [/^must be a number$/, 'number'],
  [/^must be a whole number$/, 'whole'],
  [/^is required$/, 'required'],
  [/^must be an amount in yuan with at most 2 decimals$/, 'money'],
  [/^give days or from \/ to$/, 'window'],
  [/^give min or max$/, 'minOrMax'],
  [/^must be ≥ min$/, 'maxBelowMin'],
  [/^must be a non-empty list of conditions or groups$/, 'emptyGroup'],
];

/** `days must be ≥ 1` (the path before it already stripped) → "In the last: must be at least 1". */
export function ruleIssue(t: TFunction, message: string): string {
  const m = /^([a-zA-Z]+)(?:\[\d+\])?\s+(.+)$/.exec(message);
  const field = m?.[1];
  const rest = m?.[2] ?? message;
  for (const [re, key] of RULE_ISSUES) {
    const hit = re.exec(rest);
    if (!hit) continue;
    const text = t(`segments.issue.${key}`, { value: hit[1] });
    if (!field || field === 'all' || field === 'any' || field === 'not') return text;
    return t('segments.issue.field', { field: t(`segments.builder.field.${field}`, { defaultValue: field }), message: text });
  }
  return message;
}

/** `line 7: no customer has this phone` → "第 7 行：没有使用此手机号的客户". */
export function lineIssue(t: TFunction, message: string): string {
  const m = /^line (\d+): (.+)$/.exec(message);
  if (!m) return message;
  const [, line, rest] = m;
  const key = /^no customer has this phone$/.test(rest!)
    ? 'noPhone'
    : /^no customer has this id$/.test(rest!)
      ? 'noId'
      : /^not a phone number$/.test(rest!)
        ? 'notPhone'
        : /is not a customer id$/.test(rest!)
          ? 'notId'
          : null;
  return t('segments.static.line', { line, message: key ? t(`segments.static.reason.${key}`) : rest });
}
