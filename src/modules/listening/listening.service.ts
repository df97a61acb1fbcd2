import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import type { Jobs } from '../../platform/jobs/jobs.js';
import type { CustomersService } from '../customers/index.js';
import type { ChannelsService, SmtpAdapter } from '../messaging/index.js';
import { AlertsService, type ScanSummary } from './alerts.service.js';
import { createAnalyzer } from './analyzer.js';
import { FeedsService } from './feeds.service.js';
import type { MentionInput, TermsQuery } from './listening.schemas.js';
import { MentionsService, type IngestResult } from './mentions.service.js';
import { ModelsService } from './models.service.js';
import { NotificationsService } from './notifications.service.js';
import { periodOf, StatsService } from './stats.service.js';
import { detectNewWords, RETAIL_DICTIONARY } from './text/index.js';

export const LISTENING_SCAN_JOB = 'listening.scan';
export const LISTENING_FEEDS_JOB = 'listening.feeds';
export const LISTENING_TICKETS_SUBSCRIBER = 'listening.tickets';
export const LISTENING_SURVEYS_SUBSCRIBER = 'listening.surveys';
/** Rows per transaction when a file is imported. */
export const IMPORT_BATCH = 5000;

export interface ListeningDeps {
  db: Db;
  customers: CustomersService;
  channels: Pick<ChannelsService, 'get'>;
  smtp: Pick<SmtpAdapter, 'send'>;
  secret: string;
  clock?: Clock;
  log?: Logger;
  fetch?: typeof fetch;
}

/** Hooks the crises module sets: deadline scans with every spike scan. */
export interface DeadlineScanner {
  scanDeadlines(): Promise<unknown>;
}

/**
 * Social listening, put together: the model in force, mentions, figures, spike rules and alerts, staff notices and
 * feeds. The crises module plugs in through `useCrises`.
 */
export class ListeningService {
  readonly models: ModelsService;
  readonly mentions: MentionsService;
  readonly stats: StatsService;
  readonly notifications: NotificationsService;
  readonly alerts: AlertsService;
  readonly feeds: FeedsService;
  private deadlines: DeadlineScanner | null = null;
  private readonly clock: Clock;

