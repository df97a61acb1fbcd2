import { describe, expect, it } from 'vitest';
import { BadgeInput, periodOf, periodsToAward } from './badges.js';
import { REFERRAL_ALPHABET, newReferralCode, referralLink } from './referral-code.js';

describe('badge periods in the business time zone', () => {
  it('puts 23:30 on 31 May in Shanghai (15:30 UTC) in May', () => {
    expect(periodOf(new Date('2026-05-31T23:30:00+08:00'), 'month', 'Asia/Shanghai')).toBe('2026-05');
  });
  it('puts 00:30 on 1 June in Shanghai (31 May 16:30 UTC) in June', () => {
    expect(periodOf(new Date('2026-05-31T16:30:00Z'), 'month', 'Asia/Shanghai')).toBe('2026-06');
    expect(periodOf(new Date('2026-05-31T16:30:00Z'), 'month', 'UTC')).toBe('2026-05');
  });
  it('years turn at local midnight on 1 January', () => {
    expect(periodOf(new Date('2026-12-31T16:00:00Z'), 'year', 'Asia/Shanghai')).toBe('2027');
    expect(periodOf(new Date('2026-12-31T15:59:59Z'), 'year', 'Asia/Shanghai')).toBe('2026');
    expect(periodOf(new Date('2026-12-31T15:59:59Z'), 'ever', 'Asia/Shanghai')).toBe('ever');
  });
});

describe('periodsToAward', () => {
  it('a one-off badge: the earliest period met, and never again', () => {
    expect(periodsToAward(['2026-06', '2026-05'], [], false)).toEqual(['2026-05']);
    expect(periodsToAward(['2026-06', '2026-05'], ['2026-05'], false)).toEqual([]);
    expect(periodsToAward([], [], false)).toEqual([]);
  });
  it('a repeatable badge: every period met that has no award yet', () => {
    expect(periodsToAward(['2026-07', '2026-05', '2026-06'], ['2026-06'], true)).toEqual(['2026-05', '2026-07']);
  });
});

describe('BadgeInput', () => {
  const base = { code: 'store-regular', name: 'Store regular', rule: { source: 'activity', eventType: 'store_visit', count: 5, period: 'month' } };
  it('fills the defaults', () => {
    expect(BadgeInput.parse(base)).toEqual({ ...base, points: 0, repeatable: false, active: true });
  });
  it('names the field at fault', () => {
    const paths = (v: unknown) => BadgeInput.safeParse(v).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ ...base, rule: { source: 'activity', count: 5, period: 'month' } })).toEqual(['rule.eventType']);
    expect(paths({ ...base, rule: { ...base.rule, count: 0 } })).toEqual(['rule.count']);
    expect(paths({ ...base, rule: { source: 'orders', eventType: 'share', count: 1, period: 'ever' } })).toEqual(['rule.eventType']);
    expect(paths({ ...base, rule: { ...base.rule, period: 'ever' }, repeatable: true })).toEqual(['repeatable']);
    expect(paths({ ...base, rule: { ...base.rule, filter: { category: 'Shoes' } } })).toEqual(['rule.filter.category']);
  });
});

describe('referral codes', () => {
  it('uses no 0, O, 1 or I', () => {
    expect(REFERRAL_ALPHABET).not.toMatch(/[0O1I]/);
    expect(REFERRAL_ALPHABET).toHaveLength(32);
    const code = newReferralCode();
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
    expect(newReferralCode(() => 0)).toBe('22222222');
    expect(newReferralCode(() => 31)).toBe('ZZZZZZZZ');
  });
  it('adds ref to the link, keeping the query it has', () => {
    expect(referralLink('https://shop.example/join', 'ABCD2345')).toBe('https://shop.example/join?ref=ABCD2345');
    expect(referralLink('https://shop.example/join?utm=poster', 'ABCD2345')).toBe('https://shop.example/join?utm=poster&ref=ABCD2345');
  });
});
