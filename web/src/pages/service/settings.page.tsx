import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCompensationPolicies, useQueues, useSlaPolicies, type SlaPolicy } from '../../api/service.api';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { optionTotal, useActionText } from './compensation-panel';
import { useFen } from './service-parts';
import './service.css';

/** Service settings at a glance: queues and their routing, SLA policies and their targets, compensation by severity. */
export function ServiceSettingsPage() {
  const { t } = useTranslation();
  const queues = useQueues();
  const sla = useSlaPolicies();
  const comp = useCompensationPolicies();
  const fen = useFen();
  const actionText = useActionText();
  const minutes = (m: number | null | undefined) => {
    if (m === undefined || m === null) return '—';
    if (m % 1440 === 0) return t('service.settings.days', { n: m / 1440 });
    if (m % 60 === 0) return t('service.settings.hours', { n: m / 60 });
    return t('service.settings.minutes', { n: m });
  };
  const applies = (p: SlaPolicy) => {
    const parts = Object.entries(p.appliesTo ?? {}).filter(([, v]) => v && v.length);
    return parts.length === 0 ? t('service.settings.allTickets') : parts.map(([k, v]) => `${t(`service.settings.field.${k}`, { defaultValue: k })}: ${(v ?? []).join(', ')}`).join('; ');
  };
  return (
    <div className="page sv-page">
      <Link to="/service/tickets" className="back-link">
        <Icon name="back" size={16} />
        {t('service.ticket.back')}
      </Link>
      <div className="page-head">
        <div>
          <h1>{t('service.settings.title')}</h1>
          <p className="muted">{t('service.settings.subtitle')}</p>
        </div>
      </div>

      <section className="card" data-testid="sla-policies">
        <div className="card-head">
          <h2>{t('service.settings.sla')}</h2>
        </div>
        {sla.isPending ? (
          <Loading />
        ) : sla.isError ? (
          <ErrorState error={sla.error} onRetry={() => void sla.refetch()} />
        ) : sla.data.length === 0 ? (
          <Empty title={t('service.settings.none')} />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('service.settings.name')}</th>
                  <th>{t('service.settings.appliesTo')}</th>
                  <th className="num">{t('service.sla.target.ack')}</th>
                  <th className="num">{t('service.sla.target.first_reply')}</th>
                  <th>{t('service.sla.target.resolve')}</th>
                  <th className="num">{t('service.settings.warnAt')}</th>
                </tr>
              </thead>
              <tbody>
                {sla.data.map((p) => (
                  <tr key={p.id} data-code={p.code}>
                    <td>
                      <strong>{p.name}</strong>
                      <div className="mono muted small">{p.code}</div>
                    </td>
                    <td className="small">{applies(p)}</td>
                    <td className="num">{minutes(p.ackMinutes)}</td>
                    <td className="num">{minutes(p.firstReplyMinutes)}</td>
                    <td className="small">
                      {Object.entries(p.resolveMinutes ?? {})
                        .map(([k, v]) => `${t(`service.severity.${k}`, { defaultValue: t('service.settings.other') })} ${minutes(v)}`)
                        .join(' · ')}
                    </td>
                    <td className="num">{p.warnPercent}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" data-testid="queues">
        <div className="card-head">
          <h2>{t('service.settings.queues')}</h2>
        </div>
        {queues.isPending ? (
          <Loading />
        ) : queues.isError ? (
          <ErrorState error={queues.error} onRetry={() => void queues.refetch()} />
        ) : queues.data.length === 0 ? (
          <Empty title={t('service.settings.none')} />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('service.settings.name')}</th>
                  <th>{t('service.settings.routes')}</th>
                  <th>{t('service.settings.assignment')}</th>
                  <th className="num">{t('service.settings.members')}</th>
                </tr>
              </thead>
              <tbody>
                {queues.data.map((q) => (
                  <tr key={q.id} data-code={q.code}>
                    <td>
                      <strong>{q.name}</strong>
                      <div className="mono muted small">{q.code}</div>
                    </td>
                    <td className="small">
                      {Object.entries(q.routes ?? {})
                        .filter(([, v]) => v && v.length)
                        .map(([k, v]) => `${t(`service.settings.field.${k}`, { defaultValue: k })}: ${(v ?? []).join(', ')}`)
                        .join('; ') || t('service.settings.allTickets')}
                    </td>
                    <td>{t(`service.settings.assign.${q.assignment}`, { defaultValue: q.assignment })}</td>
                    <td className="num">{q.memberIds.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" data-testid="compensation-policies">
        <div className="card-head">
          <h2>{t('service.settings.compensation')}</h2>
        </div>
        {comp.isPending ? (
          <Loading />
        ) : comp.isError ? (
          <ErrorState error={comp.error} onRetry={() => void comp.refetch()} />
        ) : comp.data.length === 0 ? (
          <Empty title={t('service.settings.none')} />
        ) : (
          <div className="sv-policy-grid">
            {comp.data.map((p) => (
              <article key={p.id} className={`sv-policy sv-policy-${p.severity}`} data-code={p.code}>
                <div className="sv-policy-head">
                  <strong>{p.name}</strong>
                  <span className={`sv-sev sv-sev-${p.severity}`}>
                    <span className="sv-sev-bar" aria-hidden="true" />
                    {t(`service.severity.${p.severity}`)}
                  </span>
                </div>
                <ul>
                  {p.options.map((o) => (
                    <li key={o.code}>
                      <span>
                        <strong>{o.name}</strong>
                        <span className="muted small"> · {o.actions.map(actionText).join(' + ')}</span>
                      </span>
                      <span className="nowrap">{optionTotal(o) > 0 ? fen(optionTotal(o)) : ''}</span>
                    </li>
                  ))}
                </ul>
                <div className="muted small">
                  {t('service.settings.approval', { scope: p.approvalScope })}
                  {p.maxTotalFen ? ` · ${t('service.comp.cap', { amount: fen(p.maxTotalFen) })}` : ''}
                </div>
              </article>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
