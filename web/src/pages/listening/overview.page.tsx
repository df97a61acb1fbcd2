import type { TFunction } from 'i18next';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat, type Format } from '../../format/format';
import { useAlerts, useOverview, useRegions, useTerms, useTrend, type Overview, type TrendPoint } from './listening.api';
import { FindingFigures, ScopeLabel, AlertState } from './alert-parts';
import { RegionTileMap } from './china-tiles';
import { ListeningHead } from './listening-head';
import { CardHead, Delta, PeriodPicker, Tile, bucketLabel, change, sourceColour, usePeriod } from './listening-parts';
import { WordCloud } from './word-cloud';
import './listening.css';

const SENTIMENT_COLOURS = { positive: '#0f766e', neutral: '#cbd5e1', negative: '#c0362c' } as const;

/** The four tiles: mentions and negative share with their change against the previous period, open alerts and crises. */
function Tiles({ o }: { o: Overview }) {
  const { t } = useTranslation();
  const f = useFormat();
  const mentionsChange = change(o.mentions, o.previous.mentions);
  const shareChange = o.negativeShare === null || o.previous.negativeShare === null ? null : o.negativeShare - o.previous.negativeShare;
  return (
    <section className="kpis dash-kpis ls-tiles" aria-label={t('listening.overview.kpis')}>
      <Tile
        id="mentions"
        label={t('listening.kpi.mentions')}
        value={f.number(o.mentions)}
        foot={
          <>
            <Delta value={mentionsChange} text={f.percent(mentionsChange === null ? null : Math.abs(mentionsChange))} badWhenUp />
            <span className="muted dash-kpi-was">{t('listening.kpi.previous', { value: f.number(o.previous.mentions) })}</span>
          </>
        }
      />
      <Tile
        id="negativeShare"
        label={t('listening.kpi.negativeShare')}
        value={f.percent(o.negativeShare)}
        tone={o.negativeShare !== null && o.negativeShare >= 0.3 ? 'alarm' : undefined}
        foot={
          <>
            <Delta value={shareChange} text={shareChange === null ? '' : t('listening.kpi.pp', { value: f.number(Math.round(Math.abs(shareChange) * 1000) / 10) })} badWhenUp />
            <span className="muted dash-kpi-was">{t('listening.kpi.previous', { value: f.percent(o.previous.negativeShare) })}</span>
          </>
        }
      />
      <Tile
        id="openAlerts"
        label={t('listening.kpi.openAlerts')}
        value={f.number(o.openAlerts)}
        tone={o.openAlerts > 0 ? 'alarm' : 'calm'}
        foot={
          <Link className="dash-more" to="/listening/alerts">
            {t('listening.kpi.toAlerts')}
          </Link>
        }
      />
      <Tile
        id="openCrises"
        label={t('listening.kpi.openCrises')}
        value={f.number(o.openCrises)}
        tone={o.openCrises > 0 ? 'alarm' : 'calm'}
        foot={
          <Link className="dash-more" to="/listening/crises">
            {t('listening.kpi.toCrises')}
          </Link>
        }
      />
    </section>
  );
}

/** Mentions per bucket stacked by sentiment, with the negative share as a line on its own axis. */
function trendOption(points: TrendPoint[], bucket: 'hour' | 'day', f: Format, t: TFunction) {
  const bar = (key: 'positives' | 'neutrals' | 'negatives', label: keyof typeof SENTIMENT_COLOURS) => ({
    name: t(`listening.sentiment.${label}`),
    type: 'bar',
    stack: 'mentions',
    barMaxWidth: 28,
    itemStyle: { color: SENTIMENT_COLOURS[label] },
    data: points.map((p) => p[key]),
  });
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { bottom: 0, icon: 'roundRect', itemWidth: 12, itemHeight: 8 },
    grid: { top: 24, left: 8, right: 8, bottom: 36, containLabel: true },
    xAxis: { type: 'category', data: points.map((p) => bucketLabel(f, p.at, bucket)), axisTick: { show: false } },
    yAxis: [
      { type: 'value', name: t('listening.trend.mentions'), minInterval: 1, splitLine: { lineStyle: { color: '#eef1f4' } } },
      { type: 'value', name: t('listening.trend.negativeShare'), min: 0, max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } },
    ],
    series: [
      bar('positives', 'positive'),
      bar('neutrals', 'neutral'),
      bar('negatives', 'negative'),
      {
        name: t('listening.trend.negativeShare'),
        type: 'line',
        yAxisIndex: 1,
        smooth: true,
        symbolSize: 5,
        itemStyle: { color: '#f59e0b' },
        lineStyle: { width: 2 },
        data: points.map((p) => (p.negativeShare === null ? null : Math.round(p.negativeShare * 1000) / 10)),
        tooltip: { valueFormatter: (v: number | null) => (v === null ? '—' : `${v}%`) },
      },
    ],
  };
}

/** Mentions by source as a ring in each source's colour. */
function sourceOption(o: Overview, t: TFunction) {
  return {
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle', icon: 'circle', itemWidth: 8 },
    series: [
      {
        type: 'pie',
        radius: ['48%', '72%'],
        center: ['36%', '50%'],
        avoidLabelOverlap: true,
        label: { show: false },
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
        data: o.bySource.map((s) => ({ name: t(`listening.source.${s.source}`, { defaultValue: s.source }), value: s.mentions, itemStyle: { color: sourceColour(s.source) } })),
      },
    ],
  };
}

