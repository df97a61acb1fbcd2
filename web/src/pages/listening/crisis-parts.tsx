import { useTranslation } from 'react-i18next';
import { can, useMe } from '../../auth/session';
import { useAssignees } from '../../api/service.api';
import { useFormat } from '../../format/format';
import { useFen } from '../service/service-parts';
import { useDuration, useNow } from '../service/sla-clock';
import type { Crisis, Deadline } from './crises.api';
import '../service/service.css';

/** open → responding → monitoring → closed, as a coloured badge. */
export function CrisisStatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ls-crisis-status ls-crisis-${status}`} data-status={status}>
      {t(`listening.crisis.status.${status}`, { defaultValue: status })}
    </span>
  );
}

export function CrisisSeverity({ severity }: { severity: string }) {
  const { t } = useTranslation();
  return (
    <span className={`ls-sev ls-sev-${severity}`} data-severity={severity}>
      <span className="ls-sev-bar" aria-hidden="true" />
      {t(`listening.crisis.severity.${severity}`, { defaultValue: severity })}
    </span>
  );
}

type DeadlineTone = 'done' | 'ok' | 'warn' | 'overdue';

/** Where a deadline stands at `now`: done, overdue, due within 15 minutes (amber), or running. */
function deadlineTone(d: Pick<Deadline, 'dueAt' | 'doneAt'>, now: number): { tone: DeadlineTone; leftMs: number } {
  const left = Date.parse(d.dueAt) - (d.doneAt ? Date.parse(d.doneAt) : now);
  if (d.doneAt) return { tone: 'done', leftMs: left };
  if (left < 0) return { tone: 'overdue', leftMs: left };
  return { tone: left <= 15 * 60_000 ? 'warn' : 'ok', leftMs: left };
}

/** A deadline ticking like the service SLA clocks: "还剩 45分00秒", red "已逾期 5分12秒", or done on time / late. */
export function DeadlineClock({ deadline }: { deadline: Pick<Deadline, 'dueAt' | 'doneAt'> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const dur = useDuration();
  const now = useNow();
  const { tone, leftMs } = deadlineTone(deadline, now);
  const text =
    tone === 'done'
      ? leftMs >= 0
        ? t('listening.deadline.doneOnTime')
        : t('listening.deadline.doneLate', { d: dur(leftMs) })
      : tone === 'overdue'
        ? t('listening.deadline.overdue', { d: dur(leftMs) })
        : t('listening.deadline.dueIn', { d: dur(leftMs) });
  return (
    <span className={`sv-clock ls-clock sv-clock-${tone === 'done' ? 'met' : tone === 'overdue' ? 'breach' : tone}`} data-tone={tone} title={t('listening.deadline.dueAt', { at: f.dateTime(deadline.dueAt) })} data-testid="deadline-clock">
      <span className="sv-clock-dot" aria-hidden="true" />
      <span className="sv-clock-text">{text}</span>
    </span>
  );
}

/** The statement deadline of a crisis, as its clock. */
export const statementDeadline = (c: Crisis) => ({ dueAt: c.statementDueAt, doneAt: c.statementAt });

/** The crisis owner's name: the signed-in person, a colleague from the staff list (for staff admins), or "a colleague". */
export function useOwnerName() {
  const { t } = useTranslation();
  const { data: me } = useMe();
  const staff = useAssignees(can(me, 'staff:admin'));
  return (ownerId: string | null) => {
    if (!ownerId) return t('listening.crisis.noOwner');
    if (me?.staff?.id === ownerId) return me.staff.displayName;
    return staff.data?.find((s) => s.id === ownerId)?.displayName ?? t('listening.crisis.colleague');
  };
}

/** What a crisis is about: the product (and batch), keyword, store. */
export function CrisisScope({ c }: { c: Crisis }) {
  const { t } = useTranslation();
  const parts = [
    c.sku ? t('listening.crisis.about.sku', { v: c.sku }) : null,
    c.batch ? t('listening.crisis.about.batch', { v: c.batch }) : null,
    c.keyword ? t('listening.crisis.about.keyword', { v: c.keyword }) : null,
    c.storeCode ? t('listening.crisis.about.store', { v: c.storeCode }) : null,
  ].filter((x): x is string => x !== null);
  if (parts.length === 0) return <span className="muted">{t('listening.crisis.about.brand')}</span>;
  return (
    <span className="chips ls-crisis-scope">
      {parts.map((p) => (
        <span key={p} className="chip chip-plain">
          {p}
        </span>
      ))}
    </span>
  );
}

/** What was given, without the empty parts: "优惠券 ¥20.00 + 积分 200", "积分 200", or "—". */
export function useGivenText() {
  const { t } = useTranslation();
  const f = useFormat();
  const fen = useFen();
  return (couponFen: number | null | undefined, points: number | null | undefined) =>
    [couponFen ? t('listening.crisis.gaveCoupon', { v: fen(couponFen) }) : null, points ? t('listening.crisis.gavePoints', { n: f.number(points) }) : null].filter(Boolean).join(' + ') || '—';
}
