import { dayNumber, dayProfile, instantAt, weekday } from './calendar.js';
import type { DemoStore } from './catalog.data.js';
import {
  ASPECT_WEIGHTS,
  CITY_REGIONS,
  CLAUSES,
  CRISIS,
  CRISIS_SOURCE_SHARES,
  ENGLISH,
  ENGLISH_SHARE,
  NEUTRAL,
  NEUTRAL_WEIGHTS,
  NICKNAMES,
  POSITIVE_AMONG_NON_NEGATIVE,
  PRICES,
  PRODUCT_CLAUSES,
  SOCIAL_HOUR_WEIGHTS,
  SOURCE_SHARES,
  STORE_CITY_BOOST,
  VOICES,
  WEEKDAY_VOLUME,
  type Aspect,
  type MentionSource,
  type NeutralKind,
  type Sentiment,
} from './mentions.data.js';
import { Random } from './random.js';

export type { MentionSource, Sentiment } from './mentions.data.js';

/**
 * Deterministic brand mentions for social listening: the demo brand's feed and the 1,000,000-mention ingest
 * benchmark. Every day gets an exact number of mentions (see {@link dailyMentionCounts}), spread over the day by the
 * platforms' posting rhythm and yielded in time order; an optional product crisis adds its own mentions on top.
 */

/** One mention as the listening ingest API accepts it, plus the label the generator meant. */
export interface GeneratedMention {
  source: MentionSource;
  /** Unique per source (the platform's post or review id), except for the deliberate duplicates. */
  externalId: string;
  url?: string;
  author: string;
  authorId?: string;
  text: string;
  /** ISO instant with +08:00. */
  postedAt: string;
  /** Province short name (上海, 广东, 浙江, …). */
  region?: string;
  city?: string;
  /** When the text names a store. */
  storeCode?: string;
  /** When the text names a product (always on e-commerce reviews and crisis posts). */
  sku?: string;
  likes?: number;
  comments?: number;
  shares?: number;
  /** An account the post is linked to (e-commerce reviews mostly), for customer linking. */
  identifiers?: MentionIdentity;
  expected: Sentiment;
}

export interface MentionIdentity {
  phone?: string;
  memberNo?: string;
}

/** What the texts need of a store (a DemoStore or the demo plan's StoreRecord will do). */
export type MentionStore = Pick<DemoStore, 'code' | 'name' | 'city'>;

export interface MentionProduct {
  sku: string;
  name: string;
  /** The catalog's category ('美妆' or a path '美妆/护肤/精华'); its first part picks the quality phrases. */
  category: string;
}

/**
 * A product crisis: from `startsAt` the product's mentions with `keyword` jump to `peakPerHour` within the hour,
 * with `negativeShareAtPeak` of them negative. After `respondsAfterHours` (default 3) the brand makes a statement:
 * volume falls off (to about a tenth of the peak by the end) and the negative share decays towards
 * `recoveredShare`, the rest of the talk praising the remedy. The crisis lasts `decayHours` hours in all.
 * Each crisis hour's negative count is round(count × share), and crisis posts are never duplicated or reposted.
 */
export interface CrisisScenario {
  /** ISO instant, e.g. '2026-03-14T20:00:00+08:00'. */
  startsAt: string;
  sku: string;
  keyword: string;
  peakPerHour: number;
  negativeShareAtPeak: number;
  decayHours: number;
  recoveredShare: number;
  respondsAfterHours?: number;
}

export interface MentionOptions {
  seed: string;
  /** First local day (YYYY-MM-DD, China time). */
  from: string;
  days: number;
  /** Mean mentions per day; the exact split over the days is {@link dailyMentionCounts}. */
  perDay: number;
  stores: readonly MentionStore[];
  products: readonly MentionProduct[];
  crisis?: CrisisScenario;
  /** Share of negative mentions outside a crisis (default 0.12). */
  negativeShare?: number;
  /** How posts name the brand (default 客脉优选). */
  brand?: string;
  /**
   * Accounts some authors are known by: author n (of the first identities.length) carries identities[n] on part
   * of their e-commerce reviews (15 %) and Dianping reviews (3 %). None without this list.
   */
  identities?: readonly MentionIdentity[];
}

export const DEFAULT_NEGATIVE_SHARE = 0.12;
export const DEFAULT_BRAND = '客脉优选';
/** Share of baseline slots that repost a recent text of the day word for word, under a new id and author. */
export const REPOST_SHARE = 0.02;
/** Share of baseline slots that deliver a recent mention of the day again (same source and externalId). */
export const DUPLICATE_SHARE = 0.01;
/** How much a shopping festival's online demand lifts the talk: volume × (1 + lift × promo.online). */
export const FESTIVAL_LIFT = 0.15;
export const DEFAULT_RESPONSE_HOURS = 3;

