import { Fragment, type ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { can, useSignOut, type Me } from '../auth/session';
import { Icon, type IconName } from './icons';
import { LanguageSwitch } from './language-switch';

export interface NavItem {
  to: string;
  /** i18n key of the label. */
  label: string;
  icon: IconName;
  /** Shown when the role has any of these scopes. */
  anyOf: string[];
  end?: boolean;
  /** i18n key of the heading of the group the entry opens or belongs to (consecutive entries). */
  group?: string;
}

/** Where pages plug into the console: one entry per page a role may open. */
export const NAV: NavItem[] = [
  { to: '/', label: 'nav.overview', icon: 'overview', anyOf: ['orders:read'], end: true },
  { to: '/customers', label: 'nav.customers', icon: 'customers', anyOf: ['customers:read'], end: true },
  { to: '/customers/duplicates', label: 'nav.duplicates', icon: 'duplicates', anyOf: ['customers:merge'] },
  { to: '/orders', label: 'orderList.nav', icon: 'orders', anyOf: ['orders:read'] },
  { to: '/data/import', label: 'data.nav.import', icon: 'upload', anyOf: ['imports:write'], group: 'data.nav.group' },
  { to: '/data/stores', label: 'data.nav.stores', icon: 'store', anyOf: ['catalog:read'], group: 'data.nav.group' },
  { to: '/data/products', label: 'data.nav.products', icon: 'product', anyOf: ['catalog:read'], group: 'data.nav.group' },
  { to: '/loyalty/program', label: 'loyalty.nav.program', icon: 'rules', anyOf: ['loyalty:read'], group: 'loyalty.nav.group' },
  { to: '/loyalty/tiers', label: 'loyalty.nav.tiers', icon: 'tiers', anyOf: ['loyalty:read'], group: 'loyalty.nav.group' },
  { to: '/loyalty/liability', label: 'loyalty.nav.liability', icon: 'liability', anyOf: ['loyalty:read'], group: 'loyalty.nav.group' },
  { to: '/segments/rfm', label: 'segments.nav.rfm', icon: 'grid', anyOf: ['segments:read'], group: 'segments.nav.group' },
  { to: '/segments', label: 'segments.nav.list', icon: 'segments', anyOf: ['segments:read'], end: true, group: 'segments.nav.group' },
  { to: '/segments/builder', label: 'segments.nav.builder', icon: 'builder', anyOf: ['segments:write'], group: 'segments.nav.group' },
  { to: '/segments/clusters', label: 'segments.nav.clusters', icon: 'clusters', anyOf: ['segments:read'], group: 'segments.nav.group' },
  { to: '/insights/churn', label: 'insights.nav.churn', icon: 'churn', anyOf: ['insights:read'], group: 'insights.nav.group' },
  { to: '/insights/basket', label: 'basket.nav', icon: 'basket', anyOf: ['segments:read'], group: 'insights.nav.group' },
  { to: '/insights/forecast', label: 'forecast.nav', icon: 'forecast', anyOf: ['insights:read'], group: 'insights.nav.group' },
  { to: '/promotions', label: 'promotions.nav.list', icon: 'tag', anyOf: ['promotions:read'], group: 'promotions.nav.group' },
  { to: '/coupons', label: 'promotions.nav.coupons', icon: 'ticket', anyOf: ['promotions:read'], group: 'promotions.nav.group' },
  { to: '/checkout/simulator', label: 'promotions.nav.simulator', icon: 'cashier', anyOf: ['promotions:read'], group: 'promotions.nav.group' },
  { to: '/results/promotions', label: 'promotions.nav.results', icon: 'results', anyOf: ['promotions:read'], group: 'promotions.nav.group' },
  { to: '/journeys', label: 'journeys.nav.list', icon: 'journey', anyOf: ['journeys:read'], group: 'journeys.nav.group' },
  { to: '/messaging/templates', label: 'journeys.nav.templates', icon: 'message', anyOf: ['messaging:read'], group: 'journeys.nav.group' },
  { to: '/messaging/log', label: 'journeys.nav.log', icon: 'docs', anyOf: ['messaging:read'], group: 'journeys.nav.group' },
  { to: '/messaging/tasks', label: 'journeys.nav.tasks', icon: 'task', anyOf: ['messaging:read'], group: 'journeys.nav.group' },
  { to: '/messaging/channels', label: 'journeys.nav.channels', icon: 'channel', anyOf: ['messaging:admin'], group: 'journeys.nav.group' },
  { to: '/service/tickets', label: 'service.nav.inbox', icon: 'message', anyOf: ['service:read'], group: 'service.nav.group' },
  { to: '/service/templates', label: 'service.nav.templates', icon: 'docs', anyOf: ['service:read'], group: 'service.nav.group' },
  { to: '/surveys', label: 'service.nav.surveys', icon: 'results', anyOf: ['surveys:read'], group: 'service.nav.group' },
  { to: '/listening', label: 'listening.nav.overview', icon: 'forecast', anyOf: ['listening:read'], end: true, group: 'listening.nav.group' },
  { to: '/listening/mentions', label: 'listening.nav.mentions', icon: 'message', anyOf: ['listening:read'], group: 'listening.nav.group' },
  { to: '/listening/keywords', label: 'listening.nav.keywords', icon: 'tag', anyOf: ['listening:read'], group: 'listening.nav.group' },
  { to: '/listening/alerts', label: 'listening.nav.alerts', icon: 'churn', anyOf: ['listening:read'], group: 'listening.nav.group' },
  { to: '/listening/crises', label: 'listening.nav.crises', icon: 'task', anyOf: ['listening:read'], group: 'listening.nav.group' },
  { to: '/staff/kpis', label: 'staffKpis.nav', icon: 'store', anyOf: ['customers:read'] },
  { to: '/settings', label: 'settings.nav', icon: 'settings', anyOf: ['staff:admin', 'apikeys:admin'] },
];

export function visibleNav(me: Me): NavItem[] {
  return NAV.filter((item) => item.anyOf.some((s) => can(me, s)));
}

export function Layout({ me, children }: { me: Me; children: ReactNode }) {
  const { t } = useTranslation();
  const signOut = useSignOut();
  const role = me.role ? t(`roles.${me.role}`, { defaultValue: me.role }) : t('roles.apikey');
  const name = me.staff?.displayName ?? me.name;
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="sidebar-inner">
          <div className="brand">
            <img src="/favicon.svg" alt="" width={28} height={28} />
            <span className="brand-name">{t('app.name')}</span>
          </div>
          <nav aria-label={t('nav.label')}>
            {visibleNav(me).map((item, i, all) => (
              <Fragment key={item.to}>
                {item.group && item.group !== all[i - 1]?.group ? <div className="nav-group">{t(item.group)}</div> : null}
                <NavLink to={item.to} end={item.end} className={({ isActive }) => (isActive ? 'nav-item active' : 'nav-item')}>
                  <Icon name={item.icon} />
                  <span className="nav-label">{t(item.label)}</span>
                </NavLink>
              </Fragment>
            ))}
          </nav>
          <div className="sidebar-foot">
            <a className="nav-item" href="/docs" target="_blank" rel="noreferrer">
              <Icon name="docs" />
              <span className="nav-label">{t('nav.apiDocs')}</span>
            </a>
          </div>
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          <div className="topbar-spacer" />
          <LanguageSwitch />
          <div className="user" title={me.staff?.username ?? me.name}>
            <span className="avatar" aria-hidden="true">
              {name.slice(0, 1).toUpperCase()}
            </span>
            <span className="user-text">
              <span className="user-name">{name}</span>
              <span className="user-role">{role}</span>
            </span>
          </div>
          <button type="button" className="btn btn-ghost" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            <Icon name="signOut" />
            <span className="hide-narrow">{t('auth.signOut')}</span>
          </button>
        </header>
        <main className="content">{children}</main>
      </div>
    </div>
  );
}
