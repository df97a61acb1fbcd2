import { useTranslation } from 'react-i18next';
import { useStoresPage, type StoreRow } from '../../api/catalog.api';
import { useListParams, type Column } from '../../components/data-table';
import { useFormat } from '../../format/format';
import { SearchableListPage } from './list-search';

export function StoresPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useListParams({ sort: 'code' });
  const page = useStoresPage(list.query);
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
  return <SearchableListPage area="stores" list={list} page={page} columns={columns} rowKey={(s) => s.id} />;
}
