import { describe, expect, it } from 'vitest';
import { computeEarn, type EarnFacts, type EarnLine } from './earn.js';
import { ProgramRules, type ProgramRulesInput } from './program.js';

const facts = (over: Partial<EarnFacts> = {}): EarnFacts => ({
  placedAt: new Date('2025-06-18T12:15:00Z'),
  placedDate: '2025-06-18',
  tierCode: null,
  birthday: null,
  earnedToday: 0,
  ...over,
});
const line = (lineNo: number, sku: string, paidFen: number, categoryPath: string[] | null = null): EarnLine => ({ lineNo, sku, paidFen, categoryPath });
const rules = (r: ProgramRulesInput = {}) => ProgramRules.parse(r);

describe('computeEarn', () => {
  it('10 points per ¥100 of net paid, floored once per order', () => {
    expect(computeEarn([line(1, 'A100', 39_800)], rules(), facts()).points).toBe(39);
    // two ¥50 lines: 10 points, not 5 + 5 floored separately (and not 0 + 0 for ¥59.99 lines)
    expect(computeEarn([line(1, 'A', 5_999), line(2, 'B', 5_999)], rules(), facts()).points).toBe(11);
    expect(computeEarn([line(1, 'A', 9_999)], rules(), facts()).points).toBe(9);
    expect(computeEarn([line(1, 'A', 999)], rules(), facts()).points).toBe(0);
  });

  it('excluded SKUs and zero lines earn nothing', () => {
    const r = computeEarn([line(1, 'A', 20_000), line(2, 'GIFT-CARD', 50_000), line(3, 'DELIVERY-FEE', 1_000)], rules(), facts());
    expect(r.points).toBe(20);
    expect(r.eligibleFen).toBe(20_000);
    expect(r.lines.map((l) => l.excluded)).toEqual([false, true, true]);
  });

  const multipliers: ProgramRulesInput['multipliers'] = [
    { kind: 'category', category: '女装', factor: 1.5 },
    { kind: 'sku', sku: 'A100', factor: 2 },
    { kind: 'tier', tierCode: 'gold', factor: 1.2 },
    { kind: 'birthday_month', factor: 3 },
    { kind: 'date_range', from: '2025-06-18T00:00:00+08:00', to: '2025-06-19T00:00:00+08:00', factor: 2.5 },
  ];

  it('highest: a line gets its largest matching factor', () => {
    const r = rules({ multipliers: multipliers.slice(0, 3) });
    // A100 in 女装 for a gold member: max(1.5, 2, 1.2) = 2 → 100 × 2 = 200 → 20 points; B ¥100 in 女装 ×1.5 → 15
    const out = computeEarn([line(1, 'A100', 10_000, ['服装', '女装']), line(2, 'B', 10_000, ['服装', '女装']), line(3, 'C', 10_000)], r, facts({ tierCode: 'gold' }));
    expect(out.lines.map((l) => l.factor)).toEqual([2, 1.5, 1.2]);
    expect(out.lines[0]!.multipliers).toEqual(['sku:A100']);
    expect(out.points).toBe(20 + 15 + 12);
  });

  it('product: all matching factors multiply, exactly', () => {
    const r = rules({ multipliers: multipliers.slice(0, 3), multiplierCombination: 'product' });
    // ¥33.33 × 1.5 × 2 × 1.2 = ¥119.988 → 11 points; plus ¥10.01 × 1.2 = ¥12.012 → total ¥131.999… → 13
    const out = computeEarn([line(1, 'A100', 3_333, ['女装']), line(2, 'C', 1_001)], r, facts({ tierCode: 'gold' }));
    expect(out.lines.map((l) => l.factor)).toEqual([3.6, 1.2]);
    expect(out.points).toBe(13);
  });

  it('birthday month (business-zone date) and date ranges ([from, to))', () => {
    const r = rules({ multipliers: multipliers.slice(3) });
    expect(computeEarn([line(1, 'A', 10_000)], r, facts({ birthday: '1990-06-30' })).points).toBe(30);
    expect(computeEarn([line(1, 'A', 10_000)], r, facts({ birthday: '1990-07-01' })).points).toBe(25);
    const after = facts({ placedAt: new Date('2025-06-18T16:00:00Z'), placedDate: '2025-06-19' });
    expect(computeEarn([line(1, 'A', 10_000)], r, after).points).toBe(10);
  });

  it('caps: per order, then what is left of the day', () => {
    const r = rules({ caps: { perOrder: 50, perDay: 80 } });
    expect(computeEarn([line(1, 'A', 100_000)], r, facts())).toMatchObject({ points: 50, uncapped: 100, cappedBy: 'order' });
    expect(computeEarn([line(1, 'A', 100_000)], r, facts({ earnedToday: 50 }))).toMatchObject({ points: 30, cappedBy: 'day' });
    expect(computeEarn([line(1, 'A', 100_000)], r, facts({ earnedToday: 90 }))).toMatchObject({ points: 0, cappedBy: 'day' });
    expect(computeEarn([line(1, 'A', 20_000)], r, facts({ earnedToday: 50 }))).toMatchObject({ points: 20, cappedBy: null });
  });
});
