import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useOrderList, type ListedOrder } from '../api/orders.api';
import { useStoreNames } from '../api/catalog.api';
import { DataTable, useListParams, type Column } from '../components/data-table';
import { useFormat } from '../format/format';

const CHANNELS = ['pos', 'online', 'miniprogram', 'app', 'wechat', 'marketplace', 'phone', 'other'] as const;

/** Every order, newest first: filters and paging live in the URL, so the dashboard can link to "the orders behind a figure". */
export function OrdersPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useListParams({ sort: '-placedAt' });
  const result = useOrderList(list.query);
  const stores = useStoreNames();
  const from = list.params.get('from') ?? '';
  const to = list.params.get('to') ?? '';
  const channel = list.params.get('channel') ?? '';
  const storeCode = list.params.get('storeCode') ?? '';
  const filtered = Boolean(from || to || channel || storeCode);

  const columns: Array<Column<ListedOrder>> = [
    { sort: 'placedAt', header: t('orderList.placedAt'), cell: (o) => <span className="nowrap">{f.dateTime(o.placedAt)}</span> },
    { header: t('orderList.externalId'), cell: (o) => <span className="mono">{o.externalId}</span>, className: 'hide-tablet' },
    { sort: 'channel', header: t('orderList.channel'), cell: (o) => t(`channel.${o.channel}`, { defaultValue: o.channel }), className: 'nowrap' },
    {
      sort: 'store',
      header: t('orderList.store'),
      cell: (o) => (o.storeCode ? (o.storeName ?? o.storeCode) : <span className="muted">—</span>),
      className: 'nowrap',
    },
    {
      header: t('orderList.customer'),
      cell: (o) =>
        o.customerId ? (
          <Link to={`/customers/${o.customerId}`} className="strong-link nowrap">
            {t('orderList.viewCustomer')}
          </Link>
        ) : (
          <span className="muted">{t('orderList.guest')}</span>
        ),
    },
    { header: t('orderList.lines'), cell: (o) => f.number(o.lineCount), className: 'num hide-tablet' },
    { sort: 'paid', header: t('orderList.paid'), cell: (o) => f.money(o.paidAmount), className: 'num' },
    {
      header: t('orderList.refunded'),
      cell: (o) => (Number(o.refundedAmount) > 0 ? <span className="negative">{f.money(o.refundedAmount)}</span> : <span className="muted">—</span>),
      className: 'num hide-tablet',
    },
    {
      header: t('orderList.status'),
      className: 'nowrap',
      cell: (o) => (
        <span className={o.status === 'cancelled' ? 'badge badge-muted' : o.status.includes('returned') ? 'badge badge-warn' : 'badge badge-ok'}>
          {t(`orderStatus.${o.status}`, { defaultValue: o.status })}
        </span>
      ),
    },
  ];

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('orderList.title')}</h1>
          <p className="muted">{t('orderList.subtitle')}</p>
        </div>
      </div>

      <form className="order-filters" aria-label={t('orderList.filters')} onSubmit={(e) => e.preventDefault()}>
        <label className="order-filter">
          <span>{t('orderList.from')}</span>
          <input type="date" name="from" value={from} max={to || undefined} onChange={(e) => list.set({ from: e.target.value })} />
        </label>
        <label className="order-filter">
          <span>{t('orderList.to')}</span>
          <input type="date" name="to" value={to} min={from || undefined} onChange={(e) => list.set({ to: e.target.value })} />
        </label>
        <label className="order-filter">
          <span>{t('orderList.channel')}</span>
          <select name="channel" value={channel} onChange={(e) => list.set({ channel: e.target.value })}>
            <option value="">{t('orderList.allChannels')}</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`channel.${c}`)}
              </option>
            ))}
          </select>
        </label>
        {stores.data ? (
          <label className="order-filter">
            <span>{t('orderList.store')}</span>
            <select name="storeCode" value={storeCode} onChange={(e) => list.set({ storeCode: e.target.value })}>
              <option value="">{t('orderList.allStores')}</option>
              {[...stores.data].map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {filtered ? (
          <button type="button" className="btn btn-ghost btn-small" onClick={() => list.set({ from: undefined, to: undefined, channel: undefined, storeCode: undefined })}>
            {t('orderList.clear')}
          </button>
        ) : null}
      </form>

      <section className="card" aria-live="polite">
        <div className="card-head">
          <h2>{filtered ? t('orderList.matching') : t('orderList.all')}</h2>
          {result.data ? <span className="muted small">{t('orderList.count', { count: result.data.total })}</span> : null}
        </div>
        <DataTable
          columns={columns}
          rows={result.data?.items}
          total={result.data?.total}
          state={result}
          list={list}
          rowKey={(o) => o.id}
          empty={{ title: filtered ? t('orderList.noMatch') : t('orderList.none'), hint: t('orderList.noneHint') }}
          caption={t('orderList.title')}
        />
      </section>
    </div>
  );
}
