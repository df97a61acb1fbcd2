import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useLatestClusters, useRunClusters, type ClusterRun } from '../../api/segments.api';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import { CLUSTER_COLORS as PALETTE, clusterName, decimal, featureName } from './segment-words';
import { Kpi, RunForm } from './seg-parts';
import './segments.css';

/** Clusters: run k-means (k chosen or by silhouette, a seed), then each cluster's profile, size and what sets it apart. */
export function ClustersPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const latest = useLatestClusters();
  const run = latest.data;

  return (
    <div className="page seg-page">
      <div className="page-head">
        <div>
          <h1>{t('segments.clusters.title')}</h1>
          <p className="muted" data-testid="cluster-run">
            {run
              ? t('segments.clusters.runInfo', {
                  asOf: f.day(run.asOf),
                  customers: f.number(run.customers),
                  k: run.k,
                  how: run.chosenBy === 'silhouette' ? t('segments.clusters.bySilhouette') : t('segments.clusters.given'),
                  seed: run.seed,
                  at: f.dateTime(run.createdAt),
                })
              : t('segments.clusters.subtitle')}
          </p>
        </div>
      </div>
      {can(me, 'segments:admin') ? <ClusterRunForm /> : null}
      {latest.isPending ? (
        <Loading />
      ) : latest.isError ? (
        <ErrorState error={latest.error} onRetry={() => void latest.refetch()} />
      ) : !run ? (
        <section className="card">
          <Empty title={t('segments.clusters.none')}>{can(me, 'segments:admin') ? t('segments.clusters.noneHint') : t('segments.clusters.noneAsk')}</Empty>
        </section>
      ) : run.clusters.length === 0 ? (
        <section className="card">
          <Empty title={t('segments.clusters.noCustomers')} />
        </section>
      ) : (
        <Profiles run={run} />
      )}
    </div>
  );
}

function ClusterRunForm() {
  const { t } = useTranslation();
  const runs = useRunClusters();
  const [mode, setMode] = useState<'auto' | 'k'>('auto');
  const [k, setK] = useState('5');
  const [seed, setSeed] = useState('');
  return (
    <RunForm
      onSubmit={() => {
        const s = seed.trim() === '' ? undefined : Number(seed);
        runs.mutate({ ...(mode === 'k' ? { k: Number(k) } : {}), ...(s !== undefined ? { seed: s } : {}) });
      }}
      busy={runs.isPending}
      label={t('segments.clusters.run')}
      busyLabel={t('segments.clusters.running')}
      note={t('segments.clusters.runNote')}
      testId="cluster-run-button"
      error={runs.error}
      fields={
        <>
          <label className="field settings-field">
            <span>{t('segments.clusters.k')}</span>
            <select name="kMode" value={mode} onChange={(e) => setMode(e.target.value as 'auto' | 'k')}>
              <option value="auto">{t('segments.clusters.auto')}</option>
              <option value="k">{t('segments.clusters.chosen')}</option>
            </select>
          </label>
          {mode === 'k' ? (
            <label className="field settings-field seg-narrow">
              <span>{t('segments.clusters.kValue')}</span>
              <input name="k" inputMode="numeric" value={k} onChange={(e) => setK(e.target.value)} />
            </label>
          ) : null}
          <label className="field settings-field seg-narrow">
            <span>{t('segments.clusters.seed')}</span>
            <input name="seed" inputMode="numeric" value={seed} placeholder={t('segments.clusters.seedDefault')} onChange={(e) => setSeed(e.target.value)} />
          </label>
        </>
      }
    />
  );
}

