import { describe, expect, it } from 'vitest';
import { backtest, forecastSeries, maseScale, seasonalNaive, toSeries, type Series } from './model.js';
import { addDays } from './holidays.js';

/** 2024-01-01 is a Monday. */
const PATTERN = [10, 12, 14, 16, 30, 50, 40];
const weekly = (days: number, start = '2024-01-01'): Series => ({ granularity: 'day', start, values: Array.from({ length: days }, (_, i) => PATTERN[i % 7]!) });

describe('forecastSeries', () => {
  it('forecasts a pure weekly pattern exactly, with a zero-width interval', () => {
    const f = forecastSeries(weekly(70), { horizon: 14 });
    expect(f.model.method).toBe('regression');
    expect(f.model.terms).toEqual(['intercept', 'trend', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'newYear', 'springFestivalShopping', 'springFestival', 'lantern']);
    expect(f.forecast.map((p) => p.date)).toEqual(Array.from({ length: 14 }, (_, i) => addDays('2024-03-11', i)));
    f.forecast.forEach((p, h) => {
      expect(p.units).toBeCloseTo(PATTERN[h % 7]!, 6);
      expect(p.upper - p.lower).toBeCloseTo(0, 6);
    });
    expect(f.model.notes).toEqual(['no yearly seasonality: 70 days of history, a year is needed']);
  });

  it('learns a holiday bump: 618 in 2023 and 2024 lifts the 2025 forecast on the same days', () => {
    // Two years of the weekly pattern, doubled during 1–18 June 2023 and 2024; the forecast from 2025-05-26 covers 618 2025.
    const start = '2023-05-29';
    const end = '2025-05-25';
    const daily = new Map<string, number>();
    for (let d = start, i = 0; d <= end; d = addDays(d, 1), i++) daily.set(d, PATTERN[i % 7]! * (d.slice(5) >= '06-01' && d.slice(5) <= '06-18' ? 2 : 1));
    const f = forecastSeries(toSeries(daily, start, end, 'day'), { horizon: 28 });
    expect(f.model.fourierK).toBe(3);
    expect(f.model.holidays).toContain('d618');
    // log 2 ≈ 0.69 per day of the window (log1p: a little less), shrunk by the ridge penalty on 18 days.
    expect(f.model.coefficients.d618).toBeGreaterThan(0.6);
    expect(f.model.coefficients.d618).toBeLessThan(Math.log(2));
    const ratio = (date: string) => f.forecast.find((p) => p.date === date)!.units / PATTERN[(Date.parse(date) / 86_400_000 + 3) % 7]!;
    expect(ratio('2025-06-01')).toBeGreaterThan(1.9);
    expect(ratio('2025-06-18')).toBeGreaterThan(1.9);
    expect(ratio('2025-06-19')).toBeCloseTo(1, 1);
    expect(ratio('2025-05-28')).toBeCloseTo(1, 1);
  });

  it('sends an intermittent series to Croston (SBA) and a closed weekday to 0', () => {
    // Sold every 4th open day, never on Saturdays.
    const values = Array.from({ length: 84 }, (_, i) => (i % 7 === 5 ? 0 : i % 4 === 0 ? 8 : 0));
    const f = forecastSeries({ granularity: 'day', start: '2024-01-01', values }, { horizon: 7 });
    expect(f.model.method).toBe('croston');
    expect(f.model.notes[1]).toBe('no demand ever on Saturday: forecast 0 then');
    const sat = f.forecast.find((p) => p.date === '2024-03-30')!;
    expect(sat).toEqual({ date: '2024-03-30', units: 0, lower: 0, upper: 0 });
    const mon = f.forecast.find((p) => p.date === '2024-03-25')!;
    expect(mon.units).toBeCloseTo(f.model.coefficients.rate!, 12);
    expect(f.model.coefficients.rate! / 0.95).toBeCloseTo(f.model.coefficients.size! / f.model.coefficients.interval!, 12);
  });

  it('falls back to the seasonal naive on a week of history, and says why', () => {
    const f = forecastSeries(weekly(10), { horizon: 3 });
    expect(f.model.method).toBe('seasonal-naive');
    expect(f.forecast.map((p) => p.units)).toEqual([16, 30, 50]);
    expect(f.model.notes).toEqual(['10 days of history: too short for a model']);
  });
});

describe('backtest', () => {
  it('the seasonal naive on its own scale has MASE exactly 1 on a series that grows by c a week', () => {
    // y_t = pattern + 3·week: every seasonal difference in and out of sample is 3.
    const values = Array.from({ length: 70 }, (_, i) => PATTERN[i % 7]! + 3 * Math.floor(i / 7));
    expect(maseScale(values, 7)).toBe(3);
    expect(seasonalNaive(values, 7, 3)).toEqual([10 + 27, 12 + 27, 14 + 27]);
    const b = backtest({ granularity: 'day', start: '2024-01-01', values }, { horizon: 7, origins: 4 })!;
    expect(b.origins).toBe(4);
    expect(b.seasonalPeriod).toBe(7);
    expect(b.maseNaive).toBe(1);
    expect(b.maeNaive).toBe(3);
    expect(b.byOrigin.map((o) => [o.date, o.trainPeriods])).toEqual([
      ['2024-02-12', 42],
      ['2024-02-19', 49],
      ['2024-02-26', 56],
      ['2024-03-04', 63],
    ]);
  });

  it('uses only the origins that leave 28 training days, and the naive (m = 1) when no window is longer than a season', () => {
    const b = backtest(weekly(100), { horizon: 28, origins: 5 })!;
    expect(b.origins).toBe(2);
    expect(b.byOrigin.map((o) => o.trainPeriods)).toEqual([44, 72]);
    expect(b.mase).toBeCloseTo(0, 6);
    expect(backtest(weekly(50), { horizon: 28, origins: 3 })).toBeNull();
    const w = backtest({ granularity: 'week', start: '2024-01-01', values: Array.from({ length: 40 }, (_, i) => 100 + i) }, { horizon: 12, origins: 2 })!;
    expect(w.seasonalPeriod).toBe(1);
    expect(w.origins).toBe(2);
    expect(w.maeNaive).toBeCloseTo((12 * 13) / 2 / 12, 12);
  });
});

describe('toSeries', () => {
  it('fills missing days with 0 and keeps whole Monday weeks', () => {
    const daily = new Map([
      ['2024-01-03', 5],
      ['2024-01-08', 2],
      ['2024-01-14', 1],
      ['2024-01-15', 9],
    ]);
    expect(toSeries(daily, '2024-01-03', '2024-01-08', 'day').values).toEqual([5, 0, 0, 0, 0, 2]);
    expect(toSeries(daily, '2024-01-03', '2024-01-20', 'week')).toEqual({ granularity: 'week', start: '2024-01-08', values: [3] });
  });
});
