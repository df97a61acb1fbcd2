import { describe, expect, it } from 'vitest';
import { calendarCovers, holidayDates, HOLIDAYS } from './holidays.js';

const h = (name: string) => HOLIDAYS.find((x) => x.name === name)!;

describe('Chinese retail holiday calendar', () => {
  it('has the published lunar dates', () => {
    // Spring Festival 2011-02-03, 2020-01-25, 2024-02-10, 2025-01-29, 2026-02-17; Lantern 2024-02-24;
    // Dragon Boat 2023-06-22, 2025-05-31; Qixi 2024-08-10; Mid-Autumn 2020-10-01 (with National Day), 2025-10-06.
    expect([2011, 2020, 2024, 2025, 2026].map((y) => h('springFestival').anchor(y))).toEqual(['2011-02-03', '2020-01-25', '2024-02-10', '2025-01-29', '2026-02-17']);
    expect(h('lantern').anchor(2024)).toBe('2024-02-24');
    expect([2023, 2025].map((y) => h('dragonBoat').anchor(y))).toEqual(['2023-06-22', '2025-05-31']);
    expect(h('qixi').anchor(2024)).toBe('2024-08-10');
    expect([2020, 2025].map((y) => h('midAutumn').anchor(y))).toEqual(['2020-10-01', '2025-10-06']);
    expect([2020, 2023].map((y) => h('qingming').anchor(y))).toEqual(['2020-04-04', '2023-04-05']);
    expect(h('springFestival').anchor(2031)).toBeUndefined();
  });

  it('expands windows, across the year end too', () => {
    expect([...holidayDates(h('springFestival'), '2025-01-01', '2025-12-31')]).toEqual([
      '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04',
    ]);
    expect([...holidayDates(h('springFestivalShopping'), '2025-01-01', '2025-12-31')].slice(0, 1)).toEqual(['2025-01-07']);
    expect([...holidayDates(h('newYear'), '2024-12-30', '2025-01-02')]).toEqual(['2024-12-31', '2025-01-01']);
    expect(holidayDates(h('d618'), '2024-01-01', '2024-12-31').size).toBe(18);
    expect(holidayDates(h('presale11'), '2024-01-01', '2024-12-31').has('2024-10-20')).toBe(true);
    expect([...holidayDates(h('nationalDay'), '2024-01-01', '2024-12-31')].at(-1)).toBe('2024-10-07');
    expect(calendarCovers('2010-12-01', '2011-12-09')).toBe(true);
    expect(calendarCovers('2009-12-01', '2011-12-09')).toBe(false);
  });
});
