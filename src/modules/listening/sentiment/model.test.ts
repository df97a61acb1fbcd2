import { describe, expect, it } from 'vitest';
import { SentimentModel, trainSentiment, type LabelledText } from './model.js';
import { detectLang, normalise } from './text.js';

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
