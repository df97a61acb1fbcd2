import { describe, expect, it } from 'vitest';
import { DEMO_STORES, buildProducts } from './catalog.data.js';
import { CRISIS, SOURCE_SHARES } from './mentions.data.js';
import {
  DUPLICATE_SHARE,
  TEMPLATE_COUNT,
  dailyMentionCounts,
  generateMentions,
  type CrisisScenario,
  type GeneratedMention,
  type MentionOptions,
} from './mentions.generator.js';

const products = buildProducts('kemai').map((p) => ({ sku: p.sku, name: p.name, category: p.category }));
const base: MentionOptions = { seed: 'kemai', from: '2026-03-02', days: 5, perDay: 2000, stores: DEMO_STORES, products };
const take = (opts: MentionOptions, n = Infinity): GeneratedMention[] => {
  const out: GeneratedMention[] = [];
  for (const m of generateMentions(opts)) {
    if (out.length >= n) break;
    out.push(m);
  }
  return out;
};
const key = (m: GeneratedMention) => `${m.source}\u0000${m.externalId}`;
const ten = take(base);

describe('generateMentions', () => {
  it('is deterministic: the same seed gives the same mentions, another seed others', () => {
    const first = take(base, 100);
    expect(first).toHaveLength(100);
    expect(take(base, 100)).toEqual(first);
    expect(ten.slice(0, 100)).toEqual(first);
    expect(take({ ...base, seed: 'other' }, 100).map((m) => m.text)).not.toEqual(first.map((m) => m.text));
  });

  it('posts exactly the day counts of dailyMentionCounts, which add up to perDay × days', () => {
    const counts = dailyMentionCounts(base.from, base.days, base.perDay);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    const byDay = new Map<string, number>();
    for (const m of ten) byDay.set(m.postedAt.slice(0, 10), (byDay.get(m.postedAt.slice(0, 10)) ?? 0) + 1);
    expect([...byDay.entries()]).toEqual([
      ['2026-03-02', counts[0]],
      ['2026-03-03', counts[1]],
      ['2026-03-04', counts[2]],
      ['2026-03-05', counts[3]],
      ['2026-03-06', counts[4]],
    ]);
    // A week from Monday 2 March: Saturday and Sunday busier than the weekdays; Friday 6 March opens the 3.8 sales.
    const week = dailyMentionCounts('2026-03-02', 7, 2000);
    expect(week).toEqual([1697, 1715, 1753, 1770, 2122, 2503, 2440]);
    expect(dailyMentionCounts('2026-11-09', 3, 1000)[2]).toBeGreaterThan(1.8 * dailyMentionCounts('2026-11-09', 3, 1000)[0]!);
    expect(dailyMentionCounts('2026-01-01', 365, 2740).reduce((a, b) => a + b, 0)).toBe(1_000_100);
  });

  it('yields in time order (duplicates re-deliver an earlier post of the same day), busy in the evening, quiet at night', () => {
    const seen = new Set<string>();
    let last = '';
    const hours = new Array<number>(24).fill(0);
    for (const m of ten) {
      expect(m.postedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
      if (seen.has(key(m))) continue;
      seen.add(key(m));
      expect(m.postedAt >= last).toBe(true);
      last = m.postedAt;
      hours[Number(m.postedAt.slice(11, 13))]! += 1;
    }
    const evening = hours[20]! + hours[21]! + hours[22]!;
    const night = hours[3]! + hours[4]! + hours[5]!;
    expect(evening).toBeGreaterThan(20 * night);
    expect(hours[12]!).toBeGreaterThan(hours[10]!);
  });

  it('mixes the platforms as SOURCE_SHARES says (within three standard errors on 10,000: ±1.4 points for Weibo)', () => {
    const counts: Record<string, number> = {};
    for (const m of ten) counts[m.source] = (counts[m.source] ?? 0) + 1;
    for (const [source, share] of Object.entries(SOURCE_SHARES)) {
      expect(Math.abs(counts[source]! / ten.length - share)).toBeLessThan(3 * Math.sqrt((share * (1 - share)) / ten.length));
    }
  });

  it('repeats about 1 % of the mentions (same source and externalId, same content) and reposts about 2 % word for word', () => {
    const first = new Map<string, GeneratedMention>();
    const texts = new Map<string, string>();
    let duplicates = 0;
    let repeatedTexts = 0;
    for (const m of ten) {
      const earlier = first.get(key(m));
      if (earlier) {
        duplicates++;
        expect(m).toEqual(earlier);
        expect(m).not.toBe(earlier);
        continue;
      }
      first.set(key(m), m);
      if (texts.has(m.text) && texts.get(m.text) !== key(m)) repeatedTexts++;
      else texts.set(m.text, key(m));
    }
    // Within three standard errors of the rate: 100 ± 30 on 10,000.
    expect(Math.abs(duplicates - DUPLICATE_SHARE * ten.length)).toBeLessThan(3 * Math.sqrt(DUPLICATE_SHARE * (1 - DUPLICATE_SHARE) * ten.length));
    // Reposts (2 %) and texts two people happened to write alike ("开发票很快。").
    expect(repeatedTexts / first.size).toBeGreaterThan(0.02);
    expect(repeatedTexts / first.size).toBeLessThan(0.1);
  });

  it('writes each platform its way: ids, store reviews on Dianping, product reviews in shops, English now and then; a store or product given is named', () => {
    const prefix = { weibo: /^wb-\d{16}$/, xiaohongshu: /^xhs-[0-9a-f]{24}$/, douyin: /^dy-7\d{18}$/, wechat: /^wx-\d+$/, dianping: /^dp-\d{10}$/, ecommerce: /^ec-\d{13}$/ };
    const codes = new Set(DEMO_STORES.map((s) => s.code));
    const skus = new Set(products.map((p) => p.sku));
    const names = new Map(products.map((p) => [p.sku, p.name]));
    // Every form of a store's name (上海南京西路店, 客脉优选上海南京西路店, 南京西路店) holds the part after the city.
    const storeNames = new Map(DEMO_STORES.map((s) => [s.code, s.name.slice(s.city.length)]));
    let english = 0;
    let negative = 0;
    for (const m of ten) {
      expect(m.externalId).toMatch(prefix[m.source]);
      expect(m.author.length).toBeGreaterThan(1);
      if (m.source === 'dianping') {
        expect(codes.has(m.storeCode!)).toBe(true);
        expect(m.city).toBe(DEMO_STORES.find((s) => s.code === m.storeCode)!.city);
      }
      if (m.source === 'ecommerce') expect(skus.has(m.sku!)).toBe(true);
      else if (m.sku) expect(m.text).toContain(names.get(m.sku)!.split(' ').at(-1));
      if (m.storeCode) expect(m.text).toContain(storeNames.get(m.storeCode));
      if (m.source === 'weibo' || m.source === 'xiaohongshu' || m.source === 'douyin') expect(m.region).toBeTruthy();
      expect(m.text).not.toMatch(/\{[A-Z]\}|undefined/);
      expect(m.identifiers).toBeUndefined();
      if (/^[\x20-\x7e]+$/.test(m.text.replace(/[\u3000-\u9fff\uff00-\uffef]+/g, ''))) {
        if (/[a-z]+ [a-z]+ [a-z]+/.test(m.text)) english++;
      }
      if (m.expected === 'negative') negative++;
    }
    expect(english / ten.length).toBeGreaterThan(0.04);
    expect(english / ten.length).toBeLessThan(0.06);
    expect(Math.abs(negative / ten.length - 0.12)).toBeLessThan(0.015);
    expect(TEMPLATE_COUNT).toBeGreaterThanOrEqual(400);
  });

  it('draws heavy-tailed engagement and links some e-commerce reviews to the given accounts', () => {
    const likes = ten.map((m) => m.likes!).sort((a, b) => a - b);
    const median = likes[likes.length >> 1]!;
    expect(median).toBeLessThanOrEqual(5);
    expect(likes.at(-1)!).toBeGreaterThan(1000 * Math.max(1, median));
    const identities = Array.from({ length: 20_000 }, (_, i) => ({ phone: `1380000${String(i).padStart(4, '0')}`, memberNo: `KM${String(i).padStart(8, '0')}` }));
    const linked = take({ ...base, identities }).filter((m) => m.identifiers);
    expect(linked.length).toBeGreaterThan(50);
    expect(linked.every((m) => m.source === 'ecommerce' || m.source === 'dianping')).toBe(true);
    expect(linked.filter((m) => m.source === 'ecommerce').length).toBeGreaterThan(linked.length / 2);
    // One author, one account.
    const byAuthor = new Map<string, string>();
    for (const m of linked) {
      expect(byAuthor.get(m.authorId!) ?? m.identifiers!.memberNo).toBe(m.identifiers!.memberNo);
      byAuthor.set(m.authorId!, m.identifiers!.memberNo!);
    }
  });

  it('rejects bad options before the first mention, naming the field', () => {
    const crisis: CrisisScenario = { startsAt: '2026-03-04T20:00:00+08:00', sku: 'A1001', keyword: '起球', peakPerHour: 300, negativeShareAtPeak: 0.4, decayHours: 48, recoveredShare: 0.05 };
    expect(() => generateMentions({ ...base, from: '2026-02-30' })).toThrow(/^from: /);
    expect(() => generateMentions({ ...base, days: 0 })).toThrow(/^days: /);
    expect(() => generateMentions({ ...base, perDay: 1.5 })).toThrow(/^perDay: /);
    expect(() => generateMentions({ ...base, seed: '' })).toThrow(/^seed: /);
    expect(() => generateMentions({ ...base, negativeShare: 2 })).toThrow(/^negativeShare: /);
    expect(() => generateMentions({ ...base, stores: [] })).toThrow(/^stores: /);
    expect(() => generateMentions({ ...base, crisis: { ...crisis, sku: 'NOPE' } })).toThrow(/^crisis\.sku: NOPE/);
    expect(() => generateMentions({ ...base, crisis: { ...crisis, startsAt: '2026-04-01T20:00:00+08:00' } })).toThrow(/^crisis\.startsAt: /);
    expect(() => generateMentions({ ...base, crisis: { ...crisis, startsAt: 'soon' } })).toThrow(/^crisis\.startsAt: /);
    expect(() => generateMentions({ ...base, crisis: { ...crisis, decayHours: 2 } })).toThrow(/^crisis\.decayHours: /);
    expect(() => generateMentions({ ...base, crisis: { ...crisis, negativeShareAtPeak: -0.1 } })).toThrow(/^crisis\.negativeShareAtPeak: /);
  });
});

describe('a product crisis', () => {
  const crisis: CrisisScenario = { startsAt: '2026-03-12T20:00:00+08:00', sku: 'A1001', keyword: '起球', peakPerHour: 300, negativeShareAtPeak: 0.4, decayHours: 48, recoveredShare: 0.05 };
  const opts: MentionOptions = { seed: 'kemai', from: '2026-03-01', days: 14, perDay: 3000, stores: DEMO_STORES, products, crisis };
  const all = take(opts);
  const start = Date.parse(crisis.startsAt);
  const hourOf = (m: GeneratedMention) => Math.floor((Date.parse(m.postedAt) - start) / 3_600_000);
  const talk = all.filter((m) => m.sku === crisis.sku && m.text.includes(crisis.keyword) && hourOf(m) >= 0 && hourOf(m) < crisis.decayHours);
  const negativeShare = (from: number, to: number) => {
    const window = talk.filter((m) => hourOf(m) >= from && hourOf(m) < to);
    return window.filter((m) => m.expected === 'negative').length / window.length;
  };

  it('jumps within the first hour to at least six times the keyword count of that hour on the days before', () => {
    const firstHour = all.filter((m) => hourOf(m) === 0 && m.text.includes(crisis.keyword)).length;
    const before = all.filter((m) => hourOf(m) < 0 && m.postedAt.slice(11, 13) === '20' && m.text.includes(crisis.keyword)).length / 11;
    expect(firstHour).toBeGreaterThan(250);
    expect(firstHour).toBeGreaterThanOrEqual(6 * Math.max(1, before));
    // The crisis comes on top of the day's baseline.
    const counts = dailyMentionCounts(opts.from, opts.days, opts.perDay);
    expect(all.length).toBeGreaterThan(counts.reduce((a, b) => a + b, 0) + 5000);
  });

  it('is 40 % negative until the statement, then recovers to about 5 %', () => {
    expect(negativeShare(0, 3)).toBeGreaterThanOrEqual(0.35);
    expect(negativeShare(0, 3)).toBeLessThanOrEqual(0.45);
    expect(negativeShare(42, 48)).toBeLessThanOrEqual(0.08);
    expect(negativeShare(12, 24)).toBeLessThan(negativeShare(3, 6));
    // Volume falls off after the statement.
    expect(talk.filter((m) => hourOf(m) >= 42).length).toBeLessThan(talk.filter((m) => hourOf(m) < 6).length / 4);
  });

  it('labels the complaints negative, and after the statement the rest praise the remedy', () => {
    const pattern = (t: string) => new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[A-Z]\}/g, '.+?')}`);
    const complaints = [...CRISIS.complaint, ...CRISIS.afterComplaint].map(pattern);
    const matched = talk.filter((m) => complaints.some((re) => re.test(m.text)));
    expect(matched.length).toBeGreaterThan(1000);
    expect(matched.every((m) => m.expected === 'negative')).toBe(true);
    // The other negatives are the baseline's own complaints about the product (…穿了2次就起球了).
    const negatives = talk.filter((m) => m.expected === 'negative');
    expect(negatives.filter((m) => !complaints.some((re) => re.test(m.text))).length).toBeLessThan(negatives.length / 100);
    const positiveShare = (from: number, to: number) => {
      const window = talk.filter((m) => hourOf(m) >= from && hourOf(m) < to);
      return window.filter((m) => m.expected === 'positive').length / window.length;
    };
    expect(positiveShare(0, 3)).toBeLessThan(0.01);
    expect(positiveShare(3, 48)).toBeGreaterThan(0.5);
    const resolved = CRISIS.resolved.map(pattern);
    const praise = talk.filter((m) => m.expected === 'positive' && hourOf(m) >= 3);
    expect(praise.filter((m) => !resolved.some((re) => re.test(m.text))).length).toBeLessThan(praise.length / 100);
  });
});
