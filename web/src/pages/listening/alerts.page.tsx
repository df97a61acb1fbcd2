import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { can, useMe } from '../../auth/session';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat } from '../../format/format';
import { ConfirmDialog } from '../settings/dialog';
import { useAckAlert, useAlerts, useCrisisFromAlert, useDeleteRule, useRules, type Alert, type Rule } from './listening.api';
import { AlertState, FindingFigures, ScopeLabel } from './alert-parts';
import { ListeningHead } from './listening-head';
import { CardHead } from './listening-parts';
import { RuleDialog } from './rule-dialog';
import './listening.css';

const TABS = ['open', 'closed', 'all'] as const;

/** 舆情预警: spike alerts (acknowledge, open a crisis) and, for listening admins, the spike rules that raise them. */
export function AlertsPage() {
  const { t } = useTranslation();
  const { data: me } = useMe();
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((x) => x === params.get('tab')) ?? 'open';
  const alerts = useAlerts(tab);
  const admin = can(me, 'listening:admin');
  return (
    <div className="page ls-page">
      <ListeningHead title={t('listening.alerts.title')} subtitle={t('listening.alerts.subtitle')} />
      <section className="card">
        <div className="ls-tabs" role="tablist" aria-label={t('listening.alerts.statusFilter')}>
          {TABS.map((x) => (
            <button key={x} type="button" role="tab" aria-selected={tab === x} className={tab === x ? 'ls-tab active' : 'ls-tab'} data-tab={x} onClick={() => setParams(x === 'open' ? {} : { tab: x })}>
              {t(`listening.alerts.tab.${x}`)}
              {tab === x && alerts.data ? <span className="ls-tab-count">{alerts.data.length}</span> : null}
            </button>
          ))}
        </div>
        {alerts.isPending ? (
          <Loading />
        ) : alerts.isError ? (
          <ErrorState error={alerts.error} onRetry={() => void alerts.refetch()} />
        ) : alerts.data.length === 0 ? (
          <Empty title={tab === 'open' ? t('listening.alerts.noneOpen') : t('listening.alerts.none')}>{tab === 'open' ? t('listening.alerts.noneOpenHint') : null}</Empty>
        ) : (
          <AlertsTable alerts={alerts.data} canWrite={can(me, 'listening:write')} />
        )}
      </section>
      <RulesCard admin={admin} />
    </div>
  );
}

