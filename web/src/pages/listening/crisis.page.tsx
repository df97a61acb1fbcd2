import type { TFunction } from 'i18next';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useCustomer360 } from '../../api/customers.api';
import { can, useMe } from '../../auth/session';
import { Chart } from '../../components/chart';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat } from '../../format/format';
import { useActorLabel } from '../service/service-parts';
import {
  POST_KINDS,
  useAffected,
  useCloseCrisis,
  useCompensate,
  useCrisis,
  useCrisisPost,
  useCrisisShare,
  useRefreshAffected,
  type CrisisDetail,
  type CrisisEvent,
  type PostKind,
  type ShareSeries,
} from './crises.api';
import { CrisisReportView } from './crisis-report';
import { CrisisScope, CrisisSeverity, CrisisStatusBadge, DeadlineClock, useGivenText, useOwnerName } from './crisis-parts';
import { ListeningHead } from './listening-head';
import { CardHead, bucketLabel } from './listening-parts';
import './listening.css';

/** One crisis: deadlines ticking, posts and the timeline, the negative share against its target, affected customers, closing, the report. */
export function CrisisPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const crisis = useCrisis(id);
  return (
    <div className="page ls-page">
      <Link to="/listening/crises" className="back-link">
        <Icon name="back" size={16} />
        {t('listening.crisis.back')}
      </Link>
      {crisis.isPending ? <Loading /> : crisis.isError ? <ErrorState error={crisis.error} onRetry={() => void crisis.refetch()} /> : <CrisisView c={crisis.data} />}
    </div>
  );
}

/** The mention stream narrowed to a crisis's product, keyword and store over the last 30 days. */
function mentionsOf(c: CrisisDetail): string {
  const q = new URLSearchParams({ period: '30d' });
  if (c.sku) q.set('sku', c.sku);
  if (c.keyword) q.set('keyword', c.keyword);
  if (c.storeCode) q.set('storeCode', c.storeCode);
  return `/listening/mentions?${q.toString()}`;
}

