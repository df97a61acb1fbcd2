import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useChurnExplanation, useLatestChurnModel, useTrainChurnModel, type ChurnFeature, type ChurnModelRun } from '../../api/insights-churn-model.api';
import { isApiError } from '../../api/api-client';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import { Kpi } from '../segments/seg-parts';
import { decimal } from '../segments/segment-words';

const MODEL = '#0f766e';
const BASELINE = '#f59e0b';
const UP = '#c0362c';
const DOWN = '#0f766e';

const featureName = (t: TFunction, f: ChurnFeature) => t(`churnModel.feature.${f}`);

/**
 * The supervised churn model on the Churn & CLV page: train (insights:admin), then how it did out of time against
 * BG/NBD — AUC, Brier, calibration (predicted vs observed churn per tenth of the probability) — and what it learned
 * (log-odds per standard deviation of each feature).
 */
export function ChurnModelCard() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'insights:admin');
  const latest = useLatestChurnModel();
  const run = latest.data ?? null;
  return (
    <section className="card" data-testid="churn-model">
      <div className="card-head">
        <h2>{t('churnModel.title')}</h2>
        <span className="muted small">{run ? runText(t, f, run) : t('churnModel.note')}</span>
      </div>
      {admin ? <TrainForm /> : null}
      {latest.isPending ? (
        <Loading />
      ) : latest.isError ? (
        <ErrorState error={latest.error} onRetry={() => void latest.refetch()} />
      ) : !run ? (
        <Empty title={t('churnModel.none')}>{admin ? t('churnModel.noneHint') : t('churnModel.noneAsk')}</Empty>
      ) : (
        <Evaluation run={run} f={f} />
      )}
    </section>
  );
}

function runText(t: TFunction, f: Format, run: ChurnModelRun): string {
  return t('churnModel.runInfo', {
    asOf: f.day(run.asOf),
    horizon: f.number(run.horizonDays),
    customers: f.number(run.customers),
    at: f.dateTime(run.createdAt),
  });
}

function TrainForm() {
  const { t } = useTranslation();
  const train = useTrainChurnModel();
  const [asOf, setAsOf] = useState('');
  const [horizon, setHorizon] = useState('90');
  const issues = isApiError(train.error) ? (train.error.body.details?.issues ?? []) : [];
  return (
    <>
      <form
        className="seg-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const horizonDays = horizon.trim() === '' ? undefined : Number(horizon);
          train.mutate({ ...(asOf ? { asOf } : {}), ...(horizonDays !== undefined ? { horizonDays } : {}) });
        }}
      >
        <label className="field settings-field">
          <span>{t('insights.predictions.asOf')}</span>
          <input type="date" name="churnAsOf" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
        </label>
        <label className="field settings-field seg-narrow">
          <span>{t('churnModel.horizon')}</span>
          <input name="churnHorizon" inputMode="numeric" value={horizon} onChange={(e) => setHorizon(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={train.isPending} data-testid="churn-model-train">
          {train.isPending ? t('churnModel.training') : t('churnModel.train')}
        </button>
        <span className="muted small seg-form-note">{t('churnModel.trainNote')}</span>
      </form>
      {train.error ? (
        <div className="form-error" role="alert">
          {issues.length ? issues.map((i) => `${i.path}: ${i.message}`).join('; ') : train.error instanceof Error ? train.error.message : String(train.error)}
        </div>
      ) : null}
    </>
  );
}

