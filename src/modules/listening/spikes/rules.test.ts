import { describe, expect, it } from 'vitest';
import { assessRule, evaluateRule, parseSpikeRule, scan, spikeRuleSchema, type SpikeFinding, type SpikeRule } from './rules.js';
import { HourlySeries, type HourBucket } from './series.js';
import { buildSeries, mulberry32, poisson, shanghai, type HourCounts } from './test-support.js';

const VOLUME: SpikeRule = { id: 'volume-500', metric: 'volume' }; // +500 % in 1 h, ≥ 20 mentions, p < 0.001

/** Every window end of days [from, to): local 01:00 of `from` up to 00:00 of `to`. */
function hourlyEnds(from: number, to: number): Date[] {
  return Array.from({ length: (to - from) * 24 }, (_, i) => shanghai(from, i + 1));
}

function findingsOver(rules: SpikeRule[], series: HourlySeries, ends: Date[]): SpikeFinding[] {
  return ends.flatMap((at) => scan(series, rules, at));
}

// ~10 mentions an hour in the day with a daily rhythm, a weekday effect (Mon … Sun), one negative an hour.
const RHYTHM = (h: number) => (h < 7 ? 4 : h < 9 ? 8 : h < 18 ? 10 : h < 22 ? 14 : 6);
const WEEKDAY = [1, -1, 2, 0, -2, 1, -1];
const steady = (d: number, h: number): HourCounts => ({ mentions: RHYTHM(h) + WEEKDAY[d % 7]!, negatives: 1 });
/** Five weeks of the rhythm with one hour replaced: 15:00 on day 31, a Thursday (weekday effect 0). */
const withSpikeOf = (mentions: number) =>
  HourlySeries.from(buildSeries(35, (d, h) => (d === 31 && h === 15 ? { mentions, negatives: Math.round(mentions / 10) } : steady(d, h))));

describe('volume rule on a seasonal series', () => {
  it('finds exactly the one hour of 70 in the last week: observed 70, expected 10, +600 %', () => {
    // At 15:00 the 14 previous days read 10 + their weekday effect, each weekday twice: 8 8 9 9 9 9 10 10 11 11 11 11
    // 12 12 → median 10; the 4 previous Thursdays read 10 → median 10. expected = (10 + 10) / 2 = 10.
    // The 16 sample windows (14 days + 2 older Thursdays) hold 160 mentions and 16 negatives: baseline share 0.1.
    const findings = findingsOver([VOLUME], withSpikeOf(70), hourlyEnds(28, 35));
    expect(findings).toEqual([
      {
        ruleId: 'volume-500', metric: 'volume', windowStart: shanghai(31, 15), windowEnd: shanghai(31, 16),
        observed: 70, expected: 10, increasePct: 600, pValue: expect.closeTo(4.4097922950757486973e-35, 45),
        mentions: 70, negatives: 7, negativeShare: 0.1, baselineShare: 0.1, samples: 16,
      },
    ]);
  });

  it('stays silent at 55 (+450 % < +500 %), though the count and the p-value pass', () => {
    const series = withSpikeOf(55);
    expect(findingsOver([VOLUME], series, hourlyEnds(28, 35))).toEqual([]);
    const a = assessRule(VOLUME, series, shanghai(31, 16));
    expect(a.failed).toEqual(['increase']);
    expect(a.finding).toMatchObject({ observed: 55, expected: 10, increasePct: 450 });
    expect(a.finding.pValue).toBeCloseTo(4.3496123149386042288e-23, 33);
  });

  it('scan evaluates every rule of the scope: a 2-hour rule sees 10 + 70 against 20 (+300 %)', () => {
    const twoHours: SpikeRule = { id: 'volume-2h', metric: 'volume', windowMinutes: 120, increasePct: 200 };
    const found = scan(withSpikeOf(70), [VOLUME, twoHours], shanghai(31, 16));
    expect(found.map((f) => [f.ruleId, f.observed, f.expected, f.increasePct])).toEqual([['volume-500', 70, 10, 600], ['volume-2h', 80, 20, 300]]);
    expect(found[1]!.windowStart).toEqual(shanghai(31, 14));
  });

  it('does not fire on Poisson noise around the rhythm, evaluated at every hour of the last week', () => {
    const random = mulberry32(7);
    const noisy = HourlySeries.from(buildSeries(35, (_, h) => poisson(random, RHYTHM(h))));
    expect(findingsOver([VOLUME], noisy, hourlyEnds(28, 35))).toEqual([]);
  });
});

