import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { useJourneys } from '../../api/journeys.api';
import { CHANNELS, MESSAGE_STATUSES, useMessage, useMessageTemplates, useMessages, type Message } from '../../api/messaging.api';
import type { CustomerSummary } from '../../api/customers.api';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { CustomerPicker } from '../promotions/customer-picker';
import { Dialog } from '../settings/dialog';
import '../journeys/journeys.css';

/** The message log: every message from planning to delivery, filtered by channel, status, journey and customer; addresses masked. */
export function MessageLogPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const filters = {
    channel: params.get('channel') ?? '',
    status: params.get('status') ?? '',
    journeyId: params.get('journeyId') ?? '',
    customerId: params.get('customerId') ?? '',
  };
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const list = useMessages({ ...filters, ...(cursor ? { cursor } : {}) });
  const journeys = useJourneys('');
  const templates = useMessageTemplates();
  const templateName = (code: string | null | undefined) => (code ? (templates.data?.find((x) => x.code === code)?.name ?? code) : null);
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const set = (k: string, v: string) => {
    const n = new URLSearchParams(params);
    if (v) n.set(k, v);
    else n.delete(k);
    setParams(n, { replace: true });
    setCursors([]);
  };
  const journeyName = (id: string | null) => (id ? (journeys.data?.find((j) => j.id === id)?.name ?? null) : null);

  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <h1>{t('messaging.log.title')}</h1>
          <p className="muted">{t('messaging.log.subtitle')}</p>
        </div>
      </div>
      <section className="card jr-filters" data-testid="log-filters">
        <label className="jr-f">
          <span className="jr-f-label">{t('messaging.log.channel')}</span>
          <select name="channel" value={filters.channel} onChange={(e) => set('channel', e.target.value)}>
            <option value="">{t('messaging.log.all')}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`messaging.channel.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="jr-f">
          <span className="jr-f-label">{t('messaging.log.status')}</span>
          <select name="status" value={filters.status} onChange={(e) => set('status', e.target.value)}>
            <option value="">{t('messaging.log.all')}</option>
            {MESSAGE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`messaging.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="jr-f">
          <span className="jr-f-label">{t('messaging.log.journey')}</span>
          <select name="journeyId" value={filters.journeyId} onChange={(e) => set('journeyId', e.target.value)}>
            <option value="">{t('messaging.log.all')}</option>
            {(journeys.data ?? []).map((j) => (
              <option key={j.id} value={j.id}>
                {j.name}
              </option>
            ))}
          </select>
        </label>
        <div className="jr-f jr-f-customer">
          <span className="jr-f-label">{t('messaging.log.customer')}</span>
          {filters.customerId && !customer ? (
            <div className="promo-picked">
              <span className="mono small">{filters.customerId.slice(0, 8)}…</span>
              <button type="button" className="btn btn-ghost btn-small" onClick={() => set('customerId', '')}>
                {t('messaging.log.clear')}
              </button>
            </div>
          ) : (
            <CustomerPicker
              value={customer}
              name="log-customer"
              onChange={(c) => {
                setCustomer(c);
                set('customerId', c?.id ?? '');
              }}
            />
          )}
        </div>
      </section>

      <section className="card">
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.items.length === 0 ? (
          <Empty title={t('messaging.log.empty')}>{t('messaging.log.emptyHint')}</Empty>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table" data-testid="message-table">
                <thead>
                  <tr>
                    <th className="nowrap">{t('messaging.log.time')}</th>
                    <th>{t('messaging.log.customer')}</th>
                    <th>{t('messaging.log.channel')}</th>
                    <th>{t('messaging.log.to')}</th>
                    <th>{t('messaging.log.message')}</th>
                    <th>{t('messaging.log.source')}</th>
                    <th>{t('messaging.log.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((m) => (
                    <tr key={m.id} data-status={m.status} data-channel={m.channel} className="jr-clickable" onClick={() => setOpen(m.id)}>
                      <td className="nowrap small">{f.dateTime(m.sentAt ?? m.sendAfter ?? m.createdAt)}</td>
                      <td>
                        <Link to={`/customers/${m.customerId}`} onClick={(e) => e.stopPropagation()}>
                          {m.customerName ?? t('messaging.log.customerLink')}
                        </Link>
                      </td>
                      <td className="nowrap">
                        <ChannelBadge channel={m.channel} />
                      </td>
                      <td className="mono small nowrap" data-testid="to-masked">
                        {m.toMasked ?? '—'}
                      </td>
                      <td className="jr-msg-cell">
                        <div className="jr-msg-title">{m.templateName ?? templateName(m.templateCode) ?? m.subject ?? '—'}</div>
                        {m.subject || m.body ? <div className="muted small jr-clip">{m.subject ?? m.body}</div> : null}
                      </td>
                      <td className="small">
                        {m.journeyId ? (
                          <Link to={`/journeys/${m.journeyId}/stats`} onClick={(e) => e.stopPropagation()}>
                            {m.journeyName ?? journeyName(m.journeyId) ?? t('messaging.source.journey')}
                          </Link>
                        ) : (
                          t(`messaging.source.${m.sourceKind}`, { defaultValue: m.sourceKind })
                        )}
                        {m.stepId ? <div className="muted mono small">{m.stepId}</div> : null}
                      </td>
                      <td>
                        <MessageStatusBadge status={m.status} />
                        {m.reason ? <div className="muted small">{t(`messaging.reason.${m.reason}`, { defaultValue: m.reason })}</div> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <span className="muted small">{list.data.total !== undefined ? t('messaging.log.total', { n: f.number(list.data.total) }) : null}</span>
              <div className="pager-buttons">
                <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                  {t('messaging.log.prev')}
                </button>
                <button type="button" className="btn btn-small" disabled={!list.data.nextCursor} onClick={() => setCursors((c) => [...c, list.data.nextCursor!])}>
                  {t('messaging.log.next')}
                </button>
              </div>
            </div>
          </>
        )}
      </section>
      {open ? <MessageDialog id={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}

export function ChannelBadge({ channel }: { channel: string }) {
  const { t } = useTranslation();
  return <span className={`jr-ch jr-ch-${channel}`}>{t(`messaging.channel.${channel}`, { defaultValue: channel })}</span>;
}

export function MessageStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge jr-ms jr-ms-${status}`} data-status={status}>
      {t(`messaging.status.${status}`, { defaultValue: status })}
    </span>
  );
}

function MessageDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useMessage(id);
  return (
    <Dialog
      wide
      title={t('messaging.log.detail')}
      onClose={onClose}
      footer={
        <button type="button" className="btn" onClick={onClose}>
          {t('journeys.common.close')}
        </button>
      }
    >
      {q.isPending ? <Loading /> : q.isError ? <ErrorState error={q.error} /> : <MessageDetail m={q.data} f={f} />}
    </Dialog>
  );
}

function MessageDetail({ m, f }: { m: Message; f: ReturnType<typeof useFormat> }) {
  const { t } = useTranslation();
  return (
    <div className="jr-msg-detail">
      <dl className="jr-facts">
        <dt>{t('messaging.log.status')}</dt>
        <dd>
          <MessageStatusBadge status={m.status} /> {m.reason ? t(`messaging.reason.${m.reason}`, { defaultValue: m.reason }) : ''}
        </dd>
        <dt>{t('messaging.log.channel')}</dt>
        <dd>
          <ChannelBadge channel={m.channel} /> <span className="mono small">{m.toMasked ?? ''}</span>
        </dd>
        <dt>{t('messaging.log.planned')}</dt>
        <dd>{f.dateTime(m.sendAfter)}</dd>
        <dt>{t('messaging.log.sentAt')}</dt>
        <dd>{f.dateTime(m.sentAt)}</dd>
        <dt>{t('messaging.log.deliveredAt')}</dt>
        <dd>{f.dateTime(m.deliveredAt)}</dd>
        <dt>{t('messaging.log.attempts')}</dt>
        <dd>
          {m.attempts}
          {m.lastError ? <span className="muted small"> · {m.lastError}</span> : null}
        </dd>
      </dl>
      {m.subject || m.body ? (
        <div className={`jr-bubble jr-bubble-${m.channel}`}>
          {m.subject ? <div className="jr-bubble-subject">{m.subject}</div> : null}
          {m.body ? <div className="jr-bubble-body">{m.body}</div> : null}
        </div>
      ) : null}
      {m.events?.length ? (
        <ol className="jr-events">
          {m.events.map((e) => (
            <li key={e.id}>
              <MessageStatusBadge status={e.status} /> <span className="muted small">{f.dateTime(e.occurredAt)}</span>
            </li>
          ))}
        </ol>
      ) : null}
      <Link to={`/customers/${m.customerId}`} className="small">
        <Icon name="customers" size={14} /> {t('messaging.log.openCustomer')}
      </Link>
    </div>
  );
}
