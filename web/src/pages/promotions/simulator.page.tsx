import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from '@tanstack/react-query';
import { useStoreNames } from '../../api/catalog.api';
import type { CustomerSummary } from '../../api/customers.api';
import { CHANNELS, FULFILMENTS, priceCart, useWallet, type CartLine, type Channel, type CheckoutCart, type Fulfilment, type Quote } from '../../api/promotions.api';
import { useFormat } from '../../format/format';
import { Icon } from '../../components/icons';
import { CustomerPicker } from './customer-picker';
import { CartLinesEditor, F, TagInput } from './definition-form';
import { errorAt, fieldErrors } from './promo-words';
import './promotions.css';

const REASONS = ['channel', 'store', 'fulfillment', 'min_subtotal', 'members_only', 'new_customers_only', 'returning_customers_only', 'prior_orders', 'tier', 'segment', 'birthday_month', 'customer_required', 'holdout', 'limit_reached', 'no_effect', 'not_best', 'unknown_code', 'not_yours', 'not_yet_valid', 'expired', 'redeemed', 'reserved', 'void', 'template_paused', 'template_ended', 'per_customer_limit', 'duplicate_code'];

/** The cashier's view: a cart (customer, channel, store, lines, coupons, points) → the quote and why. */
export function CheckoutSimulatorPage() {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const stores = useStoreNames();
  const [customer, setCustomer] = useState<CustomerSummary | null>(null);
  const [channel, setChannel] = useState<Channel>('pos');
  const [storeCode, setStoreCode] = useState('');
  const [fulfillment, setFulfillment] = useState<Fulfilment | ''>('');
  const [lines, setLines] = useState<CartLine[]>([{ sku: '', quantity: 1 }]);
  const [codes, setCodes] = useState<string[]>([]);
  const [points, setPoints] = useState('');
  const [at, setAt] = useState('');
  const wallet = useWallet(customer?.id ?? '', !!customer);
  const quote = useMutation({ mutationFn: priceCart });
  useEffect(() => {
    if (!storeCode && stores.data && stores.data.size > 0) setStoreCode([...stores.data.keys()][0]!);
  }, [stores.data, storeCode]);

  const errors = quote.isError ? fieldErrors(quote.error) : {};
  const usable = wallet.data?.filter((c) => c.status === 'issued') ?? [];

  const run = () => {
    const cart: CheckoutCart & { at?: string } = {
      channel,
      lines: lines.filter((l) => l.sku.trim()).map((l) => ({ sku: l.sku.trim(), quantity: l.quantity, ...(l.unitPrice?.trim() ? { unitPrice: l.unitPrice.trim() } : {}) })),
      couponCodes: codes,
      points: Number(points) || 0,
      ...(customer ? { customerId: customer.id } : {}),
      ...(storeCode && channel === 'pos' ? { storeCode } : {}),
      ...(fulfillment ? { fulfillment } : {}),
      ...(at ? { at: new Date(at).toISOString() } : {}),
    };
    quote.mutate(cart);
  };

  return (
    <div className="page promo-page">
      <div className="page-head">
        <div>
          <h1>{t('promotions.sim.title')}</h1>
          <p className="muted">{t('promotions.sim.subtitle')}</p>
        </div>
      </div>
      <div className="promo-builder">
        <form
          className="promo-builder-main"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            run();
          }}
        >
          <section className="card promo-card">
            <div className="card-head">
              <h2>{t('promotions.sim.who')}</h2>
              <span className="muted small">{t('promotions.sim.whoNote')}</span>
            </div>
            <CustomerPicker value={customer} onChange={setCustomer} name="sim-customer" />
            <div className="promo-grid-4">
              <F label={t('promotions.sim.channel')} error={errorAt(errors, 'channel')}>
                <select name="channel" value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
                  {CHANNELS.map((c) => (
                    <option key={c} value={c}>
                      {t(`channel.${c}`)}
                    </option>
                  ))}
                </select>
              </F>
              <F label={t('promotions.sim.store')} error={errorAt(errors, 'storeCode')}>
                <select name="store" value={storeCode} disabled={channel !== 'pos'} onChange={(e) => setStoreCode(e.target.value)}>
                  {[...(stores.data ?? new Map<string, string>()).entries()].map(([code, name]) => (
                    <option key={code} value={code}>
                      {name}
                    </option>
                  ))}
                </select>
              </F>
              <F label={t('promotions.conditions.fulfillment')} error={errorAt(errors, 'fulfillment')}>
                <select name="fulfillment" value={fulfillment} onChange={(e) => setFulfillment(e.target.value as Fulfilment | '')}>
                  <option value="">—</option>
                  {FULFILMENTS.map((x) => (
                    <option key={x} value={x}>
                      {t(`promotions.fulfillment.${x}`)}
                    </option>
                  ))}
                </select>
              </F>
              <F label={t('promotions.sim.at')} error={errorAt(errors, 'at')} hint={t('promotions.sim.atHint')}>
                <input type="datetime-local" name="at" value={at} onChange={(e) => setAt(e.target.value)} />
              </F>
            </div>
          </section>

          <section className="card promo-card">
            <div className="card-head">
              <h2>{t('promotions.sim.cart')}</h2>
              <span className="muted small">{t('promotions.sim.cartNote')}</span>
            </div>
            <CartLinesEditor lines={lines} onChange={setLines} prefix="sim" errorOf={(i) => errorAt(errors, `lines.${i}`)} addTestId="sim-add-line" wide />
            <div className="promo-grid-2">
              <F label={t('promotions.sim.coupons')} error={errorAt(errors, 'couponCodes')} hint={usable.length ? undefined : t('promotions.sim.couponsHint')}>
                <TagInput name="coupons" label={t('promotions.sim.coupons')} values={codes} onChange={(v) => setCodes(v.map((c) => c.toUpperCase()))} suggestions={usable.map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))} />
              </F>
              <F label={t('promotions.sim.points')} error={errorAt(errors, 'points')} hint={quote.data?.points ? t('promotions.sim.pointsHint', { balance: f.number(quote.data.points.balance), max: f.number(quote.data.points.usableMax) }) : undefined}>
                <input name="points" inputMode="numeric" value={points} onChange={(e) => setPoints(e.target.value.replace(/\D/g, ''))} />
              </F>
            </div>
            {usable.length > 0 ? (
              <div className="promo-wallet-pick">
                <span className="muted small">{t('promotions.sim.wallet')}</span>
                {usable.map((c) => (
                  <button key={c.code} type="button" className={codes.includes(c.code) ? 'promo-check on' : 'promo-check'} onClick={() => setCodes((cs) => (cs.includes(c.code) ? cs.filter((x) => x !== c.code) : [...cs, c.code]))}>
                    <Icon name="ticket" size={14} /> {c.name} <span className="mono">{c.code}</span>
                  </button>
                ))}
              </div>
            ) : null}
            <div className="promo-save-actions">
              <button type="submit" className="btn btn-primary" disabled={quote.isPending || !lines.some((l) => l.sku.trim())} data-testid="sim-price">
                <Icon name="cashier" size={16} />
                {quote.isPending ? t('common.loading') : t('promotions.sim.price')}
              </button>
            </div>
            {quote.isError ? (
              <div className="form-error" role="alert" data-testid="sim-error">
                {Object.entries(errors)
                  .map(([k, m]) => (k === '_' ? m : `${k}: ${m}`))
                  .join('; ')}
              </div>
            ) : null}
          </section>
        </form>
        <aside className="promo-builder-side">{quote.data ? <Receipt q={quote.data} lang={i18n.language} /> : <EmptyReceipt />}</aside>
      </div>
    </div>
  );
}

