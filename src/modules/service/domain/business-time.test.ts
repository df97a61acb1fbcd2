import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessMinutesBetween, calendarIssues, isOpen, type BusinessCalendar } from './business-time.js';

const d = (iso: string) => new Date(iso);
const add = (from: string, minutes: number, cal: BusinessCalendar | null) => addBusinessMinutes(d(from), minutes, cal).toISOString();
const between = (a: string, b: string, cal: BusinessCalendar | null) => businessMinutesBetween(d(a), d(b), cal);

const everyDay = (hours: Array<[string, string]>) => Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((w) => [String(w), hours]));

/** Open 09:00–21:00 every day (the default calendar's hours). */
const longDays: BusinessCalendar = { timeZone: 'Asia/Shanghai', week: everyDay([['09:00', '21:00']]) };

/** Monday to Friday 09:00–12:00 and 13:00–18:00, with 2026's Mid-Autumn and National Day holidays and their make-up days. */
const office: BusinessCalendar = {
  timeZone: 'Asia/Shanghai',
  week: Object.fromEntries(
    [1, 2, 3, 4, 5].map((w) => [
      String(w),
      [
        ['09:00', '12:00'],
        ['13:00', '18:00'],
      ],
    ]),
  ),
  holidays: ['2026-09-25', '2026-09-26', '2026-09-27', '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  // 国办发明电〔2025〕: Sunday 2026-09-20 and Saturday 2026-10-10 are working days.
  workdays: ['2026-09-20', '2026-10-10'],
};

describe('addBusinessMinutes', () => {
  it('around the clock without a calendar', () => {
    expect(add('2026-03-02T20:30:00+08:00', 60, null)).toBe('2026-03-02T13:30:00.000Z');
    expect(add('2026-03-02T20:30:00+08:00', 1440, null)).toBe('2026-03-03T12:30:00.000Z');
  });

  it('a complaint at 20:30 on a day open 09:00–21:00 with a 60-minute ack target is due 09:30 the next day', () => {
    expect(add('2026-03-02T20:30:00+08:00', 60, longDays)).toBe('2026-03-03T01:30:00.000Z'); // 09:30 +08:00
    expect(add('2026-03-02T20:30:00+08:00', 30, longDays)).toBe('2026-03-02T13:00:00.000Z'); // exactly at closing, 21:00
    expect(add('2026-03-02T20:30:00+08:00', 45, longDays)).toBe('2026-03-03T01:15:00.000Z'); // 09:15, the 75 % warning
    // 24 business hours = two 12-hour days: 30 min Monday, 12 h Tuesday, 11 h 30 Wednesday → 20:30 Wednesday
    expect(add('2026-03-02T20:30:00+08:00', 1440, longDays)).toBe('2026-03-04T12:30:00.000Z');
  });

  it('from before opening starts at opening; 0 minutes is the start itself', () => {
    expect(add('2026-03-03T02:00:00+08:00', 60, longDays)).toBe('2026-03-03T02:00:00.000Z'); // 10:00 +08:00
    expect(add('2026-03-03T23:00:00+08:00', 0, longDays)).toBe('2026-03-03T15:00:00.000Z');
  });

  it('weekends closed, with a lunch break', () => {
    // Friday 2026-03-06 11:30: 30 min to noon, 13:00 + 150 min → 15:30 the same day
    expect(add('2026-03-06T11:30:00+08:00', 180, office)).toBe('2026-03-06T07:30:00.000Z');
    // 600 min: 30 + 300 on Friday, 180 on Monday morning, 90 after lunch → Monday 2026-03-09 14:30
    expect(add('2026-03-06T11:30:00+08:00', 600, office)).toBe('2026-03-09T06:30:00.000Z');
    // Saturday: nothing until Monday 09:00
    expect(add('2026-03-07T10:00:00+08:00', 60, office)).toBe('2026-03-09T02:00:00.000Z'); // Monday 10:00
  });

  it('across 2026 National Day: holidays 10-01…10-07 closed, Saturday 10-10 a make-up working day', () => {
    // Wednesday 09-30 17:00: 60 min that day, closed 10-01…10-07, Thursday 10-08 09:00 + 60 → 10:00
    expect(add('2026-09-30T17:00:00+08:00', 120, office)).toBe('2026-10-08T02:00:00.000Z');
    // Friday 10-09 17:30: 30 min that day, Saturday 10-10 opens (调休) → 09:30
    expect(add('2026-10-09T17:30:00+08:00', 60, office)).toBe('2026-10-10T01:30:00.000Z');
    // Sunday 10-11 is a plain Sunday again: from Saturday 17:30 + 60 → Monday 10-12 09:30
    expect(add('2026-10-10T17:30:00+08:00', 60, office)).toBe('2026-10-12T01:30:00.000Z');
  });

  it('across Mid-Autumn 2026: Sunday 09-20 works, Friday 09-25 to Sunday 09-27 are closed', () => {
    expect(add('2026-09-19T10:00:00+08:00', 30, office)).toBe('2026-09-20T01:30:00.000Z'); // Sunday 09:30
    expect(add('2026-09-24T17:30:00+08:00', 60, office)).toBe('2026-09-28T01:30:00.000Z'); // Monday 09:30
  });

  it('make-up days open with workdayHours when given', () => {
    const cal: BusinessCalendar = { ...office, workdayHours: [['10:00', '16:00']] };
    expect(add('2026-10-09T17:30:00+08:00', 60, cal)).toBe('2026-10-10T02:30:00.000Z'); // Saturday 10:30
  });

  it('skips a 30-day holiday in a few steps', () => {
    const july = Array.from({ length: 30 }, (_, i) => `2026-07-${String(i + 1).padStart(2, '0')}`);
    const cal: BusinessCalendar = { ...longDays, holidays: july };
    const started = performance.now();
    expect(add('2026-06-30T20:30:00+08:00', 60, cal)).toBe('2026-07-31T01:30:00.000Z');
    expect(between('2026-06-30T20:30:00+08:00', '2026-07-31T09:30:00+08:00', cal)).toBe(60);
    // A year of business minutes (12 h × 365 days) lands exactly a year on, less the 30 closed days
    expect(add('2026-01-01T09:00:00+08:00', 720 * 335, cal)).toBe('2026-12-31T13:00:00.000Z');
    expect(performance.now() - started).toBeLessThan(500); // a closed day is one lookup, not 1,440 minutes
  });

  it('follows daylight saving time in zones that have it', () => {
    const ny: BusinessCalendar = { timeZone: 'America/New_York', week: everyDay([['09:00', '17:00']]) };
    // Saturday 2026-03-07 16:00 EST + 120 min: 60 that day, Sunday 03-08 (EDT from 02:00) 09:00 + 60 → 10:00 EDT
    expect(add('2026-03-07T16:00:00-05:00', 120, ny)).toBe('2026-03-08T14:00:00.000Z');
    expect(between('2026-03-07T16:00:00-05:00', '2026-03-08T10:00:00-04:00', ny)).toBe(120);
  });

  it('refuses negative minutes', () => {
    expect(() => addBusinessMinutes(d('2026-03-02T00:00:00Z'), -1, longDays)).toThrow(/≥ 0/);
  });
});

describe('businessMinutesBetween', () => {
  it('counts only open time, and is negative backwards', () => {
    expect(between('2026-03-02T20:30:00+08:00', '2026-03-03T09:30:00+08:00', longDays)).toBe(60);
    expect(between('2026-03-03T09:30:00+08:00', '2026-03-02T20:30:00+08:00', longDays)).toBe(-60);
    expect(between('2026-03-02T21:00:00+08:00', '2026-03-03T09:00:00+08:00', longDays)).toBe(0);
    expect(between('2026-09-30T17:00:00+08:00', '2026-10-08T10:00:00+08:00', office)).toBe(120);
    expect(between('2026-03-02T20:30:00+08:00', '2026-03-02T20:30:30+08:00', null)).toBe(0.5);
  });

  it('is the inverse of addBusinessMinutes', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const cal of [longDays, office, null]) {
      for (let i = 0; i < 300; i++) {
        const start = new Date(Date.UTC(2026, 8, 1) + Math.floor(rand() * 60 * 86400) * 1000);
        const minutes = Math.floor(rand() * 5000);
        const due = addBusinessMinutes(start, minutes, cal);
        expect(businessMinutesBetween(start, due, cal)).toBe(minutes);
        // and back: adding the business minutes between two instants never overshoots the later one
        const later = new Date(start.getTime() + Math.floor(rand() * 20 * 86400) * 1000);
        const back = addBusinessMinutes(start, businessMinutesBetween(start, later, cal), cal);
        expect(back.getTime()).toBeLessThanOrEqual(later.getTime());
        if (isOpen(later, cal) && isOpen(new Date(later.getTime() - 1), cal)) expect(back.toISOString()).toBe(later.toISOString());
      }
    }
  });
});

