import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/icons';
import { DataTable, type Column, type ListParams, type ListState } from '../../components/data-table';
import { useFormat } from '../../format/format';

/** The search box above a list: `?q=` in the URL, so a search can be linked to and reloaded. */
export function ListSearch({ list, label, placeholder }: { list: ListParams; label: string; placeholder: string }) {
  const { t } = useTranslation();
  const q = list.params.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    list.set({ q: text.trim() || undefined });
  };
  return (
    <form className="search-bar" role="search" onSubmit={submit}>
      <Icon name="search" />
      <input type="search" name="q" aria-label={label} placeholder={placeholder} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="btn btn-primary">
        {t('data.search')}
      </button>
    </form>
  );
}

/**
 * A searchable, sortable catalog list (stores, products): heading, search box, a card with the count
 * and the table. Texts come from the area's i18n keys (`<area>.title`, `.subtitle`, `.all`, `.count`, …).
 */
export function SearchableListPage<T>({
  area,
  list,
  page,
  columns,
  rowKey,
}: {
  area: 'stores' | 'products';
  list: ListParams;
  page: ListState & { data?: { items: T[]; total: number } | undefined };
  columns: Array<Column<T>>;
  rowKey: (row: T) => string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const q = list.params.get('q');
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t(`${area}.title`)}</h1>
          <p className="muted">{t(`${area}.subtitle`)}</p>
        </div>
      </div>
      <ListSearch list={list} label={t(`${area}.searchLabel`)} placeholder={t(`${area}.searchPlaceholder`)} />
      <section className="card" aria-live="polite">
        <div className="card-head">
          <h2>{q ? t('data.resultsFor', { q }) : t(`${area}.all`)}</h2>
          {page.data ? <span className="muted small">{t(`${area}.count`, { count: page.data.total, formatted: f.number(page.data.total) })}</span> : null}
        </div>
        <DataTable
          columns={columns}
          rows={page.data?.items}
          total={page.data?.total}
          state={page}
          list={list}
          rowKey={rowKey}
          empty={{ title: q ? t('data.noMatch', { q }) : t(`${area}.none`), hint: t(`${area}.emptyHint`) }}
          caption={t(`${area}.title`)}
        />
      </section>
    </div>
  );
}