function CrisisView({ c }: { c: CrisisDetail }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const owner = useOwnerName();
  const write = can(me, 'listening:write');
  const closed = c.status === 'closed';
  const [report, setReport] = useState(closed);
  const update = c.deadlines.find((d) => d.kind === 'update');
  return (
    <>
      <ListeningHead title={`#${c.number} ${c.title}`}>
        <button type="button" className="btn" aria-pressed={report} onClick={() => setReport((r) => !r)} data-testid="report-toggle">
          <Icon name="results" size={16} />
          {report ? t('listening.crisis.hideReport') : t('listening.crisis.showReport')}
        </button>
      </ListeningHead>
      <div className="ls-crisis-meta" data-testid="crisis-meta">
        <CrisisStatusBadge status={c.status} />
        <CrisisSeverity severity={c.severity} />
        <span>
          <span className="muted">{t('listening.crisis.owner')}</span> {owner(c.ownerId)}
        </span>
        <span>
          <span className="muted">{t('listening.crisis.opened')}</span> {f.dateTime(c.openedAt)}
        </span>
        <CrisisScope c={c} />
        <Link className="dash-more" to={mentionsOf(c)} data-testid="crisis-mentions">
          {t('listening.crisis.toMentions')}
        </Link>
      </div>

      <section className="ls-deadlines" aria-label={t('listening.crisis.deadlines')}>
        <div className="ls-deadline" data-deadline="statement">
          <div className="kpi-label">{t('listening.crisis.statementDue')}</div>
          <DeadlineClock deadline={{ dueAt: c.statementDueAt, doneAt: c.statementAt }} />
          <div className="muted small">{c.statementAt ? t('listening.crisis.statementAt', { at: f.dateTime(c.statementAt) }) : t('listening.deadline.dueAt', { at: f.dateTime(c.statementDueAt) })}</div>
        </div>
        <div className="ls-deadline" data-deadline="update">
          <div className="kpi-label">{t('listening.crisis.nextUpdate')}</div>
          {closed ? (
            <span className="muted">—</span>
          ) : update && c.nextUpdateDueAt ? (
            <>
              <DeadlineClock deadline={{ dueAt: c.nextUpdateDueAt, doneAt: null }} />
              <div className="muted small">{t('listening.crisis.everyHours', { h: f.number(c.updateEveryMinutes / 60) })}</div>
            </>
          ) : (
            <div className="muted small">{t('listening.crisis.afterStatement', { h: f.number(c.updateEveryMinutes / 60) })}</div>
          )}
        </div>
        <div className="ls-deadline" data-deadline="share">
          <div className="kpi-label">{t('listening.crisis.negativeShare')}</div>
          <div className="ls-share-line" data-testid="share-now">
            <span>{f.percent(c.negativeShare.start)}</span>
            <span aria-hidden="true">→</span>
            <strong className={c.negativeShare.latest !== null && c.negativeShare.latest <= c.negativeShare.target ? 'positive' : 'negative'}>{f.percent(c.negativeShare.latest)}</strong>
          </div>
          <div className="muted small">{t('listening.crisis.target', { v: f.percent(c.negativeShare.target) })}</div>
        </div>
        <div className="ls-deadline" data-deadline="counts">
          <div className="kpi-label">{t('listening.crisis.mentions')}</div>
          <strong className="ls-deadline-num">{f.number(c.counts.mentions)}</strong>
          <div className="muted small">{t('listening.crisis.affectedCounts', { affected: f.number(c.counts.affected), count: c.counts.affected, compensated: f.number(c.counts.compensated) })}</div>
        </div>
      </section>

      {report ? <CrisisReportView id={c.id} /> : null}

      <div className="grid-2 ls-row ls-crisis-grid">
        <div className="ls-col">
          {write && !closed ? <Composer c={c} /> : null}
          <Timeline events={c.timeline} />
        </div>
        <div className="ls-col">
          <ShareChart id={c.id} />
          <AffectedPanel c={c} write={write} />
          {/* A crisis closes once its statement is out. */}
          {write && !closed && c.statementAt ? <ClosePanel id={c.id} /> : null}
          {closed && c.summary ? (
            <section className="card">
              <CardHead title={t('listening.crisis.summary')} />
              <p className="ls-prose">{c.summary}</p>
            </section>
          ) : null}
        </div>
      </div>
    </>
  );
}

