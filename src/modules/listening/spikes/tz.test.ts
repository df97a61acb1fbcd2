import { describe, expect, it } from 'vitest';
import { localClock, shiftLocalDays } from './tz.js';

const at = (iso: string) => new Date(iso);
const shifted = (iso: string, days: number, tz: string) => shiftLocalDays(at(iso), days, tz)?.toISOString() ?? null;

describe('localClock', () => {
  it('reads the hour, ISO weekday, date and offset in Shanghai (UTC+8, no DST)', () => {
    expect(localClock(at('2026-11-24T16:00:00Z'), 'Asia/Shanghai')).toEqual({ hour: 0, minute: 0, weekday: 3, date: '2026-11-25', offsetMinutes: 480 });
    expect(localClock(at('2026-11-29T15:30:00Z'), 'Asia/Shanghai')).toEqual({ hour: 23, minute: 30, weekday: 7, date: '2026-11-29', offsetMinutes: 480 });
  });

  it('follows Berlin across the spring change (02:00 CET → 03:00 CEST on 29 March 2026)', () => {
    expect(localClock(at('2026-03-29T00:30:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 1, offsetMinutes: 60, weekday: 7 });
    expect(localClock(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 3, offsetMinutes: 120 });
  });

  it('reads the repeated autumn hour twice (03:00 CEST → 02:00 CET on 25 October 2026)', () => {
    expect(localClock(at('2026-10-25T00:30:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 2, offsetMinutes: 120 });
    expect(localClock(at('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 2, offsetMinutes: 60 });
  });

  it('refuses an unknown zone naming tz', () => {
    expect(() => localClock(at('2026-01-01T00:00:00Z'), 'Mars/Olympus')).toThrow("tz: unknown time zone 'Mars/Olympus'");
  });
});

describe('shiftLocalDays', () => {
  it('is 24 h × days in a zone without DST', () => {
    expect(shifted('2026-11-24T16:00:00Z', -1, 'Asia/Shanghai')).toBe('2026-11-23T16:00:00.000Z');
    expect(shifted('2026-11-24T16:00:00Z', -28, 'Asia/Shanghai')).toBe('2026-10-27T16:00:00.000Z');
  });

  it('keeps the wall-clock hour across Berlin’s spring change: 23 h back over a short day, none in the skipped hour', () => {
    // 03:00 CEST on the 30th → 03:00 CEST on the 29th (just after the change): 24 h.
    expect(shifted('2026-03-30T01:00:00Z', -1, 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
    // 01:00 CEST on the 30th → 01:00 CET on the 29th: the day between is 23 h long.
    expect(shifted('2026-03-29T23:00:00Z', -1, 'Europe/Berlin')).toBe('2026-03-29T00:00:00.000Z');
    // 02:00 on the 29th does not exist.
    expect(shifted('2026-03-30T00:00:00Z', -1, 'Europe/Berlin')).toBeNull();
    // Forward over the change: 01:00 CET on the 28th + 2 days → 01:00 CEST on the 30th (47 h).
    expect(shifted('2026-03-28T00:00:00Z', 2, 'Europe/Berlin')).toBe('2026-03-29T23:00:00.000Z');
  });

  it('keeps the wall-clock hour across Berlin’s autumn change: 25 h back over a long day', () => {
    // 00:00 CET on the 26th → 00:00 CEST on the 25th.
    expect(shifted('2026-10-25T23:00:00Z', -1, 'Europe/Berlin')).toBe('2026-10-24T22:00:00.000Z');
    // 03:00 CET on the 26th → 03:00 CET on the 25th (after the change): 24 h.
    expect(shifted('2026-10-26T02:00:00Z', -1, 'Europe/Berlin')).toBe('2026-10-25T02:00:00.000Z');
    // The 25th shows 02:00 twice: the one exactly 24 h away is taken, from either side.
    expect(shifted('2026-10-26T01:00:00Z', -1, 'Europe/Berlin')).toBe('2026-10-25T01:00:00.000Z');
    expect(shifted('2026-10-24T00:00:00Z', 1, 'Europe/Berlin')).toBe('2026-10-25T00:00:00.000Z');
  });
});
