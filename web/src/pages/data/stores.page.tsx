import { useTranslation } from 'react-i18next';
import { useStoresPage, type StoreRow } from '../../api/catalog.api';
import { DataTable, useListParams, type Column } from '../../components/data-table';
import { useFormat } from '../../format/format';
import { ListSearch } from './list-search';

export function StoresPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useListParams({ sort: 'code' });
  const page = useStoresPage(list.query);
  const q = list.params.get('q');
  const columns: Array<Column<StoreRow>> = [
    { sort: 'code', header: t('stores.code'), cell: (s) => <span className="mono">{s.code}</span> },
    { sort: 'name', header: t('stores.name'), cell: (s) => <strong className="cell-title">{s.name}</strong> },
    { sort: 'city', header: t('stores.city'), cell: (s) => s.city ?? '—' },
    { header: t('stores.district'), cell: (s) => s.district ?? '—', hideNarrow: true },
    { header: t('stores.address'), cell: (s) => <span className="cell-clip">{s.address ?? '—'}</span>, hideNarrow: true },
    { sort: 'openedOn', header: t('stores.openedOn'), cell: (s) => f.day(s.openedOn), className: 'nowrap' },
    {
      sort: 'status',
      header: t('stores.status'),
      cell: (s) => <span className={s.status === 'open' ? 'badge badge-ok' : 'badge badge-muted'}>{t(`stores.statuses.${s.status === 'open' ? 'open' : 'closed'}`)}</span>,
    },
  ];
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('stores.title')}</h1>
          <p className="muted">{t('stores.subtitle')}</p>
        </div>
      </div>
      <ListSearch list={list} label={t('stores.searchLabel')} placeholder={t('stores.searchPlaceholder')} />
      <section className="card" aria-live="polite">
        <div className="card-head">
          <h2>{q ? t('data.resultsFor', { q }) : t('stores.all')}</h2>
          {page.data ? <span className="muted small">{t('stores.count', { count: page.data.total, formatted: f.number(page.data.total) })}</span> : null}
        </div>
        <DataTable
          columns={columns}
          rows={page.data?.items}
          total={page.data?.total}
          state={page}
          list={list}
          rowKey={(s) => s.id}
          empty={{ title: q ? t('data.noMatch', { q }) : t('stores.none'), hint: t('stores.emptyHint') }}
          caption={t('stores.title')}
        />
      </section>
    </div>
  );
}