describe('calendarIssues', () => {
  const paths = (cal: unknown) => calendarIssues(cal).map((i) => i.path);

  it('accepts good calendars', () => {
    expect(calendarIssues(longDays)).toEqual([]);
    expect(calendarIssues(office)).toEqual([]);
    expect(calendarIssues({ timeZone: 'UTC', week: { 1: [['00:00', '24:00']] } })).toEqual([]);
  });

  it('names the bad field', () => {
    expect(paths({ ...longDays, timeZone: 'Mars/Olympus' })).toEqual(['timeZone']);
    expect(paths({ ...longDays, timeZone: '+08:00' })).toEqual(['timeZone']);
    expect(paths({ ...longDays, week: { 1: [['9:00', '21:00']] } })).toEqual(['week.1.0.0']);
    expect(paths({ ...longDays, week: { 2: [['09:00', '24:30']] } })).toEqual(['week.2.0.1']);
    expect(paths({ ...longDays, week: { 3: [['21:00', '09:00']] } })).toEqual(['week.3.0']);
    expect(paths({ ...longDays, week: { 4: [['09:00', '13:00'], ['12:00', '18:00']] } })).toEqual(['week.4.1']);
    expect(paths({ ...longDays, week: { 5: [['13:00', '18:00'], ['09:00', '12:00']] } })).toEqual(['week.5.1']);
    expect(paths({ ...longDays, week: { 8: [['09:00', '12:00']] } })).toEqual(['week.8']);
    expect(paths({ ...longDays, week: {} })).toEqual(['week']);
    expect(paths({ ...longDays, holidays: ['2026-10-01', '2026-02-30'] })).toEqual(['holidays.1']);
    expect(paths({ ...longDays, holidays: ['2026-10-01'], workdays: ['2026-10-01'] })).toEqual(['workdays.0']);
    expect(paths({ ...longDays, workdayHours: [['10:00', '09:00']] })).toEqual(['workdayHours.0']);
  });
});
