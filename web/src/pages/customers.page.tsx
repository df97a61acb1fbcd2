import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useCustomerSearch } from '../api/customers.api';
import { useFormat } from '../format/format';
import { Icon } from '../components/icons';
import { Empty, ErrorState, Loading } from '../components/states';

export function CustomersPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const search = useCustomerSearch(q);
  const rows = search.data?.pages.flatMap((p) => p.items) ?? [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = text.trim();
    setParams(next ? { q: next } : {});
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

      <section className="card" aria-live="polite">
        {search.isPending ? (
          <Loading />
        ) : search.isError ? (
          <ErrorState error={search.error} onRetry={() => void search.refetch()} />
        ) : rows.length === 0 ? (
          <Empty title={q ? t('customers.noMatch', { q }) : t('customers.none')}>{t('customers.searchHint')}</Empty>
        ) : (
          <>
            <div className="card-head">
              <h2>{q ? t('customers.resultsFor', { q }) : t('customers.recent')}</h2>
              <span className="muted small">{t('customers.shown', { count: rows.length })}</span>
            </div>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('customer.name')}</th>
                    <th>{t('identifier.phone')}</th>
                    <th className="hide-narrow">{t('identifier.email')}</th>
                    <th>{t('identifier.member_no')}</th>
                    <th className="hide-narrow">{t('customer.city')}</th>
                    <th className="hide-narrow">{t('customer.lastSeen')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <Link to={`/customers/${c.id}`} className="strong-link">
                          {c.name || t('customer.unnamed')}
                        </Link>
                      </td>
                      <td>{c.phone ? <span className="mono">{c.phone}</span> : '—'}</td>
                      <td className="hide-narrow">{c.email ?? '—'}</td>
                      <td>{c.memberNo ? <span className="mono">{c.memberNo}</span> : '—'}</td>
                      <td className="hide-narrow">{c.city ?? '—'}</td>
                      <td className="hide-narrow">{f.date(c.lastSeenAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {search.hasNextPage ? (
              <div className="more">
                <button type="button" className="btn" disabled={search.isFetchingNextPage} onClick={() => void search.fetchNextPage()}>
                  {search.isFetchingNextPage ? t('common.loading') : t('common.loadMore')}
                </button>
              </div>
            ) : null}
          </>
        )}
      </section>
    </div>
  );
}
