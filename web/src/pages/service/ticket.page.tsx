import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import {
  assigneeLabel,
  customerLabel,
  queueLabel,
  taxonomyLabel,
  ticketRef,
  useAssign,
  useAssignees,
  useRenderTemplate,
  useReplyTemplates,
  useQueues,
  useTaxonomy,
  useTicket,
  useTicketPost,
  useTicketStatus,
  type Ticket,
  type TicketDetail,
  type TicketEvent,
} from '../../api/service.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { FormDialog } from '../settings/dialog';
import { CompensationPanel } from './compensation-panel';
import { CustomerSide } from './customer-side';
import { KindLabel, SeverityBadge, StatusBadge, useActorLabel, useFen } from './service-parts';
import { SlaClocks } from './sla-clock';
import './service.css';

/** One ticket: header with its SLA clocks, the timeline, reply box with empathy templates, actions, compensation, and the customer beside it. */
export function TicketPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const ticket = useTicket(id);
  return (
    <div className="page sv-page">
      <Link to="/service/tickets" className="back-link">
        <Icon name="back" size={16} />
        {t('service.ticket.back')}
      </Link>
      {ticket.isPending ? <Loading /> : ticket.isError ? <ErrorState error={ticket.error} onRetry={() => void ticket.refetch()} /> : <TicketView d={ticket.data} />}
    </div>
  );
}

function TicketView({ d }: { d: TicketDetail }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const tk = d.ticket;
  const queues = useQueues();
  const write = can(me, 'service:write');
  const categories = useTaxonomy('category');
  const rootCauses = useTaxonomy('root_cause');
  const closed = tk.status === 'resolved' || tk.status === 'closed';
  return (
    <>
      <section className="card sv-ticket-head" data-testid="ticket-head" data-status={tk.status}>
        <div className="sv-ticket-title">
          <span className="sv-ticket-ref mono" data-testid="ticket-ref">
            {ticketRef(tk)}
          </span>
          <h1 data-testid="ticket-subject">{tk.subject}</h1>
          <StatusBadge status={tk.status} />
          {tk.escalationLevel > 0 ? (
            <span className="badge badge-danger" data-testid="ticket-escalated">
              {t('service.ticket.escalated', { n: tk.escalationLevel })}
            </span>
          ) : null}
        </div>
        <dl className="facts sv-facts">
          <div>
            <dt>{t('service.ticket.kind')}</dt>
            <dd>
              <KindLabel kind={tk.kind} />
            </dd>
          </div>
          <div>
            <dt>{t('service.ticket.severity')}</dt>
            <dd>
              <SeverityBadge severity={tk.severity} />
            </dd>
          </div>
          <div>
            <dt>{t('service.ticket.category')}</dt>
            <dd>{taxonomyLabel(categories.data, tk.category, i18n.language)}</dd>
          </div>
          <div>
            <dt>{t('service.ticket.channel')}</dt>
            <dd>{t(`service.channel.${tk.channel}`, { defaultValue: tk.channel })}</dd>
          </div>
          <div>
            <dt>{t('service.ticket.received')}</dt>
            <dd>{f.dateTime(tk.receivedAt)}</dd>
          </div>
          <div>
            <dt>{t('service.ticket.queue')}</dt>
            <dd>{queueLabel(tk, queues.data) ?? '—'}</dd>
          </div>
          <div>
            <dt>{t('service.ticket.assignee')}</dt>
            <dd data-testid="ticket-assignee">{assigneeLabel(tk) ?? t('service.inbox.unassigned')}</dd>
          </div>
          {tk.storeCode ? (
            <div>
              <dt>{t('service.ticket.store')}</dt>
              <dd>{tk.storeCode}</dd>
            </div>
          ) : null}
          {tk.sku ? (
            <div>
              <dt>{t('service.ticket.sku')}</dt>
              <dd className="mono">{tk.sku}</dd>
            </div>
          ) : null}
        </dl>
        <SlaClocks ticket={tk} />
        {closed && tk.rootCauses.length > 0 ? (
          <div className="sv-root-causes" data-testid="ticket-root-causes">
            <span className="muted small">{t('service.ticket.rootCauses')}</span>
            {tk.rootCauses.map((c) => (
              <span key={c} className="chip">
                {taxonomyLabel(rootCauses.data, c, i18n.language)}
              </span>
            ))}
          </div>
        ) : null}
      </section>

      <div className="sv-ticket-grid">
        <div className="sv-ticket-main">
          {tk.description ? (
            <section className="card sv-description">
              <div className="card-head">
                <h2>{t('service.ticket.description')}</h2>
                <span className="muted small">{d.customer?.name ?? customerLabel(tk) ?? ''}</span>
              </div>
              <p className="sv-pre">{tk.description}</p>
            </section>
          ) : null}
          {write ? <ReplyBox tk={tk} /> : null}
          <Timeline events={d.timeline} />
        </div>
        <aside className="sv-ticket-side">
          {write ? <ActionsCard tk={tk} /> : null}
          {tk.severity ? <CompensationPanel tk={tk} given={d.compensations} /> : null}
          <CustomerSide tk={tk} order={d.order} />
        </aside>
      </div>
    </>
  );
}