/**
 * Baseline mentions per day: the `perDay × days` total split over the days in proportion to the day's weight
 * (weekday rhythm, shopping festivals), with cumulative rounding so the counts add up exactly to the total.
 */
export function dailyMentionCounts(from: string, days: number, perDay: number): number[] {
  const first = parseDate(from);
  checkInteger('days', days, 1);
  checkInteger('perDay', perDay, 0);
  const cumulative = new Float64Array(days + 1);
  for (let i = 0; i < days; i++) cumulative[i + 1] = cumulative[i]! + dayWeight(first + i);
  const total = perDay * days;
  const boundary = (i: number) => (i === days ? total : Math.floor((total * cumulative[i]!) / cumulative[days]!));
  return Array.from({ length: days }, (_, i) => boundary(i + 1) - boundary(i));
}

/**
 * Mentions in time order (by postedAt, duplicates aside: a duplicate re-delivers an earlier mention of the same day
 * a few posts later). The options are checked before the first mention; bad ones throw a RangeError naming the field.
 */
export function generateMentions(opts: MentionOptions): Generator<GeneratedMention> {
  const counts = dailyMentionCounts(opts.from, opts.days, opts.perDay);
  checkOptions(opts);
  return run(new MentionWriter(opts), parseDate(opts.from), counts, opts.crisis ? planCrisis(opts) : EMPTY_CRISIS);
}

function* run(w: MentionWriter, first: number, counts: readonly number[], crisis: CrisisPlan): Generator<GeneratedMention> {
  const seconds = new Int32Array(counts.reduce((max, n) => Math.max(max, n), 0));
  let c = 0;
  while (c < crisis.at.length && crisis.at[c]! < first * DAY_SECONDS) c++;
  for (let i = 0; i < counts.length; i++) {
    const day = first + i;
    const start = day * DAY_SECONDS;
    const times = w.drawSeconds(day, seconds.subarray(0, counts[i]!));
    w.newDay();
    for (let k = 0; k < times.length; k++) {
      const t = start + times[k]!;
      for (; c < crisis.at.length && crisis.at[c]! <= t; c++) yield w.crisisMention(crisis.at[c]!, crisis.kind[c]!);
      yield w.baseline(day, times[k]!);
    }
    for (; c < crisis.at.length && crisis.at[c]! < start + DAY_SECONDS; c++) yield w.crisisMention(crisis.at[c]!, crisis.kind[c]!);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Options

const DAY_SECONDS = 86_400;
const OFFSET_SECONDS = 8 * 3600;

function parseDate(from: string): number {
  try {
    return dayNumber(from);
  } catch {
    throw new RangeError(`from: expected a date YYYY-MM-DD, got ${JSON.stringify(from)}`);
  }
}

function checkInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${field}: expected an integer ≥ ${min}, got ${value}`);
}

function checkShare(field: string, value: number): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${field}: expected a share between 0 and 1, got ${value}`);
}

function checkOptions(opts: MentionOptions): void {
  if (typeof opts.seed !== 'string' || opts.seed === '') throw new RangeError('seed: expected a non-empty string');
  if (opts.stores.length === 0) throw new RangeError('stores: at least one store is needed (Dianping reviews name one)');
  if (opts.products.length === 0) throw new RangeError('products: at least one product is needed');
  if (opts.negativeShare !== undefined) checkShare('negativeShare', opts.negativeShare);
  const crisis = opts.crisis;
  if (!crisis) return;
  if (!opts.products.some((p) => p.sku === crisis.sku)) throw new RangeError(`crisis.sku: ${crisis.sku} is not among the products`);
  if (crisis.keyword.trim() === '') throw new RangeError('crisis.keyword: expected a word');
  if (!(crisis.peakPerHour > 0)) throw new RangeError(`crisis.peakPerHour: expected a positive number, got ${crisis.peakPerHour}`);
  checkShare('crisis.negativeShareAtPeak', crisis.negativeShareAtPeak);
  checkShare('crisis.recoveredShare', crisis.recoveredShare);
  const respond = crisis.respondsAfterHours ?? DEFAULT_RESPONSE_HOURS;
  checkInteger('crisis.respondsAfterHours', respond, 0);
  checkInteger('crisis.decayHours', crisis.decayHours, respond + 1);
  const start = localSeconds(crisis.startsAt);
  const first = parseDate(opts.from) * DAY_SECONDS;
  if (!(start >= first && start < first + opts.days * DAY_SECONDS)) {
    throw new RangeError(`crisis.startsAt: ${crisis.startsAt} is outside the ${opts.days} days from ${opts.from}`);
  }
}

/** Seconds since 1970-01-01 00:00 China time (so day = floor(t / 86400) is the local day). */
function localSeconds(iso: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`crisis.startsAt: expected an ISO instant, got ${JSON.stringify(iso)}`);
  return Math.floor(ms / 1000) + OFFSET_SECONDS;
}