describe('low counts', () => {
  // Five weeks of Poisson(0.2) an hour (each mention negative with probability ½); in the last week every 11th hour
  // that was empty jumps to 3 mentions, all negative.
  const random = mulberry32(2026);
  const jumps: Date[] = [];
  const buckets: HourBucket[] = buildSeries(35, (d, h) => {
    const mentions = poisson(random, 0.2);
    if (d >= 28 && mentions === 0 && (d * 24 + h) % 11 === 0) {
      jumps.push(shanghai(d, h + 1));
      return { mentions: 3, negatives: 3 };
    }
    return { mentions, negatives: Array.from({ length: mentions }, () => random()).filter((u) => u < 0.5).length };
  });
  const series = HourlySeries.from(buckets, { historyStart: shanghai(0, 0) });
  const rules: SpikeRule[] = [VOLUME, { id: 'negative-share', metric: 'negative_share', increasePct: 200 }];

  it('gives zero findings over every hour of the last week, for volume and negative share', () => {
    expect(jumps.length).toBeGreaterThanOrEqual(10);
    expect(findingsOver(rules, series, hourlyEnds(28, 35))).toEqual([]);
  });

  it('every 0 → 3 jump fails both the minimum count and the p-value, though most pass +500 %', () => {
    const verdicts = jumps.map((at) => assessRule(VOLUME, series, at));
    for (const v of verdicts) expect(v.failed).toEqual(expect.arrayContaining(['minCount', 'pValue']));
    expect(verdicts.filter((v) => !v.failed.includes('increase')).length).toBeGreaterThan(jumps.length / 2);
  });

  it('stays silent even with minCount 1: the p-value alone stops the noise', () => {
    expect(findingsOver([{ ...VOLUME, minCount: 1 }], series, hourlyEnds(28, 35))).toEqual([]);
  });

  it('works the README arithmetic: an empty history, then 3 mentions → +500 % over the 0.5 floor, p = 0.0144', () => {
    const quietThenThree = HourlySeries.from([{ hour: shanghai(28, 10), mentions: 3, negatives: 0 }], { historyStart: shanghai(0, 0) });
    const a = assessRule(VOLUME, quietThenThree, shanghai(28, 11));
    expect(a.finding).toMatchObject({ observed: 3, expected: 0.5, increasePct: 500 });
    // P(X ≥ 3 | 0.5) = 1 − e^−0.5 (1 + 0.5 + 0.125)
    expect(a.finding.pValue).toBeCloseTo(0.014387677966970686644, 15);
    expect(a.failed).toEqual(['minCount', 'pValue']);
  });
});

describe('seasonality', () => {
  // Nights (00–06) 5 an hour, days 10, and 30 at 20:00 — six times the night — for four weeks; day 28 the same,
  // plus 30 at 04:00.
  const series = HourlySeries.from(buildSeries(29, (d, h) => (h === 20 || (d === 28 && h === 4) ? 30 : h < 7 ? 5 : 10)));

  it('does not fire at the usual 20:00 peak: the baseline knows the hour', () => {
    const a = assessRule(VOLUME, series, shanghai(28, 21));
    expect(a.finding).toMatchObject({ observed: 30, expected: 30, increasePct: 0 });
    expect(a.failed).toEqual(['increase', 'pValue']);
  });

  it('fires on the same 30 at 04:00: 30 ≥ 5 × (1 + 500 %), p = P(X ≥ 30 | 5)', () => {
    const f = evaluateRule(VOLUME, series, shanghai(28, 5));
    expect(f).toMatchObject({ windowStart: shanghai(28, 4), observed: 30, expected: 5, increasePct: 500, samples: 16 });
    expect(f!.pValue).toBeCloseTo(2.8175176155779225599e-14, 24);
  });
});

