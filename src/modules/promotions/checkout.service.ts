import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { parseInstant } from '../../platform/clock.js';
import { pgCode, query, type Db } from '../../platform/db/database.js';
import { AppError, conflict, invalid, notFound, zodIssues, type FieldIssue } from '../../platform/errors.js';
import { guestCustomerId, newId } from '../../platform/ids.js';
import type { BatchEventHandler } from '../../platform/events/event-bus.js';
import type { Jobs } from '../../platform/jobs/jobs.js';
import type { OrderInput, OrdersService } from '../orders/index.js';
import type { RedemptionService } from '../loyalty/index.js';
import { bestCombination, type StackablePromotion } from './domain/combine.js';
import { ineligibility, inHoldout, type CheckoutContext } from './domain/eligibility.js';
import { applyPromotion, inScope, lineAmount, valueOf, type CartLine, type GiftLine, type Promotion } from './domain/rules.js';
import { CartInput } from './promotions.schemas.js';
import type { ActivePromotion, PromotionsService } from './promotions.service.js';
import type { CheckoutCoupons } from './coupons.service.js';
import { appliedLine, stepOf, totalLines } from './checkout-explain.js';

/** What the checkout needs of the coupons service (CouponsService). */
export interface CheckoutCouponsPort {
  candidatesForCheckout(tx: Db, input: { customerId: string | null; codes: string[]; at: Date; ctx: CheckoutContext }): Promise<CheckoutCoupons>;
  reserve(tx: Db, couponIds: string[], reservationId: string, customerId: string): Promise<void>;
  commit(tx: Db, reservationId: string, orderId: string | null, at?: Date): Promise<number>;
  release(tx: Db, reservationId: string): Promise<number>;
  restoreForReturn(tx: Db, couponId: string, at: Date): Promise<boolean>;
}

export interface Allocation {
  kind: 'promotion' | 'coupon';
  id: string;
  code: string;
  amountFen: number;
}

export interface QuoteLine {
  lineNo: number;
  sku: string;
  name: string | null;
  quantity: number;
  unitPriceFen: number;
  amountFen: number;
  discountFen: number;
  paidFen: number;
  allocations: Allocation[];
}

export interface QuoteApplied {
  kind: 'promotion' | 'coupon';
  id: string;
  code: string;
  name: string;
  discountFen: number;
  /** 满赠: what the gift lines are worth (the promotion's cost; discountFen is 0). */
  giftValueFen: number;
  gifts: GiftLine[];
  step: string;
}

/** A free line added by a 满赠 promotion: on the order its unit price is the gift's value and its discount the same. */
export interface QuoteGift {
  lineNo: number;
  sku: string;
  name: string | null;
  quantity: number;
  unitValueFen: number;
  valueFen: number;
  kind: 'promotion' | 'coupon';
  id: string;
  code: string;
}

export interface NotApplied {
  kind: 'promotion' | 'coupon';
  code: string;
  name: string | null;
  /** An ineligibility reason (channel, tier, …), a coupon refusal, holdout, limit_reached, no_effect or not_best. */
  reason: string;
}

export interface PointsQuote {
  /** The customer's spendable points now. */
  balance: number;
  /** At most this many points can pay for this cart (the balance and the total). */
  usableMax: number;
  usableMaxFen: number;
  pointsPerYuanCash: number;
  /** What the cart asks to use, and its cash value. */
  used: number;
  valueFen: number;
}

export interface Quote {
  at: string;
  customerId: string | null;
  channel: string;
  storeCode: string | null;
  fulfillment: string | null;
  subtotalFen: number;
  discountFen: number;
  totalFen: number;
  lines: QuoteLine[];
  applied: QuoteApplied[];
  gifts: QuoteGift[];
  notApplied: NotApplied[];
  points: PointsQuote | null;
  payableFen: number;
  /** 'greedy' when there were too many combinations to price every one (see bestCombination). */
  search: 'exact' | 'greedy';
  explanation: { 'zh-CN': string[]; en: string[] };
}

export type ReservationStatus = 'reserved' | 'committed' | 'cancelled' | 'expired';

export interface Reservation {
  id: string;
  status: ReservationStatus;
  customerId: string | null;
  channel: string;
  storeCode: string | null;
  idempotencyKey: string | null;
  quote: Quote;
  pointsUsed: number;
  pointsFen: number;
  payableFen: number;
  pointsHoldId: string | null;
  orderId: string | null;
  expiresAt: string;
  createdAt: string;
  settledAt: string | null;
}

export interface ReserveOptions {
  idempotencyKey?: string | undefined;
  ttlSeconds?: number | undefined;
}

export interface CommitInput {
  order: { externalId: string; placedAt?: string | undefined; paymentMethod?: string | undefined; staffCode?: string | undefined };
}

/** How the reservation was counted against limits (kept in the stored pricing; cancel and expiry give exactly this back). */
interface Counted {
  promotionId: string;
  /** The discount plus gift value counted into promotion_counters.discount_fen. */
  valueFen: number;
  /** This checkout made the customer one of the promotion's customers (customers + 1). */
  newCustomer: boolean;
}

interface StoredPricing extends Quote {
  counted?: Counted[];
  couponIds?: string[];
  /** Returns already accounted for (the returns subscriber is idempotent by return id). */
  returnsApplied?: string[];
}

interface ReservationRow {
  id: string;
  /** A guest checkout's is the synthetic guestCheckoutOwner (see `guest`). */
  customer_id: string;
  guest: boolean;
  channel: string;
  store_code: string | null;
  status: ReservationStatus;
  idempotency_key: string | null;
  cart: CartInput;
  pricing: StoredPricing;
  points_used: number;
  points_fen: string | number;
  payable_fen: string | number;
  points_hold_id: string | null;
  order_id: string | null;
  expires_at: string | Date;
  created_at: string | Date;
  settled_at: string | Date | null;
}

interface Customer {
  id: string;
  tierCode: string | null;
  segmentIds: Set<string>;
  birthdayMonth: number | null;
  priorOrders: number;
  availablePoints: number;
}

interface Loaded {
  at: Date;
  lines: Array<CartLine & { name: string | null }>;
  customer: Customer | null;
  ctx: CheckoutContext;
}

interface LimitState {
  uses: number;
  customers: number;
  discountFen: number;
  myUses: number;
}