function dayWeight(day: number): number {
  return WEEKDAY_VOLUME[weekday(day)]! * (1 + FESTIVAL_LIFT * dayProfile(day).promo.online);
}

// ---------------------------------------------------------------------------------------------------------------
// The crisis plan: when each crisis mention is posted and what kind of post it is

const enum CrisisKind {
  Question,
  Complaint,
  Statement,
  Resolved,
  AfterComplaint,
}

interface CrisisPlan {
  /** Local seconds (see localSeconds), ascending. */
  at: Float64Array;
  kind: Uint8Array;
}

const EMPTY_CRISIS: CrisisPlan = { at: new Float64Array(0), kind: new Uint8Array(0) };

/**
 * Hour k of the crisis has Poisson(peak × volume(k)) posts, round(count × negativeShare(k)) of them negative,
 * spread evenly through the hour's posts. Before the statement the others are questions; after it, mostly praise
 * of the remedy and reposts of the statement.
 */
function planCrisis(opts: MentionOptions): CrisisPlan {
  const crisis = opts.crisis!;
  const r = Random.forPath(opts.seed, 'mentions', 'crisis-plan');
  const respond = crisis.respondsAfterHours ?? DEFAULT_RESPONSE_HOURS;
  const after = crisis.decayHours - respond;
  const volumeTau = after / Math.LN10;
  const shareTau = after / 6;
  const start = localSeconds(crisis.startsAt);
  const end = (parseDate(opts.from) + opts.days) * DAY_SECONDS;
  const at: number[] = [];
  const kind: number[] = [];
  for (let k = 0; k < crisis.decayHours; k++) {
    const hourStart = start + k * 3600;
    if (hourStart >= end) break;
    const since = k - respond;
    const volume = since < 0 ? 1 : Math.exp(-since / volumeTau);
    const share = since < 0 ? crisis.negativeShareAtPeak : crisis.recoveredShare + (crisis.negativeShareAtPeak - crisis.recoveredShare) * Math.exp(-since / shareTau);
    const count = r.poisson(crisis.peakPerHour * volume);
    const times = Array.from({ length: count }, () => hourStart + r.int(0, 3599)).sort((a, b) => a - b);
    const negatives = Math.round(count * share);
    const phase = r.float();
    for (let i = 0; i < count; i++) {
      const t = times[i]!;
      if (t >= end) break;
      const negative = Math.floor(((i + 1) * negatives) / count + phase) - Math.floor((i * negatives) / count + phase) === 1;
      at.push(t);
      if (since < 0) kind.push(negative ? CrisisKind.Complaint : CrisisKind.Question);
      else if (negative) kind.push(r.chance(0.6) ? CrisisKind.Complaint : CrisisKind.AfterComplaint);
      else kind.push(r.chance(0.7) ? CrisisKind.Resolved : CrisisKind.Statement);
    }
  }
  return { at: Float64Array.from(at), kind: Uint8Array.from(kind) };
}

// ---------------------------------------------------------------------------------------------------------------
// Templates: literals and slots, parsed once

const SLOT_NAMES = 'PSCBKNDMX';
const ENDS_SENTENCE = /[。！？?!.～]$/;
const enum Slot {
  Product,
  Store,
  City,
  Brand,
  Keyword,
  Price,
  Days,
  Minutes,
  Count,
}

interface Template {
  /** lits[0] slot[0] lits[1] slot[1] … lits[n]. */
  lits: string[];
  slots: Slot[];
  /** Bit per slot used. */
  mask: number;
  /** Said only of products whose name contains one of these words, or never of them when `except`. */
  only?: { words: string[]; except: boolean };
  /** For a clause given the product's name in front: the clause as written. */
  plain?: Template;
  /** Empty (an opener or closer left out), ends a sentence (？。！), holds a #topic#. */
  blank: boolean;
  ends: boolean;
  topic: boolean;
}

function compile(source: string): Template {
  const filter = /^\[([^\]]+)\]/.exec(source);
  const body = filter ? source.slice(filter[0].length) : source;
  const lits: string[] = [];
  const slots: Slot[] = [];
  let mask = 0;
  let last = 0;
  for (const m of body.matchAll(/\{([A-Z])\}/g)) {
    const slot = SLOT_NAMES.indexOf(m[1]!);
    if (slot < 0) throw new Error(`mentions.data: unknown slot {${m[1]}} in "${source}"`);
    lits.push(body.slice(last, m.index));
    slots.push(slot);
    mask |= 1 << slot;
    last = m.index + m[0].length;
  }
  lits.push(body.slice(last));
  const shape = { lits, slots, mask, blank: body === '', ends: ENDS_SENTENCE.test(body), topic: body.includes('#') };
  if (!filter) return shape;
  const except = filter[1]!.startsWith('!');
  return { ...shape, only: { words: (except ? filter[1]!.slice(1) : filter[1]!).split('/'), except } };
}

