import { describe, expect, it } from 'vitest';
import { csat, csatFromCounts, nps, npsCategory, npsFromCounts, ratio, responseRate } from './scores.js';

describe('NPS', () => {
  it('10 answers: 5 promoters, 2 passives, 3 detractors → exactly 20.0', () => {
    expect(nps([10, 10, 9, 9, 8, 7, 6, 5, 10, 3])).toEqual({ n: 10, promoters: 5, passives: 2, detractors: 3, nps: 20 });
  });

  it('the category edges: 9 promotes, 8 and 7 are passive, 6 and 0 detract', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
    expect(() => npsCategory(11)).toThrow(RangeError);
    expect(() => npsCategory(-1)).toThrow(RangeError);
    expect(() => npsCategory(7.5)).toThrow(RangeError);
  });

  it('all promoters 100, all detractors −100, only passives 0, none null', () => {
    expect(nps([9, 10, 10]).nps).toBe(100);
    expect(nps([0, 6, 3]).nps).toBe(-100);
    expect(nps([7, 8]).nps).toBe(0);
    expect(nps([])).toEqual({ n: 0, promoters: 0, passives: 0, detractors: 0, nps: null });
  });

  it('one decimal, half away from zero', () => {
    expect(nps([10, 10, 0]).nps).toBe(33.3); // 1/3
    expect(nps([10, 0, 0]).nps).toBe(-33.3);
    expect(nps([10, 10, 0, 7, 7, 7]).nps).toBe(16.7); // 1/6 = 16.666…
    // 1/16 = 6.25 % → 6.3; −1/16 → −6.3
    expect(npsFromCounts({ promoters: 1, passives: 15, detractors: 0 }).nps).toBe(6.3);
    expect(npsFromCounts({ promoters: 0, passives: 15, detractors: 1 }).nps).toBe(-6.3);
    expect(npsFromCounts({ promoters: 6, passives: 2, detractors: 4 }).nps).toBe(16.7);
  });
});

describe('CSAT', () => {
  it('% of 4–5 and the mean', () => {
    expect(csat([5, 4, 3, 5, 4, 2, 1, 5, 4, 3])).toEqual({ n: 10, satisfied: 6, sum: 36, csat: 60, mean: 3.6 });
    expect(csat([5, 5, 4])).toEqual({ n: 3, satisfied: 3, sum: 14, csat: 100, mean: 4.67 });
    expect(csat([1, 5])).toEqual({ n: 2, satisfied: 1, sum: 6, csat: 50, mean: 3 });
    expect(csatFromCounts({ n: 0, satisfied: 0, sum: 0 })).toEqual({ n: 0, satisfied: 0, sum: 0, csat: null, mean: null });
    expect(() => csat([0])).toThrow(RangeError);
    expect(() => csat([6])).toThrow(RangeError);
  });
});

describe('response rate and rounding', () => {
  it('responded / sent in %', () => {
    expect(responseRate(12, 16)).toBe(75);
    expect(responseRate(10, 12)).toBe(83.3);
    expect(responseRate(1, 3)).toBe(33.3);
    expect(responseRate(2, 3)).toBe(66.7);
    expect(responseRate(0, 0)).toBeNull();
  });

  it('ratio rounds exact halves away from zero and keeps no −0', () => {
    expect(ratio(1, 8, 2)).toBe(0.13); // 0.125
    expect(ratio(-1, 8, 2)).toBe(-0.13);
    expect(ratio(1005, 1000, 2)).toBe(1.01);
    expect(Object.is(ratio(-1, 1000, 1), 0)).toBe(true);
  });
});