function EmptyReceipt() {
  const { t } = useTranslation();
  return (
    <section className="card promo-receipt promo-receipt-empty">
      <Icon name="cashier" size={28} />
      <p className="muted">{t('promotions.sim.empty')}</p>
    </section>
  );
}

/** The quote as a receipt: lines with their discounts, gifts, what applied, what did not and why, totals. */
function Receipt({ q, lang }: { q: Quote; lang: string }) {
  const { t } = useTranslation();
  const f = useFormat();
  const m = (fen: number) => f.money(fen / 100);
  const explanation = lang.startsWith('en') ? q.explanation.en : q.explanation['zh-CN'];
  return (
    <section className="card promo-receipt" data-testid="sim-quote" aria-live="polite">
      <div className="promo-receipt-head">
        <h2>{t('promotions.sim.quote')}</h2>
        <span className="muted small">{f.dateTime(q.at)}</span>
      </div>
      <table className="promo-receipt-lines">
        <tbody>
          {q.lines.map((l) => (
            <tr key={l.lineNo} data-sku={l.sku}>
              <td>
                <div>{l.name ?? l.sku}</div>
                <div className="muted small">
                  <span className="mono">{l.sku}</span> · {l.quantity} × {m(l.unitPriceFen)}
                </div>
                {l.allocations.map((a) => (
                  <div key={`${a.kind}:${a.id}`} className="small promo-off">
                    {q.applied.find((x) => x.kind === a.kind && x.id === a.id)?.name ?? a.code} −{m(a.amountFen)}
                  </div>
                ))}
              </td>
              <td className="num">
                {l.discountFen > 0 ? <div className="muted small promo-strike">{m(l.amountFen)}</div> : null}
                <div data-testid="sim-line-paid">{m(l.paidFen)}</div>
              </td>
            </tr>
          ))}
          {q.gifts.map((g) => (
            <tr key={`g${g.lineNo}`} className="promo-gift-row">
              <td>
                <span className="badge promo-gift-badge">{t('promotions.preview.gift')}</span> {g.name ?? g.sku} × {g.quantity}
                <div className="muted small">{t('promotions.sim.giftWorth', { value: m(g.valueFen) })}</div>
              </td>
              <td className="num">{m(0)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      {q.applied.length > 0 ? (
        <ul className="promo-applied" data-testid="sim-applied">
          {q.applied.map((a) => (
            <li key={`${a.kind}:${a.id}`} data-code={a.code}>
              <span className={a.kind === 'coupon' ? 'badge promo-kind-coupon' : 'badge promo-kind-promo'}>{t(`promotions.sim.kind.${a.kind}`)}</span>
              <span className="promo-applied-name">{a.name}</span>
              <span className="promo-off">{a.giftValueFen > 0 ? t('promotions.sim.giftWorth', { value: m(a.giftValueFen) }) : `−${m(a.discountFen)}`}</span>
            </li>
          ))}
        </ul>
      ) : null}

      <dl className="promo-totals">
        <div>
          <dt>{t('promotions.preview.subtotal')}</dt>
          <dd>{m(q.subtotalFen)}</dd>
        </div>
        <div className="promo-total-off">
          <dt>{t('promotions.preview.discount')}</dt>
          <dd data-testid="sim-discount">−{m(q.discountFen)}</dd>
        </div>
        {q.points && q.points.used > 0 ? (
          <div>
            <dt>{t('promotions.sim.afterDiscounts')}</dt>
            <dd>{m(q.totalFen)}</dd>
          </div>
        ) : null}
        {q.points && q.points.used > 0 ? (
          <div className="promo-total-off">
            <dt>{t('promotions.sim.pointsUsed', { n: f.number(q.points.used) })}</dt>
            <dd>−{m(q.points.valueFen)}</dd>
          </div>
        ) : null}
        <div className="promo-total">
          <dt>{t('promotions.sim.payable')}</dt>
          <dd data-testid="sim-payable">{m(q.payableFen)}</dd>
        </div>
      </dl>
      {q.points ? <p className="muted small">{t('promotions.sim.pointsLine', { balance: f.number(q.points.balance), max: f.number(q.points.usableMax), value: m(q.points.usableMaxFen) })}</p> : null}

      <div className="promo-explain-box" data-testid="sim-explanation">
        <h3>{t('promotions.sim.explanation')}</h3>
        <ol>
          {explanation.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ol>
      </div>

      {q.notApplied.length > 0 ? (
        <details className="promo-not-applied" data-testid="sim-not-applied" open={q.notApplied.length <= 8}>
          <summary>{t('promotions.sim.notApplied', { n: q.notApplied.length })}</summary>
          <ul>
            {q.notApplied.map((n) => (
              <li key={`${n.kind}:${n.code}`}>
                <span>{n.name ?? n.code}</span>
                <span className="muted small">{REASONS.includes(n.reason) ? t(`promotions.reason.${n.reason}`) : n.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