const compileAll = (list: readonly string[]) => list.map(compile);
const mapValues = <K extends string, V, W>(o: Readonly<Record<K, V>>, f: (v: V) => W) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;

type Opinion = 'positive' | 'negative';
type Bank = readonly Template[];

const GENERIC: Record<Opinion, Record<Exclude<Aspect, 'quality'>, Bank>> = mapValues(CLAUSES, (byAspect) => mapValues(byAspect, compileAll));
const PRODUCT_BANKS: Record<string, Record<Opinion, Bank>> = mapValues(PRODUCT_CLAUSES, (bySentiment) => mapValues(bySentiment, compileAll));
const NEUTRAL_BANKS: Record<NeutralKind, Bank> = mapValues(NEUTRAL, compileAll);
const ENGLISH_BANKS: Record<Sentiment, Bank> = mapValues(ENGLISH, compileAll);
/** Dianping reviews name their store, in English too. */
const ENGLISH_STORE_BANKS: Record<Sentiment, Bank> = mapValues(ENGLISH_BANKS, (bank) => bank.filter((t) => t.mask & (1 << Slot.Store)));
const CRISIS_BANKS: Record<CrisisKind, Bank> = {
  [CrisisKind.Question]: compileAll(CRISIS.question),
  [CrisisKind.Complaint]: compileAll(CRISIS.complaint),
  [CrisisKind.Statement]: compileAll(CRISIS.statement),
  [CrisisKind.Resolved]: compileAll(CRISIS.resolved),
  [CrisisKind.AfterComplaint]: compileAll(CRISIS.afterComplaint),
};
const CRISIS_LABEL: Record<CrisisKind, Sentiment> = {
  [CrisisKind.Question]: 'neutral',
  [CrisisKind.Complaint]: 'negative',
  [CrisisKind.Statement]: 'neutral',
  [CrisisKind.Resolved]: 'positive',
  [CrisisKind.AfterComplaint]: 'negative',
};
interface CompiledVoice {
  open: Record<Sentiment, Bank>;
  close: Record<Sentiment, Bank>;
  tags: Record<Sentiment, Bank>;
  joiner: string;
}
const VOICE_BANKS: Record<MentionSource, CompiledVoice> = mapValues(VOICES, (v) => ({
  open: mapValues(v.open, compileAll),
  close: mapValues(v.close, compileAll),
  tags: mapValues(v.tags, compileAll),
  joiner: v.joiner,
}));

/** Distinct text fragments the banks hold (openers, clauses, closers, tags, English and crisis posts). */
export const TEMPLATE_COUNT = (() => {
  const count = (o: unknown): number => (typeof o === 'string' ? 1 : Array.isArray(o) ? new Set(o.filter((x) => typeof x === 'string' && x !== '')).size : typeof o === 'object' && o !== null ? Object.values(o).reduce<number>((n, v) => n + count(v), 0) : 0);
  return count(CLAUSES) + count(PRODUCT_CLAUSES) + count(NEUTRAL) + count(ENGLISH) + count(CRISIS) + count(mapValues(VOICES, (v) => [v.open, v.close, v.tags]));
})();

/** A weighted draw over a short table (a linear scan of cumulative weights). */
class Table<T> {
  private readonly cumulative: Float64Array;
  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]!;
      this.cumulative[i] = sum;
    }
  }
  static of<K extends string>(weights: Readonly<Record<K, number>>): Table<K> {
    const keys = Object.keys(weights) as K[];
    return new Table(keys, keys.map((k) => weights[k]));
  }
  draw(r: Random): T {
    const u = r.float() * this.cumulative[this.cumulative.length - 1]!;
    let i = 0;
    while (i < this.cumulative.length - 1 && u >= this.cumulative[i]!) i++;
    return this.items[i]!;
  }
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const HOUR_TABLES = { weekday: new Table(HOURS, SOCIAL_HOUR_WEIGHTS.weekday), weekend: new Table(HOURS, SOCIAL_HOUR_WEIGHTS.weekend) };
const SOURCE_TABLE = Table.of(SOURCE_SHARES);
const CRISIS_SOURCE_TABLE = Table.of(CRISIS_SOURCE_SHARES);
const ASPECT_TABLES = mapValues(ASPECT_WEIGHTS, (w) => Table.of(w));
const NEUTRAL_TABLES = mapValues(NEUTRAL_WEIGHTS, (w) => Table.of(w));
const NUMBERS = Array.from({ length: 61 }, (_, i) => String(i));
const RING = 64;

