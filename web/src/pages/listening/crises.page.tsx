import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { isApiError } from '../../api/api-client';
import { can, useMe } from '../../auth/session';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useFormat } from '../../format/format';
import { Field, FormDialog } from '../settings/dialog';
import { CRISIS_SEVERITIES, CRISIS_STATUSES, useCrises, useOpenCrisis } from './crises.api';
import { CrisisScope, CrisisSeverity, CrisisStatusBadge, DeadlineClock, statementDeadline, useOwnerName } from './crisis-parts';
import { ListeningHead } from './listening-head';
import './listening.css';

/** 危机处置: every crisis with its status, owner and the statement clock; a crisis can be opened by hand. */
export function CrisesPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const navigate = useNavigate();
  const { data: me } = useMe();
  const owner = useOwnerName();
  const [params, setParams] = useSearchParams();
  const status = CRISIS_STATUSES.find((s) => s === params.get('status'));
  const crises = useCrises(status);
  const [opening, setOpening] = useState(false);
  return (
    <div className="page ls-page">
      <ListeningHead title={t('listening.crises.title')} subtitle={t('listening.crises.subtitle')}>
        {can(me, 'listening:write') && me?.staff ? (
          <button type="button" className="btn btn-primary" onClick={() => setOpening(true)} data-testid="crisis-new">
            <Icon name="plus" size={16} />
            {t('listening.crises.new')}
          </button>
        ) : null}
      </ListeningHead>
      <section className="card">
        <div className="ls-tabs" role="tablist" aria-label={t('listening.crises.statusFilter')}>
          {([undefined, ...CRISIS_STATUSES] as const).map((s) => (
            <button key={s ?? 'all'} type="button" role="tab" aria-selected={status === s} className={status === s ? 'ls-tab active' : 'ls-tab'} onClick={() => setParams(s ? { status: s } : {})}>
              {s ? t(`listening.crisis.status.${s}`) : t('listening.crises.all')}
              {status === s && crises.data ? <span className="ls-tab-count">{crises.data.length}</span> : null}
            </button>
          ))}
        </div>
        {crises.isPending ? (
          <Loading />
        ) : crises.isError ? (
          <ErrorState error={crises.error} onRetry={() => void crises.refetch()} />
        ) : crises.data.length === 0 ? (
          <Empty title={t('listening.crises.none')}>{t('listening.crises.noneHint')}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table ls-crises" data-testid="crises-table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>{t('listening.crisis.title')}</th>
                  <th>{t('listening.crisis.statusLabel')}</th>
                  <th>{t('listening.crisis.severityLabel')}</th>
                  <th>{t('listening.crisis.owner')}</th>
                  <th>{t('listening.crisis.opened')}</th>
                  <th>{t('listening.crisis.statement')}</th>
                </tr>
              </thead>
              <tbody>
                {crises.data.map((c) => (
                  <tr key={c.id} className="ls-click-row" data-number={c.number} onClick={() => navigate(`/listening/crises/${c.id}`)}>
                    <td className="mono">
                      <Link to={`/listening/crises/${c.id}`} onClick={(e) => e.stopPropagation()}>
                        #{c.number}
                      </Link>
                    </td>
                    <td>
                      <div className="cell-title">{c.title}</div>
                      <CrisisScope c={c} />
                    </td>
                    <td>
                      <CrisisStatusBadge status={c.status} />
                    </td>
                    <td>
                      <CrisisSeverity severity={c.severity} />
                    </td>
                    <td>{owner(c.ownerId)}</td>
                    <td className="nowrap small">{f.dateTime(c.openedAt)}</td>
                    <td className="nowrap">{c.status === 'closed' && !c.statementAt ? <span className="muted">—</span> : <DeadlineClock deadline={statementDeadline(c)} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {opening && me?.staff ? <OpenCrisisDialog ownerId={me.staff.id} onClose={() => setOpening(false)} onOpened={(id) => navigate(`/listening/crises/${id}`)} /> : null}
    </div>
  );
}

/** Opening a crisis by hand: a title, severity, what it is about, the target negative share; the opener owns it. */
function OpenCrisisDialog({ ownerId, onClose, onOpened }: { ownerId: string; onClose: () => void; onOpened: (id: string) => void }) {
  const { t } = useTranslation();
  const open = useOpenCrisis();
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<string>('high');
  const [sku, setSku] = useState('');
  const [keyword, setKeyword] = useState('');
  const [storeCode, setStoreCode] = useState('');
  const [target, setTarget] = useState('5');
  const issues = isApiError(open.error) ? (open.error.body.details?.issues ?? []) : [];
  const issue = (path: string) => issues.find((x) => x.path === path)?.message;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    open.mutate(
      {
        title: title.trim(),
        severity,
        ownerId,
        targetNegativeShare: Number(target) / 100,
        ...(sku.trim() ? { sku: sku.trim() } : {}),
        ...(keyword.trim() ? { keyword: keyword.trim() } : {}),
        ...(storeCode.trim() ? { storeCode: storeCode.trim() } : {}),
      },
      { onSuccess: (c) => onOpened(c.id) },
    );
  };
  return (
    <FormDialog title={t('listening.crises.newTitle')} formId="crisis-form" submit={t('listening.crises.open')} busy={open.isPending} onClose={onClose}>
      <form id="crisis-form" className="ls-form" onSubmit={submit}>
        <Field label={t('listening.crisis.title')} error={issue('title')}>
          <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </Field>
        <div className="ls-form-grid">
          <Field label={t('listening.crisis.severityLabel')}>
            <select name="severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
              {CRISIS_SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {t(`listening.crisis.severity.${s}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('listening.crises.target')} hint={t('listening.crises.targetHint')} error={issue('targetNegativeShare')}>
            <input name="target" type="number" min={0} max={100} step="any" value={target} onChange={(e) => setTarget(e.target.value)} required />
          </Field>
          <Field label={t('listening.mentions.sku')} error={issue('sku')}>
            <input name="sku" value={sku} onChange={(e) => setSku(e.target.value)} />
          </Field>
          <Field label={t('listening.mentions.filter.keyword')} error={issue('keyword')}>
            <input name="keyword" value={keyword} onChange={(e) => setKeyword(e.target.value)} />
          </Field>
          <Field label={t('listening.mentions.store')} error={issue('storeCode')}>
            <input name="storeCode" value={storeCode} onChange={(e) => setStoreCode(e.target.value)} />
          </Field>
        </div>
        {open.isError && issues.length === 0 ? (
          <div className="form-error" role="alert">
            {open.error.message}
          </div>
        ) : null}
      </form>
    </FormDialog>
  );
}
