import { useTranslation } from 'react-i18next';
import { useFormat } from '../../format/format';
import type { Localized } from '../../api/loyalty.api';
import { localName, signedPoints } from './loyalty-words';

/** The loyalty module's items on the customer 360 timeline (`loyalty.points_earned`, `loyalty.tier_changed`, …). */
export const isLoyaltyItem = (kind: string) => kind.startsWith('loyalty.');

export function useLoyaltyItemKind() {
  const { t } = useTranslation();
  return (kind: string) => t(`loyalty.timeline.${kind.slice('loyalty.'.length)}`, { defaultValue: kind });
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (typeof v === 'number' ? v : null);

export function LoyaltyItemSummary({ kind, summary }: { kind: string; summary: Record<string, unknown> }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const points = num(summary.points);
  const parts: string[] = [];
  if (points !== null && points !== 0) parts.push(t('loyalty.rules.pointsN', { value: signedPoints(f, points) }));
  switch (kind) {
    case 'loyalty.points_earned':
    case 'loyalty.points_redeemed':
    case 'loyalty.points_expired': {
      const source = str(summary.sourceType);
      if (source) parts.push(t(`loyalty.source.${source}`, { defaultValue: source }));
      if (summary.pending === true) parts.push(t('loyalty.timeline.pendingNote'));
      break;
    }
    case 'loyalty.tier_changed':
    case 'loyalty.tier_grace': {
      const to = summary.toName as Localized | null | undefined;
      if (to && typeof to === 'object') parts.push(localName(to, i18n.language));
      else if (str(summary.to)) parts.push(str(summary.to)!);
      if (str(summary.graceUntil)) parts.push(t('loyalty.member.graceUntil', { date: f.date(str(summary.graceUntil)) }));
      break;
    }
    case 'loyalty.badge_earned':
      if (str(summary.name)) parts.unshift(`★ ${str(summary.name)}`);
      break;
    default:
      break;
  }
  return <div className="tl-summary">{parts.length > 0 ? parts.map((p) => <span key={p}>{p}</span>) : <span className="muted">—</span>}</div>;
}
