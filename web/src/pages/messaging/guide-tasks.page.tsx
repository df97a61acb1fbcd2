import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api/api-client';
import { TASK_KINDS, TASK_OUTCOMES, useCompleteTask, useGuideTasks, type GuideTask } from '../../api/messaging.api';
import { useAssignees } from '../../api/service.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Empty, ErrorState, Loading } from '../../components/states';
import { Dialog } from '../settings/dialog';
import { Field } from '../journeys/fields';
import '../journeys/journeys.css';

/** Writes to /api/v1/guide-tasks (make, cancel, reassign); the list refreshes after each. */
function useTaskAction<B>(path: (body: B) => string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: B) => api<GuideTask>(path(body), { body: Object.fromEntries(Object.entries(body as object).filter(([k]) => k !== 'id')) }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['messaging', 'guide-tasks'] }),
  });
}

/**
 * Guide tasks: callbacks, follow-ups and birthday calls (from journeys or made by hand); a guide completes one with its
 * outcome, cancels it with a reason or gives it to a colleague of the store.
 */
export function GuideTasksPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const write = can(me, 'messaging:write');
  const [status, setStatus] = useState<'open' | 'done' | ''>('open');
  const list = useGuideTasks(status);
  const [completing, setCompleting] = useState<GuideTask | null>(null);
  const [cancelling, setCancelling] = useState<GuideTask | null>(null);
  const [reassigning, setReassigning] = useState<GuideTask | null>(null);
  const [creating, setCreating] = useState(false);
  const now = Date.now();
  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <h1>{t('messaging.tasks.title')}</h1>
          <p className="muted">{t('messaging.tasks.subtitle')}</p>
        </div>
        {write ? (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} data-action="new-task">
            {t('messaging.tasks.new')}
          </button>
        ) : null}
      </div>
      <section className="card">
        <div className="card-head">
          <div className="jr-tabs" role="tablist">
            {(['open', 'done', ''] as const).map((s) => (
              <button key={s || 'all'} type="button" role="tab" aria-selected={status === s} className={status === s ? 'jr-tab active' : 'jr-tab'} onClick={() => setStatus(s)} data-status={s || 'all'}>
                {t(`messaging.tasks.tab.${s || 'all'}`)}
              </button>
            ))}
          </div>
        </div>
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : list.data.length === 0 ? (
          <Empty title={t(status === 'open' ? 'messaging.tasks.emptyOpen' : 'messaging.tasks.empty')}>{t('messaging.tasks.emptyHint')}</Empty>
        ) : (
          <ul className="jr-tasks" data-testid="task-list">
            {list.data.map((x) => {
              const overdue = x.status === 'open' && Date.parse(x.dueAt) < now;
              return (
                <li key={x.id} className={`jr-task jr-task-${x.status}${overdue ? ' overdue' : ''}`} data-task={x.id}>
                  <div className="jr-task-main">
                    <strong>{x.title}</strong> {x.kind ? <span className="badge" data-kind={x.kind}>{t(`messaging.tasks.kind.${x.kind}`)}</span> : null}
                    {x.body ? <p className="muted small">{x.body}</p> : null}
                    <div className="small jr-task-meta">
                      <Link to={`/customers/${x.customerId}`}>{x.customerName ?? t('messaging.log.customerLink')}</Link>
                      {x.storeCode ? <span className="muted"> · {x.storeCode}</span> : null}
                      {x.assignee ? <span className="muted"> · {x.assignee}</span> : null}
                    </div>
                  </div>
                  <div className="jr-task-side">
                    {x.status === 'open' ? (
                      <span className={overdue ? 'badge badge-danger' : 'badge badge-warn'}>{overdue ? t('messaging.tasks.overdue', { date: f.date(x.dueAt) }) : t('messaging.tasks.due', { date: f.date(x.dueAt) })}</span>
                    ) : (
                      <span className="badge badge-ok">{x.outcome ? t(`messaging.outcome.${x.outcome}`, { defaultValue: x.outcome }) : t(`messaging.tasks.status.${x.status}`)}</span>
                    )}
                    {x.status === 'done' && x.doneAt ? <span className="muted small">{t('messaging.tasks.doneBy', { who: x.doneBy ?? '—', date: f.date(x.doneAt) })}</span> : null}
                    {x.note ? <span className="muted small">“{x.note}”</span> : null}
                    {x.status === 'cancelled' && x.cancelReason ? <span className="muted small">{t('messaging.tasks.cancelledFor', { reason: x.cancelReason })}</span> : null}
                    {x.status === 'open' && write ? (
                      <>
                        <button type="button" className="btn btn-small btn-primary" onClick={() => setCompleting(x)} data-action="complete">
                          {t('messaging.tasks.complete')}
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setReassigning(x)} data-action="reassign">
                          {t('messaging.tasks.reassign')}
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setCancelling(x)} data-action="cancel">
                          {t('messaging.tasks.cancel')}
                        </button>
                      </>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      {completing ? <CompleteDialog task={completing} onClose={() => setCompleting(null)} /> : null}
      {cancelling ? <CancelDialog task={cancelling} onClose={() => setCancelling(null)} /> : null}
      {reassigning ? <ReassignDialog task={reassigning} onClose={() => setReassigning(null)} /> : null}
      {creating ? <CreateDialog onClose={() => setCreating(false)} /> : null}
    </div>
  );
}

function CompleteDialog({ task, onClose }: { task: GuideTask; onClose: () => void }) {
  const { t } = useTranslation();
  const complete = useCompleteTask();
  const [outcome, setOutcome] = useState<string>(TASK_OUTCOMES[0]);
  const [note, setNote] = useState('');
  return (
    <Dialog
      title={t('messaging.tasks.completeTitle', { title: task.title })}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('journeys.common.cancel')}
          </button>
          <button type="button" className="btn btn-primary" disabled={complete.isPending} onClick={() => complete.mutate({ id: task.id, outcome, ...(note.trim() ? { note: note.trim() } : {}) }, { onSuccess: onClose })} data-testid="task-confirm">
            {t('messaging.tasks.complete')}
          </button>
        </>
      }
    >
      <div className="jr-form">
        <div className="jr-outcomes" role="radiogroup">
          {TASK_OUTCOMES.map((o) => (
            <label key={o} className={outcome === o ? 'jr-outcome on' : 'jr-outcome'}>
              <input type="radio" name="outcome" value={o} checked={outcome === o} onChange={() => setOutcome(o)} />
              {t(`messaging.outcome.${o}`)}
            </label>
          ))}
        </div>
        <Field label={t('messaging.tasks.note')}>
          <textarea name="note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
        </Field>
        {complete.isError ? (
          <div className="form-error" role="alert">
            {complete.error.message}
          </div>
        ) : null}
      </div>
    </Dialog>
  );
}

/** The footer of the small dialogs: cancel, and the action. */
function Footer({ onClose, onOk, busy, label, testId }: { onClose: () => void; onOk: () => void; busy: boolean; label: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <>
      <button type="button" className="btn" onClick={onClose}>
        {t('journeys.common.cancel')}
      </button>
      <button type="button" className="btn btn-primary" disabled={busy} onClick={onOk} data-testid={testId}>
        {label}
      </button>
    </>
  );
}

function CreateDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const create = useTaskAction<{ customerId: string; kind: string; title: string; body?: string; dueAt: string }>(() => '/api/v1/guide-tasks');
  const [form, setForm] = useState({ customerId: '', kind: 'callback', title: '', body: '', due: '' });
  const set = (patch: Partial<typeof form>) => setForm((f) => ({ ...f, ...patch }));
  const submit = () =>
    create.mutate(
      { customerId: form.customerId.trim(), kind: form.kind, title: form.title.trim(), ...(form.body.trim() ? { body: form.body.trim() } : {}), dueAt: form.due ? new Date(form.due).toISOString() : '' },
      { onSuccess: onClose },
    );
  return (
    <Dialog title={t('messaging.tasks.createTitle')} onClose={onClose} footer={<Footer onClose={onClose} onOk={submit} busy={create.isPending} label={t('messaging.tasks.create')} testId="task-create" />}>
      <div className="jr-form">
        <Field label={t('messaging.tasks.customerId')}>
          <input name="customerId" value={form.customerId} onChange={(e) => set({ customerId: e.target.value })} placeholder="00000000-0000-0000-0000-000000000000" />
        </Field>
        <Field label={t('messaging.tasks.kindLabel')}>
          <select name="kind" value={form.kind} onChange={(e) => set({ kind: e.target.value })}>
            {TASK_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`messaging.tasks.kind.${k}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('messaging.tasks.titleLabel')}>
          <input name="title" value={form.title} maxLength={200} onChange={(e) => set({ title: e.target.value })} />
        </Field>
        <Field label={t('messaging.tasks.body')}>
          <textarea name="body" rows={3} value={form.body} maxLength={4000} onChange={(e) => set({ body: e.target.value })} />
        </Field>
        <Field label={t('messaging.tasks.dueAt')}>
          <input type="datetime-local" name="dueAt" value={form.due} onChange={(e) => set({ due: e.target.value })} />
        </Field>
        {create.isError ? (
          <div className="form-error" role="alert">
            {create.error.message}
          </div>
        ) : null}
      </div>
    </Dialog>
  );
}

function CancelDialog({ task, onClose }: { task: GuideTask; onClose: () => void }) {
  const { t } = useTranslation();
  const cancel = useTaskAction<{ id: string; reason: string }>((b) => `/api/v1/guide-tasks/${encodeURIComponent(b.id)}/cancel`);
  const [reason, setReason] = useState('');
  return (
    <Dialog
      title={t('messaging.tasks.cancelTitle', { title: task.title })}
      onClose={onClose}
      footer={<Footer onClose={onClose} onOk={() => cancel.mutate({ id: task.id, reason: reason.trim() }, { onSuccess: onClose })} busy={cancel.isPending} label={t('messaging.tasks.cancel')} testId="task-cancel" />}
    >
      <div className="jr-form">
        <Field label={t('messaging.tasks.reason')}>
          <textarea name="reason" rows={2} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </Field>
        {cancel.isError ? (
          <div className="form-error" role="alert">
            {cancel.error.message}
          </div>
        ) : null}
      </div>
    </Dialog>
  );
}

function ReassignDialog({ task, onClose }: { task: GuideTask; onClose: () => void }) {
  const { t } = useTranslation();
  const { data: me } = useMe();
  // The staff list needs staff:admin; others type the colleague's staff id.
  const staff = useAssignees(can(me, 'staff:admin'));
  const reassign = useTaskAction<{ id: string; staffId: string }>((b) => `/api/v1/guide-tasks/${encodeURIComponent(b.id)}/reassign`);
  const [staffId, setStaffId] = useState('');
  const options = (staff.data ?? []).filter((s) => (s.role === 'guide' || s.role === 'store_manager') && s.id !== task.assigneeStaffId);
  return (
    <Dialog
      title={t('messaging.tasks.reassignTitle', { title: task.title })}
      onClose={onClose}
      footer={<Footer onClose={onClose} onOk={() => reassign.mutate({ id: task.id, staffId: staffId.trim() }, { onSuccess: onClose })} busy={reassign.isPending || !staffId.trim()} label={t('messaging.tasks.reassign')} testId="task-reassign" />}
    >
      <div className="jr-form">
        <Field label={t('messaging.tasks.staff', { store: task.storeCode ?? '—' })}>
          {options.length > 0 ? (
            <select name="staffId" value={staffId} onChange={(e) => setStaffId(e.target.value)}>
              <option value="">—</option>
              {options.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.displayName} ({s.username})
                </option>
              ))}
            </select>
          ) : (
            <input name="staffId" value={staffId} onChange={(e) => setStaffId(e.target.value)} placeholder="00000000-0000-0000-0000-000000000000" />
          )}
        </Field>
        {reassign.isError ? (
          <div className="form-error" role="alert">
            {reassign.error.message}
          </div>
        ) : null}
      </div>
    </Dialog>
  );
}
