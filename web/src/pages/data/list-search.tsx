import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/icons';
import type { ListParams } from '../../components/data-table';

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
