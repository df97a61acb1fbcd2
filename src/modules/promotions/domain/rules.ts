import { allocate } from './allocate.js';

/** A cart line as the pricing sees it: what it costs before promotions, and what identifies it for a rule's scope. */
export interface CartLine {
  sku: string;
  quantity: number;
  /** Unit price before any promotion, in fen. */
  unitPriceFen: number;
  categoryPath?: readonly string[] | null;
  brand?: string | null;
}

/**
 * Which lines a rule applies to: all of them, or those whose SKU is listed, whose category path starts with one of the
 * listed paths (levels joined by `/`), or whose brand is listed. Excluded SKUs never count (gift cards, delivery fees).
 */
export type Scope =
  | { kind: 'order' }
  | { kind: 'skus'; skus: readonly string[] }
  | { kind: 'categories'; paths: readonly string[] }
  | { kind: 'brands'; brands: readonly string[] };

/**
 * The rule types priced so far (issue 9 lists more; each is added with its own tests):
 * - `threshold` (满减): when the scope's amount reaches a tier's `minFen`, take its `offFen` — the highest tier reached
 *   (满300减50, 满500减100), or with `repeat` the same tier once per whole multiple (每满300减50).
 * - `percent`: `percent` off the scope's amount (a 20 % discount is `percent: 20`), rounded down to the fen.
 * - `fixed`: `offFen` off the scope's amount, at most that amount.
 * - `quantity` (N件M折): with at least `minUnits` units in scope, `percent` off all of them (2件8折 = 20 % off from the
 *   second unit on).
 * - `buyGet` (买X送Y): in every group of `buy` + `get` units in scope, the `get` cheapest are free (cheapest by what the
 *   unit still costs; a unit of a line costs the line's paid amount ÷ its quantity, rounded down when it is given).
 * - `bundle` (组合价): each complete set of `items` in the cart (A × 1 + B × 1) costs `priceFen`; the scope is the
 *   items themselves. A set's lines are worth their remaining paid amount for the units in sets, rounded down.
 * - `gift` (满赠): when the scope's amount reaches `minFen`, the `gifts` lines are added to the cart free (with `repeat`,
 *   once per whole multiple). The gifts' `valueFen` is what the promotion costs; it takes nothing off the lines.
 * - `price` (member, tier and flash prices): the listed SKUs cost `priceFen` a unit (only where that is below what the
 *   unit still costs); who gets the price is the promotion's conditions (members, tiers, a short window).
 * Every rule may cap its discount (`capFen`).
 */
export type Rule =
  | { kind: 'threshold'; tiers: ReadonlyArray<{ minFen: number; offFen: number }>; repeat?: boolean }
  | { kind: 'percent'; percent: number }
  | { kind: 'fixed'; offFen: number }
  | { kind: 'quantity'; minUnits: number; percent: number }
  | { kind: 'buyGet'; buy: number; get: number }
  | { kind: 'bundle'; items: ReadonlyArray<{ sku: string; quantity: number }>; priceFen: number }
  | { kind: 'gift'; minFen: number; gifts: ReadonlyArray<GiftLine>; repeat?: boolean }
  | { kind: 'price'; prices: ReadonlyArray<{ sku: string; priceFen: number }> };

/** A free line a 满赠 promotion adds: what it is, how many, and what each unit is worth (its cost to the promotion). */
export interface GiftLine {
  sku: string;
  quantity: number;
  valueFen: number;
  name?: string;
}

export interface Promotion {
  id: string;
  name: string;
  scope: Scope;
  rule: Rule;
  excludedSkus?: readonly string[];
  capFen?: number | null;
}

/** One promotion's effect on a cart: its discount and each line's share of it (in cart order, 0 for lines out of scope). */
export interface Applied {
  promotionId: string;
  discountFen: number;
  lines: number[];
  /** For the cashier: which amount qualified and which step of the rule it reached. */
  explanation: { eligibleFen: number; step: string };
  /** 满赠: the free lines added to the cart (their value is the promotion's cost; discountFen is 0). */
  gifts?: GiftLine[];
}

/** What an applied promotion is worth to the customer: its discount plus the value of its gifts. */
export const valueOf = (a: Applied) => a.discountFen + (a.gifts ?? []).reduce((s, g) => s + g.quantity * g.valueFen, 0);

export const lineAmount = (l: CartLine) => l.quantity * l.unitPriceFen;

