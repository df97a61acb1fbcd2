import { sql, type SQL } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { invalid } from '../../platform/errors.js';
import { trendingTerms } from './text/index.js';
import type { PeriodQuery, TermsQuery, TrendQuery } from './listening.schemas.js';

export interface Period {
  from: Date;
  to: Date;
}

export interface TrendPoint {
  at: string;
  mentions: number;
  positives: number;
  neutrals: number;
  negatives: number;
  negativeShare: number | null;
}

export interface Overview {
  from: string;
  to: string;
  mentions: number;
  positives: number;
  neutrals: number;
  negatives: number;
  negativeShare: number | null;
  previous: { mentions: number; negativeShare: number | null };
  bySource: Array<{ source: string; mentions: number; negatives: number; negativeShare: number | null }>;
  byAspect: Array<{ aspect: string; mentions: number; negatives: number }>;
  openAlerts: number;
  openCrises: number;
}

export interface TermHeat {
  term: string;
  count: number;
  negatives: number;
  previous: number;
  /** Dunning's log-likelihood G² of the rise against the previous period of the same length (0 when not rising). */
  score: number;
  rising: boolean;
}

const DAY = 86_400_000;
const share = (neg: number, all: number) => (all > 0 ? Math.round((neg / all) * 10_000) / 10_000 : null);

/** The period a query names: `to` defaults to now, `from` to 7 days before `to`; `from` must precede `to`. */
export function periodOf(q: { from?: string | undefined; to?: string | undefined }, now: Date): Period {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * DAY);
  if (from >= to) throw invalid('listening.bad_period', 'from: must be before to', [{ path: 'from', message: 'must be before to' }]);
  return { from, to };
}

/** The one scope filter a query names, when it names at most one (the hourly stats answer it); undefined when several. */
function singleScope(q: PeriodQuery): { type: string; key: string } | undefined {
  const named: Array<[string, string | undefined]> = [
    ['source', q.source],
    ['region', q.region],
    ['store', q.storeCode],
    ['product', q.sku],
    ['keyword', q.keyword],
  ];
  const set = named.filter(([, v]) => v !== undefined);
  if (set.length === 0) return { type: 'brand', key: '*' };
  if (set.length === 1) return { type: set[0]![0], key: set[0]![1]! };
  return undefined;
}

function mentionFilters(q: PeriodQuery & { sentiment?: string | undefined }, p: Period): SQL {
  const where = [sql`m.posted_at >= ${p.from.toISOString()}::timestamptz`, sql`m.posted_at < ${p.to.toISOString()}::timestamptz`];
  if (q.source) where.push(sql`m.source = ${q.source}`);
  if (q.region) where.push(sql`m.region = ${q.region}`);
  if (q.storeCode) where.push(sql`m.store_code = ${q.storeCode}`);
  if (q.sku) where.push(sql`m.sku = ${q.sku}`);
  if (q.keyword) where.push(sql`m.keywords @> array[${q.keyword}]::text[]`);
  if (q.sentiment) where.push(sql`m.sentiment_label = ${q.sentiment}`);
  return sql.join(where, sql` and `);
}

function checkZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw invalid('listening.bad_time_zone', `timeZone: unknown time zone ${tz}`, [{ path: 'timeZone', message: 'unknown time zone' }]);
  }
}

/**
 * Figures of what is said: the overview, the sentiment trend, the regions and the keyword heat. Single-scope questions
 * read the hourly stats kept at ingest; questions that combine filters read the mentions.
 */