  constructor(private readonly deps: ListeningDeps) {
    this.clock = deps.clock ?? systemClock;
    this.models = new ModelsService(deps.db, this.clock);
    this.mentions = new MentionsService({ db: deps.db, customers: deps.customers, analyzer: () => createAnalyzer(this.models.current()), clock: this.clock });
    this.stats = new StatsService(deps.db, this.clock);
    this.notifications = new NotificationsService({ db: deps.db, channels: deps.channels, smtp: deps.smtp, clock: this.clock, ...(deps.log ? { log: deps.log } : {}), ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    this.alerts = new AlertsService(deps.db, this.notifications, this.clock);
    this.feeds = new FeedsService(deps.db, this.mentions, { secret: deps.secret, clock: this.clock, ...(deps.log ? { log: deps.log } : {}), ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  }

  /** The crises module's deadline scan, run with every spike scan. */
  useDeadlines(scanner: DeadlineScanner): void {
    this.deadlines = scanner;
  }

  /** Stores validated items in batches of 5,000 (each its own transaction; re-running a file is idempotent). */
  async importItems(items: readonly MentionInput[], onBatch?: (done: number) => void): Promise<IngestResult & { batches: number }> {
    const total: IngestResult & { batches: number } = { received: 0, inserted: 0, duplicates: 0, linked: 0, sentiment: { positive: 0, neutral: 0, negative: 0 }, batches: 0 };
    for (let i = 0; i < items.length; i += IMPORT_BATCH) {
      const r = await this.mentions.ingestValid(items.slice(i, i + IMPORT_BATCH));
      total.batches++;
      total.received += r.received;
      total.inserted += r.inserted;
      total.duplicates += r.duplicates;
      total.linked += r.linked;
      for (const k of ['positive', 'neutral', 'negative'] as const) total.sentiment[k] += r.sentiment[k];
      onBatch?.(Math.min(items.length, i + IMPORT_BATCH));
    }
    return total;
  }

  /** New words of the period: candidates the segmenter splits, found in (at most) the 5,000 latest texts. */
  async newWords(q: TermsQuery): Promise<Array<{ term: string; count: number }>> {
    const p = periodOf(q, this.clock.now());
    const rows = await query<{ text: string }>(
      this.deps.db,
      sql`select m.text from listening.mentions m where m.posted_at >= ${p.from.toISOString()}::timestamptz and m.posted_at < ${p.to.toISOString()}::timestamptz
            ${q.region ? sql`and m.region = ${q.region}` : sql``} ${q.storeCode ? sql`and m.store_code = ${q.storeCode}` : sql``}
            ${q.sku ? sql`and m.sku = ${q.sku}` : sql``} ${q.source ? sql`and m.source = ${q.source}` : sql``} ${q.sentiment ? sql`and m.sentiment_label = ${q.sentiment}` : sql``}
          order by m.posted_at desc limit 5000`,
    );
    return detectNewWords(rows.map((r) => r.text), { known: RETAIL_DICTIONARY.words }).slice(0, 30).map((w) => ({ term: w.term, count: w.count }));
  }

  /** The spike scan, the crises' deadlines, then the pending notices (what the 5-minute job runs). */
  async scanNow(at: Date = this.clock.now()): Promise<ScanSummary & { deadlines: unknown; delivered: { sent: number; failed: number; retry: number } }> {
    await this.models.refresh();
    const scan = await this.alerts.scan(at);
    const deadlines = this.deadlines ? await this.deadlines.scanDeadlines() : null;
    const delivered = await this.notifications.deliverPending();
    return { ...scan, deadlines, delivered };
  }

  /** Complaints (tickets of kind complaint) become mentions of source `ticket`, linked to their customer. */
  async ticketsCreated(events: ReadonlyArray<DomainEvent<{ ticketId: string; kind: string }>>, tx: Db): Promise<void> {
    const ids = events.filter((e) => e.payload.kind === 'complaint').map((e) => e.payload.ticketId);
    if (ids.length === 0) return;
    const rows = await query<{ id: string; subject: string; description: string | null; customer_id: string | null; store_code: string | null; sku: string | null; received_at: Date | string; channel: string }>(
      tx,
      sql`select id, subject, description, customer_id, store_code, sku, received_at, channel from service.tickets where id = any(${sql.param(ids)}::uuid[])`,
    );
    const items: MentionInput[] = rows.map((r) => ({
      source: 'ticket',
      externalId: r.id,
      text: [r.subject, r.description].filter(Boolean).join(' — ').slice(0, 20_000),
      postedAt: new Date(r.received_at).toISOString(),
      ...(r.store_code ? { storeCode: r.store_code } : {}),
      ...(r.sku ? { sku: r.sku } : {}),
    }));
    if (items.length) await this.mentions.ingestValid(items, tx, rows.map((r) => r.customer_id));
  }

  /** Survey verbatims become mentions of source `survey`, linked to their customer. */
  async surveysAnswered(events: ReadonlyArray<DomainEvent<{ responseId: string; verbatim: boolean }>>, tx: Db): Promise<void> {
    const ids = events.filter((e) => e.payload.verbatim).map((e) => e.payload.responseId);
    if (ids.length === 0) return;
    const rows = await query<{ id: string; verbatim: string; customer_id: string | null; store_code: string | null; submitted_at: Date | string }>(
      tx,
      sql`select id, verbatim, customer_id, store_code, submitted_at from surveys.responses where id = any(${sql.param(ids)}::uuid[]) and verbatim is not null and btrim(verbatim) <> ''`,
    );
    const items: MentionInput[] = rows.map((r) => ({ source: 'survey', externalId: r.id, text: r.verbatim.slice(0, 20_000), postedAt: new Date(r.submitted_at).toISOString(), ...(r.store_code ? { storeCode: r.store_code } : {}) }));
    if (items.length) await this.mentions.ingestValid(items, tx, rows.map((r) => r.customer_id));
  }
}

/** The spike scan and deadlines every 5 minutes (plus notices), feeds every minute. */
export async function scheduleListening(jobs: Jobs, listening: ListeningService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(
    LISTENING_SCAN_JOB,
    async () => {
      const out = await listening.scanNow(new Date());
      if (out.opened > 0 || out.closed > 0) log.info({ opened: out.opened, updated: out.updated, closed: out.closed, notices: out.notices }, 'listening spike scan');
    },
    120,
  );
  await jobs.schedule(LISTENING_SCAN_JOB, '*/5 * * * *', opts.timeZone);
  await jobs.work(
    LISTENING_FEEDS_JOB,
    async () => {
      const out = await listening.feeds.pollDue();
      if (out.polled > 0) log.info(out, 'listening feeds polled');
    },
    120,
  );
  await jobs.schedule(LISTENING_FEEDS_JOB, '* * * * *', opts.timeZone);
}
