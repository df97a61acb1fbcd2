import { describe, expect, it } from 'vitest';
import { SentimentModel, trainSentiment, type LabelledText } from './model.js';
import { detectLang, FeatureHasher, GramCounter, DEFAULT_FEATURES, normalise } from './text.js';

/** A small synthetic shop: reviews built from clearly positive and clearly negative phrases, in both languages. */
function syntheticReviews(): LabelledText[] {
  const items = ['耳机', '鞋子', '外卖', '手机壳', '台灯', '面包'];
  const good = ['质量很好', '非常满意', '物流很快', '味道不错', '值得购买'];
  const bad = ['质量太差', '非常失望', '物流太慢', '味道难吃', '要求退货'];
  const enItems = ['headphones', 'shoes', 'lamp', 'charger', 'bread', 'case'];
  const enGood = ['works great', 'love it', 'excellent value', 'very happy', 'highly recommend'];
  const enBad = ['broke quickly', 'hate it', 'waste of money', 'very disappointed', 'total junk'];
  const rows: LabelledText[] = [];
  items.forEach((item, i) =>
    good.forEach((_, j) => {
      rows.push({ text: `${item}${good[j]}，${good[(i + j + 1) % good.length]}`, label: 'positive' });
      rows.push({ text: `${item}${bad[j]}，${bad[(i + j + 1) % bad.length]}`, label: 'negative' });
    }),
  );
  enItems.forEach((item, i) =>
    enGood.forEach((_, j) => {
      rows.push({ text: `The ${item}: ${enGood[j]}, ${enGood[(i + j + 1) % enGood.length]}.`, label: 'positive' });
      rows.push({ text: `The ${item}: ${enBad[j]}, ${enBad[(i + j + 1) % enBad.length]}.`, label: 'negative' });
    }),
  );
  return rows;
}

const trainedAt = new Date('2026-11-24T00:00:00Z');

describe('text normalisation', () => {
  it('folds full-width forms, case, long repeats and white space', () => {
    expect(normalise('\ufeffＧＯＯＤ！！！！！  好好好好好')).toBe('good!!! 好好好');
    expect(normalise('bad\u0085movie')).toBe('bad movie');
  });

  it('tells Chinese from English', () => {
    expect(detectLang('质量很好 ok')).toBe('zh');
    expect(detectLang('great phone, 好')).toBe('en');
    expect(detectLang('12345')).toBe('en');
  });
});

describe('trainSentiment', () => {
  const model = trainSentiment(syntheticReviews(), { trainedAt });

  it('learns a small labelled set in both languages', () => {
    expect(model.score('台灯质量很好，非常满意').label).toBe('positive');
    expect(model.score('面包味道难吃，非常失望').label).toBe('negative');
    expect(model.score('Love it, highly recommend').label).toBe('positive');
    expect(model.score('Total junk, a waste of money').label).toBe('negative');
    expect(model.info).toMatchObject({ languages: ['zh', 'en'], rows: { positive: 60, negative: 60, neutral: 0 }, neutralBand: 0.2, trainedAt: '2026-11-24T00:00:00.000Z' });
  });

  it('gives score 2p − 1, the language, and neutral for a text it knows nothing of', () => {
    const r = model.score('The lamp works great');
    expect(r.score).toBeCloseTo(2 * r.probability - 1, 12);
    expect(r.lang).toBe('en');
    expect(model.score('')).toEqual({ label: 'neutral', score: 0, probability: 0.5, lang: 'en' });
  });

  it('sets the neutral band from neutral rows instead of learning them as a class', () => {
    const rows = [...syntheticReviews(), ...['一般般', '还行吧', 'It is ok', 'average'].map((text) => ({ text, label: 'neutral' as const }))];
    const withNeutral = trainSentiment(rows, { trainedAt });
    expect(withNeutral.info.rows.neutral).toBe(4);
    expect(withNeutral.info.neutralBand).toBeGreaterThan(0);
  });

  it('refuses rows of one class only', () => {
    expect(() => trainSentiment([{ text: '很好', label: 'positive' }])).toThrow('training needs positive and negative rows (got 1 positive, 0 negative)');
  });

  it('round-trips through its file format with identical scores', () => {
    const copy = SentimentModel.fromBuffer(model.toBuffer());
    const texts = ['台灯质量很好', 'broke quickly', '一般', 'meh'];
    expect(copy.scoreMany(texts)).toEqual(model.scoreMany(texts));
    expect(copy.info).toEqual(model.info);
    expect(() => SentimentModel.fromBuffer(Buffer.from('not a model'))).toThrow('bad magic');
  });
});

