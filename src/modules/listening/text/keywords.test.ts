import { describe, expect, it } from 'vitest';
import { createDictionary } from './dictionary.js';
import { extractKeywords } from './keywords.js';

const review = '物流很慢，物流太慢了，客服不理人，客服态度差，价格贵，质量差，包装破了，退款难';

describe('extractKeywords', () => {
  it('gives the distinct tokens in order of first appearance, at most 8 by default', () => {
    expect(extractKeywords(review)).toEqual(['物流', '慢', '客服', '不理', '态度', '差', '价格', '贵']);
  });

  it('stops at max and uses the dictionary given', () => {
    expect(extractKeywords(review, { max: 3 })).toEqual(['物流', '慢', '客服']);
    expect(extractKeywords('云朵杯颜色漂亮，云朵杯容量大', { dictionary: createDictionary(['云朵杯']) })).toEqual(['云朵杯', '颜色', '漂亮', '容量']);
    expect(extractKeywords('The cashier was rude, so rude!')).toEqual(['cashier', 'rude']);
  });

  it('refuses a max that is not a positive integer', () => {
    expect(() => extractKeywords(review, { max: 0 })).toThrow('extractKeywords: options.max must be a positive integer, not 0');
    expect(() => extractKeywords(review, { max: 2.5 })).toThrow('extractKeywords: options.max must be a positive integer, not 2.5');
  });
});
