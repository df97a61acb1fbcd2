import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { isApiError } from '../../api/api-client';
import { previewPromotion, usePromotion, useSavePromotion, useSetPromotionStatus, type CartLine, type Promotion, type PromotionDraft } from '../../api/promotions.api';
import type { ProductRow } from '../../api/catalog.api';
import { can, useMe } from '../../auth/session';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { ErrorState, Loading } from '../../components/states';
import { CartLinesEditor, ConditionsEditor, DefinitionEditor, emptyConditions, emptyDefinition, F, fromConditions, fromDefinition, toConditions, toDefinition, useProducts, Yuan, type ConditionsForm, type DefinitionForm } from './definition-form';
import { NEXT, StatusBadge } from './promotions.page';
import { definitionText, errorAt, fenText, fieldErrors, scopeText, toFen } from './promo-words';
import './promotions.css';
import { useDebounced } from '../../hooks/use-debounced';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

interface Form {
  name: string;
  code: string;
  description: string;
  def: DefinitionForm;
  cond: ConditionsForm;
  startsAt: string;
  endsAt: string;
  budget: string;
  totalQuantity: string;
  firstN: string;
  perCustomerLimit: string;
  holdoutPercent: string;
  priority: string;
  stackGroup: string;
  exclusive: boolean;
}

const emptyForm = (): Form => ({
  name: '',
  code: '',
  description: '',
  def: emptyDefinition(),
  cond: emptyConditions(),
  startsAt: '',
  endsAt: '',
  budget: '',
  totalQuantity: '',
  firstN: '',
  perCustomerLimit: '',
  holdoutPercent: '0',
  priority: '100',
  stackGroup: '',
  exclusive: false,
});

/** ISO instant → the value of a datetime-local input (the browser's zone: the business zone for its staff). */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromPromotion(p: Promotion): Form {
  const n = (v: number | null) => (v === null ? '' : String(v));
  return {
    name: p.name,
    code: p.code,
    description: p.description ?? '',
    def: fromDefinition(p.definition),
    cond: fromConditions(p.conditions),
    startsAt: localInput(p.startsAt),
    endsAt: localInput(p.endsAt),
    budget: fenText(p.budgetFen),
    totalQuantity: n(p.totalQuantity),
    firstN: n(p.firstN),
    perCustomerLimit: n(p.perCustomerLimit),
    holdoutPercent: String(p.holdoutPercent),
    priority: String(p.priority),
    stackGroup: p.stackGroup ?? '',
    exclusive: p.exclusive,
  };
}

/** The form as the API's promotion, and what the browser already knows is wrong (API paths). */
function toDraft(f: Form, t: (k: string) => string): { draft: PromotionDraft; errors: Record<string, string> } {
  const { definition, errors } = toDefinition(f.def, t);
  const conditions = toConditions(f.cond, errors, t);
  const optInt = (s: string, path: string, min = 1): number | null => {
    if (s.trim() === '') return null;
    const v = /^\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN;
    if (!Number.isFinite(v) || v < min) errors[path] = t('promotions.form.countInvalid');
    return v;
  };
  const draft: PromotionDraft = { name: f.name.trim(), definition, conditions };
  if (f.description.trim()) draft.description = f.description.trim();
  draft.startsAt = f.startsAt ? new Date(f.startsAt).toISOString() : null;
  draft.endsAt = f.endsAt ? new Date(f.endsAt).toISOString() : null;
  if (draft.startsAt && draft.endsAt && draft.startsAt >= draft.endsAt) errors.endsAt = t('promotions.form.endAfterStart');
  if (f.budget.trim()) {
    draft.budgetFen = toFen(f.budget);
    if (!Number.isFinite(draft.budgetFen) || draft.budgetFen <= 0) errors.budgetFen = t('promotions.form.amountInvalid');
  } else draft.budgetFen = null;
  draft.totalQuantity = optInt(f.totalQuantity, 'totalQuantity');
  draft.firstN = optInt(f.firstN, 'firstN');
  draft.perCustomerLimit = optInt(f.perCustomerLimit, 'perCustomerLimit');
  draft.holdoutPercent = optInt(f.holdoutPercent || '0', 'holdoutPercent', 0) ?? 0;
  if (draft.holdoutPercent > 90) errors.holdoutPercent = t('promotions.form.holdoutMax');
  draft.priority = optInt(f.priority || '100', 'priority', 0) ?? 100;
  draft.stackGroup = f.stackGroup.trim() || null;
  draft.exclusive = f.exclusive;
  return { draft, errors };
}

