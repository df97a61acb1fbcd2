import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { pgArray } from '../../platform/db/arrays.js';
import { invalid, type FieldIssue } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { normaliseIdentifier, type IdentifierType } from '../customers/domain/identifiers.js';
import type { CustomersService, MergeParticipant } from '../customers/index.js';
import type { MentionAnalyzer } from './analyzer.js';
import { MentionInput, type MentionListQuery, type SentimentLabel } from './listening.schemas.js';

/** A stored mention as the API shows it. */
export interface Mention {
  id: string;
  source: string;
  externalId: string;
  url: string | null;
  author: string | null;
  text: string;
  lang: string;
  postedAt: string;
  region: string | null;
  city: string | null;
  storeCode: string | null;
  sku: string | null;
  likes: number;
  comments: number;
  shares: number;
  views: number;
  customerId: string | null;
  sentiment: { label: SentimentLabel; score: number };
  aspects: string[];
  keywords: string[];
}

export interface IngestResult {
  received: number;
  inserted: number;
  /** Already stored (same source and external id) or repeated within the batch. */
  duplicates: number;
  /** New mentions linked to a customer by an identifier. */
  linked: number;
  /** The new mentions' sentiment counts. */
  sentiment: Record<SentimentLabel, number>;
}

/** A validation failure of a batch: nothing of it was stored. `index` is the item's position (0-based). */
export interface ItemIssue extends FieldIssue {
  index: number;
}

const ID_TYPES: Array<[keyof NonNullable<MentionInput['identifiers']>, IdentifierType]> = [
  ['phone', 'phone'],
  ['email', 'email'],
  ['memberNo', 'member_no'],
  ['wechatOpenid', 'wechat_openid'],
  ['ecomUserId', 'ecom_user_id'],
];

/** Text with case, width and white space folded, for grouping reposts of one text. */
export function normaliseForHash(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Joins a mention's aspects and keywords into one array element (split again in SQL): the unit separator. */
const US = '\u001f';

const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex').slice(0, 32);

/** Start of the UTC hour of an instant, as ISO. */
export const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000).toISOString();

/** Validates a batch as a whole: every issue of every item, each naming `items.<i>.<field>`. */
export function validateMentions(items: readonly unknown[]): { ok: MentionInput[]; issues: ItemIssue[] } {
  const ok: MentionInput[] = [];
  const issues: ItemIssue[] = [];
  items.forEach((item, index) => {
    const parsed = MentionInput.safeParse(item);
    if (parsed.success) ok.push(parsed.data);
    else for (const i of parsed.error.issues) issues.push({ index, path: ['items', index, ...i.path].join('.'), message: i.message });
  });
  return { ok, issues };
}

export interface MentionsDeps {
  db: Db;
  customers: CustomersService;
  analyzer: () => MentionAnalyzer;
  clock?: Clock;
}

/**
 * Mentions: ingest (validated as a whole batch, deduplicated by source and external id, scored, keyworded, linked to
 * a customer, counted into the hourly stats in the same transaction) and the stream (filters, newest first, cursor).
 */