/** Does the line fall in the scope (and not among the excluded SKUs)? */
export function inScope(line: CartLine, scope: Scope, excluded: readonly string[] = []): boolean {
  if (excluded.includes(line.sku)) return false;
  switch (scope.kind) {
    case 'order':
      return true;
    case 'skus':
      return scope.skus.includes(line.sku);
    case 'categories': {
      const path = (line.categoryPath ?? []).join('/');
      return scope.paths.some((p) => path === p || path.startsWith(`${p}/`));
    }
    case 'brands':
      return !!line.brand && scope.brands.includes(line.brand);
  }
}

/**
 * Price one promotion on a cart whose lines already carry `paidFen` (what each line still costs after the promotions
 * applied before this one): the discount on the lines in scope, split over them by `allocate`. Null when the
 * promotion gives nothing (no line in scope, threshold not reached).
 */
export function applyPromotion(p: Promotion, lines: readonly CartLine[], paidFen: readonly number[]): Applied | null {
  if (p.rule.kind === 'bundle') return bundle(p, p.rule, lines, paidFen);
  if (p.rule.kind === 'price') return specialPrice(p, p.rule, lines, paidFen);
  const weights = lines.map((l, i) => (inScope(l, p.scope, p.excludedSkus) ? paidFen[i]! : 0));
  const eligible = weights.reduce((s, w) => s + w, 0);
  if (eligible <= 0) return null;
  let discount = 0;
  let step = '';
  const r = p.rule;
  switch (r.kind) {
    case 'threshold': {
      const tiers = [...r.tiers].sort((a, b) => a.minFen - b.minFen);
      if (r.repeat) {
        const t = tiers[0];
        if (!t || t.minFen <= 0) return null;
        const times = Math.floor(eligible / t.minFen);
        discount = times * t.offFen;
        step = `${times} × ${t.minFen}`;
      } else {
        const reached = tiers.filter((t) => eligible >= t.minFen).at(-1);
        if (reached) {
          discount = reached.offFen;
          step = `≥ ${reached.minFen}`;
        }
      }
      break;
    }
    case 'percent':
      discount = Math.floor((eligible * r.percent) / 100);
      step = `${r.percent}%`;
      break;
    case 'fixed':
      discount = r.offFen;
      step = `${r.offFen}`;
      break;
    case 'quantity': {
      const units = lines.reduce((n, l, i) => n + (weights[i]! > 0 ? l.quantity : 0), 0);
      if (units < r.minUnits) return null;
      discount = Math.floor((eligible * r.percent) / 100);
      step = `${units} ≥ ${r.minUnits}`;
      break;
    }
    case 'buyGet':
      return buyGet(p, r, lines, weights);
    case 'gift': {
      if (r.minFen <= 0 || eligible < r.minFen || r.gifts.length === 0) return null;
      const times = r.repeat ? Math.floor(eligible / r.minFen) : 1;
      const gifts = r.gifts.map((g) => ({ ...g, quantity: g.quantity * times }));
      return { promotionId: p.id, discountFen: 0, lines: lines.map(() => 0), explanation: { eligibleFen: eligible, step: r.repeat ? `${times} × ${r.minFen}` : `≥ ${r.minFen}` }, gifts };
    }
  }
  if (p.capFen !== null && p.capFen !== undefined) discount = Math.min(discount, p.capFen);
  discount = Math.min(discount, eligible);
  if (discount <= 0) return null;
  return { promotionId: p.id, discountFen: discount, lines: allocate(discount, weights), explanation: { eligibleFen: eligible, step } };
}

/**
 * 买X送Y: the free units are the cheapest in scope (ties: the later line, so the customer keeps what they picked
 * first at full price — the usual till rule), one group of buy + get units at a time. Each free unit is worth its
 * line's paid amount ÷ quantity, rounded down to the fen, so the discount is given per line and needs no allocation.
 */
function buyGet(p: Promotion, r: { buy: number; get: number }, lines: readonly CartLine[], weights: readonly number[]): Applied | null {
  if (r.buy < 1 || r.get < 1) return null;
  const units: Array<{ line: number; unitFen: number }> = [];
  lines.forEach((l, i) => {
    if (weights[i]! <= 0) return;
    for (let k = 0; k < l.quantity; k++) units.push({ line: i, unitFen: weights[i]! / l.quantity });
  });
  const groups = Math.floor(units.length / (r.buy + r.get));
  if (groups === 0) return null;
  units.sort((a, b) => a.unitFen - b.unitFen || b.line - a.line);
  const free = lines.map(() => 0);
  for (const u of units.slice(0, groups * r.get)) free[u.line]! += 1;
  const shares = lines.map((l, i) => (free[i]! > 0 ? Math.floor((weights[i]! * free[i]!) / l.quantity) : 0));
  let discount = shares.reduce((s, x) => s + x, 0);
  if (p.capFen !== null && p.capFen !== undefined && discount > p.capFen) {
    discount = p.capFen;
    const capped = allocate(discount, shares);
    shares.splice(0, shares.length, ...capped);
  }
  if (discount <= 0) return null;
  const eligible = weights.reduce((s, w) => s + w, 0);
  return { promotionId: p.id, discountFen: discount, lines: shares, explanation: { eligibleFen: eligible, step: `${groups * r.get} free of ${units.length}` } };
}

