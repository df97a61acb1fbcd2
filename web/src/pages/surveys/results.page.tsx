import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useSurvey, useSurveyResults, useVerbatims, type Scores, type TrendPoint } from '../../api/surveys.api';
import { useFormat } from '../../format/format';
import { Chart } from '../../components/chart';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { SurveyStatusBadge } from './surveys.page';
import '../service/service.css';
import './surveys.css';

/** NPS runs from −100 to 100: a half-circle gauge, red below 0, amber to 30, green above. */
export function NpsGauge({ score }: { score: number | null }) {
  const v = score === null ? 0 : Math.max(-100, Math.min(100, score));
  const angle = Math.PI * (1 - (v + 100) / 200);
  const r = 80;
  const x = 100 + r * Math.cos(angle);
  const y = 100 - r * Math.sin(angle);
  const arc = (from: number, to: number) => {
    const a0 = Math.PI * (1 - (from + 100) / 200);
    const a1 = Math.PI * (1 - (to + 100) / 200);
    return `M ${100 + r * Math.cos(a0)} ${100 - r * Math.sin(a0)} A ${r} ${r} 0 0 1 ${100 + r * Math.cos(a1)} ${100 - r * Math.sin(a1)}`;
  };
  return (
    <svg viewBox="0 0 200 120" className="sy-gauge" role="img" aria-label={`NPS ${score ?? '—'}`}>
      <path d={arc(-100, 0)} className="sy-gauge-det" />
      <path d={arc(0, 30)} className="sy-gauge-pas" />
      <path d={arc(30, 100)} className="sy-gauge-pro" />
      {score !== null ? <circle cx={x} cy={y} r="7" className="sy-gauge-needle" /> : null}
      <text x="100" y="96" textAnchor="middle" className="sy-gauge-value" data-testid="nps-score">
        {score === null ? '—' : Math.round(score)}
      </text>
      <text x="22" y="116" textAnchor="middle" className="sy-gauge-end">
        −100
      </text>
      <text x="178" y="116" textAnchor="middle" className="sy-gauge-end">
        100
      </text>
    </svg>
  );
}

/** Results: NPS with promoters / passives / detractors, CSAT, response rate, trend by week or month, splits, verbatims. */
export function SurveyResultsPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const survey = useSurvey(id);
  const [step, setStep] = useState<'week' | 'month'>('week');
  const [range, setRange] = useState<'90' | '365'>('90');
  const from = useMemo(() => new Date(Date.now() - Number(range) * 86400_000).toISOString().slice(0, 10), [range]);
  const results = useSurveyResults(id, { from, by: step });
  return (
    <div className="page sv-page">
      <Link to="/surveys" className="back-link">
        <Icon name="back" size={16} />
        {t('surveys.builder.back')}
      </Link>
      <div className="page-head">
        <div>
          <h1>
            {survey.data?.name ?? '…'}
            {survey.data ? <SurveyStatusBadge status={survey.data.status} /> : null}
          </h1>
          <p className="muted">
            {survey.data ? t(`surveys.trigger.${survey.data.trigger}`) : ''}
            {results.data ? ` · ${f2(results.data.from)} – ${f2(results.data.to)}` : ''}
          </p>
        </div>
        <div className="sv-head-actions">
          <div className="segmented" role="group" aria-label={t('surveys.results.range')}>
            {(['90', '365'] as const).map((r) => (
              <button key={r} type="button" className={range === r ? 'active' : ''} onClick={() => setRange(r)} data-range={r}>
                {t(`surveys.results.range_${r}`)}
              </button>
            ))}
          </div>
        </div>
      </div>
      {results.isPending ? (
        <Loading />
      ) : results.isError ? (
        <ErrorState error={results.error} onRetry={() => void results.refetch()} />
      ) : (
        <>
          <Summary r={results.data.total} />
          <section className="card">
            <div className="card-head">
              <h2>{t('surveys.results.trend')}</h2>
              <div className="segmented" role="group" aria-label={t('surveys.results.interval')}>
                {(['week', 'month'] as const).map((x) => (
                  <button key={x} type="button" className={step === x ? 'active' : ''} onClick={() => setStep(x)} data-interval={x}>
                    {t(`surveys.results.${x}`)}
                  </button>
                ))}
              </div>
            </div>
            <Trend points={results.data.trend} />
          </section>
          <div className="grid-2 sy-results-grid">
            <Splits id={id} from={from} />
            <Verbatims id={id} from={from} />
          </div>
        </>
      )}
    </div>
  );
}

