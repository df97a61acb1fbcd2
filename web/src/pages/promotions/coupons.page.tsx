import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { isApiError } from '../../api/api-client';
import { lookupCoupon, PURPOSES, useCreateTemplate, useTemplates, useVoidCoupon, type Coupon, type CouponTemplate, type TemplateDraft, type TemplatePurpose } from '../../api/promotions.api';
import { can, useMe } from '../../auth/session';
import { useFormat, type Format } from '../../format/format';
import { Icon } from '../../components/icons';
import { Empty, ErrorState, Loading } from '../../components/states';
import { ConditionsEditor, DefinitionEditor, emptyConditions, emptyDefinition, F, toConditions, toDefinition, type ConditionsForm, type DefinitionForm } from './definition-form';
import { StatusBadge } from './promotions.page';
import { conditionTexts, definitionText, errorAt, fieldErrors, lastDay, scopeText } from './promo-words';
import './promotions.css';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function validityText(t: (k: string, o?: Record<string, unknown>) => string, f: Format, x: { validFrom: string | null; validTo: string | null; validDays: number | null }): string {
  if (x.validDays) return t('promotions.coupons.validDays', { n: x.validDays });
  return x.validFrom ? `${f.date(x.validFrom)} – ${f.date(lastDay(x.validTo))}` : t('promotions.coupons.validUntil', { date: f.date(lastDay(x.validTo)) });
}

