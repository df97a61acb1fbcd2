import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { SegmentCustomer } from '../../api/segments.api';
import { useFormat } from '../../format/format';
import { Empty } from '../../components/states';

/** A few customers as the API shows them (masked without pii:read), each linking to the 360. */
export function CustomerSample({ sample: all, count, limit }: { sample: SegmentCustomer[]; count: number; limit?: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const sample = limit === undefined ? all : all.slice(0, limit);
  if (sample.length === 0) return <Empty title={t('segments.sample.none')} />;
  return (
    <>
      <ul className="seg-sample" data-testid="customer-sample">
        {sample.map((c) => (
          <li key={c.id}>
            <Link to={`/customers/${c.id}`} className="seg-sample-name">
              {c.name ?? <span className="muted">{t('segments.sample.noName')}</span>}
            </Link>
            <span className="muted small mono">{c.phone ? f.phone(c.phone) : c.email ?? '—'}</span>
            <span className="muted small">{c.city ?? ''}</span>
          </li>
        ))}
      </ul>
      {count > sample.length ? <div className="muted small seg-sample-more">{t('segments.sample.more', { shown: f.number(sample.length), count: f.number(count) })}</div> : null}
    </>
  );
}
