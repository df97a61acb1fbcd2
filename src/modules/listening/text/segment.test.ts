import { describe, expect, it } from 'vitest';
import { createDictionary, RETAIL_DICTIONARY } from './dictionary.js';
import { detectLang, SINGLE_CHAR_WORDS, tokenize } from './segment.js';
import { EN_STOP_WORDS, isStopWord, ZH_STOP_WORDS } from './stopwords.js';

describe('tokenize', () => {
  it('keeps the content words of Chinese reviews, retail words whole, degree adverbs and 了 folded away', () => {
    expect(tokenize('客服态度很差，物流也很慢！')).toEqual(['客服', '态度', '差', '物流', '慢']);
    expect(tokenize('衣服起球了，掉色严重，不会再买')).toEqual(['衣服', '起球', '掉色', '严重']);
    expect(tokenize('外卖送餐太慢了，饭都凉了')).toEqual(['外卖', '送餐', '慢', '凉']);
    expect(tokenize('门店店员服务好，会员积分优惠券都能用')).toEqual(['门店', '店员', '服务', '好', '会员', '积分', '优惠券']);
  });

  it('joins 不 to the evaluative character after it, so 不贵 stays the opposite of 贵', () => {
    expect(tokenize('价格不贵，但是做工一般')).toEqual(['价格', '不贵', '做工', '一般']);
    expect(tokenize('太贵了，不，贵')).toEqual(['贵', '贵']);
  });

  it('tokenizes English by words, stop words and numbers dropped', () => {
    expect(tokenize('Customer service was slow, the delivery took 3 days.')).toEqual(['customer', 'service', 'slow', 'delivery', 'days']);
    expect(tokenize('I don’t think it’s worth $20, a waste of money')).toEqual(['worth', 'waste', 'money']);
  });

  it('tokenizes mixed Chinese and English text alike whichever locale segments it', () => {
    const mixed = '客服 service 很差 but 物流 fast，five stars';
    expect(tokenize(mixed)).toEqual(['客服', 'service', '差', '物流', 'fast', 'five', 'stars']);
    expect(tokenize(mixed, { lang: 'en' })).toEqual(tokenize(mixed, { lang: 'zh' }));
  });

  it('normalises full-width letters and digits, drops emoji, punctuation, bare numbers and interjections', () => {
    expect(tokenize('ＡＢＣ１２３　ｉＰｈｏｎｅ　１５　很好用！！😀')).toEqual(['abc123', 'iphone', '好']);
    expect(tokenize('我买了iPhone 15，物流很快')).toEqual(['iphone', '物流', '快']);
    expect(tokenize('哈哈哈哈 呵呵 嗯嗯 的 了')).toEqual([]);
    expect(tokenize('，。！ 123 4.5 😀')).toEqual([]);
    expect(tokenize('')).toEqual([]);
  });

  it('takes dictionary words whole, also across the segmenter’s token ends (客|服, 云|朵|杯, 性|价|比高)', () => {
    expect(tokenize('客服态度很差', { dictionary: createDictionary([]) })).toEqual(['态度', '差']);
    expect(tokenize('这个云朵杯性价比很高')).toEqual(['性价比', '很高']);
    expect(tokenize('这个云朵杯性价比很高', { dictionary: createDictionary(['云朵杯', '性价比']) })).toEqual(['云朵杯', '性价比', '很高']);
    expect(tokenize('质量问题很严重，性价比高')).toEqual(['质量问题', '严重', '性价比']);
  });

  it('folds a trailing 的 too, and matches dictionary words only where the segmenter starts a token', () => {
    expect(tokenize('手机烂的很，京东物流还好')).toEqual(['手机', '烂', '京东', '物流', '还好']);
    // The segmenter gives 在京|东|买的|火龙|果: 京东 starts inside 在京, so it is missed (a known limit).
    expect(tokenize('在京东买的火龙果')).toEqual(['在京', '火龙']);
    expect(tokenize('在京东买的火龙果', { dictionary: createDictionary(['京东', '火龙果']) })).toEqual(['在京', '火龙果']);
  });

  it('matches a Latin dictionary phrase across the space, but not as the front of a longer word', () => {
    const dictionary = createDictionary(['Customer Service']);
    expect(tokenize('I love customer service and customer services', { dictionary })).toEqual(['love', 'customer service', 'customer', 'services']);
  });

  it('refuses what is not text, naming the field', () => {
    expect(() => tokenize(42 as unknown as string)).toThrow('tokenize: text must be a string, not number');
    expect(() => tokenize('好', { lang: 'fr' as 'zh' })).toThrow("tokenize: options.lang must be 'zh' or 'en', not fr");
    expect(() => createDictionary(['客服', ' '])).toThrow('createDictionary: words[1] must be a non-blank string');
  });
});

describe('detectLang', () => {
  it('is zh when Han characters are at least 30 % of the letters', () => {
    expect(detectLang('客服态度很差')).toBe('zh');
    expect(detectLang('我买了iPhone')).toBe('zh'); // 3 Han of 9 letters
    expect(detectLang('I love 客脉 so much')).toBe('en'); // 2 Han of 12 letters
    expect(detectLang('Customer service was slow')).toBe('en');
    expect(detectLang('123 😀')).toBe('en');
  });
});

describe('stop words and the word lists', () => {
  it('holds a few hundred function words per language, none of them an evaluative single character', () => {
    expect(ZH_STOP_WORDS.size).toBeGreaterThan(300);
    expect(EN_STOP_WORDS.size).toBeGreaterThan(250);
    expect(['的', '了', '是', '我们', '但是'].every(isStopWord)).toBe(true);
    expect(['the', 'is', "don't"].every(isStopWord)).toBe(true);
    expect([...SINGLE_CHAR_WORDS].filter(isStopWord)).toEqual([]);
    expect([...RETAIL_DICTIONARY.words].filter(isStopWord)).toEqual([]);
  });
});
