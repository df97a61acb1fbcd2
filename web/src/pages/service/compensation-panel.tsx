import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  useCompensationOptions,
  useDecideCompensation,
  useProposeCompensation,
  useTicketCompensations,
  type Compensation,
  type CompensationAction,
  type CompensationOption,
  type CompensationResult,
  type Ticket,
} from '../../api/service.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Loading } from '../../components/states';
import { useActorLabel, useFen } from './service-parts';

/** The money value of a policy option as configured: coupons and cash (a refund's value depends on the order). */
export function optionTotal(o: CompensationOption): number {
  return o.actions.reduce((s, a) => s + (a.type === 'coupon' || a.type === 'cash' ? (a.amountFen ?? 0) : 0), 0);
}

export function useActionText() {
  const { t } = useTranslation();
  const fen = useFen();
  return (a: CompensationAction) => {
    switch (a.type) {
      case 'coupon':
        return a.amountFen !== undefined ? t('service.comp.action.coupon', { amount: fen(a.amountFen) }) : t('service.comp.action.couponTemplate', { code: a.templateCode ?? '' });
      case 'points':
        return t('service.comp.action.points', { points: a.points ?? 0 });
      case 'refund':
        return t('service.comp.action.refundFull');
      case 'cash':
        return t('service.comp.action.cash', { amount: fen(a.amountFen ?? 0) });
      default:
        return t(`service.comp.action.${a.type}`, { defaultValue: a.type });
    }
  };
}

