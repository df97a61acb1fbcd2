import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { TFunction } from 'i18next';
import {
  CHURN_RISKS,
  useChurnRisk,
  useClvDistribution,
  useFitClv,
  useLatestClvRun,
  type ChurnRisk,
  type ClvDistribution,
  type ClvRun,
  type FrequencyModel,
} from '../../api/insights-predictions.api';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import { Kpi, RunForm } from '../segments/seg-parts';
import { decimal, fen, shortFen } from '../segments/segment-words';
import { RiskBadge } from './prediction-card';
import { ModelCheck } from './model-check';
import { ChurnModelCard } from './churn-model';
import '../segments/segments.css';
import './insights.css';

const PAGE_SIZE = 25;
const RISK_COLORS: Record<ChurnRisk, string> = { high: '#c0362c', medium: '#f59e0b', low: '#0f766e' };

/** Churn & CLV: fit the model, the run's summary, KPIs, customers per band, CLV deciles, the churn-risk list. */
export function ChurnPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'insights:admin');
  const latest = useLatestClvRun();
  const run = latest.data ?? null;
  const distribution = useClvDistribution(!!run);

  return (
    <div className="page seg-page ins-page">
      <div className="page-head">
        <div>
          <h1>{t('insights.predictions.title')}</h1>
          <p className="muted" data-testid="clv-run">
            {run ? runText(t, f, run) : t('insights.predictions.subtitle')}
          </p>
        </div>
      </div>

      {admin ? <FitForm /> : null}

      {latest.isPending ? (
        <Loading />
      ) : latest.isError ? (
        <ErrorState error={latest.error} onRetry={() => void latest.refetch()} />
      ) : !run ? (
        <section className="card" data-testid="clv-empty">
          <Empty title={t('insights.predictions.noRun')}>{admin ? t('insights.predictions.noRunHint') : t('insights.predictions.noRunAsk')}</Empty>
        </section>
      ) : distribution.isPending ? (
        <Loading />
      ) : distribution.isError ? (
        <ErrorState error={distribution.error} onRetry={() => void distribution.refetch()} />
      ) : !distribution.data ? null : (
        <>
          <Kpis run={run} d={distribution.data} />
          <div className="grid-2">
            <section className="card">
              <div className="card-head">
                <h2>{t('insights.predictions.bands')}</h2>
                <span className="muted small">{t('insights.predictions.bandsNote')}</span>
              </div>
              <BandChart d={distribution.data} f={f} />
            </section>
            {distribution.data.clvDeciles.length > 0 ? (
              <section className="card" data-testid="clv-deciles">
                <div className="card-head">
                  <h2>{t('insights.predictions.deciles')}</h2>
                  <span className="muted small">{t('insights.predictions.decilesNote')}</span>
                </div>
                <DecileChart d={distribution.data} f={f} />
              </section>
            ) : (
              <RunSummary run={run} />
            )}
          </div>
          <RiskList />
          {distribution.data.clvDeciles.length > 0 ? <RunSummary run={run} /> : null}
          <ChurnModelCard />
          <ModelCheck run={run} />
        </>
      )}
    </div>
  );
}

const modelName = (t: TFunction, m: FrequencyModel) => t(`insights.predictions.modelName.${m}`);
/** 'staff:wang' → wang. */
const actorName = (actor: string) => actor.slice(actor.indexOf(':') + 1) || actor;

function runText(t: TFunction, f: Format, run: ClvRun): string {
  return t('insights.predictions.runInfo', {
    asOf: f.day(run.asOf),
    model: modelName(t, run.model),
    customers: f.number(run.customers),
    at: f.dateTime(run.createdAt),
    by: actorName(run.createdBy),
  });
}

