import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useIssueRuns, usePromotionResults, usePromotions, useRunResults, type HoldoutComparison } from '../../api/promotions.api';
import { useFormat } from '../../format/format';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import './promotions.css';

/** Results: per promotion and per coupon issue run — redemption, revenue, discount cost, treated against holdout. */
export function PromotionResultsPage() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<'promotion' | 'run'>('promotion');
  return (
    <div className="page promo-page">
      <div className="page-head">
        <div>
          <h1>{t('promotions.results.title')}</h1>
          <p className="muted">{t('promotions.results.subtitle')}</p>
        </div>
        <div className="promo-seg" role="tablist">
          {(['promotion', 'run'] as const).map((k) => (
            <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'active' : ''} onClick={() => setTab(k)} data-tab={k}>
              {t(`promotions.results.tab.${k}`)}
            </button>
          ))}
        </div>
      </div>
      {tab === 'promotion' ? <PromotionResultsView /> : <RunResultsView />}
    </div>
  );
}

function PromotionResultsView() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = usePromotions('');
  const [id, setId] = useState('');
  useEffect(() => {
    if (!id && list.data?.length) setId((list.data.find((p) => p.status !== 'draft') ?? list.data[0]!).id);
  }, [id, list.data]);
  const r = usePromotionResults(id);
  if (list.isPending) return <Loading />;
  if (list.isError) return <ErrorState error={list.error} />;
  if (list.data.length === 0) return <Empty title={t('promotions.list.empty')} />;
  const d = r.data;
  return (
    <>
      <Picker label={t('promotions.results.promotion')} name="promotion" value={id} onChange={setId} options={list.data.map((p) => ({ value: p.id, label: `${p.name} · ${t(`promotions.status.${p.status}`)}` }))} window={d} />
      {r.isPending ? (
        <Loading />
      ) : r.isError ? (
        <ErrorState error={r.error} onRetry={() => void r.refetch()} />
      ) : d ? (
        <>
          <section className="kpis promo-kpis-5" data-testid="results-kpis">
            <Kpi label={t('promotions.results.uses')} value={f.number(d.uses)} note={t('promotions.results.customersN', { n: f.number(d.customers) })} />
            <Kpi label={t('promotions.results.revenue')} value={f.money(d.revenueFen / 100)} note={t('promotions.results.ordersN', { n: f.number(d.orders) })} />
            <Kpi label={t('promotions.results.cost')} value={f.money(d.discountFen / 100)} note={d.revenueFen > 0 ? t('promotions.results.costShare', { share: f.percent(d.discountFen / d.revenueFen) }) : ''} />
            <Kpi label={t('promotions.results.aovWith')} value={d.averageOrder.withFen === null ? '—' : f.money(d.averageOrder.withFen / 100)} note={t('promotions.results.ordersN', { n: f.number(d.averageOrder.ordersWith) })} />
            <Kpi label={t('promotions.results.aovWithout')} value={d.averageOrder.withoutFen === null ? '—' : f.money(d.averageOrder.withoutFen / 100)} note={t('promotions.results.ordersN', { n: f.number(d.averageOrder.ordersWithout) })} />
          </section>
          {d.holdout ? (
            <Comparison c={d.holdout} note={t(`promotions.results.population.${d.holdout.population}`, { percent: d.promotion.holdoutPercent })} />
          ) : (
            <section className="card">
              <Empty title={t('promotions.results.noHoldout')}>{t('promotions.results.noHoldoutHint')}</Empty>
            </section>
          )}
        </>
      ) : null}
    </>
  );
}

