import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useOverview, type Figure, type KpiKey, type Overview, type OverviewQuery, type TrendPoint } from '../api/insights.api';
import { Chart } from '../components/chart';
import { Empty, ErrorState, Loading } from '../components/states';
import { useFormat, type Format } from '../format/format';

const PRESETS = [7, 30, 90] as const;
const GREY = '#9aa5b1';

/** The period in the URL: `?range=7|30|90` (days ending on the latest order) or `?from=&to=`; `compare=previous|year`. */
function usePeriod() {
  const [params, setParams] = useSearchParams();
  const from = params.get('from') ?? undefined;
  const to = params.get('to') ?? undefined;
  const custom = Boolean(from && to);
  const range = custom ? undefined : Number(params.get('range') ?? 30) || 30;
  const compare: OverviewQuery['compare'] = params.get('compare') === 'year' ? 'year' : 'previous';
  const query: OverviewQuery = custom ? { from, to, compare } : { days: range, compare };
  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  return { query, range, custom, compare, set };
}

type Kind = 'count' | 'money' | 'ratio';

interface KpiDef {
  key: KpiKey;
  kind: Kind;
  link: (o: Overview) => string;
}

const ordersOf = (o: Overview, extra: Record<string, string> = {}) =>
  `/orders?${new URLSearchParams({ from: o.period.from, to: o.period.to, ...extra })}`;

const KPIS: KpiDef[] = [
  { key: 'members', kind: 'count', link: () => '/customers' },
  { key: 'activeMembers', kind: 'count', link: (o) => `/customers?active=90d&asOf=${o.period.to}` },
  { key: 'newMembers', kind: 'count', link: (o) => `/customers?sinceFrom=${o.period.from}&sinceTo=${o.period.to}` },
  { key: 'repurchaseRate', kind: 'ratio', link: (o) => ordersOf(o) },
  { key: 'revenueFen', kind: 'money', link: (o) => ordersOf(o, { sort: '-paid' }) },
  { key: 'orders', kind: 'count', link: (o) => ordersOf(o) },
  { key: 'averageOrderValueFen', kind: 'money', link: (o) => ordersOf(o, { sort: '-paid' }) },
  { key: 'memberSalesShare', kind: 'ratio', link: (o) => ordersOf(o) },
];

function formatValue(f: Format, kind: Kind, v: number | null): string {
  if (v === null) return '—';
  if (kind === 'money') return f.money(v / 100);
  if (kind === 'ratio') return f.percent(v);
  return f.number(v);
}

/** The change against the comparison period: a percentage for counts and amounts, points for ratios. */
function Delta({ kind, figure }: { kind: Kind; figure: Figure }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { current, comparison } = figure;
  if (current === null || comparison === null) return <span className="delta delta-flat">{t('dashboard.noComparison')}</span>;
  if (kind !== 'ratio' && comparison === 0) {
    return <span className="delta delta-flat">{current === 0 ? t('dashboard.unchanged') : t('dashboard.noComparison')}</span>;
  }
  const change = kind === 'ratio' ? current - comparison : (current - comparison) / comparison;
  const dir = Math.abs(change) < 0.0005 ? 'flat' : change > 0 ? 'up' : 'down';
  const text =
    kind === 'ratio'
      ? t('dashboard.points', { value: f.number(Math.round(Math.abs(change) * 1000) / 10) })
      : f.percent(Math.abs(change));
  return (
    <span className={`delta delta-${dir}`}>
      <span aria-hidden="true">{dir === 'up' ? '▲' : dir === 'down' ? '▼' : '–'}</span>
      <span className="sr-only">{t(`dashboard.${dir}`)}</span> {dir === 'flat' ? t('dashboard.unchanged') : text}
    </span>
  );
}

function KpiCard({ def, overview }: { def: KpiDef; overview: Overview }) {
  const { t } = useTranslation();
  const f = useFormat();
  const figure = overview.kpis[def.key];
  return (
    <Link to={def.link(overview)} className="kpi kpi-link dash-kpi" data-kpi={def.key}>
      <div className="kpi-label">{t(`dashboard.kpi.${def.key}`)}</div>
      <div className="kpi-value">{formatValue(f, def.kind, figure.current)}</div>
      <div className="dash-kpi-foot">
        <Delta kind={def.kind} figure={figure} />
        {figure.comparison ? (
          <span className="muted small dash-kpi-was">{t('dashboard.was', { value: formatValue(f, def.kind, figure.comparison) })}</span>
        ) : null}
      </div>
    </Link>
  );
}

