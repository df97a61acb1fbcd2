import { describe, expect, it } from 'vitest';
import { localDate, parseInstant } from './clock.js';

describe('parseInstant', () => {
  it('keeps an explicit offset', () => {
    expect(parseInstant('2025-11-01T10:00:00+08:00', 'Asia/Shanghai')?.toISOString()).toBe('2025-11-01T02:00:00.000Z');
    expect(parseInstant('2025-11-01T10:00:00Z', 'Asia/Shanghai')?.toISOString()).toBe('2025-11-01T10:00:00.000Z');
    expect(parseInstant('2025-11-01T10:00:00.5-05:00', 'Asia/Shanghai')?.toISOString()).toBe('2025-11-01T15:00:00.500Z');
  });

  it('reads a local date-time and a date in the business zone', () => {
    expect(parseInstant('2025-11-01T10:00:00', 'Asia/Shanghai')?.toISOString()).toBe('2025-11-01T02:00:00.000Z');
    expect(parseInstant('2025-11-01 00:30', 'Asia/Shanghai')?.toISOString()).toBe('2025-10-31T16:30:00.000Z');
    expect(parseInstant('2025-11-01', 'Asia/Shanghai')?.toISOString()).toBe('2025-10-31T16:00:00.000Z');
    expect(parseInstant('2025-07-01T12:00:00.123', 'Europe/London')?.toISOString()).toBe('2025-07-01T11:00:00.123Z');
    expect(parseInstant('2025-01-01T12:00:00', 'Europe/London')?.toISOString()).toBe('2025-01-01T12:00:00.000Z');
  });

  it('settles times next to a DST change', () => {
    // New York falls back at 02:00 EDT on 2025-11-02 and springs forward at 02:00 EST on 2025-03-09.
    expect(parseInstant('2025-11-02T03:00:00', 'America/New_York')?.toISOString()).toBe('2025-11-02T08:00:00.000Z');
    expect(parseInstant('2025-03-09T03:30:00', 'America/New_York')?.toISOString()).toBe('2025-03-09T07:30:00.000Z');
    expect(parseInstant('2025-03-09T01:30:00', 'America/New_York')?.toISOString()).toBe('2025-03-09T06:30:00.000Z');
  });

  it('refuses text that is not a date or names an impossible day', () => {
    expect(parseInstant('yesterday', 'Asia/Shanghai')).toBeUndefined();
    expect(parseInstant('2025-02-30', 'Asia/Shanghai')).toBeUndefined();
    expect(parseInstant('2025-13-01T00:00:00', 'Asia/Shanghai')).toBeUndefined();
    expect(parseInstant('2025-11-01T24:00:00', 'Asia/Shanghai')).toBeUndefined();
  });

  it('agrees with localDate on the business day', () => {
    const at = parseInstant('2025-11-01T23:59:59', 'Asia/Shanghai')!;
    expect(localDate(at, 'Asia/Shanghai')).toBe('2025-11-01');
    expect(localDate(new Date(at.getTime() + 1000), 'Asia/Shanghai')).toBe('2025-11-02');
  });
});

describe('parseInstant across many hours', () => {
  it('gives the same answers as a direct computation on both sides of DST changes', () => {
    // Every half hour through New York's 2025 spring-forward and fall-back days, twice (cold, then cached).
    const expected = new Map<string, string>();
    for (const day of ['2025-03-08', '2025-03-09', '2025-11-01', '2025-11-02']) {
      for (let m = 0; m < 24 * 60; m += 30) {
        const text = `${day}T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`;
        const first = parseInstant(text, 'America/New_York')!.toISOString();
        expected.set(text, first);
      }
    }
    for (const [text, iso] of expected) expect(parseInstant(text, 'America/New_York')!.toISOString()).toBe(iso);
    expect(expected.get('2025-11-02T00:30:00')).toBe('2025-11-02T04:30:00.000Z');
    expect(expected.get('2025-11-02T03:00:00')).toBe('2025-11-02T08:00:00.000Z');
    expect(expected.get('2025-03-09T01:30:00')).toBe('2025-03-09T06:30:00.000Z');
    expect(expected.get('2025-03-09T04:00:00')).toBe('2025-03-09T08:00:00.000Z');
  });
});
