import { sql, type SQL } from 'drizzle-orm';
import { parseInstant, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { invalid } from '../../platform/errors.js';
import { csatFromCounts, npsFromCounts, responseRate, type CsatScore, type NpsScore } from './domain/scores.js';
import { clampSentiment, type SentimentScorer } from './sentiment.js';
import { iso, parseOr } from './shared.js';
import { ResultsQuery, VerbatimsQuery, type ResultGroup, type SurveyLocale } from './surveys.schemas.js';
import type { Survey } from './surveys.service.js';

const DAY = 86_400_000;

export interface Scores {
  /** Responses in the group. */
  responses: number;
  nps: NpsScore;
  csat: CsatScore;
  /** Invitations sent in the range (or period) and how many of them were answered. */
  sent: number;
  responded: number;
  /** responded / sent, %, one decimal. */
  responseRate: number | null;
}

export interface TrendPoint extends Scores {
  /** 2026-11 (month) or the Monday 2026-11-23 (week). */
  period: string;
}

export interface ResultGroupRow extends Scores {
  /** The store code, guide id, segment code or period; null for answers without one (no store). */
  key: string | null;
  /** A store's or guide's name when known. */
  label: string | null;
  trend?: TrendPoint[];
}

export interface SurveyResults {
  survey: { id: string; code: string; name: string };
  from: string;
  to: string;
  by: ResultGroup | null;
  segment: string | null;
  /** The trend's period: week when grouping by week, month otherwise. */
  trendBy: 'week' | 'month';
  total: Scores;
  trend: TrendPoint[];
  groups: ResultGroupRow[];
}

export interface Verbatim {
  id: string;
  submittedAt: string;
  verbatim: string;
  nps: number | null;
  csat: number | null;
  storeCode: string | null;
  guideId: string | null;
  ticketId: string | null;
  orderId: string | null;
  customerId: string | null;
  sentiment: number | null;
  sentimentLabel: string | null;
}

type Counts = { responses: number; prom: number; pas: number; det: number; n_csat: number; sat: number; csat_sum: number; sent: number; responded: number };
const zero = (): Counts => ({ responses: 0, prom: 0, pas: 0, det: 0, n_csat: 0, sat: 0, csat_sum: 0, sent: 0, responded: 0 });
const add = (a: Counts, b: Partial<Counts>) => {
  for (const k of Object.keys(a) as Array<keyof Counts>) a[k] += Number(b[k] ?? 0);
};
const scores = (c: Counts): Scores => ({
  responses: c.responses,
  nps: npsFromCounts({ promoters: c.prom, passives: c.pas, detractors: c.det }),
  csat: csatFromCounts({ n: c.n_csat, satisfied: c.sat, sum: c.csat_sum }),
  sent: c.sent,
  responded: c.responded,
  responseRate: responseRate(c.responded, c.sent),
});

/**
 * Results: NPS, CSAT and response rate of a survey over a range, in total, by store / guide / segment / week / month,
 * with a trend by period; the verbatims (free text) a page at a time, with sentiment when a scorer is present.
 */
export class ResultsService {
  constructor(
    private readonly db: Db,
    private readonly deps: { clock: Clock; timeZone: string; scorer: () => SentimentScorer | null; survey: (idOrCode: string) => Promise<Survey> },
  ) {}

  private range(from: string | undefined, to: string | undefined): { from: Date; to: Date } {
    const now = this.deps.clock.now();
    const read = (text: string | undefined, field: 'from' | 'to', fallback: Date) => {
      if (text === undefined) return fallback;
      const d = parseInstant(text, this.deps.timeZone);
      if (!d) throw invalid('surveys.invalid_range', `${field}: not a date or instant`, [{ path: field, message: 'not a date (YYYY-MM-DD) or an instant with an offset' }]);
      return d;
    };
    const t = read(to, 'to', now);
    const f = read(from, 'from', new Date(t.getTime() - 90 * DAY));
    if (f.getTime() >= t.getTime()) throw invalid('surveys.invalid_range', 'from: must be before to', [{ path: 'from', message: 'must be before to' }]);
    return { from: f, to: t };
  }

  private async segmentId(code: string | undefined): Promise<string | null> {
    if (!code) return null;
    const r = await queryOne<{ id: string }>(this.db, sql`select id from segments.segments where code = ${code}`);
    if (!r) throw invalid('surveys.invalid_segment', `segment: no segment ${code}`, [{ path: 'segment', message: `no segment ${code}` }]);
    return String(r.id);
  }

  async results(idOrCode: string, input: unknown = {}): Promise<SurveyResults> {
    const q = parseOr(ResultsQuery, input, 'surveys.invalid_query');
    const { from, to } = this.range(q.from, q.to);
    const segmentId = await this.segmentId(q.segment);
    const survey = await this.deps.survey(idOrCode);
    const tz = this.deps.timeZone;
    const by = q.by ?? null;
    const trendBy = by === 'week' ? 'week' : 'month';
    const bucket = (col: SQL, unit: 'week' | 'month') =>
      unit === 'week' ? sql`to_char(date_trunc('week', ${col} at time zone ${tz}), 'YYYY-MM-DD')` : sql`to_char(date_trunc('month', ${col} at time zone ${tz}), 'YYYY-MM')`;
    // The group's key per row of responses (alias r) and invitations (alias i); segment: one row per segment a customer is in.
    const groupOf = (a: 'r' | 'i'): { key: SQL; join: SQL } => {
      const t = sql.raw(a);
      switch (by) {
        case 'store':
          return { key: sql`${t}.store_code`, join: sql`` };
        case 'guide':
          return { key: sql`${t}.guide_id::text`, join: sql`` };
        case 'segment':
          return { key: sql`gs.code`, join: sql`join segments.members gm on gm.customer_id = ${t}.customer_id join segments.segments gs on gs.id = gm.segment_id` };
        case 'week':
        case 'month':
          return { key: bucket(a === 'r' ? sql`r.submitted_at` : sql`i.sent_at`, by), join: sql`` };
        default:
          return { key: sql`null::text`, join: sql`` };
      }
    };
    const inSegment = (a: 'r' | 'i') =>
      segmentId ? sql`and ${sql.raw(a)}.customer_id in (select m.customer_id from segments.members m where m.segment_id = ${segmentId}::uuid)` : sql``;
    const rg = groupOf('r');
    const ig = groupOf('i');
    const responses = await query<Counts & { grp: string | null; period: string }>(
      this.db,
      sql`select ${rg.key} as grp, ${bucket(sql`r.submitted_at`, trendBy)} as period, count(*)::int as responses,
            count(*) filter (where r.nps >= 9)::int as prom, count(*) filter (where r.nps between 7 and 8)::int as pas, count(*) filter (where r.nps <= 6)::int as det,
            count(r.csat)::int as n_csat, count(*) filter (where r.csat >= 4)::int as sat, coalesce(sum(r.csat), 0)::int as csat_sum
          from surveys.responses r ${rg.join}
          where r.survey_id = ${survey.id}::uuid and r.submitted_at >= ${from.toISOString()}::timestamptz and r.submitted_at < ${to.toISOString()}::timestamptz ${inSegment('r')}
          group by 1, 2`,
    );
    const invitations = await query<{ grp: string | null; period: string; sent: number; responded: number }>(
      this.db,
      sql`select ${ig.key} as grp, ${bucket(sql`i.sent_at`, trendBy)} as period, count(*)::int as sent, count(*) filter (where i.status = 'responded')::int as responded
          from surveys.invitations i ${ig.join}
          where i.survey_id = ${survey.id}::uuid and i.sent_at >= ${from.toISOString()}::timestamptz and i.sent_at < ${to.toISOString()}::timestamptz ${inSegment('i')}
          group by 1, 2`,
    );
    // The total and the trend count each response once (a customer in two segments is one answer overall).
    const totals = by === 'segment' ? await this.results(survey.id, { from: from.toISOString(), to: to.toISOString(), segment: q.segment }) : null;
    const groups = new Map<string, { total: Counts; periods: Map<string, Counts> }>();
    const keyOf = (g: string | null) => (g === null ? '\u0000' : g);
    const slot = (g: string | null, period: string) => {
      let e = groups.get(keyOf(g));
      if (!e) groups.set(keyOf(g), (e = { total: zero(), periods: new Map() }));
      let p = e.periods.get(period);
      if (!p) e.periods.set(period, (p = zero()));
      return { e, p };
    };
    for (const r of responses) {
      const { e, p } = slot(r.grp, r.period);
      add(e.total, r);
      add(p, r);
    }
    for (const r of invitations) {
      const { e, p } = slot(r.grp, r.period);
      add(e.total, { sent: r.sent, responded: r.responded });
      add(p, { sent: r.sent, responded: r.responded });
    }
    const total = zero();
    const trendAll = new Map<string, Counts>();
    for (const e of groups.values()) {
      add(total, e.total);
      for (const [period, c] of e.periods) {
        if (!trendAll.has(period)) trendAll.set(period, zero());
        add(trendAll.get(period)!, c);
      }
    }
    const trendOf = (m: Map<string, Counts>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([period, c]) => ({ period, ...scores(c) }));
    const keys = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const labels = await this.labels(by, keys.filter((k) => k !== '\u0000'));
    const rows: ResultGroupRow[] =
      by === null
        ? []
        : keys.map((k) => {
            const e = groups.get(k)!;
            const key = k === '\u0000' ? null : k;
            return { key, label: key === null ? null : (labels.get(key) ?? null), ...scores(e.total), ...(by === 'week' || by === 'month' ? {} : { trend: trendOf(e.periods) }) };
          });
    return {
      survey: { id: survey.id, code: survey.code, name: survey.name },
      from: from.toISOString(),
      to: to.toISOString(),
      by,
      segment: q.segment ?? null,
      trendBy,
      total: totals ? totals.total : scores(total),
      trend: totals ? totals.trend : trendOf(trendAll),
      groups: rows,
    };
  }

  private async labels(by: ResultGroup | null, keys: string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    if (by === 'store') {
      const rows = await query<{ code: string; name: string }>(this.db, sql`select code, name from catalog.stores where code = any(${sql.param(keys)}::text[])`);
      return new Map(rows.map((r) => [r.code, r.name]));
    }
    if (by === 'guide') {
      const rows = await query<{ id: string; name: string }>(this.db, sql`select id::text as id, display_name as name from access.staff where id::text = any(${sql.param(keys)}::text[])`);
      return new Map(rows.map((r) => [r.id, r.name]));
    }
    if (by === 'segment') {
      const rows = await query<{ code: string; name: string }>(this.db, sql`select code, name from segments.segments where code = any(${sql.param(keys)}::text[])`);
      return new Map(rows.map((r) => [r.code, r.name]));
    }
    return new Map();
  }

  /**
   * The free-text answers, newest first, a page at a time (cursor), by store or guide. With a scorer, answers not
   * scored yet are scored now and the scores kept.
   */
  async verbatims(idOrCode: string, input: unknown = {}): Promise<{ items: Verbatim[]; nextCursor: string | null; scorer: boolean }> {
    const q = parseOr(VerbatimsQuery, input, 'surveys.invalid_query');
    const survey = await this.deps.survey(idOrCode);
    const parts: SQL[] = [sql`r.survey_id = ${survey.id}::uuid`, sql`r.verbatim is not null`];
    if (q.from || q.to) {
      const { from, to } = this.range(q.from, q.to);
      parts.push(sql`r.submitted_at >= ${from.toISOString()}::timestamptz and r.submitted_at < ${to.toISOString()}::timestamptz`);
    }
    if (q.store) parts.push(sql`r.store_code = ${q.store}`);
    if (q.guide) parts.push(sql`r.guide_id = ${q.guide}::uuid`);
    if (q.cursor) {
      const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|([0-9a-f-]{36})$/.exec(Buffer.from(q.cursor, 'base64url').toString('utf8'));
      if (!m) throw invalid('surveys.invalid_cursor', 'cursor: not a cursor', [{ path: 'cursor', message: 'not a cursor' }]);
      parts.push(sql`(r.submitted_at, r.id) < (${m[1]}::timestamptz, ${m[2]}::uuid)`);
    }
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select r.*, c.attributes->>'locale' as locale from surveys.responses r left join customers.customers c on c.id = r.customer_id
          where ${sql.join(parts, sql` and `)} order by r.submitted_at desc, r.id desc limit ${q.limit + 1}`,
    );
    const page = rows.slice(0, q.limit);
    const scorer = this.deps.scorer();
    if (scorer) await this.scoreMissing(scorer, page);
    const items: Verbatim[] = page.map((r) => ({
      id: String(r.id),
      submittedAt: iso(r.submitted_at)!,
      verbatim: String(r.verbatim),
      nps: r.nps == null ? null : Number(r.nps),
      csat: r.csat == null ? null : Number(r.csat),
      storeCode: (r.store_code as string | null) ?? null,
      guideId: (r.guide_id as string | null) ?? null,
      ticketId: (r.ticket_id as string | null) ?? null,
      orderId: (r.order_id as string | null) ?? null,
      customerId: (r.customer_id as string | null) ?? null,
      sentiment: r.sentiment == null ? null : Number(r.sentiment),
      sentimentLabel: (r.sentiment_label as string | null) ?? null,
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.submittedAt}|${last.id}`).toString('base64url') : null, scorer: scorer !== null };
  }

  /** Scores the page's unscored verbatims per locale and stores them (a failing scorer leaves them null). */
  private async scoreMissing(scorer: SentimentScorer, rows: Array<Record<string, unknown>>): Promise<void> {
    const missing = rows.filter((r) => r.sentiment == null);
    for (const locale of ['zh-CN', 'en'] as SurveyLocale[]) {
      const mine = missing.filter((r) => (/^en/i.test(String(r.locale ?? '')) ? 'en' : 'zh-CN') === locale);
      if (mine.length === 0) continue;
      const scored = await scorer.score(
        mine.map((r) => String(r.verbatim)),
        locale,
      ).catch(() => [] as never[]);
      const values = mine
        .map((r, i) => ({ id: String(r.id), s: clampSentiment(scored[i]) }))
        .filter((x) => x.s !== null)
        .map((x) => ({ id: x.id, score: x.s!.score, label: x.s!.label }));
      if (values.length === 0) continue;
      await query(
        this.db,
        sql`update surveys.responses r set sentiment = x.score, sentiment_label = x.label
            from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as x(id uuid, score real, label text) where r.id = x.id and r.sentiment is null`,
      );
      for (const v of values) {
        const r = mine.find((m) => String(m.id) === v.id)!;
        r.sentiment = v.score;
        r.sentiment_label = v.label;
      }
    }
  }
}
