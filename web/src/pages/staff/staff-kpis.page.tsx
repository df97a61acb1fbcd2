import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { KPI_METRICS, useLeaderboard, useStaffKpis, type KpiMetric, type KpiRow, type TargetResult } from '../../api/staff-kpis.api';
import { useMe } from '../../auth/session';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat, type Format } from '../../format/format';

/** The ISO week key (2026-W47) of a local calendar date. */
export function isoWeekKey(d: Date): string {
  const day = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const thursday = new Date(day.getTime() + (3 - ((day.getUTCDay() + 6) % 7)) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const lastWeek = () => isoWeekKey(new Date(Date.now() - 7 * 86_400_000));
const lastMonth = () => {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
};

const isRate = (m: KpiMetric) => m.endsWith('Rate') || m === 'csat';

function metricValue(f: Format, m: KpiMetric, v: number | null): string {
  if (v === null) return '—';
  if (m === 'netSalesFen') return f.money(v / 100);
  if (isRate(m)) return `${f.number(v)}%`;
  if (m === 'firstResponseSeconds') return `${f.number(v)} s`;
  return f.number(v);
}

function Target({ r }: { r: TargetResult }) {
  const { t } = useTranslation();
  if (r.met === null) return null;
  return <span className={`badge ${r.met ? 'badge-ok' : 'badge-warn'}`}>{r.met ? t('staffKpis.met') : t('staffKpis.missed')}</span>;
}

/** 门店与导购: KPIs per store with the seeds' targets, a guide leaderboard, over a chosen week or month. */
export function StaffKpisPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const me = useMe();
  const boundStore = me.data?.staff && ['guide', 'store_manager'].includes(me.data.staff.role) ? (me.data.staff.storeCode ?? '') : null;
  const [kind, setKind] = useState<'week' | 'month'>('week');
  const [week, setWeek] = useState(lastWeek);
  const [month, setMonth] = useState(lastMonth);
  const [store, setStore] = useState('');
  const period = kind === 'week' ? week : month;
  const stores = useStaffKpis({ period, groupBy: 'store', store: boundStore ?? undefined });
  const guides = useStaffKpis({ period, groupBy: 'guide', store: boundStore ?? (store || undefined) });
  const codes = stores.data?.items.map((s) => s.key) ?? [];

  return (
    <div className="page" data-testid="staff-kpis-page">
      <div className="page-head">
        <div>
          <h1>{t('staffKpis.title')}</h1>
          <p className="muted">
            {t('staffKpis.subtitle')}
            {stores.data ? ` · ${f.date(stores.data.from)} – ${f.date(stores.data.to)} (${t('staffKpis.endExcluded')})` : ''}
          </p>
        </div>
        <div className="toolbar" style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
          <div className="segmented" role="group" aria-label={t('staffKpis.period')}>
            {(['week', 'month'] as const).map((k) => (
              <button key={k} type="button" className={kind === k ? 'active' : ''} onClick={() => setKind(k)} data-kind={k}>
                {t(`staffKpis.${k}`)}
              </button>
            ))}
          </div>
          {kind === 'week' ? (
            <input type="week" className="input" value={week} onChange={(e) => e.target.value && setWeek(e.target.value)} aria-label={t('staffKpis.week')} />
          ) : (
            <input type="month" className="input" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} aria-label={t('staffKpis.month')} />
          )}
          {boundStore === null ? (
            <select className="input" value={store} onChange={(e) => setStore(e.target.value)} aria-label={t('staffKpis.store')}>
              <option value="">{t('staffKpis.allStores')}</option>
              {codes.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          ) : (
            <span className="badge">{boundStore || '—'}</span>
          )}
        </div>
      </div>
      {stores.isPending ? (
        <Loading />
      ) : stores.isError ? (
        <ErrorState error={stores.error} onRetry={() => void stores.refetch()} />
      ) : stores.data.items.length === 0 ? (
        <Empty title={t('staffKpis.noStores')} />
      ) : (
        <>
          <section className="card">
            <div className="card-head">
              <h2>{t('staffKpis.stores')}</h2>
              <span className="muted small">{t('staffKpis.targetsNote')}</span>
            </div>
            <KpiTable rows={store ? stores.data.items.filter((s) => s.key === store) : stores.data.items} first={t('staffKpis.store')} name={(r) => r.key} />
          </section>
          <div className="grid-2" style={{ marginTop: 16 }}>
            <TargetChart rows={stores.data.items} />
            <LeaderboardCard period={period} store={boundStore ?? (store || undefined)} />
          </div>
          <section className="card" style={{ marginTop: 16 }}>
            <div className="card-head">
              <h2>{t('staffKpis.guides')}</h2>
            </div>
            {guides.isPending ? (
              <Loading />
            ) : guides.isError ? (
              <ErrorState error={guides.error} onRetry={() => void guides.refetch()} />
            ) : guides.data.items.length === 0 ? (
              <Empty title={t('staffKpis.noGuides')} />
            ) : (
              <KpiTable rows={guides.data.items} first={t('staffKpis.guide')} name={(r) => `${r.displayName ?? r.username} · ${r.storeCode ?? '—'}`} />
            )}
          </section>
        </>
      )}
    </div>
  );
}

function KpiTable({ rows, first, name }: { rows: KpiRow[]; first: string; name: (r: KpiRow) => string }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <div className="table-wrap">
      <table className="table table-compact" data-testid="kpi-table">
        <thead>
          <tr>
            <th>{first}</th>
            <th className="num">{t('staffKpis.m.customersServed')}</th>
            <th className="num">{t('staffKpis.m.netSalesFen')}</th>
            <th className="num">{t('staffKpis.m.memberEnrolments')}</th>
            <th className="num">{t('staffKpis.m.repurchaseRate')}</th>
            <th className="num">{t('staffKpis.m.referralRate')}</th>
            <th className="num">{t('staffKpis.m.csat')} ≥ 90%</th>
            <th className="num">NPS</th>
            <th className="num">{t('staffKpis.m.couponRedemptions')}</th>
            <th className="num">{t('staffKpis.m.firstResponseSeconds')} ≤ 60 s</th>
            <th className="num">{t('staffKpis.m.resolutionRate')} ≥ 90%</th>
            <th className="num">{t('staffKpis.m.taskCompletionRate')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-key={r.key}>
              <td>{name(r)}</td>
              <td className="num">{f.number(r.customersServed)}</td>
              <td className="num">{f.money(r.netSalesFen / 100)}</td>
              <td className="num">{f.number(r.memberEnrolments)}</td>
              <td className="num">{metricValue(f, 'repurchaseRate', r.repurchaseRate)}</td>
              <td className="num">{metricValue(f, 'referralRate', r.referralRate)}</td>
              <td className="num" title={t('staffKpis.responses', { count: r.csatResponses })}>
                {metricValue(f, 'csat', r.csat)}
                <Target r={r.targets.csat} />
              </td>
              <td className="num">{r.nps === null ? '—' : f.number(r.nps)}</td>
              <td className="num">{f.number(r.couponRedemptions)}</td>
              <td className="num" title={t('staffKpis.ticketsN', { count: r.tickets })}>
                {metricValue(f, 'firstResponseSeconds', r.firstResponseSeconds)}
                <Target r={r.targets.firstResponseSeconds} />
              </td>
              <td className="num">
                {metricValue(f, 'resolutionRate', r.resolutionRate)}
                <Target r={r.targets.resolutionRate} />
              </td>
              <td className="num">{metricValue(f, 'taskCompletionRate', r.taskCompletionRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** CSAT and resolution rate per store against the 90 % line. */
function TargetChart({ rows }: { rows: KpiRow[] }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 24, bottom: 40 },
      xAxis: { type: 'category', data: rows.map((r) => r.key) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        {
          name: t('staffKpis.m.csat'),
          type: 'bar',
          data: rows.map((r) => r.csat),
          barMaxWidth: 24,
          markLine: { silent: true, symbol: 'none', data: [{ yAxis: 90 }], lineStyle: { color: '#dc2626', type: 'dashed' }, label: { formatter: '90%' } },
        },
        { name: t('staffKpis.m.resolutionRate'), type: 'bar', data: rows.map((r) => r.resolutionRate), barMaxWidth: 24 },
      ],
    }),
    [rows, t],
  );
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('staffKpis.chart')}</h2>
      </div>
      <Chart option={option} label={t('staffKpis.chart')} height={280} />
    </section>
  );
}

