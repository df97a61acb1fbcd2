import { describe, expect, it } from 'vitest';
import {
  MEMBERSHIP_PRESET,
  TierSetDefinition,
  VIP_PRESET,
  birthdayDue,
  birthdayIn,
  growthForFen,
  progressFor,
  reviewDecision,
  tierFor,
  tierRank,
  type ReviewInput,
} from './tiers.js';

describe('tier presets', () => {
  it('are valid definitions with the stated thresholds', () => {
    expect(TierSetDefinition.parse(MEMBERSHIP_PRESET)).toEqual(MEMBERSHIP_PRESET);
    expect(TierSetDefinition.parse(VIP_PRESET)).toEqual(VIP_PRESET);
    expect(MEMBERSHIP_PRESET.tiers.map((t) => [t.code, t.threshold])).toEqual([
      ['explorer', 0],
      ['follower', 1_000],
      ['advocate', 5_000],
    ]);
    expect(VIP_PRESET.tiers.map((t) => [t.code, t.threshold])).toEqual([
      ['silver', 1_000_000],
      ['gold', 2_000_000],
      ['diamond', 5_000_000],
    ]);
  });

  it('refuses thresholds out of order, duplicate codes, 29 February reviews and unknown benefits, naming the field', () => {
    const bad = {
      ...VIP_PRESET,
      tiers: [VIP_PRESET.tiers[0], { ...VIP_PRESET.tiers[1], threshold: 1_000_000 }, { ...VIP_PRESET.tiers[2], code: 'silver' }],
      review: { monthDay: '02-29', graceDays: 90 },
    };
    const r = TierSetDefinition.safeParse(bad);
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['review.monthDay', 'tiers.1.threshold', 'tiers.2.code']);
    const extra = TierSetDefinition.safeParse({ ...VIP_PRESET, tiers: [{ ...VIP_PRESET.tiers[0], benefits: { freeIroning: true } }] });
    expect(extra.error!.issues.map((i) => i.path.join('.'))).toEqual(['tiers.0.benefits']);
  });
});

describe('tierFor and progress', () => {
  it('picks the highest tier whose threshold the measure reaches', () => {
    expect(tierFor(0, MEMBERSHIP_PRESET)?.code).toBe('explorer');
    expect(tierFor(999, MEMBERSHIP_PRESET)?.code).toBe('explorer');
    expect(tierFor(1_000, MEMBERSHIP_PRESET)?.code).toBe('follower');
    expect(tierFor(4_999, MEMBERSHIP_PRESET)?.code).toBe('follower');
    expect(tierFor(5_000, MEMBERSHIP_PRESET)?.code).toBe('advocate');
    expect(tierFor(999_999, VIP_PRESET)).toBeNull();
    expect(tierRank(999_999, VIP_PRESET)).toBe(-1);
    expect(tierFor(1_000_000, VIP_PRESET)?.code).toBe('silver');
    expect(tierFor(2_000_000, VIP_PRESET)?.code).toBe('gold');
    expect(tierFor(49_999_99, VIP_PRESET)?.code).toBe('gold');
    expect(tierFor(5_000_000, VIP_PRESET)?.code).toBe('diamond');
  });

  it('says what is missing to the next tier in the measure unit', () => {
    expect(progressFor(350_000, VIP_PRESET)).toEqual({
      current: null,
      next: { code: 'silver', name: { 'zh-CN': '银卡', en: 'Silver' }, threshold: 1_000_000, missing: 650_000 },
    });
    expect(progressFor(1_234, MEMBERSHIP_PRESET).next).toEqual({
      code: 'advocate',
      name: { 'zh-CN': '倡导者', en: 'Advocate' },
      threshold: 5_000,
      missing: 3_766,
    });
    expect(progressFor(6_000_000, VIP_PRESET)).toEqual({ current: VIP_PRESET.tiers[2], next: null });
    // In grace: gold held with a silver measure — next is diamond, ¥38,000 away.
    expect(progressFor(1_200_000, VIP_PRESET, 'gold')).toEqual({
      current: VIP_PRESET.tiers[1],
      next: { code: 'diamond', name: { 'zh-CN': '钻石卡', en: 'Diamond' }, threshold: 5_000_000, missing: 3_800_000 },
    });
  });

  it('rounds growth down per amount', () => {
    expect(growthForFen(39_800, 1)).toBe(398);
    expect(growthForFen(39_899, 1)).toBe(398);
    expect(growthForFen(10_001, 1.5)).toBe(150);
    expect(growthForFen(99, 1)).toBe(0);
  });
});

