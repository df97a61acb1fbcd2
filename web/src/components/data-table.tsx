import type { ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorState, Loading } from './states';

/**
 * The list frame every page uses: server-side paging and sorting kept in the URL (`?sort=-paid&page=2`),
 * so a list can be linked to, reloaded and shared; loading, empty and error states included.
 *
 *   const list = useListParams({ sort: '-lastSeen' });
 *   const q = useQuery({ queryKey: ['x', list.query], queryFn: () => api.get(`/api/v1/x?${list.query}`) });
 *   <DataTable columns={…} rows={q.data?.items} total={q.data?.total} state={q} list={list} rowKey={(r) => r.id} />
 */
export interface Column<T> {
  /** Sort key sent to the API as `sort=key` / `sort=-key`; omit for columns that cannot sort. */
  sort?: string;
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** 'num' right-aligns figures; 'wide' hides the column on narrow screens. */
  className?: string;
  hideNarrow?: boolean;
}

export interface ListParams {
  page: number;
  pageSize: number;
  sort: string | undefined;
  /** `page`, `pageSize`, `sort` and every other URL parameter of the page, for the API call. */
  query: string;
  params: URLSearchParams;
  set(changes: Record<string, string | undefined>): void;
}

export function useListParams(defaults: { sort?: string; pageSize?: number } = {}): ListParams {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const pageSize = Number(params.get('pageSize') ?? defaults.pageSize ?? 25) || 25;
  const sort = params.get('sort') ?? defaults.sort;
  const query = new URLSearchParams(params);
  query.set('page', String(page));
  query.set('pageSize', String(pageSize));
  if (sort) query.set('sort', sort);
  return {
    page,
    pageSize,
    sort,
    query: query.toString(),
    params,
    set(changes) {
      const next = new URLSearchParams(params);
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined || v === '') next.delete(k);
        else next.set(k, v);
      }
      // A new filter or sort starts again at the first page.
      if (!('page' in changes)) next.delete('page');
      setParams(next);
    },
  };
}

/** What a list needs of its query to show loading and error states (a TanStack Query result has it). */
export interface ListState {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => unknown;
}

export function DataTable<T>({
  columns,
  rows,
  total,
  state,
  list,
  rowKey,
  empty,
  caption,
}: {
  columns: Array<Column<T>>;
  rows: T[] | undefined;
  /** Rows matching in all; without it the pager offers "next" while a page is full. */
  total?: number | undefined;
  state: ListState;
  list: ListParams;
  rowKey: (row: T) => string;
  empty: { title: string; hint?: ReactNode };
  caption?: string;
}) {
  const { t } = useTranslation();
  if (state.isPending) return <Loading />;
  if (state.isError) return <ErrorState error={state.error} onRetry={() => void state.refetch()} />;
  if (!rows || rows.length === 0) return <Empty title={empty.title}>{empty.hint}</Empty>;
  const pages = total === undefined ? undefined : Math.max(1, Math.ceil(total / list.pageSize));
  const hasNext = pages === undefined ? rows.length >= list.pageSize : list.page < pages;
  const toggle = (key: string) => list.set({ sort: list.sort === key ? `-${key}` : key });
  return (
    <>
      <div className="table-wrap">
        <table className="table">
          {caption ? <caption className="sr-only">{caption}</caption> : null}
          <thead>
            <tr>
              {columns.map((c, i) => {
                const cls = [c.className, c.hideNarrow ? 'hide-narrow' : undefined].filter(Boolean).join(' ') || undefined;
                if (!c.sort) return <th key={i} className={cls}>{c.header}</th>;
                const dir = list.sort === c.sort ? 'ascending' : list.sort === `-${c.sort}` ? 'descending' : 'none';
                return (
                  <th key={i} className={cls} aria-sort={dir}>
                    <button type="button" className="th-sort" onClick={() => toggle(c.sort!)}>
                      {c.header}
                      <span className="sort-mark" aria-hidden="true">
                        {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '↕'}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={rowKey(r)}>
                {columns.map((c, i) => (
                  <td key={i} className={[c.className, c.hideNarrow ? 'hide-narrow' : undefined].filter(Boolean).join(' ') || undefined}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label={t('list.pages')}>
        <span className="muted small">
          {total === undefined
            ? t('list.pageOnly', { page: list.page })
            : t('list.range', {
                from: (list.page - 1) * list.pageSize + 1,
                to: (list.page - 1) * list.pageSize + rows.length,
                total,
              })}
        </span>
        <span className="pager-buttons">
          <button type="button" className="btn" disabled={list.page <= 1} onClick={() => list.set({ page: String(list.page - 1) })}>
            {t('list.previous')}
          </button>
          <button type="button" className="btn" disabled={!hasNext} onClick={() => list.set({ page: String(list.page + 1) })}>
            {t('list.next')}
          </button>
        </span>
      </nav>
    </>
  );
}
