import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/api-client';
import { useStoreNames, type ProductRow } from '../../api/catalog.api';
import { useTiers } from '../../api/loyalty.api';
import { AUDIENCES, CHANNELS, FULFILMENTS, RULE_KINDS, type Audience, type CartLine, type Channel, type Conditions, type Definition, type Fulfilment, type Rule, type RuleKind, type Scope } from '../../api/promotions.api';
import { localName } from '../loyalty/loyalty-words';
import { errorAt, fenText, toFen } from './promo-words';

/** The catalogue (up to 500 SKUs: the demo brand's whole range) for SKU pickers and sample carts. */
export function useProducts() {
  return useQuery({
    queryKey: ['catalog', 'products', 'all'],
    queryFn: ({ signal }) => api<{ items: ProductRow[] }>('/api/v1/products', { query: { limit: 500 }, signal }).then((r) => r.items),
    staleTime: 10 * 60_000,
  });
}

// ------------------------------------------------------------------ form state (text as typed; yuan, not fen)

export interface RuleForm {
  kind: RuleKind;
  tiers: Array<{ min: string; off: string }>;
  repeat: boolean;
  percent: string;
  off: string;
  minUnits: string;
  buy: string;
  get: string;
  bundle: Array<{ sku: string; quantity: string }>;
  bundlePrice: string;
  giftMin: string;
  gifts: Array<{ sku: string; quantity: string; value: string; name: string }>;
  prices: Array<{ sku: string; price: string }>;
}

export interface DefinitionForm {
  rule: RuleForm;
  scopeKind: Scope['kind'];
  scopeList: string[];
  excluded: string[];
  cap: string;
}

export const emptyRule = (): RuleForm => ({
  kind: 'threshold',
  tiers: [
    { min: '300', off: '50' },
    { min: '500', off: '100' },
  ],
  repeat: false,
  percent: '20',
  off: '10',
  minUnits: '2',
  buy: '2',
  get: '1',
  bundle: [
    { sku: '', quantity: '1' },
    { sku: '', quantity: '1' },
  ],
  bundlePrice: '',
  giftMin: '300',
  gifts: [{ sku: '', quantity: '1', value: '', name: '' }],
  prices: [{ sku: '', price: '' }],
});

export const emptyDefinition = (): DefinitionForm => ({ rule: emptyRule(), scopeKind: 'order', scopeList: [], excluded: [], cap: '' });

const int = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);
const num = (s: string) => (/^\d+(\.\d+)?$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);

/**
 * The form as the API's definition, and the fields the browser can already tell are wrong (same paths as the API's
 * issues, so one map marks both). Amounts are typed in yuan and sent in fen.
 */