function ChartCard({ title, to, children, linkText }: { title: string; to: string; children: ReactNode; linkText?: string }) {
  const { t } = useTranslation();
  return (
    <section className="card">
      <div className="card-head">
        <h2>{title}</h2>
        <Link to={to} className="small dash-more">
          {linkText ?? t('dashboard.viewOrders')} →
        </Link>
      </div>
      {children}
    </section>
  );
}

/** "11/05" or "11月5日": the axis shows month and day; the period line shows the year. */
function shortDay(locale: string) {
  const fmt = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' });
  return (d: string) => fmt.format(new Date(`${d}T12:00:00`));
}

/** An amount for a chart's centre: "¥1,440", and from ¥100,000 on the short form ("¥12.3万", "¥123.5K"). */
function wholeMoney(f: Format, yuan: number): string {
  if (yuan >= 100_000) return f.compactMoney(yuan);
  return new Intl.NumberFormat(f.locale, { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(yuan);
}

function addDays(d: string, n: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function PeriodPicker({ overview }: { overview: Overview | undefined }) {
  const { t } = useTranslation();
  const period = usePeriod();
  const [editing, setEditing] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const openCustom = () => {
    setFrom(overview?.period.from ?? '');
    setTo(overview?.period.to ?? '');
    setEditing(true);
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (from && to && from <= to) {
      period.set({ from, to, range: undefined });
      setEditing(false);
    }
  };
  const showCustom = editing || period.custom;
  return (
    <div className="dash-toolbar">
      <div className="segmented" role="group" aria-label={t('dashboard.period')}>
        {PRESETS.map((days) => (
          <button
            key={days}
            type="button"
            className={!showCustom && period.range === days ? 'active' : undefined}
            aria-pressed={!showCustom && period.range === days}
            onClick={() => {
              setEditing(false);
              period.set({ range: String(days), from: undefined, to: undefined });
            }}
          >
            {t('dashboard.lastDays', { count: days })}
          </button>
        ))}
        <button type="button" className={showCustom ? 'active' : undefined} aria-pressed={showCustom} onClick={openCustom}>
          {t('dashboard.custom')}
        </button>
      </div>
      {editing ? (
        <form className="dash-dates" onSubmit={apply}>
          <input type="date" aria-label={t('dashboard.from')} value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} required />
          <span className="muted">–</span>
          <input type="date" aria-label={t('dashboard.to')} value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} required />
          <button type="submit" className="btn btn-small btn-primary" disabled={!from || !to || from > to}>
            {t('dashboard.apply')}
          </button>
        </form>
      ) : null}
      <div className="segmented" role="group" aria-label={t('dashboard.compareWith')}>
        {(['previous', 'year'] as const).map((c) => (
          <button
            key={c}
            type="button"
            className={period.compare === c ? 'active' : undefined}
            aria-pressed={period.compare === c}
            onClick={() => period.set({ compare: c === 'previous' ? undefined : c })}
          >
            {t(`dashboard.compare.${c}`)}
          </button>
        ))}
      </div>
    </div>
  );
}

function useCharts(o: Overview | undefined, f: Format, t: (k: string, o?: Record<string, unknown>) => string) {
  return useMemo(() => {
    if (!o) return undefined;
    const day = shortDay(f.locale);
    const cur = o.trend.current;
    const cmp = o.trend.comparison;
    const labels = cur.map((p) => day(p.date));
    const curName = t('dashboard.current');
    const cmpName = t(`dashboard.compare.${o.comparison.kind}`);
    const axisMoney = { type: 'value', axisLabel: { formatter: (v: number) => f.compactMoney(v) }, splitLine: { lineStyle: { color: '#eef0f3' } } };
    const bucketLabel = (p: TrendPoint | undefined) =>
      !p ? '' : o.granularity === 'week' ? `${day(p.date)} – ${day(addDays(p.date, 6))}` : f.day(p.date);
    const tooltipRows = (i: number, pick: (p: TrendPoint) => string) =>
      [
        `<b>${curName}</b> ${bucketLabel(cur[i])}: ${cur[i] ? pick(cur[i]) : '—'}`,
        `<span style="color:${GREY}">${cmpName} ${bucketLabel(cmp[i])}: ${cmp[i] ? pick(cmp[i]) : '—'}</span>`,
      ].join('<br/>');

    const revenueTrend = {
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, right: 0, icon: 'roundRect', itemWidth: 14, itemHeight: 4 },
      tooltip: {
        trigger: 'axis',
        formatter: (ps: Array<{ dataIndex: number }>) => tooltipRows(ps[0]?.dataIndex ?? 0, (p) => f.money(p.revenueFen / 100)),
      },
      xAxis: { type: 'category', data: labels, boundaryGap: false, axisTick: { show: false }, axisLine: { lineStyle: { color: '#cfd6de' } } },
      yAxis: axisMoney,
      series: [
        {
          type: 'line',
          name: curName,
          data: cur.map((p) => p.revenueFen / 100),
          smooth: 0.25,
          smoothMonotone: 'x',
          symbolSize: 5,
          lineStyle: { width: 2.5 },
          areaStyle: { opacity: 0.08 },
        },
        {
          type: 'line',
          name: cmpName,
          data: cmp.map((p) => p.revenueFen / 100),
          smooth: 0.25,
          smoothMonotone: 'x',
          symbol: 'none',
          lineStyle: { type: 'dashed', width: 1.5, color: GREY },
          itemStyle: { color: GREY },
        },
      ],
    };

    const channelName = (c: string) => t(`channel.${c}`, { defaultValue: c });
    const totalRevenue = o.byChannel.reduce((s, c) => s + c.revenueFen, 0);
    const channels = {
      tooltip: { trigger: 'item', valueFormatter: (v: number) => f.money(v) },
      legend: { bottom: 0, icon: 'circle', itemWidth: 10 },
      series: [
        {
          type: 'pie',
          name: t('dashboard.revenueByChannel'),
          radius: ['46%', '68%'],
          center: ['50%', '44%'],
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          label: { formatter: (p: { percent: number }) => f.percent(p.percent / 100), fontSize: 12, overflow: 'none' },
          data: o.byChannel.filter((c) => c.revenueFen > 0).map((c) => ({ name: channelName(c.channel), value: c.revenueFen / 100 })),
        },
        {
          type: 'pie',
          radius: [0, 0],
          center: ['50%', '44%'],
          silent: true,
          label: {
            position: 'center',
            formatter: `{a|${t('dashboard.total')}}\n{b|${wholeMoney(f, totalRevenue / 100)}}`,
            rich: { a: { color: '#6b7785', fontSize: 12, lineHeight: 18 }, b: { color: '#17212b', fontSize: 16, fontWeight: 600 } },
          },
          data: [{ value: 1, name: '' }],
          tooltip: { show: false },
        },
      ],
    };

    const stores = [...o.byStore].reverse();
    const storeBars = {
      grid: { left: 8, right: 24, top: 28, bottom: 4, containLabel: true },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => f.money(v) },
      xAxis: { ...axisMoney, splitNumber: 3 },
      yAxis: {
        type: 'category',
        data: stores.map((s) => s.name ?? s.storeCode),
        axisTick: { show: false },
        axisLine: { show: false },
        axisLabel: { width: 120, overflow: 'truncate' },
      },
      series: [
        { type: 'bar', name: curName, data: stores.map((s) => s.revenueFen / 100), barMaxWidth: 14, itemStyle: { borderRadius: [0, 4, 4, 0] } },
        { type: 'bar', name: cmpName, data: stores.map((s) => s.comparisonRevenueFen / 100), barMaxWidth: 14, itemStyle: { color: '#d5dbe1', borderRadius: [0, 4, 4, 0] } },
      ],
    };

    const people = {
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => f.number(v) },
      xAxis: { type: 'category', data: labels, axisTick: { show: false }, axisLine: { lineStyle: { color: '#cfd6de' } } },
      yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eef0f3' } } },
      series: [
        { type: 'bar', name: t('dashboard.buyers'), data: cur.map((p) => p.buyers), barMaxWidth: 18, itemStyle: { color: '#6366f1', borderRadius: [3, 3, 0, 0] } },
        { type: 'line', name: t('dashboard.kpi.newMembers'), data: cur.map((p) => p.newMembers), symbolSize: 5, itemStyle: { color: '#f59e0b' } },
        {
          type: 'line',
          name: `${t('dashboard.buyers')} · ${cmpName}`,
          data: cmp.map((p) => p.buyers),
          symbol: 'none',
          lineStyle: { type: 'dashed', width: 1.5, color: GREY },
          itemStyle: { color: GREY },
        },
      ],
    };
    return { revenueTrend, channels, storeBars, people };
  }, [o, f, t]);
}