/** A post: the public statement (once), a progress update, or an internal note. */
function Composer({ c }: { c: CrisisDetail }) {
  const { t } = useTranslation();
  const post = useCrisisPost(c.id);
  const [kind, setKind] = useState<PostKind>(c.statementAt ? 'update' : 'statement');
  const [body, setBody] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    post.mutate(
      { kind, body: body.trim() },
      {
        onSuccess: () => {
          setBody('');
          // After the statement, what comes next is progress updates.
          if (kind === 'statement') setKind('update');
        },
      },
    );
  };
  return (
    <section className="card ls-composer">
      <CardHead title={t('listening.crisis.post')} />
      <form onSubmit={submit}>
        <div className="segmented" role="group" aria-label={t('listening.crisis.postKind')}>
          {POST_KINDS.map((k) => (
            <button key={k} type="button" className={kind === k ? 'active' : ''} aria-pressed={kind === k} data-kind={k} onClick={() => setKind(k)} disabled={k === 'update' && !c.statementAt}>
              {t(`listening.crisis.kind.${k}`)}
            </button>
          ))}
        </div>
        <textarea name="post" rows={4} value={body} onChange={(e) => setBody(e.target.value)} placeholder={t(`listening.crisis.placeholder.${kind}`)} required maxLength={10_000} />
        {post.isError ? (
          <div className="form-error" role="alert">
            {post.error.message}
          </div>
        ) : null}
        <div className="ls-form-actions">
          <button type="submit" className="btn btn-primary" disabled={post.isPending || !body.trim()} data-testid="post-submit">
            {t(`listening.crisis.submit.${kind}`)}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The timeline, newest first: opened, statement, updates, notes, affected customers found, compensation, deadlines missed, closed. */
function Timeline({ events }: { events: CrisisEvent[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const actor = useActorLabel();
  const newest = [...events].reverse();
  return (
    <section className="card" data-testid="crisis-timeline">
      <CardHead title={t('listening.crisis.timeline')} aside={<span className="muted small">{t('listening.crisis.events', { count: events.length })}</span>} />
      {newest.length === 0 ? (
        <div className="muted">—</div>
      ) : (
        <ol className="timeline">
          {newest.map((e) => (
            <li key={e.id} className={`tl ls-tl-${e.kind}`} data-kind={e.kind}>
              <span className="tl-dot" aria-hidden="true" />
              <div className="tl-body">
                <div className="tl-head">
                  <span className="tl-kind">{t(`listening.crisis.event.${e.kind}`, { defaultValue: e.kind })}</span>
                  <time dateTime={e.at}>{f.dateTime(e.at)}</time>
                  <span className="muted small">{actor(e.actor)}</span>
                </div>
                <EventText e={e} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** An event's words: a post's text, or what a system event found or did, in the page's language. */
function EventText({ e }: { e: CrisisEvent }) {
  const { t } = useTranslation();
  const f = useFormat();
  const given = useGivenText();
  const n = (k: string) => Number(e.detail[k] ?? 0);
  const text =
    e.kind === 'deadline_missed'
      ? t(`listening.crisis.missed.${String(e.detail.deadline)}`, { defaultValue: e.body ?? '' })
      : e.kind === 'affected'
        ? t('listening.crisis.affectedEvent', { customers: f.number(n('customers')), count: n('customers'), added: f.number(n('added')) })
        : e.kind === 'compensation'
          ? [t('listening.crisis.compensationEvent', { n: f.number(n('customers')), count: n('customers'), what: given(n('couponFen'), n('points')) }), e.body].filter(Boolean).join(' — ')
          : e.body;
  return text ? <p className="ls-prose">{text}</p> : null;
}

/** The crisis scope's negative share per hour (or day), with the target as a dashed line and the start as a dotted one. */
function ShareChart({ id }: { id: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [bucket, setBucket] = useState<'hour' | 'day'>('hour');
  const share = useCrisisShare(id, bucket);
  const option = useMemo(() => (share.data ? shareOption(share.data, f, t) : null), [share.data, f, t]);
  return (
    <section className="card">
      <CardHead
        title={t('listening.crisis.shareTitle')}
        aside={
          <div className="segmented" role="group" aria-label={t('listening.crisis.bucket')}>
            {(['hour', 'day'] as const).map((b) => (
              <button key={b} type="button" className={bucket === b ? 'active' : ''} aria-pressed={bucket === b} onClick={() => setBucket(b)}>
                {t(`listening.crisis.by.${b}`)}
              </button>
            ))}
          </div>
        }
      />
      {share.isError ? <ErrorState error={share.error} /> : option ? <Chart option={option} height={260} label={t('listening.crisis.shareTitle')} /> : <Loading />}
    </section>
  );
}

function shareOption(s: ShareSeries, f: ReturnType<typeof useFormat>, t: TFunction) {
  const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
  const lines = [
    { name: t('listening.crisis.targetLine', { v: f.percent(s.target) }), yAxis: pct(s.target), lineStyle: { color: '#067647', type: 'dashed', width: 2 } },
    ...(s.start === null ? [] : [{ name: t('listening.crisis.startLine', { v: f.percent(s.start) }), yAxis: pct(s.start), lineStyle: { color: '#c0362c', type: 'dotted', width: 1.5 } }]),
  ];
  const top = Math.max(10, ...s.series.map((p) => pct(p.share) ?? 0), pct(s.start) ?? 0);
  return {
    tooltip: { trigger: 'axis' },
    grid: { top: 20, left: 8, right: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: s.series.map((p) => (s.bucket === 'day' && p.at.length === 10 ? p.at.slice(5) : bucketLabel(f, p.at, s.bucket))), axisTick: { show: false } },
    yAxis: [
      { type: 'value', min: 0, max: Math.min(100, Math.ceil(top / 10) * 10), axisLabel: { formatter: '{value}%' }, splitLine: { lineStyle: { color: '#eef1f4' } } },
      { type: 'value', minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      { name: t('listening.crisis.mentions'), type: 'bar', yAxisIndex: 1, barMaxWidth: 14, itemStyle: { color: '#e3e7ec' }, data: s.series.map((p) => p.mentions) },
      {
        name: t('listening.crisis.negativeShare'),
        type: 'line',
        smooth: true,
        symbolSize: 5,
        connectNulls: true,
        itemStyle: { color: '#c0362c' },
        areaStyle: { color: 'rgba(192,54,44,0.08)' },
        data: s.series.map((p) => pct(p.share)),
        tooltip: { valueFormatter: (v: number | null) => (v === null ? '—' : `${v}%`) },
        markLine: { symbol: 'none', silent: true, label: { formatter: '{b}', position: 'insideEndTop', fontSize: 11 }, data: lines },
      },
    ],
  };
}

/** The customers a crisis touches (a linked mention, a ticket, an order of the product): refresh, page, compensate. */
function AffectedPanel({ c, write }: { c: CrisisDetail; write: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const given = useGivenText();
  const [page, setPage] = useState(1);
  const affected = useAffected(c.id, page);
  const refresh = useRefreshAffected(c.id);
  const [giving, setGiving] = useState(false);
  const rows = affected.data?.items ?? [];
  const total = affected.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / (affected.data?.pageSize ?? 20)));
  return (
    <section className="card" data-testid="affected">
      <CardHead
        title={t('listening.crisis.affected')}
        aside={
          write ? (
            <span className="ls-head-actions">
              <button type="button" className="btn btn-small" disabled={refresh.isPending} onClick={() => refresh.mutate({})} data-testid="affected-refresh">
                {t('listening.crisis.refreshAffected')}
              </button>
              {c.status !== 'closed' && c.counts.affected > c.counts.compensated ? (
                <button type="button" className="btn btn-small btn-primary" onClick={() => setGiving(true)} data-testid="compensate-open">
                  {t('listening.crisis.compensate')}
                </button>
              ) : null}
            </span>
          ) : null
        }
      />
      {refresh.data ? (
        <div className="notice small" role="status">
          {t('listening.crisis.refreshed', { customers: f.number(refresh.data.customers), count: refresh.data.customers, added: f.number(refresh.data.added) })}
        </div>
      ) : null}
      {refresh.isError ? <div className="form-error">{refresh.error.message}</div> : null}
      {giving ? <CompensateForm id={c.id} open={c.counts.affected - c.counts.compensated} onDone={() => setGiving(false)} /> : null}
      {affected.isPending ? (
        <Loading />
      ) : affected.isError ? (
        <ErrorState error={affected.error} />
      ) : rows.length === 0 ? (
        <Empty title={t('listening.crisis.noAffected')}>{write ? t('listening.crisis.noAffectedHint') : null}</Empty>
      ) : (
        <>
          <ul className="ls-affected" data-testid="affected-list">
            {rows.map((a) => (
              <li key={a.customerId} data-customer={a.customerId}>
                <CustomerName id={a.customerId} />
                <span className="ls-reasons">
                  {a.reasons.map((r) => (
                    <span key={r} className="chip chip-plain">
                      {t(`listening.crisis.reason.${r}`, { defaultValue: r })}
                    </span>
                  ))}
                </span>
                <span className="small ls-given">
                  {a.compensation
                    ? given(a.compensation.couponFen, a.compensation.points)
                    : <span className="muted">{t('listening.crisis.notYet')}</span>}
                </span>
              </li>
            ))}
          </ul>
          {pages > 1 ? (
            <nav className="pager">
              <span className="muted small">{t('listening.crisis.pageOf', { page, pages, total: f.number(total), count: total })}</span>
              <span className="pager-buttons">
                <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                  {t('list.previous')}
                </button>
                <button type="button" className="btn btn-small" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                  {t('list.next')}
                </button>
              </span>
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}

/** The customer's name (masked without pii:read) linking to their 360. */
function CustomerName({ id }: { id: string }) {
  const { t } = useTranslation();
  const c = useCustomer360(id);
  const name = c.data?.profile.name ?? c.data?.identifiers.find((x) => x.type === 'member_no')?.value;
  return (
    <Link to={`/customers/${id}`} className="strong-link ls-affected-name">
      {name ?? (c.isPending ? '…' : t('listening.crisis.customer'))}
    </Link>
  );
}

/** Compensating every affected customer not yet compensated: a coupon of an amount, points, or both. */
function CompensateForm({ id, open, onDone }: { id: string; open: number; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const given = useGivenText();
  const give = useCompensate(id);
  const [yuan, setYuan] = useState('');
  const [points, setPoints] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: { couponAmountFen?: number; points?: number } = {};
    if (yuan.trim()) body.couponAmountFen = Math.round(Number(yuan) * 100);
    if (points.trim()) body.points = Math.round(Number(points));
    give.mutate(body);
  };
  if (give.data)
    return (
      <div className="notice ls-given-note" role="status" data-testid="compensated">
        {t('listening.crisis.compensated', { n: f.number(give.data.compensated), count: give.data.compensated, what: given(give.data.couponFen, give.data.points) })}
        {give.data.failures.length ? <span className="negative"> {t('listening.crisis.failures', { n: give.data.failures.length, count: give.data.failures.length })}</span> : null}
        <button type="button" className="btn btn-ghost btn-small" onClick={onDone}>
          {t('listening.crisis.done')}
        </button>
      </div>
    );
  return (
    <form className="ls-compensate" onSubmit={submit} data-testid="compensate-form">
      <p className="muted small">{t('listening.crisis.compensateHint', { n: f.number(open), count: open })}</p>
      <label className="ls-inline-field">
        <span>{t('listening.crisis.couponYuan')}</span>
        <input name="couponYuan" type="number" min={0.01} step={0.01} value={yuan} onChange={(e) => setYuan(e.target.value)} />
      </label>
      <label className="ls-inline-field">
        <span>{t('listening.crisis.points')}</span>
        <input name="points" type="number" min={1} step={1} value={points} onChange={(e) => setPoints(e.target.value)} />
      </label>
      {give.isError ? <div className="form-error">{give.error.message}</div> : null}
      <span className="ls-form-actions">
        <button type="button" className="btn btn-small" onClick={onDone}>
          {t('settings.common.cancel')}
        </button>
        <button type="submit" className="btn btn-primary btn-small" disabled={give.isPending || (!yuan.trim() && !points.trim())}>
          {t('listening.crisis.give', { n: f.number(open), count: open })}
        </button>
      </span>
    </form>
  );
}

/** Closing with a summary: what happened, what was done, what changes. */
function ClosePanel({ id }: { id: string }) {
  const { t } = useTranslation();
  const close = useCloseCrisis(id);
  const [summary, setSummary] = useState('');
  return (
    <section className="card">
      <CardHead title={t('listening.crisis.close')} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          close.mutate({ summary: summary.trim() });
        }}
      >
        <textarea name="summary" rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} placeholder={t('listening.crisis.summaryPlaceholder')} required />
        {close.isError ? <div className="form-error">{close.error.message}</div> : null}
        <div className="ls-form-actions">
          <button type="submit" className="btn btn-danger" disabled={close.isPending || !summary.trim()} data-testid="crisis-close">
            {t('listening.crisis.closeSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}