/** 组合价: complete sets only; the set price replaces what the set's units still cost, split over their lines. */
function bundle(p: Promotion, r: { items: ReadonlyArray<{ sku: string; quantity: number }>; priceFen: number }, lines: readonly CartLine[], paidFen: readonly number[]): Applied | null {
  if (r.items.length === 0 || r.items.some((it) => it.quantity < 1)) return null;
  const excluded = p.excludedSkus ?? [];
  const unitsOf = (sku: string) => lines.reduce((n, l) => n + (l.sku === sku && !excluded.includes(sku) ? l.quantity : 0), 0);
  const sets = Math.min(...r.items.map((it) => Math.floor(unitsOf(it.sku) / it.quantity)));
  if (sets < 1) return null;
  // Units each line gives to the sets, earlier lines first.
  const need = new Map(r.items.map((it) => [it.sku, it.quantity * sets]));
  const weights = lines.map((l, i) => {
    const left = need.get(l.sku) ?? 0;
    if (left <= 0 || excluded.includes(l.sku)) return 0;
    const take = Math.min(left, l.quantity);
    need.set(l.sku, left - take);
    return Math.floor((paidFen[i]! * take) / l.quantity);
  });
  const eligible = weights.reduce((s, w) => s + w, 0);
  let discount = eligible - sets * r.priceFen;
  if (p.capFen !== null && p.capFen !== undefined) discount = Math.min(discount, p.capFen);
  if (discount <= 0) return null;
  return { promotionId: p.id, discountFen: discount, lines: allocate(discount, weights), explanation: { eligibleFen: eligible, step: `${sets} × ${r.priceFen}` } };
}

/**
 * Member, tier and flash prices: each listed SKU's units cost the special price where it is below what they still cost
 * (the line's paid amount ÷ quantity); the discount is per line, exact, no allocation needed.
 */
function specialPrice(p: Promotion, r: { prices: ReadonlyArray<{ sku: string; priceFen: number }> }, lines: readonly CartLine[], paidFen: readonly number[]): Applied | null {
  const price = new Map(r.prices.map((x) => [x.sku, x.priceFen]));
  const excluded = p.excludedSkus ?? [];
  const shares = lines.map((l, i) => {
    const special = price.get(l.sku);
    if (special === undefined || excluded.includes(l.sku)) return 0;
    return Math.max(0, paidFen[i]! - special * l.quantity);
  });
  let discount = shares.reduce((s, x) => s + x, 0);
  const eligible = lines.reduce((s, l, i) => s + (price.has(l.sku) && !excluded.includes(l.sku) ? paidFen[i]! : 0), 0);
  if (p.capFen !== null && p.capFen !== undefined && discount > p.capFen) {
    discount = p.capFen;
    shares.splice(0, shares.length, ...allocate(discount, shares));
  }
  if (discount <= 0) return null;
  const units = lines.reduce((n, l, i) => n + (shares[i]! > 0 ? l.quantity : 0), 0);
  return { promotionId: p.id, discountFen: discount, lines: shares, explanation: { eligibleFen: eligible, step: `${units} at special price` } };
}

/**
 * Apply promotions in the given order (priority first), each on what the lines cost after the ones before it: the
 * cart's total, its discounts and every line's paid amount, all in fen and summing exactly.
 */
export interface Priced {
  subtotalFen: number;
  discountFen: number;
  totalFen: number;
  applied: Applied[];
  paidFen: number[];
  /** The free lines 满赠 promotions added, in the order they applied. */
  gifts: GiftLine[];
}

export function priceInOrder(promotions: readonly Promotion[], lines: readonly CartLine[]): Priced {
  const paid = lines.map(lineAmount);
  const subtotal = paid.reduce((s, x) => s + x, 0);
  const applied: Applied[] = [];
  for (const p of promotions) {
    const a = applyPromotion(p, lines, paid);
    if (!a) continue;
    a.lines.forEach((share, i) => (paid[i]! -= share));
    applied.push(a);
  }
  const discount = applied.reduce((s, a) => s + a.discountFen, 0);
  const gifts = applied.flatMap((a) => a.gifts ?? []);
  return { subtotalFen: subtotal, discountFen: discount, totalFen: subtotal - discount, applied, paidFen: paid, gifts };
}
