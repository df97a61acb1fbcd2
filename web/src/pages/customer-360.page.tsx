import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  useCustomer360,
  useOlderTimeline,
  useUnmerge,
  type Customer360,
  type MergeItem,
  type TimelineItem,
} from '../api/customers.api';
import { useStoreNames } from '../api/catalog.api';
import { can, useMe } from '../auth/session';
import { useFormat, type Format } from '../format/format';
import { Icon } from '../components/icons';
import { Empty, ErrorState, Loading } from '../components/states';
import { MembershipCard, PointsStatement } from './loyalty/member-loyalty';
import { isLoyaltyItem, LoyaltyItemSummary, useLoyaltyItemKind } from './loyalty/loyalty-timeline';
import { PredictionCard } from './insights/prediction-card';
import { CouponWallet } from './promotions/customer-coupons';
import { CustomerJourneysCard, CustomerMessagesCard } from './messaging/customer-messaging';
import { CustomerTicketsCard } from './service/customer-side';
import { CustomerPrivacyActions } from './customer-privacy';

type T = ReturnType<typeof useTranslation>['t'];

export function Customer360Page() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const customer = useCustomer360(id);
  return (
    <div className="page">
      <Link to="/customers" className="back-link">
        <Icon name="back" size={16} />
        {t('customers.backToSearch')}
      </Link>
      {customer.isPending ? (
        <Loading />
      ) : customer.isError ? (
        <ErrorState error={customer.error} onRetry={() => void customer.refetch()} />
      ) : (
        <CustomerView c={customer.data} />
      )}
    </div>
  );
}

/** 'api', 'demo', 'import:orders' → a readable origin; unknown sources show as they are. */
function sourceLabel(t: T, source: string): string {
  const [head = source, ...rest] = source.split(':');
  const tail = rest.join(':');
  return t(`source.${head}`, { defaultValue: head }) + (tail ? ` · ${tail}` : '');
}

const channelLabel = (t: T, channel: string) => t(`channel.${channel}`, { defaultValue: channel });

/** 'staff:wang' → wang, 'apikey:pos' → API key pos, 'system:…' → automatic. */
function actorLabel(t: T, actor: string): string {
  const [kind, ...rest] = actor.split(':');
  const name = rest.join(':');
  if (kind === 'system') return t('timeline.actorSystem');
  if (kind === 'apikey') return t('timeline.actorApiKey', { name });
  return name || actor;
}

