import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/api-client';
import { Chart } from '../../components/chart';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat } from '../../format/format';
import { useFen } from './service-parts';
import './service.css';

/** GET /api/v1/service/reports/review (src/modules/service/review.service.ts). */
interface Figures {
  tickets: number;
  complaints: number;
  resolved: number;
  medianResolutionMinutes: number | null;
  sla: Record<'ack' | 'first_reply' | 'resolve', { met: number; missed: number; rate: number | null }>;
  compensationFen: number;
  compensations: number;
}
interface Group extends Figures {
  key: string | null;
  name: string | null;
  labels: Record<string, string> | null;
  share: number;
}
interface TopCauses {
  key: string;
  name: string | null;
  tickets: number;
  causes: Array<{ code: string; labels: Record<string, string> | null; tickets: number }>;
}
interface Report {
  from: string;
  to: string;
  totals: Figures;
  groups: Group[];
  topCauses: { bySku: TopCauses[]; byStore: TopCauses[]; byPeriod: TopCauses[] };
}

const DIMENSIONS = ['root_cause', 'category', 'sku', 'store', 'month'] as const;

/** A group's name: the taxonomy's label in the page's language, the catalog's name, else its key. */
function groupLabel(g: Group, lang: string, none: string): string {
  return (g.labels ? (lang.startsWith('zh') ? g.labels['zh-CN'] : g.labels.en) : null) ?? g.name ?? g.key ?? none;
}
type Dimension = (typeof DIMENSIONS)[number];