function RunResultsView() {
  const { t } = useTranslation();
  const f = useFormat();
  const runs = useIssueRuns();
  const [id, setId] = useState('');
  useEffect(() => {
    if (!id && runs.data?.length) setId(runs.data[0]!.id);
  }, [id, runs.data]);
  const r = useRunResults(id);
  if (runs.isPending) return <Loading />;
  if (runs.isError) return <ErrorState error={runs.error} />;
  if (runs.data.length === 0) return <Empty title={t('promotions.results.noRuns')}>{t('promotions.results.noRunsHint')}</Empty>;
  const d = r.data;
  return (
    <>
      <Picker
        label={t('promotions.results.run')}
        name="run"
        value={id}
        onChange={setId}
        options={runs.data.map((x) => ({ value: x.id, label: t('promotions.results.runOption', { template: x.template.name, segment: x.segment?.name ?? '—', date: f.date(x.createdAt), n: f.number(x.issued) }) }))}
        window={d}
      />
      {r.isPending ? (
        <Loading />
      ) : r.isError ? (
        <ErrorState error={r.error} onRetry={() => void r.refetch()} />
      ) : d ? (
        <>
          <section className="kpis promo-kpis-5" data-testid="run-kpis">
            <Kpi label={t('promotions.results.issued')} value={f.number(d.issued)} note={t('promotions.results.heldOutN', { n: f.number(d.run.heldOut), percent: d.run.holdoutPercent })} />
            <Kpi label={t('promotions.results.redeemed')} value={f.number(d.redeemed)} note="" />
            <Kpi label={t('promotions.results.redemptionRate')} value={f.percent(d.redemptionRate)} note="" />
            <Kpi label={t('promotions.results.revenue')} value={f.money(d.revenueFen / 100)} note={t('promotions.results.ordersN', { n: f.number(d.orders) })} />
            <Kpi label={t('promotions.results.cost')} value={f.money(d.discountFen / 100)} note="" />
          </section>
          <Comparison c={d.comparison} note={t('promotions.results.runPopulation', { segment: d.run.segment?.name ?? '—' })} />
        </>
      ) : null}
    </>
  );
}

/** What the results are of (a promotion, an issue run), and the window they cover. */
function Picker({ label, name, value, onChange, options, window }: { label: string; name: string; value: string; onChange: (v: string) => void; options: Array<{ value: string; label: string }>; window: { from: string; to: string } | undefined }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <section className="card promo-picker-card">
      <label className="promo-f promo-f-wide">
        <span className="promo-f-label">{label}</span>
        <select name={name} value={value} onChange={(e) => onChange(e.target.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      {window ? <span className="muted small">{t('promotions.results.window', { from: f.dateTime(window.from), to: f.dateTime(window.to) })}</span> : null}
    </section>
  );
}

function Kpi({ label, value, note }: { label: string; value: string; note: string }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {note ? <div className="kpi-note">{note}</div> : null}
    </div>
  );
}

