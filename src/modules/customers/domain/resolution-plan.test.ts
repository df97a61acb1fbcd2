import { describe, expect, it } from 'vitest';
import { pairKey, planResolution, type KnownCustomer, type PlanRef } from './resolution-plan.js';

const STRONG = new Set(['phone', 'email', 'member_no', 'wechat_unionid', 'ecom_user_id', 'pos_card']);
const phone = (value: string) => ({ type: 'phone' as const, value });
const email = (value: string) => ({ type: 'email' as const, value });
const device = (value: string) => ({ type: 'device_id' as const, value });
const anon = (value: string) => ({ type: 'anonymous_id' as const, value });
const ref = (...identifiers: PlanRef['identifiers']): PlanRef => ({ identifiers, hints: {} });

function plan(refs: PlanRef[], owned: Array<[string, string, string]> = [], customers: Record<string, Partial<KnownCustomer>> = {}, blocked: string[][] = []) {
  return planResolution({
    refs,
    owners: new Map(owned.map(([type, value, owner]) => [`${type}\u0000${value}`, owner])),
    customers: new Map(Object.entries(customers).map(([id, c]) => [id, { createdAt: c.createdAt ?? 0, identified: c.identified ?? true }])),
    strongTypes: STRONG,
    blockedPairs: new Set(blocked.map(([a, b]) => pairKey(a!, b!))),
  });
}

