import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useTierReview, useTierSets, useTiers, type ReviewCounts, type TierCounts } from '../../api/loyalty.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Chart } from '../../components/chart';
import { ErrorState, Loading } from '../../components/states';
import { benefitTexts, localName, measureText } from './loyalty-words';

const TIER_COLOURS = ['#94a3b8', '#0f766e', '#f59e0b', '#6366f1', '#ec4899', '#0ea5e9'];
const REVIEW_KEYS = ['assigned', 'upgraded', 'requalified', 'graceStarted', 'downgraded', 'manualEnded'] as const;

/** Tiers: the active set with its members per tier, thresholds and benefits; other sets; the review. */
export function LoyaltyTiersPage() {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'loyalty:admin');
  const tiers = useTiers();
  const sets = useTierSets(admin);
  const review = useTierReview();
  const option = useTierChart(tiers.data);

  if (tiers.isPending) return <Loading />;
  if (tiers.isError) return <ErrorState error={tiers.error} onRetry={() => void tiers.refetch()} />;
  const d = tiers.data;
  const total = d.tiers.reduce((s, x) => s + x.memberCount, 0);
  const [mm = '01', dd = '01'] = d.review.monthDay.split('-');

  return (
    <div className="page loyalty-page">
      <div className="page-head">
        <div>
          <h1>{t('loyalty.tiers.title')}</h1>
          <p className="muted" data-testid="tier-set">
            {d.tierSet.builtIn
              ? // The built-in set's name is English: name it by its tiers in the reader's language.
                t('loyalty.tiers.activeBuiltIn', { name: d.tiers.map((x) => localName(x.name, i18n.language)).join(' / ') })
              : t('loyalty.tiers.activeSet', { name: d.tierSet.name, version: d.tierSet.version })}
            {d.tierSet.builtIn ? <span className="badge">{t('loyalty.tiers.builtIn')}</span> : null}
          </p>
        </div>
      </div>

      <section className="kpis">
        <div className="kpi">
          <div className="kpi-label">{t('loyalty.tiers.members')}</div>
          <div className="kpi-value" data-testid="tier-members-total">
            {f.number(total)}
          </div>
          <div className="kpi-note">{t('loyalty.tiers.withoutTier', { count: d.withoutTier, value: f.number(d.withoutTier) })}</div>
        </div>
        <div className="kpi">
          <div className="kpi-label">{t('loyalty.tiers.measure')}</div>
          <div className="kpi-value loyalty-kpi-text">{t(`loyalty.measure.${d.measure}`)}</div>
          <div className="kpi-note">{d.measure === 'growth' ? t('loyalty.tiers.growthPerYuan', { value: f.number(d.growth.perYuan) }) : t('loyalty.tiers.spendWindow')}</div>
        </div>
        <div className="kpi">
          <div className="kpi-label">{t('loyalty.tiers.review')}</div>
          <div className="kpi-value loyalty-kpi-text">{t('loyalty.tiers.reviewDay', { month: Number(mm), day: Number(dd) })}</div>
          <div className="kpi-note">{t('loyalty.tiers.grace', { count: d.review.graceDays })}</div>
        </div>
      </section>

      <div className="grid-2 grid-wide-left">
        <section className="card">
          <div className="card-head">
            <h2>{t('loyalty.tiers.distribution')}</h2>
          </div>
          {option ? <Chart option={option} label={t('loyalty.tiers.distribution')} height={Math.max(200, 60 + d.tiers.length * 52)} /> : null}
        </section>
        <section className="card">
          <div className="card-head">
            <h2>{t('loyalty.tiers.reviewTitle')}</h2>
          </div>
          <p className="muted small loyalty-para">{t('loyalty.tiers.reviewIntro')}</p>
          {admin ? (
            <button type="button" className="btn" disabled={review.isPending} onClick={() => review.mutate({ dryRun: true })} data-testid="review-dry-run">
              {review.isPending ? t('common.loading') : t('loyalty.tiers.dryRun')}
            </button>
          ) : (
            <p className="muted small">{t('loyalty.tiers.adminOnly')}</p>
          )}
          {review.isError ? <ErrorState error={review.error} /> : null}
          {review.data ? <ReviewResult r={review.data} /> : null}
        </section>
      </div>

      <section className="loyalty-tier-cards" aria-label={t('loyalty.tiers.cards')}>
        {d.tiers.map((tier, i) => {
          const benefits = benefitTexts(t, f, tier.benefits);
          return (
            <article className="card loyalty-tier-card" key={tier.code} data-tier={tier.code} style={{ borderTopColor: TIER_COLOURS[i % TIER_COLOURS.length] }}>
              <div className="loyalty-tier-card-head">
                <h3>{localName(tier.name, i18n.language)}</h3>
                <span className="mono muted small">{tier.code}</span>
              </div>
              <div className="loyalty-tier-count">
                <strong data-testid={`tier-count-${tier.code}`}>{f.number(tier.memberCount)}</strong>
                <span className="muted small">{t('loyalty.tiers.membersShort')}</span>
                <span className="muted small loyalty-tier-share">{total > 0 ? f.percent(tier.memberCount / total) : '—'}</span>
              </div>
              <div className="loyalty-tier-threshold">
                {tier.threshold === 0 ? t('loyalty.tiers.fromStart') : t('loyalty.tiers.from', { value: measureText(t, f, d.measure, tier.threshold) })}
              </div>
              {benefits.length === 0 ? (
                <p className="muted small">{t('loyalty.tiers.noBenefits')}</p>
              ) : (
                <ul className="loyalty-benefit-list">
                  {benefits.map((b) => (
                    <li key={b}>{b}</li>
                  ))}
                </ul>
              )}
            </article>
          );
        })}
      </section>

      {admin ? (
        <section className="card">
          <div className="card-head">
            <h2>{t('loyalty.tiers.sets')}</h2>
            <span className="muted small">{t('loyalty.tiers.setsNote')}</span>
          </div>
          {sets.isPending ? (
            <Loading />
          ) : sets.isError ? (
            <ErrorState error={sets.error} onRetry={() => void sets.refetch()} />
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="tier-sets">
                <thead>
                  <tr>
                    <th>{t('loyalty.tiers.setName')}</th>
                    <th>{t('loyalty.tiers.measure')}</th>
                    <th>{t('loyalty.tiers.tierList')}</th>
                    <th className="settings-wide-only">{t('loyalty.tiers.effectiveFrom')}</th>
                  </tr>
                </thead>
                <tbody>
                  {(sets.data.items.length > 0 ? sets.data.items : [sets.data.active]).map((s) => (
                    <tr key={`${s.code}:${s.version}`}>
                      <td>
                        {s.builtIn ? s.definition.tiers.map((x) => localName(x.name, i18n.language)).join(' / ') : s.name}{' '}
                        <span className="mono muted small">{s.builtIn ? s.code : `${s.code} v${s.version}`}</span>
                        {s.builtIn ? <span className="badge">{t('loyalty.tiers.builtIn')}</span> : null}
                        {s.active ? <span className="badge badge-ok">{t('loyalty.tiers.active')}</span> : null}
                      </td>
                      <td className="nowrap">{t(`loyalty.measure.${s.definition.measure}`)}</td>
                      <td>{s.definition.tiers.map((x) => localName(x.name, i18n.language)).join(' → ')}</td>
                      <td className="settings-wide-only nowrap">{s.effectiveFrom ? f.date(s.effectiveFrom) : '—'}</td>
                    </tr>
                  ))}
                  {Object.entries(sets.data.presets)
                    .filter(([code]) => code !== sets.data.active.code && !sets.data.items.some((s) => s.code === code))
                    .map(([code, { definition: def }]) => (
                      <tr key={`preset:${code}`} className="loyalty-preset-row">
                        <td>
                          {def.tiers.map((x) => localName(x.name, i18n.language)).join(' / ')} <span className="mono muted small">{code}</span>
                          <span className="badge">{t('loyalty.tiers.preset')}</span>
                        </td>
                        <td className="nowrap">{t(`loyalty.measure.${def.measure}`)}</td>
                        <td>{def.tiers.map((x) => localName(x.name, i18n.language)).join(' → ')}</td>
                        <td className="settings-wide-only muted">—</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
    </div>
  );
}

function ReviewResult({ r }: { r: ReviewCounts }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <div className="loyalty-review" data-testid="review-result">
      <div className="muted small">{t('loyalty.tiers.reviewAsOf', { date: f.dateTime(r.asOf) })}</div>
      <dl className="loyalty-review-grid">
        {REVIEW_KEYS.map((k) => (
          <div key={k} data-review={k}>
            <dt>{t(`loyalty.tiers.reviewCount.${k}`)}</dt>
            <dd>{f.number(r[k])}</dd>
          </div>
        ))}
      </dl>
      <div className="muted small">{r.dryRun ? t('loyalty.tiers.dryRunNote') : null}</div>
    </div>
  );
}

function useTierChart(d: TierCounts | undefined) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  return useMemo(() => {
    if (!d) return undefined;
    const names = d.tiers.map((x) => localName(x.name, i18n.language));
    return {
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => t('loyalty.tiers.membersN', { value: f.number(v) }) },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eef0f3' } } },
      yAxis: { type: 'category', data: names, inverse: true, axisTick: { show: false }, axisLine: { show: false }, axisLabel: { fontSize: 13 } },
      series: [
        {
          type: 'bar',
          name: t('loyalty.tiers.members'),
          barMaxWidth: 26,
          label: { show: true, position: 'right', formatter: (p: { value: number }) => f.number(p.value), color: '#17212b', fontWeight: 600 },
          data: d.tiers.map((x, i) => ({ value: x.memberCount, itemStyle: { color: TIER_COLOURS[i % TIER_COLOURS.length], borderRadius: [0, 4, 4, 0] } })),
        },
      ],
    };
  }, [d, f, t, i18n.language]);
}
