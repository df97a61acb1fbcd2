import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/api-client';
import type { CustomerPage, CustomerSummary } from '../../api/customers.api';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';

/** Find a customer by phone, name or member number and pick one; the pick shows as a chip that can be cleared. */
export function CustomerPicker({ value, onChange, name = 'customer' }: { value: CustomerSummary | null; onChange: (c: CustomerSummary | null) => void; name?: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const found = useQuery({
    queryKey: ['customers', 'pick', q],
    queryFn: ({ signal }) => api<CustomerPage>('/api/v1/customers', { query: { q, limit: 8 }, signal }),
    enabled: q.length > 0,
  });
  if (value)
    return (
      <div className="promo-picked" data-testid={`${name}-picked`}>
        <span className="avatar" aria-hidden="true">
          {(value.name ?? '?').slice(0, 1)}
        </span>
        <span className="promo-picked-text">
          <strong>{value.name ?? '—'}</strong>
          <span className="muted small">{[f.phone(value.phone), value.memberNo].filter((x) => x && x !== '—').join(' · ')}</span>
        </span>
        <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange(null)}>
          {t('promotions.picker.clear')}
        </button>
      </div>
    );
  return (
    <div className="promo-picker">
      <div className="promo-picker-row">
        <input
          type="search"
          name={name}
          value={text}
          placeholder={t('promotions.picker.placeholder')}
          aria-label={t('promotions.picker.placeholder')}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              setQ(text.trim());
            }
          }}
        />
        <button type="button" className="btn" onClick={() => setQ(text.trim())} data-testid={`${name}-search`}>
          <Icon name="search" size={16} />
          {t('promotions.picker.search')}
        </button>
      </div>
      {q && found.data ? (
        found.data.items.length === 0 ? (
          <div className="muted small">{t('promotions.picker.none')}</div>
        ) : (
          <ul className="promo-picker-list">
            {found.data.items.map((c) => (
              <li key={c.id}>
                <button type="button" onClick={() => onChange(c)} data-customer={c.id}>
                  <strong>{c.name ?? '—'}</strong>
                  <span className="muted small">{[f.phone(c.phone), c.memberNo, c.city].filter((x) => x && x !== '—').join(' · ')}</span>
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