function Evaluation({ run, f }: { run: ChurnModelRun; f: Format }) {
  const { t } = useTranslation();
  const ev = run.evaluation;
  const base = ev.baseline;
  const auc = (v: number | null) => (v === null ? '—' : decimal(f, v, 3));
  const calibration = useMemo(() => {
    const points = (bins: typeof ev.model.calibration) =>
      bins.filter((b) => b.predicted !== null && b.observed !== null && b.customers > 0).map((b) => [b.predicted!, b.observed!, b.customers]);
    return {
      grid: { left: 8, right: 16, top: 36, bottom: 24, containLabel: true },
      legend: { top: 0 },
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; value: number[] }) =>
          t('churnModel.binTip', { model: p.seriesName, predicted: f.percent(p.value[0]!), observed: f.percent(p.value[1]!), customers: f.number(p.value[2] ?? 0) }),
      },
      xAxis: { type: 'value', min: 0, max: 1, name: t('churnModel.predictedAxis'), nameLocation: 'middle', nameGap: 24, axisLabel: { formatter: (v: number) => f.percent(v) } },
      yAxis: { type: 'value', min: 0, max: 1, name: t('churnModel.observedAxis'), nameTextStyle: { align: 'left' }, axisLabel: { formatter: (v: number) => f.percent(v) } },
      series: [
        { type: 'line', name: t('churnModel.perfect'), data: [[0, 0], [1, 1]], showSymbol: false, silent: true, lineStyle: { type: 'dotted', color: '#94a3b8' }, itemStyle: { color: '#94a3b8' } },
        { type: 'line', name: t('churnModel.model'), data: points(ev.model.calibration), itemStyle: { color: MODEL }, symbolSize: 8 },
        ...(base ? [{ type: 'line', name: t('churnModel.baseline'), data: points(base.calibration), itemStyle: { color: BASELINE }, lineStyle: { type: 'dashed' }, symbolSize: 8 }] : []),
      ],
    };
  }, [ev, base, f, t]);
  const features = [...run.model.features].sort((a, b) => a.coefficient - b.coefficient);
  const coefficients = useMemo(
    () => ({
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => decimal(f, v, 3) },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: features.map((x) => featureName(t, x.feature)), axisLabel: { width: 190, overflow: 'truncate' } },
      series: [
        {
          type: 'bar',
          name: t('churnModel.coefficient'),
          barMaxWidth: 16,
          data: features.map((x) => ({ value: x.coefficient, itemStyle: { color: x.coefficient >= 0 ? UP : DOWN } })),
        },
      ],
    }),
    [features, f, t],
  );
  return (
    <>
      <section className="kpis" aria-label={t('churnModel.title')}>
        <Kpi
          label={t('churnModel.aucModel')}
          value={auc(ev.model.auc)}
          note={t('churnModel.aucNote', { customers: f.number(ev.model.customers), churners: f.number(ev.model.churners) })}
          testId="churn-model-auc"
        />
        <Kpi label={t('churnModel.aucBaseline')} value={auc(base?.auc ?? null)} note={t('churnModel.aucBaselineNote')} testId="churn-baseline-auc" />
        <Kpi
          label={t('churnModel.brier')}
          value={decimal(f, ev.model.brier, 3)}
          note={base ? t('churnModel.brierNote', { baseline: decimal(f, base.brier, 3) }) : t('churnModel.brierNoBaseline')}
          testId="churn-model-brier"
        />
        <Kpi
          label={t('churnModel.split')}
          value={`${f.day(ev.trainCutoff)} → ${f.day(ev.testCutoff)}`}
          note={t('churnModel.splitNote', { train: f.number(ev.train.customers), horizon: f.number(run.horizonDays) })}
          testId="churn-model-split"
          small
        />
      </section>
      <div className="grid-2">
        <div>
          <h3 className="seg-subhead">{t('churnModel.calibration')}</h3>
          <Chart option={calibration} label={t('churnModel.calibration')} height={320} />
          <p className="muted small seg-para">{t('churnModel.calibrationNote')}</p>
        </div>
        <div>
          <h3 className="seg-subhead">{t('churnModel.coefficients')}</h3>
          <Chart option={coefficients} label={t('churnModel.coefficients')} height={320} />
          <p className="muted small seg-para">{t('churnModel.coefficientsNote')}</p>
        </div>
      </div>
      <table className="sr-only" data-testid="churn-model-coefficients">
        <tbody>
          {run.model.features.map((x) => (
            <tr key={x.feature} data-feature={x.feature}>
              <td>{x.coefficient}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** The 360's "why": the customer's churn probability from the model and the features pushing it up the most. */
export function ChurnFactors({ customerId }: { customerId: string }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const q = useChurnExplanation(customerId);
  if (q.isPending || q.isError || !q.data) return null;
  const e = q.data;
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN';
  const up = e.factors.filter((x) => x.contribution > 0);
  return (
    <div className="ins-factors" data-testid="churn-factors">
      <h3 className="seg-subhead">
        {t('churnModel.why', { probability: f.percent(e.probability), days: f.number(e.horizonDays) })}
      </h3>
      {up.length === 0 ? (
        <p className="muted small">{t('churnModel.whyNone')}</p>
      ) : (
        <ul className="ins-factor-list">
          {up.map((x) => (
            <li key={x.feature} data-feature={x.feature}>
              <span>{x.label[lang]}</span>
              <span className="muted">{t('churnModel.factorValue', { value: decimal(f, x.value, 1), push: decimal(f, x.contribution, 2) })}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