function FitForm() {
  const { t } = useTranslation();
  const fit = useFitClv();
  const [asOf, setAsOf] = useState('');
  const [model, setModel] = useState<FrequencyModel>('bgnbd');
  const [horizon, setHorizon] = useState('365');
  const [rate, setRate] = useState('0.1');
  return (
    <RunForm
      onSubmit={() => {
        const horizonDays = horizon.trim() === '' ? undefined : Number(horizon);
        const discountRate = rate.trim() === '' ? undefined : Number(rate);
        fit.mutate({
          model,
          ...(asOf ? { asOf } : {}),
          ...(horizonDays !== undefined ? { horizonDays } : {}),
          ...(discountRate !== undefined ? { discountRate } : {}),
        });
      }}
      busy={fit.isPending}
      label={t('insights.predictions.fit')}
      busyLabel={t('insights.predictions.fitting')}
      note={t('insights.predictions.fitNote')}
      testId="clv-fit-button"
      error={fit.error}
      fields={
        <>
          <label className="field settings-field">
            <span>{t('insights.predictions.asOf')}</span>
            <input type="date" name="asOf" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
          </label>
          <label className="field settings-field">
            <span>{t('insights.predictions.model')}</span>
            <select name="model" value={model} onChange={(e) => setModel(e.target.value as FrequencyModel)}>
              <option value="bgnbd">{modelName(t, 'bgnbd')}</option>
              <option value="pareto">{modelName(t, 'pareto')}</option>
            </select>
          </label>
          <label className="field settings-field seg-narrow">
            <span>{t('insights.predictions.horizon')}</span>
            <input name="horizonDays" inputMode="numeric" value={horizon} onChange={(e) => setHorizon(e.target.value)} />
          </label>
          <label className="field settings-field ins-rate">
            <span>{t('insights.predictions.discountRate')}</span>
            <input name="discountRate" inputMode="decimal" value={rate} onChange={(e) => setRate(e.target.value)} />
          </label>
        </>
      }
    />
  );
}

function Kpis({ run, d }: { run: ClvRun; d: ClvDistribution }) {
  const { t } = useTranslation();
  const f = useFormat();
  const expected = d.churn.reduce((s, b) => s + b.expectedPurchases, 0);
  const predicted = d.churn.reduce((s, b) => s + b.customers, 0);
  const high = d.churn.find((b) => b.risk === 'high')?.customers ?? 0;
  const clvKnown = d.clvDeciles.length > 0;
  const clv = d.clvDeciles.reduce((s, x) => s + x.sumFen, 0);
  const days = f.number(run.horizonDays);
  return (
    <section className="kpis" aria-label={t('insights.predictions.title')}>
      <Kpi
        label={t('insights.predictions.kpiCustomers')}
        value={f.number(predicted)}
        note={t('insights.predictions.kpiCustomersNote', { repeat: f.number(run.repeatBuyers) })}
        testId="kpi-customers"
      />
      <Kpi
        label={t('insights.predictions.kpiHigh')}
        value={f.number(high)}
        note={t('insights.predictions.kpiHighNote', { share: f.percent(predicted > 0 ? high / predicted : 0) })}
        testId="kpi-high"
      />
      <Kpi
        label={t('insights.predictions.kpiPurchases')}
        value={decimal(f, expected, 0)}
        note={t('insights.predictions.kpiPurchasesNote', { days })}
        testId="kpi-expected"
      />
      <Kpi
        label={t('insights.predictions.kpiClv')}
        value={clvKnown ? shortFen(f, clv) : '—'}
        note={clvKnown ? t('insights.predictions.kpiClvNote', { days }) : t('insights.predictions.kpiClvUnknown')}
        testId="kpi-clv"
      />
    </section>
  );
}

function BandChart({ d, f }: { d: ClvDistribution; f: Format }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: d.churn.map((b) => t(`insights.predictions.riskLong.${b.risk}`)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          type: 'bar',
          name: t('insights.predictions.customers'),
          barMaxWidth: 64,
          data: d.churn.map((b) => ({ value: b.customers, itemStyle: { color: RISK_COLORS[b.risk] } })),
          label: { show: true, position: 'top', formatter: (p: { value: number }) => f.number(p.value) },
        },
      ],
    }),
    [d, f, t],
  );
  return (
    <>
      <Chart option={option} label={t('insights.predictions.bands')} height={300} />
      <table className="sr-only" data-testid="clv-bands">
        <tbody>
          {d.churn.map((b) => (
            <tr key={b.risk} data-risk={b.risk}>
              <td>{b.customers}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function DecileChart({ d, f }: { d: ClvDistribution; f: Format }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: {
        formatter: (p: { dataIndex: number }) => {
          const x = d.clvDeciles[p.dataIndex]!;
          return t('insights.predictions.decileTip', {
            n: x.decile,
            customers: f.number(x.customers),
            min: fen(f, x.minFen),
            max: fen(f, x.maxFen),
            sum: fen(f, x.sumFen),
          });
        },
      },
      xAxis: { type: 'category', data: d.clvDeciles.map((x) => t('insights.predictions.decile', { n: x.decile })) },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => shortFen(f, v) } },
      series: [{ type: 'bar', name: t('insights.predictions.clv'), barMaxWidth: 40, data: d.clvDeciles.map((x) => x.sumFen) }],
    }),
    [d, f, t],
  );
  return <Chart option={option} label={t('insights.predictions.deciles')} height={300} />;
}

