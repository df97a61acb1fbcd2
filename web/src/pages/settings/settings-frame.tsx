import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { can, useMe } from '../../auth/session';
import { Icon } from '../../components/icons';
import type { ListParams } from '../../components/data-table';

const TABS = [
  { to: '/settings', label: 'settings.tabs.general', end: true },
  { to: '/settings/staff', label: 'settings.tabs.staff', scope: 'staff:admin' },
  { to: '/settings/api-keys', label: 'settings.tabs.apiKeys', scope: 'apikeys:admin' },
  { to: '/settings/roles', label: 'settings.tabs.roles' },
  { to: '/settings/audit', label: 'security.audit.tab', scope: 'audit:read' },
] as const;

/** Settings pages share a heading, tabs for what the role may manage, and one card for the page. */
export function SettingsFrame({
  title,
  intro,
  create,
  children,
}: {
  title: string;
  intro?: ReactNode;
  /** The page's one primary action ("Add staff"), top right. */
  create?: { label: string; onClick: () => void };
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const me = useMe().data;
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>{t('settings.title')}</h1>
          <p className="muted">{t('settings.subtitle')}</p>
        </div>
      </div>
      <nav className="settings-tabs" aria-label={t('settings.title')}>
        {TABS.filter((tab) => !('scope' in tab) || can(me, tab.scope)).map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={'end' in tab} className={({ isActive }) => (isActive ? 'settings-tab active' : 'settings-tab')}>
            {t(tab.label)}
          </NavLink>
        ))}
      </nav>
      <section className="card settings-card">
        <div className="settings-head">
          <div>
            <h2>{title}</h2>
            {intro ? <p className="muted small">{intro}</p> : null}
          </div>
          {create ? (
            <button type="button" className="btn btn-primary" onClick={create.onClick}>
              <Icon name="plus" />
              {create.label}
            </button>
          ) : null}
        </div>
        {children}
      </section>
    </div>
  );
}

/** Search box and filters above a settings list; every value lives in the URL with the page and sort. */
export function ListToolbar({
  list,
  placeholder,
  filters,
}: {
  list: ListParams;
  placeholder: string;
  filters: { name: string; label: string; options: { value: string; label: string }[] }[];
}) {
  const { t } = useTranslation();
  const q = list.params.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    list.set({ q: text.trim() });
  };
  return (
    <div className="settings-toolbar">
      <form className="settings-search" role="search" onSubmit={submit}>
        <Icon name="search" />
        <input type="search" name="q" aria-label={placeholder} placeholder={placeholder} value={text} onChange={(e) => setText(e.target.value)} />
      </form>
      {filters.map((f) => (
        <label key={f.name} className="settings-filter">
          <span className="sr-only">{f.label}</span>
          <select name={f.name} value={list.params.get(f.name) ?? ''} onChange={(e) => list.set({ [f.name]: e.target.value })}>
            <option value="">{f.label}</option>
            {f.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      ))}
      {list.params.get('q') || filters.some((f) => list.params.get(f.name)) ? (
        <button type="button" className="btn btn-ghost" onClick={() => list.set({ q: undefined, ...Object.fromEntries(filters.map((f) => [f.name, undefined])) })}>
          {t('settings.common.clearFilters')}
        </button>
      ) : null}
    </div>
  );
}