/** Engagement scale per platform (likes of a typical post); the draw is Pareto, so a few posts go viral. */
const ENGAGEMENT: Record<MentionSource, { likes: number; comments: number; shares: number }> = {
  weibo: { likes: 4, comments: 0.25, shares: 0.15 },
  xiaohongshu: { likes: 10, comments: 0.15, shares: 0.1 },
  douyin: { likes: 20, comments: 0.12, shares: 0.08 },
  wechat: { likes: 15, comments: 0.05, shares: 0.3 },
  dianping: { likes: 1.5, comments: 0.1, shares: 0 },
  ecommerce: { likes: 0.6, comments: 0.05, shares: 0 },
};
const PARETO_ALPHA = 1.3;
const MAX_LIKES = 2_000_000;

/** Per-source post ids, ascending with time as the platforms' are. */
const ID_START: Record<MentionSource, number> = {
  weibo: 4_870_000_000_000_000,
  xiaohongshu: 0x6400_0000,
  douyin: 10_000_000,
  wechat: 2_650_000_000,
  dianping: 1_480_000_000,
  ecommerce: 1_290_000_000_000,
};
const ID_PREFIX: Record<MentionSource, string> = { weibo: 'wb-', xiaohongshu: 'xhs-', douyin: 'dy-', wechat: 'wx-', dianping: 'dp-', ecommerce: 'ec-' };

interface ProductEntry {
  sku: string;
  full: string;
  item: string;
  clauses: Record<Opinion, Bank>;
  /** The same clauses, each naming the product. */
  named: Record<Opinion, Bank>;
}

interface StoreEntry {
  code: string;
  city: string;
  region: string;
  names: [string, string, string];
}

// ---------------------------------------------------------------------------------------------------------------
// Writing one mention

/** Turns draws into mentions: one instance per run, its per-mention state reset by each call. */
class MentionWriter {
  /** The baseline's stream, and the crisis's own (so a crisis leaves the baseline's texts as they were). */
  private readonly r: Random;
  private readonly cr: Random;
  private readonly brand: string;
  private readonly negativeShare: number;
  private readonly products: ProductEntry[];
  private readonly stores: StoreEntry[];
  private readonly storesByCity = new Map<string, number[]>();
  private readonly cities: Table<string>;
  private readonly identities: readonly MentionIdentity[];
  private readonly nextId: Record<MentionSource, number> = { ...ID_START };
  private readonly crisisProduct: number;
  private readonly keyword: string;
  private readonly ring: GeneratedMention[] = [];
  private ringSize = 0;
  private ringNext = 0;

  // The mention being written.
  private product = -1;
  private productText = '';
  private store = -1;
  private storeText = '';
  private city = '';
  private productNamed = false;
  /** The stream the mention being written draws from: `cr` while a crisis post is written, else `r`. */
  private rr: Random;

  constructor(opts: MentionOptions) {
    this.r = Random.forPath(opts.seed, 'mentions');
    this.cr = Random.forPath(opts.seed, 'mentions', 'crisis');
    this.rr = this.r;
    this.brand = opts.brand ?? DEFAULT_BRAND;
    this.negativeShare = opts.negativeShare ?? DEFAULT_NEGATIVE_SHARE;
    this.identities = opts.identities ?? [];
    this.products = opts.products.map((p) => productEntry(p));
    this.stores = opts.stores.map((s) => ({
      code: s.code,
      city: s.city,
      region: CITY_REGIONS[s.city]?.region ?? s.city,
      names: [s.name, `${this.brand}${s.name}`, s.name.startsWith(s.city) && s.name.length > s.city.length + 1 ? s.name.slice(s.city.length) : s.name],
    }));
    this.stores.forEach((s, i) => this.storesByCity.set(s.city, [...(this.storesByCity.get(s.city) ?? []), i]));
    const cities = [...new Set([...Object.keys(CITY_REGIONS), ...this.stores.map((s) => s.city)])];
    const weight = (c: string) => (CITY_REGIONS[c]?.weight ?? 1) * (1 + STORE_CITY_BOOST * (this.storesByCity.get(c)?.length ?? 0));
    this.cities = new Table(cities, cities.map(weight));
    this.crisisProduct = opts.crisis ? opts.products.findIndex((p) => p.sku === opts.crisis!.sku) : -1;
    this.keyword = opts.crisis?.keyword ?? '';
  }

  /** Seconds of the local day for `into.length` posts, by the hour weights of a weekday or weekend day, sorted. */
  drawSeconds(day: number, into: Int32Array): Int32Array {
    const dow = weekday(day);
    const hours = dow === 0 || dow === 6 ? HOUR_TABLES.weekend : HOUR_TABLES.weekday;
    for (let i = 0; i < into.length; i++) into[i] = hours.draw(this.r) * 3600 + Math.floor(this.r.float() * 3600);
    return into.sort();
  }

  /** Reposts and duplicates come from the same day's recent posts. */
  newDay(): void {
    this.ringSize = 0;
    this.ringNext = 0;
  }

