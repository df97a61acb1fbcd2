import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { TASK_OUTCOMES, useCompleteTask, useGuideTasks, type GuideTask } from '../../api/messaging.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Empty, ErrorState, Loading } from '../../components/states';
import { Dialog } from '../settings/dialog';
import { Field } from '../journeys/fields';
import '../journeys/journeys.css';

/** Guide tasks: callbacks and follow-ups the journeys created; a guide completes one with its outcome. */
export function GuideTasksPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const write = can(me, 'messaging:write');
  const [status, setStatus] = useState<'open' | 'done' | ''>('open');
  const list = useGuideTasks(status);
  const [completing, setCompleting] = useState<GuideTask | null>(null);
  const now = Date.now();
  return (
    <div className="page jr-page">
      <div className="page-head">
        <div>
          <h1>{t('messaging.tasks.title')}</h1>
          <p className="muted">{t('messaging.tasks.subtitle')}</p>
        </div>
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
                    <strong>{x.title}</strong>
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
                    {x.status === 'open' && write ? (
                      <button type="button" className="btn btn-small btn-primary" onClick={() => setCompleting(x)} data-action="complete">
                        {t('messaging.tasks.complete')}
                      </button>
                    ) : null}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      {completing ? <CompleteDialog task={completing} onClose={() => setCompleting(null)} /> : null}
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
