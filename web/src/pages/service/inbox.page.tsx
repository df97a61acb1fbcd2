import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import {
  SEVERITIES,
  STAFF_CHANNELS,
  TICKET_KINDS,
  assigneeLabel,
  customerLabel,
  queueLabel,
  taxonomyLabel,
  ticketRef,
  useCreateTicket,
  useQueues,
  useTaxonomy,
  useTickets,
  type NewTicket,
  type Severity,
  type TicketFilters,
  type TicketKind,
} from '../../api/service.api';
import type { CustomerSummary } from '../../api/customers.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { FormDialog } from '../settings/dialog';
import { CustomerPicker } from '../promotions/customer-picker';
import { KindLabel, SeverityBadge, StatusBadge } from './service-parts';
import { RowClock } from './sla-clock';
import '../promotions/promotions.css';
import './service.css';

const PAGE = 25;
/** Status tabs: the live ones together first (the default), then each status, then everything. */
const TABS = [
  { key: 'live', status: 'new,open,pending' },
  { key: 'new', status: 'new' },
  { key: 'open', status: 'open' },
  { key: 'pending', status: 'pending' },
  { key: 'resolved', status: 'resolved' },
  { key: 'closed', status: 'closed' },
  { key: 'all', status: 'new,open,pending,resolved,closed' },
] as const;