/** A candidate with where it came from: a promotion (with its limits) or a coupon. */
interface Source {
  kind: 'promotion' | 'coupon';
  id: string;
  code: string;
  name: string;
  stackable: StackablePromotion;
  active?: ActivePromotion;
  couponId?: string;
}

const DEFAULT_TTL_SECONDS = 900;
/** The points hold outlives the reservation a little, so a commit just before expiry still finds it held. */
const HOLD_SLACK_SECONDS = 300;
/** How long a commit may take to place its order before the expiry job could take the reservation back. */
const COMMIT_GRACE_SECONDS = 120;
const iso = (v: string | Date) => new Date(v).toISOString();
const limited = (a: ActivePromotion) =>
  a.limits.budgetFen !== null || a.limits.totalQuantity !== null || a.limits.firstN !== null || a.limits.perCustomerLimit !== null;
const needsCustomer = (a: ActivePromotion) => a.limits.firstN !== null || a.limits.perCustomerLimit !== null;

/**
 * The customer_id a guest checkout's reservation and redemptions are stored under (ADR 0014: customer_id is never
 * null, so the tables can be distributed by it): the synthetic guestCustomerId('checkout', <idempotency key, else the
 * reservation id>). A retried guest checkout computes the same id from its key, so it finds its reservation. A reservation
 * is made before its order's external id is known, so it is not the guest order's synthetic id; it is linked to the
 * order by order_id.
 */
export function guestCheckoutOwner(idempotencyKey: string | null, reservationId: string): string {
  return guestCustomerId('checkout', idempotencyKey ?? reservationId);
}

/** Parse a cart from outside the HTTP layer (the CLI, tests): 400 promotions.invalid naming the field. */
export function parseCart(input: unknown): CartInput {
  const parsed = CartInput.safeParse(input);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error.issues);
    throw invalid('promotions.invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return parsed.data;
}

export const CHECKOUT_EXPIRE_JOB = 'promotions.checkout-expire';
export const CHECKOUT_RETURNS_SUBSCRIBER = 'promotions.checkout-returns';

/**
 * Checkout: price a cart (the best valid combination of promotions and coupons, each discount allocated to the lines to
 * the fen, points usable as cash, an explanation for the cashier), reserve it (limits counted under row locks in a fixed
 * order, coupons reserved, points held), then commit (the order is placed) or cancel / let it expire (everything given
 * back). Returns of a reserved order's lines give the allocated discount back to the promotion's budget.
 */
