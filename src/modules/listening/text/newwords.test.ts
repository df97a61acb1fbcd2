import { describe, expect, it } from 'vitest';
import { detectNewWords, detectPhrases } from './newwords.js';

/** Eight contexts on each side: every left and right neighbour set has entropy ln 8 = 2.079 nats. */
const lefts = ['买了', '这个', '喜欢', '推荐', '新款', '送人', '朋友说', '我的'];
const rights = ['很好看', '颜色漂亮', '容量够大', '手感不错', '不漏水', '值得购买', '非常可爱', '已经回购'];
const garments = ['毛衣', '外套', '围巾', '床单', '衬衫', '毛毯', '沙发', '窗帘'];
const afters = ['严重', '厉害', '明显', '太快', '好烦', '失望', '掉毛', '变形'];
const cups = [1, 3].flatMap((step) => lefts.map((left, i) => `${left}云朵杯${rights[(i * step) % 8]}`));
const pills = [1, 3].flatMap((step) => garments.map((garment, i) => `${garment}起球${afters[(i * step + 1) % 8]}`));
/** Words the segmenter knows (repeated), and a made-up name too rare to count (企鹅抱枕 four times). */
const noise = ['味道不错下次再来', '质量很好物流很快', '价格便宜服务周到', '包装完整没有破损', '蓝莓芝士杯一般', '企鹅抱枕还行'];
const corpus = [...cups, ...pills, ...noise, ...noise, ...noise, ...noise];
const hanChars = corpus.join('').length;

describe('detectNewWords', () => {
  it('finds a made-up product name and 起球 across many texts, and nothing from the noise', () => {
    expect(hanChars).toBe(418);
    const found = detectNewWords(corpus);
    expect(found.map((w) => w.term)).toEqual(['起球', '云朵杯']);
    const [pilling, cup] = found;
    // 起 and 球 occur only in 起球: PMI = ln(16 N / (16 · 16)), N = 418. 杯 also ends 蓝莓芝士杯 four times: the
    // weaker cut is 云朵|杯, ln(16 N / (16 · 20)).
    expect(pilling).toEqual({ term: '起球', count: 16, cohesion: Math.log(hanChars / 16), entropy: Math.log(8) });
    expect(cup!.count).toBe(16);
    expect(cup!.cohesion).toBeCloseTo(Math.log(hanChars / 20), 12);
    expect(cup!.entropy).toBeCloseTo(Math.log(8), 12);
  });

  it('rejects the fragments of a word by their neighbours (云朵 is always followed by 杯)', () => {
    const loose = detectNewWords(corpus, { minEntropy: 0, minCohesion: 0 }).map((w) => w.term);
    expect(loose).toEqual(['云朵', '起球', '云朵杯', '朵杯']);
    expect(detectNewWords(corpus, { known: new Set(['云朵杯']) }).map((w) => w.term)).toEqual(['起球']);
    expect(detectNewWords(corpus, { minCount: 17 })).toEqual([]);
    expect(detectNewWords(corpus, { limit: 1 }).map((w) => w.term)).toEqual(['起球']);
  });

  it('refuses bad options and texts, naming them', () => {
    expect(() => detectNewWords(corpus, { maxLength: 7 })).toThrow('detectNewWords: options.maxLength must be 2 to 6, not 7');
    expect(() => detectNewWords(corpus, { minEntropy: Number.NaN })).toThrow('detectNewWords: options.minEntropy must be a finite number, not NaN');
    expect(() => detectNewWords(['好', 3 as unknown as string])).toThrow('detectNewWords: texts[1] must be a string');
  });
});

describe('detectPhrases', () => {
  // N = 55 tokens. 质量 10, 问题 8, 退款 6, 物流 5, 快 5, customer 5, service 5, slow 5.
  const lists = [
    ...Array.from({ length: 6 }, () => ['质量', '问题', '退款']),
    ...Array.from({ length: 4 }, () => ['质量', '不错']),
    ...Array.from({ length: 2 }, () => ['问题', '不大']),
    ...Array.from({ length: 5 }, () => ['物流', '快']),
    ...Array.from({ length: 5 }, () => ['customer', 'service', 'slow']),
    ['好', '好'],
  ];

  it('keeps frequent pairs with a high PMI, by count then PMI then phrase', () => {
    const round = (p: { phrase: string; count: number; pmi: number }) => ({ ...p, pmi: Math.round(p.pmi * 1000) / 1000 });
    // ln(6·57/(8·6)) = 1.964, ln(6·57/(10·8)) = 1.453, ln(5·57/25) = 2.434 (N = 57 with 好 好).
    expect(detectPhrases(lists, { minPmi: 1 }).map(round)).toEqual([
      { phrase: '问题 退款', count: 6, pmi: 1.964 },
      { phrase: '质量 问题', count: 6, pmi: 1.453 },
      { phrase: 'customer service', count: 5, pmi: 2.434 },
      { phrase: 'service slow', count: 5, pmi: 2.434 },
      { phrase: '物流 快', count: 5, pmi: 2.434 },
    ]);
    expect(detectPhrases(lists, { minPmi: 2 }).map((p) => p.phrase)).toEqual(['customer service', 'service slow', '物流 快']);
    expect(detectPhrases(lists, { minPmi: 1, minCount: 6, limit: 1 }).map((p) => p.phrase)).toEqual(['问题 退款']);
  });

  it('refuses a token list that is not an array', () => {
    expect(() => detectPhrases([['a'], 'b' as unknown as string[]])).toThrow('detectPhrases: tokenLists[1] must be an array of strings');
  });
});