/** 舆情总览: how much is said about the brand, how negative, where, about what, and what needs attention now. */
export function ListeningOverviewPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const p = usePeriod();
  const range = { from: p.from, to: p.to };
  const overview = useOverview(range);
  const trend = useTrend({ ...range, bucket: p.bucket });
  const regions = useRegions(range);
  const terms = useTerms({ ...range, limit: 50 });
  const alerts = useAlerts('open');
  const o = overview.data;
  const trendOpt = useMemo(() => (trend.data ? trendOption(trend.data.points, p.bucket, f, t) : null), [trend.data, p.bucket, f, t]);
  const sourceOpt = useMemo(() => (o ? sourceOption(o, t) : null), [o, t]);
  const toMentions = (q: Record<string, string>) => navigate(`/listening/mentions?${new URLSearchParams({ period: p.period, ...q }).toString()}`);

  return (
    <div className="page ls-page">
      <ListeningHead title={t('listening.overview.title')} subtitle={t('listening.overview.subtitle')}>
        <PeriodPicker value={p.period} onChange={p.choose} />
        <button type="button" className="btn" onClick={p.refresh}>
          {t('listening.refresh')}
        </button>
      </ListeningHead>

      {overview.isPending ? <Loading /> : overview.isError ? <ErrorState error={overview.error} onRetry={() => void overview.refetch()} /> : <Tiles o={overview.data} />}

      <div className="grid-2 grid-wide-left ls-row">
        <section className="card">
          <CardHead title={t(p.bucket === 'hour' ? 'listening.trend.titleHour' : 'listening.trend.titleDay')} />
          {trend.isError ? <ErrorState error={trend.error} /> : trendOpt ? <Chart option={trendOpt} height={300} label={t('listening.trend.label')} /> : <Loading />}
        </section>
        <section className="card">
          <CardHead title={t('listening.overview.bySource')} />
          {!o ? <Loading /> : o.mentions === 0 ? <Empty title={t('listening.overview.quiet')} /> : sourceOpt ? <Chart option={sourceOpt} height={300} label={t('listening.overview.bySource')} onClick={(hit) => toMentions({ source: o.bySource[hit.dataIndex]?.source ?? '' })} /> : null}
        </section>
      </div>

      <div className="grid-2 ls-row">
        <section className="card">
          <CardHead title={t('listening.map.title')} />
          {regions.isError ? <ErrorState error={regions.error} /> : regions.data ? <RegionTileMap rows={regions.data.items} onPick={(region) => toMentions({ region })} /> : <Loading />}
        </section>
        <section className="card">
          <CardHead
            title={t('listening.terms.hot')}
            aside={
              <Link className="dash-more" to={`/listening/keywords?period=${p.period}`}>
                {t('listening.terms.more')}
              </Link>
            }
          />
          {terms.isError ? <ErrorState error={terms.error} /> : terms.data ? <WordCloud terms={terms.data.items} onPick={(keyword) => toMentions({ keyword })} /> : <Loading />}
          {o && o.byAspect.length ? <AspectBars o={o} /> : null}
        </section>
      </div>

      <section className="card ls-row">
        <CardHead
          title={t('listening.overview.latestAlerts')}
          aside={
            <Link className="dash-more" to="/listening/alerts">
              {t('listening.kpi.toAlerts')}
            </Link>
          }
        />
        {alerts.isPending ? (
          <Loading />
        ) : alerts.isError ? (
          <ErrorState error={alerts.error} />
        ) : alerts.data.length === 0 ? (
          <Empty title={t('listening.alerts.noneOpen')}>{t('listening.alerts.noneOpenHint')}</Empty>
        ) : (
          <ul className="ls-alert-list" data-testid="latest-alerts">
            {alerts.data.slice(0, 5).map((a) => (
              <li key={a.id} className="ls-alert-item">
                <AlertState alert={a} />
                <div className="ls-alert-what">
                  <strong>{a.ruleName}</strong>
                  <ScopeLabel type={a.scopeType} scopeKey={a.scopeKey} />
                </div>
                <FindingFigures finding={a.peak ?? a.finding} />
                <span className="muted small nowrap">{f.dateTime(a.openedAt)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** What the mentions talk about (price, quality, delivery, service, staff) and how much of it is negative. */
function AspectBars({ o }: { o: Overview }) {
  const { t } = useTranslation();
  const f = useFormat();
  const top = Math.max(1, ...o.byAspect.map((a) => a.mentions));
  return (
    <div className="ls-aspects">
      <h3 className="ls-subhead">{t('listening.overview.byAspect')}</h3>
      <ul className="bars">
        {o.byAspect.map((a) => (
          <li key={a.aspect} data-aspect={a.aspect}>
            <span className="bar-label">{t(`listening.aspect.${a.aspect}`, { defaultValue: a.aspect })}</span>
            <span className="bar-track">
              <span className="bar-fill ls-bar-all" style={{ width: `${(a.mentions / top) * 100}%` }} />
              <span className="bar-fill ls-bar-neg" style={{ width: `${(a.negatives / top) * 100}%` }} />
            </span>
            <span className="bar-value">
              {f.number(a.mentions)} <span className="muted small">({t('listening.overview.negativeN', { n: f.number(a.negatives) })})</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