  /** A baseline slot: a fresh post, a word-for-word repost of a recent one, or a re-delivery of a recent one. */
  baseline(day: number, second: number): GeneratedMention {
    const u = this.r.float();
    if (this.ringSize > 0 && u < DUPLICATE_SHARE) return { ...this.recent() };
    const postedAt = instantAt(day, second);
    const m = this.ringSize > 0 && u < DUPLICATE_SHARE + REPOST_SHARE ? this.repost(this.recent(), day, second, postedAt) : this.fresh(day, second, postedAt);
    this.ring[this.ringNext] = m;
    this.ringNext = (this.ringNext + 1) % RING;
    if (this.ringSize < RING) this.ringSize++;
    return m;
  }

  /** A post of the crisis, of the kind its plan says, on the crisis product. */
  crisisMention(at: number, kind: CrisisKind): GeneratedMention {
    const r = (this.rr = this.cr);
    const day = Math.floor(at / DAY_SECONDS);
    const second = at - day * DAY_SECONDS;
    const source = CRISIS_SOURCE_TABLE.draw(r);
    this.reset();
    this.city = this.cities.draw(r);
    this.useProduct(this.crisisProduct);
    const t = r.pick(CRISIS_BANKS[kind]);
    let text = this.render(t);
    if (!t.ends) text += kind === CrisisKind.Complaint ? r.pick(SHORT_ANGRY_ENDS) : '。';
    if (source === 'weibo' && !t.topic && r.chance(0.4)) text += ` #${this.brand}${this.keyword}#`;
    const m = this.envelope(source, day, second, instantAt(day, second), text, CRISIS_LABEL[kind]);
    this.rr = this.r;
    return m;
  }

  private recent(): GeneratedMention {
    return this.ring[Math.floor(this.r.float() * this.ringSize)]!;
  }

  private repost(original: GeneratedMention, day: number, second: number, postedAt: string): GeneratedMention {
    this.reset();
    this.city = this.cities.draw(this.r);
    if (original.storeCode !== undefined) this.store = this.stores.findIndex((s) => s.code === original.storeCode);
    if (original.sku !== undefined) this.product = this.products.findIndex((p) => p.sku === original.sku);
    return this.envelope(original.source, day, second, postedAt, original.text, original.expected);
  }

  private fresh(day: number, second: number, postedAt: string): GeneratedMention {
    const r = this.r;
    const source = SOURCE_TABLE.draw(r);
    const expected: Sentiment = r.chance(this.negativeShare) ? 'negative' : r.chance(POSITIVE_AMONG_NON_NEGATIVE[source]) ? 'positive' : 'neutral';
    this.reset();
    this.city = this.cities.draw(r);
    if (source === 'dianping') this.pickStore();
    if (source === 'ecommerce') this.useProduct(Math.floor(r.float() * this.products.length));
    const text = r.chance(ENGLISH_SHARE) ? this.english(source, expected) : this.chinese(source, expected);
    return this.envelope(source, day, second, postedAt, text, expected);
  }

  private english(source: MentionSource, expected: Sentiment): string {
    const t = this.rr.pick((source === 'dianping' ? ENGLISH_STORE_BANKS : ENGLISH_BANKS)[expected]);
    this.resolve(t.mask);
    return this.render(t);
  }

  /** Opener, one or two clauses, closer, end mark, tags. */
  private chinese(source: MentionSource, expected: Sentiment): string {
    const r = this.r;
    const voice = VOICE_BANKS[source];
    const open = r.pick(voice.open[expected]);
    const close = r.pick(voice.close[expected]);
    const tags = r.pick(voice.tags[expected]);
    this.productNamed = (open.mask & (1 << Slot.Product)) !== 0;
    let first: Template;
    let second: Template | undefined;
    if (expected === 'neutral') first = r.pick(NEUTRAL_BANKS[NEUTRAL_TABLES[source].draw(r)]);
    else {
      first = this.clause(source, expected);
      if (r.chance(0.4)) second = this.clause(source, expected);
      if ((second?.plain ?? second) === (first.plain ?? first)) second = undefined;
    }
    this.resolve(open.mask | close.mask | tags.mask | first.mask | (second?.mask ?? 0));
    let text = this.render(open) + this.render(first);
    if (second) text += voice.joiner + this.render(second);
    // A question keeps its question mark: no closer after it.
    let ends = (second ?? first).ends;
    if (!ends && !close.blank) {
      text += this.render(close);
      ends = close.ends;
    }
    if (!ends) text += source === 'weibo' || source === 'douyin' ? r.pick(expected === 'negative' ? SHORT_ANGRY_ENDS : SHORT_ENDS) : '。';
    // An opener with a topic (#客脉优选售后#) is tag enough.
    return open.topic ? text : text + this.render(tags);
  }