/** Coupons: the templates (what each gives, validity, issued), and a code look-up with void. */
export function CouponsPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const admin = can(me, 'promotions:admin');
  const templates = useTemplates();

  return (
    <div className="page promo-page">
      <div className="page-head">
        <div>
          <h1>{t('promotions.coupons.title')}</h1>
          <p className="muted">{t('promotions.coupons.subtitle')}</p>
        </div>
        {admin ? (
          <Link to="/coupons/new" className="btn btn-primary" data-testid="template-new">
            <Icon name="ticket" size={16} />
            {t('promotions.coupons.newTemplate')}
          </Link>
        ) : null}
      </div>

      <div className="promo-coupons-layout">
        <section className="card">
          <div className="card-head">
            <h2>{t('promotions.coupons.templates')}</h2>
          </div>
          {templates.isPending ? (
            <Loading />
          ) : templates.isError ? (
            <ErrorState error={templates.error} onRetry={() => void templates.refetch()} />
          ) : templates.data.length === 0 ? (
            <Empty title={t('promotions.coupons.noTemplates')}>{admin ? t('promotions.coupons.noTemplatesHint') : null}</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="template-table">
                <thead>
                  <tr>
                    <th>{t('promotions.coupons.template')}</th>
                    <th>{t('promotions.coupons.purpose')}</th>
                    <th>{t('promotions.coupons.gives')}</th>
                    <th>{t('promotions.coupons.validity')}</th>
                    <th className="num" title={t('promotions.coupons.createdHint')}>{t('promotions.coupons.created')}</th>
                    <th>{t('promotions.list.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {templates.data.map((x) => (
                    <tr key={x.id} data-code={x.code}>
                      <td>
                        <Link to={`/coupons/${x.id}`} className="seg-name-link">
                          {x.name}
                        </Link>
                        <div className="mono muted small">{x.code}</div>
                      </td>
                      <td>
                        <span className={`badge promo-purpose promo-purpose-${x.purpose}`}>{t(`promotions.purpose.${x.purpose}`)}</span>
                      </td>
                      <td>
                        <div className="promo-rule">{definitionText(t, x.definition)}</div>
                        <div className="muted small">{[scopeText(t, x.definition.scope), ...conditionTexts(t, x.conditions)].join(' · ')}</div>
                      </td>
                      <td className="small nowrap">{validityText(t, f, x)}</td>
                      <td className="num">{f.number(x.issued)}</td>
                      <td>
                        <StatusBadge status={x.status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <CouponLookup />
      </div>
    </div>
  );
}

/** A coupon by its code: whose, what state, valid when; void with a reason. */
function CouponLookup() {
  const { t } = useTranslation();
  const f = useFormat();
  const { data: me } = useMe();
  const [code, setCode] = useState('');
  const [reason, setReason] = useState('');
  const found = useMutation({ mutationFn: lookupCoupon });
  const voidIt = useVoidCoupon();
  const c: Coupon | undefined = voidIt.data && voidIt.data.code === found.data?.code ? voidIt.data : found.data;
  return (
    <section className="card promo-lookup" data-testid="coupon-lookup">
      <div className="card-head">
        <h2>{t('promotions.coupons.lookup')}</h2>
      </div>
      <form
        className="promo-picker-row"
        onSubmit={(e) => {
          e.preventDefault();
          voidIt.reset();
          if (code.trim()) found.mutate(code);
        }}
      >
        <input name="lookupCode" className="mono" value={code} placeholder={t('promotions.coupons.lookupPlaceholder')} aria-label={t('promotions.coupons.lookup')} onChange={(e) => setCode(e.target.value)} />
        <button type="submit" className="btn" disabled={found.isPending}>
          <Icon name="search" size={16} />
          {t('promotions.picker.search')}
        </button>
      </form>
      {found.isError ? (
        <div className="form-error" role="alert">
          {isApiError(found.error, 404) ? t('promotions.coupons.notFound') : found.error.message}
        </div>
      ) : null}
      {c ? (
        <div className="promo-coupon-card" data-testid="coupon-found" data-status={c.status}>
          <div className="promo-coupon-top">
            <span className="mono promo-coupon-code">{c.code}</span>
            <CouponStatus status={c.status} />
          </div>
          <div className="promo-coupon-name">{c.name}</div>
          <dl className="promo-facts">
            <dt>{t('promotions.coupons.customer')}</dt>
            <dd>{c.customerId ? <Link to={`/customers/${c.customerId}`}>{t('promotions.coupons.open360')}</Link> : t('promotions.coupons.unassigned')}</dd>
            <dt>{t('promotions.coupons.issuedAt')}</dt>
            <dd>{f.dateTime(c.issuedAt)}</dd>
            <dt>{t('promotions.coupons.validity')}</dt>
            <dd>{c.validTo ? `${f.date(c.validFrom)} – ${f.date(lastDay(c.validTo))}` : '—'}</dd>
            {c.redeemedAt ? (
              <>
                <dt>{t('promotions.coupons.redeemedAt')}</dt>
                <dd>{f.dateTime(c.redeemedAt)}</dd>
              </>
            ) : null}
            {c.voidedAt ? (
              <>
                <dt>{t('promotions.coupons.voidedAt')}</dt>
                <dd>
                  {f.dateTime(c.voidedAt)} · {c.voidReason}
                </dd>
              </>
            ) : null}
          </dl>
          {can(me, 'promotions:write') && (c.status === 'issued' || c.status === 'available') ? (
            <form
              className="promo-picker-row"
              onSubmit={(e) => {
                e.preventDefault();
                voidIt.mutate({ code: c.code, reason: reason.trim() });
              }}
            >
              <input name="voidReason" value={reason} placeholder={t('promotions.coupons.voidReason')} aria-label={t('promotions.coupons.voidReason')} onChange={(e) => setReason(e.target.value)} />
              <button type="submit" className="btn btn-danger" disabled={voidIt.isPending || !reason.trim()} data-testid="coupon-void">
                {t('promotions.coupons.void')}
              </button>
            </form>
          ) : null}
          {voidIt.isError ? (
            <div className="form-error" role="alert">
              {voidIt.error.message}
            </div>
          ) : null}
        </div>
      ) : (
        <p className="muted small">{t('promotions.coupons.lookupNote')}</p>
      )}
    </section>
  );
}

export function CouponStatus({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={`badge promo-coupon-status promo-cs-${status}`} data-status={status}>
      {t(`promotions.couponStatus.${status}`)}
    </span>
  );
}

/** A new coupon template: what it gives (the same rule editor as promotions), to whom, how long it stays valid. */
export function CouponTemplateNewPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const create = useCreateTemplate();
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [purpose, setPurpose] = useState<TemplatePurpose>('general');
  const [def, setDef] = useState<DefinitionForm>(() => ({ ...emptyDefinition(), rule: { ...emptyDefinition().rule, kind: 'fixed', off: '20' } }));
  const [cond, setCond] = useState<ConditionsForm>(emptyConditions);
  const [validMode, setValidMode] = useState<'days' | 'fixed'>('days');
  const [validDays, setValidDays] = useState('30');
  const [validFrom, setValidFrom] = useState('');
  const [validTo, setValidTo] = useState('');
  const [withPromotions, setWithPromotions] = useState(true);
  const [perCustomer, setPerCustomer] = useState('');
  const [tried, setTried] = useState(false);

  const built = toDefinition(def, t);
  const local = { ...built.errors };
  const conditions = toConditions(cond, local, t);
  if (!name.trim()) local.name = t('promotions.form.nameRequired');
  if (!CODE.test(code.trim())) local.code = t('promotions.form.codeInvalid');
  if (validMode === 'days' && !/^\d+$/.test(validDays.trim())) local.validDays = t('promotions.form.countInvalid');
  if (validMode === 'fixed' && !validTo) local.validTo = t('promotions.coupons.validToRequired');
  if (perCustomer.trim() && !/^[1-9]\d*$/.test(perCustomer.trim())) local.perCustomerLimit = t('promotions.form.countInvalid');
  const errors: Record<string, string> = { ...(tried ? local : {}), ...(create.isError ? fieldErrors(create.error) : {}) };
  if (isApiError(create.error, 409)) errors.code ??= t('promotions.form.codeTaken');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(local).length > 0) return;
    const body: TemplateDraft = {
      code: code.trim(),
      name: name.trim(),
      purpose,
      definition: built.definition,
      conditions,
      withPromotions,
      perCustomerLimit: perCustomer.trim() ? Number(perCustomer.trim()) : null,
      ...(validMode === 'days' ? { validDays: Number(validDays.trim()) } : { validFrom: validFrom ? new Date(validFrom).toISOString() : null, validTo: new Date(validTo).toISOString() }),
    };
    create.mutate(body, { onSuccess: (x: CouponTemplate) => void navigate(`/coupons/${x.id}`) });
  };

  return (
    <div className="page promo-page">
      <Link to="/coupons" className="back-link">
        <Icon name="back" size={16} />
        {t('promotions.coupons.back')}
      </Link>
      <div className="page-head">
        <div>
          <h1>{t('promotions.coupons.newTitle')}</h1>
          <p className="muted">{t('promotions.coupons.newSubtitle')}</p>
        </div>
      </div>
      <form className="promo-builder-main promo-narrow" onSubmit={submit} noValidate>
        <section className="card promo-card">
          <div className="card-head">
            <h2>{t('promotions.builder.basics')}</h2>
          </div>
          <div className="promo-grid-3">
            <F label={t('promotions.builder.name')} error={errors.name}>
              <input name="name" value={name} maxLength={200} placeholder={t('promotions.coupons.namePlaceholder')} onChange={(e) => setName(e.target.value)} />
            </F>
            <F label={t('promotions.builder.code')} error={errors.code} hint={t('promotions.builder.codeHint')}>
              <input name="code" className="mono" value={code} maxLength={64} placeholder="NEW-MEMBER-5" onChange={(e) => setCode(e.target.value)} />
            </F>
            <F label={t('promotions.coupons.purpose')} error={errors.purpose}>
              <select name="purpose" value={purpose} onChange={(e) => setPurpose(e.target.value as TemplatePurpose)}>
                {PURPOSES.map((p) => (
                  <option key={p} value={p}>
                    {t(`promotions.purpose.${p}`)}
                  </option>
                ))}
              </select>
            </F>
          </div>
        </section>
        <DefinitionEditor value={def} onChange={setDef} errors={errors} />
        <ConditionsEditor value={cond} onChange={setCond} errors={errors} />
        <section className="card promo-card">
          <div className="card-head">
            <h2>{t('promotions.coupons.validityTitle')}</h2>
          </div>
          <div className="promo-seg" role="radiogroup" aria-label={t('promotions.coupons.validityTitle')}>
            {(['days', 'fixed'] as const).map((m) => (
              <button key={m} type="button" role="radio" aria-checked={validMode === m} className={validMode === m ? 'active' : ''} onClick={() => setValidMode(m)}>
                {t(`promotions.coupons.validMode.${m}`)}
              </button>
            ))}
          </div>
          <div className="promo-grid-3">
            {validMode === 'days' ? (
              <F label={t('promotions.coupons.validDaysLabel')} error={errorAt(errors, 'validDays')} hint={t('promotions.coupons.validDaysHint')}>
                <span className="promo-unit">
                  <input name="validDays" inputMode="numeric" value={validDays} onChange={(e) => setValidDays(e.target.value)} />
                  <em>{t('promotions.coupons.days')}</em>
                </span>
              </F>
            ) : (
              <>
                <F label={t('promotions.coupons.validFrom')} error={errorAt(errors, 'validFrom')}>
                  <input type="datetime-local" name="validFrom" value={validFrom} onChange={(e) => setValidFrom(e.target.value)} />
                </F>
                <F label={t('promotions.coupons.validTo')} error={errorAt(errors, 'validTo')}>
                  <input type="datetime-local" name="validTo" value={validTo} onChange={(e) => setValidTo(e.target.value)} />
                </F>
              </>
            )}
            <F label={t('promotions.builder.perCustomer')} error={errorAt(errors, 'perCustomerLimit')} hint={t('promotions.coupons.perCustomerHint')}>
              <input name="perCustomerLimit" inputMode="numeric" value={perCustomer} onChange={(e) => setPerCustomer(e.target.value)} />
            </F>
          </div>
          <label className="promo-inline-check">
            <input type="checkbox" name="withPromotions" checked={withPromotions} onChange={(e) => setWithPromotions(e.target.checked)} />
            {t('promotions.coupons.withPromotions')}
          </label>
        </section>
        <section className="card promo-card promo-save">
          {tried && Object.keys(errors).length > 0 ? (
            <div className="form-error" role="alert">
              {errors._ ?? t('promotions.form.fixMarked')}
            </div>
          ) : null}
          <div className="promo-save-actions">
            <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="template-save">
              {create.isPending ? t('promotions.builder.saving') : t('promotions.coupons.create')}
            </button>
          </div>
        </section>
      </form>
    </div>
  );
}
