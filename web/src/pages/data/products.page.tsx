import { useTranslation } from 'react-i18next';
import { useProductsPage, type ProductRow } from '../../api/catalog.api';
import { useListParams, type Column } from '../../components/data-table';
import { useFormat } from '../../format/format';
import { SearchableListPage } from './list-search';

export function ProductsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useListParams({ sort: 'sku' });
  const page = useProductsPage(list.query);
  const columns: Array<Column<ProductRow>> = [
    { sort: 'sku', header: t('products.sku'), cell: (p) => <span className="mono">{p.sku}</span> },
    { sort: 'name', header: t('products.name'), cell: (p) => (p.name === p.sku ? <span className="muted">{t('products.placeholder')}</span> : <strong className="cell-title">{p.name}</strong>) },
    {
      sort: 'category',
      header: t('products.category'),
      cell: (p) => (p.category.length ? <span className="crumbs">{p.category.join(' › ')}</span> : '—'),
    },
    { sort: 'brand', header: t('products.brand'), cell: (p) => p.brand ?? '—', hideNarrow: true },
    { sort: 'listPrice', header: t('products.listPrice'), cell: (p) => f.money(p.listPrice), className: 'num' },
    {
      header: t('products.consumable'),
      cell: (p) => (p.consumable ? <span className="badge badge-muted">{t('products.consumableYes')}</span> : null),
      hideNarrow: true,
    },
  ];
  return <SearchableListPage area="products" list={list} page={page} columns={columns} rowKey={(p) => p.id} />;
}
