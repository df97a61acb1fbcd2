import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useExpire, useLiability, type ExpirySummary, type Liability } from '../../api/loyalty.api';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Chart } from '../../components/chart';
import { Empty, ErrorState, Loading } from '../../components/states';

/** Points liability: what the brand owes in points and their cash value, by the month they expire. */
export function LoyaltyLiabilityPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const liability = useLiability();
  const option = useExpiryChart(liability.data, f);

  if (liability.isPending) return <Loading />;
  if (liability.isError) return <ErrorState error={liability.error} onRetry={() => void liability.refetch()} />;
  const l = liability.data;

  return (
    <div className="page loyalty-page">
      <div className="page-head">
        <div>
          <h1>{t('loyalty.liability.title')}</h1>
          <p className="muted">{t('loyalty.liability.asOf', { date: f.dateTime(l.asOf), points: f.number(l.pointsPerYuanCash) })}</p>
        </div>
      </div>

      <section className="kpis" aria-label={t('loyalty.liability.title')}>
        <Figure label={t('loyalty.liability.outstanding')} value={f.number(l.outstanding)} note={t('loyalty.liability.outstandingNote')} testId="liability-outstanding" />
        <Figure label={t('loyalty.liability.cashValue')} value={f.money(l.cashValue)} note={t('loyalty.liability.cashValueNote', { version: l.ruleVersion })} testId="liability-cash" />
        <Figure label={t('loyalty.member.available')} value={f.number(l.available)} testId="liability-available" />
        <Figure label={t('loyalty.member.pending')} value={f.number(l.pending)} testId="liability-pending" />
        <Figure label={t('loyalty.member.held')} value={f.number(l.held)} note={t('loyalty.liability.heldNote')} />
        <Figure label={t('loyalty.liability.members')} value={f.number(l.members)} />
      </section>

      <div className="grid-2 grid-wide-left">
        <section className="card">
          <div className="card-head">
            <h2>{t('loyalty.liability.byMonth')}</h2>
            <span className="muted small">{t('loyalty.liability.byMonthNote')}</span>
          </div>
          {l.byExpiryMonth.length === 0 || !option ? (
            <Empty title={t('loyalty.liability.nothing')} />
          ) : (
            <>
              <Chart option={option} label={t('loyalty.liability.byMonth')} height={300} />
              <div className="table-wrap">
                <table className="table table-compact" data-testid="liability-months">
                  <thead>
                    <tr>
                      <th>{t('loyalty.liability.month')}</th>
                      <th className="num">{t('loyalty.statement.points')}</th>
                      <th className="num">{t('loyalty.liability.cashValue')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {l.byExpiryMonth.map((m) => (
                      <tr key={m.month}>
                        <td>{monthText(f, t, m.month)}</td>
                        <td className="num">{f.number(m.points)}</td>
                        <td className="num">{f.money(m.cashValue)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
        <ExpiryDryRun canRun={can(me, 'loyalty:admin')} />
      </div>
    </div>
  );
}

function Figure({ label, value, note, testId }: { label: string; value: string; note?: string; testId?: string }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testId}>
        {value}
      </div>
      {note ? <div className="kpi-note">{note}</div> : null}
    </div>
  );
}

function monthText(f: Format, t: (k: string) => string, month: string): string {
  if (month === 'never') return t('loyalty.liability.never');
  return new Intl.DateTimeFormat(f.locale, { year: 'numeric', month: 'short' }).format(new Date(`${month}-15T12:00:00`));
}

function ExpiryDryRun({ canRun }: { canRun: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const expire = useExpire();
  const [asOf, setAsOf] = useState('');
  const r: ExpirySummary | undefined = expire.data;
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('loyalty.liability.expiryTitle')}</h2>
      </div>
      <p className="muted small loyalty-para">{t('loyalty.liability.expiryIntro')}</p>
      {canRun ? (
        <form
          className="loyalty-inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            expire.mutate({ dryRun: true, ...(asOf ? { asOf } : {}) });
          }}
        >
          <label className="field settings-field">
            <span>{t('loyalty.liability.asOfDate')}</span>
            <input type="date" name="asOf" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
          </label>
          <button type="submit" className="btn" disabled={expire.isPending} data-testid="expiry-dry-run">
            {expire.isPending ? t('common.loading') : t('loyalty.liability.dryRun')}
          </button>
        </form>
      ) : (
        <p className="muted small">{t('loyalty.tiers.adminOnly')}</p>
      )}
      {expire.isError ? <ErrorState error={expire.error} /> : null}
      {r ? (
        <div className="loyalty-review" data-testid="expiry-result">
          <div className="muted small">{t('loyalty.liability.wouldExpire', { date: f.dateTime(r.asOf) })}</div>
          <dl className="loyalty-review-grid">
            <div>
              <dt>{t('loyalty.statement.points')}</dt>
              <dd data-testid="expiry-points">{f.number(r.points)}</dd>
            </div>
            <div>
              <dt>{t('loyalty.member.pending')}</dt>
              <dd>{f.number(r.pendingPoints)}</dd>
            </div>
            <div>
              <dt>{t('loyalty.liability.members')}</dt>
              <dd>{f.number(r.members)}</dd>
            </div>
            <div>
              <dt>{t('loyalty.liability.lots')}</dt>
              <dd>{f.number(r.lots)}</dd>
            </div>
          </dl>
          <div className="muted small">{t('loyalty.tiers.dryRunNote')}</div>
        </div>
      ) : null}
    </section>
  );
}

function useExpiryChart(l: Liability | undefined, f: Format) {
  const { t } = useTranslation();
  return useMemo(() => {
    if (!l || l.byExpiryMonth.length === 0) return undefined;
    const labels = l.byExpiryMonth.map((m) => monthText(f, t, m.month));
    return {
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: labels, axisTick: { show: false }, axisLine: { lineStyle: { color: '#cfd6de' } } },
      yAxis: [
        { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eef0f3' } }, axisLabel: { formatter: (v: number) => f.number(v) } },
        { type: 'value', splitLine: { show: false }, axisLabel: { formatter: (v: number) => f.compactMoney(v) } },
      ],
      series: [
        {
          type: 'bar',
          name: t('loyalty.statement.points'),
          data: l.byExpiryMonth.map((m) => m.points),
          barMaxWidth: 28,
          itemStyle: { borderRadius: [4, 4, 0, 0] },
          tooltip: { valueFormatter: (v: number) => f.number(v) },
        },
        {
          type: 'line',
          name: t('loyalty.liability.cashValue'),
          yAxisIndex: 1,
          data: l.byExpiryMonth.map((m) => Number(m.cashValue)),
          symbolSize: 6,
          itemStyle: { color: '#f59e0b' },
          tooltip: { valueFormatter: (v: number) => f.money(v) },
        },
      ],
    };
  }, [l, f, t]);
}
