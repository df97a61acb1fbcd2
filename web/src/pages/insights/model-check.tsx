import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useClvValidation, type ClvRun, type ClvValidation, type FrequencyModel } from '../../api/insights-predictions.api';
import { isApiError } from '../../api/api-client';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { decimal } from '../segments/segment-words';

const ACTUAL = '#0f766e';
const PREDICTED = '#7c3aed';

/** YYYY-MM-DD `days` before `day` (calendar arithmetic on the date alone). */
function daysBefore(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/**
 * Does the model predict what happened? The model is fitted on the orders up to a calibration end and its forecast
 * of each customer's purchases is set against what they bought up to the holdout end: mean holdout purchases by
 * calibration frequency, and cumulative repeat purchases week by week (POST /insights/clv/validation; writes nothing).
 * Defaults: the latest run's as-of date as the holdout end, 26 weeks before it as the calibration end.
 */
export function ModelCheck({ run }: { run: ClvRun }) {
  const { t } = useTranslation();
  const f = useFormat();
  const check = useClvValidation();
  const [holdoutEnd, setHoldoutEnd] = useState(run.asOf.slice(0, 10));
  const [calibrationEnd, setCalibrationEnd] = useState(daysBefore(run.asOf.slice(0, 10), 26 * 7));
  const [model, setModel] = useState<FrequencyModel>(run.model);
  const issues = isApiError(check.error) ? (check.error.body.details?.issues ?? []) : [];
  const report = check.data;
  return (
    <section className="card" data-testid="clv-check">
      <div className="card-head">
        <h2>{t('clvCheck.title')}</h2>
        <span className="muted small">{t('clvCheck.note')}</span>
      </div>
      <form
        className="seg-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          check.mutate({ calibrationEnd, holdoutEnd, model, period: run.period });
        }}
      >
        <label className="field settings-field">
          <span>{t('clvCheck.calibrationEnd')}</span>
          <input type="date" name="calibrationEnd" value={calibrationEnd} onChange={(e) => setCalibrationEnd(e.target.value)} required />
        </label>
        <label className="field settings-field">
          <span>{t('clvCheck.holdoutEnd')}</span>
          <input type="date" name="holdoutEnd" value={holdoutEnd} onChange={(e) => setHoldoutEnd(e.target.value)} required />
        </label>
        <label className="field settings-field">
          <span>{t('insights.predictions.model')}</span>
          <select name="checkModel" value={model} onChange={(e) => setModel(e.target.value as FrequencyModel)}>
            <option value="bgnbd">{t('insights.predictions.modelName.bgnbd')}</option>
            <option value="pareto">{t('insights.predictions.modelName.pareto')}</option>
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={check.isPending} data-testid="clv-check-button">
          {check.isPending ? t('clvCheck.running') : t('clvCheck.run')}
        </button>
      </form>
      {check.error ? (
        <div className="form-error" role="alert">
          {issues.length ? issues.map((i) => `${i.path}: ${i.message}`).join('; ') : check.error instanceof Error ? check.error.message : String(check.error)}
        </div>
      ) : null}
      {report ? <Report r={report} f={f} /> : <p className="muted small seg-para">{t('clvCheck.explain')}</p>}
    </section>
  );
}