describe('planResolution', () => {
  it('creates one profile for refs of a batch sharing strong identifiers, transitively', () => {
    const p = plan([ref(phone('+1')), ref(email('a@x')), ref(phone('+1'), email('a@x')), ref()]);
    expect(p.refGroup).toEqual([0, 0, 0, null]);
    expect(p.groups).toEqual([
      { refs: [0, 1, 2], target: null, merges: [], attach: [phone('+1'), email('a@x')], hints: {}, candidates: [] },
    ]);
  });

  it('merges every strong match into the oldest profile, naming the identifier that linked each', () => {
    const p = plan(
      [ref(phone('+1'), email('a@x'), { type: 'member_no', value: 'M1' })],
      [['phone', '+1', 'young'], ['email', 'a@x', 'old'], ['member_no', 'M1', 'mid']],
      { young: { createdAt: 30 }, old: { createdAt: 10 }, mid: { createdAt: 20 } },
    );
    expect(p.groups[0]).toMatchObject({
      target: 'old',
      merges: [
        { absorbedId: 'mid', linkType: 'member_no', linkValue: 'M1' },
        { absorbedId: 'young', linkType: 'phone', linkValue: '+1' },
      ],
      attach: [],
    });
  });

  it('does not merge a pair staff rejected', () => {
    const p = plan([ref(phone('+1'), email('a@x'))], [['phone', '+1', 'a'], ['email', 'a@x', 'b']], { a: { createdAt: 1 }, b: { createdAt: 2 } }, [['b', 'a']]);
    expect(p.groups[0]).toMatchObject({ target: 'a', merges: [] });
  });

  it('turns a weak identifier held by another profile into a candidate, never a merge', () => {
    const p = plan([ref(phone('+2'), device('d1'))], [['device_id', 'd1', 'other']], { other: { identified: true } });
    expect(p.groups[0]).toEqual({
      refs: [0],
      target: null,
      merges: [],
      attach: [phone('+2')],
      hints: {},
      candidates: [{ other: 'other', reason: 'weak_identifier:device_id' }],
    });
  });

  it('lets a weak match attach new strong identifiers only to an anonymous profile', () => {
    const p = plan([ref(phone('+3'), anon('v1'))], [['anonymous_id', 'v1', 'visitor']], { visitor: { identified: false } });
    expect(p.groups[0]).toMatchObject({ target: 'visitor', attach: [phone('+3')], candidates: [] });
    // Two new people on one anonymous profile in the same batch: the second gets its own profile.
    const two = plan([ref(phone('+4'), anon('v1')), ref(phone('+5'), anon('v1'))], [['anonymous_id', 'v1', 'visitor']], { visitor: { identified: false } });
    expect(two.groups.map((g) => g.target)).toEqual(['visitor', null]);
    expect(two.groups[1]!.candidates).toEqual([{ other: 'visitor', reason: 'weak_identifier:anonymous_id' }]);
  });

  it('sends a weak-only ref to the holder of its identifier, or to the group of this batch that claims it', () => {
    const held = plan([ref(device('d9'))], [['device_id', 'd9', 'owner']], { owner: {} });
    expect(held.groups[0]).toMatchObject({ target: 'owner', attach: [] });
    const claimed = plan([ref(device('d7')), ref(phone('+6'), device('d7'))]);
    expect(claimed.refGroup).toEqual([0, 0]);
    expect(claimed.groups).toHaveLength(1);
    expect(claimed.groups[0]).toMatchObject({ refs: [0, 1], target: null, attach: [phone('+6'), device('d7')] });
  });

  it('gives a weak identifier new to the database to the first group claiming it; later ones get a candidate', () => {
    const p = plan([ref(phone('+7'), device('shared')), ref(phone('+8'), device('shared'))]);
    expect(p.groups.map((g) => g.attach)).toEqual([[phone('+7'), device('shared')], [phone('+8')]]);
    expect(p.groups[1]!.candidates).toEqual([{ other: { group: 0 }, reason: 'weak_identifier:device_id' }]);
  });

  it('lets a lookup-only ref follow the holder of its identifier without attaching, hinting or raising candidates', () => {
    const lookup = (...identifiers: PlanRef['identifiers']): PlanRef => ({ identifiers, hints: { name: '访客' }, lookupOnly: true });
    const held = plan([lookup(anon('v1'), device('new-device'))], [['anonymous_id', 'v1', 'owner']], { owner: {} });
    expect(held.refGroup).toEqual([0]);
    expect(held.groups).toEqual([{ refs: [0], target: 'owner', merges: [], attach: [], hints: {}, candidates: [], lookup: true }]);
    const twoOwners = plan([lookup(anon('v1'), device('d1'))], [['anonymous_id', 'v1', 'young'], ['device_id', 'd1', 'old']], {
      young: { createdAt: 2 },
      old: { createdAt: 1 },
    });
    expect(twoOwners.groups).toEqual([{ refs: [0], target: 'old', merges: [], attach: [], hints: {}, candidates: [], lookup: true }]);
  });

  it('resolves a lookup-only ref nobody holds to no group, and to the group of this batch that claims its identifier', () => {
    const alone = plan([{ identifiers: [anon('v2')], hints: {}, lookupOnly: true }]);
    expect(alone).toEqual({ groups: [], refGroup: [null] });
    const claimed = plan([
      { identifiers: [anon('v3'), device('extra')], hints: { city: '北京' }, lookupOnly: true },
      ref(phone('+11'), anon('v3')),
    ]);
    expect(claimed.refGroup).toEqual([0, 0]);
    expect(claimed.groups).toEqual([{ refs: [0, 1], target: null, merges: [], attach: [phone('+11'), anon('v3')], hints: {}, candidates: [] }]);
  });

  it('takes the first value of each hint across the refs of a group', () => {
    const p = plan([
      { identifiers: [phone('+9')], hints: { name: '甲' } },
      { identifiers: [phone('+9')], hints: { name: '乙', city: '上海' } },
    ]);
    expect(p.groups[0]!.hints).toEqual({ name: '甲', city: '上海' });
  });

  it('resolves a ref by id and merges a strong match to another profile into the older one', () => {
    const p = plan([{ customerId: 'known', identifiers: [phone('+10')], hints: {} }], [['phone', '+10', 'older']], {
      known: { createdAt: 5 },
      older: { createdAt: 1 },
    });
    expect(p.groups[0]).toMatchObject({ target: 'older', merges: [{ absorbedId: 'known', linkType: 'id', linkValue: 'known' }] });
  });
});