/** The reply box: a public reply (to the customer) or an internal note, started from an empathy template. */
function ReplyBox({ tk }: { tk: Ticket }) {
  const { t, i18n } = useTranslation();
  const [internal, setInternal] = useState(false);
  const [body, setBody] = useState('');
  const [template, setTemplate] = useState('');
  const locale = i18n.language.startsWith('zh') ? 'zh-CN' : 'en';
  const templates = useReplyTemplates({ locale, kind: tk.kind, category: tk.category });
  const render = useRenderTemplate();
  const post = useTicketPost(tk.id);
  // The ones written for this ticket's category first, then the general ones.
  const fitting = (templates.data ?? [])
    .filter((x) => x.status !== 'archived' && x.locale === locale)
    .sort((a, b) => Number(b.categories.length > 0) - Number(a.categories.length > 0));
  const pick = (code: string) => {
    setTemplate(code);
    if (!code) return;
    render.mutate({ code, ticketId: tk.id, locale }, { onSuccess: (r) => setBody(r.body) });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) return;
    post.mutate(
      { internal, body: body.trim(), template: !internal && template ? template : undefined },
      {
        onSuccess: () => {
          setBody('');
          setTemplate('');
        },
      },
    );
  };
  return (
    <section className={internal ? 'card sv-reply sv-reply-internal' : 'card sv-reply'} data-testid="reply-box">
      <form onSubmit={submit}>
        <div className="sv-reply-head">
          <div className="segmented" role="group" aria-label={t('service.reply.mode')}>
            <button type="button" className={internal ? '' : 'active'} onClick={() => setInternal(false)} data-mode="reply">
              {t('service.reply.public')}
            </button>
            <button type="button" className={internal ? 'active' : ''} onClick={() => setInternal(true)} data-mode="note">
              {t('service.reply.internal')}
            </button>
          </div>
          {!internal ? (
            <label className="sv-template-pick">
              <Icon name="message" size={16} />
              <select name="template" value={template} onChange={(e) => pick(e.target.value)} aria-label={t('service.reply.template')} disabled={render.isPending}>
                <option value="">{t('service.reply.template')}</option>
                {fitting.map((x) => (
                  <option key={x.id} value={x.code}>
                    {x.title}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </div>
        <textarea
          name="reply"
          rows={5}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          placeholder={internal ? t('service.reply.notePlaceholder') : t('service.reply.placeholder')}
          aria-label={internal ? t('service.reply.internal') : t('service.reply.public')}
        />
        <div className="sv-reply-foot">
          <span className="muted small">{internal ? t('service.reply.internalHint') : t('service.reply.publicHint')}</span>
          <button type="submit" className="btn btn-primary" disabled={post.isPending || !body.trim()} data-testid="reply-send">
            {internal ? t('service.reply.addNote') : t('service.reply.send')}
          </button>
        </div>
        {post.isError || render.isError ? (
          <div className="form-error" role="alert">
            {(post.error ?? render.error)?.message}
          </div>
        ) : null}
      </form>
    </section>
  );
}

const EVENT_ICON: Record<string, string> = { reply: '↩', note: '✎', created: '＋', assigned: '→', status: '●', sla_warning: '!', sla_breach: '!!', escalated: '⇧' };

/** The timeline, newest first: public replies, internal notes, system events (SLA warnings, breaches, escalations, compensation, surveys). */
function Timeline({ events: given }: { events: TicketEvent[] }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const fen = useFen();
  const actor = useActorLabel();
  const rootCauses = useTaxonomy('root_cause');
  const events = [...given].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const detailText = (e: TicketEvent): string | null => {
    const d = e.detail ?? {};
    const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
    const causes = Array.isArray(d.rootCauses) ? (d.rootCauses as string[]).map((c) => taxonomyLabel(rootCauses.data, c, i18n.language)).join('、') : '';
    if (e.kind === 'status' || e.kind === 'reopened') {
      const move = t('service.timeline.statusTo', { from: t(`service.status.${str('from') ?? ''}`, { defaultValue: str('from') ?? '' }), to: t(`service.status.${str('to') ?? ''}`, { defaultValue: str('to') ?? '' }) });
      return causes ? `${move} · ${t('service.timeline.rootCauses', { causes })}` : move;
    }
    if (e.kind === 'root_causes' && Array.isArray(d.to)) return (d.to as string[]).map((c) => taxonomyLabel(rootCauses.data, c, i18n.language)).join('、');
    if (e.kind === 'survey_answered') return [typeof d.nps === 'number' ? `NPS ${d.nps}` : null, typeof d.csat === 'number' ? `CSAT ${d.csat}` : null].filter(Boolean).join(' · ') || null;
    if (e.kind === 'sla_warning' || e.kind === 'sla_breach') return t(`service.sla.target.${str('target') ?? 'resolve'}`, { defaultValue: str('target') ?? '' }) + (str('dueAt') ? ` · ${t('service.sla.dueAt', { at: f.dateTime(str('dueAt')) })}` : '');
    if (e.kind.startsWith('compensation') && typeof d.totalFen === 'number') return fen(d.totalFen);
    return null;
  };
  return (
    <section className="card" data-testid="ticket-timeline">
      <div className="card-head">
        <h2>{t('service.timeline.title')}</h2>
        <span className="muted small">{t('service.timeline.count', { count: events.length })}</span>
      </div>
      {
        <ol className="sv-timeline">
          {events.map((e) => {
            const extra = detailText(e);
            return (
              <li key={e.id} className={`sv-ev sv-ev-${e.visibility} sv-ev-k-${e.kind}`} data-kind={e.kind} data-visibility={e.visibility}>
                <span className="sv-ev-dot" aria-hidden="true">
                  {EVENT_ICON[e.kind] ?? (e.kind.startsWith('compensation') ? '¥' : e.kind.startsWith('survey') ? '★' : '·')}
                </span>
                <div className="sv-ev-body">
                  <div className="sv-ev-head">
                    <strong className="sv-ev-kind">{t(`service.event.${e.kind}`, { defaultValue: e.kind })}</strong>
                    {e.visibility === 'internal' ? <span className="badge badge-warn">{t('service.timeline.internal')}</span> : null}
                    <span className="muted small">{actor(e.actor, e.actorName)}</span>
                    <time className="muted small" dateTime={e.at}>
                      {f.dateTime(e.at)}
                    </time>
                  </div>
                  {e.body ? <div className="sv-ev-text sv-pre">{e.body}</div> : null}
                  {extra ? <div className="muted small">{extra}</div> : null}
                </div>
              </li>
            );
          })}
        </ol>
      }
    </section>
  );
}

/** Assign, take, pending, resolve (with resolution and root causes), close, reopen. */
function ActionsCard({ tk }: { tk: Ticket }) {
  const { t } = useTranslation();
  const { data: me } = useMe();
  const assignees = useAssignees(can(me, 'staff:admin'));
  const assign = useAssign(tk.id);
  const status = useTicketStatus(tk.id);
  const [resolving, setResolving] = useState(false);
  const live = tk.status === 'new' || tk.status === 'open' || tk.status === 'pending';
  const myId = me?.staff?.id;
  const error = assign.error ?? status.error;
  return (
    <section className="card sv-actions" data-testid="ticket-actions">
      <div className="card-head">
        <h2>{t('service.actions.title')}</h2>
      </div>
      {live && can(me, 'staff:admin') ? (
        <div className="sv-assign">
          <label className="sv-f">
            <span>{t('service.ticket.assignee')}</span>
            <select
              name="assignee"
              value={tk.assigneeId ?? ''}
              disabled={assign.isPending}
              onChange={(e) => assign.mutate({ assigneeId: e.target.value || null })}
            >
              <option value="">{t('service.inbox.unassigned')}</option>
              {(assignees.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.displayName}
                </option>
              ))}
              {tk.assigneeId && !(assignees.data ?? []).some((s) => s.id === tk.assigneeId) ? <option value={tk.assigneeId}>{assigneeLabel(tk) ?? tk.assigneeId}</option> : null}
            </select>
          </label>
        </div>
      ) : null}
      {live && myId && tk.assigneeId !== myId ? (
        <button type="button" className="btn btn-small sv-take" onClick={() => assign.mutate({ assigneeId: myId })} disabled={assign.isPending} data-action="take">
          {t('service.actions.take')}
        </button>
      ) : null}
      <div className="sv-action-buttons">
        {live && tk.status !== 'pending' ? (
          <button type="button" className="btn" onClick={() => status.mutate({ status: 'pending' })} disabled={status.isPending} data-action="pending">
            {t('service.actions.pending')}
          </button>
        ) : null}
        {tk.status === 'pending' ? (
          <button type="button" className="btn" onClick={() => status.mutate({ status: 'open' })} disabled={status.isPending} data-action="open">
            {t('service.actions.resume')}
          </button>
        ) : null}
        {live ? (
          <button type="button" className="btn btn-primary" onClick={() => setResolving(true)} data-action="resolve">
            <Icon name="check" size={16} />
            {t('service.actions.resolve')}
          </button>
        ) : null}
        {tk.status === 'resolved' ? (
          <button type="button" className="btn" onClick={() => status.mutate({ status: 'closed' })} disabled={status.isPending} data-action="close">
            {t('service.actions.close')}
          </button>
        ) : null}
        {tk.status === 'resolved' || tk.status === 'closed' ? (
          <button type="button" className="btn" onClick={() => status.mutate({ status: 'reopen' })} disabled={status.isPending} data-action="reopen">
            {t('service.actions.reopen')}
          </button>
        ) : null}
      </div>
      {error ? (
        <div className="form-error" role="alert">
          {error.message}
        </div>
      ) : null}
      {resolving ? <ResolveDialog tk={tk} onClose={() => setResolving(false)} /> : null}
    </section>
  );
}

function ResolveDialog({ tk, onClose }: { tk: Ticket; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const rootCauses = useTaxonomy('root_cause');
  const status = useTicketStatus(tk.id);
  const [resolution, setResolution] = useState('');
  const [causes, setCauses] = useState<string[]>(tk.rootCauses ?? []);
  const toggle = (c: string) => setCauses((xs) => (xs.includes(c) ? xs.filter((x) => x !== c) : [...xs, c]));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    status.mutate({ status: 'resolved', resolution: resolution.trim(), rootCauses: causes }, { onSuccess: onClose });
  };
  return (
    <FormDialog title={t('service.resolve.title', { ref: ticketRef(tk) })} formId="resolve-form" submit={t('service.resolve.submit')} busy={status.isPending} onClose={onClose}>
      <form id="resolve-form" className="sv-form" onSubmit={submit}>
        <label className="sv-f">
          <span>{t('service.resolve.resolution')}</span>
          <textarea name="resolution" rows={4} value={resolution} onChange={(e) => setResolution(e.target.value)} required placeholder={t('service.resolve.resolutionHint')} />
        </label>
        <fieldset className="sv-causes">
          <legend>{t('service.ticket.rootCauses')}</legend>
          {(rootCauses.data ?? [])
            .filter((c) => c.status === 'active')
            .map((c) => (
              <label key={c.code} className={causes.includes(c.code) ? 'sv-cause selected' : 'sv-cause'}>
                <input type="checkbox" name="root-cause" value={c.code} checked={causes.includes(c.code)} onChange={() => toggle(c.code)} />
                {taxonomyLabel(rootCauses.data, c.code, i18n.language)}
              </label>
            ))}
        </fieldset>
        {status.isError ? (
          <div className="form-error" role="alert">
            {status.error.message}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
