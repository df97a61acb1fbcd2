import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { AUDIT_FILTERS, useAuditLog, useAuditVerify, type AuditEntry } from '../../api/security.api';
import { useFormat } from '../../format/format';
import { Empty, ErrorState, Loading } from '../../components/states';
import { SettingsFrame } from './settings-frame';

type Filters = Record<(typeof AUDIT_FILTERS)[number], string>;

/**
 * The audit log (administrators, audit:read): whether the hash chain is intact, then its entries newest first with the
 * API's filters. Filters and the page (`before`, the seq the older page starts below) live in the URL.
 */
export function AuditSettingsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const query: Record<string, string | undefined> = {};
  for (const k of [...AUDIT_FILTERS, 'before'] as const) query[k] = params.get(k) ?? undefined;
  const log = useAuditLog(query);
  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  };

  return (
    <SettingsFrame title={t('security.audit.title')} intro={t('security.audit.intro')}>
      <ChainStatus />
      <AuditFilters
        initial={Object.fromEntries(AUDIT_FILTERS.map((k) => [k, params.get(k) ?? ''])) as Filters}
        onApply={(f) => set({ ...f, before: undefined })}
        onClear={() => set({ ...Object.fromEntries(AUDIT_FILTERS.map((k) => [k, undefined])), before: undefined })}
      />
      {log.isPending ? (
        <Loading />
      ) : log.isError ? (
        <ErrorState error={log.error} onRetry={() => void log.refetch()} />
      ) : log.data.items.length === 0 ? (
        <Empty title={t('security.audit.none')} />
      ) : (
        <>
          <AuditTable items={log.data.items} />
          <div className="pager">
            <span className="muted small">
              {t('security.audit.showing', { first: log.data.items[0]!.seq, last: log.data.items[log.data.items.length - 1]!.seq })}
            </span>
            <span className="pager-buttons">
              <button type="button" className="btn" disabled={!params.get('before')} onClick={() => set({ before: undefined })}>
                {t('security.audit.newest')}
              </button>
              <button
                type="button"
                className="btn"
                disabled={log.data.nextBefore === null}
                onClick={() => set({ before: String(log.data.nextBefore) })}
              >
                {t('security.audit.older')}
              </button>
            </span>
          </div>
        </>
      )}
    </SettingsFrame>
  );
}

/** GET /api/v1/audit/verify: intact with its size, or the first bad seq and why. */
function ChainStatus() {
  const { t } = useTranslation();
  const f = useFormat();
  const verify = useAuditVerify();
  const v = verify.data;
  return (
    <div
      className={v && !v.ok ? 'form-error' : 'notice'}
      style={v?.ok ? { background: 'var(--ok-weak)', color: 'var(--ok)', marginBottom: 12 } : { marginBottom: 12 }}
      role="status"
      data-testid="audit-chain"
    >
      <div style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: 12, flexWrap: 'wrap' }}>
        <span>
          {verify.isPending
            ? t('security.audit.verifying')
            : verify.isError
              ? t('security.audit.verifyFailed')
              : v!.ok
                ? t('security.audit.intact', { count: v!.rows, rows: f.number(v!.rows), head: v!.headSeq ?? '—' })
                : t('security.audit.broken', {
                    seq: v!.firstBadSeq,
                    problem: t(`security.audit.problem.${v!.problem ?? 'unknown'}`, { defaultValue: v!.problem ?? '' }),
                  })}
          {v && !v.ok && v.reason ? <span className="muted small settings-sub mono">{v.reason}</span> : null}
        </span>
        <button type="button" className="btn btn-small" disabled={verify.isFetching} onClick={() => void verify.refetch()}>
          {t('security.audit.verifyAgain')}
        </button>
      </div>
    </div>
  );
}

function AuditFilters({ initial, onApply, onClear }: { initial: Filters; onApply: (f: Filters) => void; onClear: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(initial);
  const key = JSON.stringify(initial);
  useEffect(() => setDraft(JSON.parse(key) as Filters), [key]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(Object.fromEntries(Object.entries(draft).map(([k, v]) => [k, v.trim()])) as Filters);
  };
  const text = (name: keyof Filters, width = 150) => (
    <label className="settings-filter" key={name}>
      <span className="muted small" style={{ display: 'block' }}>
        {t(`security.audit.filter.${name}`)}
      </span>
      <input
        name={name}
        type={name === 'from' || name === 'to' ? 'date' : 'text'}
        value={draft[name]}
        placeholder={name === 'action' ? 'customers.*' : undefined}
        style={{ width, height: 36, padding: '0 8px', border: '1px solid var(--border-strong)', borderRadius: 'var(--radius-sm)' }}
        onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))}
      />
    </label>
  );
  return (
    <form className="settings-toolbar" onSubmit={submit} aria-label={t('security.audit.filters')} style={{ alignItems: 'flex-end' }}>
      {text('action')}
      {text('actor')}
      {text('targetType', 120)}
      {text('targetId', 200)}
      {text('from', 140)}
      {text('to', 140)}
      <button type="submit" className="btn btn-primary">
        {t('security.audit.apply')}
      </button>
      {Object.values(initial).some(Boolean) ? (
        <button type="button" className="btn btn-ghost" onClick={onClear}>
          {t('settings.common.clearFilters')}
        </button>
      ) : null}
    </form>
  );
}

function AuditTable({ items }: { items: AuditEntry[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <div className="table-wrap">
      <table className="table table-compact" data-testid="audit-table">
        <caption className="sr-only">{t('security.audit.title')}</caption>
        <thead>
          <tr>
            <th className="num">{t('security.audit.seq')}</th>
            <th>{t('security.audit.at')}</th>
            <th>{t('security.audit.actor')}</th>
            <th>{t('security.audit.action')}</th>
            <th>{t('security.audit.target')}</th>
            <th>{t('security.audit.details')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.seq}>
              <td className="num mono">{e.seq}</td>
              <td className="nowrap">{f.dateTime(e.at)}</td>
              <td className="mono small">{e.actor}</td>
              <td>
                <span className="mono small">{e.action}</span>
              </td>
              <td>
                <span className="muted small">{e.targetType}</span>
                <span className="mono small settings-sub break">{e.targetId}</span>
              </td>
              <td>
                {/* Text, never markup: whatever a detail holds is shown as written. */}
                <code className="mono small settings-clamp break" title={JSON.stringify(e.details, null, 2)}>
                  {Object.keys(e.details).length ? JSON.stringify(e.details) : '—'}
                </code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