export class CheckoutService {
  constructor(
    private readonly db: Db,
    private readonly deps: {
      promotions: PromotionsService;
      orders: OrdersService;
      redemption: RedemptionService;
      coupons?: CheckoutCouponsPort | undefined;
      timeZone: string;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  // ---------------------------------------------------------------- pricing

  /** Price a cart; writes nothing. */
  async price(cart: CartInput): Promise<Quote> {
    const at = this.instant(cart.at);
    const [loaded, active] = await Promise.all([this.load(this.db, cart, at), this.deps.promotions.active(at)]);
    const sources = this.eligible(active, loaded);
    const limitedIds = sources.promotions.filter((s) => limited(s.active!)).map((s) => s.id);
    const [state, coupons, rate] = await Promise.all([
      this.limitState(this.db, limitedIds, loaded.customer?.id ?? null, false),
      this.couponCandidates(this.db, cart, loaded),
      this.pointsRate(loaded),
    ]);
    const blocked = new Set(sources.promotions.filter((s) => s.active && limitReached(s.active, state.get(s.id), 1)).map((s) => s.id));
    const quote = this.quote(cart, loaded, [...sources.promotions.filter((s) => !blocked.has(s.id)), ...coupons.sources], [
      ...sources.notApplied,
      ...sources.promotions.filter((s) => blocked.has(s.id)).map((s) => notApplied(s, 'limit_reached')),
      ...coupons.notApplied,
    ]);
    this.pointsFor(quote, loaded, cart.points, rate);
    return this.close(quote);
  }

  private instant(text: string | undefined): Date {
    if (text === undefined) return this.now();
    const d = parseInstant(text, this.deps.timeZone);
    if (!d) throw invalid('promotions.invalid', 'at: not a valid date or instant', [{ path: 'at', message: 'not a valid date or instant' }]);
    return d;
  }

  /** Lines from the catalogue where not given, and the customer's context: a handful of queries, none per promotion. */
  private async load(db: Db, cart: CartInput, at: Date): Promise<Loaded> {
    const skus = [...new Set(cart.lines.map((l) => l.sku))];
    const [products, customer] = await Promise.all([
      query<{ sku: string; name: string; list_price_fen: string | number | null; category_path: string[]; brand: string | null }>(
        db,
        sql`select sku, name, list_price_fen, category_path, brand from catalog.products where sku = any(${sql.param(skus)}::text[])`,
      ),
      cart.customerId ? this.customer(db, cart.customerId, at) : Promise.resolve(null),
    ]);
    const bySku = new Map(products.map((p) => [p.sku, p]));
    const issues: FieldIssue[] = [];
    const lines = cart.lines.map((l, i) => {
      const p = bySku.get(l.sku);
      const price = l.unitPrice ?? (p && p.list_price_fen !== null ? Number(p.list_price_fen) : undefined);
      if (price === undefined)
        issues.push(
          p
            ? { path: `lines.${i}.unitPrice`, message: `SKU ${l.sku} has no list price in the catalogue: give unitPrice` }
            : { path: `lines.${i}.sku`, message: `unknown SKU ${l.sku}: give unitPrice (and categoryPath, brand) or add it to the catalogue` },
        );
      return {
        sku: l.sku,
        name: p?.name ?? null,
        quantity: l.quantity,
        unitPriceFen: price ?? 0,
        categoryPath: l.categoryPath ?? p?.category_path ?? [],
        brand: l.brand ?? p?.brand ?? null,
      };
    });
    if (issues.length > 0) throw invalid('promotions.invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    const month = Number(monthFormat(this.deps.timeZone).format(at));
    const ctx: CheckoutContext = {
      channel: cart.channel,
      storeCode: cart.storeCode ?? null,
      fulfillment: cart.fulfillment ?? null,
      subtotalFen: lines.reduce((s, l) => s + lineAmount(l), 0),
      month,
      customer: customer
        ? { id: customer.id, tierCode: customer.tierCode, segmentIds: customer.segmentIds, birthdayMonth: customer.birthdayMonth, priorOrders: customer.priorOrders }
        : null,
    };
    return { at, lines, customer, ctx };
  }

  /** One query: the profile (a merged-away id follows to the profile it went into), tier, segments, earlier orders, points. */
  private async customer(db: Db, id: string, at: Date): Promise<Customer> {
    const read = (cid: string) =>
      query<{
        id: string;
        status: string;
        merged_into: string | null;
        birthday_month: number | null;
        tier_code: string | null;
        available: string | number | null;
        prior_orders: string | number;
        segments: string[] | null;
      }>(
        db,
        sql`select c.id, c.status, c.merged_into, extract(month from c.birthday)::int as birthday_month, a.tier_code, a.available,
              (select count(*) from orders.orders o where o.customer_id = c.id and o.status <> 'cancelled' and o.placed_at < ${at.toISOString()}::timestamptz) as prior_orders,
              (select array_agg(m.segment_id::text) from segments.members m where m.customer_id = c.id) as segments
            from customers.customers c left join loyalty.accounts a on a.customer_id = c.id
            where c.id = ${cid}::uuid`,
      );
    let [row] = await read(id);
    if (row && row.status === 'merged' && row.merged_into) [row] = await read(row.merged_into);
    if (!row || row.status !== 'active')
      throw invalid('promotions.invalid', `customerId: no customer ${id}`, [{ path: 'customerId', message: `no customer ${id}` }]);
    return {
      id: row.id,
      tierCode: row.tier_code,
      segmentIds: new Set(row.segments ?? []),
      birthdayMonth: row.birthday_month === null ? null : Number(row.birthday_month),
      priorOrders: Number(row.prior_orders),
      availablePoints: Number(row.available ?? 0),
    };
  }

  /** Active promotions whose conditions hold for this cart and customer, outside their holdout. */
  private eligible(active: ActivePromotion[], loaded: Loaded): { promotions: Source[]; notApplied: NotApplied[] } {
    const promotions: Source[] = [];
    const out: NotApplied[] = [];
    const customerId = loaded.customer?.id ?? null;
    for (const a of active) {
      const src: Source = { kind: 'promotion', id: a.id, code: a.code, name: a.name, stackable: a.promotion, active: a };
      let reason: string | null = ineligibility(a.conditions, loaded.ctx);
      if (!reason && !customerId && needsCustomer(a)) reason = 'members_only';
      if (!reason && customerId && a.holdoutPercent > 0 && inHoldout(a.id, customerId, a.holdoutPercent)) reason = 'holdout';
      // Why a promotion did not apply is said only where it could have: one that touches no line of the cart is left
      // out of the answer (with 200 running promotions the list would be most of the response).
      if (reason) {
        if (touches(a.promotion, loaded.lines)) out.push(notApplied(src, reason));
      } else promotions.push(src);
    }
    return { promotions, notApplied: out };
  }

  private async couponCandidates(tx: Db, cart: CartInput, loaded: Loaded): Promise<{ sources: Source[]; notApplied: NotApplied[] }> {
    if (cart.couponCodes.length === 0) return { sources: [], notApplied: [] };
    const coupons = this.deps.coupons;
    if (!coupons) return { sources: [], notApplied: cart.couponCodes.map((code) => ({ kind: 'coupon' as const, code, name: null, reason: 'unknown_code' })) };
    const found = await coupons.candidatesForCheckout(tx, { customerId: loaded.customer?.id ?? null, codes: cart.couponCodes, at: loaded.at, ctx: loaded.ctx });
    return {
      sources: found.candidates.map((c) => ({
        kind: 'coupon' as const,
        id: c.promotion.id,
        code: c.code,
        name: c.name,
        couponId: c.couponId,
        // A coupon that does not combine with promotions is priced alone.
        stackable: c.withPromotions ? c.promotion : { ...c.promotion, exclusive: true },
      })),
      notApplied: found.refused.map((r) => ({ kind: 'coupon' as const, code: r.code, name: null, reason: r.reason })),
    };
  }

  /** What promotions have used of their limits, and this customer's uses; with `lock`, the counters rows locked in id order. */
  private async limitState(db: Db, ids: string[], customerId: string | null, lock: boolean): Promise<Map<string, LimitState>> {
    const out = new Map<string, LimitState>();
    if (ids.length === 0) return out;
    const sorted = [...new Set(ids)].sort();
    const rows = await query<{ promotion_id: string; uses: number; customers: number; discount_fen: string | number; my_uses: number | null }>(
      db,
      sql`select c.promotion_id, c.uses, c.customers, c.discount_fen, u.uses as my_uses
          from promotions.promotion_counters c
          left join promotions.customer_uses u on u.promotion_id = c.promotion_id and u.customer_id = ${customerId}::uuid
          where c.promotion_id = any(${sql.param(sorted)}::uuid[])
          order by c.promotion_id ${lock ? sql`for update of c` : sql``}`,
    );
    for (const r of rows)
      out.set(r.promotion_id, { uses: Number(r.uses), customers: Number(r.customers), discountFen: Number(r.discount_fen), myUses: Number(r.my_uses ?? 0) });
    return out;
  }

  /** The best combination of the candidates, as the quote (without points). */
  private quote(cart: CartInput, loaded: Loaded, candidates: Source[], excluded: NotApplied[]): Quote {
    const byId = new Map(candidates.map((s) => [s.id, s]));
    const best = bestCombination(
      candidates.map((s) => s.stackable),
      loaded.lines,
    );
    const r = best.result;
    const full = loaded.lines.map(lineAmount);
    const appliedIds = new Set(r.applied.map((a) => a.promotionId));
    const notApply = [...excluded];
    for (const s of candidates) {
      if (appliedIds.has(s.id)) continue;
      if (applyPromotion(s.stackable, loaded.lines, full) !== null) notApply.push(notApplied(s, 'not_best'));
      else if (s.kind === 'coupon' || touches(s.stackable, loaded.lines)) notApply.push(notApplied(s, 'no_effect'));
    }
    const lines: QuoteLine[] = loaded.lines.map((l, i) => ({
      lineNo: i + 1,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPriceFen: l.unitPriceFen,
      amountFen: full[i]!,
      discountFen: full[i]! - r.paidFen[i]!,
      paidFen: r.paidFen[i]!,
      allocations: [],
    }));
    const applied: QuoteApplied[] = [];
    const gifts: QuoteGift[] = [];
    for (const a of r.applied) {
      const s = byId.get(a.promotionId)!;
      a.lines.forEach((share, i) => {
        if (share > 0) lines[i]!.allocations.push({ kind: s.kind, id: sourceId(s), code: s.code, amountFen: share });
      });
      for (const g of a.gifts ?? [])
        gifts.push({
          lineNo: lines.length + gifts.length + 1,
          sku: g.sku,
          name: g.name ?? null,
          quantity: g.quantity,
          unitValueFen: g.valueFen,
          valueFen: g.quantity * g.valueFen,
          kind: s.kind,
          id: sourceId(s),
          code: s.code,
        });
      applied.push({
        kind: s.kind,
        id: sourceId(s),
        code: s.code,
        name: s.name,
        discountFen: a.discountFen,
        giftValueFen: valueOf(a) - a.discountFen,
        gifts: a.gifts ?? [],
        step: stepOf(s.stackable, a, 'en'),
      });
    }
    const quote: Quote = {
      at: loaded.at.toISOString(),
      customerId: loaded.customer?.id ?? null,
      channel: cart.channel,
      storeCode: cart.storeCode ?? null,
      fulfillment: cart.fulfillment ?? null,
      subtotalFen: r.subtotalFen,
      discountFen: r.discountFen,
      totalFen: r.totalFen,
      lines,
      applied,
      gifts,
      notApplied: notApply,
      points: null,
      payableFen: r.totalFen,
      search: best.search,
      explanation: { 'zh-CN': [], en: [] },
    };
    for (const a of r.applied) {
      const s = byId.get(a.promotionId)!;
      const line = appliedLine(s.name, s.stackable, a);
      quote.explanation['zh-CN'].push(line.zh);
      quote.explanation.en.push(line.en);
    }
    return quote;
  }

  /** The programme's points-as-cash rate (read outside any transaction: it uses its own connection). */
  private async pointsRate(loaded: Loaded): Promise<number | null> {
    return loaded.customer ? (await this.deps.redemption.cashQuote(0)).pointsPerYuanCash : null;
  }

  /** Points usable as cash: at most the balance and what the cart costs, at the programme's rate. */
  private pointsFor(quote: Quote, loaded: Loaded, requested: number, perYuan: number | null): void {
    if (!loaded.customer || perYuan === null) {
      if (requested > 0) throw invalid('promotions.invalid', 'points: only a known customer can pay with points', [{ path: 'points', message: 'only a known customer can pay with points' }]);
      return;
    }
    const balance = loaded.customer.availablePoints;
    const byTotal = Math.floor((quote.totalFen * perYuan) / 100);
    const usableMax = Math.max(0, Math.min(balance, byTotal));
    if (requested > usableMax)
      throw invalid('promotions.invalid', `points: at most ${usableMax} can be used on this cart (balance ${balance})`, [
        { path: 'points', message: `at most ${usableMax} can be used on this cart (balance ${balance})` },
      ]);
    const toFen = (p: number) => Math.floor((p * 100) / perYuan);
    quote.points = { balance, usableMax, usableMaxFen: toFen(usableMax), pointsPerYuanCash: perYuan, used: requested, valueFen: toFen(requested) };
    quote.payableFen = quote.totalFen - quote.points.valueFen;
  }

  /** The explanation's closing lines, once the points are known. */
  private close(quote: Quote): Quote {
    const t = totalLines(quote);
    quote.explanation['zh-CN'].push(...t.zh);
    quote.explanation.en.push(...t.en);
    return quote;
  }

  // ---------------------------------------------------------------- reservations

  /**
   * Price and reserve a cart in one transaction: limits counted under the counters' row locks (taken in id order, so
   * concurrent checkouts queue instead of deadlocking), a promotion whose limit is reached dropped and the cart priced
   * again without it, coupons reserved, points held (first, in loyalty's own transaction; cancelled when the
   * reservation fails). The same idempotencyKey answers the same reservation.
   */
  async reserve(cart: CartInput, opts: ReserveOptions = {}): Promise<{ reservation: Reservation; created: boolean }> {
    const key = opts.idempotencyKey ?? null;
    const ttl = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400)
      throw invalid('promotions.invalid', 'ttlSeconds: a whole number of seconds, 1 to 86400', [{ path: 'ttlSeconds', message: 'a whole number of seconds, 1 to 86400' }]);
    if (key) {
      // Keys are per customer: a member's retry finds it under the member (a merged-away id: under the survivor, by the
      // insert's conflict below), a guest's under the synthetic owner its key gives.
      const existing = await this.byKey(this.db, cart.customerId ?? guestCheckoutOwner(key, ''), key);
      if (existing) return { reservation: existing, created: false };
    }
    const at = this.instant(cart.at);
    const [loaded, active] = await Promise.all([this.load(this.db, cart, at), this.deps.promotions.active(at)]);
    const rate = await this.pointsRate(loaded);
    // Points first (loyalty's own transaction): refused beyond the balance before anything is counted.
    const id = newId();
    let holdId: string | null = null;
    if (cart.points > 0) {
      if (!loaded.customer) throw invalid('promotions.invalid', 'points: only a known customer can pay with points', [{ path: 'points', message: 'only a known customer can pay with points' }]);
      const balance = loaded.customer.availablePoints;
      if (cart.points > balance)
        throw invalid('promotions.invalid', `points: the customer has ${balance} points`, [{ path: 'points', message: `the customer has ${balance} points` }]);
      const { hold } = await this.deps.redemption.createHold(
        { customerId: loaded.customer.id, points: cart.points, reference: `checkout:${id}`, idempotencyKey: `checkout:${id}`, ttlSeconds: ttl + HOLD_SLACK_SECONDS },
        'system:checkout',
      );
      // The balance was read before the hold took the points: the quote checks against it.
      holdId = hold.id;
    }
    try {
      const result = await this.retrying(() => this.db.transaction((tx) => this.reserveIn(tx, id, key, cart, loaded, active, rate, holdId, ttl)));
      if (!result.created && holdId) await this.deps.redemption.cancelHold(holdId);
      return result;
    } catch (err) {
      if (holdId) await this.deps.redemption.cancelHold(holdId).catch(() => undefined);
      throw err;
    }
  }

  private async reserveIn(
    tx: Db,
    id: string,
    key: string | null,
    cart: CartInput,
    loaded: Loaded,
    active: ActivePromotion[],
    rate: number | null,
    holdId: string | null,
    ttl: number,
  ): Promise<{ reservation: Reservation; created: boolean }> {
    const now = this.now();
    const expiresAt = new Date(now.getTime() + ttl * 1000);
    const customerId = loaded.customer?.id ?? null;
    const guest = customerId === null;
    const owner = customerId ?? guestCheckoutOwner(key, id);
    // The row first: a concurrent request with the same key (and customer) waits here for the first one, then answers it.
    const inserted = await query<{ id: string }>(
      tx,
      sql`insert into promotions.reservations (id, customer_id, guest, channel, store_code, status, idempotency_key, cart, pricing, subtotal_fen,
            discount_fen, payable_fen, expires_at, created_at)
          values (${id}, ${owner}, ${guest}, ${cart.channel}, ${cart.storeCode ?? null}, 'reserved', ${key}, ${JSON.stringify(cart)}::jsonb, '{}'::jsonb,
            0, 0, 0, ${expiresAt.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
          on conflict (customer_id, idempotency_key) do nothing returning id`,
    );
    if (inserted.length === 0) return { reservation: (await this.byKey(tx, owner, key!))!, created: false };

    const sources = this.eligible(active, loaded);
    const coupons = await this.couponCandidates(tx, cart, loaded);
    const limitedIds = sources.promotions.filter((s) => limited(s.active!)).map((s) => s.id);
    // Read without locks: the guarded updates at the end are what hold the limits. A promotion whose limit another
    // checkout reached meanwhile fails its update (limit_race) and the whole transaction runs again, reading afresh.
    const state = await this.limitState(tx, limitedIds, customerId, false);
    const dropped = new Set(sources.promotions.filter((s) => s.active && limitReached(s.active, state.get(s.id), 1)).map((s) => s.id));
    let quote: Quote;
    for (;;) {
      quote = this.quote(cart, loaded, [...sources.promotions.filter((s) => !dropped.has(s.id)), ...coupons.sources], [
        ...sources.notApplied,
        ...sources.promotions.filter((s) => dropped.has(s.id)).map((s) => notApplied(s, 'limit_reached')),
        ...coupons.notApplied,
      ]);
      // A budget can be too small for what the promotion gives this cart: drop it and price again.
      const over = quote.applied.find((a) => {
        const s = sources.promotions.find((p) => p.id === a.id);
        return s?.active && limitReached(s.active, state.get(s.id), a.discountFen + a.giftValueFen);
      });
      if (!over) break;
      dropped.add(over.id);
    }
    this.pointsFor(quote, loaded, cart.points, rate);
    this.close(quote);

    const couponIds = quote.applied
      .filter((a) => a.kind === 'coupon')
      .map((a) => a.id);
    if (couponIds.length > 0) await this.deps.coupons!.reserve(tx, couponIds, id, customerId!);

    // One redemption per applied promotion or coupon, with each line's share (gift lines: their value).
    const redemptions = quote.applied.map((a, seq) => ({
      seq: seq + 1,
      promotion_id: a.kind === 'promotion' ? a.id : null,
      coupon_id: a.kind === 'coupon' ? a.id : null,
      discount_fen: a.discountFen + a.giftValueFen,
      lines: [
        ...quote.lines.flatMap((l) =>
          l.allocations.filter((x) => x.kind === a.kind && x.id === a.id).map((x) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, amountFen: x.amountFen, refundedFen: 0 })),
        ),
        ...quote.gifts.filter((g) => g.kind === a.kind && g.id === a.id).map((g) => ({ lineNo: g.lineNo, sku: g.sku, quantity: g.quantity, amountFen: g.valueFen, refundedFen: 0 })),
      ],
    }));
    if (redemptions.length > 0)
      await tx.execute(
        sql`insert into promotions.redemptions (reservation_id, seq, promotion_id, coupon_id, customer_id, guest, status, discount_fen, lines)
            select ${id}::uuid, x.seq, x.promotion_id, x.coupon_id, ${owner}::uuid, ${guest}, 'reserved', x.discount_fen, x.lines
            from json_to_recordset(${JSON.stringify(redemptions)}::json) as x(seq int, promotion_id uuid, coupon_id uuid, discount_fen bigint, lines jsonb)`,
      );
    // Count every applied promotion last, in id order (no two checkouts can wait on each other), so the counters rows
    // stay locked only for the end of the transaction.
    const counted: Counted[] = [];
    const appliedPromotions = quote.applied.filter((a) => a.kind === 'promotion');
    const order = [...appliedPromotions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const a of order) {
      const value = a.discountFen + a.giftValueFen;
      const L = sources.promotions.find((p) => p.id === a.id)!.active!.limits;
      let newCustomer = false;
      if (customerId) {
        const mine = await query<{ uses: number }>(
          tx,
          sql`insert into promotions.customer_uses (customer_id, promotion_id, uses, discount_fen) values (${customerId}::uuid, ${a.id}::uuid, 1, ${value})
              on conflict (customer_id, promotion_id) do update set uses = customer_uses.uses + 1, discount_fen = customer_uses.discount_fen + excluded.discount_fen
              returning uses`,
        );
        const uses = Number(mine[0]!.uses);
        newCustomer = uses === 1;
        if (L.perCustomerLimit !== null && uses > L.perCustomerLimit) throw conflict('promotions.limit_race', 'per-customer limit changed under the lock');
      }
      const rows = await query<{ promotion_id: string }>(
        tx,
        sql`update promotions.promotion_counters
            set uses = uses + 1, customers = customers + ${newCustomer ? 1 : 0}, discount_fen = discount_fen + ${value}
            where promotion_id = ${a.id}::uuid
              and (${L.totalQuantity}::int is null or uses < ${L.totalQuantity}::int)
              and (${L.budgetFen}::bigint is null or discount_fen + ${value} <= ${L.budgetFen}::bigint)
              and (${L.firstN}::int is null or ${!newCustomer} or customers < ${L.firstN}::int)
            returning promotion_id`,
      );
      if (rows.length === 0) throw conflict('promotions.limit_race', 'a promotion limit was reached under the lock');
      counted.push({ promotionId: a.id, valueFen: value, newCustomer });
    }
    const pricing: StoredPricing = { ...quote, counted, couponIds };
    const pointsUsed = quote.points?.used ?? 0;
    const pointsFen = quote.points?.valueFen ?? 0;
    await tx.execute(
      sql`update promotions.reservations set pricing = ${JSON.stringify(pricing)}::jsonb, subtotal_fen = ${quote.subtotalFen}, discount_fen = ${quote.discountFen},
            points_used = ${pointsUsed}, points_fen = ${pointsFen}, payable_fen = ${quote.payableFen}, points_hold_id = ${holdId}::uuid
          where customer_id = ${owner}::uuid and id = ${id}::uuid`,
    );
    return { reservation: (await this.get(id, tx))!, created: true };
  }

