import { describe, expect, it } from 'vitest';
import { detectLabelScale, parseLabel } from './labels.js';

describe('parseLabel', () => {
  it.each([
    ['1', 'positive'],
    ['0', 'negative'],
    ['-1', 'negative'],
    ['1.0', 'positive'],
    [' POS ', 'positive'],
    ['neg', 'negative'],
    ['neu', 'neutral'],
    ['Positive', 'positive'],
    ['negative', 'negative'],
    ['neutral', 'neutral'],
    ['正面', 'positive'],
    ['负面', 'negative'],
    ['中性', 'neutral'],
    ['好评', 'positive'],
    ['差评', 'negative'],
    ['中评', 'neutral'],
    ['2', 'negative'],
    ['3', 'neutral'],
    ['4', 'positive'],
    ['5', 'positive'],
  ] as const)('reads %j as %s', (value, label) => {
    expect(parseLabel(value)).toBe(label);
  });

  it('reads 1 as one star (negative) on the star scale', () => {
    expect(parseLabel('1', 'stars')).toBe('negative');
    expect(parseLabel('5', 'stars')).toBe('positive');
  });

  it('throws naming an unknown value', () => {
    expect(() => parseLabel('meh')).toThrow('unknown sentiment label "meh"');
    expect(() => parseLabel('6')).toThrow('unknown sentiment label "6"');
    expect(() => parseLabel('')).toThrow('unknown sentiment label ""');
  });
});

describe('detectLabelScale', () => {
  it('reads a column of 1–5 integers with some above 1 as stars, anything else as binary', () => {
    expect(detectLabelScale(['1', '5', '3', '4'])).toBe('stars');
    expect(detectLabelScale(['1', '0', '1'])).toBe('binary');
    expect(detectLabelScale(['1', '1'])).toBe('binary');
    expect(detectLabelScale(['1', '5', 'positive'])).toBe('binary');
  });
});
