import { describe, expect, it } from 'vitest';
import { median, seasonalBaseline } from './baseline.js';
import { HourlySeries, type HourBucket } from './series.js';
import { buildSeries, shanghai } from './test-support.js';
import { localClock } from './tz.js';

// Day 0 is a Monday. Weekday effect Mon … Sun; the hour 15:00 has 10 mentions + that effect, every other hour 3 + it.
const WEEKDAY = [1, -1, 2, 0, -2, 1, -1];
const counts = (day: number, hour: number) => ({ mentions: (hour === 15 ? 10 : 3) + WEEKDAY[day % 7]!, negatives: 1 });

describe('seasonalBaseline', () => {
  it('blends the median of the same hour over 14 days with the median of the same hour and weekday over 4 weeks', () => {
    // Window 15:00–16:00 on day 30, a Wednesday (+2). Days 16–29 hold each weekday twice at 15:00:
    // 8 8 9 9 9 9 10 10 11 11 11 11 12 12 → median 10. Wednesdays 23, 16, 9, 2: 12 12 12 12 → median 12.
    // expected = (10 + 12) / 2 = 11; samples = 14 days + days 9 and 2 (days 23 and 16 are already in) = 16.
    const series = buildSeries(31, counts);
    const b = seasonalBaseline(series, shanghai(30, 16));
    expect(b).toEqual({ expected: 11, expectedNegShare: 16 / (140 + 12 + 12), samples: 16, source: 'seasonal' });
  });

  it('never reads the current window, and a past spike barely moves the median', () => {
    const current = buildSeries(31, (d, h) => (d === 30 && h === 15 ? { mentions: 1000, negatives: 900 } : counts(d, h)));
    expect(seasonalBaseline(current, shanghai(30, 16)).expected).toBe(11);
    // Day 29 (a Tuesday, 9) at 500: the daily list becomes 8 8 9 9 9 10 10 11 11 11 11 12 12 500 → 10.5, so 11.25
    // (a mean of the 14 days would have gone from 10 to 45.1).
    const spiked = buildSeries(31, (d, h) => (d === 29 && h === 15 ? { mentions: 500, negatives: 1 } : counts(d, h)));
    expect(seasonalBaseline(spiked, shanghai(30, 16)).expected).toBe(11.25);
  });

  it('sums windows longer than an hour: 14:00–16:00 is 13 + 2 × the weekday effect → (13 + 17) / 2', () => {
    expect(seasonalBaseline(buildSeries(31, counts), shanghai(30, 16), { windowHours: 2 }).expected).toBe(15);
  });

  it('uses what exists at the start of history: 3 days → the median of 3 samples', () => {
    // Days 0–2 at 15:00: 11, 9, 12 → 11; no weekly sample yet.
    expect(seasonalBaseline(buildSeries(3, counts), shanghai(3, 16))).toMatchObject({ expected: 11, samples: 3, source: 'seasonal' });
  });

  it('falls back to the mean hourly rate of the history when no seasonal sample exists, then to the floor', () => {
    // History from day 3 10:00 (a Thursday, effect 0): five hours of 3 before the window 15:00–16:00.
    const hours: HourBucket[] = [10, 11, 12, 13, 14].map((h) => ({ hour: shanghai(3, h), mentions: 3, negatives: 1 }));
    expect(seasonalBaseline(hours, shanghai(3, 16))).toEqual({ expected: 3, expectedNegShare: 5 / 15, samples: 0, source: 'history_mean' });
    expect(seasonalBaseline([], shanghai(3, 16))).toEqual({ expected: 0.5, expectedNegShare: 0.01, samples: 0, source: 'none' });
    expect(seasonalBaseline([], shanghai(3, 16), { windowHours: 3, floorPerHour: 0.25 }).expected).toBe(0.75);
  });

  it('floors an empty history at 0.5 mentions per hour and the negative share at 1 %', () => {
    // Four weeks declared, nothing said: every sample is 0.
    const quiet = HourlySeries.from([], { historyStart: shanghai(0, 0) });
    expect(seasonalBaseline(quiet, shanghai(28, 16))).toEqual({ expected: 0.5, expectedNegShare: 0.01, samples: 16, source: 'seasonal' });
  });

  it('keeps the local hour across a DST change (Europe/Berlin, 29 March 2026)', () => {
    // 50 mentions at 09:00 Berlin time, 5 at every other hour, 1 March – 4 April.
    const buckets: HourBucket[] = [];
    for (let ms = Date.parse('2026-03-01T00:00:00Z'); ms < Date.parse('2026-04-05T00:00:00Z'); ms += 3_600_000) {
      const hour = new Date(ms);
      buckets.push({ hour, mentions: localClock(hour, 'Europe/Berlin').hour === 9 ? 50 : 5, negatives: 0 });
    }
    // Window 09:00–10:00 CEST on 2 April. Stepping back 24 h in UTC would read 08:00 CET before the change (5s).
    expect(seasonalBaseline(buckets, new Date('2026-04-02T08:00:00Z'), { tz: 'Europe/Berlin' })).toMatchObject({ expected: 50, samples: 16 });
  });

  it('refuses bad input naming the field', () => {
    const s = buildSeries(2, counts);
    expect(() => seasonalBaseline(s, new Date('2026-10-27T16:30:00Z'))).toThrow('at: must be a Date on a whole hour');
    expect(() => seasonalBaseline(s, shanghai(2, 0), { weeks: -1 })).toThrow('weeks: must be an integer from 0 to 52 (got -1)');
    expect(() => seasonalBaseline(s, shanghai(2, 0), { windowHours: 25 })).toThrow('windowHours: must be an integer from 1 to 24 (got 25)');
    expect(() => seasonalBaseline(s, shanghai(2, 0), { floorPerHour: 0 })).toThrow('floorPerHour: must be above 0 (got 0)');
    expect(() => seasonalBaseline(s, shanghai(2, 0), { tz: 'Nowhere/Town' })).toThrow("tz: unknown time zone 'Nowhere/Town'");
  });
});

