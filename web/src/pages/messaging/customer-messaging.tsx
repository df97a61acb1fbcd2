import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCustomerJourneys } from '../../api/journeys.api';
import { useCustomerMessages, useMessageTemplates } from '../../api/messaging.api';
import { useFormat } from '../../format/format';
import { ErrorState, Loading } from '../../components/states';
import { ChannelBadge, MessageStatusBadge } from './message-log.page';
import '../journeys/journeys.css';

/** The customer 360's messages: the latest messages to this person, with channel, masked address and status. */
export function CustomerMessagesCard({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useCustomerMessages(customerId);
  const templates = useMessageTemplates();
  const templateName = (code: string | null | undefined) => (code ? (templates.data?.find((x) => x.code === code)?.name ?? code) : null);
  return (
    <section className="card" data-testid="customer-messages">
      <div className="card-head">
        <h2>{t('messaging.customer.title')}</h2>
        <Link to={`/messaging/log?customerId=${customerId}`} className="small">
          {t('messaging.customer.all')}
        </Link>
      </div>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <p className="muted">{t('messaging.customer.none')}</p>
      ) : (
        <ul className="jr-cust-msgs">
          {q.data.items.slice(0, 8).map((m) => (
            <li key={m.id} data-status={m.status}>
              <span className="jr-cust-when muted small">{f.dateTime(m.sentAt ?? m.sendAfter ?? m.createdAt)}</span>
              <ChannelBadge channel={m.channel} />
              <span className="jr-cust-what">
                <strong>{m.templateName ?? templateName(m.templateCode) ?? m.subject ?? '—'}</strong>
                {m.body ? <span className="muted small jr-clip">{m.body}</span> : null}
                <span className="muted small">
                  {m.toMasked ?? ''}
                  {m.journeyName ? ` · ${m.journeyName}` : ''}
                </span>
              </span>
              <span className="jr-cust-status">
                <MessageStatusBadge status={m.status} />
                {m.reason ? <span className="muted small">{t(`messaging.reason.${m.reason}`, { defaultValue: m.reason })}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The customer 360's journeys: the journeys this person is in or went through, where they are, whether held out. */
export function CustomerJourneysCard({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useCustomerJourneys(customerId);
  return (
    <section className="card" data-testid="customer-journeys">
      <div className="card-head">
        <h2>{t('journeys.customer.title')}</h2>
        {q.data ? <span className="muted small">{t('journeys.customer.count', { n: q.data.length })}</span> : null}
      </div>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.length === 0 ? (
        <p className="muted">{t('journeys.customer.none')}</p>
      ) : (
        <ul className="jr-cust-journeys">
          {q.data.slice(0, 10).map((e) => (
            <li key={e.id} data-status={e.status}>
              <span className="jr-cust-what">
                <Link to={`/journeys/${e.journeyId}/stats`}>{e.journeyName ?? e.journeyCode ?? t('journeys.customer.journey')}</Link>
                <span className="muted small">
                  {t('journeys.customer.entered', { date: f.date(e.enteredAt) })}
                  {e.currentStep && (e.status === 'active' || e.status === 'held_out') ? ` · ${t('journeys.customer.at', { step: e.currentStep })}` : ''}
                  {e.convertedAt ? ` · ${t('journeys.customer.converted', { date: f.date(e.convertedAt) })}` : ''}
                </span>
              </span>
              <span className={`badge jr-es jr-es-${e.status}`}>{t(`journeys.enrollment.${e.status}`, { defaultValue: e.status })}</span>
              {e.holdout === 1 || e.holdout === true ? <span className="badge badge-muted">{t('journeys.customer.holdout')}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