/** Compensation on the ticket: the options of its severity with money values, propose, approve / reject, execute, results. */
export function CompensationPanel({ tk, given }: { tk: Ticket; given?: Compensation[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const fen = useFen();
  const { data: me } = useMe();
  const options = useCompensationOptions(tk.id);
  const list = useTicketCompensations(tk.id);
  const propose = useProposeCompensation(tk.id);
  const decide = useDecideCompensation(tk.id);
  const actionText = useActionText();
  const actor = useActorLabel();
  const [choice, setChoice] = useState('');
  const [note, setNote] = useState('');
  const comps = [...(list.data ?? given ?? [])].sort((a, b) => Date.parse(b.proposedAt) - Date.parse(a.proposedAt));
  const open = comps.find((c) => c.status === 'proposed' || c.status === 'approved' || c.status === 'failed');
  const write = can(me, 'service:write');
  const mayApprove = (c: Compensation) => can(me, c.approvalScope ?? 'service:approve');
  const optionName = (c: Compensation) => options.data?.find((o) => o.optionCode === c.optionCode && (!c.policyCode || o.policyCode === c.policyCode))?.name ?? c.optionCode ?? t('service.comp.custom');
  const error = propose.error ?? decide.error;
  const key = (o: { policyCode: string; optionCode: string }) => `${o.policyCode}/${o.optionCode}`;
  const picked = options.data?.find((o) => key(o) === choice);
  const policyName = options.data?.[0]?.policyName;

  return (
    <section className="card sv-comp" data-testid="compensation">
      <div className="card-head">
        <h2>{t('service.comp.title')}</h2>
        {policyName ? <span className="muted small">{policyName}</span> : null}
      </div>
      {options.isPending || (list.isPending && !given) ? <Loading /> : null}
      {comps.map((c) => (
        <div key={c.id} className={`sv-comp-item sv-comp-${c.status}`} data-testid="compensation-item" data-status={c.status}>
          <div className="sv-comp-item-head">
            <strong>{optionName(c)}</strong>
            <span className={`badge sv-comp-status sv-comp-status-${c.status}`}>{t(`service.comp.status.${c.status}`)}</span>
          </div>
          <ul className="sv-comp-actions">
            {c.actions.map((a, i) => (
              <li key={i}>{actionText(a)}</li>
            ))}
          </ul>
          <div className="muted small">
            {t('service.comp.total', { amount: fen(c.totalFen) })} · {t('service.comp.proposedBy', { who: actor(c.proposedBy), at: f.dateTime(c.proposedAt) })}
            {c.decidedBy ? ` · ${t(c.status === 'rejected' ? 'service.comp.rejectedBy' : 'service.comp.approvedBy', { who: actor(c.decidedBy) })}` : null}
          </div>
          {c.note ? <div className="small sv-comp-note">“{c.note}”</div> : null}
          {c.decisionNote ? <div className="small sv-comp-note">{c.decisionNote}</div> : null}
          {c.error ? <div className="form-error small">{c.error}</div> : null}
          {c.results.length > 0 ? <Results results={c.results} /> : null}
          <div className="sv-comp-buttons">
            {c.status === 'proposed' && mayApprove(c) ? (
              <>
                <button type="button" className="btn btn-small btn-primary" data-action="approve" disabled={decide.isPending} onClick={() => decide.mutate({ id: c.id, action: 'approve' })}>
                  {t('service.comp.approve')}
                </button>
                <button type="button" className="btn btn-small btn-danger-quiet" data-action="reject" disabled={decide.isPending} onClick={() => decide.mutate({ id: c.id, action: 'reject' })}>
                  {t('service.comp.reject')}
                </button>
              </>
            ) : c.status === 'proposed' ? (
              <span className="muted small" data-testid="awaiting-approval">
                {t('service.comp.awaiting')}
              </span>
            ) : null}
            {(c.status === 'approved' || c.status === 'failed') && write ? (
              <button type="button" className="btn btn-small btn-primary" data-action="execute" disabled={decide.isPending} onClick={() => decide.mutate({ id: c.id, action: 'execute' })}>
                {c.status === 'failed' ? t('service.comp.retry') : t('service.comp.execute')}
              </button>
            ) : null}
            {(c.status === 'proposed' || c.status === 'approved' || c.status === 'failed') && write ? (
              <button type="button" className="btn btn-small btn-ghost" data-action="cancel" disabled={decide.isPending} onClick={() => decide.mutate({ id: c.id, action: 'cancel' })}>
                {t('service.comp.cancel')}
              </button>
            ) : null}
          </div>
        </div>
      ))}

      {!open && !comps.some((c) => c.status === 'executed') && write && options.data && options.data.length > 0 && tk.status !== 'closed' ? (
        <div className="sv-comp-propose">
          <div className="sv-comp-options" role="radiogroup" aria-label={t('service.comp.options')}>
            {options.data.map((o) => (
              <label key={key(o)} className={`sv-comp-option ${choice === key(o) ? 'selected' : ''} ${o.available ? '' : 'sv-disabled'}`} data-option={o.optionCode} title={o.reasons.join('; ') || undefined}>
                <input type="radio" name="comp-option" value={key(o)} checked={choice === key(o)} disabled={!o.available} onChange={() => setChoice(key(o))} />
                <span className="sv-comp-option-text">
                  <strong>{o.name}</strong>
                  <span className="muted small">{o.actions.map((a) => actionText(a.action) + (a.valueFen && a.action.type !== 'coupon' && a.action.type !== 'cash' ? ` (${fen(a.valueFen)})` : '')).join(' + ')}</span>
                  {!o.available && o.reasons.length ? <span className="small sv-reason">{o.reasons[0]}</span> : null}
                </span>
                <span className="sv-comp-option-value">{o.totalFen > 0 ? fen(o.totalFen) : '—'}</span>
              </label>
            ))}
          </div>
          <input className="sv-input" name="comp-note" value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('service.comp.notePlaceholder')} aria-label={t('service.comp.note')} />
          <button
            type="button"
            className="btn btn-primary"
            data-action="propose"
            disabled={!picked || propose.isPending}
            onClick={() =>
              picked &&
              propose.mutate(
                { policyCode: picked.policyCode, optionCode: picked.optionCode, ...(note.trim() ? { note: note.trim() } : {}) },
                {
                  onSuccess: () => {
                    setChoice('');
                    setNote('');
                  },
                },
              )
            }
          >
            {t('service.comp.propose')}
          </button>
          {picked ? <div className="muted small">{t(picked.approvalScope === 'service:write' ? 'service.comp.agentApproves' : 'service.comp.managerApproves')}</div> : null}
        </div>
      ) : options.data && options.data.length === 0 && comps.length === 0 ? (
        <p className="muted small">{t('service.comp.noPolicy')}</p>
      ) : null}
      {error ? (
        <div className="form-error" role="alert">
          {error.message}
        </div>
      ) : null}
    </section>
  );
}

/** What execution produced: the coupon (code), the points entry, the refund's return. */
function Results({ results }: { results: CompensationResult[] }) {
  const { t } = useTranslation();
  const fen = useFen();
  return (
    <ul className="sv-comp-results" data-testid="compensation-results">
      {results.map((r, i) => {
        const code = r.couponCode;
        return (
          <li key={i} data-type={r.type}>
            <span className="sv-comp-result-icon" aria-hidden="true">
              ✓
            </span>
            {r.type === 'coupon'
              ? t('service.comp.result.coupon', { code: code ?? r.couponId ?? '', amount: fen(r.valueFen ?? null) })
              : r.type === 'points'
                ? t('service.comp.result.points', { points: r.points ?? 0 })
                : r.type === 'refund'
                  ? t('service.comp.result.refund', { amount: fen(r.refundFen ?? r.valueFen ?? null) })
                  : t('service.comp.result.done', { what: t(`service.comp.action.${r.type}`, { defaultValue: r.type }) }) + (r.note ? ` · ${r.note}` : '')}
          </li>
        );
      })}
    </ul>
  );
}
