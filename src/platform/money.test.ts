import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from './money.js';

describe('parseMoney', () => {
  it('reads decimal text and numbers as integer fen', () => {
    expect(parseMoney('398.00')).toBe(39800);
    expect(parseMoney('398.5')).toBe(39850);
    expect(parseMoney(' 398 ')).toBe(39800);
    expect(parseMoney(398)).toBe(39800);
    expect(parseMoney(0.1)).toBe(10);
    expect(parseMoney(0.07)).toBe(7);
    expect(parseMoney(19.99)).toBe(1999);
    expect(parseMoney('0')).toBe(0);
  });

  it('keeps negative amounts (refunds, adjustments)', () => {
    expect(parseMoney(-5.5)).toBe(-550);
    expect(parseMoney('-5.50')).toBe(-550);
    expect(parseMoney('-0.01')).toBe(-1);
  });

  it('refuses more than two decimals instead of rounding', () => {
    expect(parseMoney('12.345')).toBeNull();
    expect(parseMoney(12.345)).toBeNull();
    // 0.1 + 0.2 is 0.30000000000000004 in binary floating point: refused, not rounded.
    expect(parseMoney(0.1 + 0.2)).toBeNull();
  });

  it('refuses what is not an amount', () => {
    expect(parseMoney('')).toBeNull();
    expect(parseMoney('abc')).toBeNull();
    expect(parseMoney('1,000.00')).toBeNull();
    expect(parseMoney('¥12')).toBeNull();
    expect(parseMoney('.5')).toBeNull();
    expect(parseMoney(Number.NaN)).toBeNull();
    expect(parseMoney(Number.POSITIVE_INFINITY)).toBeNull();
    expect(parseMoney(1e21)).toBeNull();
  });
});

describe('formatMoney', () => {
  it('writes fen as a two-decimal amount', () => {
    expect(formatMoney(39800)).toBe('398.00');
    expect(formatMoney(10)).toBe('0.10');
    expect(formatMoney(5)).toBe('0.05');
    expect(formatMoney(0)).toBe('0.00');
    expect(formatMoney(-550)).toBe('-5.50');
    expect(formatMoney(-1)).toBe('-0.01');
  });

  it('round-trips with parseMoney', () => {
    for (const fen of [0, 1, 9, 10, 99, 100, 39800, 123456789, -1, -550, -123456789, 999999999999999]) {
      expect(parseMoney(formatMoney(fen))).toBe(fen);
    }
    for (const text of ['0.00', '0.01', '398.00', '-5.50', '1234567.89']) {
      expect(formatMoney(parseMoney(text)!)).toBe(text);
    }
  });
});
