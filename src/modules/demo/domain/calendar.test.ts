import { describe, expect, it } from 'vitest';
import { dateOf, dayNumber, dayProfile, instantAt, weekday } from './calendar.js';

describe('demo calendar', () => {
  it('converts dates and weekdays, and refuses dates that do not exist', () => {
    expect(dateOf(dayNumber('2025-11-11'))).toBe('2025-11-11');
    expect(weekday(dayNumber('2025-11-11'))).toBe(2);
    expect(weekday(dayNumber('2025-11-15'))).toBe(6);
    expect(instantAt(dayNumber('2025-11-11'), 20 * 3600 + 15 * 60 + 7)).toBe('2025-11-11T20:15:07+08:00');
    expect(() => dayNumber('2025-02-30')).toThrow('not a date');
  });

  it('puts the Double 11 peak online, with a deep discount', () => {
    const p = dayProfile(dayNumber('2025-11-11'));
    expect(p).toMatchObject({ occasion: 'double_11', peak: true, discount: 0.3, promo: { online: 6, miniprogram: 3, pos: 0.8 } });
    expect(dayProfile(dayNumber('2025-06-18'))).toMatchObject({ occasion: 'mid_year_618', peak: true });
    expect(dayProfile(dayNumber('2025-11-13'))).toMatchObject({ occasion: null, promo: { online: 0 } });
  });

  it('dips over the Spring Festival, after the new-year shopping peak', () => {
    const eve = dayProfile(dayNumber('2025-01-28'));
    const before = dayProfile(dayNumber('2025-01-24'));
    const ordinary = dayProfile(dayNumber('2025-03-20'));
    expect(eve.occasion).toBe('spring_festival');
    expect(before.occasion).toBe('spring_festival_shopping');
    expect(eve.base.online).toBeLessThan(ordinary.base.online * 0.5);
    expect(before.base.pos).toBeGreaterThan(ordinary.base.pos * 1.3);
    // The festival moves: 2026's falls on 17 February.
    expect(dayProfile(dayNumber('2026-02-17')).occasion).toBe('spring_festival');
    expect(dayProfile(dayNumber('2026-01-29')).occasion).toBe('spring_festival_shopping');
    expect(dayProfile(dayNumber('2026-01-20')).occasion).toBe(null);
  });

  it('sells more in stores at weekends', () => {
    const saturday = dayProfile(dayNumber('2025-09-13'));
    const tuesday = dayProfile(dayNumber('2025-09-16'));
    expect(saturday.base.pos / tuesday.base.pos).toBeCloseTo(1.45 / 0.85, 5);
  });
});