function Report({ r, f }: { r: ClvValidation; f: Format }) {
  const { t } = useTranslation();
  const last = r.tracking.at(-1);
  const calibrationWeeks = Math.round(r.tracking.length - r.holdoutPeriods * (r.period === 'week' ? 1 : 1 / 7));
  const byFrequency = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => decimal(f, v, 2) },
      xAxis: { type: 'category', data: r.byFrequency.map((b) => b.frequency) },
      yAxis: { type: 'value', name: t('clvCheck.purchasesAxis'), nameTextStyle: { align: 'left' } },
      series: [
        { type: 'bar', name: t('clvCheck.actual'), itemStyle: { color: ACTUAL }, barMaxWidth: 28, data: r.byFrequency.map((b) => b.actual) },
        { type: 'bar', name: t('clvCheck.predicted'), itemStyle: { color: PREDICTED }, barMaxWidth: 28, data: r.byFrequency.map((b) => b.predicted) },
      ],
    }),
    [r, f, t],
  );
  const tracking = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => decimal(f, v, 0) },
      xAxis: { type: 'category', data: r.tracking.map((w) => t('clvCheck.week', { n: w.week })) },
      yAxis: { type: 'value', name: t('clvCheck.cumulativeAxis'), nameTextStyle: { align: 'left' } },
      series: [
        {
          type: 'line',
          name: t('clvCheck.actual'),
          showSymbol: false,
          itemStyle: { color: ACTUAL },
          data: r.tracking.map((w) => w.actual),
          markLine:
            calibrationWeeks > 0 && calibrationWeeks < r.tracking.length
              ? { symbol: 'none', silent: true, lineStyle: { type: 'dashed', color: '#94a3b8' }, label: { formatter: t('clvCheck.calibrationEndMark') }, data: [{ xAxis: t('clvCheck.week', { n: r.tracking[calibrationWeeks - 1]!.week }) }] }
              : undefined,
        },
        { type: 'line', name: t('clvCheck.predicted'), showSymbol: false, lineStyle: { type: 'dashed' }, itemStyle: { color: PREDICTED }, data: r.tracking.map((w) => w.predicted) },
      ],
    }),
    [r, f, t, calibrationWeeks],
  );
  return (
    <>
      <dl className="facts ins-facts" data-testid="clv-check-facts">
        <div>
          <dt>{t('clvCheck.customers')}</dt>
          <dd>{f.number(r.customers)}</dd>
        </div>
        <div>
          <dt>{t('clvCheck.totals')}</dt>
          <dd data-testid="clv-check-totals">
            {t('clvCheck.totalsValue', { actual: f.number(r.totals.actual), predicted: decimal(f, r.totals.predicted, 0) })}
          </dd>
        </div>
        <div>
          <dt>{t('clvCheck.mae')}</dt>
          <dd data-testid="clv-check-mae">{decimal(f, r.mae, 3)}</dd>
        </div>
        <div>
          <dt>{t('clvCheck.trackingMae')}</dt>
          <dd>{last ? t('clvCheck.trackingMaeValue', { mae: decimal(f, r.trackingMae, 1), share: f.percent(last.actual > 0 ? r.trackingMae / last.actual : 0) }) : '—'}</dd>
        </div>
        <div>
          <dt>{t('insights.predictions.runLogLik')}</dt>
          <dd>{decimal(f, r.logLik, 2)}</dd>
        </div>
      </dl>
      <div className="grid-2">
        <div>
          <h3 className="seg-subhead">{t('clvCheck.byFrequency')}</h3>
          <Chart option={byFrequency} label={t('clvCheck.byFrequency')} height={300} />
          <table className="table table-compact" data-testid="clv-check-buckets">
            <thead>
              <tr>
                <th>{t('clvCheck.frequencyAxis')}</th>
                <th className="num">{t('clvCheck.customers')}</th>
                <th className="num">{t('clvCheck.actual')}</th>
                <th className="num">{t('clvCheck.predicted')}</th>
              </tr>
            </thead>
            <tbody>
              {r.byFrequency.map((b) => (
                <tr key={b.frequency} data-frequency={b.frequency}>
                  <td>{b.frequency}</td>
                  <td className="num">{f.number(b.customers)}</td>
                  <td className="num">{decimal(f, b.actual, 3)}</td>
                  <td className="num">{decimal(f, b.predicted, 3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h3 className="seg-subhead">{t('clvCheck.tracking')}</h3>
          <Chart option={tracking} label={t('clvCheck.tracking')} height={300} />
          <p className="muted small seg-para">{t('clvCheck.trackingNote')}</p>
        </div>
      </div>
    </>
  );
}