  /** A concurrent writer moved a row we counted on: run the transaction again (it reads everything afresh). */
  private async retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        const code = err instanceof AppError ? err.code : pgCode(err);
        if (attempt >= 5 || !(code === 'promotions.limit_race' || code === '40P01' || code === '40001')) throw err;
      }
    }
  }

  private async byKey(db: Db, customerId: string, key: string): Promise<Reservation | null> {
    const [row] = await query<{ id: string }>(
      db,
      sql`select id from promotions.reservations where customer_id = ${customerId}::uuid and idempotency_key = ${key}`,
    );
    return row ? this.get(row.id, db) : null;
  }

  async get(id: string, db: Db = this.db): Promise<Reservation> {
    const [row] = await query<ReservationRow>(db, sql`select * from promotions.reservations where id = ${id}::uuid`);
    if (!row) throw notFound('promotions.reservation_not_found', `no reservation ${id}`);
    return reservationOf(row);
  }

  /**
   * Place the order: through the orders module (each line's discount = its allocations; gift lines at their value,
   * discounted to 0), then the reservation, its redemptions and coupons committed and the points hold kept. A second
   * commit answers the committed reservation; a cancelled or expired one is 409.
   */
  async commit(id: string, input: CommitInput): Promise<Reservation> {
    const now = this.now();
    // Claim it while the order is placed: the expiry job leaves a reservation alone until its (extended) expiry.
    const claimed = await query<ReservationRow>(
      this.db,
      sql`update promotions.reservations set expires_at = greatest(expires_at, ${new Date(now.getTime() + COMMIT_GRACE_SECONDS * 1000).toISOString()}::timestamptz)
          where id = ${id}::uuid and status = 'reserved' and expires_at > ${now.toISOString()}::timestamptz returning *`,
    );
    if (claimed.length === 0) {
      const r = await this.get(id);
      if (r.status === 'committed') return r;
      if (r.status === 'reserved') await this.settle(id, 'expired', now);
      if (r.status === 'reserved' || r.status === 'expired')
        throw conflict('promotions.reservation_expired', 'the reservation has expired; its limits, coupons and points were given back');
      throw conflict(`promotions.reservation_${r.status}`, `the reservation is ${r.status}`);
    }
    const r = reservationOf(claimed[0]!);
    const placedAt = input.order.placedAt ?? this.now().toISOString();
    const order = orderOf(r, input, placedAt);
    const [result] = await this.deps.orders.ingestOrders([order], { source: 'checkout' });
    if (!result || result.status === 'error') {
      const e = result?.status === 'error' ? result.error : undefined;
      const issues = (e?.issues ?? []).map((i) => ({ path: i.path.startsWith('order') ? i.path : `order.${i.path}`, message: i.message }));
      throw invalid('promotions.invalid', e?.message ?? 'the order was refused', issues);
    }
    const orderId = result.id;
    const committed = await this.db.transaction(async (tx) => {
      const [row] = await query<ReservationRow>(tx, sql`select * from promotions.reservations where id = ${id}::uuid for update`);
      if (row!.status === 'committed') return reservationOf(row!);
      if (row!.status !== 'reserved') throw conflict(`promotions.reservation_${row!.status}`, `the reservation is ${row!.status} (order ${orderId} was placed)`);
      const at = this.now();
      await tx.execute(
        sql`update promotions.redemptions set status = 'committed', order_id = ${orderId}::uuid
            where customer_id = ${row!.customer_id}::uuid and reservation_id = ${id}::uuid`,
      );
      if (this.deps.coupons && (row!.pricing.couponIds ?? []).length > 0) await this.deps.coupons.commit(tx, id, orderId, at);
      await tx.execute(
        sql`update promotions.reservations set status = 'committed', order_id = ${orderId}::uuid, settled_at = ${at.toISOString()}::timestamptz where id = ${id}::uuid`,
      );
      return this.get(id, tx);
    });
    if (committed.pointsHoldId) await this.deps.redemption.commitHold(committed.pointsHoldId);
    return committed;
  }

  /** Give everything back: limits, customer uses, coupons, points. Cancelling twice answers the same; a committed one is 409. */
  async cancel(id: string): Promise<Reservation> {
    return this.settle(id, 'cancelled');
  }

  /** Reservations past their expiry, given back (the scheduled job, every minute). */
  async expireDue(now: Date = this.now()): Promise<{ expired: number }> {
    const due = await query<{ id: string }>(
      this.db,
      sql`select id from promotions.reservations where status = 'reserved' and expires_at <= ${now.toISOString()}::timestamptz order by expires_at limit 1000`,
    );
    let expired = 0;
    for (const { id } of due) if ((await this.settle(id, 'expired', now)).status === 'expired') expired += 1;
    return { expired };
  }

  private async settle(id: string, status: 'cancelled' | 'expired', at: Date = this.now()): Promise<Reservation> {
    const out = await this.retrying(() =>
      this.db.transaction(async (tx) => {
        const [row] = await query<ReservationRow>(tx, sql`select * from promotions.reservations where id = ${id}::uuid for update`);
        if (!row) throw notFound('promotions.reservation_not_found', `no reservation ${id}`);
        if (row.status === 'committed' && status === 'cancelled') throw conflict('promotions.reservation_committed', 'the reservation is committed; return the order instead');
        if (row.status !== 'reserved') return { r: reservationOf(row), changed: false };
        if (this.deps.coupons && (row.pricing.couponIds ?? []).length > 0) await this.deps.coupons.release(tx, id);
        await this.giveBack(tx, row.guest ? null : row.customer_id, row.pricing.counted ?? []);
        await tx.execute(sql`update promotions.redemptions set status = ${status} where customer_id = ${row.customer_id}::uuid and reservation_id = ${id}::uuid`);
        await tx.execute(sql`update promotions.reservations set status = ${status}, settled_at = ${at.toISOString()}::timestamptz where id = ${id}::uuid`);
        return { r: await this.get(id, tx), changed: true };
      }),
    );
    if (out.changed && out.r.pointsHoldId) {
      const hold = await this.deps.redemption.getHold(out.r.pointsHoldId);
      if (hold.status === 'held') await this.deps.redemption.cancelHold(hold.id);
    }
    return out.r;
  }

  /** Undo what a reservation counted, locking the counters in the order reserve takes them (limited first, then id). */
  private async giveBack(tx: Db, customerId: string | null, counted: Counted[]): Promise<void> {
    if (counted.length === 0) return;
    const ids = counted.map((c) => c.promotionId);
    const locked = await query<{ id: string }>(
      tx,
      sql`select c.promotion_id as id from promotions.promotion_counters c join promotions.promotions p on p.id = c.promotion_id
          where c.promotion_id = any(${sql.param(ids)}::uuid[])
          order by (p.budget_fen is null and p.total_quantity is null and p.first_n is null and p.per_customer_limit is null), c.promotion_id
          for update of c`,
    );
    const byId = new Map(counted.map((c) => [c.promotionId, c]));
    for (const { id: pid } of locked) {
      const c = byId.get(pid)!;
      let lastUse = false;
      if (customerId) {
        const [u] = await query<{ uses: number }>(
          tx,
          sql`update promotions.customer_uses set uses = uses - 1, discount_fen = greatest(discount_fen - ${c.valueFen}, 0)
              where customer_id = ${customerId}::uuid and promotion_id = ${pid}::uuid and uses > 0 returning uses`,
        );
        // The customer stops being one of the promotion's customers when their last use goes (whichever it was).
        lastUse = !!u && Number(u.uses) === 0;
      }
      await tx.execute(
        sql`update promotions.promotion_counters set uses = greatest(uses - 1, 0), customers = greatest(customers - ${lastUse ? 1 : 0}, 0),
              discount_fen = greatest(discount_fen - ${c.valueFen}, 0)
            where promotion_id = ${pid}::uuid`,
      );
    }
  }

  // ---------------------------------------------------------------- returns

  /**
   * orders.return.recorded for an order placed from a reservation: each returned line's share of each redemption
   * (allocation × returned ÷ line quantity, rounded to the fen, all that is left when the line is fully returned) goes
   * into redemptions.refunded_fen and back to the promotion's counted discount; a whole order returned gives its
   * coupons back as their template says.
   */
  async applyReturns(tx: Db, events: Array<{ returnId: string; orderId: string; returnedAt?: string }>): Promise<number> {
    let applied = 0;
    // One query tells which orders came from a checkout (a batch of returns from an import is mostly not).
    const orderIds = [...new Set(events.map((e) => e.orderId))];
    if (orderIds.length === 0) return 0;
    const fromCheckout = new Set(
      (
        await query<{ order_id: string }>(
          tx,
          sql`select order_id from promotions.reservations where order_id = any(${sql.param(orderIds)}::uuid[]) and status = 'committed'`,
        )
      ).map((r) => r.order_id),
    );
    for (const e of events) {
      if (!fromCheckout.has(e.orderId)) continue;
      const [row] = await query<ReservationRow>(
        tx,
        sql`select * from promotions.reservations where order_id = ${e.orderId}::uuid and status = 'committed' order by id limit 1 for update`,
      );
      if (!row || (row.pricing.returnsApplied ?? []).includes(e.returnId)) continue;
      const lines = await query<{ line_no: number; quantity: number; returned_quantity: number; this_return: number | null }>(
        tx,
        sql`select l.line_no, l.quantity, l.returned_quantity,
              (select sum(rl.quantity) from orders.return_lines rl
               where rl.customer_id = l.customer_id and rl.return_id = ${e.returnId}::uuid and rl.order_line_no = l.line_no)::int as this_return
            from orders.orders o join orders.order_lines l on l.customer_id = o.customer_id and l.order_id = o.id
            where o.id = ${e.orderId}::uuid`,
      );
      const byLine = new Map(lines.map((l) => [Number(l.line_no), l]));
      const reds = await query<{ seq: number; promotion_id: string | null; coupon_id: string | null; refunded_fen: string | number; lines: RedemptionLine[] }>(
        tx,
        sql`select seq, promotion_id, coupon_id, refunded_fen, lines from promotions.redemptions
            where customer_id = ${row.customer_id}::uuid and reservation_id = ${row.id}::uuid order by seq for update`,
      );
      const back = new Map<string, number>();
      for (const red of reds) {
        let refund = 0;
        const next = red.lines.map((l) => {
          const ol = byLine.get(l.lineNo);
          const q = Number(ol?.this_return ?? 0);
          if (!ol || q <= 0) return l;
          const left = l.amountFen - l.refundedFen;
          const share = Number(ol.returned_quantity) >= Number(ol.quantity) ? left : Math.min(left, Math.round((l.amountFen * q) / Number(ol.quantity)));
          refund += share;
          return { ...l, refundedFen: l.refundedFen + share };
        });
        if (refund === 0) continue;
        await tx.execute(
          sql`update promotions.redemptions set refunded_fen = refunded_fen + ${refund}, lines = ${JSON.stringify(next)}::jsonb
              where customer_id = ${row.customer_id}::uuid and reservation_id = ${row.id}::uuid and seq = ${red.seq}`,
        );
        if (red.promotion_id) back.set(red.promotion_id, (back.get(red.promotion_id) ?? 0) + refund);
      }
      // Counters in the order reserve locks them.
      if (back.size > 0) {
        const locked = await query<{ id: string }>(
          tx,
          sql`select c.promotion_id as id from promotions.promotion_counters c join promotions.promotions p on p.id = c.promotion_id
              where c.promotion_id = any(${sql.param([...back.keys()])}::uuid[])
              order by (p.budget_fen is null and p.total_quantity is null and p.first_n is null and p.per_customer_limit is null), c.promotion_id
              for update of c`,
        );
        for (const { id: pid } of locked) {
          const fen = back.get(pid)!;
          await tx.execute(sql`update promotions.promotion_counters set discount_fen = greatest(discount_fen - ${fen}, 0) where promotion_id = ${pid}::uuid`);
          if (!row.guest)
            await tx.execute(
              sql`update promotions.customer_uses set discount_fen = greatest(discount_fen - ${fen}, 0) where customer_id = ${row.customer_id}::uuid and promotion_id = ${pid}::uuid`,
            );
        }
      }
      const whole = lines.length > 0 && lines.every((l) => Number(l.returned_quantity) >= Number(l.quantity));
      if (whole && this.deps.coupons) {
        const at = e.returnedAt ? new Date(e.returnedAt) : this.now();
        for (const red of reds) if (red.coupon_id) await this.deps.coupons.restoreForReturn(tx, red.coupon_id, at);
      }
      const pricing: StoredPricing = { ...row.pricing, returnsApplied: [...(row.pricing.returnsApplied ?? []), e.returnId] };
      await tx.execute(sql`update promotions.reservations set pricing = ${JSON.stringify(pricing)}::jsonb where id = ${row.id}::uuid`);
      applied += 1;
    }
    return applied;
  }
}