describe('the two views', () => {
  const rows = syntheticReviews();
  const both = trainSentiment(rows, { trainedAt, tfidf: { bits: 16, ngram: [2, 4], lambda: 1e-4, mix: { zh: 0.5, en: 1 } } });
  const alone = trainSentiment(rows, { trainedAt, tfidf: null });

  it('mixes the TF-IDF view into Chinese scores only when English is left to the naive-Bayes view', () => {
    expect(both.info.tfidf).toEqual({ bits: 16, ngram: [2, 4], lambda: 1e-4, mix: { zh: 0.5, en: 1 } });
    expect(alone.info.tfidf).toBeUndefined();
    // The naive-Bayes view is fitted the same way in both, so English (mix 1) scores alike and Chinese does not.
    expect(both.score('The lamp works great').probability).toBeCloseTo(alone.score('The lamp works great').probability, 3);
    expect(both.score('台灯质量很好').probability).not.toBeCloseTo(alone.score('台灯质量很好').probability, 3);
    expect(both.score('台灯质量很好').label).toBe('positive');
    expect(both.score('面包物流太慢').label).toBe('negative');
  });

  it('stores the view after the naive-Bayes weights: 2^bits int16 weights and 2^bits uint16 idf values', () => {
    // "KMSENTI1", u32 header length, header JSON, then the weights.
    const body = (file: Buffer) => file.length - 12 - file.readUInt32LE(8);
    expect(body(both.toBuffer()) - body(alone.toBuffer())).toBe(4 * 2 ** 16);
    const copy = SentimentModel.fromBuffer(both.toBuffer());
    const texts = ['台灯质量很好', '面包物流太慢', 'broke quickly', '一般'];
    expect(copy.scoreMany(texts)).toEqual(both.scoreMany(texts));
    expect(() => SentimentModel.fromBuffer(both.toBuffer().subarray(0, both.toBuffer().length - 2))).toThrow(/sentiment model file: \d+ bytes, expected \d+ for its weights/);
  });

  it('counts hashed character n-grams with repeats, and Chinese skip-bigrams as extra features', () => {
    const counter = new GramCounter(16, [2, 2]);
    const { lang, buckets, counts } = counter.count('好吃好吃');
    expect(lang).toBe('zh');
    // 好吃, 吃好, 好吃: two distinct bigrams, one seen twice.
    expect(buckets.length).toBe(2);
    expect([...counts].sort()).toEqual([1, 2]);
    const plain = new FeatureHasher({ ...DEFAULT_FEATURES, words: false, zhChar: [1, 1] }).extract('不太好').buckets.length;
    const skip = new FeatureHasher({ ...DEFAULT_FEATURES, words: false, zhChar: [1, 1], skipGrams: true }).extract('不太好').buckets.length;
    expect([plain, skip]).toEqual([3, 4]);
  });
});

describe('the shipped model', () => {
  const model = SentimentModel.shipped();

  it.each([
    ['质量很好，物流也快，非常满意', 'positive', 'zh'],
    ['衣服质量太差了，退货', 'negative', 'zh'],
    ['送餐太慢了，饭都凉了', 'negative', 'zh'],
    ['This is the worst service ever', 'negative', 'en'],
    ['Loved it, great quality', 'positive', 'en'],
  ] as const)('labels %j %s', (text, label, lang) => {
    const r = model.score(text);
    expect(r.label).toBe(label);
    expect(r.lang).toBe(lang);
  });

  it('is loaded once and describes itself', () => {
    expect(SentimentModel.shipped()).toBe(model);
    expect(model.info.version).toBe('kemai-sentiment-v1');
    expect(model.info.languages).toEqual(['zh', 'en']);
  });
});
