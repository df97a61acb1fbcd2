import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PROMOTION_STATUSES, usePromotions, useSetPromotionStatus, type Promotion, type PromotionStatus } from '../../api/promotions.api';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { ConfirmDialog } from '../settings/dialog';
import { conditionTexts, definitionText, scopeText } from './promo-words';
import './promotions.css';

/** Which way each status may move, as buttons: activate / pause / end. */
export const NEXT: Record<PromotionStatus, PromotionStatus[]> = {
  draft: ['active', 'ended'],
  active: ['paused', 'ended'],
  paused: ['active', 'ended'],
  ended: [],
};

/** Promotions: status, window, the rule in words, uses against limits, discount cost; activate, pause, end. */
export function PromotionsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'promotions:admin');
  const [status, setStatus] = useState<PromotionStatus | ''>('');
  const list = usePromotions(status);
  const all = usePromotions('');
  const [ending, setEnding] = useState<Promotion | null>(null);
  const setStatusOf = useSetPromotionStatus();

  const counts = new Map<string, number>();
  for (const p of all.data ?? []) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  const active = (all.data ?? []).filter((p) => p.status === 'active');

  return (
    <div className="page promo-page">
      <div className="page-head">
        <div>
          <h1>{t('promotions.list.title')}</h1>
          <p className="muted">{t('promotions.list.subtitle')}</p>
        </div>
        {admin ? (
          <Link to="/promotions/new" className="btn btn-primary" data-testid="promo-new">
            <Icon name="builder" size={16} />
            {t('promotions.list.new')}
          </Link>
        ) : null}
      </div>

      {all.data ? (
        <section className="kpis promo-kpis">
          <div className="kpi">
            <div className="kpi-label">{t('promotions.list.kpiActive')}</div>
            <div className="kpi-value" data-testid="promo-kpi-active">
              {f.number(active.length)}
            </div>
            <div className="kpi-note">{t('promotions.list.kpiOf', { total: f.number(all.data.length) })}</div>
          </div>
          <div className="kpi">
            <div className="kpi-label">{t('promotions.list.kpiUses')}</div>
            <div className="kpi-value">{f.number(all.data.reduce((s, p) => s + p.counters.uses, 0))}</div>
            <div className="kpi-note">{t('promotions.list.kpiCustomers', { value: f.number(all.data.reduce((s, p) => s + p.counters.customers, 0)) })}</div>
          </div>
          <div className="kpi">
            <div className="kpi-label">{t('promotions.list.kpiCost')}</div>
            <div className="kpi-value">{f.money(all.data.reduce((s, p) => s + p.counters.discountFen, 0) / 100)}</div>
            <div className="kpi-note">{t('promotions.list.kpiCostNote')}</div>
          </div>
        </section>
      ) : null}

      <section className="card">
        <div className="card-head">
          <div className="seg-tabs promo-tabs" role="tablist" aria-label={t('promotions.list.filter')}>
            {(['', ...PROMOTION_STATUSES] as const).map((s) => (
              <button
                key={s || 'all'}
                type="button"
                role="tab"
                aria-selected={status === s}
                className={status === s ? 'promo-tab active' : 'promo-tab'}
                onClick={() => setStatus(s)}
                data-status={s || 'all'}
              >
                {s ? t(`promotions.status.${s}`) : t('promotions.list.all')}
                <span className="promo-tab-count">{f.number(s ? (counts.get(s) ?? 0) : (all.data?.length ?? 0))}</span>
              </button>
            ))}
          </div>
        </div>
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.length === 0 ? (
          <Empty title={t('promotions.list.empty')}>{admin ? t('promotions.list.emptyHint') : null}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table promo-table" data-testid="promo-table">
              <thead>
                <tr>
                  <th>{t('promotions.list.name')}</th>
                  <th>{t('promotions.list.status')}</th>
                  <th>{t('promotions.list.rule')}</th>
                  <th>{t('promotions.list.window')}</th>
                  <th>{t('promotions.list.usage')}</th>
                  <th className="num">{t('promotions.list.cost')}</th>
                  {admin ? <th className="promo-actions-col">{t('promotions.list.actions')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.map((p) => (
                  <tr key={p.id} data-code={p.code}>
                    <td>
                      <Link to={`/promotions/${p.id}`} className="seg-name-link promo-name">
                        {p.name}
                      </Link>
                      <div className="mono muted small">{p.code}</div>
                    </td>
                    <td>
                      <StatusBadge status={p.status} />
                      {p.status === 'active' && p.endsAt && Date.parse(p.endsAt) <= Date.now() ? <div className="muted small nowrap">{t('promotions.list.windowOver')}</div> : null}
                      {p.status === 'active' && p.startsAt && Date.parse(p.startsAt) > Date.now() ? <div className="muted small nowrap">{t('promotions.list.notStarted')}</div> : null}
                    </td>
                    <td className="promo-rule-cell">
                      <div className="promo-rule" data-testid="promo-rule">
                        {definitionText(t, p.definition)}
                      </div>
                      <div className="muted small">{[scopeText(t, p.definition.scope), ...conditionTexts(t, p.conditions)].join(' · ')}</div>
                    </td>
                    <td className="nowrap small">
                      <WindowText p={p} f={f} />
                    </td>
                    <td className="promo-usage-cell">
                      <Usage p={p} f={f} />
                    </td>
                    <td className="num nowrap" data-testid="promo-cost">
                      {f.money(p.counters.discountFen / 100)}
                    </td>
                    {admin ? (
                      <td className="promo-actions-col">
                        <div className="promo-row-actions">
                          {NEXT[p.status].map((to) => (
                            <button
                              key={to}
                              type="button"
                              className={to === 'ended' ? 'btn btn-small btn-ghost' : 'btn btn-small'}
                              disabled={setStatusOf.isPending}
                              data-action={to}
                              onClick={() => (to === 'ended' ? setEnding(p) : setStatusOf.mutate({ id: p.id, status: to }))}
                            >
                              {t(`promotions.action.${to}`)}
                            </button>
                          ))}
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {setStatusOf.isError ? (
          <div className="form-error" role="alert">
            {setStatusOf.error.message}
          </div>
        ) : null}
      </section>
      {ending ? (
        <ConfirmDialog
          title={t('promotions.action.endTitle', { name: ending.name })}
          confirm={t('promotions.action.ended')}
          danger
          busy={setStatusOf.isPending}
          onClose={() => setEnding(null)}
          onConfirm={() => setStatusOf.mutate({ id: ending.id, status: 'ended' }, { onSuccess: () => setEnding(null) })}
        >
          <p>{t('promotions.action.endBody')}</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge promo-status promo-status-${status}`} data-status={status}>
      {t(`promotions.status.${status}`)}
    </span>
  );
}

function WindowText({ p, f }: { p: Promotion; f: Format }) {
  const { t } = useTranslation();
  if (!p.startsAt && !p.endsAt) return <span className="muted">{t('promotions.list.always')}</span>;
  return (
    <>
      <div>{p.startsAt ? f.dateTime(p.startsAt) : t('promotions.list.now')}</div>
      <div className="muted">→ {p.endsAt ? f.dateTime(p.endsAt) : t('promotions.list.open')}</div>
    </>
  );
}

/** Uses, customers and spend against whichever limits the promotion has; a bar for the tightest. */
function Usage({ p, f }: { p: Promotion; f: Format }) {
  const { t } = useTranslation();
  const rows: Array<{ key: string; used: string; limit: string | null; share: number | null }> = [
    { key: 'uses', used: f.number(p.counters.uses), limit: p.totalQuantity ? f.number(p.totalQuantity) : null, share: p.totalQuantity ? p.counters.uses / p.totalQuantity : null },
    { key: 'customers', used: f.number(p.counters.customers), limit: p.firstN ? f.number(p.firstN) : null, share: p.firstN ? p.counters.customers / p.firstN : null },
  ];
  if (p.budgetFen) rows.push({ key: 'budget', used: f.compactMoney(p.counters.discountFen / 100), limit: f.compactMoney(p.budgetFen / 100), share: p.counters.discountFen / p.budgetFen });
  return (
    <div className="promo-usage">
      {rows.map((r) => (
        <div key={r.key} className="promo-usage-row" data-usage={r.key}>
          <span className="muted small promo-usage-label">{t(`promotions.list.usage_${r.key}`)}</span>
          <span className="small promo-usage-value">
            {r.used}
            {r.limit ? <span className="muted"> / {r.limit}</span> : null}
          </span>
          {r.share !== null ? (
            <span className="promo-meter" aria-hidden="true">
              <span className={r.share >= 0.9 ? 'promo-meter-fill promo-meter-hot' : 'promo-meter-fill'} style={{ width: `${Math.min(100, r.share * 100)}%` }} />
            </span>
          ) : (
            <span />
          )}
        </div>
      ))}
      {p.perCustomerLimit ? <div className="muted small">{t('promotions.list.perCustomer', { n: p.perCustomerLimit })}</div> : null}
    </div>
  );
}
