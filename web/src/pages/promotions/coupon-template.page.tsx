import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/api-client';
import { useSegments } from '../../api/segments.api';
import type { CustomerSummary } from '../../api/customers.api';
import { codesExportUrl, COUPON_STATUSES, useCoupons, useGenerateCodes, useImportCodes, useIssue, useSetTemplateStatus, useTemplate, type CouponStatus as Status, type CouponTemplate, type TemplateStatus } from '../../api/promotions.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { CouponStatus, validityText } from './coupons.page';
import { CustomerPicker } from './customer-picker';
import { F } from './definition-form';
import { ConfirmDialog } from '../settings/dialog';
import { StatusBadge } from './promotions.page';
import { conditionTexts, definitionText, errorAt, fieldErrors, lastDay, scopeText } from './promo-words';
import './promotions.css';
import { TextFileButton } from '../../components/text-file-button';

/** Coupons a page: the holders' names come one profile each. */
const PAGE = 20;

const TEMPLATE_NEXT: Record<TemplateStatus, TemplateStatus[]> = { active: ['paused', 'ended'], paused: ['active', 'ended'], ended: [] };

/** One coupon template: what it gives, its code pool (generate, import, export), issuing, and its coupons. */
export function CouponTemplatePage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'promotions:admin');
  const template = useTemplate(id);
  const setStatus = useSetTemplateStatus();
  const [ending, setEnding] = useState(false);
  if (template.isPending) return <Loading />;
  if (template.isError) return <ErrorState error={template.error} onRetry={() => void template.refetch()} />;
  const x = template.data;
  return (
    <div className="page promo-page">
      <Link to="/coupons" className="back-link">
        <Icon name="back" size={16} />
        {t('promotions.coupons.back')}
      </Link>
      <div className="page-head">
        <div>
          <h1>
            {x.name} <StatusBadge status={x.status} />
          </h1>
          <p className="muted">
            <span className="mono">{x.code}</span> · {t(`promotions.purpose.${x.purpose}`)}
          </p>
        </div>
        {admin ? (
          <div className="promo-head-actions">
            {TEMPLATE_NEXT[x.status].map((to) => (
              <button key={to} type="button" className="btn" disabled={setStatus.isPending} data-action={to} onClick={() => (to === 'ended' ? setEnding(true) : setStatus.mutate({ id: x.id, status: to }))}>
                {t(`promotions.action.${to}`)}
              </button>
            ))}
          </div>
        ) : null}
      </div>

      <section className="card promo-ticket" data-testid="template-summary">
        <div className="promo-ticket-value">{definitionText(t, x.definition)}</div>
        <div className="promo-ticket-body">
          <div>{[scopeText(t, x.definition.scope), ...conditionTexts(t, x.conditions)].join(' · ')}</div>
          <div className="muted small">
            {validityText(t, f, x)} · {x.withPromotions ? t('promotions.coupons.stacksYes') : t('promotions.coupons.stacksNo')}
            {x.perCustomerLimit ? ` · ${t('promotions.list.perCustomer', { n: x.perCustomerLimit })}` : ''}
          </div>
        </div>
        <div className="promo-ticket-count" title={t('promotions.coupons.createdHint')}>
          <strong data-testid="template-issued">
            {f.number(x.issued)}
            {x.totalQuantity ? <span className="muted small"> / {f.number(x.totalQuantity)}</span> : null}
          </strong>
          <span className="muted small">{t('promotions.coupons.created')}</span>
        </div>
      </section>

      <div className="grid-2">
        {admin ? <CodePool template={x} /> : null}
        {can(me, 'promotions:write') ? <Issue template={x} admin={admin} /> : null}
      </div>
      <TemplateCoupons template={x} />
      {ending ? (
        <ConfirmDialog
          title={t('promotions.action.endTitle', { name: x.name })}
          confirm={t('promotions.action.ended')}
          danger
          busy={setStatus.isPending}
          onClose={() => setEnding(false)}
          onConfirm={() => setStatus.mutate({ id: x.id, status: 'ended' }, { onSuccess: () => setEnding(false) })}
        >
          <p>{t('promotions.coupons.endBody')}</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function CodePool({ template }: { template: CouponTemplate }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [count, setCount] = useState('100');
  const [prefix, setPrefix] = useState('');
  const [csv, setCsv] = useState('');
  const [file, setFile] = useState('');
  const generate = useGenerateCodes(template.id);
  const importCodes = useImportCodes(template.id);
  const available = useCoupons({ templateId: template.id, status: 'available' });
  const genErrors = generate.isError ? fieldErrors(generate.error) : {};
  const impErrors = importCodes.isError ? fieldErrors(importCodes.error) : {};
  return (
    <section className="card promo-card" data-testid="code-pool">
      <div className="card-head">
        <h2>{t('promotions.pool.title')}</h2>
        <span className="muted small" data-testid="pool-available">
          {t('promotions.pool.available', { n: f.number(available.data?.total ?? available.data?.items.length ?? 0) })}
        </span>
      </div>
      <form
        className="promo-row"
        onSubmit={(e) => {
          e.preventDefault();
          generate.mutate({ count: Number(count), ...(prefix.trim() ? { prefix: prefix.trim() } : {}) });
        }}
      >
        <F label={t('promotions.pool.count')} error={errorAt(genErrors, 'count')} className="promo-f-narrow">
          <input name="count" inputMode="numeric" value={count} onChange={(e) => setCount(e.target.value)} />
        </F>
        <F label={t('promotions.pool.prefix')} error={errorAt(genErrors, 'prefix')}>
          <input name="prefix" className="mono" value={prefix} maxLength={20} onChange={(e) => setPrefix(e.target.value)} placeholder={t('promotions.pool.prefixHint')} />
        </F>
        <button type="submit" className="btn btn-primary promo-row-button" disabled={generate.isPending} data-testid="pool-generate">
          {t('promotions.pool.generate')}
        </button>
      </form>
      {generate.data ? (
        <div className="notice promo-notice-ok" role="status" data-testid="pool-generated">
          {t('promotions.pool.generated', { n: f.number(generate.data.count), batch: generate.data.batch })}
        </div>
      ) : null}
      {genErrors._ ? <div className="form-error">{genErrors._}</div> : null}
      <h3 className="promo-subhead">{t('promotions.pool.importTitle')}</h3>
      <div className="promo-row">
        <TextFileButton
          label={t('promotions.pool.choose')}
          accept=".csv,.txt,text/csv,text/plain"
          testId="pool-file"
          onText={(name, text) => {
            setFile(name);
            setCsv(text);
          }}
        />
        <span className="muted small">{file || t('promotions.pool.orPaste')}</span>
      </div>
      <textarea className="promo-textarea mono" rows={3} name="csv" value={csv} onChange={(e) => setCsv(e.target.value)} placeholder={'code\nSPRING-0001\nSPRING-0002'} />
      <div className="promo-row">
        <button type="button" className="btn" disabled={!csv.trim() || importCodes.isPending} onClick={() => importCodes.mutate(csv)} data-testid="pool-import">
          {t('promotions.pool.import')}
        </button>
        <a className="btn btn-ghost" href={codesExportUrl(template.id)} download data-testid="pool-export">
          {t('promotions.pool.export')}
        </a>
      </div>
      {importCodes.data ? (
        <div className="notice promo-notice-ok" role="status" data-testid="pool-imported">
          {t('promotions.pool.imported', { n: f.number(importCodes.data.count), batch: importCodes.data.batch })}
        </div>
      ) : null}
      {importCodes.isError ? (
        <div className="form-error" role="alert" data-testid="pool-import-error">
          {Object.entries(impErrors)
            .map(([k, m]) => (/^line \d+$/.test(k) ? t('promotions.pool.line', { n: k.slice(5), message: m }) : k === '_' || k === '(body)' ? m : `${k}: ${m}`))
            .slice(0, 10)
            .join('; ')}
        </div>
      ) : null}
    </section>
  );
}

function Issue({ template, admin }: { template: CouponTemplate; admin: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [to, setTo] = useState<'customer' | 'segment'>('customer');
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const [segmentId, setSegmentId] = useState('');
  const [holdout, setHoldout] = useState('10');
  const segments = useSegments();
  const issue = useIssue(template.id);
  const errors = issue.isError ? fieldErrors(issue.error) : {};
  const run = issue.data?.run;
  return (
    <section className="card promo-card" data-testid="issue">
      <div className="card-head">
        <h2>{t('promotions.issue.title')}</h2>
      </div>
      {admin ? (
        <div className="promo-seg" role="radiogroup" aria-label={t('promotions.issue.title')}>
          {(['customer', 'segment'] as const).map((k) => (
            <button
              key={k}
              type="button"
              role="radio"
              aria-checked={to === k}
              className={to === k ? 'active' : ''}
              data-issue-to={k}
              onClick={() => {
                setTo(k);
                issue.reset();
              }}
            >
              {t(`promotions.issue.to.${k}`)}
            </button>
          ))}
        </div>
      ) : null}
      {to === 'customer' ? (
        <CustomerPicker value={customer} onChange={setCustomer} name="issue-customer" />
      ) : (
        <div className="promo-row">
          <F label={t('promotions.issue.segment')} error={errorAt(errors, 'segmentId')} wide>
            <select name="segment" value={segmentId} onChange={(e) => setSegmentId(e.target.value)}>
              <option value="">{t('promotions.issue.pickSegment')}</option>
              {(segments.data?.items ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {t('promotions.issue.segmentOption', { name: s.name, n: f.number(s.size) })}
                </option>
              ))}
            </select>
          </F>
          <F label={t('promotions.issue.holdout')} error={errorAt(errors, 'holdoutPercent')} hint={t('promotions.issue.holdoutHint')} className="promo-f-narrow">
            <span className="promo-unit">
              <input name="holdout" inputMode="numeric" value={holdout} onChange={(e) => setHoldout(e.target.value)} />
              <em>%</em>
            </span>
          </F>
        </div>
      )}
      <div className="promo-save-actions">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="issue-submit"
          disabled={issue.isPending || template.status !== 'active' || (to === 'customer' ? !customer : !segmentId)}
          onClick={() => issue.mutate(to === 'customer' ? { customerId: customer!.id } : { segmentId, holdoutPercent: Number(holdout) || 0 })}
        >
          {t('promotions.issue.submit')}
        </button>
        {template.status !== 'active' ? <span className="muted small">{t('promotions.issue.notActive')}</span> : null}
      </div>
      {issue.isError ? (
        <div className="form-error" role="alert" data-testid="issue-error">
          {Object.values(errors).join('; ') || issue.error.message}
        </div>
      ) : null}
      {issue.data?.coupon ? (
        <div className="notice promo-notice-ok" role="status" data-testid="issue-done">
          {t('promotions.issue.issuedOne', { code: issue.data.coupon.code, date: f.date(lastDay(issue.data.coupon.validTo)) })}
        </div>
      ) : null}
      {run ? (
        <div className="promo-run" data-testid="issue-run">
          <div>
            <strong>{f.number(run.issued)}</strong>
            <span className="muted small">{t('promotions.issue.runIssued')}</span>
          </div>
          <div>
            <strong>{f.number(run.heldOut)}</strong>
            <span className="muted small">{t('promotions.issue.runHeldOut')}</span>
          </div>
          <div>
            <strong>{f.number(run.skipped)}</strong>
            <span className="muted small">{t('promotions.issue.runSkipped')}</span>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function TemplateCoupons({ template }: { template: CouponTemplate }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [status, setStatus] = useState<Status | ''>('');
  const [page, setPage] = useState(1);
  const list = useCoupons({ templateId: template.id, limit: PAGE, offset: (page - 1) * PAGE, ...(status ? { status } : {}) });
  const total = list.data?.total ?? 0;
  const names = useCustomerNames(list.data?.items.map((c) => c.customerId).filter((x): x is string => !!x) ?? []);
  return (
    <section className="card">
      <div className="card-head">
        <h2>{t('promotions.coupons.listTitle')}</h2>
        <div className="promo-tabs">
          {(['', ...COUPON_STATUSES] as const).map((s) => (
            <button
              key={s || 'all'}
              type="button"
              className={status === s ? 'promo-tab active' : 'promo-tab'}
              onClick={() => {
                setStatus(s);
                setPage(1);
              }}
              data-status={s || 'all'}
            >
              {s ? t(`promotions.couponStatus.${s}`) : t('promotions.list.all')}
            </button>
          ))}
        </div>
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={t('promotions.coupons.noCoupons')} />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="coupon-table">
              <thead>
                <tr>
                  <th>{t('promotions.coupons.code')}</th>
                  <th>{t('promotions.list.status')}</th>
                  <th>{t('promotions.coupons.customer')}</th>
                  <th>{t('promotions.coupons.issuedAt')}</th>
                  <th>{t('promotions.coupons.validTo')}</th>
                  <th>{t('promotions.coupons.batch')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((c) => (
                  <tr key={c.id} data-code={c.code}>
                    <td className="mono">{c.code}</td>
                    <td>
                      <CouponStatus status={c.status} />
                    </td>
                    <td>{c.customerId ? <Link to={`/customers/${c.customerId}`}>{names.get(c.customerId) ?? t('promotions.coupons.open360')}</Link> : <span className="muted">—</span>}</td>
                    <td className="nowrap small">{f.dateTime(c.issuedAt)}</td>
                    <td className="nowrap small">{f.date(lastDay(c.validTo))}</td>
                    <td className="mono muted small">{c.batch ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {total > PAGE ? (
            <nav className="pager" aria-label={t('list.pages')}>
              <span className="muted small">{t('list.range', { from: (page - 1) * PAGE + 1, to: (page - 1) * PAGE + list.data.items.length, total })}</span>
              <span className="pager-buttons">
                <button type="button" className="btn" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                  {t('list.previous')}
                </button>
                <button type="button" className="btn" disabled={page * PAGE >= total} onClick={() => setPage(page + 1)} data-testid="coupons-next">
                  {t('list.next')}
                </button>
              </span>
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}

/** Names of the customers holding a page of coupons (masked for roles without pii:read), one request each, cached. */
function useCustomerNames(ids: string[]): Map<string, string> {
  const unique = [...new Set(ids)];
  const q = useQuery({
    queryKey: ['customers', 'names', unique],
    queryFn: async ({ signal }) => {
      const out = new Map<string, string>();
      await Promise.all(
        unique.map(async (id) => {
          const c = await api<{ profile: { name: string | null } }>(`/api/v1/customers/${id}`, { signal }).catch(() => null);
          if (c?.profile?.name) out.set(id, c.profile.name);
        }),
      );
      return out;
    },
    enabled: unique.length > 0,
    staleTime: 60_000,
  });
  return q.data ?? new Map();
}
