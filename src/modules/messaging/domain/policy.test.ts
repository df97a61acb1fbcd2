import { describe, expect, it } from 'vitest';
import { afterQuiet, ageOn, capWindows, clampHour, DEFAULT_POLICY, isQuiet, jitterMinutes, nextUsualHour, policyFromRows, quietEnd, usualHourOf, withinCaps } from './policy.js';

const TZ = 'Asia/Shanghai';
const q = DEFAULT_POLICY.quietHours;
const at = (s: string) => new Date(s);

describe('contact policy', () => {
  it('reads stored rows over the defaults', () => {
    expect(policyFromRows([])).toEqual(DEFAULT_POLICY);
    const p = policyFromRows([
      { key: 'caps', value: { day: 2 } },
      { key: 'quiet_hours', value: { start: '22:30', end: '08:00' } },
      { key: 'consent', value: { model: 'opt_out' } },
      { key: 'channel_order', value: ['sms', 'email'] },
      { key: 'default_hour', value: { hour: 19 } },
    ]);
    expect(p).toEqual({
      caps: { day: 2, week: 3, month: 8 },
      quietHours: { start: '22:30', end: '08:00', service: false },
      consent: 'opt_out',
      channelOrder: ['sms', 'email'],
      defaultHour: 19,
    });
  });

  it('cap windows are the local day, ISO week and month', () => {
    // Wednesday 2026-03-04 01:30 in Shanghai.
    const w = capWindows(at('2026-03-03T17:30:00Z'), TZ);
    expect(w.day.toISOString()).toBe('2026-03-03T16:00:00.000Z');
    expect(w.week.toISOString()).toBe('2026-03-01T16:00:00.000Z');
    expect(w.month.toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(withinCaps({ day: 0, week: 2, month: 7 }, DEFAULT_POLICY.caps)).toBe(true);
    expect(withinCaps({ day: 1, week: 1, month: 1 }, DEFAULT_POLICY.caps)).toBe(false);
    expect(withinCaps({ day: 0, week: 3, month: 3 }, DEFAULT_POLICY.caps)).toBe(false);
    expect(withinCaps({ day: 0, week: 0, month: 8 }, DEFAULT_POLICY.caps)).toBe(false);
  });

  it('quiet hours 21:00–09:00 local, ending at 09:00 plus a stable jitter', () => {
    expect(isQuiet(at('2026-03-04T12:59:00Z'), q, TZ)).toBe(false); // 20:59
    expect(isQuiet(at('2026-03-04T13:00:00Z'), q, TZ)).toBe(true); // 21:00
    expect(isQuiet(at('2026-03-04T00:59:00Z'), q, TZ)).toBe(true); // 08:59
    expect(isQuiet(at('2026-03-04T01:00:00Z'), q, TZ)).toBe(false); // 09:00
    expect(quietEnd(at('2026-03-04T14:00:00Z'), q, TZ).toISOString()).toBe('2026-03-05T01:00:00.000Z'); // 22:00 → next 09:00
    expect(quietEnd(at('2026-03-03T19:00:00Z'), q, TZ).toISOString()).toBe('2026-03-04T01:00:00.000Z'); // 03:00 → 09:00
    const id = '0190f3a2-0000-7000-8000-000000000001';
    expect(jitterMinutes(id)).toBe(jitterMinutes(id));
    expect(jitterMinutes(id)).toBeGreaterThanOrEqual(0);
    expect(jitterMinutes(id)).toBeLessThan(60);
    expect(afterQuiet(at('2026-03-04T14:00:00Z'), q, TZ, id).getTime()).toBe(Date.parse('2026-03-05T01:00:00Z') + jitterMinutes(id) * 60_000);
    expect(isQuiet(at('2026-03-04T14:00:00Z'), { start: '09:00', end: '09:00', service: false }, TZ)).toBe(false);
  });

  it('usual hour: the mode of order hours, ties earliest; the next occurrence, clamped outside quiet hours', () => {
    expect(usualHourOf([])).toBeUndefined();
    expect(usualHourOf([{ hour: 19, count: 3 }, { hour: 12, count: 3 }, { hour: 20, count: 1 }])).toBe(12);
    expect(clampHour(22, q)).toBe(20);
    expect(clampHour(3, q)).toBe(9);
    expect(clampHour(15, q)).toBe(15);
    // 10:30 local, usual hour 19 → 19:00 today; 19:30 local, usual 19 → now (undefined); 20:00, usual 12 → 12:00 tomorrow.
    expect(nextUsualHour(at('2026-03-04T02:30:00Z'), 19, q, TZ)!.toISOString()).toBe('2026-03-04T11:00:00.000Z');
    expect(nextUsualHour(at('2026-03-04T11:30:00Z'), 19, q, TZ)).toBeUndefined();
    expect(nextUsualHour(at('2026-03-04T12:00:00Z'), 12, q, TZ)!.toISOString()).toBe('2026-03-05T04:00:00.000Z');
    expect(nextUsualHour(at('2026-03-04T02:30:00Z'), 23, q, TZ)!.toISOString()).toBe('2026-03-04T12:00:00.000Z'); // 23 → 20:00
  });

  it('age in whole years on a local date', () => {
    expect(ageOn('1991-03-05', '2026-03-04')).toBe(34);
    expect(ageOn('1991-03-04', '2026-03-04')).toBe(35);
  });
});
