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
