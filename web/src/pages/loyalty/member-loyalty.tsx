import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import {
  useAdjustPoints,
  useMember,
  useMemberBadges,
  useMemberTier,
  useReferral,
  useStatement,
  useTiers,
  type StatementEntry,
} from '../../api/loyalty.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Empty, ErrorState, Loading } from '../../components/states';
import { Field, FormDialog } from '../settings/dialog';
import type { FieldErrors } from '../settings/forms';
import { serverErrors } from './loyalty-forms';
import { actorText, benefitTexts, localName, measureText, signedPoints } from './loyalty-words';

const PAGE_SIZE = 10;

/** The customer 360's membership card: balances, tier and progress, badges, referral code. */
export function MembershipCard({ customerId }: { customerId: string }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const member = useMember(customerId);
  const tier = useMemberTier(customerId);
  const tiers = useTiers();
  const badges = useMemberBadges(customerId);
  const referral = useReferral(customerId);

  if (member.isPending) return <section className="card"><Loading /></section>;
  if (member.isError) return <section className="card"><ErrorState error={member.error} onRetry={() => void member.refetch()} /></section>;
  const m = member.data;
  const mt = tier.data;
  const current = mt?.tier ? tiers.data?.tiers.find((x) => x.code === mt.tier!.code) : undefined;
  const from = current?.threshold ?? 0;
  const share = mt?.next ? Math.min(1, Math.max(0, (mt.measure.value - from) / Math.max(1, mt.next.threshold - from))) : 1;
  const benefits = mt ? benefitTexts(t, f, mt.benefits) : [];

  return (
    <section className="card loyalty-member" data-testid="membership">
      <div className="card-head">
        <h2>{t('loyalty.member.title')}</h2>
        {mt?.tier ? (
          <span className="loyalty-tier-badge" data-testid="member-tier">
            {localName(mt.tier.name, i18n.language)}
          </span>
        ) : mt ? (
          <span className="badge badge-muted">{t('loyalty.member.noTier')}</span>
        ) : null}
      </div>
      <div className="loyalty-member-grid">
        <div className="loyalty-balances">
          <div className="loyalty-balance loyalty-balance-main">
            <span className="kpi-label">{t('loyalty.member.available')}</span>
            <span className="loyalty-balance-value" data-testid="points-available">
              {f.number(m.available)}
            </span>
            <span className="muted small">{t('loyalty.member.worth', { value: f.money(m.cashValue) })}</span>
          </div>
          <div className="loyalty-balance">
            <span className="kpi-label">{t('loyalty.member.pending')}</span>
            <span className="loyalty-balance-value loyalty-balance-minor" data-testid="points-pending">
              {f.number(m.pending)}
            </span>
          </div>
          <div className="loyalty-balance">
            <span className="kpi-label">{t('loyalty.member.held')}</span>
            <span className="loyalty-balance-value loyalty-balance-minor" data-testid="points-held">
              {f.number(m.held)}
            </span>
          </div>
          <div className="loyalty-balance">
            <span className="kpi-label">{t('loyalty.member.lifetime')}</span>
            <span className="loyalty-balance-value loyalty-balance-minor">{f.number(m.lifetimeEarned)}</span>
          </div>
        </div>
        {m.expiringSoon.points > 0 ? (
          <div className="notice loyalty-expiring" role="status">
            {t('loyalty.member.expiringSoon', { points: f.number(m.expiringSoon.points), days: m.expiringSoon.days, date: f.date(m.expiringSoon.firstAt) })}
          </div>
        ) : null}
        <div className="loyalty-progress-block">
          {tier.isError ? (
            <span className="muted small">{t('loyalty.member.tierUnavailable')}</span>
          ) : mt ? (
            <>
              <div className="progress-line">
                <span className="muted small">{t(`loyalty.measure.${mt.measure.type}`)}</span>
                <strong>{measureText(t, f, mt.measure.type, mt.measure.value)}</strong>
              </div>
              <div className="progress progress-lg" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share * 100)}>
                <div className="progress-fill" style={{ width: `${share * 100}%` }} />
              </div>
              <div className="muted small" data-testid="tier-progress">
                {mt.next
                  ? t('loyalty.member.toNext', { missing: measureText(t, f, mt.measure.type, mt.next.missing), tier: localName(mt.next.name, i18n.language) })
                  : t('loyalty.member.topTier')}
              </div>
              {mt.graceUntil ? <div className="muted small">{t('loyalty.member.graceUntil', { date: f.date(mt.graceUntil) })}</div> : null}
              {mt.manualUntil ? <div className="muted small">{t('loyalty.member.manualUntil', { date: f.date(mt.manualUntil) })}</div> : null}
              {benefits.length > 0 || mt.birthdayMonth ? (
                <div className="chips loyalty-benefits">
                  {mt.birthdayMonth ? <span className="chip loyalty-badge-chip">{t('loyalty.member.birthdayMonth')}</span> : null}
                  {benefits.map((b) => (
                    <span className="chip chip-plain" key={b}>
                      {b}
                    </span>
                  ))}
                </div>
              ) : null}
            </>
          ) : (
            <Loading />
          )}
        </div>
        <div className="loyalty-extras">
          <div>
            <div className="kpi-label">{t('loyalty.member.badges')}</div>
            {badges.data && badges.data.earned.length > 0 ? (
              <div className="chips" data-testid="member-badges">
                {badges.data.earned.map((b) => (
                  <span className="chip loyalty-badge-chip" key={`${b.code}:${b.period}`} title={f.date(b.awardedAt)}>
                    ★ {b.name}
                    {b.period !== 'ever' ? <span className="muted small"> · {b.period}</span> : null}
                  </span>
                ))}
              </div>
            ) : (
              <div className="muted small">{badges.isPending ? t('common.loading') : t('loyalty.member.noBadges')}</div>
            )}
            {badges.data && badges.data.progress.length > 0 ? (
              <ul className="loyalty-badge-progress">
                {badges.data.progress.slice(0, 3).map((b) => (
                  <li key={b.code}>
                    <span>{b.name}</span>
                    <span className="muted small">
                      {f.number(b.count)} / {f.number(b.target)}
                    </span>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
          <div>
            <div className="kpi-label">{t('loyalty.member.referralCode')}</div>
            {referral.data ? (
              <div className="loyalty-referral">
                <code className="mono" data-testid="referral-code">
                  {referral.data.code}
                </code>
                <a href={referral.data.link} target="_blank" rel="noreferrer" className="small">
                  {t('loyalty.member.referralLink')}
                </a>
              </div>
            ) : (
              <div className="muted small">{referral.isError ? '—' : t('common.loading')}</div>
            )}
          </div>
        </div>
      </div>
      <div className="loyalty-card-foot">
        <Link to="/loyalty/program" className="small">
          {t('loyalty.member.howPointsWork')} →
        </Link>
      </div>
    </section>
  );
}

/** The customer 360's points statement, newest first, with the adjust dialog for loyalty:write. */
export function PointsStatement({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const { data: me } = useMe();
  const [page, setPage] = useState(1);
  const [adjusting, setAdjusting] = useState(false);
  const statement = useStatement(customerId, page, PAGE_SIZE);
  const s = statement.data;
  const pages = s ? Math.max(1, Math.ceil(s.total / PAGE_SIZE)) : 1;

  return (
    <section className="card" data-testid="points-statement">
      <div className="card-head">
        <h2>{t('loyalty.statement.title')}</h2>
        <span className="loyalty-head-actions">
          {s ? <span className="muted small">{t('loyalty.statement.count', { count: s.total })}</span> : null}
          {can(me, 'loyalty:write') ? (
            <button type="button" className="btn btn-small" onClick={() => setAdjusting(true)}>
              {t('loyalty.adjust.open')}
            </button>
          ) : null}
        </span>
      </div>
      {statement.isPending ? (
        <Loading />
      ) : statement.isError ? (
        <ErrorState error={statement.error} onRetry={() => void statement.refetch()} />
      ) : !s || s.items.length === 0 ? (
        <Empty title={t('loyalty.statement.none')}>{t('loyalty.statement.noneHint')}</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-compact loyalty-statement">
              <thead>
                <tr>
                  <th>{t('loyalty.statement.when')}</th>
                  <th>{t('loyalty.statement.kind')}</th>
                  <th>{t('loyalty.statement.detail')}</th>
                  <th className="num">{t('loyalty.statement.points')}</th>
                  <th className="num">{t('loyalty.statement.balance')}</th>
                </tr>
              </thead>
              <tbody>
                {s.items.map((e) => (
                  <StatementRow key={e.id} e={e} />
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 ? (
            <nav className="pager" aria-label={t('list.pages')}>
              <span className="muted small">{t('list.range', { from: (page - 1) * PAGE_SIZE + 1, to: (page - 1) * PAGE_SIZE + s.items.length, total: s.total })}</span>
              <span className="pager-buttons">
                <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                  {t('list.previous')}
                </button>
                <button type="button" className="btn" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                  {t('list.next')}
                </button>
              </span>
            </nav>
          ) : null}
          <p className="muted small footnote">{t('loyalty.statement.footnote')}</p>
        </>
      )}
      {adjusting ? (
        <AdjustDialog
          customerId={customerId}
          onClose={() => setAdjusting(false)}
          onDone={() => {
            setAdjusting(false);
            setPage(1);
          }}
        />
      ) : null}
    </section>
  );
}

function StatementRow({ e }: { e: StatementEntry }) {
  const { t } = useTranslation();
  const f = useFormat();
  const pendingOnly = e.points === 0 && e.pendingPoints !== 0;
  return (
    <tr data-kind={e.kind}>
      <td className="nowrap">{f.dateTime(e.occurredAt)}</td>
      <td className="nowrap">
        <span className={`badge settings-badge loyalty-kind loyalty-kind-${e.kind}`}>{t(`loyalty.kind.${e.kind}`, { defaultValue: e.kind })}</span>
      </td>
      <td>
        <span>{t(`loyalty.source.${e.sourceType}`, { defaultValue: e.sourceType })}</span>
        {e.reason ? <span className="loyalty-reason"> · {e.reason}</span> : null}
        <span className="muted small loyalty-sub">
          {actorText(t, e.actor)}
          {e.ruleVersion !== null ? ` · ${t('loyalty.statement.ruleVersion', { version: e.ruleVersion })}` : ''}
        </span>
      </td>
      <td className="num nowrap">
        {pendingOnly ? (
          <span className="muted" title={t('loyalty.statement.pendingTitle')}>
            {t('loyalty.statement.pendingPoints', { points: signedPoints(f, e.pendingPoints) })}
          </span>
        ) : (
          <strong className={e.points > 0 ? 'positive' : e.points < 0 ? 'negative' : undefined}>{signedPoints(f, e.points)}</strong>
        )}
        {!pendingOnly && e.pendingPoints !== 0 ? (
          <span className="muted small loyalty-sub">{t('loyalty.statement.pendingPoints', { points: signedPoints(f, e.pendingPoints) })}</span>
        ) : null}
      </td>
      <td className="num nowrap">
        <span data-testid="running-balance">{f.number(e.balance)}</span>
        {e.pendingBalance !== 0 ? <span className="muted small loyalty-sub">{t('loyalty.statement.pendingBalance', { points: f.number(e.pendingBalance) })}</span> : null}
      </td>
    </tr>
  );
}

function AdjustDialog({ customerId, onClose, onDone }: { customerId: string; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const adjust = useAdjustPoints(customerId);
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [checked, setChecked] = useState<FieldErrors>({});
  // One key per dialog: a double click or a retry after a lost answer is not a second adjustment.
  const [key] = useState(() => crypto.randomUUID());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(points.replace(/[\s,]/g, '').replace('−', '-'));
    const errors: FieldErrors = {};
    if (!Number.isInteger(n) || n === 0 || points.trim() === '') errors.points = t('loyalty.adjust.pointsRule');
    if (reason.trim() === '') errors.reason = t('loyalty.adjust.reasonRule');
    setChecked(errors);
    if (Object.keys(errors).length > 0) return;
    adjust.mutate({ points: n, reason: reason.trim(), idempotencyKey: key }, { onSuccess: onDone });
  };

  const server = serverErrors(adjust.error, t('errors.network'), (code, details) =>
    code === 'loyalty.insufficient_points' ? { points: t('loyalty.adjust.insufficient', { available: f.number(Number(details?.available ?? 0)) }) } : null,
  );
  const errors = { ...server.fields, ...checked };

  return (
    <FormDialog title={t('loyalty.adjust.title')} formId="adjust-points" submit={adjust.isPending ? t('loyalty.adjust.saving') : t('loyalty.adjust.submit')} busy={adjust.isPending} onClose={onClose}>
      <form id="adjust-points" className="settings-form" onSubmit={submit} noValidate>
        <Field label={t('loyalty.adjust.points')} hint={t('loyalty.adjust.pointsHint')} error={errors.points}>
          <input name="points" inputMode="numeric" autoComplete="off" value={points} onChange={(e) => setPoints(e.target.value)} autoFocus />
        </Field>
        <Field label={t('loyalty.adjust.reason')} hint={t('loyalty.adjust.reasonHint')} error={errors.reason}>
          <input name="reason" maxLength={500} autoComplete="off" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        {server.form ? (
          <div className="form-error" role="alert">
            {server.form}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