export class MentionsService {
  private readonly clock: Clock;
  constructor(private readonly deps: MentionsDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /**
   * Stores a batch (≤ 5,000 items) all or nothing: an invalid item rejects the batch with every issue named
   * (`items.3.postedAt`) and stores nothing. Mentions already stored are counted as duplicates and left unchanged.
   */
  async ingest(items: readonly unknown[], tx?: Db): Promise<IngestResult> {
    const { ok, issues } = validateMentions(items);
    if (issues.length > 0) throw invalid('listening.invalid_mentions', `${issues.length} problem(s) in the batch; nothing was stored (first: ${issues[0]!.path}: ${issues[0]!.message})`, issues);
    return this.ingestValid(ok, tx);
  }

  /**
   * Stores already validated mentions (the importer validates a whole file first). `customerIds` (by position) links
   * mentions whose customer is known already (a ticket's, a survey answer's) instead of by identifiers.
   */
  async ingestValid(inputs: readonly MentionInput[], tx?: Db, customerIds?: ReadonlyArray<string | null>): Promise<IngestResult> {
    const received = inputs.length;
    const seen = new Set<string>();
    const unique: Array<MentionInput & { externalId: string; knownCustomer: string | null }> = [];
    for (const [i, m] of inputs.entries()) {
      const externalId = m.externalId ?? `h:${sha(`${m.author ?? ''}\u0000${new Date(m.postedAt).toISOString()}\u0000${normaliseForHash(m.text)}`)}`;
      const key = `${m.source}\u0000${externalId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      unique.push({ ...m, externalId, knownCustomer: customerIds?.[i] ?? null });
    }
    const empty: IngestResult = { received, inserted: 0, duplicates: received, linked: 0, sentiment: { positive: 0, neutral: 0, negative: 0 } };
    if (unique.length === 0) return empty;

    const run = async (t: Db): Promise<IngestResult> => {
      // Skip what is stored already before scoring it.
      const stored = await query<{ source: string; external_id: string }>(
        t,
        sql`select m.source, m.external_id from listening.mentions m
            join unnest(${pgArray(unique.map((m) => m.source), 'text')}, ${pgArray(unique.map((m) => m.externalId), 'text')}) as k(source, external_id)
              on m.source = k.source and m.external_id = k.external_id`,
      );
      const storedKeys = new Set(stored.map((r) => `${r.source}\u0000${r.external_id}`));
      const fresh = unique.filter((m) => !storedKeys.has(`${m.source}\u0000${m.externalId}`));
      if (fresh.length === 0) return empty;

      const analysed = this.deps.analyzer().analyze(fresh.map((m) => m.text));
      const linked = await this.linkCustomers(t, fresh);
      const customerIds = fresh.map((m, i) => m.knownCustomer ?? linked[i] ?? null);
      const ids = fresh.map(() => newId());
      const now = this.clock.now().toISOString();
      const col = <T>(f: (m: (typeof fresh)[number], i: number) => T) => fresh.map(f);
      const inserted = await query<{ id: string }>(
        t,
        sql`insert into listening.mentions (id, source, external_id, content_hash, url, author, author_id, text, lang, posted_at, region, city, store_code, sku,
              likes, comments, shares, views, customer_id, sentiment_label, sentiment, aspects, keywords, ingested_at)
            select x.id, x.source, x.external_id, x.content_hash, x.url, x.author, x.author_id, x.text, x.lang, x.posted_at, x.region, x.city, x.store_code, x.sku,
              x.likes, x.comments, x.shares, x.views, x.customer_id, x.label, x.score,
              coalesce(string_to_array(nullif(x.aspects, ''), chr(31)), '{}'), coalesce(string_to_array(nullif(x.keywords, ''), chr(31)), '{}'), ${now}::timestamptz
            from unnest(${pgArray(ids, 'uuid')}, ${pgArray(col((m) => m.source), 'text')}, ${pgArray(col((m) => m.externalId), 'text')},
                        ${pgArray(col((m) => sha(normaliseForHash(m.text))), 'text')}, ${pgArray(col((m) => m.url ?? null), 'text')},
                        ${pgArray(col((m) => m.author ?? null), 'text')}, ${pgArray(col((m) => m.authorId ?? null), 'text')}, ${pgArray(col((m) => m.text), 'text')},
                        ${pgArray(analysed.map((a) => a.lang), 'text')}, ${pgArray(col((m) => m.postedAt), 'timestamptz')},
                        ${pgArray(col((m) => m.region ?? null), 'text')}, ${pgArray(col((m) => m.city ?? null), 'text')},
                        ${pgArray(col((m) => m.storeCode ?? null), 'text')}, ${pgArray(col((m) => m.sku ?? null), 'text')},
                        ${pgArray(col((m) => m.likes ?? 0), 'int')}, ${pgArray(col((m) => m.comments ?? 0), 'int')}, ${pgArray(col((m) => m.shares ?? 0), 'int')},
                        ${pgArray(col((m) => m.views ?? 0), 'int')}, ${pgArray(customerIds, 'uuid')},
                        ${pgArray(analysed.map((a) => a.label), 'text')}, ${pgArray(analysed.map((a) => a.score), 'text')}::real[],
                        ${pgArray(analysed.map((a) => a.aspects.join(US)), 'text')}, ${pgArray(analysed.map((a) => a.keywords.join(US)), 'text')})
              as x(id, source, external_id, content_hash, url, author, author_id, text, lang, posted_at, region, city, store_code, sku,
                   likes, comments, shares, views, customer_id, label, score, aspects, keywords)
            on conflict (source, external_id) do nothing
            returning id`,
      );
      const kept = new Set(inserted.map((r) => r.id));
      const result: IngestResult = { received, inserted: kept.size, duplicates: received - kept.size, linked: 0, sentiment: { positive: 0, neutral: 0, negative: 0 } };
      const counts = new Map<string, { scopeType: string; scopeKey: string; hour: string; mentions: number; negatives: number; positives: number }>();
      const bump = (scopeType: string, scopeKey: string | null | undefined, hour: string, label: SentimentLabel) => {
        if (!scopeKey) return;
        const key = `${scopeType}\u0000${scopeKey}\u0000${hour}`;
        let c = counts.get(key);
        if (!c) counts.set(key, (c = { scopeType, scopeKey, hour, mentions: 0, negatives: 0, positives: 0 }));
        c.mentions++;
        if (label === 'negative') c.negatives++;
        if (label === 'positive') c.positives++;
      };
      fresh.forEach((m, i) => {
        if (!kept.has(ids[i]!)) return;
        const a = analysed[i]!;
        result.sentiment[a.label]++;
        if (customerIds[i]) result.linked++;
        const hour = hourOf(new Date(m.postedAt));
        bump('brand', '*', hour, a.label);
        bump('source', m.source, hour, a.label);
        bump('region', m.region, hour, a.label);
        bump('store', m.storeCode, hour, a.label);
        bump('product', m.sku, hour, a.label);
        for (const k of a.keywords) bump('keyword', k, hour, a.label);
        for (const x of a.aspects) bump('aspect', x, hour, a.label);
      });
      await addHourlyStats(t, [...counts.values()]);
      return result;
    };
    return tx ? run(tx) : this.deps.db.transaction(run);
  }

  /** The customer each mention's identifiers name (the first type that matches, in ID_TYPES order), or null. */
  private async linkCustomers(tx: Db, mentions: readonly MentionInput[]): Promise<Array<string | null>> {
    const out: Array<string | null> = mentions.map(() => null);
    for (const [field, type] of ID_TYPES) {
      const wanted = new Map<number, string>();
      mentions.forEach((m, i) => {
        const raw = m.identifiers?.[field];
        if (out[i] || !raw) return;
        const value = normaliseIdentifier(type, raw);
        if (value) wanted.set(i, value);
      });
      if (wanted.size === 0) continue;
      const owners = await this.deps.customers.identifierOwners(type, [...wanted.values()], tx);
      for (const [i, value] of wanted) out[i] = owners.get(value) ?? null;
    }
    return out;
  }

  /** A customer merge moves their mentions to the surviving profile (and an unmerge moves them back). */
  mergeParticipant(): MergeParticipant {
    return {
      name: 'listening.mentions',
      moveRecords: async (tx, fromId, toId) =>
        (await query<{ id: string }>(tx, sql`update listening.mentions set customer_id = ${toId}::uuid where customer_id = ${fromId}::uuid returning id`)).map((r) => r.id),
      restoreRecords: async (tx, ids, toId) => {
        if (ids.length > 0) await tx.execute(sql`update listening.mentions set customer_id = ${toId}::uuid where id = any(${pgArray(ids, 'uuid')})`);
      },
    };
  }

  /** The stream, newest first, with filters; `nextBefore` pages on. */
  async list(q: MentionListQuery): Promise<{ items: Mention[]; nextBefore: string | null }> {
    const where = [sql`true`];
    if (q.from) where.push(sql`m.posted_at >= ${q.from}::timestamptz`);
    if (q.to) where.push(sql`m.posted_at < ${q.to}::timestamptz`);
    if (q.source) where.push(sql`m.source = ${q.source}`);
    if (q.sentiment) where.push(sql`m.sentiment_label = ${q.sentiment}`);
    if (q.region) where.push(sql`m.region = ${q.region}`);
    if (q.storeCode) where.push(sql`m.store_code = ${q.storeCode}`);
    if (q.sku) where.push(sql`m.sku = ${q.sku}`);
    if (q.keyword) where.push(sql`m.keywords @> array[${q.keyword}]::text[]`);
    if (q.aspect) where.push(sql`m.aspects @> array[${q.aspect}]::text[]`);
    if (q.customerId) where.push(sql`m.customer_id = ${q.customerId}::uuid`);
    if (q.q) where.push(sql`m.text ilike ${`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
    if (q.crisisId) where.push(crisisFilter(q.crisisId));
    if (q.before) {
      const [at, id] = decodeCursor(q.before);
      where.push(sql`(m.posted_at, m.id) < (${at}::timestamptz, ${id}::uuid)`);
    }
    const rows = await query<Record<string, unknown>>(
      this.deps.db,
      sql`select m.* from listening.mentions m where ${sql.join(where, sql` and `)} order by m.posted_at desc, m.id desc limit ${q.limit + 1}`,
    );
    const items = rows.slice(0, q.limit).map(toMention);
    const last = items[items.length - 1];
    return { items, nextBefore: rows.length > q.limit && last ? encodeCursor(last.postedAt, last.id) : null };
  }
}

/** The mentions of a crisis: its scope (sku, keyword, store) from a day before it opened. */
export function crisisFilter(crisisId: string) {
  return sql`exists (select 1 from listening.crises c where c.id = ${crisisId}::uuid
    and m.posted_at >= c.opened_at - interval '1 day'
    and (c.sku is null or m.sku = c.sku) and (c.keyword is null or m.keywords @> array[c.keyword]::text[]) and (c.store_code is null or m.store_code = c.store_code))`;
}

const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString('base64url');
function decodeCursor(cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) throw invalid('listening.bad_cursor', 'before: not a cursor this API gave', [{ path: 'before', message: 'unknown cursor' }]);
  return [at, id];
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

export function toMention(r: Record<string, unknown>): Mention {
  return {
    id: String(r.id),
    source: String(r.source),
    externalId: String(r.external_id),
    url: (r.url as string | null) ?? null,
    author: (r.author as string | null) ?? null,
    text: String(r.text),
    lang: String(r.lang),
    postedAt: iso(r.posted_at),
    region: (r.region as string | null) ?? null,
    city: (r.city as string | null) ?? null,
    storeCode: (r.store_code as string | null) ?? null,
    sku: (r.sku as string | null) ?? null,
    likes: Number(r.likes),
    comments: Number(r.comments),
    shares: Number(r.shares),
    views: Number(r.views),
    customerId: (r.customer_id as string | null) ?? null,
    sentiment: { label: r.sentiment_label as SentimentLabel, score: Math.round(Number(r.sentiment) * 1000) / 1000 },
    aspects: (r.aspects as string[] | null) ?? [],
    keywords: (r.keywords as string[] | null) ?? [],
  };
}

/** Adds counts to the hourly stats (one statement). */
export async function addHourlyStats(tx: Db, rows: ReadonlyArray<{ scopeType: string; scopeKey: string; hour: string; mentions: number; negatives: number; positives: number }>): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(
    sql`insert into listening.hourly_stats (scope_type, scope_key, hour, mentions, negatives, positives)
        select * from unnest(${pgArray(rows.map((r) => r.scopeType), 'text')}, ${pgArray(rows.map((r) => r.scopeKey), 'text')}, ${pgArray(rows.map((r) => r.hour), 'timestamptz')},
                             ${pgArray(rows.map((r) => r.mentions), 'int')}, ${pgArray(rows.map((r) => r.negatives), 'int')}, ${pgArray(rows.map((r) => r.positives), 'int')})
        on conflict (scope_type, scope_key, hour) do update set mentions = listening.hourly_stats.mentions + excluded.mentions,
          negatives = listening.hourly_stats.negatives + excluded.negatives, positives = listening.hourly_stats.positives + excluded.positives`,
  );
}