/** The ticket inbox: SLA clocks per row, filters kept in the URL, search by number or subject, paging, staff entry. */
export function InboxPage() {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const { data: me } = useMe();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [search, setSearch] = useState(params.get('q') ?? '');
  const get = (k: string) => params.get(k) ?? '';
  const tab = TABS.find((x) => x.key === get('tab')) ?? TABS[0];
  const page = Math.max(1, Number(get('page')) || 1);
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next);
  };
  const filters: TicketFilters = {
    status: tab.status,
    assignee: get('assignee') || undefined,
    queue: get('queue') || undefined,
    kind: get('kind') || undefined,
    severity: get('severity') || undefined,
    sla: get('sla') || undefined,
    q: get('q') || undefined,
    customer: get('customer') || undefined,
    limit: PAGE,
    offset: (page - 1) * PAGE,
  };
  // The clocks tick on their own; the list itself is refreshed every minute (new tickets, SLA alerts raised).
  const list = useTickets(filters, { refetchInterval: 60_000 });
  const queues = useQueues();
  const categories = useTaxonomy('category');
  const live = { status: 'new,open,pending', limit: 1 };
  const kOpen = useTickets(live);
  const kBreached = useTickets({ ...live, sla: 'breached' });
  const kWarning = useTickets({ ...live, sla: 'warning' });
  const kMine = useTickets({ ...live, assignee: 'me' });
  const kUnassigned = useTickets({ ...live, assignee: 'none' });
  const total = list.data?.total;
  const rows = list.data?.items;
  const pages = total === undefined ? undefined : Math.max(1, Math.ceil(total / PAGE));

  const kpi = (key: string, label: string, n: number | undefined, onClick: () => void, tone?: string) => (
    <button type="button" className={`kpi kpi-link sv-kpi ${tone ?? ''}`} data-kpi={key} onClick={onClick}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{n === undefined ? '…' : f.number(n)}</div>
    </button>
  );

  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    set({ q: search.trim() });
  };

  return (
    <div className="page sv-page">
      <div className="page-head">
        <div>
          <h1>{t('service.inbox.title')}</h1>
          <p className="muted">{t('service.inbox.subtitle')}</p>
        </div>
        <div className="sv-head-actions">
          <Link to="/service/review" className="btn" data-testid="review-link">
            <Icon name="results" size={16} />
            {t('service.inbox.review')}
          </Link>
          {can(me, 'service:admin') ? (
            <Link to="/service/settings" className="btn">
              <Icon name="settings" size={16} />
              {t('service.inbox.settings')}
            </Link>
          ) : null}
          {can(me, 'service:write') ? (
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} data-testid="ticket-new">
              <Icon name="plus" size={16} />
              {t('service.inbox.new')}
            </button>
          ) : null}
        </div>
      </div>

      <section className="kpis sv-kpis" aria-label={t('service.inbox.kpis')}>
        {kpi('open', t('service.inbox.kpiOpen'), kOpen.data?.total, () => set({ tab: '', sla: '', assignee: '' }))}
        {kpi('breached', t('service.inbox.kpiBreached'), kBreached.data?.total, () => set({ tab: '', sla: 'breached' }), 'sv-kpi-breach')}
        {kpi('warning', t('service.inbox.kpiWarning'), kWarning.data?.total, () => set({ tab: '', sla: 'warning' }), 'sv-kpi-warn')}
        {kpi('mine', t('service.inbox.kpiMine'), kMine.data?.total, () => set({ tab: '', assignee: 'me' }))}
        {kpi('unassigned', t('service.inbox.kpiUnassigned'), kUnassigned.data?.total, () => set({ tab: '', assignee: 'none' }))}
      </section>

      <section className="card sv-inbox">
        <div className="sv-toolbar">
          <div className="jr-tabs sv-tabs" role="tablist" aria-label={t('service.inbox.statusFilter')}>
            {TABS.map((x) => (
              <button key={x.key} type="button" role="tab" aria-selected={tab.key === x.key} className={tab.key === x.key ? 'jr-tab active' : 'jr-tab'} data-tab={x.key} onClick={() => set({ tab: x.key === 'live' ? '' : x.key })}>
                {t(`service.inbox.tab.${x.key}`)}
                {tab.key === x.key && total !== undefined ? <span className="jr-tab-count">{f.number(total)}</span> : null}
              </button>
            ))}
          </div>
          <form className="sv-search" onSubmit={submitSearch} role="search">
            <Icon name="search" size={16} />
            <input type="search" name="q" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t('service.inbox.search')} aria-label={t('service.inbox.search')} />
          </form>
        </div>
        <div className="sv-filters">
          <div className="segmented" role="group" aria-label={t('service.inbox.whose')}>
            {(['', 'me', 'none'] as const).map((a) => (
              <button key={a || 'all'} type="button" className={get('assignee') === a ? 'active' : ''} data-assignee={a || 'all'} onClick={() => set({ assignee: a })}>
                {t(`service.inbox.assignee.${a || 'all'}`)}
              </button>
            ))}
          </div>
          <select name="queue" value={get('queue')} onChange={(e) => set({ queue: e.target.value })} aria-label={t('service.ticket.queue')}>
            <option value="">{t('service.inbox.anyQueue')}</option>
            {(queues.data ?? []).map((q) => (
              <option key={q.id} value={q.code}>
                {q.name}
              </option>
            ))}
          </select>
          <select name="kind" value={get('kind')} onChange={(e) => set({ kind: e.target.value })} aria-label={t('service.ticket.kind')}>
            <option value="">{t('service.inbox.anyKind')}</option>
            {TICKET_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`service.kind.${k}`)}
              </option>
            ))}
          </select>
          <select name="severity" value={get('severity')} onChange={(e) => set({ severity: e.target.value })} aria-label={t('service.ticket.severity')}>
            <option value="">{t('service.inbox.anySeverity')}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`service.severity.${s}`)}
              </option>
            ))}
          </select>
          <select name="sla" value={get('sla')} onChange={(e) => set({ sla: e.target.value })} aria-label={t('service.inbox.slaFilter')}>
            <option value="">{t('service.inbox.anySla')}</option>
            <option value="breached">{t('service.inbox.slaBreached')}</option>
            <option value="warning">{t('service.inbox.slaWarning')}</option>
          </select>
          {['assignee', 'queue', 'kind', 'severity', 'sla', 'q', 'customer'].some((k) => get(k)) ? (
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => {
                setSearch('');
                set({ assignee: '', queue: '', kind: '', severity: '', sla: '', q: '', customer: '' });
              }}
            >
              {t('service.inbox.clear')}
            </button>
          ) : null}
        </div>

        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : !rows || rows.length === 0 ? (
          <Empty title={t('service.inbox.empty')}>{t('service.inbox.emptyHint')}</Empty>
        ) : (
          <>
            <div className="table-wrap">
              <table className="table sv-table" data-testid="ticket-table">
                <thead>
                  <tr>
                    <th>{t('service.ticket.number')}</th>
                    <th>{t('service.ticket.subject')}</th>
                    <th>{t('service.ticket.customer')}</th>
                    <th>{t('service.ticket.kind')}</th>
                    <th>{t('service.ticket.severity')}</th>
                    <th>{t('service.ticket.status')}</th>
                    <th className="hide-narrow">{t('service.ticket.queue')}</th>
                    <th className="hide-narrow">{t('service.ticket.assignee')}</th>
                    <th>{t('service.ticket.sla')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.id} className="sv-row" data-number={r.number} data-status={r.status} onClick={() => navigate(`/service/tickets/${r.id}`)}>
                      <td className="mono nowrap">
                        <Link to={`/service/tickets/${r.id}`} onClick={(e) => e.stopPropagation()} className="sv-ref">
                          {ticketRef(r)}
                        </Link>
                      </td>
                      <td className="sv-subject-cell">
                        <div className="sv-subject">{r.subject}</div>
                        <div className="muted small">
                          {r.category ? taxonomyLabel(categories.data, r.category, i18n.language) : t(`service.channel.${r.channel}`, { defaultValue: r.channel })}
                          {' · '}
                          {f.dateTime(r.receivedAt)}
                        </div>
                      </td>
                      <td data-testid="ticket-customer">{customerLabel(r) ?? <span className="muted">—</span>}</td>
                      <td>
                        <KindLabel kind={r.kind} />
                      </td>
                      <td>
                        <SeverityBadge severity={r.severity} />
                      </td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td className="hide-narrow">{queueLabel(r, queues.data) ?? <span className="muted">—</span>}</td>
                      <td className="hide-narrow">{assigneeLabel(r) ?? <span className="muted">{t('service.inbox.unassigned')}</span>}</td>
                      <td className="nowrap" data-testid="ticket-clock">
                        <RowClock ticket={r} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav className="pager" aria-label={t('list.pages')}>
              <span className="muted small">
                {total === undefined ? t('list.pageOnly', { page }) : t('list.range', { from: (page - 1) * PAGE + 1, to: (page - 1) * PAGE + rows.length, total })}
              </span>
              <span className="pager-buttons">
                <button type="button" className="btn" disabled={page <= 1} onClick={() => set({ page: String(page - 1) })}>
                  {t('list.previous')}
                </button>
                <button type="button" className="btn" disabled={pages === undefined ? rows.length < PAGE : page >= pages} onClick={() => set({ page: String(page + 1) })}>
                  {t('list.next')}
                </button>
              </span>
            </nav>
          </>
        )}
      </section>
      {creating ? <NewTicketDialog onClose={() => setCreating(false)} onCreated={(id) => navigate(`/service/tickets/${id}`)} /> : null}
    </div>
  );
}