export function OverviewPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const period = usePeriod();
  const overview = useOverview(period.query);
  const o = overview.data;
  const charts = useCharts(o, f, t);

  if (overview.isPending) return <Loading />;
  if (overview.isError || !o || !charts) return <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />;

  const range = (p: { from: string; to: string }) => t('dashboard.range', { from: f.day(p.from), to: f.day(p.to) });
  const bucketOrders = (i: number) => {
    const p = o.trend.current[i];
    if (!p) return;
    const end = o.granularity === 'week' ? addDays(p.date, 6) : p.date;
    void navigate(`/orders?from=${p.date}&to=${end < o.period.to ? end : o.period.to}`);
  };
  const empty = o.kpis.orders.current === 0 && o.kpis.orders.comparison === 0;

  return (
    <div className="page dash" aria-busy={overview.isFetching}>
      <div className="page-head dash-head">
        <div>
          <h1>{t('dashboard.title')}</h1>
          <p className="muted" data-testid="dash-period">
            {range(o.period)}
            <span className="dash-vs">
              {t('dashboard.versus', { kind: t(`dashboard.compare.${o.comparison.kind}`), range: range(o.comparison) })}
            </span>
          </p>
        </div>
        <PeriodPicker overview={o} />
      </div>

      <section className="kpis dash-kpis" aria-label={t('dashboard.kpis')}>
        {KPIS.map((def) => (
          <KpiCard key={def.key} def={def} overview={o} />
        ))}
      </section>

      {empty ? (
        <section className="card">
          <Empty title={t('dashboard.noOrders')}>{t('dashboard.noOrdersHint')}</Empty>
        </section>
      ) : (
        <>
          <div className="grid-2 grid-wide-left">
            <ChartCard title={t('dashboard.revenueTrend')} to={ordersOf(o)}>
              <Chart option={charts.revenueTrend} label={t('dashboard.revenueTrend')} height={300} onClick={(h) => bucketOrders(h.dataIndex)} />
            </ChartCard>
            <ChartCard title={t('dashboard.revenueByChannel')} to={ordersOf(o)}>
              <Chart
                option={charts.channels}
                label={t('dashboard.revenueByChannel')}
                height={300}
                onClick={(h) => {
                  const c = o.byChannel.filter((x) => x.revenueFen > 0)[h.dataIndex];
                  if (h.seriesIndex === 0 && c) void navigate(ordersOf(o, { channel: c.channel }));
                }}
              />
            </ChartCard>
          </div>
          <div className="grid-2">
            <ChartCard title={t('dashboard.revenueByStore')} to={ordersOf(o, { sort: 'store' })}>
              {o.byStore.length === 0 ? (
                <Empty title={t('dashboard.noStores')} />
              ) : (
                <Chart
                  option={charts.storeBars}
                  label={t('dashboard.revenueByStore')}
                  height={Math.max(220, 56 + o.byStore.length * 34)}
                  onClick={(h) => {
                    const s = [...o.byStore].reverse()[h.dataIndex];
                    if (s) void navigate(ordersOf(o, { storeCode: s.storeCode }));
                  }}
                />
              )}
            </ChartCard>
            <ChartCard
              title={t('dashboard.peopleTrend')}
              to={`/customers?sinceFrom=${o.period.from}&sinceTo=${o.period.to}`}
              linkText={t('dashboard.viewNewMembers')}
            >
              <Chart option={charts.people} label={t('dashboard.peopleTrend')} height={Math.max(220, 56 + o.byStore.length * 34)} onClick={(h) => bucketOrders(h.dataIndex)} />
            </ChartCard>
          </div>
        </>
      )}
      <p className="muted small footnote">{t('dashboard.footnote', { zone: o.timeZone })}</p>
    </div>
  );
}