/** Three lines from different categories of the catalogue, to see a draft at work straight away. */
function sampleCart(products: ProductRow[]): CartLine[] {
  const picked: ProductRow[] = [];
  for (const p of products) {
    if (!p.listPrice || picked.some((x) => x.category[0] === p.category[0])) continue;
    picked.push(p);
    if (picked.length === 3) break;
  }
  return picked.map((p, i) => ({ sku: p.sku, quantity: i === 0 ? 2 : 1 }));
}

/** Create a promotion (/promotions/new) or change one (/promotions/:id): the rule, its scope and conditions, and a live preview. */
export function PromotionBuilderPage() {
  const { id } = useParams();
  const existing = usePromotion(id);
  if (id && existing.isPending) return <Loading />;
  if (id && existing.isError) return <ErrorState error={existing.error} onRetry={() => void existing.refetch()} />;
  return <Builder key={existing.data?.id ?? 'new'} existing={existing.data} />;
}

function Builder({ existing }: { existing: Promotion | undefined }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const navigate = useNavigate();
  const { data: me } = useMe();
  const admin = can(me, 'promotions:admin');
  const [form, setForm] = useState<Form>(() => (existing ? fromPromotion(existing) : emptyForm()));
  const [tried, setTried] = useState(false);
  // A new promotion opens on its own page once saved: the notice rides along in the navigation state.
  const location = useLocation();
  const [saved, setSaved] = useState(() => (location.state as { saved?: boolean } | null)?.saved === true);
  const save = useSavePromotion(existing?.id);
  const setStatus = useSetPromotionStatus();
  const set = (patch: Partial<Form>) => {
    setSaved(false);
    setForm((f) => ({ ...f, ...patch }));
  };

  const { draft, errors: local } = useMemo(() => toDraft(form, t), [form, t]);
  const apiErrors = save.isError ? fieldErrors(save.error) : {};
  const errors: Record<string, string> = { ...(tried ? local : {}), ...apiErrors };
  if (tried && !form.name.trim()) errors.name ??= t('promotions.form.nameRequired');
  if (tried && !existing && !CODE.test(form.code.trim())) errors.code ??= t('promotions.form.codeInvalid');
  if (isApiError(save.error, 409)) errors.code ??= t('promotions.form.codeTaken');

  const submit = (ev: FormEvent, activate = false) => {
    ev.preventDefault();
    setTried(true);
    if (Object.keys(local).length > 0 || !form.name.trim() || (!existing && !CODE.test(form.code.trim()))) return;
    const body = existing ? draft : { ...draft, code: form.code.trim() };
    save.mutate(body, {
      onSuccess: (p) => {
        setSaved(true);
        if (activate) setStatus.mutate({ id: p.id, status: 'active' }, { onSuccess: () => void navigate('/promotions') });
        else if (!existing) void navigate(`/promotions/${p.id}`, { replace: true, state: { saved: true } });
      },
    });
  };

  const e = (path: string) => errorAt(errors, path);
  const restErrors = Object.entries(apiErrors).filter(([k]) => !(k === '_' && isApiError(save.error, 409)) && !/^(name|code|description|definition|conditions|startsAt|endsAt|budgetFen|totalQuantity|firstN|perCustomerLimit|holdoutPercent|priority|stackGroup|exclusive)\b/.test(k));

  return (
    <div className="page promo-page">
      <Link to="/promotions" className="back-link">
        <Icon name="back" size={16} />
        {t('promotions.builder.back')}
      </Link>
      <div className="page-head">
        <div>
          <h1>
            {existing ? existing.name : t('promotions.builder.titleNew')} {existing ? <StatusBadge status={existing.status} /> : null}
          </h1>
          <p className="muted">{existing ? <span className="mono">{existing.code}</span> : t('promotions.builder.subtitle')}</p>
        </div>
        {existing && admin ? (
          <div className="promo-head-actions">
            {NEXT[existing.status].map((to) => (
              <button key={to} type="button" className={to === 'active' ? 'btn btn-primary' : 'btn'} disabled={setStatus.isPending} data-action={to} onClick={() => setStatus.mutate({ id: existing.id, status: to })}>
                {t(`promotions.action.${to}`)}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      {existing ? (
        <section className="kpis promo-kpis">
          <div className="kpi">
            <div className="kpi-label">{t('promotions.list.usage_uses')}</div>
            <div className="kpi-value">{fmt.number(existing.counters.uses)}</div>
            <div className="kpi-note">{existing.totalQuantity ? t('promotions.builder.ofLimit', { limit: fmt.number(existing.totalQuantity) }) : t('promotions.builder.noLimit')}</div>
          </div>
          <div className="kpi">
            <div className="kpi-label">{t('promotions.list.usage_customers')}</div>
            <div className="kpi-value">{fmt.number(existing.counters.customers)}</div>
            <div className="kpi-note">{existing.firstN ? t('promotions.builder.firstN', { n: fmt.number(existing.firstN) }) : t('promotions.builder.noLimit')}</div>
          </div>
          <div className="kpi">
            <div className="kpi-label">{t('promotions.list.cost')}</div>
            <div className="kpi-value">{fmt.money(existing.counters.discountFen / 100)}</div>
            <div className="kpi-note">{existing.budgetFen ? t('promotions.builder.ofBudget', { budget: fmt.money(existing.budgetFen / 100) }) : t('promotions.builder.noBudget')}</div>
          </div>
        </section>
      ) : null}

      <div className="promo-builder">
        <form className="promo-builder-main" onSubmit={(ev) => submit(ev)} noValidate id="promotion-form">
          {/* Read-only for a role that may not change promotions (the preview still works). */}
          <fieldset className="promo-fieldset" disabled={!admin}>
            <section className="card promo-card">
              <div className="card-head">
                <h2>{t('promotions.builder.basics')}</h2>
              </div>
              <div className="promo-grid-3">
                <F label={t('promotions.builder.name')} error={e('name')}>
                  <input name="name" value={form.name} maxLength={200} placeholder={t('promotions.builder.namePlaceholder')} onChange={(ev) => set({ name: ev.target.value })} />
                </F>
                <F label={t('promotions.builder.code')} error={e('code')} hint={existing ? t('promotions.builder.codeFixed') : t('promotions.builder.codeHint')}>
                  <input name="code" className="mono" value={form.code} maxLength={64} disabled={!!existing} placeholder="DOUBLE11-300-50" onChange={(ev) => set({ code: ev.target.value })} />
                </F>
                <F label={t('promotions.builder.description')} error={e('description')}>
                  <input name="description" value={form.description} maxLength={2000} onChange={(ev) => set({ description: ev.target.value })} />
                </F>
              </div>
            </section>

            <DefinitionEditor value={form.def} onChange={(def) => set({ def })} errors={errors} />
            <ConditionsEditor value={form.cond} onChange={(cond) => set({ cond })} errors={errors} />

            <section className="card promo-card">
              <div className="card-head">
                <h2>{t('promotions.builder.windowTitle')}</h2>
                <span className="muted small">{t('promotions.builder.windowNote')}</span>
              </div>
              <div className="promo-grid-3">
                <F label={t('promotions.builder.startsAt')} error={e('startsAt')} hint={t('promotions.builder.startsHint')}>
                  <input type="datetime-local" name="startsAt" value={form.startsAt} onChange={(ev) => set({ startsAt: ev.target.value })} />
                </F>
                <F label={t('promotions.builder.endsAt')} error={e('endsAt')} hint={t('promotions.builder.endsHint')}>
                  <input type="datetime-local" name="endsAt" value={form.endsAt} onChange={(ev) => set({ endsAt: ev.target.value })} />
                </F>
                <F label={t('promotions.builder.holdout')} error={e('holdoutPercent')} hint={t('promotions.builder.holdoutHint')}>
                  <span className="promo-unit">
                    <input name="holdoutPercent" inputMode="numeric" value={form.holdoutPercent} onChange={(ev) => set({ holdoutPercent: ev.target.value })} />
                    <em>%</em>
                  </span>
                </F>
              </div>
              <h3 className="promo-subhead">{t('promotions.builder.limitsTitle')}</h3>
              <div className="promo-grid-4">
                <F label={t('promotions.builder.budget')} error={e('budgetFen')} hint={t('promotions.builder.budgetHint')}>
                  <Yuan name="budget" value={form.budget} onChange={(v) => set({ budget: v })} />
                </F>
                <F label={t('promotions.builder.totalQuantity')} error={e('totalQuantity')} hint={t('promotions.builder.totalQuantityHint')}>
                  <input name="totalQuantity" inputMode="numeric" value={form.totalQuantity} onChange={(ev) => set({ totalQuantity: ev.target.value })} />
                </F>
                <F label={t('promotions.builder.firstNLabel')} error={e('firstN')} hint={t('promotions.builder.firstNHint')}>
                  <input name="firstN" inputMode="numeric" value={form.firstN} onChange={(ev) => set({ firstN: ev.target.value })} />
                </F>
                <F label={t('promotions.builder.perCustomer')} error={e('perCustomerLimit')} hint={t('promotions.builder.perCustomerHint')}>
                  <input name="perCustomerLimit" inputMode="numeric" value={form.perCustomerLimit} onChange={(ev) => set({ perCustomerLimit: ev.target.value })} />
                </F>
              </div>
              <h3 className="promo-subhead">{t('promotions.builder.stackTitle')}</h3>
              <div className="promo-grid-3">
                <F label={t('promotions.builder.priority')} error={e('priority')} hint={t('promotions.builder.priorityHint')}>
                  <input name="priority" inputMode="numeric" value={form.priority} onChange={(ev) => set({ priority: ev.target.value })} />
                </F>
                <F label={t('promotions.builder.stackGroup')} error={e('stackGroup')} hint={t('promotions.builder.stackGroupHint')}>
                  <input name="stackGroup" value={form.stackGroup} maxLength={64} onChange={(ev) => set({ stackGroup: ev.target.value })} />
                </F>
                <label className="promo-inline-check promo-exclusive">
                  <input type="checkbox" name="exclusive" checked={form.exclusive} onChange={(ev) => set({ exclusive: ev.target.checked })} />
                  <span>
                    {t('promotions.builder.exclusive')}
                    <small className="muted">{t('promotions.builder.exclusiveHint')}</small>
                  </span>
                </label>
              </div>
            </section>
          </fieldset>

          {admin ? (
            <section className="card promo-card promo-save">
              {tried && Object.keys(errors).length > 0 ? (
                <div className="form-error" role="alert" data-testid="promo-save-error">
                  {restErrors.length > 0 ? restErrors.map(([, m]) => m).join('; ') : t('promotions.form.fixMarked')}
                </div>
              ) : save.isError && !isApiError(save.error) ? (
                <ErrorState error={save.error} />
              ) : null}
              {saved && !save.isPending ? (
                <div className="notice promo-notice-ok" role="status" data-testid="promo-saved">
                  {t('promotions.builder.saved')}
                </div>
              ) : null}
              <div className="promo-save-actions">
                <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="promo-save">
                  {save.isPending ? t('promotions.builder.saving') : existing ? t('promotions.builder.saveChanges') : t('promotions.builder.saveDraft')}
                </button>
                {!existing ? (
                  <button type="button" className="btn" disabled={save.isPending} onClick={(ev) => submit(ev, true)} data-testid="promo-save-activate">
                    {t('promotions.builder.saveActivate')}
                  </button>
                ) : null}
                <span className="muted small">{t(`promotions.builder.note.${existing?.status ?? 'draft'}`)}</span>
              </div>
            </section>
          ) : null}
        </form>

        <aside className="promo-builder-side">
          <LivePreview draft={draft} localErrors={local} />
        </aside>
      </div>
    </div>
  );
}

/** The first thing the rule still lacks, named by its field ("Gift SKU: Enter a SKU"). */
function firstProblem(t: (k: string) => string, errors: Record<string, string>): string {
  const [path, message] = Object.entries(errors).find(([k]) => k.startsWith('definition')) ?? ['', ''];
  const parts = path.split('.').filter((p) => !/^\d+$/.test(p));
  const label: Record<string, string> = {
    'gifts.sku': 'promotions.builder.giftSku',
    'gifts.valueFen': 'promotions.builder.giftValue',
    'rule.minFen': 'promotions.builder.giftMin',
    'prices.priceFen': 'promotions.builder.specialPrice',
    'rule.priceFen': 'promotions.builder.bundlePrice',
    'rule.offFen': 'promotions.builder.fixedOff',
    sku: 'promotions.builder.sku',
    minFen: 'promotions.builder.min',
    offFen: 'promotions.builder.off',
    percent: 'promotions.builder.percentOff',
    quantity: 'promotions.builder.quantity',
    minUnits: 'promotions.builder.minUnits',
    capFen: 'promotions.builder.cap',
    scope: 'promotions.builder.scopeTitle',
  };
  const key = label[parts.slice(-2).join('.')] ?? label[parts.at(-1) ?? ''];
  return key ? `${t(key)}: ${message}` : message;
}

/** The draft priced alone on an editable sample cart (POST /promotions/preview). */
function LivePreview({ draft, localErrors }: { draft: PromotionDraft; localErrors: Record<string, string> }) {
  const { t } = useTranslation();
  const f = useFormat();
  const products = useProducts();
  const [lines, setLines] = useState<CartLine[] | null>(null);
  useEffect(() => {
    if (lines === null && products.data) setLines(sampleCart(products.data));
  }, [lines, products.data]);

  const definitionOk = !Object.keys(localErrors).some((k) => k.startsWith('definition'));
  const usable = (lines ?? []).filter((l) => l.sku.trim() && l.quantity > 0).map((l) => ({ sku: l.sku.trim(), quantity: l.quantity, ...(l.unitPrice?.trim() ? { unitPrice: l.unitPrice.trim() } : {}) }));
  const body = JSON.stringify({ draft: { ...draft, name: draft.name || 'draft', conditions: {} }, lines: usable });
  const debounced = useDebounced(body, 350);
  const live = useQuery({
    queryKey: ['promotions', 'preview', debounced],
    queryFn: ({ signal }) => {
      const b = JSON.parse(debounced) as { draft: PromotionDraft; lines: CartLine[] };
      return previewPromotion(b.draft, b.lines, signal);
    },
    enabled: definitionOk && usable.length > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const fresh = debounced === body && !live.isFetching;
  const errs = live.isError ? fieldErrors(live.error, 'promotion.') : {};
  const p = live.data;

  return (
    <section className="card promo-preview" data-testid="promo-preview" data-state={fresh ? 'fresh' : 'pending'} aria-live="polite">
      <div className="card-head">
        <h2>{t('promotions.preview.title')}</h2>
        {!fresh && definitionOk ? <span className="spinner promo-spinner" aria-label={t('common.loading')} /> : null}
      </div>
      <p className="muted small promo-preview-rule" data-testid="preview-rule">
        {definitionOk ? `${definitionText(t, draft.definition)} · ${scopeText(t, draft.definition.scope)}` : t('promotions.preview.fixRule', { problem: firstProblem(t, localErrors) })}
      </p>
      <CartLinesEditor lines={lines ?? []} onChange={setLines} prefix="line" errorOf={(i) => errorAt(errs, `cart.lines.${i}`)} addTestId="preview-add-line" />

      {!definitionOk ? null : live.isError && fresh ? (
        <div className="form-error" role="alert" data-testid="preview-error">
          {Object.entries(errs)
            .filter(([k]) => !k.startsWith('cart.lines'))
            .map(([k, m]) => (k === '_' ? m : `${k}: ${m}`))
            .join('; ') || t('promotions.preview.fixCart')}
        </div>
      ) : p ? (
        <div className={fresh ? 'promo-result' : 'promo-result promo-stale'}>
          <table className="table promo-lines" data-testid="preview-lines">
            <thead>
              <tr>
                <th>{t('promotions.preview.line')}</th>
                <th className="num">{t('promotions.preview.amount')}</th>
                <th className="num">{t('promotions.preview.discount')}</th>
                <th className="num">{t('promotions.preview.paid')}</th>
              </tr>
            </thead>
            <tbody>
              {p.lines.map((l, i) => (
                <tr key={i} data-sku={l.sku}>
                  <td>
                    <span className="mono">{l.sku}</span> × {l.quantity}
                  </td>
                  <td className="num">{f.money(l.amountFen / 100)}</td>
                  <td className={l.discountFen > 0 ? 'num promo-off' : 'num muted'} data-testid="line-discount">
                    {l.discountFen > 0 ? `−${f.money(l.discountFen / 100)}` : '—'}
                  </td>
                  <td className="num">{f.money(l.paidFen / 100)}</td>
                </tr>
              ))}
              {p.gifts.map((g, i) => (
                <tr key={`gift-${i}`} className="promo-gift-row" data-gift={g.sku}>
                  <td>
                    <span className="badge promo-gift-badge">{t('promotions.preview.gift')}</span> {g.name || g.sku} × {g.quantity}
                  </td>
                  <td className="num muted">{f.money((g.valueFen * g.quantity) / 100)}</td>
                  <td className="num muted">—</td>
                  <td className="num">{f.money(0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <dl className="promo-totals">
            <div>
              <dt>{t('promotions.preview.subtotal')}</dt>
              <dd>{f.money(p.subtotalFen / 100)}</dd>
            </div>
            <div className="promo-total-off">
              <dt>{t('promotions.preview.discount')}</dt>
              <dd data-testid="preview-discount">−{f.money(p.discountFen / 100)}</dd>
            </div>
            {p.giftValueFen > 0 ? (
              <div>
                <dt>{t('promotions.preview.giftValue')}</dt>
                <dd data-testid="preview-gift-value">{f.money(p.giftValueFen / 100)}</dd>
              </div>
            ) : null}
            <div className="promo-total">
              <dt>{t('promotions.preview.total')}</dt>
              <dd data-testid="preview-total">{f.money(p.totalFen / 100)}</dd>
            </div>
          </dl>
          <div className={p.applies ? 'promo-explain' : 'promo-explain promo-explain-no'} data-testid="preview-explanation">
            {p.applies && p.explanation
              ? t('promotions.preview.applies', { eligible: f.money(p.explanation.eligibleFen / 100), value: f.money((p.discountFen + p.giftValueFen) / 100) })
              : t('promotions.preview.notApplies')}
          </div>
        </div>
      ) : live.isPending && usable.length > 0 ? (
        <Loading />
      ) : null}
      <p className="muted small promo-preview-note">{t('promotions.preview.note')}</p>
    </section>
  );
}