export class StatsService {
  private readonly clock: Clock;
  constructor(
    private readonly db: Db,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  /** Counts by label over a period for one scope (hourly stats) or any filters (mentions). */
  private async totals(q: PeriodQuery, p: Period): Promise<{ mentions: number; positives: number; negatives: number }> {
    const scope = singleScope(q);
    const [r] = scope
      ? await query<{ m: number; p: number; n: number }>(
          this.db,
          sql`select coalesce(sum(mentions), 0)::int as m, coalesce(sum(positives), 0)::int as p, coalesce(sum(negatives), 0)::int as n
              from listening.hourly_stats where scope_type = ${scope.type} and scope_key = ${scope.key}
                and hour >= date_trunc('hour', ${p.from.toISOString()}::timestamptz) and hour < ${p.to.toISOString()}::timestamptz`,
        )
      : await query<{ m: number; p: number; n: number }>(
          this.db,
          sql`select count(*)::int as m, count(*) filter (where m.sentiment_label = 'positive')::int as p, count(*) filter (where m.sentiment_label = 'negative')::int as n
              from listening.mentions m where ${mentionFilters(q, p)}`,
        );
    return { mentions: r?.m ?? 0, positives: r?.p ?? 0, negatives: r?.n ?? 0 };
  }

  async overview(q: PeriodQuery): Promise<Overview> {
    const p = periodOf(q, this.clock.now());
    const span = p.to.getTime() - p.from.getTime();
    const prev = { from: new Date(p.from.getTime() - span), to: p.from };
    const [now, before] = await Promise.all([this.totals(q, p), this.totals(q, prev)]);
    const bySource = await query<{ source: string; m: number; n: number }>(
      this.db,
      singleScope(q)?.type === 'brand'
        ? sql`select scope_key as source, sum(mentions)::int as m, sum(negatives)::int as n from listening.hourly_stats
              where scope_type = 'source' and hour >= date_trunc('hour', ${p.from.toISOString()}::timestamptz) and hour < ${p.to.toISOString()}::timestamptz
              group by scope_key order by m desc, scope_key`
        : sql`select m.source, count(*)::int as m, count(*) filter (where m.sentiment_label = 'negative')::int as n from listening.mentions m
              where ${mentionFilters(q, p)} group by m.source order by m desc, m.source`,
    );
    const byAspect = await query<{ aspect: string; m: number; n: number }>(
      this.db,
      singleScope(q)?.type === 'brand'
        ? sql`select scope_key as aspect, sum(mentions)::int as m, sum(negatives)::int as n from listening.hourly_stats
              where scope_type = 'aspect' and hour >= date_trunc('hour', ${p.from.toISOString()}::timestamptz) and hour < ${p.to.toISOString()}::timestamptz
              group by scope_key order by m desc, scope_key`
        : sql`select a.aspect, count(*)::int as m, count(*) filter (where m.sentiment_label = 'negative')::int as n
              from listening.mentions m cross join lateral unnest(m.aspects) as a(aspect)
              where ${mentionFilters(q, p)} group by a.aspect order by m desc, a.aspect`,
    );
    const [open] = await query<{ alerts: number; crises: number }>(
      this.db,
      sql`select (select count(*) from listening.alerts where status = 'open')::int as alerts, (select count(*) from listening.crises where status <> 'closed')::int as crises`,
    );
    return {
      from: p.from.toISOString(),
      to: p.to.toISOString(),
      mentions: now.mentions,
      positives: now.positives,
      neutrals: now.mentions - now.positives - now.negatives,
      negatives: now.negatives,
      negativeShare: share(now.negatives, now.mentions),
      previous: { mentions: before.mentions, negativeShare: share(before.negatives, before.mentions) },
      bySource: bySource.map((r) => ({ source: r.source, mentions: r.m, negatives: r.n, negativeShare: share(r.n, r.m) })),
      byAspect: byAspect.map((r) => ({ aspect: r.aspect, mentions: r.m, negatives: r.n })),
      openAlerts: open?.alerts ?? 0,
      openCrises: open?.crises ?? 0,
    };
  }

  /** Mentions by label per hour, day or week (in `timeZone`), every bucket of the period present (zeros included). */
  async trend(q: TrendQuery): Promise<{ bucket: string; timeZone: string; points: TrendPoint[] }> {
    checkZone(q.timeZone);
    const p = periodOf(q, this.clock.now());
    const unit = sql.raw(`'${q.bucket}'`);
    const tz = q.timeZone;
    const scope = singleScope(q);
    const rows = await query<{ at: Date | string; m: number; p: number; n: number }>(
      this.db,
      scope
        ? sql`select date_trunc(${unit}, s.hour at time zone ${tz}) at time zone ${tz} as at, sum(mentions)::int as m, sum(positives)::int as p, sum(negatives)::int as n
              from listening.hourly_stats s where scope_type = ${scope.type} and scope_key = ${scope.key}
                and hour >= date_trunc('hour', ${p.from.toISOString()}::timestamptz) and hour < ${p.to.toISOString()}::timestamptz
              group by 1 order by 1`
        : sql`select date_trunc(${unit}, m.posted_at at time zone ${tz}) at time zone ${tz} as at, count(*)::int as m,
                count(*) filter (where m.sentiment_label = 'positive')::int as p, count(*) filter (where m.sentiment_label = 'negative')::int as n
              from listening.mentions m where ${mentionFilters(q, p)} group by 1 order by 1`,
    );
    const buckets = await query<{ at: Date | string }>(
      this.db,
      sql`select g as at from generate_series(date_trunc(${unit}, ${p.from.toISOString()}::timestamptz at time zone ${tz}),
            ${p.to.toISOString()}::timestamptz at time zone ${tz} - interval '1 microsecond', ${sql.raw(`interval '1 ${q.bucket}'`)}) as s(local)
          cross join lateral (select s.local at time zone ${tz} as g) x`,
    );
    const byAt = new Map(rows.map((r) => [new Date(r.at).toISOString(), r]));
    const points = buckets.map((b) => {
      const at = new Date(b.at).toISOString();
      const r = byAt.get(at);
      const m = r?.m ?? 0;
      const pos = r?.p ?? 0;
      const neg = r?.n ?? 0;
      return { at, mentions: m, positives: pos, neutrals: m - pos - neg, negatives: neg, negativeShare: share(neg, m) };
    });
    return { bucket: q.bucket, timeZone: tz, points };
  }

  /** Mentions and negative share per region over the period, most mentioned first. */
  async regions(q: PeriodQuery): Promise<{ items: Array<{ region: string; mentions: number; negatives: number; negativeShare: number | null }> }> {
    const p = periodOf(q, this.clock.now());
    const onlyPeriod = !q.source && !q.storeCode && !q.sku && !q.keyword && !q.region;
    const rows = await query<{ region: string; m: number; n: number }>(
      this.db,
      onlyPeriod
        ? sql`select scope_key as region, sum(mentions)::int as m, sum(negatives)::int as n from listening.hourly_stats
              where scope_type = 'region' and hour >= date_trunc('hour', ${p.from.toISOString()}::timestamptz) and hour < ${p.to.toISOString()}::timestamptz
              group by scope_key order by m desc, scope_key`
        : sql`select m.region, count(*)::int as m, count(*) filter (where m.sentiment_label = 'negative')::int as n from listening.mentions m
              where ${mentionFilters(q, p)} and m.region is not null group by m.region order by m desc, m.region`,
    );
    return { items: rows.map((r) => ({ region: r.region, mentions: r.m, negatives: r.n, negativeShare: share(r.n, r.m) })) };
  }

  /** Term counts over a period: the hourly keyword stats without other filters, the mentions' keywords with them. */
  private async termCounts(q: TermsQuery, p: Period, limit: number): Promise<Map<string, { count: number; negatives: number }>> {
    const plain = !q.source && !q.region && !q.storeCode && !q.sku && !q.keyword && !q.sentiment;
    const rows = await query<{ term: string; c: number; n: number }>(
      this.db,
      plain
        ? sql`select scope_key as term, sum(mentions)::int as c, sum(negatives)::int as n from listening.hourly_stats
              where scope_type = 'keyword' and hour >= date_trunc('hour', ${p.from.toISOString()}::timestamptz) and hour < ${p.to.toISOString()}::timestamptz
              group by scope_key order by c desc, scope_key limit ${limit}`
        : sql`select k.term, count(*)::int as c, count(*) filter (where m.sentiment_label = 'negative')::int as n
              from listening.mentions m cross join lateral unnest(m.keywords) as k(term)
              where ${mentionFilters(q, p)} ${q.keyword ? sql`and k.term <> ${q.keyword}` : sql``}
              group by k.term order by c desc, k.term limit ${limit}`,
    );
    return new Map(rows.map((r) => [r.term, { count: r.c, negatives: r.n }]));
  }

  /** The hottest terms of the period with their rise against the previous period of the same length. */
  async terms(q: TermsQuery): Promise<{ from: string; to: string; items: TermHeat[]; rising: TermHeat[] }> {
    const p = periodOf(q, this.clock.now());
    const span = p.to.getTime() - p.from.getTime();
    const prevPeriod = { from: new Date(p.from.getTime() - span), to: p.from };
    const pool = Math.max(q.limit * 5, 500);
    const [current, previous] = await Promise.all([this.termCounts(q, p, pool), this.termCounts(q, prevPeriod, pool * 2)]);
    const cur = new Map([...current].map(([t, v]) => [t, v.count]));
    const prev = new Map([...previous].map(([t, v]) => [t, v.count]));
    const trending = trendingTerms(cur, prev, { minCount: 3, limit: pool });
    const scores = new Map(trending.map((t) => [t.term, t.score]));
    const heat = (term: string): TermHeat => {
      const c = current.get(term)!;
      const score = scores.get(term) ?? 0;
      return { term, count: c.count, negatives: c.negatives, previous: prev.get(term) ?? 0, score: Math.round(score * 1000) / 1000, rising: score > 0 };
    };
    const items = [...current.keys()].slice(0, q.limit).map(heat);
    const rising = trending.slice(0, Math.min(q.limit, 30)).map((t) => heat(t.term));
    return { from: p.from.toISOString(), to: p.to.toISOString(), items, rising };
  }
}