export function toDefinition(d: DefinitionForm, t: (k: string) => string): { definition: Definition; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const money = (s: string, path: string, optional = false): number => {
    if (optional && s.trim() === '') return Number.NaN;
    const v = toFen(s);
    if (!Number.isFinite(v) || (v <= 0 && !optional)) errors[path] = t('promotions.form.amountInvalid');
    return v;
  };
  const count = (s: string, path: string): number => {
    const v = int(s);
    if (!Number.isFinite(v) || v < 1) errors[path] = t('promotions.form.countInvalid');
    return v;
  };
  const pct = (s: string, path: string): number => {
    const v = num(s);
    if (!Number.isFinite(v) || v <= 0 || v >= 100) errors[path] = t('promotions.form.percentInvalid');
    return v;
  };
  const r = d.rule;
  const base = 'definition.rule';
  let rule: Rule;
  switch (r.kind) {
    case 'threshold':
      rule = { kind: 'threshold', tiers: r.tiers.map((x, i) => ({ minFen: money(x.min, `${base}.tiers.${i}.minFen`), offFen: money(x.off, `${base}.tiers.${i}.offFen`) })), ...(r.repeat ? { repeat: true } : {}) };
      rule.tiers.forEach((x, i) => {
        if (Number.isFinite(x.minFen) && Number.isFinite(x.offFen) && x.offFen >= x.minFen) errors[`${base}.tiers.${i}.offFen`] ??= t('promotions.form.offBelowMin');
      });
      break;
    case 'percent':
      rule = { kind: 'percent', percent: pct(r.percent, `${base}.percent`) };
      break;
    case 'fixed':
      rule = { kind: 'fixed', offFen: money(r.off, `${base}.offFen`) };
      break;
    case 'quantity':
      rule = { kind: 'quantity', minUnits: count(r.minUnits, `${base}.minUnits`), percent: pct(r.percent, `${base}.percent`) };
      break;
    case 'buyGet':
      rule = { kind: 'buyGet', buy: count(r.buy, `${base}.buy`), get: count(r.get, `${base}.get`) };
      break;
    case 'bundle':
      rule = {
        kind: 'bundle',
        items: r.bundle.map((x, i) => {
          if (!x.sku.trim()) errors[`${base}.items.${i}.sku`] = t('promotions.form.skuRequired');
          return { sku: x.sku.trim(), quantity: count(x.quantity, `${base}.items.${i}.quantity`) };
        }),
        priceFen: money(r.bundlePrice, `${base}.priceFen`),
      };
      break;
    case 'gift':
      rule = {
        kind: 'gift',
        minFen: money(r.giftMin, `${base}.minFen`),
        gifts: r.gifts.map((g, i) => {
          if (!g.sku.trim()) errors[`${base}.gifts.${i}.sku`] = t('promotions.form.skuRequired');
          const value = g.value.trim() === '' ? 0 : toFen(g.value);
          if (!Number.isFinite(value)) errors[`${base}.gifts.${i}.valueFen`] = t('promotions.form.amountInvalid');
          return { sku: g.sku.trim(), quantity: count(g.quantity, `${base}.gifts.${i}.quantity`), valueFen: value, ...(g.name.trim() ? { name: g.name.trim() } : {}) };
        }),
        ...(r.repeat ? { repeat: true } : {}),
      };
      break;
    case 'price':
      rule = {
        kind: 'price',
        prices: r.prices.map((x, i) => {
          if (!x.sku.trim()) errors[`${base}.prices.${i}.sku`] = t('promotions.form.skuRequired');
          const v = toFen(x.price);
          if (!Number.isFinite(v)) errors[`${base}.prices.${i}.priceFen`] = t('promotions.form.amountInvalid');
          return { sku: x.sku.trim(), priceFen: v };
        }),
      };
      break;
  }
  let scope: Scope;
  if (d.scopeKind === 'order') scope = { kind: 'order' };
  else {
    if (d.scopeList.length === 0) errors[`definition.scope`] = t('promotions.form.scopeEmpty');
    scope =
      d.scopeKind === 'skus'
        ? { kind: 'skus', skus: d.scopeList }
        : d.scopeKind === 'categories'
          ? { kind: 'categories', paths: d.scopeList }
          : { kind: 'brands', brands: d.scopeList };
  }
  const definition: Definition = { scope, rule };
  if (d.excluded.length > 0) definition.excludedSkus = d.excluded;
  if (d.cap.trim() !== '') definition.capFen = money(d.cap, 'definition.capFen');
  return { definition, errors };
}

export function fromDefinition(def: Definition): DefinitionForm {
  const rule = emptyRule();
  const r = def.rule;
  rule.kind = r.kind;
  switch (r.kind) {
    case 'threshold':
      rule.tiers = r.tiers.map((x) => ({ min: fenText(x.minFen), off: fenText(x.offFen) }));
      rule.repeat = !!r.repeat;
      break;
    case 'percent':
      rule.percent = String(r.percent);
      break;
    case 'fixed':
      rule.off = fenText(r.offFen);
      break;
    case 'quantity':
      rule.minUnits = String(r.minUnits);
      rule.percent = String(r.percent);
      break;
    case 'buyGet':
      rule.buy = String(r.buy);
      rule.get = String(r.get);
      break;
    case 'bundle':
      rule.bundle = r.items.map((x) => ({ sku: x.sku, quantity: String(x.quantity) }));
      rule.bundlePrice = fenText(r.priceFen);
      break;
    case 'gift':
      rule.giftMin = fenText(r.minFen);
      rule.gifts = r.gifts.map((g) => ({ sku: g.sku, quantity: String(g.quantity), value: fenText(g.valueFen), name: g.name ?? '' }));
      rule.repeat = !!r.repeat;
      break;
    case 'price':
      rule.prices = r.prices.map((x) => ({ sku: x.sku, price: fenText(x.priceFen) }));
      break;
  }
  const s = def.scope;
  return {
    rule,
    scopeKind: s.kind,
    scopeList: s.kind === 'skus' ? s.skus : s.kind === 'categories' ? s.paths : s.kind === 'brands' ? s.brands : [],
    excluded: def.excludedSkus ?? [],
    cap: fenText(def.capFen),
  };
}

