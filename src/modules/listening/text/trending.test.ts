import { describe, expect, it } from 'vitest';
import { countTerms, heat, logLikelihood, trendingTerms } from './trending.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

// C = P = 100. 快递 30 vs 10: E = 20, 20, 80, 80, G² = 2(30 ln 1.5 + 10 ln 0.5 + 70 ln 0.875 + 90 ln 1.125) = 12.972.
// 退款 12 vs 0: E = 6, 6, 94, 94, G² = 2(12 ln 2 + 88 ln(88/94) + 100 ln(100/94)) = 17.402.
// 质量 is level, 客服 falls. V = 5 terms, so ratio(快递) = (31/105)/(11/105) = 2.818, ratio(退款) = 13/1 = 13.
const current = new Map([['快递', 30], ['退款', 12], ['质量', 20], ['客服', 38]]);
const previous = new Map([['快递', 10], ['质量', 20], ['客服', 62], ['价格', 8]]);

describe('trendingTerms', () => {
  it('ranks the rising terms by Dunning’s G², with add-one smoothed ratios', () => {
    const rising = trendingTerms(current, previous);
    expect(rising.map((t) => ({ ...t, ratio: round3(t.ratio), score: round3(t.score) }))).toEqual([
      { term: '退款', count: 12, previous: 0, ratio: 13, score: 17.402 },
      { term: '快递', count: 30, previous: 10, ratio: 2.818, score: 12.972 },
    ]);
  });

  it('honours minCount, limit and given totals', () => {
    expect(trendingTerms(current, previous, { minCount: 13 }).map((t) => t.term)).toEqual(['快递']);
    expect(trendingTerms(current, previous, { limit: 1 }).map((t) => t.term)).toEqual(['退款']);
    // Against 200 previous mentions, 客服's 38 of 100 now beats 62 of 200 before.
    expect(trendingTerms(current, previous, { previousTotal: 200 }).map((t) => t.term)).toEqual(['快递', '退款', '质量', '客服']);
  });

  it('finds nothing rising against an empty previous period', () => {
    expect(trendingTerms(current, new Map())).toEqual([]);
  });

  it('refuses bad counts and totals, naming them', () => {
    expect(() => trendingTerms(new Map([['a', -1]]), previous)).toThrow("trendingTerms: current['a'] must be a non-negative integer, not -1");
    expect(() => trendingTerms(current, previous, { currentTotal: 10 })).toThrow('trendingTerms: options.currentTotal (10) is smaller than a count in current (38)');
    expect(() => trendingTerms(current, previous, { minCount: 0 })).toThrow('trendingTerms: options.minCount must be a positive integer, not 0');
  });
});

describe('logLikelihood', () => {
  it('is 0 for equal shares and symmetric in the two periods', () => {
    expect(logLikelihood(20, 20, 100, 100)).toBe(0);
    expect(round3(logLikelihood(8, 2, 100, 100))).toBe(4.044);
    expect(round3(logLikelihood(2, 8, 100, 100))).toBe(4.044);
  });
});

describe('countTerms', () => {
  it('counts each term once per token list (document frequency)', () => {
    expect(countTerms([['物流', '慢', '物流'], ['物流'], []])).toEqual(new Map([['物流', 2], ['慢', 1]]));
    expect(() => countTerms(['物流' as unknown as string[]])).toThrow('countTerms: tokenLists[0] must be an array of strings');
  });
});

describe('heat', () => {
  it('gives the top terms with shares of the total and weights scaled to the hottest', () => {
    expect(heat(current, { limit: 3 })).toEqual([
      { term: '客服', count: 38, share: 0.38, weight: 1 },
      { term: '快递', count: 30, share: 0.3, weight: 30 / 38 },
      { term: '质量', count: 20, share: 0.2, weight: 20 / 38 },
    ]);
    expect(heat(new Map([['b', 1], ['a', 1]]), { total: 4 })).toEqual([
      { term: 'a', count: 1, share: 0.25, weight: 1 },
      { term: 'b', count: 1, share: 0.25, weight: 1 },
    ]);
    expect(heat(new Map())).toEqual([]);
  });
});
