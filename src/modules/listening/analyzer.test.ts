import { describe, expect, it } from 'vitest';
import { createAnalyzer, labelFor } from './analyzer.js';
import { SentimentModel } from './sentiment/model.js';

describe('the label a mention gets', () => {
  it('keeps the model’s label for statements and for questions it is sure about; an unsure question is neutral', () => {
    expect(labelFor('店里能开发票吗？', { label: 'negative', score: -0.68 })).toBe('neutral');
    expect(labelFor('什么时候补货？ #客脉优选#', { label: 'negative', score: -0.4 })).toBe('neutral');
    expect(labelFor('Does the store have parking?', { label: 'negative', score: -0.59 })).toBe('neutral');
    expect(labelFor('为什么质量这么差？', { label: 'negative', score: -0.95 })).toBe('negative');
    expect(labelFor('衣服质量太差了', { label: 'negative', score: -0.6 })).toBe('negative');
  });

  it('analyses with the shipped model: label, aspects, keywords', () => {
    const [a, b] = createAnalyzer(SentimentModel.shipped()).analyze(['衣服质量太差了，洗一次就起球，要退货', '物流很快，客服回复也及时，很满意']);
    expect(a).toMatchObject({ lang: 'zh', label: 'negative', aspects: ['quality', 'service'] });
    expect(a!.keywords).toContain('起球');
    expect(b).toMatchObject({ lang: 'zh', label: 'positive', aspects: ['delivery', 'service'] });
  });
});