function CustomerView({ c }: { c: Customer360 }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const stores = useStoreNames();
  const storeName = (code: string) => stores.data?.get(code) ?? code;
  const p = c.profile;
  const facts: [string, string | null][] = [
    [t('customer.gender'), p.gender && p.gender !== 'unknown' ? t(`gender.${p.gender}`, { defaultValue: p.gender }) : null],
    [t('customer.birthday'), p.birthday ? f.day(p.birthday) : null],
    [t('customer.city'), p.city],
    [t('customer.occupation'), p.occupation],
    [t('customer.familyStage'), p.familyStage ? t(`familyStage.${p.familyStage}`, { defaultValue: p.familyStage }) : null],
    [t('customer.incomeBand'), p.incomeBand ? t(`incomeBand.${p.incomeBand}`, { defaultValue: p.incomeBand }) : null],
    [t('customer.since'), f.date(p.createdAt)],
    [t('customer.lastSeen'), f.date(p.lastSeenAt)],
  ];
  const memberNo = c.identifiers.find((i) => i.type === 'member_no')?.value;
  // "Primary" only tells something when a person has several identifiers of one type.
  const typeCount = new Map<string, number>();
  for (const i of c.identifiers) typeCount.set(i.type, (typeCount.get(i.type) ?? 0) + 1);
  const maxCategory = Math.max(1, ...c.stats.favouriteCategories.map((x) => Number(x.netSpend)));
  const maxStore = Math.max(1, ...c.stats.favouriteStores.map((x) => x.orders));

  return (
    <>
      {c.mergedInto ? (
        <div className="notice" role="status">
          {t('customer.mergedNotice')}
        </div>
      ) : null}
      <section className="card profile-card">
        <div className="avatar avatar-lg" aria-hidden="true">
          {(p.name ?? '?').slice(0, 1)}
        </div>
        <div className="profile-main">
          <div className="profile-title">
            <h1 data-testid="customer-name">{p.name || t('customer.unnamed')}</h1>
            {p.status !== 'active' ? <span className="badge badge-warn">{t(`customerStatus.${p.status}`, { defaultValue: p.status })}</span> : null}
            {memberNo ? <span className="badge">{t('customer.memberNoShort', { no: memberNo })}</span> : null}
          </div>
          <dl className="facts">
            {facts
              .filter((fact): fact is [string, string] => !!fact[1] && fact[1] !== '—')
              .map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
          </dl>
          {p.tags.length > 0 ? (
            <div className="chips">
              {p.tags.map((tag) => (
                <span className="chip" key={tag}>
                  {tag}
                </span>
              ))}
            </div>
          ) : null}
        </div>
        {can(me, 'privacy:admin') && !c.mergedInto ? <CustomerPrivacyActions customerId={c.id} erased={p.status === 'erased'} /> : null}
      </section>

      <section className="kpis" aria-label={t('stats.title')}>
        <Kpi
          label={t('stats.orders')}
          value={f.number(c.stats.orders)}
          testId="stat-orders"
          note={c.stats.firstOrderAt ? t('stats.orderSpan', { first: f.date(c.stats.firstOrderAt), last: f.date(c.stats.lastOrderAt) }) : undefined}
        />
        <Kpi
          label={t('stats.netSpend')}
          value={f.money(c.stats.netSpend)}
          note={Number(c.stats.refunded) > 0 ? t('stats.refundedNote', { amount: f.money(c.stats.refunded) }) : undefined}
        />
        <Kpi label={t('stats.aov')} value={f.money(c.stats.averageOrderValue)} />
        <Kpi label={t('stats.returns')} value={f.number(c.stats.returns)} />
        <Kpi label={t('stats.events')} value={f.number(c.stats.events)} note={c.stats.lastEventAt ? t('stats.lastAt', { date: f.date(c.stats.lastEventAt) }) : undefined} />
      </section>

      {can(me, 'loyalty:read') ? <MembershipCard customerId={c.id} /> : null}
      {can(me, 'insights:read') ? <PredictionCard customerId={c.id} /> : null}
      {can(me, 'promotions:read') ? <CouponWallet customerId={c.id} /> : null}
      {can(me, 'service:read') ? <CustomerTicketsCard customerId={c.id} /> : null}
      {can(me, 'messaging:read') || can(me, 'journeys:read') ? (
        <div className="grid-2">
          {can(me, 'messaging:read') ? <CustomerMessagesCard customerId={c.id} /> : null}
          {can(me, 'journeys:read') ? <CustomerJourneysCard customerId={c.id} /> : null}
        </div>
      ) : null}

      <section className="card">
        <div className="card-head">
          <h2>{t('identifiers.title')}</h2>
          <span className="muted small">{t('identifiers.count', { count: c.identifiers.length })}</span>
        </div>
        {c.identifiers.length === 0 ? (
          <Empty title={t('identifiers.none')} />
        ) : (
          <div className="table-wrap">
            <table className="table table-compact">
              <thead>
                <tr>
                  <th>{t('identifiers.type')}</th>
                  <th>{t('identifiers.value')}</th>
                  <th>{t('identifiers.source')}</th>
                  <th className="hide-narrow">{t('identifiers.firstSeen')}</th>
                  <th className="hide-narrow">{t('identifiers.lastSeen')}</th>
                </tr>
              </thead>
              <tbody>
                {c.identifiers.map((i) => (
                  <tr key={`${i.type}:${i.value}`}>
                    <td className="nowrap">{t(`identifier.${i.type}`, { defaultValue: i.type })}</td>
                    <td>
                      <span className="mono break">{i.type === 'phone' ? f.phone(i.value) : i.value}</span>
                      {i.primary && (typeCount.get(i.type) ?? 0) > 1 ? <span className="badge badge-ok">{t('identifiers.primary')}</span> : null}
                    </td>
                    <td className="muted nowrap">{sourceLabel(t, i.source)}</td>
                    <td className="muted nowrap hide-narrow">{f.date(i.createdAt)}</td>
                    <td className="muted nowrap hide-narrow">{f.date(i.lastSeenAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <div className="grid-3">
        <section className="card">
          <div className="card-head">
            <h2>{t('consents.title')}</h2>
          </div>
          {c.consents.current.length === 0 ? (
            <Empty title={t('consents.none')} />
          ) : (
            <ul className="consents">
              {c.consents.current.map((k) => (
                <li key={`${k.channel}:${k.purpose}`}>
                  <div>
                    <div className="consent-what">
                      {t(`consentChannel.${k.channel}`, { defaultValue: k.channel })} · {t(`consentPurpose.${k.purpose}`, { defaultValue: k.purpose })}
                    </div>
                    <div className="muted small">
                      {sourceLabel(t, k.source)} · {f.date(k.recordedAt)}
                    </div>
                  </div>
                  <span className={k.status === 'granted' ? 'badge badge-ok' : 'badge badge-muted'}>
                    {t(`consentStatus.${k.status}`, { defaultValue: k.status })}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {c.consents.history.length > c.consents.current.length ? (
            <p className="muted small footnote">{t('consents.historyNote', { count: c.consents.history.length })}</p>
          ) : null}
        </section>

        <section className="card">
          <div className="card-head">
            <h2>{t('stats.favouriteCategories')}</h2>
          </div>
          {c.stats.favouriteCategories.length === 0 ? (
            <Empty title={t('stats.noFavourites')} />
          ) : (
            <ul className="bars">
              {c.stats.favouriteCategories.map((x) => (
                <li key={x.category.join('/')}>
                  <span className="bar-label" title={x.category.join(' / ')}>
                    {x.category.join(' / ')}
                  </span>
                  <span className="bar-track">
                    <span className="bar-fill" style={{ width: `${(Number(x.netSpend) / maxCategory) * 100}%` }} />
                  </span>
                  <span className="bar-value">
                    {f.money(x.netSpend)} · {t('stats.ordersCount', { count: x.orders })}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card">
          <div className="card-head">
            <h2>{t('stats.favouriteStores')}</h2>
          </div>
          {c.stats.favouriteStores.length === 0 ? (
            <Empty title={t('stats.noStores')} />
          ) : (
            <ul className="bars">
              {c.stats.favouriteStores.map((x) => (
                <li key={x.storeCode}>
                  <span className="bar-label" title={x.storeCode}>
                    {storeName(x.storeCode)}
                  </span>
                  <span className="bar-track">
                    <span className="bar-fill bar-fill-alt" style={{ width: `${(x.orders / maxStore) * 100}%` }} />
                  </span>
                  <span className="bar-value">
                    {t('stats.ordersCount', { count: x.orders })} · {t('stats.lastAt', { date: f.date(x.lastVisitAt) })}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {c.stats.channels.length > 0 ? (
            <div className="channel-row">
              <span className="muted small">{t('stats.channels')}</span>
              {c.stats.channels.map((x) => (
                <span className="chip chip-plain" key={x.channel}>
                  {channelLabel(t, x.channel)} · {f.number(x.orders)}
                </span>
              ))}
            </div>
          ) : null}
        </section>
      </div>

      {can(me, 'loyalty:read') ? <PointsStatement customerId={c.id} /> : null}

      <Timeline c={c} f={f} storeName={storeName} />
    </>
  );
}

function Kpi({ label, value, note, testId }: { label: string; value: string; note?: string | undefined; testId?: string }) {
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

function Timeline({ c, f, storeName }: { c: Customer360; f: Format; storeName: (code: string) => string }) {
  const { t } = useTranslation();
  const older = useOlderTimeline(c.id, c.timeline.nextCursor);
  const items = [...c.timeline.items, ...(older.data?.pages.flatMap((p) => p.items) ?? [])];
  const more = older.data ? older.hasNextPage : c.timeline.nextCursor !== null;
  const undone = new Set(items.filter((i) => i.kind === 'unmerge').map((i) => i.id));
  const loadMore = () => void (older.data ? older.fetchNextPage() : older.refetch());
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('timeline.title')}</h2>
        <span className="muted small">{more ? t('timeline.latest', { count: items.length }) : t('timeline.count', { count: items.length })}</span>
      </div>
      {items.length === 0 ? (
        <Empty title={t('timeline.none')} />
      ) : (
        <ol className="timeline">
          {items.map((item) => (
            <TimelineEntry key={`${item.kind}:${item.id}`} item={item} customerId={c.id} undone={undone} f={f} storeName={storeName} />
          ))}
        </ol>
      )}
      {older.isError ? <ErrorState error={older.error} /> : null}
      {more ? (
        <div className="more">
          <button type="button" className="btn" disabled={older.isFetching} onClick={loadMore}>
            {older.isFetching ? t('common.loading') : t('timeline.older')}
          </button>
        </div>
      ) : null}
    </section>
  );
}

interface EntryProps {
  item: TimelineItem;
  customerId: string;
  /** Merges already undone: no second unmerge button. */
  undone: Set<string>;
  f: Format;
  storeName: (code: string) => string;
}

function TimelineEntry(props: EntryProps) {
  const { t } = useTranslation();
  const { item, f } = props;
  const loyaltyKind = useLoyaltyItemKind();
  const kind = item.kind === 'item' ? item.itemKind : item.kind;
  return (
    <li className={`tl tl-${item.kind}`}>
      <span className="tl-dot" aria-hidden="true" />
      <div className="tl-body">
        <div className="tl-head">
          <span className="tl-kind">{isLoyaltyItem(kind) ? loyaltyKind(kind) : t(`timeline.kind.${kind}`, { defaultValue: kind })}</span>
          <time dateTime={item.at}>{f.dateTime(item.at)}</time>
        </div>
        <TimelineDetail {...props} />
      </div>
    </li>
  );
}

function TimelineDetail({ item, customerId, undone, f, storeName }: EntryProps) {
  const { t } = useTranslation();
  switch (item.kind) {
    case 'order':
      return (
        <>
          <div className="tl-summary">
            <strong>{f.money(item.paid)}</strong>
            <span>{channelLabel(t, item.channel)}</span>
            {item.storeCode ? <span>{storeName(item.storeCode)}</span> : null}
            {item.status !== 'completed' && item.status !== 'paid' ? (
              <span className="badge">{t(`orderStatus.${item.status}`, { defaultValue: item.status })}</span>
            ) : null}
            {Number(item.refunded) > 0 ? <span className="badge badge-warn">{t('timeline.refunded', { amount: f.money(item.refunded) })}</span> : null}
            <span className="mono muted small">{item.externalId}</span>
          </div>
          <table className="table table-compact lines">
            <tbody>
              {item.lines.map((l) => (
                <tr key={l.lineNo}>
                  <td>
                    {l.productName ?? l.sku}
                    {l.returnedQuantity > 0 ? <span className="badge badge-warn">{t('timeline.returnedQty', { count: l.returnedQuantity })}</span> : null}
                  </td>
                  <td className="mono muted small hide-narrow">{l.sku}</td>
                  <td className="num">× {f.number(l.quantity)}</td>
                  <td className="num">{f.money(l.paid)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      );
    case 'return':
      return (
        <div className="tl-summary">
          <strong className="negative">−{f.money(item.refund)}</strong>
          <span>{channelLabel(t, item.channel)}</span>
          {item.reason ? <span>{item.reason}</span> : null}
          <span className="mono muted small">{item.externalId}</span>
        </div>
      );
    case 'event':
      return (
        <div className="tl-summary">
          <strong>{t(`eventType.${item.type}`, { defaultValue: item.type })}</strong>
          {item.channel ? <span>{channelLabel(t, item.channel)}</span> : null}
          {item.storeCode ? <span>{storeName(item.storeCode)}</span> : null}
          {item.sku ? <span className="mono muted small">{item.sku}</span> : null}
        </div>
      );
    case 'merge':
    case 'unmerge':
      return <MergeDetail item={item} customerId={customerId} canUndo={item.kind === 'merge' && !undone.has(item.id)} />;
    case 'item':
      if (isLoyaltyItem(item.itemKind)) return <LoyaltyItemSummary kind={item.itemKind} summary={item.summary} />;
      return <div className="tl-summary muted">{typeof item.summary.text === 'string' ? item.summary.text : item.refId}</div>;
  }
}

function MergeDetail({ item, customerId, canUndo }: { item: MergeItem; customerId: string; canUndo: boolean }) {
  const { t } = useTranslation();
  const { data: me } = useMe();
  const unmerge = useUnmerge(customerId);
  const other = item.survivorId === customerId ? item.absorbedId : item.survivorId;
  const link = item.linkType
    ? t('timeline.mergeLink', { type: t(`identifier.${item.linkType}`, { defaultValue: item.linkType }), value: item.linkValue ?? '' })
    : item.reason;
  return (
    <div className="tl-summary">
      <span>{link}</span>
      <Link to={`/customers/${other}`} className="small">
        {t('timeline.otherProfile')}
      </Link>
      {item.actor ? <span className="muted small">{t('timeline.by', { actor: actorLabel(t, item.actor) })}</span> : null}
      {canUndo && can(me, 'customers:merge') ? (
        <button
          type="button"
          className="btn btn-small"
          disabled={unmerge.isPending || unmerge.isSuccess}
          onClick={() => {
            if (window.confirm(t('timeline.unmergeConfirm'))) unmerge.mutate(item.id);
          }}
        >
          {t('timeline.unmerge')}
        </button>
      ) : null}
      {unmerge.isError ? <span className="form-error small">{unmerge.error.message}</span> : null}
    </div>
  );
}
