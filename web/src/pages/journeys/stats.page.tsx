import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { currentDefinition, useJourney, useJourneyStats, type Definition, type JourneyStats, type Step } from '../../api/journeys.api';
import { useMessageTemplates } from '../../api/messaging.api';
import { useTemplates as useCouponTemplates } from '../../api/promotions.api';
import { useFormat } from '../../format/format';
import { Chart } from '../../components/chart';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { JourneyStatusBadge } from './journeys.page';
import { stepSummary, triggerText } from './journey-words';
import './journeys.css';

const STATUS_COLORS: Record<string, string> = {
  queued: '#94a3b8',
  sending: '#0ea5e9',
  sent: '#6366f1',
  delivered: '#0f766e',
  failed: '#c0362c',
  blocked: '#f59e0b',
  cancelled: '#64748b',
  expired: '#a855f7',
};

/** The steps in the order the flow shows them (depth first from the entry). */
function flowOrder(def: Definition | undefined): Step[] {
  if (!def) return [];
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const out: Step[] = [];
  const seen = new Set<string>();
  const walk = (id: string | null | undefined) => {
    if (!id || seen.has(id)) return;
    const s = byId.get(id);
    if (!s) return;
    seen.add(id);
    out.push(s);
    if (s.type === 'branch') {
      s.branches.forEach((b) => walk(b.next));
      walk(s.else);
    } else if (s.type !== 'exit') walk(s.next);
  };
  walk(def.steps[0]?.id);
  return out;
}