/** An instant as the day it falls on. */
const f2 = (iso: string) => iso.slice(0, 10);

function Summary({ r }: { r: Scores }) {
  const { t } = useTranslation();
  const f = useFormat();
  const nps = r.nps;
  const share = (n: number) => (nps.n ? n / nps.n : 0);
  return (
    <section className="sy-summary" data-testid="survey-summary">
      <div className="card sy-nps-card">
        <div className="card-head">
          <h2>NPS</h2>
          <span className="muted small">{t('surveys.results.npsN', { count: nps.n })}</span>
        </div>
        <NpsGauge score={nps.nps} />
        <div className="sy-nps-bar" aria-hidden="true">
          <span className="sy-pro" style={{ width: `${share(nps.promoters) * 100}%` }} />
          <span className="sy-pas" style={{ width: `${share(nps.passives) * 100}%` }} />
          <span className="sy-det" style={{ width: `${share(nps.detractors) * 100}%` }} />
        </div>
        <dl className="sy-nps-legend">
          {(['promoters', 'passives', 'detractors'] as const).map((g) => (
            <div key={g} data-group={g}>
              <dt>
                <i className={`sy-dot sy-${g.slice(0, 3)}`} />
                {t(`surveys.results.${g}`)}
              </dt>
              <dd data-testid={g}>{f.number(nps[g])}</dd>
              <dd className="muted small">{f.percent(share(nps[g]))}</dd>
            </div>
          ))}
        </dl>
      </div>
      <div className="sy-kpi-col">
        <div className="kpi" data-kpi="csat">
          <div className="kpi-label">CSAT</div>
          <div className="kpi-value" data-testid="csat">
            {r.csat.csat === null ? '—' : `${f.number(r.csat.csat)}%`}
          </div>
          <div className="kpi-note">{r.csat.mean === null ? t('surveys.results.noCsat') : t('surveys.results.csatMean', { mean: r.csat.mean.toFixed(2), n: f.number(r.csat.n) })}</div>
        </div>
        <div className="kpi" data-kpi="responses">
          <div className="kpi-label">{t('surveys.results.responses')}</div>
          <div className="kpi-value" data-testid="responses">
            {f.number(r.responses)}
          </div>
          <div className="kpi-note">{t('surveys.results.invited', { n: f.number(r.sent) })}</div>
        </div>
        <div className="kpi" data-kpi="rate">
          <div className="kpi-label">{t('surveys.results.rate')}</div>
          <div className="kpi-value" data-testid="response-rate">
            {r.responseRate === null ? '—' : `${f.number(r.responseRate)}%`}
          </div>
          <div className="sy-rate-track" aria-hidden="true">
            <span style={{ width: `${Math.min(100, r.responseRate ?? 0)}%` }} />
          </div>
        </div>
      </div>
    </section>
  );
}

function Trend({ points }: { points: TrendPoint[] }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 44, right: 44, top: 28, bottom: 44 },
      xAxis: { type: 'category', data: points.map((p) => p.period) },
      yAxis: [
        { type: 'value', name: 'NPS / CSAT %', min: -100, max: 100, splitLine: { lineStyle: { color: '#eef0f3' } } },
        { type: 'value', name: t('surveys.results.responses'), minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        { name: t('surveys.results.responses'), type: 'bar', yAxisIndex: 1, data: points.map((p) => p.responses), itemStyle: { color: '#cfe8e4', borderRadius: [3, 3, 0, 0] }, barMaxWidth: 28 },
        { name: 'NPS', type: 'line', data: points.map((p) => p.nps.nps), smooth: true, symbolSize: 7, lineStyle: { width: 3 }, itemStyle: { color: '#0f766e' }, connectNulls: true },
        { name: 'CSAT %', type: 'line', data: points.map((p) => p.csat.csat), smooth: true, symbolSize: 6, itemStyle: { color: '#f59e0b' }, lineStyle: { type: 'dashed' }, connectNulls: true },
      ],
    }),
    [points, t],
  );
  if (points.length === 0) return <Empty title={t('surveys.results.noTrend')} />;
  return (
    <div data-testid="survey-trend">
      <Chart option={option} label={t('surveys.results.trend')} height={300} />
    </div>
  );
}

