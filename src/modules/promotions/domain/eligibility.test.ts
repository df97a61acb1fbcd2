import { describe, expect, it } from 'vitest';
import { ineligibility, inHoldout, type CheckoutContext } from './eligibility.js';

const member = { id: '7f0c7a2e-0000-4000-8000-000000000001', tierCode: 'gold', segmentIds: new Set(['seg-a']), birthdayMonth: 11, priorOrders: 1 };
const ctx = (over: Partial<CheckoutContext> = {}): CheckoutContext => ({ channel: 'pos', storeCode: 'SH01', fulfillment: 'in_store', subtotalFen: 30_000, month: 11, customer: member, ...over });

describe('conditions', () => {
  it('an empty set applies to every cart, guests included', () => {
    expect(ineligibility({}, ctx())).toBeNull();
    expect(ineligibility({}, ctx({ customer: null }))).toBeNull();
  });

  it('names the first condition that fails', () => {
    expect(ineligibility({ channels: ['online'] }, ctx())).toBe('channel');
    expect(ineligibility({ stores: ['BJ01'] }, ctx())).toBe('store');
    expect(ineligibility({ stores: ['BJ01'] }, ctx({ storeCode: null }))).toBe('store');
    expect(ineligibility({ fulfillment: ['pickup'] }, ctx())).toBe('fulfillment');
    expect(ineligibility({ fulfillment: ['pickup'] }, ctx({ fulfillment: 'pickup' }))).toBeNull();
    expect(ineligibility({ minSubtotalFen: 30_001 }, ctx())).toBe('min_subtotal');
    expect(ineligibility({ minSubtotalFen: 30_000 }, ctx())).toBeNull();
    expect(ineligibility({ tiers: ['platinum'] }, ctx())).toBe('tier');
    expect(ineligibility({ tiers: ['gold', 'platinum'] }, ctx())).toBeNull();
    expect(ineligibility({ segments: ['seg-b'] }, ctx())).toBe('segment');
    expect(ineligibility({ segments: ['seg-b', 'seg-a'] }, ctx())).toBeNull();
    expect(ineligibility({ birthdayMonth: true }, ctx({ month: 12 }))).toBe('birthday_month');
    expect(ineligibility({ birthdayMonth: true }, ctx())).toBeNull();
    expect(ineligibility({ birthdayMonth: true }, ctx({ customer: { ...member, birthdayMonth: null } }))).toBe('birthday_month');
  });

  it('new, returning and the second purchase count earlier orders; guests get none of them', () => {
    expect(ineligibility({ audience: 'new' }, ctx())).toBe('new_customers_only');
    expect(ineligibility({ audience: 'new' }, ctx({ customer: { ...member, priorOrders: 0 } }))).toBeNull();
    expect(ineligibility({ audience: 'returning' }, ctx({ customer: { ...member, priorOrders: 0 } }))).toBe('returning_customers_only');
    expect(ineligibility({ audience: 'returning' }, ctx())).toBeNull();
    const second = { priorOrders: { min: 1, max: 1 } };
    expect(ineligibility(second, ctx())).toBeNull();
    expect(ineligibility(second, ctx({ customer: { ...member, priorOrders: 2 } }))).toBe('prior_orders');
    expect(ineligibility(second, ctx({ customer: { ...member, priorOrders: 0 } }))).toBe('prior_orders');
    expect(ineligibility({ audience: 'members' }, ctx({ customer: null }))).toBe('members_only');
    expect(ineligibility({ audience: 'new' }, ctx({ customer: null }))).toBe('new_customers_only');
    expect(ineligibility({ tiers: ['gold'] }, ctx({ customer: null }))).toBe('members_only');
    expect(ineligibility({ audience: 'everyone' }, ctx({ customer: null }))).toBeNull();
  });
});

describe('holdout', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  it('is stable for a salt, independent across salts, and holds out the share asked for (±1 point on 20,000)', () => {
    const a = ids.map((id) => inHoldout('promo-1', id, 10));
    expect(ids.map((id) => inHoldout('promo-1', id, 10))).toEqual(a);
    const share = a.filter(Boolean).length / ids.length;
    expect(Math.abs(share - 0.1)).toBeLessThan(0.01);
    const b = ids.map((id) => inHoldout('promo-2', id, 10));
    const both = a.filter((x, i) => x && b[i]).length / ids.length;
    expect(Math.abs(both - 0.01)).toBeLessThan(0.003);
  });

  it('0 % holds out nobody; a larger share contains the smaller one', () => {
    expect(ids.some((id) => inHoldout('p', id, 0))).toBe(false);
    expect(ids.every((id) => !inHoldout('p', id, 5) || inHoldout('p', id, 20))).toBe(true);
  });
});