describe('reviewDecision', () => {
  const asOf = new Date('2027-01-01T00:00:00+08:00');
  const base: ReviewInput = {
    currentRank: 1,
    set: 'this',
    qualifiedRank: 1,
    graceUntil: null,
    manualUntil: null,
    asOf,
    graceDays: 90,
    mode: 'review',
  };
  const before = new Date('2026-12-31T00:00:00+08:00');
  const after = new Date('2027-03-01T00:00:00+08:00');

  it('raises at once in every mode, lowers only at a review and after the grace', () => {
    for (const mode of ['qualify', 'settle', 'review'] as const) expect(reviewDecision({ ...base, mode, qualifiedRank: 2 })).toBe('upgrade');
    expect(reviewDecision({ ...base, mode: 'qualify', qualifiedRank: 0 })).toBe('keep');
    expect(reviewDecision({ ...base, mode: 'settle', qualifiedRank: 0 })).toBe('keep');
    expect(reviewDecision({ ...base, qualifiedRank: 0 })).toBe('grace');
    expect(reviewDecision({ ...base, qualifiedRank: 0, graceDays: 0 })).toBe('downgrade');
    expect(reviewDecision({ ...base, qualifiedRank: 0, graceUntil: after })).toBe('keep');
    expect(reviewDecision({ ...base, mode: 'settle', qualifiedRank: 0, graceUntil: before })).toBe('downgrade');
    expect(reviewDecision({ ...base, mode: 'qualify', qualifiedRank: 0, graceUntil: before })).toBe('keep');
  });

  it('keeps the tier of a member who qualifies again during the grace', () => {
    expect(reviewDecision({ ...base, graceUntil: after })).toBe('requalified');
    expect(reviewDecision({ ...base, mode: 'qualify', graceUntil: after })).toBe('requalified');
  });

  it('holds a manual tier until its end, then lets the rules decide', () => {
    expect(reviewDecision({ ...base, qualifiedRank: -1, manualUntil: after })).toBe('keep');
    expect(reviewDecision({ ...base, qualifiedRank: -1, manualUntil: asOf })).toBe('manual_ended');
  });

  it('assigns the first tier of a set to members outside it', () => {
    expect(reviewDecision({ ...base, set: 'none', currentRank: -1, qualifiedRank: 0 })).toBe('assign');
    expect(reviewDecision({ ...base, set: 'none', currentRank: -1, qualifiedRank: -1 })).toBe('keep');
    expect(reviewDecision({ ...base, set: 'other', currentRank: -1, qualifiedRank: -1 })).toBe('assign');
  });
});

describe('birthdays', () => {
  it('celebrates 29 February on 28 February in non-leap years', () => {
    expect(birthdayIn(2028, '1992-02-29')).toBe('2028-02-29');
    expect(birthdayIn(2027, '1992-02-29')).toBe('2027-02-28');
    expect(birthdayIn(2100, '1992-02-29')).toBe('2100-02-28');
    expect(birthdayIn(2000, '1992-02-29')).toBe('2000-02-29');
    expect(birthdayIn(2027, '1990-07-15')).toBe('2027-07-15');
  });

  it('is due on the day and later that month, never before nor in another month', () => {
    expect(birthdayDue('2027-02-28', '1992-02-29')).toBe(true);
    expect(birthdayDue('2027-02-27', '1992-02-29')).toBe(false);
    expect(birthdayDue('2028-02-28', '1992-02-29')).toBe(false);
    expect(birthdayDue('2028-02-29', '1992-02-29')).toBe(true);
    expect(birthdayDue('2027-07-20', '1990-07-15')).toBe(true);
    expect(birthdayDue('2027-08-01', '1990-07-15')).toBe(false);
  });
});
