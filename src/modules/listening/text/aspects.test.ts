import { describe, expect, it } from 'vitest';
import { ASPECTS, aspectHints, EN_ASPECT_CUES, ZH_ASPECT_CUES } from './aspects.js';
import { SINGLE_CHAR_WORDS, tokenize } from './segment.js';
import { isStopWord } from './stopwords.js';

describe('aspectHints', () => {
  it('finds the aspects of Chinese mentions, in the fixed order', () => {
    expect(aspectHints('客服态度很差，物流也很慢！质量问题退款了')).toEqual(['quality', 'delivery', 'service', 'staff']);
    expect(aspectHints('这个云朵杯性价比很高，导购小姐姐很热情')).toEqual(['price', 'staff']);
    expect(aspectHints('衣服起球了，掉色严重，不会再买')).toEqual(['quality']);
    expect(aspectHints('送达很快')).toEqual(['delivery']);
    expect(aspectHints('评价很好，东西不错')).toEqual([]);
  });

  it('takes the longest cue inside a token: 服务员 is staff, not service; 不贵 is still about price', () => {
    expect(aspectHints('服务员态度差，太贵了')).toEqual(['price', 'staff']);
    expect(aspectHints('价格不贵')).toEqual(['price']);
    expect(aspectHints('服务很周到')).toEqual(['service']);
  });

  it('finds the aspects of English mentions', () => {
    expect(aspectHints('Customer service was slow, the delivery took 3 days.')).toEqual(['delivery', 'service']);
    expect(aspectHints('The price is fair but the cashier was rude and it broke after a week')).toEqual(['price', 'quality', 'staff']);
    expect(aspectHints('Great phone, love it', 'en')).toEqual([]);
  });

  it('reads stored keywords as they are', () => {
    expect(aspectHints(['快递', '不贵', 'refund', 'staff'])).toEqual(['price', 'delivery', 'service', 'staff']);
    expect(aspectHints([])).toEqual([]);
  });

  it('refuses input that is neither text nor tokens', () => {
    expect(() => aspectHints(7 as unknown as string)).toThrow('aspectHints: input must be a text or an array of token strings');
    expect(() => aspectHints(['好', 7] as unknown as string[])).toThrow('aspectHints: input must be a text or an array of token strings');
  });
});

describe('aspect cues', () => {
  const zh = ASPECTS.flatMap((aspect) => ZH_ASPECT_CUES[aspect]);
  const en = ASPECTS.flatMap((aspect) => EN_ASPECT_CUES[aspect]);

  it('are never stop words, and every Chinese cue comes out of tokenize whole (so stored keywords keep it)', () => {
    expect([...zh, ...en].filter(isStopWord)).toEqual([]);
    expect(zh.filter((cue) => cue.length === 1 && !SINGLE_CHAR_WORDS.has(cue))).toEqual([]);
    expect(zh.filter((cue) => tokenize(cue).join('|') !== cue)).toEqual([]);
  });

  it('each name the aspect they are listed under when they stand alone', () => {
    for (const aspect of ASPECTS) {
      for (const cue of ZH_ASPECT_CUES[aspect]) expect([cue, aspectHints(cue)]).toEqual([cue, [aspect]]);
      for (const cue of EN_ASPECT_CUES[aspect]) expect([cue, aspectHints(cue, 'en')]).toEqual([cue, [aspect]]);
    }
  });
});
