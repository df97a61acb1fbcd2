import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useDecideDuplicate, useDuplicates, type CustomerSummary } from '../api/customers.api';
import { useFormat } from '../format/format';
import { Empty, ErrorState, Loading } from '../components/states';

function Person({ c }: { c: CustomerSummary }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <div className="dup-person">
      <Link to={`/customers/${c.id}`} className="strong-link">
        {c.name || t('customer.unnamed')}
      </Link>
      <div className="muted small">{[c.phone ? f.phone(c.phone) : null, c.email, c.memberNo].filter(Boolean).join(' · ') || '—'}</div>
      <div className="muted small">{[c.birthday ? f.day(c.birthday) : null, c.city].filter(Boolean).join(' · ')}</div>
    </div>
  );
}

export function DuplicatesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const list = useDuplicates();
  const decide = useDecideDuplicate();
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('duplicates.title')}</h1>
          <p className="muted">{t('duplicates.subtitle')}</p>
        </div>
      </div>
      <section className="card">
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.items.length === 0 ? (
          <Empty title={t('duplicates.none')}>{t('duplicates.noneHint')}</Empty>
        ) : (
          <ul className="dup-list">
            {list.data.items.map((d) => {
              const busy = decide.isPending && decide.variables?.id === d.id;
              return (
                <li key={d.id} className="dup-item">
                  <Person c={d.customer} />
                  <span className="dup-vs" aria-hidden="true">
                    ⇄
                  </span>
                  <Person c={d.other} />
                  <div className="dup-why">
                    <span>{t(`duplicates.reason.${d.reason}`, { defaultValue: d.reason })}</span>
                    <span className="muted small">
                      {t('duplicates.score', { score: f.percent(d.score) })} · {f.date(d.createdAt)}
                    </span>
                  </div>
                  <div className="dup-actions">
                    <button type="button" className="btn btn-primary" disabled={busy} onClick={() => decide.mutate({ id: d.id, decision: 'accept' })}>
                      {t('duplicates.accept')}
                    </button>
                    <button type="button" className="btn" disabled={busy} onClick={() => decide.mutate({ id: d.id, decision: 'reject' })}>
                      {t('duplicates.reject')}
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        {decide.isError ? <ErrorState error={decide.error} /> : null}
      </section>
    </div>
  );
}