describe('HourlySeries', () => {
  const h = (iso: string) => new Date(iso);

  it('fills gaps with zeros and sums windows', () => {
    const s = HourlySeries.from([
      { hour: h('2026-01-01T05:00:00Z'), mentions: 7, negatives: 2 },
      { hour: h('2026-01-01T02:00:00Z'), mentions: 4, negatives: 1 },
    ]);
    expect(s.sum(Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T04:00:00Z'))).toEqual({ mentions: 4, negatives: 1 });
    expect(s.sum(Date.parse('2026-01-01T02:00:00Z'), Date.parse('2026-01-02T00:00:00Z'))).toEqual({ mentions: 11, negatives: 3 });
    expect(s.covers(Date.parse('2026-01-01T01:00:00Z'))).toBe(false);
    expect(s.covers(Date.parse('2026-01-01T02:00:00Z'))).toBe(true);
  });

  it('refuses bad buckets naming series[i].field', () => {
    const ok = { hour: h('2026-01-01T00:00:00Z'), mentions: 3, negatives: 1 };
    expect(() => HourlySeries.from([ok, { ...ok, hour: h('2026-01-01T00:15:00Z') }])).toThrow('series[1].hour: not the start of an hour (2026-01-01T00:15:00.000Z)');
    expect(() => HourlySeries.from([ok, ok])).toThrow('series[1].hour: 2026-01-01T00:00:00.000Z repeats series[0]');
    expect(() => HourlySeries.from([{ ...ok, mentions: 2.5 }])).toThrow('series[0].mentions: must be a non-negative integer (got 2.5)');
    expect(() => HourlySeries.from([{ ...ok, negatives: 4 }])).toThrow('series[0].negatives: 4 is more than the 3 mentions');
    expect(() => HourlySeries.from([{ ...ok, hour: h('nonsense') }])).toThrow('series[0].hour: not a valid Date');
    expect(() => HourlySeries.from([ok], { historyStart: h('2026-01-01T01:00:00Z') })).toThrow('historyStart: after the earliest bucket');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