function Splits({ id, from }: { id: string; from: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [by, setBy] = useState<'store' | 'guide' | 'segment'>('store');
  const split = useSurveyResults(id, { from, by });
  const rows = split.data?.by === by ? split.data.groups : undefined;
  return (
    <section className="card" data-testid="survey-split">
      <div className="card-head">
        <h2>{t('surveys.results.split')}</h2>
        <div className="segmented" role="group" aria-label={t('surveys.results.split')}>
          {(['store', 'guide', 'segment'] as const).map((x) => (
            <button key={x} type="button" className={by === x ? 'active' : ''} onClick={() => setBy(x)} data-by={x}>
              {t(`surveys.results.by_${x}`)}
            </button>
          ))}
        </div>
      </div>
      {split.isError ? (
        <ErrorState error={split.error} onRetry={() => void split.refetch()} />
      ) : !rows ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty title={t('surveys.results.noSplit')} />
      ) : (
        <div className="table-wrap">
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t(`surveys.results.by_${by}`)}</th>
                <th className="num">{t('surveys.results.responses')}</th>
                <th className="num">NPS</th>
                <th className="num">CSAT</th>
                <th className="num">{t('surveys.results.rate')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={row.key ?? `none-${i}`} data-key={row.key ?? ''}>
                  <td>{row.label ?? row.key ?? <span className="muted">{t('surveys.results.none')}</span>}</td>
                  <td className="num">{f.number(row.responses)}</td>
                  <td className={`num ${row.nps.nps === null ? '' : row.nps.nps >= 30 ? 'positive' : row.nps.nps < 0 ? 'negative' : ''}`}>{row.nps.nps === null ? '—' : f.number(row.nps.nps)}</td>
                  <td className="num">{row.csat.csat === null ? '—' : `${f.number(row.csat.csat)}%`}</td>
                  <td className="num">{row.responseRate === null ? '—' : `${f.number(row.responseRate)}%`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Verbatims({ id, from }: { id: string; from: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useVerbatims(id, { from });
  const items = list.data?.items ?? [];
  return (
    <section className="card" data-testid="survey-verbatims">
      <div className="card-head">
        <h2>{t('surveys.results.verbatims')}</h2>
        <span className="muted small">{t('surveys.results.verbatimCount', { count: items.length })}</span>
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <Empty title={t('surveys.results.noVerbatims')} />
      ) : (
        <ul className="sy-verbatims">
          {items.map((v) => {
            const tone = v.nps !== null ? (v.nps >= 9 ? 'pro' : v.nps >= 7 ? 'pas' : 'det') : v.csat !== null ? (v.csat >= 4 ? 'pro' : v.csat <= 2 ? 'det' : 'pas') : 'none';
            return (
              <li key={v.id} className={`sy-verbatim sy-verbatim-${tone}`} data-testid="verbatim">
                <blockquote>{v.verbatim}</blockquote>
                <div className="muted small">
                  {v.nps !== null ? <span className={`sy-score sy-${tone}`}>NPS {v.nps}</span> : null}
                  {v.csat !== null ? <span className="sy-score">CSAT {v.csat}</span> : null}
                  {v.sentimentLabel ? <span>{t(`surveys.sentiment.${v.sentimentLabel}`, { defaultValue: v.sentimentLabel })}</span> : null}
                  {v.storeCode ? <span>{v.storeCode}</span> : null}
                  <span>{f.date(v.submittedAt)}</span>
                  {v.ticketId ? (
                    <Link to={`/service/tickets/${v.ticketId}`} className="small">
                      {t('surveys.results.ticket')}
                    </Link>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
