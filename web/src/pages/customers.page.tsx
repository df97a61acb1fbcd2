import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useCustomerList, type ListedCustomer } from '../api/customers.api';
import { useFormat } from '../format/format';
import { Icon } from '../components/icons';
import { DataTable, useListParams, type Column } from '../components/data-table';

/** Filters a link may carry (the dashboard's "active members", "new buyers"), shown as removable chips. */
const FILTERS = ['active', 'asOf', 'sinceFrom', 'sinceTo', 'firstOrderFrom', 'firstOrderTo', 'city', 'tag'] as const;

export function CustomersPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useListParams({ sort: '-created' });
  const q = list.params.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const result = useCustomerList(list.query);
  const active = list.params.get('active');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    list.set({ q: text.trim() || undefined });
  };

  const columns: Array<Column<ListedCustomer>> = [
    {
      sort: 'name',
      header: t('customer.name'),
      cell: (c) => (
        <Link to={`/customers/${c.id}`} className="strong-link">
          {c.name || t('customer.unnamed')}
        </Link>
      ),
    },
    { header: t('identifier.phone'), cell: (c) => (c.phone ? <span className="mono nowrap">{f.phone(c.phone)}</span> : '—') },
    { header: t('identifier.member_no'), cell: (c) => (c.memberNo ? <span className="mono">{c.memberNo}</span> : '—'), hideNarrow: true },
    { header: t('customer.city'), cell: (c) => c.city ?? '—', hideNarrow: true },
    { sort: 'orders', header: t('customerList.orders'), cell: (c) => f.number(c.orders), className: 'num' },
    { sort: 'spend', header: t('customerList.netSpend'), cell: (c) => f.money(c.netSpend), className: 'num' },
    { sort: 'lastOrder', header: t('customerList.lastOrder'), cell: (c) => f.date(c.lastOrderAt), hideNarrow: true },
    { sort: 'lastSeen', header: t('customer.lastSeen'), cell: (c) => f.date(c.lastSeenAt), hideNarrow: true },
    { sort: 'since', header: t('customer.since'), cell: (c) => f.date(c.memberSince), hideNarrow: true },
  ];

  const chips = FILTERS.filter((k) => list.params.get(k));
  const chipText = (k: (typeof FILTERS)[number]) => {
    const v = list.params.get(k)!;
    if (k === 'active') return t('customerList.activeChip', { days: v.replace(/d$/, '') });
    if (k === 'asOf') return t('customerList.asOfChip', { date: v });
    if (k === 'firstOrderFrom') return t('customerList.firstFromChip', { date: v });
    if (k === 'firstOrderTo') return t('customerList.firstToChip', { date: v });
    if (k === 'sinceFrom') return t('customerList.sinceFromChip', { date: v });
    if (k === 'sinceTo') return t('customerList.sinceToChip', { date: v });
    return `${t(k === 'city' ? 'customer.city' : 'customerList.tag')}: ${v}`;
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('customers.title')}</h1>
          <p className="muted">{t('customers.subtitle')}</p>
        </div>
      </div>
      <form className="search-bar" role="search" onSubmit={submit}>
        <Icon name="search" />
        <input
          type="search"
          name="q"
          aria-label={t('customers.searchLabel')}
          placeholder={t('customers.searchPlaceholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoFocus
        />
        <button type="submit" className="btn btn-primary">
          {t('customers.search')}
        </button>
      </form>

      <div className="list-filters">
        <div className="segmented" role="group" aria-label={t('customerList.show')}>
          <button type="button" aria-pressed={!active} className={!active ? 'active' : undefined} onClick={() => list.set({ active: undefined, asOf: undefined })}>
            {t('customerList.everyone')}
          </button>
          <button type="button" aria-pressed={active === '90d'} className={active === '90d' ? 'active' : undefined} onClick={() => list.set({ active: '90d' })}>
            {t('customerList.active90')}
          </button>
        </div>
        {chips.length > 0 ? (
          <div className="chips" aria-label={t('customerList.filters')}>
            {chips.map((k) => (
              <button key={k} type="button" className="chip chip-removable" onClick={() => list.set({ [k]: undefined })} title={t('customerList.removeFilter')}>
                {chipText(k)} <span aria-hidden="true">×</span>
              </button>
            ))}
          </div>
        ) : null}
      </div>

      <section className="card" aria-live="polite">
        <div className="card-head">
          <h2>{q ? t('customers.resultsFor', { q }) : t('customerList.title')}</h2>
          {result.data ? <span className="muted small">{t('customerList.count', { count: result.data.total })}</span> : null}
        </div>
        <DataTable
          columns={columns}
          rows={result.data?.items}
          total={result.data?.total}
          state={result}
          list={list}
          rowKey={(c) => c.id}
          empty={{ title: q ? t('customers.noMatch', { q }) : t('customers.none'), hint: t('customers.searchHint') }}
          caption={t('customers.title')}
        />
      </section>
    </div>
  );
}
