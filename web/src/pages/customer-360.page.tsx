import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useCustomer360, type Customer360, type Ranked, type TimelineItem } from '../api/customers.api';
import { useFormat, type Format } from '../format/format';
import { Icon } from '../components/icons';
import { Empty, ErrorState, Loading } from '../components/states';

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

function CustomerView({ c }: { c: Customer360 }) {
  const { t } = useTranslation();
  const f = useFormat();
  const p = c.profile;
  const facts: [string, string | null | undefined][] = [
    [t('customer.gender'), p.gender ? t(`gender.${p.gender}`, { defaultValue: p.gender }) : null],
    [t('customer.birthday'), p.birthday ? f.day(p.birthday) : null],
    [t('customer.city'), p.city],
    [t('customer.occupation'), p.occupation],
    [t('customer.familyStage'), p.familyStage],
    [t('customer.incomeBand'), p.incomeBand],
    [t('customer.since'), f.date(p.createdAt)],
  ];
  return (
    <>
      <section className="card profile-card">
        <div className="avatar avatar-lg" aria-hidden="true">
          {(p.name ?? '?').slice(0, 1)}
        </div>
        <div className="profile-main">
          <div className="profile-title">
            <h1 data-testid="customer-name">{p.name || t('customer.unnamed')}</h1>
            {p.status !== 'active' ? <span className="badge badge-warn">{t(`customerStatus.${p.status}`, { defaultValue: p.status })}</span> : null}
            {p.memberNo ? <span className="badge">{t('customer.memberNoShort', { no: p.memberNo })}</span> : null}
          </div>
          <dl className="facts">
            {facts
              .filter(([, v]) => v)
              .map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
          </dl>
          {p.tags && p.tags.length > 0 ? (
            <div className="chips">
              {p.tags.map((tag) => (
                <span className="chip" key={tag}>
                  {tag}
                </span>
              ))}
            </div>
          ) : null}
        </div>
      </section>

      <section className="kpis" aria-label={t('stats.title')}>
        <Kpi label={t('stats.orders')} value={f.number(c.stats.orders)} testId="stat-orders" />
        <Kpi label={t('stats.spend')} value={f.money(c.stats.spend)} />
        <Kpi label={t('stats.aov')} value={f.money(c.stats.averageOrderValue)} />
        <Kpi label={t('stats.firstOrder')} value={f.date(c.stats.firstOrderAt)} />
        <Kpi label={t('stats.lastOrder')} value={f.date(c.stats.lastOrderAt)} />
        <Kpi
          label={t('stats.channels')}
          value={c.stats.channels.length ? c.stats.channels.map((ch) => t(`channel.${ch}`, { defaultValue: ch })).join(' · ') : '—'}
        />
      </section>

      <div className="grid-2">
        <section className="card">
          <div className="card-head">
            <h2>{t('identifiers.title')}</h2>
          </div>
          {c.identifiers.length === 0 ? (
            <Empty title={t('identifiers.none')} />
          ) : (
            <table className="table table-compact">
              <thead>
                <tr>
                  <th>{t('identifiers.type')}</th>
                  <th>{t('identifiers.value')}</th>
                  <th>{t('identifiers.source')}</th>
                </tr>
              </thead>
              <tbody>
                {c.identifiers.map((i) => (
                  <tr key={`${i.type}:${i.value}`}>
                    <td>{t(`identifier.${i.type}`, { defaultValue: i.type })}</td>
                    <td className="mono">
                      {i.value}
                      {i.isPrimary ? <span className="badge badge-ok">{t('identifiers.primary')}</span> : null}
                    </td>
                    <td className="muted">{sourceLabel(t, i.source)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="card">
          <div className="card-head">
            <h2>{t('consents.title')}</h2>
          </div>
          {c.consents.length === 0 ? (
            <Empty title={t('consents.none')} />
          ) : (
            <table className="table table-compact">
              <thead>
                <tr>
                  <th>{t('consents.channel')}</th>
                  <th>{t('consents.purpose')}</th>
                  <th>{t('consents.status')}</th>
                  <th>{t('consents.recordedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {c.consents.map((k) => (
                  <tr key={`${k.channel}:${k.purpose}`}>
                    <td>{t(`consentChannel.${k.channel}`, { defaultValue: k.channel })}</td>
                    <td>{t(`consentPurpose.${k.purpose}`, { defaultValue: k.purpose })}</td>
                    <td>
                      <span className={k.status === 'granted' ? 'badge badge-ok' : 'badge badge-muted'}>
                        {t(`consentStatus.${k.status}`, { defaultValue: k.status })}
                      </span>
                    </td>
                    <td className="muted">{f.date(k.recordedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <Favourites title={t('stats.favouriteCategories')} items={c.stats.favouriteCategories} f={f} />
        <Favourites title={t('stats.favouriteStores')} items={c.stats.favouriteStores} f={f} />
      </div>

      <section className="card">
        <div className="card-head">
          <h2>{t('timeline.title')}</h2>
          <span className="muted small">{t('timeline.count', { count: c.timeline.length })}</span>
        </div>
        {c.timeline.length === 0 ? (
          <Empty title={t('timeline.none')} />
        ) : (
          <ol className="timeline">
            {c.timeline.map((item) => (
              <TimelineEntry key={`${item.kind}:${item.id}`} item={item} f={f} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

/** 'api', 'demo', 'import:orders' → a readable origin; unknown sources show as they are. */
function sourceLabel(t: T, source: string): string {
  const [head = source, ...rest] = source.split(':');
  const tail = rest.join(':');
  return t(`source.${head}`, { defaultValue: head }) + (tail ? ` · ${tail}` : '');
}

function Kpi({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

function Favourites({ title, items, f }: { title: string; items: Ranked[]; f: Format }) {
  const { t } = useTranslation();
  const max = Math.max(1, ...items.map((i) => i.orders ?? 0));
  return (
    <section className="card">
      <div className="card-head">
        <h2>{title}</h2>
      </div>
      {items.length === 0 ? (
        <Empty title={t('stats.noFavourites')} />
      ) : (
        <ul className="bars">
          {items.map((i) => (
            <li key={i.name}>
              <span className="bar-label">{i.name}</span>
              <span className="bar-track">
                <span className="bar-fill" style={{ width: `${((i.orders ?? 0) / max) * 100}%` }} />
              </span>
              <span className="bar-value">
                {i.orders !== undefined ? t('stats.ordersCount', { count: i.orders }) : null}
                {i.spend !== undefined ? ` · ${f.money(i.spend)}` : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function TimelineEntry({ item, f }: { item: TimelineItem; f: Format }) {
  const { t } = useTranslation();
  return (
    <li className={`tl tl-${item.kind}`}>
      <span className="tl-dot" aria-hidden="true" />
      <div className="tl-body">
        <div className="tl-head">
          <span className="tl-kind">{t(`timeline.kind.${item.kind}`, { defaultValue: item.kind })}</span>
          <time dateTime={item.at}>{f.dateTime(item.at)}</time>
        </div>
        <TimelineDetail item={item} f={f} />
      </div>
    </li>
  );
}

function TimelineDetail({ item, f }: { item: TimelineItem; f: Format }) {
  const { t } = useTranslation();
  const x = item as Record<string, unknown>;
  switch (item.kind) {
    case 'order': {
      const o = item as Extract<TimelineItem, { kind: 'order' }>;
      return (
        <>
          <div className="tl-summary">
            <strong>{f.money(o.paidAmount)}</strong>
            <span>{t(`channel.${o.channel}`, { defaultValue: o.channel })}</span>
            {o.storeCode ? <span>{o.storeCode}</span> : null}
            <span className="mono muted">{o.externalId}</span>
            {o.refundedAmount && Number(o.refundedAmount) > 0 ? (
              <span className="badge badge-warn">{t('timeline.refunded', { amount: f.money(o.refundedAmount) })}</span>
            ) : null}
          </div>
          <table className="table table-compact lines">
            <tbody>
              {o.lines.map((l, n) => (
                <tr key={l.lineNo ?? n}>
                  <td>{l.productName ?? l.sku}</td>
                  <td className="mono muted hide-narrow">{l.sku}</td>
                  <td className="num">× {f.number(l.quantity)}</td>
                  <td className="num">{f.money(l.paidAmount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      );
    }
    case 'return': {
      const r = item as Extract<TimelineItem, { kind: 'return' }>;
      return (
        <div className="tl-summary">
          <strong>−{f.money(r.refundAmount)}</strong>
          <span className="mono muted">{r.externalId}</span>
          {r.reason ? <span>{r.reason}</span> : null}
        </div>
      );
    }
    case 'event': {
      const e = item as Extract<TimelineItem, { kind: 'event' }>;
      return (
        <div className="tl-summary">
          <strong>{t(`eventType.${e.type}`, { defaultValue: e.type })}</strong>
          {e.channel ? <span>{t(`channel.${e.channel}`, { defaultValue: e.channel })}</span> : null}
          {e.storeCode ? <span>{e.storeCode}</span> : null}
          {e.sku ? <span className="mono muted">{e.sku}</span> : null}
        </div>
      );
    }
    case 'merge':
    case 'unmerge': {
      return (
        <div className="tl-summary">
          <span>
            {x.linkType
              ? t('timeline.mergeLink', { type: t(`identifier.${String(x.linkType)}`, { defaultValue: String(x.linkType) }), value: String(x.linkValue ?? '') })
              : String(x.reason ?? '')}
          </span>
          <span className="muted">{t('timeline.by', { actor: String(x.actor ?? '') })}</span>
        </div>
      );
    }
    default:
      return x.summary ? <div className="tl-summary">{String(x.summary)}</div> : null;
  }
}