  /**
   * A clause on one aspect. Quality is said of a product: outside shop reviews (which sit on the product's page)
   * the post names the product the first time ("{P}收到就裂了"), so a mention with a sku always names it.
   */
  private clause(source: MentionSource, opinion: Opinion): Template {
    const aspect = ASPECT_TABLES[source].draw(this.r);
    if (aspect !== 'quality') return this.r.pick(GENERIC[opinion][aspect]);
    if (this.product < 0) this.useProduct(Math.floor(this.r.float() * this.products.length));
    const entry = this.products[this.product]!;
    const t = this.r.pick((source === 'ecommerce' || this.productNamed ? entry.clauses : entry.named)[opinion]);
    this.productNamed = true;
    return t;
  }

  /** Chooses the store and product the templates name (the store's city becomes the post's). */
  private resolve(mask: number): void {
    if (mask & (1 << Slot.Store) && this.store < 0) this.pickStore();
    if (mask & (1 << Slot.Product) && this.product < 0) this.useProduct(Math.floor(this.rr.float() * this.products.length));
  }

  private pickStore(): void {
    const local = this.storesByCity.get(this.city);
    const i = local ? local[Math.floor(this.rr.float() * local.length)]! : Math.floor(this.rr.float() * this.stores.length);
    const store = this.stores[i]!;
    this.store = i;
    this.storeText = store.names[Math.floor(this.rr.float() * 3)]!;
    this.city = store.city;
  }

  private useProduct(i: number): void {
    const p = this.products[i]!;
    this.product = i;
    this.productText = this.rr.chance(0.5) ? p.full : p.item;
  }

  private reset(): void {
    this.product = -1;
    this.store = -1;
  }

  private render(t: Template): string {
    let out = t.lits[0]!;
    for (let i = 0; i < t.slots.length; i++) out += this.slot(t.slots[i]!) + t.lits[i + 1]!;
    return out;
  }

  private slot(slot: Slot): string {
    const r = this.rr;
    switch (slot) {
      case Slot.Product:
        return this.productText;
      case Slot.Store:
        return this.storeText;
      case Slot.City:
        return this.city;
      case Slot.Brand:
        return this.brand;
      case Slot.Keyword:
        return this.keyword;
      case Slot.Price:
        return r.pick(PRICES);
      case Slot.Days:
        return NUMBERS[r.int(2, 9)]!;
      case Slot.Minutes:
        return NUMBERS[r.int(2, 12) * 5]!;
      case Slot.Count:
        return NUMBERS[r.int(2, 5)]!;
    }
  }

  /** Ids, author, place, engagement and account around a text. */
  private envelope(source: MentionSource, day: number, second: number, postedAt: string, text: string, expected: Sentiment): GeneratedMention {
    const r = this.rr;
    const author = Math.floor(AUTHORS * r.float() ** 3);
    const seq = (this.nextId[source] += 1 + Math.floor(r.float() * 40));
    const epoch = (day * DAY_SECONDS + second - OFFSET_SECONDS) | 0;
    const id = postId(source, seq, epoch);
    const m: GeneratedMention = { source, externalId: ID_PREFIX[source] + id, author: nickname(author), authorId: authorId(source, author), text, postedAt, expected };
    const url = postUrl(source, id, m.authorId!);
    if (url) m.url = url;
    const store = this.store >= 0 ? this.stores[this.store]! : undefined;
    if (store) m.storeCode = store.code;
    if (this.product >= 0) m.sku = this.products[this.product]!.sku;
    const place = store ? store.region : (CITY_REGIONS[this.city]?.region ?? this.city);
    if (source === 'weibo' || source === 'xiaohongshu' || source === 'douyin' || store || (source === 'ecommerce' && r.chance(0.5))) m.region = place;
    if (store) m.city = store.city;
    const scale = ENGAGEMENT[source];
    const likes = Math.min(MAX_LIKES, Math.floor(scale.likes * (expected === 'negative' && source === 'weibo' ? 2 : 1) * (r.float() ** (-1 / PARETO_ALPHA) - 1)));
    m.likes = likes;
    m.comments = Math.floor(likes * scale.comments * 2 * r.float());
    m.shares = Math.floor(likes * scale.shares * 2 * r.float());
    if (author < this.identities.length && r.chance(source === 'ecommerce' ? 0.15 : source === 'dianping' ? 0.03 : 0)) m.identifiers = { ...this.identities[author]! };
    return m;
  }
}

/** Weibo and Douyin posts often end without a full stop. */
const SHORT_ENDS = ['', '。', '～'];
const SHORT_ANGRY_ENDS = ['！', '', '。'];
/** Distinct authors; author n posts with probability ∝ n^(-2/3), so a few accounts post a lot. */
const AUTHORS = 400_000;

/** Generic product phrases fill a category's bank up to this many clauses when its filters leave fewer. */
const MIN_PRODUCT_CLAUSES = 8;