/** Treated against holdout: the two groups side by side, the uplift with its 95 % interval, and a chart. */
function Comparison({ c, note }: { c: HoldoutComparison; note: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const m = (fen: number | null) => (fen === null ? '—' : f.money(fen / 100));
  const signedMoney = (fen: number) => `${fen > 0 ? '+' : fen < 0 ? '−' : ''}${f.money(Math.abs(fen) / 100)}`;
  const pp = (v: number | null) => (v === null ? '—' : `${v > 0 ? '+' : ''}${(v * 100).toFixed(1)} pp`);
  const rpc = c.revenuePerCustomer;
  const significant = rpc.lowFen !== null && rpc.highFen !== null && (rpc.lowFen > 0 || rpc.highFen < 0);
  const option = useMemo(
    () => ({
      grid: [
        { left: 8, right: '54%', top: 36, bottom: 8, containLabel: true },
        { left: '54%', right: 8, top: 36, bottom: 8, containLabel: true },
      ],
      title: undefined,
      tooltip: { trigger: 'item' },
      legend: { top: 0, data: [t('promotions.results.treated'), t('promotions.results.holdout')] },
      xAxis: [
        { type: 'category', gridIndex: 0, data: [t('promotions.results.conversion')], axisTick: { show: false } },
        { type: 'category', gridIndex: 1, data: [t('promotions.results.revenuePerCustomer')], axisTick: { show: false } },
      ],
      yAxis: [
        { type: 'value', gridIndex: 0, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` }, splitLine: { lineStyle: { color: '#eef0f3' } } },
        { type: 'value', gridIndex: 1, axisLabel: { formatter: (v: number) => `¥${v}` }, splitLine: { lineStyle: { color: '#eef0f3' } } },
      ],
      series: [
        {
          name: t('promotions.results.treated'),
          type: 'bar',
          xAxisIndex: 0,
          yAxisIndex: 0,
          barMaxWidth: 48,
          itemStyle: { color: '#0f766e', borderRadius: [4, 4, 0, 0] },
          label: { show: true, position: 'top', formatter: () => f.percent(c.treated.conversionRate) },
          data: [c.treated.conversionRate ?? 0],
        },
        {
          name: t('promotions.results.holdout'),
          type: 'bar',
          xAxisIndex: 0,
          yAxisIndex: 0,
          barMaxWidth: 48,
          itemStyle: { color: '#94a3b8', borderRadius: [4, 4, 0, 0] },
          label: { show: true, position: 'top', formatter: () => f.percent(c.holdout.conversionRate) },
          data: [c.holdout.conversionRate ?? 0],
        },
        {
          name: t('promotions.results.treated'),
          type: 'bar',
          xAxisIndex: 1,
          yAxisIndex: 1,
          barMaxWidth: 48,
          itemStyle: { color: '#0f766e', borderRadius: [4, 4, 0, 0] },
          label: { show: true, position: 'top', formatter: () => m(c.treated.revenuePerCustomerFen) },
          data: [(c.treated.revenuePerCustomerFen ?? 0) / 100],
        },
        {
          name: t('promotions.results.holdout'),
          type: 'bar',
          xAxisIndex: 1,
          yAxisIndex: 1,
          barMaxWidth: 48,
          itemStyle: { color: '#94a3b8', borderRadius: [4, 4, 0, 0] },
          label: { show: true, position: 'top', formatter: () => m(c.holdout.revenuePerCustomerFen) },
          data: [(c.holdout.revenuePerCustomerFen ?? 0) / 100],
        },
      ],
    }),
    [c, t, f],
  );
  return (
    <div className="grid-2 grid-wide-left">
      <section className="card" data-testid="holdout-comparison">
        <div className="card-head">
          <h2>{t('promotions.results.vsHoldout')}</h2>
          <span className="muted small">{note}</span>
        </div>
        <Chart option={option} label={t('promotions.results.vsHoldout')} height={280} />
        <div className="table-wrap">
          <table className="table promo-compare">
            <thead>
              <tr>
                <th />
                <th className="num">{t('promotions.results.customers')}</th>
                <th className="num">{t('promotions.results.converted')}</th>
                <th className="num">{t('promotions.results.conversion')}</th>
                <th className="num">{t('promotions.results.revenue')}</th>
                <th className="num">{t('promotions.results.revenuePerCustomer')}</th>
              </tr>
            </thead>
            <tbody>
              {(['treated', 'holdout'] as const).map((g) => (
                <tr key={g} data-group={g}>
                  <td>
                    <span className={`promo-dot promo-dot-${g}`} /> {t(`promotions.results.${g}`)}
                  </td>
                  <td className="num">{f.number(c[g].customers)}</td>
                  <td className="num">{f.number(c[g].converted)}</td>
                  <td className="num">{f.percent(c[g].conversionRate)}</td>
                  <td className="num">{m(c[g].revenueFen)}</td>
                  <td className="num">{m(c[g].revenuePerCustomerFen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card promo-uplift" data-testid="uplift">
        <div className="card-head">
          <h2>{t('promotions.results.uplift')}</h2>
        </div>
        <div className="promo-uplift-main">
          <div className="muted small">{t('promotions.results.incremental')}</div>
          <div className={c.incrementalRevenueFen >= 0 ? 'promo-uplift-value positive' : 'promo-uplift-value negative'} data-testid="incremental">
            {signedMoney(c.incrementalRevenueFen)}
          </div>
          <div className="muted small">
            {c.incrementalRevenueLowFen !== null && c.incrementalRevenueHighFen !== null
              ? t('promotions.results.ci', { low: signedMoney(c.incrementalRevenueLowFen), high: signedMoney(c.incrementalRevenueHighFen) })
              : t('promotions.results.noCi')}
          </div>
        </div>
        <dl className="promo-facts">
          <dt>{t('promotions.results.rpcDiff')}</dt>
          <dd>
            {signedMoney(rpc.differenceFen)}
            {rpc.lowFen !== null && rpc.highFen !== null ? <span className="muted small nowrap"> {t('promotions.results.ci', { low: signedMoney(rpc.lowFen), high: signedMoney(rpc.highFen) })}</span> : null}
          </dd>
          <dt>{t('promotions.results.convDiff')}</dt>
          <dd>
            {pp(c.conversion.difference)}
            {c.conversion.low !== null && c.conversion.high !== null ? <span className="muted small nowrap"> {t('promotions.results.ci', { low: pp(c.conversion.low), high: pp(c.conversion.high) })}</span> : null}
          </dd>
        </dl>
        <p className={significant ? 'notice promo-notice-ok' : 'notice'}>{significant ? t('promotions.results.significant') : t('promotions.results.notSignificant')}</p>
      </section>
    </div>
  );
}
