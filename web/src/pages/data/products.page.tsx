import { useTranslation } from 'react-i18next';
import { useProductsPage, type ProductRow } from '../../api/catalog.api';
import { DataTable, useListParams, type Column } from '../../components/data-table';
import { useFormat } from '../../format/format';
import { ListSearch } from './list-search';

export function ProductsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useListParams({ sort: 'sku' });
  const page = useProductsPage(list.query);
  const q = list.params.get('q');
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
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('products.title')}</h1>
          <p className="muted">{t('products.subtitle')}</p>
        </div>
      </div>
      <ListSearch list={list} label={t('products.searchLabel')} placeholder={t('products.searchPlaceholder')} />
      <section className="card" aria-live="polite">
        <div className="card-head">
          <h2>{q ? t('data.resultsFor', { q }) : t('products.all')}</h2>
          {page.data ? <span className="muted small">{t('products.count', { count: page.data.total, formatted: f.number(page.data.total) })}</span> : null}
        </div>
        <DataTable
          columns={columns}
          rows={page.data?.items}
          total={page.data?.total}
          state={page}
          list={list}
          rowKey={(p) => p.id}
          empty={{ title: q ? t('data.noMatch', { q }) : t('products.none'), hint: t('products.emptyHint') }}
          caption={t('products.title')}
        />
      </section>
    </div>
  );
}