function productEntry(p: MentionProduct): ProductEntry {
  const banks = PRODUCT_BANKS[p.category.split('/')[0]!] ?? PRODUCT_BANKS.other!;
  const fits = (t: Template) => !t.only || t.only.words.some((w) => p.name.includes(w)) !== t.only.except;
  const bank = (opinion: Opinion) => {
    const own = banks[opinion].filter(fits);
    return own.length >= MIN_PRODUCT_CLAUSES ? own : [...own, ...PRODUCT_BANKS.other![opinion]];
  };
  const clauses = { positive: bank('positive'), negative: bank('negative') };
  const space = p.name.indexOf(' ');
  return {
    sku: p.sku,
    full: p.name,
    item: space > 0 ? p.name.slice(space + 1) : p.name,
    clauses,
    named: { positive: clauses.positive.map(naming), negative: clauses.negative.map(naming) },
  };
}

/** The clause with the product named in front when it does not name it itself. */
function naming(t: Template): Template {
  if (t.mask & (1 << Slot.Product)) return t;
  return { ...t, lits: ['', ...t.lits], slots: [Slot.Product, ...t.slots], mask: t.mask | (1 << Slot.Product), plain: t };
}

/** The post id as the platform writes it: Weibo mids, Xiaohongshu's 24 hex digits, Douyin's 19-digit ids, … */
function postId(source: MentionSource, seq: number, epoch: number): string {
  switch (source) {
    case 'xiaohongshu':
      return `${hex32(epoch)}${hex32(seq / 2 ** 32)}${hex32(seq)}`;
    case 'douyin':
      return `7${epoch}${decimal(seq)}`;
    default:
      return decimal(seq);
  }
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Eight hex digits of the low 32 bits (Number#toString(16) is several times slower). */
function hex32(n: number): string {
  const x = n >>> 0;
  return HEX_BYTES[x >>> 24]! + HEX_BYTES[(x >>> 16) & 255]! + HEX_BYTES[(x >>> 8) & 255]! + HEX_BYTES[x & 255]!;
}

function postUrl(source: MentionSource, id: string, user: string): string | undefined {
  switch (source) {
    case 'weibo':
      return `https://weibo.com/${user}/${id}`;
    case 'xiaohongshu':
      return `https://www.xiaohongshu.com/explore/${id}`;
    case 'douyin':
      return `https://www.douyin.com/video/${id}`;
    case 'wechat':
      return `https://mp.weixin.qq.com/s/${id}`;
    case 'dianping':
      return `https://www.dianping.com/review/${id}`;
    case 'ecommerce':
      return undefined;
  }
}

/** A bijection on 32 bits: every author keeps one id, and no two share one. */
function scramble(n: number): number {
  let h = Math.imul(n ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

const AUTHOR_PREFIX: Record<MentionSource, string> = { weibo: '', xiaohongshu: '5f', douyin: 'MS4w', wechat: 'wx_', dianping: 'dp_', ecommerce: 'ec_' };
function authorId(source: MentionSource, author: number): string {
  const h = scramble(author);
  return source === 'weibo' ? decimal(5_000_000_000 + h) : source === 'xiaohongshu' ? AUTHOR_PREFIX[source] + hex32(h) : AUTHOR_PREFIX[source] + decimal(h);
}

/**
 * Decimal digits of a non-negative integer below 2^53, from two parts below 10^8: small integers convert on V8's
 * fast path, large ones (Weibo's 16-digit mids) through the slow double-to-string one.
 */
function decimal(n: number): string {
  if (n < 1e8) return String(n);
  const high = Math.floor(n / 1e8);
  return String(high) + String(n - high * 1e8 + 1e8).slice(1);
}

const N = NICKNAMES;
/** The same author always has the same nickname. */
function nickname(author: number): string {
  const h = scramble(author ^ 0x2f6b_1c35);
  const a = h % 1024;
  const b = (h >>> 10) % 1024;
  switch ((h >>> 20) % 8) {
    case 0:
    case 1:
      return `${N.likes[a % N.likes.length]}的${N.nouns[b % N.nouns.length]}`;
    case 2:
      return `小${N.chars[a % N.chars.length]}${N.suffixes[b % N.suffixes.length]}`;
    case 3:
      return `${N.latin[a % N.latin.length]}_${1980 + (b % 26)}`;
    case 4:
      return `${N.places[a % N.places.length]}${N.roles[b % N.roles.length]}`;
    case 5:
      return `${N.chars[a % N.chars.length]}${N.chars[b % N.chars.length]}${N.suffixes[(h >>> 23) % N.suffixes.length]}`;
    case 6:
      return `${N.latin[a % N.latin.length]}在${N.places[b % N.places.length]}`;
    default:
      return `用户${String(h).padStart(10, '0')}`;
  }
}