interface RedemptionLine {
  lineNo: number;
  sku: string;
  quantity: number;
  amountFen: number;
  refundedFen: number;
}

/** A coupon's redemption and allocations name the coupon row; a promotion's, the promotion. */
const sourceId = (s: Source) => (s.kind === 'coupon' ? s.couponId! : s.id);
const notApplied = (s: Source, reason: string): NotApplied => ({ kind: s.kind, code: s.code, name: s.name, reason });

/** Is a counted limit reached for a checkout worth `valueFen` to this promotion? */
const monthFormats = new Map<string, Intl.DateTimeFormat>();
/** Building an Intl formatter costs more than pricing a small cart: one per time zone, kept. */
function monthFormat(timeZone: string): Intl.DateTimeFormat {
  let f = monthFormats.get(timeZone);
  if (!f) monthFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, month: 'numeric' })));
  return f;
}

/** Does any line of the cart fall in the promotion's reach (its scope, or the SKUs a bundle or special price names)? */
function touches(p: Promotion, lines: readonly CartLine[]): boolean {
  const r = p.rule;
  const excluded = p.excludedSkus ?? [];
  if (r.kind === 'bundle') return lines.some((l) => !excluded.includes(l.sku) && r.items.some((it) => it.sku === l.sku));
  if (r.kind === 'price') return lines.some((l) => !excluded.includes(l.sku) && r.prices.some((x) => x.sku === l.sku));
  return lines.some((l) => inScope(l, p.scope, excluded));
}