/** Greek letters for the models' parameter names. */
const GREEK: Record<string, string> = { alpha: 'α', beta: 'β', gamma: 'γ' };
const paramName = (k: string) => GREEK[k] ?? k;
/** Parameters in the order the papers write them (r, α, a, b; r, α, s, β; p, q, γ), not the stored order. */
const PARAM_ORDER = ['r', 'alpha', 'a', 'b', 's', 'beta', 'p', 'q', 'gamma'];
const byPaperOrder = ([a]: [string, number], [b]: [string, number]) => (PARAM_ORDER.indexOf(a) + 1 || 99) - (PARAM_ORDER.indexOf(b) + 1 || 99);

function RunSummary({ run }: { run: ClvRun }) {
  const { t } = useTranslation();
  const f = useFormat();
  const facts: Array<[string, string]> = [
    [t('insights.predictions.runAsOf'), f.day(run.asOf)],
    [t('insights.predictions.runModel'), `${modelName(t, run.model)} · ${t(`insights.predictions.period.${run.period}`)}`],
    [t('insights.predictions.runCustomers'), f.number(run.customers)],
    [t('insights.predictions.runRepeat'), f.number(run.repeatBuyers)],
    [t('insights.predictions.runHorizon'), t('insights.predictions.days', { days: f.number(run.horizonDays) })],
    [t('insights.predictions.runDiscount'), f.percent(run.discountRate)],
    [t('insights.predictions.runLogLik'), decimal(f, run.logLik, 2) + (run.spendLogLik === null ? '' : ` · ${decimal(f, run.spendLogLik, 2)}`)],
    [
      t('insights.predictions.runWhen'),
      t('insights.predictions.runBy', { at: f.dateTime(run.createdAt), by: actorName(run.createdBy) }) +
        (run.seconds === null ? '' : ` · ${t('insights.predictions.runSeconds', { seconds: decimal(f, run.seconds, 2) })}`),
    ],
  ];
  const table = (params: Record<string, number>, se: Record<string, number | null> | null) => (
    <table className="table table-compact ins-params">
      <thead>
        <tr>
          <th>{t('insights.predictions.param')}</th>
          <th className="num">{t('insights.predictions.estimate')}</th>
          <th className="num">{t('insights.predictions.standardError')}</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(params)
          .sort(byPaperOrder)
          .map(([k, v]) => (
          <tr key={k} data-param={k}>
            <td className="mono">{paramName(k)}</td>
            <td className="num">{decimal(f, v, 4)}</td>
            <td className="num muted">{se?.[k] === undefined || se[k] === null ? '—' : `± ${decimal(f, se[k], 4)}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <section className="card" data-testid="clv-run-summary">
      <div className="card-head">
        <h2>{t('insights.predictions.run')}</h2>
      </div>
      <dl className="facts ins-facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <div className="ins-params-wrap">
        <div>
          <h3 className="seg-subhead">{t('insights.predictions.paramsFrequency', { model: modelName(t, run.model) })}</h3>
          {table(run.params.frequency, run.standardErrors.frequency)}
        </div>
        <div>
          <h3 className="seg-subhead">{t('insights.predictions.paramsSpend')}</h3>
          {run.params.spend ? table(run.params.spend, run.standardErrors.spend) : <p className="muted small">{t('insights.predictions.paramsSpendNone')}</p>}
        </div>
      </div>
    </section>
  );
}

function RiskList() {
  const { t } = useTranslation();
  const f = useFormat();
  const [risk, setRisk] = useState<ChurnRisk[]>(['high', 'medium']);
  const [minText, setMinText] = useState('');
  const [page, setPage] = useState(0);
  const min = /^\d+$/.test(minText.trim()) ? Number(minText.trim()) : undefined;
  const list = useChurnRisk({ risk, minFrequency: min, limit: PAGE_SIZE, offset: page * PAGE_SIZE });
  const items = risk.length > 0 ? (list.data?.items ?? []) : [];
  const total = list.data?.total ?? 0;
  const toggle = (r: ChurnRisk) => {
    setPage(0);
    setRisk((now) => (now.includes(r) ? now.filter((x) => x !== r) : CHURN_RISKS.filter((x) => x === r || now.includes(x))));
  };
  return (
    <section className="card" data-testid="churn-list">
      <div className="card-head">
        <h2>{t('insights.predictions.list')}</h2>
        <span className="muted small">{t('insights.predictions.listNote')}</span>
      </div>
      <div className="ins-filters">
        <div className="seg-tabs" role="group" aria-label={t('insights.predictions.filterRisk')}>
          <span className="muted small">{t('insights.predictions.filterRisk')}</span>
          {CHURN_RISKS.map((r) => (
            <button
              key={r}
              type="button"
              aria-pressed={risk.includes(r)}
              className={risk.includes(r) ? 'seg-tab active' : 'seg-tab'}
              data-testid={`risk-chip-${r}`}
              onClick={() => toggle(r)}
            >
              {t(`insights.predictions.riskLong.${r}`)}
            </button>
          ))}
        </div>
        <label className="ins-min">
          <span className="muted small">{t('insights.predictions.minFrequency')}</span>
          <input
            name="minFrequency"
            inputMode="numeric"
            value={minText}
            onChange={(e) => {
              setPage(0);
              setMinText(e.target.value);
            }}
          />
        </label>
      </div>
      {risk.length === 0 ? (
        <Empty title={t('insights.predictions.pickBand')} />
      ) : list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <Empty title={t('insights.predictions.noneMatch')} />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-compact" data-testid="churn-table">
              <thead>
                <tr>
                  <th>{t('insights.predictions.customer')}</th>
                  <th>{t('insights.predictions.churnRisk')}</th>
                  <th className="num">{t('insights.predictions.pAlive')}</th>
                  <th className="num hide-narrow">{t('insights.predictions.repeat')}</th>
                  <th className="num">{t('insights.predictions.expected')}</th>
                  <th className="num hide-narrow">{t('insights.predictions.nextPurchase')}</th>
                  <th className="num">{t('insights.predictions.clv')}</th>
                  <th className="num">{t('insights.predictions.spend')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.customerId} data-customer={p.customerId} data-risk={p.churnRisk}>
                    <td>
                      <Link to={`/customers/${p.customerId}`} className="seg-name-link" data-testid="churn-customer">
                        {p.customer ? p.customer.name || t('customer.unnamed') : <span className="mono">{p.customerId.slice(0, 8)}</span>}
                      </Link>
                    </td>
                    <td>
                      <RiskBadge risk={p.churnRisk} />
                    </td>
                    <td className="num" data-testid="p-alive">
                      {f.percent(p.pAlive)}
                    </td>
                    <td className="num hide-narrow">{f.number(p.frequency)}</td>
                    <td className="num" data-testid="expected">
                      {decimal(f, p.expectedPurchases, 2)}
                    </td>
                    <td className="num hide-narrow">
                      {p.expectedDaysToNext === null
                        ? t('insights.predictions.notSoon')
                        : t('insights.predictions.nextIn', { days: decimal(f, p.expectedDaysToNext, 0) })}
                    </td>
                    <td className="num" data-testid="clv">
                      {fen(f, p.clvFen)}
                    </td>
                    <td className="num" data-testid="spend">
                      {fen(f, p.spendFen)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            <span className="muted small" data-testid="churn-page">
              {t('insights.predictions.page', {
                from: f.number(page * PAGE_SIZE + 1),
                to: f.number(page * PAGE_SIZE + items.length),
                total: f.number(total),
              })}
            </span>
            <span className="pager-buttons">
              <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>
                {t('insights.predictions.prev')}
              </button>
              <button
                type="button"
                className="btn btn-small"
                disabled={(page + 1) * PAGE_SIZE >= total}
                onClick={() => setPage(page + 1)}
                data-testid="churn-next"
              >
                {t('insights.predictions.next')}
              </button>
            </span>
          </div>
        </>
      )}
      <p className="muted small seg-para" data-testid="churn-explain">
        {t('insights.predictions.explain')}
      </p>
    </section>
  );
}