// ------------------------------------------------------------------ small inputs

/** A labelled input with its problem under it. */
export function F({ label, error, hint, children, wide, className }: { label: ReactNode; error?: string | undefined; hint?: ReactNode; children: ReactNode; wide?: boolean; className?: string }) {
  return (
    <label className={['promo-f', wide ? 'promo-f-wide' : '', error ? 'invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <span className="promo-f-label">{label}</span>
      {children}
      {error ? <small className="field-error">{error}</small> : hint ? <small className="muted">{hint}</small> : null}
    </label>
  );
}

/** An amount in yuan: ¥ before it. */
export function Yuan({ value, onChange, name, placeholder }: { value: string; onChange: (v: string) => void; name?: string; placeholder?: string }) {
  return (
    <span className="promo-yuan">
      <em>¥</em>
      <input name={name} inputMode="decimal" value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
    </span>
  );
}

/** Tags typed one by one (Enter or comma adds), with suggestions from a list. */
export function TagInput({ values, onChange, suggestions, placeholder, name, label }: { values: string[]; onChange: (v: string[]) => void; suggestions?: Array<{ value: string; label?: string }>; placeholder?: string; name: string; label: string }) {
  const [text, setText] = useState('');
  const listId = `${name}-options`;
  const add = (raw: string) => {
    const parts = raw
      .split(/[,，\n]/)
      .map((s) => s.trim())
      .filter(Boolean);
    const next = [...values];
    for (const p of parts) if (!next.includes(p)) next.push(p);
    onChange(next);
    setText('');
  };
  return (
    <div className="promo-tags">
      {values.map((v) => (
        <span key={v} className="chip chip-removable promo-tag">
          {suggestions?.find((s) => s.value === v)?.label ?? v}
          <button type="button" aria-label={`× ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>
            ×
          </button>
        </span>
      ))}
      <input
        name={name}
        aria-label={label}
        list={suggestions ? listId : undefined}
        value={text}
        placeholder={placeholder}
        onChange={(e) => {
          const v = e.target.value;
          // A pick from the list arrives whole: take it at once.
          if (suggestions?.some((s) => s.value === v)) add(v);
          else setText(v);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ',') {
            e.preventDefault();
            if (text.trim()) add(text);
          } else if (e.key === 'Backspace' && text === '' && values.length > 0) onChange(values.slice(0, -1));
        }}
        onBlur={() => text.trim() && add(text)}
      />
      {suggestions ? (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </datalist>
      ) : null}
    </div>
  );
}

/** Toggle chips for a set of values. */
export function Checks<T extends string>({ values, all, onChange, label, name }: { values: T[]; all: ReadonlyArray<{ value: T; label: string }>; onChange: (v: T[]) => void; label: string; name: string }) {
  return (
    <div className="promo-checks" role="group" aria-label={label} data-name={name}>
      {all.map((o) => {
        const on = values.includes(o.value);
        return (
          <label key={o.value} className={on ? 'promo-check on' : 'promo-check'}>
            <input type="checkbox" checked={on} onChange={() => onChange(on ? values.filter((v) => v !== o.value) : [...values, o.value])} />
            {o.label}
          </label>
        );
      })}
    </div>
  );
}

/** The × that takes a row out of a list (a tier, an item, a gift, a cart line). */
export function RemoveButton({ onClick }: { onClick: () => void }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="btn btn-ghost btn-small promo-remove" aria-label={t('promotions.builder.remove')} onClick={onClick}>
      ×
    </button>
  );
}

/**
 * Cart lines typed by hand: SKU (picked from the catalogue or any), quantity, unit price (empty: the catalogue's, shown
 * as the placeholder), the product's name under each line and the API's problem with it (`errorOf(i)`).
 */
export function CartLinesEditor({
  lines,
  onChange,
  prefix,
  errorOf,
  wide,
  addTestId,
}: {
  lines: CartLine[];
  onChange: (lines: CartLine[]) => void;
  prefix: string;
  errorOf: (i: number) => string | undefined;
  wide?: boolean;
  addTestId: string;
}) {
  const { t } = useTranslation();
  const products = useProducts();
  const byS = new Map((products.data ?? []).map((p) => [p.sku, p]));
  const setLine = (i: number, patch: Partial<CartLine>) => onChange(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  return (
    <div className={wide ? 'promo-cart promo-cart-wide' : 'promo-cart'}>
      <SkuList products={products.data} id={`${prefix}-skus`} />
      <div className="promo-cart-head muted small">
        <span>{t('promotions.preview.sku')}</span>
        <span>{t('promotions.preview.qty')}</span>
        <span>{t('promotions.preview.unitPrice')}</span>
        <span />
      </div>
      {lines.map((l, i) => (
        <div key={i} className={errorOf(i) ? 'promo-cart-line invalid' : 'promo-cart-line'} data-line={i}>
          <input aria-label={t('promotions.preview.sku')} list={`${prefix}-skus`} className="mono" name={`${prefix}-${i}-sku`} value={l.sku} onChange={(ev) => setLine(i, { sku: ev.target.value })} />
          <input aria-label={t('promotions.preview.qty')} name={`${prefix}-${i}-qty`} inputMode="numeric" value={l.quantity || ''} onChange={(ev) => setLine(i, { quantity: Number(ev.target.value.replace(/\D/g, '')) || 0 })} />
          <input aria-label={t('promotions.preview.unitPrice')} name={`${prefix}-${i}-price`} inputMode="decimal" value={l.unitPrice ?? ''} placeholder={byS.get(l.sku.trim())?.listPrice ?? ''} onChange={(ev) => setLine(i, { unitPrice: ev.target.value })} />
          <RemoveButton onClick={() => onChange(lines.filter((_, j) => j !== i))} />
          <span className="promo-cart-name muted small">{byS.get(l.sku.trim())?.name ?? ''}</span>
          {errorOf(i) ? <small className="field-error promo-cart-name">{errorOf(i)}</small> : null}
        </div>
      ))}
      <button type="button" className="btn btn-small promo-add-line" onClick={() => onChange([...lines, { sku: '', quantity: 1 }])} data-testid={addTestId}>
        + {t('promotions.preview.addLine')}
      </button>
    </div>
  );
}

export function SkuList({ products, id = 'promo-skus' }: { products: ProductRow[] | undefined; id?: string }) {
  return (
    <datalist id={id}>
      {(products ?? []).map((p) => (
        <option key={p.sku} value={p.sku}>
          {p.name}
        </option>
      ))}
    </datalist>
  );
}

// ------------------------------------------------------------------ the rule and scope editor

export function DefinitionEditor({
  value,
  onChange,
  errors,
  kinds = RULE_KINDS,
}: {
  value: DefinitionForm;
  onChange: (v: DefinitionForm) => void;
  errors: Record<string, string>;
  kinds?: RuleKind[];
}) {
  const { t } = useTranslation();
  const products = useProducts();
  const r = value.rule;
  const setRule = (patch: Partial<RuleForm>) => onChange({ ...value, rule: { ...r, ...patch } });
  const e = (p: string) => errorAt(errors, `definition.rule.${p}`);
  const categories = [...new Set((products.data ?? []).flatMap((p) => p.category.map((_, i) => p.category.slice(0, i + 1).join('/'))))].sort();
  const brands = [...new Set((products.data ?? []).map((p) => p.brand).filter((b): b is string => !!b))].sort();
  const skuOptions = (products.data ?? []).map((p) => ({ value: p.sku, label: `${p.sku} ${p.name}` }));

  return (
    <>
      <SkuList products={products.data} />
      <section className="card promo-card">
        <div className="card-head">
          <h2>{t('promotions.builder.ruleTitle')}</h2>
          <span className="muted small">{t('promotions.builder.ruleNote')}</span>
        </div>
        <div className="promo-kinds" role="radiogroup" aria-label={t('promotions.builder.ruleTitle')}>
          {kinds.map((k) => (
            <button key={k} type="button" role="radio" aria-checked={r.kind === k} className={r.kind === k ? 'promo-kind active' : 'promo-kind'} data-kind={k} onClick={() => setRule({ kind: k })}>
              <span className="promo-kind-mark" aria-hidden="true">
                {t(`promotions.rule.mark.${k}`)}
              </span>
              <span className="promo-kind-name">{t(`promotions.rule.kind.${k}`)}</span>
              <span className="promo-kind-eg">{t(`promotions.rule.example.${k}`)}</span>
            </button>
          ))}
        </div>

        <div className="promo-rule-form" data-rule-form={r.kind}>
          {r.kind === 'threshold' ? (
            <>
              {r.tiers.map((tier, i) => (
                <div className="promo-row" key={i} data-tier={i}>
                  <span className="promo-word">{r.repeat ? t('promotions.builder.every') : t('promotions.builder.from')}</span>
                  <F label={t('promotions.builder.min')} error={e(`tiers.${i}.minFen`)}>
                    <Yuan name={`tier-${i}-min`} value={tier.min} onChange={(v) => setRule({ tiers: r.tiers.map((x, j) => (j === i ? { ...x, min: v } : x)) })} />
                  </F>
                  <span className="promo-word">{t('promotions.builder.takeOff')}</span>
                  <F label={t('promotions.builder.off')} error={e(`tiers.${i}.offFen`)}>
                    <Yuan name={`tier-${i}-off`} value={tier.off} onChange={(v) => setRule({ tiers: r.tiers.map((x, j) => (j === i ? { ...x, off: v } : x)) })} />
                  </F>
                  {r.tiers.length > 1 ? (
                    <RemoveButton onClick={() => setRule({ tiers: r.tiers.filter((_, j) => j !== i) })} />
                  ) : null}
                </div>
              ))}
              <div className="promo-row">
                {!r.repeat && r.tiers.length < 20 ? (
                  <button type="button" className="btn btn-small" onClick={() => setRule({ tiers: [...r.tiers, { min: '', off: '' }] })} data-testid="add-tier">
                    + {t('promotions.builder.addTier')}
                  </button>
                ) : null}
                <label className="promo-inline-check">
                  <input type="checkbox" checked={r.repeat} onChange={(ev) => setRule({ repeat: ev.target.checked, tiers: ev.target.checked ? r.tiers.slice(0, 1) : r.tiers })} />
                  {t('promotions.builder.repeat')}
                </label>
              </div>
              {errorAt(errors, 'definition.rule.tiers') && !r.tiers.some((_, i) => e(`tiers.${i}.minFen`) || e(`tiers.${i}.offFen`)) ? <div className="field-error small">{errorAt(errors, 'definition.rule.tiers')}</div> : null}
            </>
          ) : null}
          {r.kind === 'percent' ? (
            <div className="promo-row">
              <F label={t('promotions.builder.percentOff')} error={e('percent')} hint={t('promotions.builder.percentHint')}>
                <span className="promo-unit">
                  <input name="percent" inputMode="decimal" value={r.percent} onChange={(ev) => setRule({ percent: ev.target.value })} />
                  <em>%</em>
                </span>
              </F>
            </div>
          ) : null}
          {r.kind === 'fixed' ? (
            <div className="promo-row">
              <F label={t('promotions.builder.fixedOff')} error={e('offFen')}>
                <Yuan name="off" value={r.off} onChange={(v) => setRule({ off: v })} />
              </F>
            </div>
          ) : null}
          {r.kind === 'quantity' ? (
            <div className="promo-row">
              <F label={t('promotions.builder.minUnits')} error={e('minUnits')}>
                <span className="promo-unit">
                  <input name="minUnits" inputMode="numeric" value={r.minUnits} onChange={(ev) => setRule({ minUnits: ev.target.value })} />
                  <em>{t('promotions.builder.units')}</em>
                </span>
              </F>
              <F label={t('promotions.builder.percentOff')} error={e('percent')}>
                <span className="promo-unit">
                  <input name="percent" inputMode="decimal" value={r.percent} onChange={(ev) => setRule({ percent: ev.target.value })} />
                  <em>%</em>
                </span>
              </F>
            </div>
          ) : null}
          {r.kind === 'buyGet' ? (
            <div className="promo-row">
              <F label={t('promotions.builder.buy')} error={e('buy')}>
                <input name="buy" inputMode="numeric" value={r.buy} onChange={(ev) => setRule({ buy: ev.target.value })} />
              </F>
              <F label={t('promotions.builder.get')} error={e('get')}>
                <input name="get" inputMode="numeric" value={r.get} onChange={(ev) => setRule({ get: ev.target.value })} />
              </F>
              <span className="muted small promo-help">{t('promotions.builder.buyGetHint')}</span>
            </div>
          ) : null}
          {r.kind === 'bundle' ? (
            <>
              {r.bundle.map((x, i) => (
                <div className="promo-row" key={i}>
                  <F label={t('promotions.builder.sku')} error={e(`items.${i}.sku`)}>
                    <input name={`bundle-${i}-sku`} list="promo-skus" className="mono" value={x.sku} onChange={(ev) => setRule({ bundle: r.bundle.map((y, j) => (j === i ? { ...y, sku: ev.target.value } : y)) })} />
                  </F>
                  <F label={t('promotions.builder.quantity')} error={e(`items.${i}.quantity`)}>
                    <input name={`bundle-${i}-qty`} inputMode="numeric" value={x.quantity} onChange={(ev) => setRule({ bundle: r.bundle.map((y, j) => (j === i ? { ...y, quantity: ev.target.value } : y)) })} />
                  </F>
                  {r.bundle.length > 2 ? (
                    <RemoveButton onClick={() => setRule({ bundle: r.bundle.filter((_, j) => j !== i) })} />
                  ) : null}
                </div>
              ))}
              <div className="promo-row">
                <button type="button" className="btn btn-small" onClick={() => setRule({ bundle: [...r.bundle, { sku: '', quantity: '1' }] })}>
                  + {t('promotions.builder.addItem')}
                </button>
                <F label={t('promotions.builder.bundlePrice')} error={e('priceFen')}>
                  <Yuan name="bundlePrice" value={r.bundlePrice} onChange={(v) => setRule({ bundlePrice: v })} />
                </F>
              </div>
            </>
          ) : null}
          {r.kind === 'gift' ? (
            <>
              <div className="promo-row">
                <F label={t('promotions.builder.giftMin')} error={e('minFen')}>
                  <Yuan name="giftMin" value={r.giftMin} onChange={(v) => setRule({ giftMin: v })} />
                </F>
                <label className="promo-inline-check">
                  <input type="checkbox" checked={r.repeat} onChange={(ev) => setRule({ repeat: ev.target.checked })} />
                  {t('promotions.builder.giftRepeat')}
                </label>
              </div>
              {r.gifts.map((g, i) => (
                <div className="promo-row" key={i}>
                  <F label={t('promotions.builder.giftSku')} error={e(`gifts.${i}.sku`)}>
                    <input name={`gift-${i}-sku`} list="promo-skus" className="mono" value={g.sku} onChange={(ev) => setRule({ gifts: r.gifts.map((y, j) => (j === i ? { ...y, sku: ev.target.value } : y)) })} />
                  </F>
                  <F label={t('promotions.builder.giftName')}>
                    <input name={`gift-${i}-name`} value={g.name} onChange={(ev) => setRule({ gifts: r.gifts.map((y, j) => (j === i ? { ...y, name: ev.target.value } : y)) })} />
                  </F>
                  <F label={t('promotions.builder.quantity')} error={e(`gifts.${i}.quantity`)} className="promo-f-narrow">
                    <input name={`gift-${i}-qty`} inputMode="numeric" value={g.quantity} onChange={(ev) => setRule({ gifts: r.gifts.map((y, j) => (j === i ? { ...y, quantity: ev.target.value } : y)) })} />
                  </F>
                  <F label={t('promotions.builder.giftValue')} error={e(`gifts.${i}.valueFen`)}>
                    <Yuan name={`gift-${i}-value`} value={g.value} onChange={(v) => setRule({ gifts: r.gifts.map((y, j) => (j === i ? { ...y, value: v } : y)) })} />
                  </F>
                  {r.gifts.length > 1 ? (
                    <RemoveButton onClick={() => setRule({ gifts: r.gifts.filter((_, j) => j !== i) })} />
                  ) : null}
                </div>
              ))}
              <div className="promo-row">
                <button type="button" className="btn btn-small" onClick={() => setRule({ gifts: [...r.gifts, { sku: '', quantity: '1', value: '', name: '' }] })}>
                  + {t('promotions.builder.addGift')}
                </button>
              </div>
            </>
          ) : null}
          {r.kind === 'price' ? (
            <>
              {r.prices.map((x, i) => (
                <div className="promo-row" key={i}>
                  <F label={t('promotions.builder.sku')} error={e(`prices.${i}.sku`)}>
                    <input name={`price-${i}-sku`} list="promo-skus" className="mono" value={x.sku} onChange={(ev) => setRule({ prices: r.prices.map((y, j) => (j === i ? { ...y, sku: ev.target.value } : y)) })} />
                  </F>
                  <F label={t('promotions.builder.specialPrice')} error={e(`prices.${i}.priceFen`)} hint={listPriceHint(t, products.data, x.sku)}>
                    <Yuan name={`price-${i}-price`} value={x.price} onChange={(v) => setRule({ prices: r.prices.map((y, j) => (j === i ? { ...y, price: v } : y)) })} />
                  </F>
                  {r.prices.length > 1 ? (
                    <RemoveButton onClick={() => setRule({ prices: r.prices.filter((_, j) => j !== i) })} />
                  ) : null}
                </div>
              ))}
              <div className="promo-row">
                <button type="button" className="btn btn-small" onClick={() => setRule({ prices: [...r.prices, { sku: '', price: '' }] })}>
                  + {t('promotions.builder.addPrice')}
                </button>
                <span className="muted small promo-help">{t('promotions.builder.priceHint')}</span>
              </div>
            </>
          ) : null}
        </div>
      </section>

      <section className="card promo-card">
        <div className="card-head">
          <h2>{t('promotions.builder.scopeTitle')}</h2>
          <span className="muted small">{t('promotions.builder.scopeNote')}</span>
        </div>
        <div className="promo-seg" role="radiogroup" aria-label={t('promotions.builder.scopeTitle')}>
          {(['order', 'skus', 'categories', 'brands'] as const).map((k) => (
            <button key={k} type="button" role="radio" aria-checked={value.scopeKind === k} className={value.scopeKind === k ? 'active' : ''} data-scope={k} onClick={() => onChange({ ...value, scopeKind: k, scopeList: k === value.scopeKind ? value.scopeList : [] })}>
              {t(`promotions.scope.kind.${k}`)}
            </button>
          ))}
        </div>
        {value.scopeKind !== 'order' ? (
          <F label={t(`promotions.scope.list.${value.scopeKind}`)} error={errorAt(errors, 'definition.scope')} wide>
            <TagInput
              name="scope"
              label={t(`promotions.scope.list.${value.scopeKind}`)}
              values={value.scopeList}
              onChange={(v) => onChange({ ...value, scopeList: v })}
              suggestions={value.scopeKind === 'skus' ? skuOptions : value.scopeKind === 'categories' ? categories.map((c) => ({ value: c })) : brands.map((b) => ({ value: b }))}
              placeholder={t(`promotions.scope.placeholder.${value.scopeKind}`)}
            />
          </F>
        ) : null}
        <div className="promo-row promo-row-top">
          <F label={t('promotions.builder.excluded')} error={errorAt(errors, 'definition.excludedSkus')} hint={t('promotions.builder.excludedHint')} wide>
            <TagInput name="excluded" label={t('promotions.builder.excluded')} values={value.excluded} onChange={(v) => onChange({ ...value, excluded: v })} suggestions={skuOptions} />
          </F>
          <F label={t('promotions.builder.cap')} error={errorAt(errors, 'definition.capFen')} hint={t('promotions.builder.capHint')}>
            <Yuan name="cap" value={value.cap} onChange={(v) => onChange({ ...value, cap: v })} />
          </F>
        </div>
      </section>
    </>
  );
}

function listPriceHint(t: (k: string, o?: Record<string, unknown>) => string, products: ProductRow[] | undefined, sku: string): string | undefined {
  const p = products?.find((x) => x.sku === sku.trim());
  return p ? t('promotions.builder.listPrice', { name: p.name, price: p.listPrice ?? '—' }) : undefined;
}

// ------------------------------------------------------------------ conditions

export interface ConditionsForm {
  channels: Channel[];
  stores: string[];
  fulfillment: Fulfilment[];
  audience: Audience;
  tiers: string[];
  birthdayMonth: boolean;
  minSubtotal: string;
}

export const emptyConditions = (): ConditionsForm => ({ channels: [], stores: [], fulfillment: [], audience: 'everyone', tiers: [], birthdayMonth: false, minSubtotal: '' });

export function toConditions(c: ConditionsForm, errors: Record<string, string>, t: (k: string) => string): Conditions {
  const out: Conditions = {};
  if (c.channels.length) out.channels = c.channels;
  if (c.stores.length) out.stores = c.stores;
  if (c.fulfillment.length) out.fulfillment = c.fulfillment;
  if (c.audience !== 'everyone') out.audience = c.audience;
  if (c.tiers.length) out.tiers = c.tiers;
  if (c.birthdayMonth) out.birthdayMonth = true;
  if (c.minSubtotal.trim()) {
    const v = toFen(c.minSubtotal);
    if (!Number.isFinite(v)) errors['conditions.minSubtotalFen'] = t('promotions.form.amountInvalid');
    out.minSubtotalFen = v;
  }
  return out;
}

export function fromConditions(c: Conditions): ConditionsForm {
  return {
    channels: c.channels ?? [],
    stores: c.stores ?? [],
    fulfillment: c.fulfillment ?? [],
    audience: c.audience ?? 'everyone',
    tiers: c.tiers ?? [],
    birthdayMonth: !!c.birthdayMonth,
    minSubtotal: c.minSubtotalFen ? fenText(c.minSubtotalFen) : '',
  };
}

export function ConditionsEditor({ value, onChange, errors }: { value: ConditionsForm; onChange: (v: ConditionsForm) => void; errors: Record<string, string> }) {
  const { t, i18n } = useTranslation();
  const stores = useStoreNames();
  const tiers = useTiers();
  const set = (patch: Partial<ConditionsForm>) => onChange({ ...value, ...patch });
  const e = (p: string) => errorAt(errors, `conditions.${p}`);
  return (
    <section className="card promo-card">
      <div className="card-head">
        <h2>{t('promotions.builder.whoTitle')}</h2>
        <span className="muted small">{t('promotions.builder.whoNote')}</span>
      </div>
      <div className="promo-cond-grid">
        <F label={t('promotions.conditions.channels')} error={e('channels')} hint={t('promotions.conditions.anyHint')} wide>
          <Checks name="channels" label={t('promotions.conditions.channels')} values={value.channels} onChange={(v) => set({ channels: v })} all={CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }))} />
        </F>
        <F label={t('promotions.conditions.stores')} error={e('stores')} hint={t('promotions.conditions.anyHint')} wide>
          <TagInput
            name="stores"
            label={t('promotions.conditions.stores')}
            values={value.stores}
            onChange={(v) => set({ stores: v })}
            suggestions={[...(stores.data ?? new Map<string, string>()).entries()].map(([code, name]) => ({ value: code, label: `${code} ${name}` }))}
            placeholder={t('promotions.conditions.storesPlaceholder')}
          />
        </F>
        <F label={t('promotions.conditions.fulfillment')} error={e('fulfillment')} hint={t('promotions.conditions.pickupHint')}>
          <Checks name="fulfillment" label={t('promotions.conditions.fulfillment')} values={value.fulfillment} onChange={(v) => set({ fulfillment: v })} all={FULFILMENTS.map((c) => ({ value: c, label: t(`promotions.fulfillment.${c}`) }))} />
        </F>
        <F label={t('promotions.conditions.audience')} error={e('audience')}>
          <select name="audience" value={value.audience} onChange={(ev) => set({ audience: ev.target.value as Audience })}>
            {AUDIENCES.map((a) => (
              <option key={a} value={a}>
                {t(`promotions.audience.${a}`)}
              </option>
            ))}
          </select>
        </F>
        <F label={t('promotions.conditions.tiers')} error={e('tiers')} hint={t('promotions.conditions.anyHint')}>
          <Checks name="tiers" label={t('promotions.conditions.tiers')} values={value.tiers} onChange={(v) => set({ tiers: v })} all={(tiers.data?.tiers ?? []).map((x) => ({ value: x.code, label: localName(x.name, i18n.language) }))} />
        </F>
        <F label={t('promotions.conditions.minSubtotal')} error={e('minSubtotalFen')}>
          <Yuan name="minSubtotal" value={value.minSubtotal} onChange={(v) => set({ minSubtotal: v })} />
        </F>
        <label className="promo-inline-check promo-birthday">
          <input type="checkbox" name="birthdayMonth" checked={value.birthdayMonth} onChange={(ev) => set({ birthdayMonth: ev.target.checked })} />
          {t('promotions.conditions.birthdayMonth')}
        </label>
      </div>
    </section>
  );
}