function limitReached(a: ActivePromotion, s: LimitState | undefined, valueFen: number): boolean {
  const L = a.limits;
  const st = s ?? { uses: 0, customers: 0, discountFen: 0, myUses: 0 };
  if (L.totalQuantity !== null && st.uses >= L.totalQuantity) return true;
  if (L.perCustomerLimit !== null && st.myUses >= L.perCustomerLimit) return true;
  if (L.firstN !== null && st.myUses === 0 && st.customers >= L.firstN) return true;
  if (L.budgetFen !== null && st.discountFen + valueFen > L.budgetFen) return true;
  return false;
}

function reservationOf(r: ReservationRow): Reservation {
  const { counted: _c, couponIds: _ids, returnsApplied: _ra, ...quote } = r.pricing;
  return {
    id: r.id,
    status: r.status,
    customerId: r.guest ? null : r.customer_id,
    channel: r.channel,
    storeCode: r.store_code,
    idempotencyKey: r.idempotency_key,
    quote: quote as Quote,
    pointsUsed: Number(r.points_used),
    pointsFen: Number(r.points_fen),
    payableFen: Number(r.payable_fen),
    pointsHoldId: r.points_hold_id,
    orderId: r.order_id,
    expiresAt: iso(r.expires_at),
    createdAt: iso(r.created_at),
    settledAt: r.settled_at ? iso(r.settled_at) : null,
  };
}