function Profiles({ run }: { run: ClusterRun }) {
  const { t } = useTranslation();
  const f = useFormat();
  const radar = useRadar(run, f);
  const sizes = useSizes(run, f);
  return (
    <>
      <section className="kpis">
        <Kpi label={t('segments.clusters.customers')} value={f.number(run.customers)} />
        <Kpi label={t('segments.clusters.kLabel')} value={String(run.k)} note={run.chosenBy === 'silhouette' ? t('segments.clusters.bySilhouette') : t('segments.clusters.given')} />
        <Kpi label={t('segments.clusters.silhouette')} value={decimal(f, run.silhouette, 2)} note={t('segments.clusters.silhouetteNote')} />
        <Kpi label={t('segments.clusters.features')} value={f.number(run.features.length)} />
      </section>
      <div className="grid-2 grid-wide-left">
        <section className="card">
          <div className="card-head">
            <h2>{t('segments.clusters.profiles')}</h2>
            <span className="muted small">{t('segments.clusters.profilesNote')}</span>
          </div>
          <Chart option={radar} label={t('segments.clusters.profiles')} height={420} />
        </section>
        <section className="card">
          <div className="card-head">
            <h2>{t('segments.clusters.sizes')}</h2>
          </div>
          <Chart option={sizes} label={t('segments.clusters.sizes')} height={Math.max(200, 44 * run.clusters.length + 40)} />
          {run.silhouetteByK.length > 1 ? (
            <>
              <h3 className="seg-subhead">{t('segments.clusters.silhouetteByK')}</h3>
              <table className="table table-compact" data-testid="silhouette-by-k">
                <tbody>
                  {run.silhouetteByK.map((s) => (
                    <tr key={s.k} className={s.k === run.k ? 'seg-row-chosen' : undefined}>
                      <td>k = {s.k}</td>
                      <td className="num">{decimal(f, s.silhouette, 3)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </section>
      </div>
      <div className="seg-cluster-grid" data-testid="cluster-cards">
        {run.clusters.map((c) => (
          <article key={c.cluster} className="card seg-cluster" data-cluster={c.cluster}>
            <div className="seg-cluster-head">
              <span className="seg-dot" style={{ background: PALETTE[c.cluster % PALETTE.length] }} />
              <h3 data-testid="cluster-name">{clusterName(t, c)}</h3>
            </div>
            <div className="seg-class-figures">
              <div>
                <div className="kpi-label">{t('segments.clusters.size')}</div>
                <div className="seg-big" data-testid="cluster-size">
                  {f.number(c.size)}
                </div>
                <div className="muted small">{t('segments.rfm.ofCustomers', { share: f.percent(c.share) })}</div>
              </div>
              <div>
                <div className="kpi-label">{t('segments.clusters.silhouette')}</div>
                <div className="seg-big">{decimal(f, c.silhouette, 2)}</div>
              </div>
            </div>
            <h4 className="seg-subhead">{t('segments.clusters.distinguishing')}</h4>
            <ul className="seg-features">
              {c.distinguishing.map((d) => (
                <li key={d.feature}>
                  <span className={d.direction === 'high' ? 'seg-dir seg-dir-high' : 'seg-dir seg-dir-low'}>{d.direction === 'high' ? '▲' : '▼'}</span>
                  <span className="seg-feature-name">{featureName(t, d.feature, d.label)}</span>
                  <span className="muted small nowrap">
                    {featureValue(t, f, run, d.feature, d.value)} · z {d.z > 0 ? '+' : ''}
                    {decimal(f, d.z, 2)}
                  </span>
                </li>
              ))}
            </ul>
            <Link className="seg-link small" to={`/segments/${c.segmentCode}`}>
              {t('segments.rfm.openSegment')}
            </Link>
          </article>
        ))}
      </div>
    </>
  );
}

/** A feature's centroid value in its unit: shares as percents, yuan as money, days and counts as numbers. */
function featureValue(t: (k: string, o?: Record<string, unknown>) => string, f: Format, run: ClusterRun, key: string, value: number): string {
  const unit = run.features.find((x) => x.key === key)?.unit;
  if (unit === 'share') return f.percent(value);
  if (unit === 'yuan') return f.money(Math.round(value * 100) / 100);
  if (unit === 'days') return t('segments.rfm.days', { days: decimal(f, value) });
  if (unit === 'ratio') return `× ${decimal(f, value, 2)}`;
  return decimal(f, value);
}

function useRadar(run: ClusterRun, f: Format) {
  const { t } = useTranslation();
  return useMemo(() => {
    const extent = Math.max(1, Math.ceil(Math.max(...run.clusters.flatMap((c) => Object.values(c.centroid).map((v) => Math.abs(v.z))))));
    return {
      legend: { bottom: 0, type: 'scroll', itemWidth: 12, itemHeight: 8 },
      tooltip: { trigger: 'item' },
      radar: {
        radius: '62%',
        center: ['50%', '47%'],
        indicator: run.features.map((x) => ({ name: featureName(t, x.key, x.label), min: -extent, max: extent })),
        axisName: { color: '#3d4b59', fontSize: 11, width: 90, overflow: 'break' },
        splitNumber: 4,
        splitLine: { lineStyle: { color: '#e3e7ec' } },
        splitArea: { areaStyle: { color: ['#fbfcfd', '#f4f6f8'] } },
      },
      series: [
        {
          type: 'radar',
          symbolSize: 4,
          lineStyle: { width: 2 },
          data: run.clusters.map((c) => ({
            name: clusterName(t, c),
            value: run.features.map((x) => Number((c.centroid[x.key]?.z ?? 0).toFixed(2))),
            areaStyle: { opacity: 0.06 },
          })),
          tooltip: { valueFormatter: (v: number) => `z ${decimal(f, v, 2)}` },
        },
      ],
    };
  }, [run, f, t]);
}

function useSizes(run: ClusterRun, f: Format) {
  const { t } = useTranslation();
  return useMemo(
    () => ({
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eef0f3' } }, axisLabel: { formatter: (v: number) => f.number(v) } },
      yAxis: { type: 'category', inverse: true, data: run.clusters.map((c) => clusterName(t, c)), axisTick: { show: false } },
      series: [
        {
          type: 'bar',
          name: t('segments.clusters.size'),
          barMaxWidth: 22,
          data: run.clusters.map((c) => ({ value: c.size, itemStyle: { color: PALETTE[c.cluster % PALETTE.length], borderRadius: [0, 4, 4, 0] } })),
          label: { show: true, position: 'right', formatter: (p: { value: number }) => f.number(p.value) },
          tooltip: { valueFormatter: (v: number) => f.number(v) },
        },
      ],
    }),
    [run, f, t],
  );
}