function LeaderboardCard({ period, store }: { period: string; store?: string | undefined }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [metric, setMetric] = useState<KpiMetric>('netSalesFen');
  const board = useLeaderboard({ period, metric, store, limit: 10 });
  return (
    <section className="card" data-testid="leaderboard">
      <div className="card-head">
        <h2>{t('staffKpis.leaderboard')}</h2>
        <select className="input" value={metric} onChange={(e) => setMetric(e.target.value as KpiMetric)} aria-label={t('staffKpis.metric')}>
          {KPI_METRICS.map((m) => (
            <option key={m} value={m}>
              {t(`staffKpis.m.${m}`)}
            </option>
          ))}
        </select>
      </div>
      {board.isPending ? (
        <Loading />
      ) : board.isError ? (
        <ErrorState error={board.error} onRetry={() => void board.refetch()} />
      ) : board.data.items.length === 0 ? (
        <Empty title={t('staffKpis.noValues')} />
      ) : (
        <table className="table table-compact">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>{t('staffKpis.guide')}</th>
              <th>{t('staffKpis.store')}</th>
              <th className="num">{t(`staffKpis.m.${metric}`)}</th>
            </tr>
          </thead>
          <tbody>
            {board.data.items.map((e) => (
              <tr key={e.key}>
                <td className="num">{e.rank}</td>
                <td>{e.displayName ?? e.username}</td>
                <td>{e.storeCode ?? '—'}</td>
                <td className="num">{metricValue(f, metric, e.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