/** A journey's results: who entered, treated against holdout with the uplift and its 95 % interval, each step's reach, messages by status. */
export function JourneyStatsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { id } = useParams();
  const journey = useJourney(id);
  const stats = useJourneyStats(id, { refetchInterval: 30000 });
  const templates = useMessageTemplates();
  const coupons = useCouponTemplates();
  const names = useMemo(() => {
    const tm = new Map((templates.data ?? []).map((x) => [x.code, x.name]));
    const cm = new Map((coupons.data ?? []).map((x) => [x.code, x.name]));
    return { template: (c: string) => tm.get(c) ?? c, coupon: (c: string) => cm.get(c) ?? c };
  }, [templates.data, coupons.data]);

  if (journey.isPending || stats.isPending) return <Loading />;
  if (journey.isError) return <ErrorState error={journey.error} onRetry={() => void journey.refetch()} />;
  if (stats.isError) return <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />;
  const j = journey.data;
  const s = stats.data;
  const def = currentDefinition(j);
  const steps = flowOrder(def);
  const stepLabel = (st: Step) => st.name || `${t(`journeys.step.${st.type}`)} · ${stepSummary(t, st, names)}`;
  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <Link to="/journeys" className="back-link">
            <Icon name="back" size={16} />
            {t('journeys.builder.back')}
          </Link>
          <h1>
            {t('journeys.stats.title', { name: j.name })}
            <JourneyStatusBadge status={j.status} />
          </h1>
          <p className="muted">
            {triggerText(t, def?.trigger)} · {t('journeys.list.holdout', { n: j.holdoutPercent })}
            {def?.goal ? ` · ${t('journeys.stats.goalLine', { days: def.goal.withinDays ?? 30 })}` : ''}
          </p>
        </div>
        <div className="jr-head-actions">
          <Link to={`/journeys/${j.id}`} className="btn">
            <Icon name="builder" size={16} />
            {t('journeys.stats.openBuilder')}
          </Link>
          <Link to={`/messaging/log?journeyId=${j.id}`} className="btn">
            <Icon name="docs" size={16} />
            {t('journeys.stats.messages')}
          </Link>
        </div>
      </div>

      <section className="kpis jr-kpis" data-testid="journey-kpis">
        <Kpi k="entered" label={t('journeys.stats.entered')} value={f.number(s.entered)} note={t('journeys.stats.enteredNote', { treated: f.number(s.treated.customers), holdout: f.number(s.holdout.customers) })} />
        <Kpi k="active" label={t('journeys.stats.inProgress')} value={f.number(s.active)} note={t('journeys.stats.doneNote', { completed: f.number(s.completed), exited: f.number(s.exited) })} />
        <Kpi k="converted" label={t('journeys.stats.converted')} value={f.number(s.converted)} note={s.entered ? t('journeys.stats.ofEntered', { share: f.percent(s.converted / s.entered) }) : ''} />
        <Kpi
          k="uplift"
          label={t('journeys.stats.uplift')}
          value={s.conversion.difference === null ? '—' : pp(s.conversion.difference)}
          note={s.conversion.low !== null && s.conversion.high !== null ? t('journeys.stats.ci', { low: pp(s.conversion.low), high: pp(s.conversion.high) }) : t('journeys.stats.noCi')}
          tone={s.conversion.difference === null ? '' : s.conversion.difference > 0 ? 'positive' : s.conversion.difference < 0 ? 'negative' : ''}
        />
      </section>

      {s.entered === 0 ? (
        <section className="card">
          <Empty title={t('journeys.stats.none')}>{t('journeys.stats.noneHint')}</Empty>
        </section>
      ) : null}

      <Comparison s={s} holdoutPercent={j.holdoutPercent} />

      <div className="grid-2 grid-wide-left">
        <section className="card" data-testid="step-funnel">
          <div className="card-head">
            <h2>{t('journeys.stats.funnel')}</h2>
            <span className="muted small">{t('journeys.stats.funnelNote')}</span>
          </div>
          {steps.length ? <Funnel steps={steps} s={s} label={stepLabel} /> : <Empty title={t('journeys.stats.noSteps')} />}
          <div className="table-wrap">
            <table className="table table-compact" data-testid="step-table">
              <thead>
                <tr>
                  <th>{t('journeys.stats.step')}</th>
                  <th className="num">{t('journeys.builder.reached')}</th>
                  <th className="num">{t('journeys.builder.inStep')}</th>
                  <th className="num">{t('journeys.stats.failed')}</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((st) => {
                  const x = s.steps.find((y) => y.stepId === st.id);
                  return (
                    <tr key={st.id} data-step={st.id}>
                      <td>{stepLabel(st)}</td>
                      <td className="num">{f.number(x?.reached ?? 0)}</td>
                      <td className="num">{f.number(x?.current ?? 0)}</td>
                      <td className="num">{f.number(x?.failed ?? 0)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
        <section className="card" data-testid="message-status">
          <div className="card-head">
            <h2>{t('journeys.stats.messagesByStatus')}</h2>
            <span className="muted small">{t('journeys.stats.messagesTotal', { n: f.number(s.messages.reduce((a, m) => a + m.count, 0)) })}</span>
          </div>
          {s.messages.length === 0 ? <Empty title={t('journeys.stats.noMessages')} /> : <MessagesChart s={s} />}
          <ul className="jr-status-list">
            {s.messages.map((m) => (
              <li key={m.status} data-status={m.status}>
                <span className="jr-dot" style={{ background: STATUS_COLORS[m.status] ?? '#64748b' }} />
                <span>{t(`messaging.status.${m.status}`, { defaultValue: m.status })}</span>
                <strong>{f.number(m.count)}</strong>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}

function tone(v: number | null): string {
  return v === null || Math.abs(v) < 1e-9 ? '' : v > 0 ? 'positive' : 'negative';
}

function pp(v: number): string {
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v * 100).toFixed(1)} pp`;
}

function Kpi({ k, label, value, note, tone }: { k: string; label: string; value: string; note: string; tone?: string }) {
  return (
    <div className="kpi" data-kpi={k}>
      <div className="kpi-label">{label}</div>
      <div className={`kpi-value ${tone ?? ''}`}>{value}</div>
      {note ? <div className="kpi-note">{note}</div> : null}
    </div>
  );
}

function Funnel({ steps, s, label }: { steps: Step[]; s: JourneyStats; label: (st: Step) => string }) {
  const { t } = useTranslation();
  const rows = [{ name: t('journeys.stats.enteredTreated'), reached: s.treated.customers || s.entered, current: 0 }, ...steps.map((st) => ({ name: label(st), ...(s.steps.find((y) => y.stepId === st.id) ?? { reached: 0, current: 0 }) }))];
  const option = useMemo(
    () => ({
      grid: { left: 8, right: 56, top: 28, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, data: [t('journeys.stats.passed'), t('journeys.builder.inStep')] },
      xAxis: { type: 'value', splitLine: { lineStyle: { color: '#eef0f3' } } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map((r) => r.name),
        axisTick: { show: false },
        axisLabel: { width: 200, overflow: 'truncate' },
      },
      series: [
        { name: t('journeys.stats.passed'), type: 'bar', stack: 'x', barMaxWidth: 22, itemStyle: { color: '#0f766e' }, data: rows.map((r) => Math.max(0, r.reached - r.current)) },
        {
          name: t('journeys.builder.inStep'),
          type: 'bar',
          stack: 'x',
          barMaxWidth: 22,
          itemStyle: { color: '#f59e0b', borderRadius: [0, 4, 4, 0] },
          label: { show: true, position: 'right', formatter: (p: { dataIndex: number }) => String(rows[p.dataIndex]!.reached) },
          data: rows.map((r) => r.current),
        },
      ],
    }),
    [rows, t],
  );
  return <Chart option={option} label={t('journeys.stats.funnel')} height={Math.max(200, rows.length * 36 + 48)} />;
}

function MessagesChart({ s }: { s: JourneyStats }) {
  const { t } = useTranslation();
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'item' },
      series: [
        {
          type: 'pie',
          radius: ['48%', '74%'],
          avoidLabelOverlap: true,
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          label: { formatter: '{b}\n{c}' },
          data: s.messages.map((m) => ({ name: t(`messaging.status.${m.status}`, { defaultValue: m.status }), value: m.count, itemStyle: { color: STATUS_COLORS[m.status] ?? '#64748b' } })),
        },
      ],
    }),
    [s, t],
  );
  return <Chart option={option} label={t('journeys.stats.messagesByStatus')} height={240} />;
}

/** Treated against holdout: conversion and revenue per customer per arm, the difference and its 95 % interval. */
function Comparison({ s, holdoutPercent }: { s: JourneyStats; holdoutPercent: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const m = (fen: number | null) => (fen === null ? '—' : f.money(fen / 100));
  const signedMoney = (fen: number | null) => (fen === null ? '—' : `${fen > 0 ? '+' : fen < 0 ? '−' : ''}${f.money(Math.abs(fen) / 100)}`);
  const spansZero = (i: { low: number | null; high: number | null }) => i.low === null || i.high === null || (i.low <= 0 && i.high >= 0);
  const convSig = !spansZero(s.conversion);
  const rpcSig = !spansZero(s.revenuePerCustomer);
  return (
    <div className="grid-2 grid-wide-left">
      <section className="card" data-testid="arms">
        <div className="card-head">
          <h2>{t('journeys.stats.vsHoldout')}</h2>
          <span className="muted small">{t('journeys.stats.holdoutNote', { n: holdoutPercent })}</span>
        </div>
        <div className="table-wrap">
          <table className="table jr-arms">
            <thead>
              <tr>
                <th />
                <th className="num">{t('journeys.stats.customers')}</th>
                <th className="num">{t('journeys.stats.converted')}</th>
                <th className="num">{t('journeys.stats.conversion')}</th>
                <th className="num">{t('journeys.stats.revenue')}</th>
                <th className="num">{t('journeys.stats.revenuePerCustomer')}</th>
              </tr>
            </thead>
            <tbody>
              {(['treated', 'holdout'] as const).map((g) => (
                <tr key={g} data-arm={g}>
                  <td>
                    <span className={`jr-dot jr-dot-${g}`} /> {t(`journeys.stats.${g}`)}
                  </td>
                  <td className="num">{f.number(s[g].customers)}</td>
                  <td className="num">{f.number(s[g].converted)}</td>
                  <td className="num">{f.percent(s[g].conversionRate)}</td>
                  <td className="num">{m(s[g].revenueFen)}</td>
                  <td className="num">{m(s[g].revenuePerCustomerFen)}</td>
                </tr>
              ))}
              <tr className="jr-diff-row" data-arm="difference">
                <td>{t('journeys.stats.difference')}</td>
                <td />
                <td />
                <td className="num">{s.conversion.difference === null ? '—' : pp(s.conversion.difference)}</td>
                <td />
                <td className="num">{signedMoney(s.revenuePerCustomer.difference)}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <ArmBars s={s} />
      </section>
      <section className="card jr-uplift" data-testid="journey-uplift">
        <div className="card-head">
          <h2>{t('journeys.stats.upliftTitle')}</h2>
        </div>
        <div className="jr-uplift-block">
          <div className="muted small">{t('journeys.stats.convDiff')}</div>
          <div className={`jr-uplift-value ${tone(s.conversion.difference)}`} data-testid="conv-diff">
            {s.conversion.difference === null ? '—' : pp(s.conversion.difference)}
          </div>
          <div className="muted small">{s.conversion.low !== null && s.conversion.high !== null ? t('journeys.stats.ci', { low: pp(s.conversion.low), high: pp(s.conversion.high) }) : t('journeys.stats.noCi')}</div>
          <Significance sig={convSig} known={s.conversion.low !== null} />
        </div>
        <div className="jr-uplift-block">
          <div className="muted small">{t('journeys.stats.rpcDiff')}</div>
          <div className={`jr-uplift-value ${tone(s.revenuePerCustomer.difference)}`} data-testid="rpc-diff">
            {signedMoney(s.revenuePerCustomer.difference)}
          </div>
          <div className="muted small">
            {s.revenuePerCustomer.low !== null && s.revenuePerCustomer.high !== null ? t('journeys.stats.ci', { low: signedMoney(s.revenuePerCustomer.low), high: signedMoney(s.revenuePerCustomer.high) }) : t('journeys.stats.noCi')}
          </div>
          <Significance sig={rpcSig} known={s.revenuePerCustomer.low !== null} />
        </div>
      </section>
    </div>
  );
}

function Significance({ sig, known }: { sig: boolean; known: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={sig ? 'badge badge-ok jr-sig' : 'badge badge-muted jr-sig'} data-significant={known ? String(sig) : 'unknown'}>
      {!known ? t('journeys.stats.tooFew') : sig ? t('journeys.stats.significant') : t('journeys.stats.notSignificant')}
    </span>
  );
}

function ArmBars({ s }: { s: JourneyStats }) {
  const { t } = useTranslation();
  const f = useFormat();
  const option = useMemo(
    () => ({
      grid: [
        { left: 8, right: '54%', top: 32, bottom: 8, containLabel: true },
        { left: '54%', right: 8, top: 32, bottom: 8, containLabel: true },
      ],
      tooltip: { trigger: 'item' },
      legend: { top: 0, data: [t('journeys.stats.treated'), t('journeys.stats.holdout')] },
      xAxis: [
        { type: 'category', gridIndex: 0, data: [t('journeys.stats.conversion')], axisTick: { show: false } },
        { type: 'category', gridIndex: 1, data: [t('journeys.stats.revenuePerCustomer')], axisTick: { show: false } },
      ],
      yAxis: [
        { type: 'value', gridIndex: 0, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` }, splitLine: { lineStyle: { color: '#eef0f3' } } },
        { type: 'value', gridIndex: 1, axisLabel: { formatter: (v: number) => `¥${v}` }, splitLine: { lineStyle: { color: '#eef0f3' } } },
      ],
      series: (['treated', 'holdout'] as const).flatMap((g) => [
        {
          name: t(`journeys.stats.${g}`),
          type: 'bar',
          xAxisIndex: 0,
          yAxisIndex: 0,
          barMaxWidth: 44,
          itemStyle: { color: g === 'treated' ? '#0f766e' : '#94a3b8', borderRadius: [4, 4, 0, 0] },
          label: { show: true, position: 'top', formatter: () => f.percent(s[g].conversionRate) },
          data: [s[g].conversionRate ?? 0],
        },
        {
          name: t(`journeys.stats.${g}`),
          type: 'bar',
          xAxisIndex: 1,
          yAxisIndex: 1,
          barMaxWidth: 44,
          itemStyle: { color: g === 'treated' ? '#0f766e' : '#94a3b8', borderRadius: [4, 4, 0, 0] },
          label: { show: true, position: 'top', formatter: () => (s[g].revenuePerCustomerFen === null ? '—' : f.money(s[g].revenuePerCustomerFen! / 100)) },
          data: [(s[g].revenuePerCustomerFen ?? 0) / 100],
        },
      ]),
    }),
    [s, t, f],
  );
  return <Chart option={option} label={t('journeys.stats.vsHoldout')} height={240} />;
}
