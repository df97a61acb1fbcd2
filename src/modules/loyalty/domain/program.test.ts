import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../../platform/clock.js';
import { addDays, addMonths, DEFAULT_RULES, expiryOf, pointsToFen, pointsToFenCeil, ProgramRules } from './program.js';

const midnight = (d: string) => parseInstant(d, 'Asia/Shanghai')!;

describe('programme rules', () => {
  it('defaults: 10 points per ¥100 floored per order, 7 pending days, 24 rolling months, 100 points = ¥1', () => {
    expect(DEFAULT_RULES.earn).toEqual({ points: 10, perFen: 10_000, rounding: 'floor' });
    expect(DEFAULT_RULES.pendingDays).toBe(7);
    expect(DEFAULT_RULES.expiry).toEqual({ policy: 'rolling_months', months: 24 });
    expect(DEFAULT_RULES.pointsPerYuanCash).toBe(100);
    expect(DEFAULT_RULES.clawbackWhenSpent).toBe('negative_balance');
    expect(DEFAULT_RULES.multiplierCombination).toBe('highest');
    expect(DEFAULT_RULES.eventPoints).toEqual({
      sign_up: 100, first_purchase: 200, review: 20, share: 10, survey: 20, store_check_in: 5, referral_referrer: 300, referral_referee: 100,
    });
    expect(DEFAULT_RULES.caps).toEqual({ perOrder: null, perDay: null });
  });

  it('a partial document keeps the defaults of what it leaves out', () => {
    const r = ProgramRules.parse({ earn: { points: 20 }, eventPoints: { review: 50 }, expiry: { policy: 'end_of_year' } });
    expect(r.earn).toEqual({ points: 20, perFen: 10_000, rounding: 'floor' });
    expect(r.eventPoints.review).toBe(50);
    expect(r.eventPoints.sign_up).toBe(100);
    expect(r.expiry).toEqual({ policy: 'end_of_year', yearsAfter: 1 });
  });

  it('refuses bad rules naming the field', () => {
    const bad = ProgramRules.safeParse({
      multipliers: [{ kind: 'sku', sku: 'A', factor: 1.234 }, { kind: 'date_range', from: '2026-01-02T00:00:00+08:00', to: '2026-01-01T00:00:00+08:00', factor: 2 }],
      pendingDays: -1,
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['multipliers.0.factor', 'multipliers.1.to', 'pendingDays']);
    const range = ProgramRules.safeParse({ multipliers: [{ kind: 'date_range', from: '2026-01-02T00:00:00+08:00', to: '2026-01-01T00:00:00+08:00', factor: 2 }] });
    expect(range.error!.issues.map((i) => i.path.join('.'))).toEqual(['multipliers.0.to']);
  });

  it('points as cash: floored for paying, rounded up for a refund deduction', () => {
    expect(pointsToFen(250, DEFAULT_RULES)).toBe(250);
    expect(pointsToFen(7, { pointsPerYuanCash: 300 })).toBe(2);
    expect(pointsToFenCeil(7, { pointsPerYuanCash: 300 })).toBe(3);
  });

  it('calendar arithmetic clamps month ends and crosses years', () => {
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2025-11-15', 3)).toBe('2026-02-15');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  it('expiry instants are business-zone midnights', () => {
    expect(expiryOf('2025-03-15', { policy: 'rolling_months', months: 12 }, midnight)!.toISOString()).toBe('2026-03-15T16:00:00.000Z');
    expect(expiryOf('2024-02-29', { policy: 'rolling_months', months: 12 }, midnight)!.toISOString()).toBe('2025-02-28T16:00:00.000Z');
    expect(expiryOf('2025-06-01', { policy: 'end_of_year', yearsAfter: 0 }, midnight)!.toISOString()).toBe('2025-12-31T16:00:00.000Z');
    expect(expiryOf('2025-06-01', { policy: 'end_of_year', yearsAfter: 1 }, midnight)!.toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(expiryOf('2025-06-01', { policy: 'never' }, midnight)).toBeNull();
  });
});