function AlertsTable({ alerts, canWrite }: { alerts: Alert[]; canWrite: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const ack = useAckAlert();
  const { data: me } = useMe();
  const toCrisis = useCrisisFromAlert(me?.staff?.id);
  const failed = ack.error ?? toCrisis.error;
  return (
    <>
      {failed ? (
        <div className="form-error" role="alert">
          {failed.message}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="table ls-alerts" data-testid="alerts-table">
          <thead>
            <tr>
              <th>{t('listening.alerts.state.label')}</th>
              <th>{t('listening.alerts.rule')}</th>
              <th>{t('listening.alerts.finding')}</th>
              <th>{t('listening.alerts.window')}</th>
              <th>{t('listening.alerts.opened')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => {
              const shown = a.peak ?? a.finding;
              return (
                <tr key={a.id} data-alert={a.id} data-status={a.status}>
                  <td>
                    <AlertState alert={a} />
                  </td>
                  <td>
                    <div className="cell-title">{a.ruleName}</div>
                    <ScopeLabel type={a.scopeType} scopeKey={a.scopeKey} />
                  </td>
                  <td>
                    <FindingFigures finding={shown} />
                  </td>
                  <td className="nowrap small">
                    {f.dateTime(shown.windowStart)} – {new Intl.DateTimeFormat(f.locale, { hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(shown.windowEnd))}
                  </td>
                  <td className="nowrap small">
                    {f.dateTime(a.openedAt)}
                    {a.acknowledgedAt ? <div className="muted">{t('listening.alerts.ackedAt', { at: f.dateTime(a.acknowledgedAt) })}</div> : null}
                  </td>
                  <td className="settings-row-actions">
                    {a.crisisId ? (
                      <Link className="btn btn-small" to={`/listening/crises/${a.crisisId}`}>
                        {t('listening.alerts.toCrisis')}
                      </Link>
                    ) : null}
                    {canWrite && a.status === 'open' && !a.acknowledgedAt ? (
                      <button type="button" className="btn btn-small" disabled={ack.isPending} onClick={() => ack.mutate(a.id)} data-testid="alert-ack">
                        {t('listening.alerts.ack')}
                      </button>
                    ) : null}
                    {canWrite && a.status === 'open' && !a.crisisId ? (
                      <button
                        type="button"
                        className="btn btn-small btn-danger-quiet"
                        disabled={toCrisis.isPending}
                        data-testid="alert-crisis"
                        onClick={() =>
                          toCrisis.mutate(a.id, {
                            onSuccess: (id) => navigate(`/listening/crises/${id}`),
                          })
                        }
                      >
                        {t('listening.alerts.openCrisis')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The spike rules: what each watches and when it fires; listening admins add, edit, pause and delete them. */
function RulesCard({ admin }: { admin: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const rules = useRules();
  const remove = useDeleteRule();
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Rule | null>(null);
  return (
    <section className="card ls-row">
      <CardHead
        title={t('listening.rules.title')}
        aside={
          admin ? (
            <button type="button" className="btn btn-primary btn-small" onClick={() => setEditing('new')} data-testid="rule-new">
              <Icon name="plus" size={16} />
              {t('listening.rules.new')}
            </button>
          ) : null
        }
      />
      {rules.isPending ? (
        <Loading />
      ) : rules.isError ? (
        <ErrorState error={rules.error} />
      ) : rules.data.length === 0 ? (
        <Empty title={t('listening.rules.none')}>{t('listening.rules.noneHint')}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table ls-rules" data-testid="rules-table">
            <thead>
              <tr>
                <th>{t('listening.rules.name')}</th>
                <th>{t('listening.rules.scope')}</th>
                <th>{t('listening.rules.when')}</th>
                <th>{t('listening.rules.notify')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {rules.data.map((r) => (
                <tr key={r.id} data-rule={r.name}>
                  <td>
                    <div className="cell-title">{r.name}</div>
                    {!r.enabled ? <span className="badge badge-muted">{t('listening.rules.paused')}</span> : null}
                    {r.opensCrisis ? <span className="badge badge-danger">{t('listening.rules.opensCrisis')}</span> : null}
                  </td>
                  <td>
                    <ScopeLabel type={r.scopeType} scopeKey={r.scopeKey} />
                  </td>
                  <td className="small">
                    {t(`listening.rules.sentence.${r.metric}`, {
                      window: f.number(r.windowMinutes / 60),
                      pct: f.number(r.increasePct),
                      min: f.number(r.minCount),
                      alpha: r.alpha,
                    })}
                  </td>
                  <td className="small">
                    {[r.notify.console ? t('listening.rules.console') : null, r.notify.emails.length ? t('listening.rules.emails', { count: r.notify.emails.length }) : null, r.notify.webhooks.length ? t('listening.rules.webhooks', { count: r.notify.webhooks.length }) : null]
                      .filter(Boolean)
                      .join(' · ') || '—'}
                  </td>
                  <td className="settings-row-actions">
                    {admin ? (
                      <>
                        <button type="button" className="btn btn-small" onClick={() => setEditing(r)}>
                          {t('listening.rules.edit')}
                        </button>
                        <button type="button" className="btn btn-small btn-ghost" onClick={() => setDeleting(r)}>
                          {t('listening.rules.delete')}
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing ? <RuleDialog rule={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={t('listening.rules.deleteTitle', { name: deleting.name })}
          confirm={t('listening.rules.delete')}
          danger
          busy={remove.isPending}
          error={remove.error?.message}
          onClose={() => setDeleting(null)}
          onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        >
          {t('listening.rules.deleteBody')}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