/** The order a reservation places: the cart's lines with their discounts, then the gift lines (paid 0). */
function orderOf(r: Reservation, input: CommitInput, placedAt: string): OrderInput {
  const q = r.quote;
  return {
    channel: q.channel as OrderInput['channel'],
    externalId: input.order.externalId,
    ...(q.storeCode ? { storeCode: q.storeCode } : {}),
    ...(input.order.staffCode ? { staffCode: input.order.staffCode } : {}),
    placedAt,
    ...(q.customerId ? { customer: { id: q.customerId } } : {}),
    lines: [
      ...q.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPriceFen, discount: l.discountFen })),
      ...q.gifts.map((g) => ({ sku: g.sku, quantity: g.quantity, unitPrice: g.unitValueFen, discount: g.valueFen })),
    ],
    currency: 'CNY',
    ...(input.order.paymentMethod ? { paymentMethod: input.order.paymentMethod } : {}),
    ...(q.fulfillment ? { fulfillment: q.fulfillment as OrderInput['fulfillment'] } : {}),
    attributes: {
      checkout: {
        reservationId: r.id,
        discountFen: q.discountFen,
        pointsUsed: r.pointsUsed,
        pointsFen: r.pointsFen,
        promotions: q.applied.map((a) => a.code),
      },
    },
  };
}

/** orders.return.recorded → the checkout's share of the refund (see CheckoutService.applyReturns). */
export function checkoutReturnsWhenReturnsRecorded(checkout: CheckoutService): BatchEventHandler<{ returnId: string; orderId: string; returnedAt?: string }> {
  return async (events, tx) => {
    await checkout.applyReturns(
      tx,
      events.map((e) => ({ returnId: e.payload.returnId, orderId: e.payload.orderId, ...(e.payload.returnedAt ? { returnedAt: e.payload.returnedAt } : {}) })),
    );
  };
}

/** Expire stale reservations every minute (limits, coupons and points given back). */
export async function scheduleCheckoutExpiry(jobs: Jobs, checkout: CheckoutService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(
    CHECKOUT_EXPIRE_JOB,
    async () => {
      const out = await checkout.expireDue(new Date());
      if (out.expired > 0) log.info({ expired: out.expired }, 'checkout reservations expired');
    },
    30,
  );
  await jobs.schedule(CHECKOUT_EXPIRE_JOB, '* * * * *', opts.timeZone);
}