/** Staff entry: a ticket taken at the till, by phone or on WeChat, for a customer found by phone or name (or a contact). */
function NewTicketDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const create = useCreateTicket();
  const categories = useTaxonomy('category');
  const queues = useQueues();
  const [kind, setKind] = useState<TicketKind>('complaint');
  const [channel, setChannel] = useState<string>('phone');
  const [severity, setSeverity] = useState<Severity>('minor');
  const [category, setCategory] = useState('');
  const [queue, setQueue] = useState('');
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const [contactName, setContactName] = useState('');
  const [contactPhone, setContactPhone] = useState('');
  const issues = create.error && 'body' in create.error ? ((create.error as { body: { details?: { issues?: { path: string; message: string }[] } } }).body.details?.issues ?? []) : [];
  const issue = (path: string) => issues.find((x) => x.path === path || x.path.startsWith(`${path}.`))?.message;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: NewTicket = { kind, channel, subject: subject.trim() };
    if (description.trim()) body.description = description.trim();
    if (category) body.category = category;
    if (kind === 'complaint') body.severity = severity;
    if (queue) body.queue = queue;
    if (customer) body.customerId = customer.id;
    else if (contactName.trim() || contactPhone.trim()) body.contact = { ...(contactName.trim() ? { name: contactName.trim() } : {}), ...(contactPhone.trim() ? { phone: contactPhone.trim() } : {}) };
    create.mutate(body, { onSuccess: (r) => onCreated(r.ticket.id) });
  };

  return (
    <FormDialog title={t('service.create.title')} formId="ticket-new-form" submit={t('service.create.submit')} busy={create.isPending} wide onClose={onClose}>
      <form id="ticket-new-form" className="sv-form" onSubmit={submit}>
        <div className="sv-form-grid">
          <label className="sv-f">
            <span>{t('service.ticket.kind')}</span>
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as TicketKind)}>
              {TICKET_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`service.kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="sv-f">
            <span>{t('service.ticket.channel')}</span>
            <select name="channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
              {STAFF_CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {t(`service.channel.${c}`)}
                </option>
              ))}
            </select>
          </label>
          {kind === 'complaint' ? (
            <label className="sv-f">
              <span>{t('service.ticket.severity')}</span>
              <select name="severity" value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {t(`service.severity.${s}`)}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="sv-f">
            <span>{t('service.ticket.category')}</span>
            <select name="category" value={category} onChange={(e) => setCategory(e.target.value)}>
              <option value="">—</option>
              {(categories.data ?? []).filter((c) => c.status === 'active').map((c) => (
                <option key={c.code} value={c.code}>
                  {taxonomyLabel(categories.data, c.code, i18n.language)}
                </option>
              ))}
            </select>
          </label>
          <label className="sv-f">
            <span>{t('service.ticket.queue')}</span>
            <select name="queue" value={queue} onChange={(e) => setQueue(e.target.value)}>
              <option value="">{t('service.create.autoQueue')}</option>
              {(queues.data ?? []).map((q) => (
                <option key={q.id} value={q.code}>
                  {q.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label className={issue('subject') ? 'sv-f invalid' : 'sv-f'}>
          <span>{t('service.ticket.subject')}</span>
          <input name="subject" value={subject} onChange={(e) => setSubject(e.target.value)} required maxLength={200} />
          {issue('subject') ? <small className="field-error">{issue('subject')}</small> : null}
        </label>
        <label className="sv-f">
          <span>{t('service.ticket.description')}</span>
          <textarea name="description" rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <div className="sv-f">
          <span>{t('service.ticket.customer')}</span>
          <CustomerPicker value={customer} onChange={setCustomer} name="ticket-customer" />
        </div>
        {!customer ? (
          <div className="sv-form-grid">
            <label className="sv-f">
              <span>{t('service.create.contactName')}</span>
              <input name="contact-name" value={contactName} onChange={(e) => setContactName(e.target.value)} />
            </label>
            <label className={issue('contact') ? 'sv-f invalid' : 'sv-f'}>
              <span>{t('service.create.contactPhone')}</span>
              <input name="contact-phone" value={contactPhone} onChange={(e) => setContactPhone(e.target.value)} />
              {issue('contact') ? <small className="field-error">{issue('contact')}</small> : null}
            </label>
          </div>
        ) : null}
        {create.isError && issues.length === 0 ? (
          <div className="form-error" role="alert">
            {create.error.message}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
