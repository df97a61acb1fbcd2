import { useTranslation } from 'react-i18next';
import type { Severity, TicketStatus } from '../../api/service.api';
import { useMe } from '../../auth/session';

/** Amounts in fen as money: 500 → ¥5.00. */
export function useFen() {
  const { i18n } = useTranslation();
  const money = new Intl.NumberFormat(i18n.language, { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' });
  return (fen: number | null | undefined) => (fen === null || fen === undefined ? '—' : money.format(fen / 100));
}

export function StatusBadge({ status }: { status: TicketStatus | string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge sv-status sv-status-${status}`} data-status={status}>
      {t(`service.status.${status}`, { defaultValue: status })}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: Severity | string | null }) {
  const { t } = useTranslation();
  if (!severity) return <span className="muted">—</span>;
  return (
    <span className={`sv-sev sv-sev-${severity}`} data-severity={severity}>
      <span className="sv-sev-bar" aria-hidden="true" />
      {t(`service.severity.${severity}`, { defaultValue: severity })}
    </span>
  );
}

export function KindLabel({ kind }: { kind: string }) {
  const { t } = useTranslation();
  return <span className={`sv-kind sv-kind-${kind}`}>{t(`service.kind.${kind}`, { defaultValue: kind })}</span>;
}

/** 'staff:wang' → wang (the signed-in person by their display name); 'system:sla' → automatic; 'customer' → the customer. */
export function useActorLabel() {
  const { t } = useTranslation();
  const { data: me } = useMe();
  return (actor: string, name?: string | null) => {
    if (name) return name;
    if (me?.staff && actor === `staff:${me.staff.username}`) return me.staff.displayName;
    const [kind, ...rest] = actor.split(':');
    const who = rest.join(':');
    if (kind === 'system' || kind === 'job') return t('service.actor.system');
    if (kind === 'customer' || kind === 'public') return t('service.actor.customer');
    if (kind === 'apikey') return t('service.actor.apikey', { name: who });
    return who || actor;
  };
}
