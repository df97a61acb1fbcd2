import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { parseFeedJson, parseFeedXml } from './import.js';
import { FeedInput, type MentionSource } from './listening.schemas.js';
import type { IngestResult, MentionsService } from './mentions.service.js';

export interface Feed {
  id: string;
  name: string;
  kind: 'rss' | 'json' | 'webhook';
  url: string | null;
  source: MentionSource;
  mapping: Record<string, string>;
  everyMinutes: number;
  enabled: boolean;
  lastPolledAt: string | null;
  lastStatus: string | null;
  lastCount: number | null;
  /** For a webhook feed: the address a monitoring vendor posts to (its token is the feed's signature). */
  hookPath: string | null;
}

const iso = (v: unknown) => (v == null ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

/**
 * Feeds: RSS/Atom and JSON addresses polled on a schedule, and webhook receivers a monitoring vendor posts mentions
 * to (`POST /hooks/listening/<feed id>?token=…`, the token an HMAC of the feed id under the server's secret). Items
 * go through the same ingest as the API (deduplicated by source and id).
 */
export class FeedsService {
  private readonly clock: Clock;
  private readonly key: Buffer;
  constructor(
    private readonly db: Db,
    private readonly mentions: MentionsService,
    opts: { secret: string; clock?: Clock; log?: Logger; fetch?: typeof fetch },
  ) {
    this.clock = opts.clock ?? systemClock;
    this.key = crypto.createHmac('sha256', opts.secret).update('kemai.listening.hook.v1').digest();
    this.fetchFn = opts.fetch ?? fetch;
    this.log = opts.log;
  }
  private readonly fetchFn: typeof fetch;
  private readonly log: Logger | undefined;

  /** The token of a webhook feed's address. */
  hookToken(feedId: string): string {
    return crypto.createHmac('sha256', this.key).update(feedId).digest('base64url');
  }

  private toFeed(r: Record<string, unknown>): Feed {
    const id = String(r.id);
    return {
      id,
      name: String(r.name),
      kind: r.kind as Feed['kind'],
      url: r.kind === 'webhook' ? null : String(r.url),
      source: r.source as MentionSource,
      mapping: (r.mapping as Record<string, string>) ?? {},
      everyMinutes: Number(r.every_minutes),
      enabled: Boolean(r.enabled),
      lastPolledAt: iso(r.last_polled_at),
      lastStatus: (r.last_status as string | null) ?? null,
      lastCount: r.last_count == null ? null : Number(r.last_count),
      hookPath: r.kind === 'webhook' ? `/hooks/listening/${id}?token=${this.hookToken(id)}` : null,
    };
  }

  async list(): Promise<Feed[]> {
    return (await query<Record<string, unknown>>(this.db, sql`select * from listening.feeds order by created_at, id`)).map((r) => this.toFeed(r));
  }

  async get(id: string): Promise<Feed> {
    const r = await queryOne<Record<string, unknown>>(this.db, sql`select * from listening.feeds where id = ${id}::uuid`);
    if (!r) throw notFound('listening.feed_not_found', `no feed ${id}`);
    return this.toFeed(r);
  }

  async create(input: unknown): Promise<Feed> {
    const v = FeedInput.parse(input);
    if (v.kind !== 'webhook' && !v.url) throw invalid('listening.feed_url_required', 'url: an rss or json feed needs its address', [{ path: 'url', message: 'required for rss and json' }]);
    const id = newId();
    await this.db.execute(
      sql`insert into listening.feeds (id, name, kind, url, source, mapping, every_minutes, enabled, created_at)
          values (${id}::uuid, ${v.name}, ${v.kind}, ${v.url ?? ''}, ${v.source}, ${JSON.stringify(v.mapping)}::jsonb, ${v.everyMinutes}, ${v.enabled}, ${this.clock.now().toISOString()}::timestamptz)`,
    );
    return this.get(id);
  }

  async update(id: string, patch: { enabled?: boolean; everyMinutes?: number; name?: string }): Promise<Feed> {
    await this.get(id);
    await this.db.execute(
      sql`update listening.feeds set enabled = coalesce(${patch.enabled ?? null}::boolean, enabled), every_minutes = coalesce(${patch.everyMinutes ?? null}::int, every_minutes),
            name = coalesce(${patch.name ?? null}, name) where id = ${id}::uuid`,
    );
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.db.execute(sql`delete from listening.feeds where id = ${id}::uuid`);
  }

  /** Fetches one rss/json feed now and ingests its items. */
  async poll(id: string): Promise<IngestResult & { skipped: number }> {
    const feed = await this.get(id);
    if (feed.kind === 'webhook') throw invalid('listening.not_polled', 'a webhook feed is posted to, not polled', [{ path: 'kind', message: 'webhook' }]);
    const at = this.clock.now().toISOString();
    try {
      const res = await this.fetchFn(feed.url!, { signal: AbortSignal.timeout(15_000), headers: { accept: feed.kind === 'rss' ? 'application/rss+xml, application/atom+xml, text/xml' : 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = await res.text();
      const { items, skipped } = feed.kind === 'rss' ? parseFeedXml(body, feed.source) : parseFeedJson(JSON.parse(body), feed.source, feed.mapping);
      const result = items.length ? await this.mentions.ingestValid(items) : { received: 0, inserted: 0, duplicates: 0, linked: 0, sentiment: { positive: 0, neutral: 0, negative: 0 } };
      await this.db.execute(sql`update listening.feeds set last_polled_at = ${at}::timestamptz, last_status = 'ok', last_count = ${result.inserted} where id = ${id}::uuid`);
      return { ...result, skipped };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.db.execute(sql`update listening.feeds set last_polled_at = ${at}::timestamptz, last_status = ${`error: ${message}`.slice(0, 300)}, last_count = 0 where id = ${id}::uuid`);
      this.log?.warn({ feed: id, err: message }, 'listening feed poll failed');
      throw invalid('listening.feed_failed', `the feed could not be read: ${message}`, [{ path: 'url', message }]);
    }
  }

  /** Polls every enabled rss/json feed whose interval has passed (the job every minute). */
  async pollDue(): Promise<{ polled: number; inserted: number; failed: number }> {
    const due = await query<{ id: string }>(
      this.db,
      sql`select id from listening.feeds where enabled and kind <> 'webhook'
            and (last_polled_at is null or last_polled_at + make_interval(mins => every_minutes) <= ${this.clock.now().toISOString()}::timestamptz) order by id`,
    );
    const out = { polled: 0, inserted: 0, failed: 0 };
    for (const f of due) {
      out.polled++;
      try {
        out.inserted += (await this.poll(f.id)).inserted;
      } catch {
        out.failed++;
      }
    }
    return out;
  }

  /** A vendor's push to a webhook feed: the token checked, then the items (a mention, an array, or {items}) ingested as a batch. */
  async receive(id: string, token: string | undefined, body: unknown): Promise<IngestResult> {
    const want = Buffer.from(this.hookToken(id));
    const given = Buffer.from(token ?? '');
    if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) throw forbidden('listening.bad_hook_token', 'the token does not match this feed');
    const feed = await this.get(id);
    if (feed.kind !== 'webhook' || !feed.enabled) throw notFound('listening.feed_not_found', `no enabled webhook feed ${id}`);
    const list = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items) ? (body as { items: unknown[] }).items : [body];
    if (list.length > 5000) throw invalid('listening.batch_too_large', 'items: at most 5,000 per post', [{ path: 'items', message: 'at most 5000' }]);
    const items = list.map((it) => (it && typeof it === 'object' && !('source' in it) ? { ...(it as object), source: feed.source } : it));
    const result = await this.mentions.ingest(items);
    await this.db.execute(sql`update listening.feeds set last_polled_at = ${this.clock.now().toISOString()}::timestamptz, last_status = 'ok', last_count = ${result.inserted} where id = ${id}::uuid`);
    return result;
  }
}
