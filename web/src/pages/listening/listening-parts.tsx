import { useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import type { Format } from '../../format/format';
import type { Sentiment } from './listening.api';

export const PERIODS = ['24h', '7d', '30d'] as const;
export type Period = (typeof PERIODS)[number];
const PERIOD_MS: Record<Period, number> = { '24h': 24 * 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** The period in the URL (?period=24h|7d|30d, 7 days by default) as an instant range up to now and its trend bucket. */
export function usePeriod(fallback: Period = '7d') {
  const [params, setParams] = useSearchParams();
  const raw = params.get('period');
  const period: Period = PERIODS.includes(raw as Period) ? (raw as Period) : fallback;
  // "Now" is fixed when the period is chosen (or refreshed), so the queries' keys hold still between renders.
  const [anchor, setAnchor] = useState(() => Date.now());
  const range = useMemo(() => {
    const to = Math.ceil(anchor / 60_000) * 60_000;
    return { from: new Date(to - PERIOD_MS[period]).toISOString(), to: new Date(to).toISOString() };
  }, [anchor, period]);
  const choose = (p: Period) => {
    const next = new URLSearchParams(params);
    next.set('period', p);
    setParams(next);
    setAnchor(Date.now());
  };
  return { period, ...range, bucket: period === '24h' ? ('hour' as const) : ('day' as const), choose, refresh: () => setAnchor(Date.now()) };
}

export function PeriodPicker({ value, onChange }: { value: Period; onChange: (p: Period) => void }) {
  const { t } = useTranslation();
  return (
    <div className="segmented" role="group" aria-label={t('listening.period.label')} data-testid="period">
      {PERIODS.map((p) => (
        <button key={p} type="button" className={value === p ? 'active' : ''} aria-pressed={value === p} data-period={p} onClick={() => onChange(p)}>
          {t(`listening.period.${p}`)}
        </button>
      ))}
    </div>
  );
}

/** Positive / neutral / negative with the model's score (−1 … 1). */
export function SentimentChip({ label, score }: { label: Sentiment | string; score?: number | null }) {
  const { t } = useTranslation();
  return (
    <span className={`ls-senti ls-senti-${label}`} data-sentiment={label} title={t('listening.sentiment.scoreHint')}>
      <span className="ls-senti-dot" aria-hidden="true" />
      <span className="ls-senti-label">{t(`listening.sentiment.${label}`, { defaultValue: label })}</span>
      {score === undefined || score === null ? null : <span className="ls-senti-score">{score > 0 ? `+${score.toFixed(2)}` : score.toFixed(2)}</span>}
    </span>
  );
}

const SOURCE_COLOURS: Record<string, string> = {
  weibo: '#e6162d',
  xiaohongshu: '#ec4899',
  douyin: '#161823',
  wechat: '#07c160',
  dianping: '#f59e0b',
  ecommerce: '#6366f1',
  survey: '#0f766e',
  ticket: '#0ea5e9',
  news: '#64748b',
  other: '#94a3b8',
};

/** The colour each source is drawn in, in badges and charts. */
export const sourceColour = (source: string) => SOURCE_COLOURS[source] ?? SOURCE_COLOURS.other;

/** A source as a round mark with its first letter and its name: 微博, 小红书, 抖音 … */
export function SourceBadge({ source, compact }: { source: string; compact?: boolean }) {
  const { t } = useTranslation();
  const name = t(`listening.source.${source}`, { defaultValue: source });
  return (
    <span className="ls-source" data-source={source} title={name}>
      <span className="ls-source-mark" style={{ background: sourceColour(source) }} aria-hidden="true">
        {t(`listening.sourceMark.${source}`, { defaultValue: name.slice(0, 1) })}
      </span>
      {compact ? <span className="sr-only">{name}</span> : <span className="ls-source-name">{name}</span>}
    </span>
  );
}

/** Relative change of a count against the previous period (null when there was nothing before). */
export const change = (now: number, before: number) => (before > 0 ? (now - before) / before : null);

/** A change as an arrow and its size; for listening a rise is bad news when `badWhenUp`. */
export function Delta({ value, text, badWhenUp }: { value: number | null; text: string; badWhenUp?: boolean }) {
  if (value === null || !Number.isFinite(value)) return <span className="delta delta-flat">—</span>;
  if (Math.abs(value) < 1e-9) return <span className="delta delta-flat">{text}</span>;
  const up = value > 0;
  const good = badWhenUp ? !up : up;
  return (
    <span className={`delta ${good ? 'delta-up' : 'delta-down'}`} data-direction={up ? 'up' : 'down'}>
      <span aria-hidden="true">{up ? '▲' : '▼'}</span>
      {text}
    </span>
  );
}

/** A KPI tile of the listening pages: label, value, and an optional footnote (a change, a link). */
export function Tile({ id, label, value, foot, tone }: { id: string; label: string; value: ReactNode; foot?: ReactNode; tone?: 'alarm' | 'calm' }) {
  return (
    <div className={`kpi dash-kpi ls-tile ${tone ? `ls-tile-${tone}` : ''}`} data-kpi={id}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {foot ? <div className="dash-kpi-foot">{foot}</div> : null}
    </div>
  );
}

/** Splits `text` around each case-insensitive occurrence of `terms`, marking them. */
export function Highlight({ text, terms }: { text: string; terms: string[] }) {
  const wanted = terms.map((x) => x.trim()).filter(Boolean);
  if (wanted.length === 0) return <>{text}</>;
  const pattern = new RegExp(`(${wanted.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'gi');
  const lower = new Set(wanted.map((w) => w.toLowerCase()));
  return (
    <>
      {text.split(pattern).map((part, i) => (lower.has(part.toLowerCase()) ? <mark key={i}>{part}</mark> : part))}
    </>
  );
}

/** Section title with an optional aside (a link, a note) on the right. */
export function CardHead({ title, aside }: { title: string; aside?: ReactNode }) {
  return (
    <div className="card-head">
      <h2>{title}</h2>
      {aside ?? null}
    </div>
  );
}

/** The time axis's labels: 14:00 for hours, 11/24 for days. */
export function bucketLabel(f: Format, at: string, bucket: 'hour' | 'day' | 'week') {
  const d = new Date(at);
  if (bucket === 'hour') return new Intl.DateTimeFormat(f.locale, { hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return new Intl.DateTimeFormat(f.locale, { month: '2-digit', day: '2-digit' }).format(d);
}