/** The root-cause review: what went wrong, where and when — by root cause, category, product, store or month. */
export function ReviewPage() {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const fen = useFen();
  const [by, setBy] = useState<Dimension>('root_cause');
  const [days, setDays] = useState<'90' | '365'>('90');
  const from = useMemo(() => new Date(Date.now() - Number(days) * 86400_000).toISOString().slice(0, 10), [days]);
  const report = useQuery({
    queryKey: ['service', 'review', by, from],
    queryFn: ({ signal }) => api<Report>('/api/v1/service/reports/review', { query: { by, from }, signal }),
  });
  const label = (g: Group) => groupLabel(g, i18n.language, t('service.review.none'));
  const hours = (m: number | null) => (m === null ? '—' : t('service.review.hours', { n: f.number(Math.round((m / 60) * 10) / 10) }));
  const rows = report.data?.groups ?? [];
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 140, right: 30, top: 10, bottom: 24 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.slice(0, 10).map((g) => groupLabel(g, i18n.language, t('service.review.none'))) },
      series: [{ type: 'bar', data: rows.slice(0, 10).map((g) => g.tickets), barMaxWidth: 22, itemStyle: { borderRadius: [0, 4, 4, 0], color: '#0f766e' } }],
    }),
    [rows, i18n.language, t],
  );
  const tot = report.data?.totals;
  return (
    <div className="page sv-page">
      <Link to="/service/tickets" className="back-link">
        <Icon name="back" size={16} />
        {t('service.ticket.back')}
      </Link>
      <div className="page-head">
        <div>
          <h1>{t('service.review.title')}</h1>
          <p className="muted">{t('service.review.subtitle')}</p>
        </div>
        <div className="segmented" role="group" aria-label={t('service.review.period')}>
          {(['90', '365'] as const).map((d) => (
            <button key={d} type="button" className={days === d ? 'active' : ''} onClick={() => setDays(d)}>
              {t(`surveys.results.range_${d}`)}
            </button>
          ))}
        </div>
      </div>
      {report.isPending ? (
        <Loading />
      ) : report.isError ? (
        <ErrorState error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <>
          <section className="kpis" data-testid="review-kpis">
            <div className="kpi">
              <div className="kpi-label">{t('service.review.tickets')}</div>
              <div className="kpi-value">{f.number(tot!.tickets)}</div>
              <div className="kpi-note">{t('service.review.complaints', { n: f.number(tot!.complaints) })}</div>
            </div>
            <div className="kpi">
              <div className="kpi-label">{t('service.review.median')}</div>
              <div className="kpi-value">{hours(tot!.medianResolutionMinutes)}</div>
              <div className="kpi-note">{t('service.review.resolved', { n: f.number(tot!.resolved) })}</div>
            </div>
            {(['ack', 'first_reply', 'resolve'] as const).map((x) => (
              <div className="kpi" key={x}>
                <div className="kpi-label">{t('service.review.slaMet', { target: t(`service.sla.target.${x}`) })}</div>
                <div className="kpi-value">{f.percent(tot!.sla[x].rate)}</div>
                <div className="kpi-note">{t('service.review.missed', { n: f.number(tot!.sla[x].missed) })}</div>
              </div>
            ))}
            <div className="kpi">
              <div className="kpi-label">{t('service.review.compensation')}</div>
              <div className="kpi-value">{fen(tot!.compensationFen)}</div>
              <div className="kpi-note">{t('service.review.compensations', { n: f.number(tot!.compensations) })}</div>
            </div>
          </section>
          <section className="card">
            <div className="card-head">
              <div className="jr-tabs" role="tablist">
                {DIMENSIONS.map((d) => (
                  <button key={d} type="button" role="tab" aria-selected={by === d} className={by === d ? 'jr-tab active' : 'jr-tab'} onClick={() => setBy(d)} data-by={d}>
                    {t(`service.review.by.${d}`)}
                  </button>
                ))}
              </div>
            </div>
            {rows.length === 0 ? (
              <Empty title={t('service.review.empty')} />
            ) : (
              <div className="sv-review-grid">
                <Chart option={option} label={t('service.review.title')} height={Math.max(160, Math.min(rows.length, 10) * 34 + 40)} />
                <div className="table-wrap">
                  <table className="table table-compact" data-testid="review-table">
                    <thead>
                      <tr>
                        <th>{t(`service.review.by.${by}`)}</th>
                        <th className="num">{t('service.review.tickets')}</th>
                        <th className="num">{t('service.review.share')}</th>
                        <th className="num">{t('service.review.median')}</th>
                        <th className="num">{t('service.review.slaResolve')}</th>
                        <th className="num">{t('service.review.compensation')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((g, i) => (
                        <tr key={g.key ?? `none-${i}`} data-key={g.key ?? ''}>
                          <td>{label(g)}</td>
                          <td className="num">{f.number(g.tickets)}</td>
                          <td className="num">{f.percent(g.share)}</td>
                          <td className="num">{hours(g.medianResolutionMinutes)}</td>
                          <td className="num">{f.percent(g.sla.resolve.rate)}</td>
                          <td className="num">{fen(g.compensationFen)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            )}
          </section>
          <div className="grid-2">
            <TopList title={t('service.review.topBySku')} items={report.data.topCauses.bySku} />
            <TopList title={t('service.review.topByStore')} items={report.data.topCauses.byStore} />
          </div>
        </>
      )}
    </div>
  );
}

function TopList({ title, items }: { title: string; items: TopCauses[] }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const name = (l: Record<string, string> | null, code: string) => (l ? (i18n.language.startsWith('zh') ? l['zh-CN'] : l.en) : null) ?? code;
  return (
    <section className="card">
      <div className="card-head">
        <h2>{title}</h2>
      </div>
      {items.length === 0 ? (
        <p className="muted small">{t('service.review.empty')}</p>
      ) : (
        <ul className="sv-side-list">
          {items.map((x) => (
            <li key={x.key}>
              <span>
                <strong className="small">{x.name ?? x.key}</strong>
                <div className="chips sv-top-causes">
                  {x.causes.map((c) => (
                    <span key={c.code} className="chip">
                      {name(c.labels, c.code)} · {f.number(c.tickets)}
                    </span>
                  ))}
                </div>
              </span>
              <span className="nowrap muted small">{t('service.review.ticketsN', { n: f.number(x.tickets) })}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
