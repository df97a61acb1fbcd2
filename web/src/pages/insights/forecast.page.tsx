import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useForecast, useForecastSeries, type DbForecast, type ForecastLevel } from '../../api/insights-forecast.api';
import { isApiError } from '../../api/api-client';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { ErrorState, Loading } from '../../components/states';
import { Kpi } from '../segments/seg-parts';
import { decimal } from '../segments/segment-words';
import '../segments/segments.css';
import './insights.css';

const LEVELS: ForecastLevel[] = ['total', 'category', 'sku', 'store'];
const HISTORY = 'rgb(15, 118, 110)';
const FORECAST = '#7c3aed';
/** History drawn next to the forecast: the last 120 days or 52 weeks (the model saw all of it). */
const SHOWN = { day: 120, week: 52 } as const;

/**
 * Demand forecasts: pick a level and a series (the total, a category, a SKU, a store), daily or weekly, and see the
 * history, the forecast with its interval, the model's terms (which Chinese retail holidays it used) and — on
 * request — the rolling-origin backtest against the seasonal naive.
 */
export function ForecastPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const [level, setLevel] = useState<ForecastLevel>('total');
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const [granularity, setGranularity] = useState<'day' | 'week'>('day');
  const [horizonText, setHorizonText] = useState('');
  const [backtest, setBacktest] = useState(true);
  const [holidays, setHolidays] = useState(true);
  const series = useForecastSeries(level === 'total' ? 'sku' : level, level !== 'total');
  const key = level === 'total' ? undefined : (picked ?? series.data?.items[0]?.key);
  const horizon = /^\d+$/.test(horizonText.trim()) ? Number(horizonText.trim()) : undefined;
  const q = useForecast({ level, key, granularity, horizon, backtest, holidays }, level === 'total' || !!key);
  const issues = isApiError(q.error) ? (q.error.body.details?.issues ?? []) : [];

  return (
    <div className="page seg-page ins-page">
      <div className="page-head">
        <div>
          <h1>{t('forecast.title')}</h1>
          <p className="muted">{t('forecast.subtitle')}</p>
        </div>
      </div>
      <section className="card">
        <form className="seg-inline-form" onSubmit={(e) => e.preventDefault()} data-testid="forecast-form">
          <label className="field settings-field">
            <span>{t('forecast.level')}</span>
            <select
              name="level"
              value={level}
              onChange={(e) => {
                setLevel(e.target.value as ForecastLevel);
                setPicked(undefined);
              }}
            >
              {LEVELS.map((l) => (
                <option key={l} value={l}>
                  {t(`forecast.levels.${l}`)}
                </option>
              ))}
            </select>
          </label>
          {level !== 'total' ? (
            <label className="field settings-field ins-series">
              <span>{t('forecast.series')}</span>
              <select name="key" value={key ?? ''} onChange={(e) => setPicked(e.target.value)} disabled={!series.data}>
                {(series.data?.items ?? []).map((s) => (
                  <option key={s.key} value={s.key}>
                    {s.name && s.name !== s.key ? `${s.name} · ${s.key}` : s.key} — {t('forecast.seriesUnits', { units: f.number(s.units) })}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="field settings-field">
            <span>{t('forecast.granularity')}</span>
            <select name="granularity" value={granularity} onChange={(e) => setGranularity(e.target.value as 'day' | 'week')}>
              <option value="day">{t('forecast.daily')}</option>
              <option value="week">{t('forecast.weekly')}</option>
            </select>
          </label>
          <label className="field settings-field seg-narrow">
            <span>{t('forecast.horizon')}</span>
            <input name="horizon" inputMode="numeric" placeholder={granularity === 'day' ? '28' : '12'} value={horizonText} onChange={(e) => setHorizonText(e.target.value)} />
          </label>
          <label className="ins-check">
            <input type="checkbox" name="holidays" checked={holidays} onChange={(e) => setHolidays(e.target.checked)} />
            <span>{t('forecast.holidays')}</span>
          </label>
          <label className="ins-check">
            <input type="checkbox" name="backtest" checked={backtest} onChange={(e) => setBacktest(e.target.checked)} />
            <span>{t('forecast.backtest')}</span>
          </label>
        </form>
      </section>
      {q.isPending || (level !== 'total' && series.isPending) ? (
        <Loading />
      ) : q.isError ? (
        issues.length ? (
          <div className="form-error" role="alert">
            {issues.map((i) => `${i.path}: ${i.message}`).join('; ')}
          </div>
        ) : (
          <ErrorState error={q.error} onRetry={() => void q.refetch()} />
        )
      ) : q.data ? (
        <Result r={q.data} f={f} />
      ) : null}
    </div>
  );
}

const methodName = (t: ReturnType<typeof useTranslation>['t'], m: DbForecast['model']['method']) => t(`forecast.methods.${m}`);

function Result({ r, f }: { r: DbForecast; f: Format }) {
  const { t, i18n } = useTranslation();
  const shown = r.history.slice(-SHOWN[r.granularity]);
  const total = r.forecast.reduce((s, p) => s + p.units, 0);
  const lastYear = r.history.slice(-r.forecast.length).reduce((s, p) => s + p.units, 0);
  const label = (d: string) => (r.granularity === 'day' ? f.day(d) : t('forecast.weekOf', { day: f.day(d) }));
  const option = useMemo(() => {
    const dates = [...shown.map((p) => p.date), ...r.forecast.map((p) => p.date)];
    const pad = <T,>(n: number, v: T) => Array.from({ length: n }, () => v);
    const last = shown.at(-1);
    return {
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, data: [t('forecast.history'), t('forecast.forecast'), t('forecast.interval', { coverage: f.percent(r.model.coverage) })] },
      tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => (v === null || v === undefined ? '—' : decimal(f, v, 1)) },
      xAxis: { type: 'category', data: dates.map(label), boundaryGap: false },
      yAxis: { type: 'value', name: t('forecast.units'), nameTextStyle: { align: 'left' } },
      series: [
        { type: 'line', name: t('forecast.history'), showSymbol: false, itemStyle: { color: HISTORY }, data: [...shown.map((p) => p.units), ...pad(r.forecast.length, null)] },
        // The interval as a band: an invisible lower line and the width stacked on it.
        {
          type: 'line',
          name: 'lower',
          stack: 'interval',
          showSymbol: false,
          silent: true,
          lineStyle: { opacity: 0 },
          tooltip: { show: false },
          data: [...pad(shown.length - 1, null), last?.units ?? null, ...r.forecast.map((p) => p.lower)],
        },
        {
          type: 'line',
          name: t('forecast.interval', { coverage: f.percent(r.model.coverage) }),
          stack: 'interval',
          showSymbol: false,
          silent: true,
          lineStyle: { opacity: 0 },
          itemStyle: { color: FORECAST },
          areaStyle: { color: FORECAST, opacity: 0.15 },
          data: [...pad(shown.length - 1, null), 0, ...r.forecast.map((p) => p.upper - p.lower)],
        },
        {
          type: 'line',
          name: t('forecast.forecast'),
          showSymbol: false,
          itemStyle: { color: FORECAST },
          lineStyle: { type: 'dashed' },
          data: [...pad(shown.length - 1, null), last?.units ?? null, ...r.forecast.map((p) => p.units)],
        },
      ],
    };
  }, [r, shown, f, t]);
  const b = r.backtest;
  return (
    <>
      <section className="kpis" aria-label={t('forecast.title')}>
        <Kpi
          label={t('forecast.kpiTotal', { n: f.number(r.horizon), unit: t(`forecast.unit.${r.granularity}`) })}
          value={decimal(f, total, 0)}
          note={t('forecast.kpiTotalNote', { last: decimal(f, lastYear, 0) })}
          testId="forecast-total"
        />
        <Kpi label={t('forecast.kpiMethod')} value={methodName(t, r.model.method)} note={t('forecast.kpiMethodNote', { periods: f.number(r.model.periods) })} testId="forecast-method" small />
        <Kpi
          label={t('forecast.kpiMase')}
          value={b && b.mase !== null ? decimal(f, b.mase, 2) : '—'}
          note={b && b.maseNaive !== null ? t('forecast.kpiMaseNote', { naive: decimal(f, b.maseNaive, 2), origins: f.number(b.origins) }) : t('forecast.kpiMaseNone')}
          testId="forecast-mase"
        />
        <Kpi
          label={t('forecast.kpiRatio')}
          value={b && b.ratio !== null ? decimal(f, b.ratio, 2) : '—'}
          note={b && b.ratio !== null ? (b.ratio < 1 ? t('forecast.beats') : t('forecast.doesNotBeat')) : t('forecast.kpiMaseNone')}
          testId="forecast-ratio"
        />
      </section>
      <section className="card" data-testid="forecast-chart">
        <div className="card-head">
          <h2>{r.key ?? t('forecast.levels.total')}</h2>
          <span className="muted small">{t('forecast.seen', { from: f.day(r.from), to: f.day(r.to) })}</span>
        </div>
        <Chart option={option} label={t('forecast.title')} height={360} />
        <p className="muted small seg-para" data-testid="forecast-terms">
          {r.model.holidays.length > 0
            ? t('forecast.termsHolidays', { holidays: r.model.holidays.map((h) => t(`forecast.holiday.${h}`, { defaultValue: h })).join('、') })
            : t('forecast.termsNoHolidays')}
          {/* The model's notes (why a term was left out) are the server's, in English: not mixed into a Chinese page. */}
          {r.model.notes.length > 0 && i18n.language === 'en' ? ` ${r.model.notes.join(' ')}` : ''}
        </p>
      </section>
      {b && b.byOrigin.length > 0 ? (
        <section className="card" data-testid="forecast-backtest">
          <div className="card-head">
            <h2>{t('forecast.backtestTitle')}</h2>
            <span className="muted small">{t('forecast.backtestNote', { horizon: f.number(b.horizon), season: f.number(b.seasonalPeriod) })}</span>
          </div>
          <div className="table-wrap">
            <table className="table table-compact">
              <thead>
                <tr>
                  <th>{t('forecast.origin')}</th>
                  <th className="num">{t('forecast.trainPeriods')}</th>
                  <th>{t('forecast.method')}</th>
                  <th className="num">MASE</th>
                  <th className="num">{t('forecast.maseNaive')}</th>
                  <th className="num">sMAPE</th>
                </tr>
              </thead>
              <tbody>
                {b.byOrigin.map((o) => (
                  <tr key={o.date} data-origin={o.date}>
                    <td>{label(o.date)}</td>
                    <td className="num">{f.number(o.trainPeriods)}</td>
                    <td>{t(`forecast.methods.${o.method}`, { defaultValue: o.method })}</td>
                    <td className="num">{o.mase === null ? '—' : decimal(f, o.mase, 2)}</td>
                    <td className="num">{o.maseNaive === null ? '—' : decimal(f, o.maseNaive, 2)}</td>
                    <td className="num">{decimal(f, o.smape, 1)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