describe('negative share', () => {
  // Four weeks of 75 mentions an hour, 6 negative (8 %); day 28 at 10:00 the share jumps to 45 %.
  const withHour = (mentions: number, negatives: number) =>
    HourlySeries.from(buildSeries(29, (d, h) => (d === 28 && h === 10 ? { mentions, negatives } : { mentions: 75, negatives: 6 })));
  const SHARE: SpikeRule = { id: 'share', metric: 'negative_share', increasePct: 200, minNegativeShare: 0.3 };

  it('fires at 36 of 80 (45 % ≥ 0.3 and ≥ 8 % × 3), p = P(X ≥ 36 | 80, 0.08)', () => {
    const series = withHour(80, 36);
    const f = evaluateRule(SHARE, series, shanghai(28, 11));
    expect(f).toMatchObject({ ruleId: 'share', metric: 'negative_share', windowStart: shanghai(28, 10), observed: 36, mentions: 80, negatives: 36, negativeShare: 0.45, baselineShare: 0.08, samples: 16 });
    expect(f!.expected).toBeCloseTo(6.4, 12);
    expect(f!.increasePct).toBeCloseTo(462.5, 9);
    expect(f!.pValue).toBeCloseTo(6.6777062009530900013e-19, 29);
    expect(evaluateRule(VOLUME, series, shanghai(28, 11))).toBeNull(); // 80 against 75 is no volume spike
  });

  it('does not fire at 4 of 8 (50 %): too few mentions, and P(X ≥ 4 | 8, 0.08) = 0.0022 ≥ 0.001', () => {
    const series = withHour(8, 4);
    const a = assessRule(SHARE, series, shanghai(28, 11));
    expect(a.failed).toEqual(['minCount', 'pValue']);
    expect(a.finding.pValue).toBeCloseTo(0.002203300397056, 14);
    expect(evaluateRule({ ...SHARE, minCount: 1 }, series, shanghai(28, 11))).toBeNull();
  });

  it('needs the minimum share too: 25 % of 200 is +212 % over 8 % but under 30 %', () => {
    const a = assessRule(SHARE, withHour(200, 50), shanghai(28, 11));
    expect(a.failed).toEqual(['minNegativeShare']);
    expect(evaluateRule({ ...SHARE, minNegativeShare: 0.2 }, withHour(200, 50), shanghai(28, 11))).not.toBeNull();
  });
});

describe('rule validation', () => {
  it('fills the defaults', () => {
    expect(parseSpikeRule({ id: 'r', metric: 'volume' })).toEqual({ id: 'r', metric: 'volume', windowMinutes: 60, increasePct: 500, minCount: 20, alpha: 0.001, minNegativeShare: 0.3 });
  });

  it('names every bad field', () => {
    expect(() => parseSpikeRule({ id: 'r', metric: 'volume', windowMinutes: 90, increasePct: 0, alpha: 0.5, minCount: 2.5 })).toThrow(
      "spike rule 'r': windowMinutes: must be a positive multiple of 60; increasePct: must be above 0 (percent over the baseline); minCount: must be an integer; alpha: must be in (0, 0.5)",
    );
    expect(() => parseSpikeRule({ id: 'r', metric: 'mentions' })).toThrow("spike rule 'r': metric: must be 'volume' or 'negative_share'");
    expect(() => parseSpikeRule({ id: 'r', metric: 'volume', windowMinutes: 2880 })).toThrow('windowMinutes: must be at most 1440');
    expect(() => parseSpikeRule({ id: 'r', metric: 'negative_share', minNegativeShare: 1.2 })).toThrow('minNegativeShare: must be in [0, 1]');
    expect(() => parseSpikeRule({ id: 'r', metric: 'volume', increasePercent: 500 })).toThrow("spike rule 'r': increasePercent: unknown field");
    expect(() => parseSpikeRule({ metric: 'volume' })).toThrow('spike rule: id: must be a string');
    expect(() => parseSpikeRule(null)).toThrow('spike rule: a rule must be an object');
    expect(spikeRuleSchema.safeParse({ id: 'r', metric: 'volume', alpha: 0 }).error?.issues[0]).toMatchObject({ path: ['alpha'], message: 'must be in (0, 0.5)' });
  });

  it('scan names the rule by its index and refuses a repeated id', () => {
    const s = withSpikeOf(70);
    expect(() => scan(s, [VOLUME, { id: 'x', metric: 'volume', alpha: 2 }], shanghai(31, 16))).toThrow("rules[1] 'x': alpha: must be in (0, 0.5)");
    expect(() => scan(s, [VOLUME, VOLUME], shanghai(31, 16))).toThrow("rules[1].id: 'volume-500' repeats rules[0]");
  });

  it('takes the series as buckets with a declared history start', () => {
    const buckets = buildSeries(29, (d, h) => (d === 28 && h === 4 ? 30 : 5));
    expect(evaluateRule(VOLUME, { buckets, historyStart: shanghai(0, 0) }, shanghai(28, 5), 'Asia/Shanghai')).toMatchObject({ observed: 30, expected: 5 });
  });
});
