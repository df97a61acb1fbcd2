import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { exportUrl, useMembers, useRefreshSegment, useSegment, useSegments, useSizeHistory, type Members, type Segment, type SegmentKind, type SizePoint } from '../../api/segments.api';
import { DataTable, useListParams, type Column } from '../../components/data-table';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { describeRule } from './rule-model';
import { segmentName } from './segment-words';
import { BackToList, Kpi } from './seg-parts';
import './segments.css';

const KINDS: SegmentKind[] = ['rule', 'static', 'rfm', 'value', 'cluster'];

/** Every segment with its kind, size and last refresh. */
export function SegmentsListPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const [kind, setKind] = useState<SegmentKind | ''>('');
  const list = useSegments(kind || undefined);
  const items = list.data?.items ?? [];

  return (
    <div className="page seg-page">
      <div className="page-head">
        <div>
          <h1>{t('segments.list.title')}</h1>
          <p className="muted">{t('segments.list.subtitle')}</p>
        </div>
        {can(me, 'segments:write') ? (
          <Link to="/segments/builder" className="btn btn-primary">
            <Icon name="plus" size={16} />
            {t('segments.list.new')}
          </Link>
        ) : null}
      </div>
      <section className="card">
        <div className="card-head">
          <div className="seg-tabs" role="tablist" aria-label={t('segments.list.kind')}>
            {(['', ...KINDS] as const).map((k) => (
              <button key={k || 'all'} type="button" role="tab" aria-selected={kind === k} className={kind === k ? 'seg-tab active' : 'seg-tab'} onClick={() => setKind(k)}>
                {k ? t(`segments.kind.${k}`) : t('segments.list.all')}
              </button>
            ))}
          </div>
          {list.data ? <span className="muted small">{t('segments.list.count', { count: items.length, n: f.number(items.length) })}</span> : null}
        </div>
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <Empty title={t('segments.list.empty')}>{t('segments.list.emptyHint')}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="segment-list">
              <thead>
                <tr>
                  <th>{t('segments.list.name')}</th>
                  <th>{t('segments.list.kind')}</th>
                  <th className="num">{t('segments.list.size')}</th>
                  <th className="hide-narrow">{t('segments.list.refreshedAt')}</th>
                  <th className="hide-narrow">{t('segments.list.createdBy')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id} data-code={s.code}>
                    <td>
                      <Link to={`/segments/${s.code}`} className="seg-name-link">
                        {segmentName(t, s)}
                      </Link>
                      <div className="muted small mono">{s.code}</div>
                    </td>
                    <td>
                      <span className={`badge seg-kind seg-kind-${s.kind}`}>{t(`segments.kind.${s.kind}`)}</span>
                      {!s.active ? <span className="badge badge-muted">{t('segments.list.paused')}</span> : null}
                    </td>
                    <td className="num" data-testid="segment-size">
                      {f.number(s.size)}
                    </td>
                    <td className="hide-narrow nowrap">{f.dateTime(s.refreshedAt)}</td>
                    <td className="muted hide-narrow">{actorName(s.createdBy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

const actorName = (a: string) => a.split(':').slice(1).join(':') || a;

/** One segment: what it is, its size over time, its members (masked as the API returns them), refresh and export. */
export function SegmentDetailPage() {
  const { code = '' } = useParams();
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const segment = useSegment(code);
  const history = useSizeHistory(code);
  const refresh = useRefreshSegment(code);
  const list = useListParams({ pageSize: 25 });
  const members = useMembers(code, list.page, list.pageSize);
  const memberColumns: Array<Column<Members['items'][number]>> = [
    {
      header: t('segments.detail.customer'),
      cell: (m) => <Link to={`/customers/${m.customer.id}`}>{m.customer.name ?? <span className="muted">{t('segments.sample.noName')}</span>}</Link>,
    },
    { header: t('segments.detail.phone'), cell: (m) => <span className="mono">{f.phone(m.customer.phone)}</span>, className: 'nowrap' },
    { header: t('segments.detail.city'), cell: (m) => m.customer.city ?? '—', hideNarrow: true },
    { header: t('segments.detail.memberNo'), cell: (m) => <span className="mono">{m.customer.memberNo ?? '—'}</span>, hideNarrow: true },
    { header: t('segments.detail.enteredAt'), cell: (m) => f.dateTime(m.enteredAt), className: 'nowrap' },
  ];

  if (segment.isPending) return <Loading />;
  if (segment.isError) return <ErrorState error={segment.error} onRetry={() => void segment.refetch()} />;
  const s = segment.data;
  const computed = s.kind === 'rule';

  return (
    <div className="page seg-page">
      <BackToList />
      <div className="page-head">
        <div>
          <h1 data-testid="segment-name">{segmentName(t, s)}</h1>
          <p className="muted">
            <span className={`badge seg-kind seg-kind-${s.kind}`}>{t(`segments.kind.${s.kind}`)}</span> <span className="mono small">{s.code}</span>
            {s.description ? <span className="seg-desc"> · {s.description}</span> : null}
          </p>
        </div>
        <div className="seg-actions">
          {computed && can(me, 'segments:admin') ? (
            <button type="button" className="btn" disabled={refresh.isPending} onClick={() => refresh.mutate()} data-testid="segment-refresh">
              {refresh.isPending ? t('common.loading') : t('segments.detail.refresh')}
            </button>
          ) : null}
          {can(me, 'segments:write') ? (
            <a className="btn" href={exportUrl(s.code)} download={`${s.code}.csv`} data-testid="segment-export">
              {t('segments.detail.export')}
            </a>
          ) : null}
        </div>
      </div>
      {refresh.data ? (
        <div className="notice seg-notice-ok" role="status">
          {t('segments.detail.refreshed', { size: f.number(refresh.data.size), entered: f.number(refresh.data.entered), exited: f.number(refresh.data.exited) })}
        </div>
      ) : null}
      {refresh.isError ? <ErrorState error={refresh.error} /> : null}

      <section className="kpis">
        <Kpi label={t('segments.list.size')} value={f.number(s.size)} testId="segment-size" />
        <Kpi label={t('segments.list.refreshedAt')} value={f.dateTime(s.refreshedAt)} small />
        <Kpi label={t('segments.list.createdBy')} value={actorName(s.createdBy)} note={f.dateTime(s.createdAt)} small />
      </section>

      <div className="grid-2 grid-wide-left">
        <section className="card">
          <div className="card-head">
            <h2>{t('segments.detail.history')}</h2>
            <span className="muted small">{t('segments.detail.historyNote')}</span>
          </div>
          {history.isPending ? (
            <Loading />
          ) : history.isError ? (
            <ErrorState error={history.error} onRetry={() => void history.refetch()} />
          ) : history.data.items.length === 0 ? (
            <Empty title={t('segments.detail.noHistory')} />
          ) : (
            <HistoryChart points={history.data.items} f={f} />
          )}
        </section>
        <section className="card">
          <div className="card-head">
            <h2>{t('segments.detail.definition')}</h2>
          </div>
          <Definition s={s} />
        </section>
      </div>

      <section className="card">
        <div className="card-head">
          <h2>{t('segments.detail.members')}</h2>
          {members.data ? <span className="muted small">{t('segments.detail.membersTotal', { total: f.number(members.data.total) })}</span> : null}
        </div>
        <div data-testid="segment-members">
          <DataTable
            columns={memberColumns}
            rows={members.data?.items}
            total={members.data?.total}
            state={members}
            list={list}
            rowKey={(m) => m.customer.id}
            empty={{ title: t('segments.detail.noMembers') }}
            caption={t('segments.detail.members')}
          />
        </div>
      </section>
    </div>
  );
}

function Definition({ s }: { s: Segment }) {
  const { t } = useTranslation();
  const f = useFormat();
  const d = (s.definition ?? {}) as Record<string, unknown>;
  if (s.kind === 'rule' && d.rule) return <div className="seg-rule-text" data-testid="segment-rule">{describeRule(t, f, d.rule)}</div>;
  if (s.kind === 'static')
    return <p className="seg-para">{t('segments.detail.staticDef', { of: t(`segments.static.of.${String(d.source ?? 'id')}`, { defaultValue: String(d.source ?? '') }), lines: f.number(Number(d.lines ?? 0)) })}</p>;
  if (s.kind === 'rfm' || s.kind === 'value') return <p className="seg-para">{t('segments.detail.rfmDef')}</p>;
  if (s.kind === 'cluster') return <p className="seg-para">{t('segments.detail.clusterDef')}</p>;
  return <pre className="seg-json">{JSON.stringify(s.definition, null, 2)}</pre>;
}

function HistoryChart({ points, f }: { points: SizePoint[]; f: Format }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: points.map((p) => f.dateTime(p.at)), axisTick: { show: false }, axisLine: { lineStyle: { color: '#cfd6de' } } },
      yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eef0f3' } }, axisLabel: { formatter: (v: number) => f.number(v) } },
      series: [
        { type: 'line', name: t('segments.list.size'), data: points.map((p) => p.size), symbolSize: 6, areaStyle: { opacity: 0.08 }, tooltip: { valueFormatter: (v: number) => f.number(v) } },
        { type: 'bar', name: t('segments.detail.entered'), data: points.map((p) => p.entered), barMaxWidth: 12, itemStyle: { color: '#84cc16' }, tooltip: { valueFormatter: (v: number) => f.number(v) } },
        { type: 'bar', name: t('segments.detail.exited'), data: points.map((p) => p.exited), barMaxWidth: 12, itemStyle: { color: '#f59e0b' }, tooltip: { valueFormatter: (v: number) => f.number(v) } },
      ],
    }),
    [points, f, t],
  );
  return <Chart option={option} label={t('segments.detail.history')} height={240} />;
}
