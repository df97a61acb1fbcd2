import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCustomer360, type OrderItem } from '../../api/customers.api';
import { useMember, useMemberTier } from '../../api/loyalty.api';
import { ticketRef, useCustomerTickets, type Ticket, type TicketDetail } from '../../api/service.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { localName } from '../loyalty/loyalty-words';
import { KindLabel, StatusBadge, useFen } from './service-parts';
import './service.css';

/** The customer beside the ticket: the 360 in brief — tier, points, recent orders, earlier tickets — with a link to the full 360. */
export function CustomerSide({ tk, order }: { tk: Ticket; order?: TicketDetail['order'] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  if (!tk.customerId || !can(me, 'customers:read'))
    return (
      <section className="card sv-customer" data-testid="ticket-customer-side">
        <div className="card-head">
          <h2>{t('service.customer.title')}</h2>
        </div>
        {tk.contact ? (
          <dl className="sv-mini-facts">
            {tk.contact.name ? (
              <div>
                <dt>{t('service.create.contactName')}</dt>
                <dd>{tk.contact.name}</dd>
              </div>
            ) : null}
            {tk.contact.phone ? (
              <div>
                <dt>{t('service.create.contactPhone')}</dt>
                <dd>{f.phone(tk.contact.phone)}</dd>
              </div>
            ) : null}
            {tk.contact.email ? (
              <div>
                <dt>{t('service.customer.email')}</dt>
                <dd>{tk.contact.email}</dd>
              </div>
            ) : null}
          </dl>
        ) : null}
        <p className="muted small">{t('service.customer.notMember')}</p>
      </section>
    );
  return <MemberSide customerId={tk.customerId} ticketId={tk.id} order={order ?? null} />;
}

function MemberSide({ customerId, ticketId, order }: { customerId: string; ticketId: string; order: TicketDetail['order'] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const c = useCustomer360(customerId);
  const loyalty = can(me, 'loyalty:read');
  const tickets = useCustomerTickets(customerId);
  const fenMoney = useFen();
  if (c.isPending)
    return (
      <section className="card sv-customer">
        <Loading />
      </section>
    );
  if (c.isError)
    return (
      <section className="card sv-customer">
        <ErrorState error={c.error} onRetry={() => void c.refetch()} />
      </section>
    );
  const p = c.data.profile;
  const memberNo = c.data.identifiers.find((i) => i.type === 'member_no')?.value;
  const orders = c.data.timeline.items.filter((x): x is OrderItem => x.kind === 'order').slice(0, 3);
  const earlier = (tickets.data?.items ?? []).filter((x) => x.id !== ticketId);
  return (
    <section className="card sv-customer" data-testid="ticket-customer-side">
      <div className="sv-customer-head">
        <span className="avatar avatar-lg" aria-hidden="true">
          {(p.name ?? '?').slice(0, 1)}
        </span>
        <div>
          <Link to={`/customers/${c.data.id}`} className="sv-customer-name" data-testid="side-customer-name">
            {p.name || t('customer.unnamed')}
          </Link>
          <div className="muted small">{[memberNo, p.city].filter(Boolean).join(' · ')}</div>
        </div>
        {loyalty ? <SideTier customerId={customerId} /> : null}
      </div>
      <div className="sv-customer-kpis">
        <div>
          <span className="kpi-label">{t('service.customer.points')}</span>
          {loyalty ? <SidePoints customerId={customerId} /> : <strong>—</strong>}
        </div>
        <div>
          <span className="kpi-label">{t('stats.orders')}</span>
          <strong>{f.number(c.data.stats.orders)}</strong>
        </div>
        <div>
          <span className="kpi-label">{t('stats.netSpend')}</span>
          <strong>{f.money(c.data.stats.netSpend)}</strong>
        </div>
      </div>
      {order ? (
        <>
          <h3 className="sv-side-h">{t('service.customer.ticketOrder')}</h3>
          <div className="sv-ticket-order" data-testid="side-order">
            <span>
              <span className="mono small">{order.externalId}</span>
              <div className="muted small">
                {f.date(order.placedAt)} · {t(`orderStatus.${order.status}`, { defaultValue: order.status })}
              </div>
            </span>
            <strong className="nowrap">{fenMoney(order.paidFen)}</strong>
          </div>
        </>
      ) : null}
      <h3 className="sv-side-h">{t('service.customer.recentOrders')}</h3>
      {orders.length === 0 ? (
        <p className="muted small">{t('service.customer.noOrders')}</p>
      ) : (
        <ul className="sv-side-list">
          {orders.map((o) => (
            <li key={o.id}>
              <span>
                <span className="mono small">{o.externalId}</span>
                <span className="muted small"> · {f.date(o.at)}</span>
                <div className="muted small sv-clip">{o.lines.map((l) => l.productName ?? l.sku).join('、')}</div>
              </span>
              <strong className="nowrap">{f.money(o.paid)}</strong>
            </li>
          ))}
        </ul>
      )}
      <h3 className="sv-side-h">{t('service.customer.earlierTickets')}</h3>
      {earlier.length === 0 ? (
        <p className="muted small">{t('service.customer.noTickets')}</p>
      ) : (
        <ul className="sv-side-list" data-testid="side-tickets">
          {earlier.slice(0, 5).map((x) => (
            <li key={x.id}>
              <span>
                <Link to={`/service/tickets/${x.id}`} className="mono small">
                  {ticketRef(x)}
                </Link>{' '}
                <span className="small">{x.subject}</span>
                <div className="muted small">
                  <KindLabel kind={x.kind} /> · {f.date(x.receivedAt)}
                </div>
              </span>
              <StatusBadge status={x.status} />
            </li>
          ))}
        </ul>
      )}
      <Link to={`/customers/${c.data.id}`} className="btn btn-small btn-block sv-open-360">
        <Icon name="customers" size={16} />
        {t('service.customer.open360')}
      </Link>
    </section>
  );
}

function SideTier({ customerId }: { customerId: string }) {
  const { i18n } = useTranslation();
  const tier = useMemberTier(customerId);
  return tier.data?.tier ? (
    <span className="loyalty-tier-badge sv-tier" data-testid="side-tier">
      {localName(tier.data.tier.name, i18n.language)}
    </span>
  ) : null;
}

function SidePoints({ customerId }: { customerId: string }) {
  const f = useFormat();
  const member = useMember(customerId);
  return <strong data-testid="side-points">{member.data ? f.number(member.data.available) : '—'}</strong>;
}

/** The customer 360's service card: this customer's tickets, each linking to its page. */
export function CustomerTicketsCard({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = useCustomerTickets(customerId);
  return (
    <section className="card sv-360" data-testid="customer-tickets">
      <div className="card-head">
        <h2>{t('service.customer.cardTitle')}</h2>
        <Link to={`/service/tickets?customer=${customerId}&tab=all`} className="small">
          {t('service.customer.all')}
        </Link>
      </div>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <p className="muted">{t('service.customer.noTickets')}</p>
      ) : (
        <ul className="sv-side-list">
          {q.data.items.slice(0, 8).map((x) => (
            <li key={x.id} data-number={x.number}>
              <span>
                <Link to={`/service/tickets/${x.id}`} className="mono">
                  {ticketRef(x)}
                </Link>{' '}
                {x.subject}
                <div className="muted small">
                  <KindLabel kind={x.kind} />
                  {x.severity ? ` · ${t(`service.severity.${x.severity}`)}` : ''} · {f.dateTime(x.receivedAt)}
                </div>
              </span>
              <StatusBadge status={x.status} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
