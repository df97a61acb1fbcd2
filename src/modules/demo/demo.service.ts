import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { localDate, systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { AppError } from '../../platform/errors.js';
import { ProductInput, StoreInput, type CatalogService } from '../catalog/index.js';
import type { CustomersService } from '../customers/index.js';
import { OrderInput, ReturnInput, type OrdersService } from '../orders/index.js';
import { EventInput, type ActivityService } from '../activity/index.js';
import type { PromotionsService } from '../promotions/index.js';
import type { JourneysService } from '../journeys/index.js';
import { BLUEPRINTS, type BlueprintsService } from '../journeys/blueprints.js';
import { buildProducts } from './domain/catalog.data.js';
import { demoPromotions } from './domain/promotions.data.js';
import { dateOf, dayNumber } from './domain/calendar.js';
import { planDemo, DEFAULT_CHUNK, type DemoChunk } from './domain/demo.generator.js';
import { addStats, emptyStats, type MemberRecord, type PersonStats } from './domain/records.js';
import { contactAttributes } from './domain/contact.js';
import type { DemoOptionsInput } from './demo.schemas.js';
import { seedService, type DemoServiceHistory, type ServiceDemoDeps } from './service-demo.js';
import { seedListening, type DemoListeningHistory, type ListeningDemoDeps } from './listening-demo.js';

/** The demo brand trades in China, whatever the server's business zone. */
export const DEMO_TIME_ZONE = 'Asia/Shanghai';
const SOURCE = 'demo';
const BATCH = 1000;

type CustomerUpsert = Parameters<CustomersService['upsertCustomers']>[0][number]['value'];

export interface DemoProgress {
  /** People generated and written so far, of `total`. */
  done: number;
  total: number;
  stats: PersonStats;
}

export interface DemoSummary {
  seed: string;
  window: { from: string; to: string };
  stores: number;
  products: number;
  /** People generated (each appears under one or more identifiers in one or more channels). */
  people: number;
  members: number;
  /** Active golden profiles in the database after identity resolution. */
  customers: number;
  /** Golden profiles the generator's records imply (connected strong identifiers). */
  expectedCustomers: number;
  orders: number;
  guestOrders: number;
  lines: number;
  returns: number;
  events: number;
  anonymousEvents: number;
  /** Open suspected duplicates waiting for review. */
  duplicateCandidates: number;
  /** The brand's promotions (running, one draft, one past), created unless their codes exist. */
  promotions: number;
  seconds: number;
  /** With `journeys`: the ready-made journeys installed, the live ones run over the window's last days. */
  journeys?: DemoJourneys;
  /** With `service`: the service desk's history (service-demo.ts). */
  service?: DemoServiceHistory;
  /** With `listening`: the social listening history (listening-demo.ts). */
  listening?: DemoListeningHistory;
}

/** The ready-made journeys the demo publishes (the other three stay drafts to try in the builder). */
export const DEMO_LIVE_JOURNEYS = ['welcome', 'second_purchase', 'win_back', 'birthday', 'tier_upgrade'] as const;
/** Days at the end of the window the live journeys are run over with a fake clock. */
export const DEMO_JOURNEY_DAYS = 30;

export interface DemoJourneys {
  installed: number;
  published: number;
  /** The window's last days the engine ran over (0 when the journeys were live already: a re-run). */
  days: number;
  /** Per live journey: people who entered (the held-out among them) and who reached the goal. */
  results: Array<{ code: string; entered: number; heldOut: number; converted: number }>;
  /** Seconds spent delivering the history's events before the journeys went live, and running them. */
  drainSeconds: number;
  runSeconds: number;
}

export interface DemoDeps {
  catalog: CatalogService;
  customers: CustomersService;
  orders: OrdersService;
  activity: ActivityService;
  /** Without it the demo has no promotions. */
  promotions?: PromotionsService;
  /** With these (and `journeys` in the options) the demo installs the ready-made journeys and runs the live ones. */
  blueprints?: BlueprintsService;
  journeys?: JourneysService;
  /** With it, the simulated days also send their messages (the demo's channels log them), so the log has a history. */
  messaging?: { dispatcher: { started: boolean; start(): void; stop(): Promise<void>; dispatchAll(now: Date): Promise<unknown> } };
  events?: { drain(): Promise<number> };
  database?: { db: Db };
  /** With these (and `service` in the options) the demo seeds the service desk's history. */
  access?: ServiceDemoDeps['access'];
  tickets?: ServiceDemoDeps['tickets'];
  sla?: ServiceDemoDeps['sla'];
  compensation?: ServiceDemoDeps['compensation'];
  serviceQueues?: ServiceDemoDeps['serviceQueues'];
  replyTemplates?: ServiceDemoDeps['replyTemplates'];
  surveys?: ServiceDemoDeps['surveys'];
  /** With these (and `listening` in the options) the demo seeds the social listening history. */
  listeningDeps?: Omit<ListeningDemoDeps, 'database' | 'access'>;
  strongIdentifiers: readonly string[];
}

/**
 * Seeds a demo brand by sending the generator's records through the modules' own write paths
 * (catalog upserts, customer upserts, order and return ingestion, event recording), a chunk of
 * people at a time. Replaying the same seed and window changes nothing: every record carries its
 * idempotency key.
 */
export class DemoService {
  constructor(private readonly deps: DemoDeps) {}

  /** True when there is nothing a demo could collide with: no stores, products, customers or orders. */
  async isEmpty(): Promise<boolean> {
    const [stores, products, customers, orders] = await Promise.all([
      this.deps.catalog.listStores(),
      this.deps.catalog.searchProducts({ limit: 1, offset: 0 }),
      this.deps.customers.search({ limit: 1 }),
      this.deps.orders.listOrders({ limit: 1 }),
    ]);
    return stores.length === 0 && products.length === 0 && customers.items.length === 0 && orders.items.length === 0;
  }

  async seed(input: DemoOptionsInput, onProgress?: (p: DemoProgress) => void, now = new Date()): Promise<DemoSummary> {
    const started = performance.now();
    const until = input.until ?? dateOf(dayNumber(localDate(now, DEMO_TIME_ZONE)) - 1);
    const plan = planDemo({ seed: input.seed, customers: input.customers, until, strongIdentifiers: this.deps.strongIdentifiers });

    await this.deps.catalog.upsertStores(plan.stores.map((s, index) => ({ index, value: parse(StoreInput, s, 'store') })));
    await this.deps.catalog.upsertProducts(plan.products.map((p, index) => ({ index, value: parse(ProductInput, p, 'product') })));
    const promotions = await this.seedPromotions(input.seed, plan.window.to);

    const stats = emptyStats();
    onProgress?.({ done: 0, total: input.customers, stats });
    for (const chunk of plan.chunks(DEFAULT_CHUNK)) {
      await this.write(chunk);
      addStats(stats, chunk.stats);
      onProgress?.({ done: chunk.first + chunk.stats.people, total: input.customers, stats });
    }

    const journeys = input.journeys ? await this.seedJourneys(plan.window.to) : undefined;
    const service = input.service ? await this.seedService(plan.window.to, input.seed) : undefined;
    const listening = input.listening ? await this.seedListening(plan.window.to, input.seed) : undefined;
    const [customers, duplicateCandidates] = await Promise.all([this.countCustomers(), this.countDuplicates()]);
    return {
      seed: input.seed,
      window: plan.window,
      stores: plan.stores.length,
      products: plan.products.length,
      people: stats.people,
      members: stats.members,
      customers,
      expectedCustomers: stats.expectedProfiles,
      orders: stats.orders,
      guestOrders: stats.guestOrders,
      lines: stats.lines,
      returns: stats.returns,
      events: stats.events,
      anonymousEvents: stats.anonymousEvents,
      duplicateCandidates,
      promotions,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      ...(journeys ? { journeys } : {}),
      ...(service ? { service } : {}),
      ...(listening ? { listening } : {}),
    };
  }

  /**
   * The service desk's history over the window's last days (service-demo.ts): run after the journeys (`seed` with
   * `service`; `serve` in the background after the journeys). A re-run finds it there and changes nothing.
   */
  /** Social listening's history over the window's last 30 days (listening-demo.ts). A re-run changes nothing. */
  async seedListening(until: string, seed = 'kemai'): Promise<DemoListeningHistory> {
    const { listeningDeps, database, access } = this.deps;
    if (!listeningDeps || !database || !access) throw new AppError('internal', 'demo.no_listening', 'The demo needs the listening parts, access and the database to seed the listening history');
    return seedListening({ ...listeningDeps, database, access }, until, seed);
  }

  async seedService(until: string, seed = 'kemai'): Promise<DemoServiceHistory> {
    const { access, tickets, sla, compensation, serviceQueues, replyTemplates, surveys, database, events, messaging } = this.deps;
    if (!access || !tickets || !sla || !compensation || !serviceQueues || !replyTemplates || !surveys || !database)
      throw new AppError('internal', 'demo.no_service', 'The demo needs access, tickets, SLA, compensation, queues, reply templates, surveys and the database to seed the service history');
    return seedService({ access, tickets, sla, compensation, serviceQueues, replyTemplates, surveys, database, ...(events ? { events } : {}), ...(messaging ? { messaging } : {}) }, until, seed);
  }

  /**
   * Installs the nine ready-made journeys and publishes five, then runs the engine over the window's last
   * DEMO_JOURNEY_DAYS days with a fake clock, so the console has entries, holdouts and conversions to show:
   * each day at noon the date and inactivity triggers and the due steps; at the day's end the day's orders (first
   * purchases enter, purchases count towards goals) and tier changes, replayed to the journeys' entry and goal, then
   * the due steps again, each followed by the dispatcher at the simulated time (quiet hours and usual hours hold
   * messages to a later simulated day, as they would; those still due at the end go out as the server runs).
   *
   * The history's events are delivered first (points, tiers, segments — what the server would otherwise do after
   * start): a live journey must not take two years of first purchases as today's. A re-run finds the journeys live
   * and changes nothing. `seed` runs it when asked (`journeys`); `serve` runs it in the background after start.
   */
  async seedJourneys(until: string): Promise<DemoJourneys> {
    const { blueprints, journeys, events, database } = this.deps;
    if (!blueprints || !journeys || !events || !database) throw new AppError('internal', 'demo.no_journeys', 'The demo needs the journeys, blueprints, events and database to seed journeys');
    const db = database.db;
    let t0 = performance.now();
    await events.drain();
    const drainSeconds = Math.round((performance.now() - t0) / 100) / 10;
    t0 = performance.now();
    for (const b of BLUEPRINTS) await blueprints.install(b.code, {}, 'system:demo');
    const status = new Map(
      (await query<{ code: string; status: string }>(db, sql`select code, status from journeys.journeys where code = any(${sql.param([...DEMO_LIVE_JOURNEYS])}::text[])`)).map((r) => [r.code, r.status]),
    );
    const toPublish = DEMO_LIVE_JOURNEYS.filter((c) => status.get(c) === 'draft');
    let days = 0;
    if (toPublish.length > 0) {
      const clock = { at: new Date(`${dateOf(dayNumber(until) - DEMO_JOURNEY_DAYS + 1)}T00:00:00+08:00`) };
      const fake: Clock = { now: () => clock.at };
      journeys.useClock(fake);
      // The server's dispatcher would take the simulated days' messages at today's time and expire them: it waits.
      const dispatcher = this.deps.messaging?.dispatcher;
      const resume = dispatcher?.started === true;
      if (resume) await dispatcher.stop();
      try {
        for (const code of toPublish) await journeys.publish(code);
        for (let d = dayNumber(until) - DEMO_JOURNEY_DAYS + 1; d <= dayNumber(until); d++, days++) {
          const date = dateOf(d);
          clock.at = new Date(`${date}T12:00:00+08:00`);
          await journeys.scanTriggers(clock.at);
          await journeys.runDue(clock.at);
          await dispatcher?.dispatchAll(clock.at);
          clock.at = new Date(`${date}T23:59:59+08:00`);
          await this.replayDay(db, journeys, new Date(`${date}T00:00:00+08:00`), new Date(`${dateOf(d + 1)}T00:00:00+08:00`));
          await journeys.runDue(clock.at);
          await dispatcher?.dispatchAll(clock.at);
        }
      } finally {
        journeys.useClock(systemClock);
        if (resume) dispatcher.start();
      }
    }
    const rows = await query<{ code: string; entered: number; held: number; converted: number }>(
      db,
      sql`select j.code, count(e.id)::int as entered, coalesce(sum(e.holdout), 0)::int as held, count(e.converted_at)::int as converted
            from journeys.journeys j left join journeys.enrollments e on e.journey_id = j.id
           where j.code = any(${sql.param([...DEMO_LIVE_JOURNEYS])}::text[]) group by j.code`,
    );
    const by = new Map(rows.map((r) => [r.code, r]));
    return {
      installed: BLUEPRINTS.length,
      published: toPublish.length,
      days,
      results: DEMO_LIVE_JOURNEYS.map((code) => ({
        code,
        entered: Number(by.get(code)?.entered ?? 0),
        heldOut: Number(by.get(code)?.held ?? 0),
        converted: Number(by.get(code)?.converted ?? 0),
      })),
      drainSeconds,
      runSeconds: Math.round((performance.now() - t0) / 100) / 10,
    };
  }

  /** One day's orders and tier changes, as the bus would have delivered them, to the journeys' entry and goal. */
  private async replayDay(db: Db, journeys: JourneysService, from: Date, to: Date): Promise<void> {
    const orders = await query<{ order_id: string; customer_id: string; channel: string; store_code: string | null; placed_at: string | Date; paid_fen: number | string }>(
      db,
      sql`select id::text as order_id, customer_id::text as customer_id, channel, store_code, placed_at, paid_fen from orders.orders
           where placed_at >= ${from.toISOString()}::timestamptz and placed_at < ${to.toISOString()}::timestamptz
             and not guest and status <> 'cancelled'
           order by placed_at, id`,
    );
    const changes = await query<{ change_id: string; customer_id: string; tier_set: string; from_code: string | null; to_code: string | null; reason: string; occurred_at: string | Date }>(
      db,
      sql`select id::text as change_id, customer_id::text as customer_id, tier_set, from_code, to_code, reason, occurred_at from loyalty.tier_changes
           where occurred_at >= ${from.toISOString()}::timestamptz and occurred_at < ${to.toISOString()}::timestamptz
           order by occurred_at, id`,
    );
    const event = <P>(name: string, at: string | Date, payload: P): DomainEvent<P> => ({ id: newId(), name, occurredAt: new Date(at).toISOString(), payload });
    const placed = orders.map((o) =>
      event('orders.order.placed', o.placed_at, {
        orderId: o.order_id,
        customerId: o.customer_id,
        channel: o.channel,
        storeCode: o.store_code,
        placedAt: new Date(o.placed_at).toISOString(),
        paidFen: Number(o.paid_fen),
      }),
    );
    await db.transaction(async (tx) => {
      if (placed.length > 0) {
        await journeys.entry.ordersPlaced(placed as never, tx);
        await journeys.runner.ordersPlaced(placed as never, tx);
      }
      if (changes.length > 0)
        await journeys.entry.tierChanged(
          [
            event('loyalty.tier.changed', to, {
              changes: changes.map((c) => ({ changeId: c.change_id, customerId: c.customer_id, tierSet: c.tier_set, fromCode: c.from_code, toCode: c.to_code, reason: c.reason, occurredAt: new Date(c.occurred_at).toISOString() })),
            }),
          ],
          tx,
        );
    });
  }

  /** Each promotion through the promotions service; one whose code exists is left as it is (re-running changes nothing). */
  private async seedPromotions(seed: string, until: string): Promise<number> {
    const { promotions } = this.deps;
    if (!promotions) return 0;
    const all = demoPromotions(buildProducts(seed), until);
    for (const p of all) {
      try {
        await promotions.create(p, 'system:demo');
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'promotions.code_exists')) throw err;
      }
    }
    return all.length;
  }

  private async write(chunk: DemoChunk): Promise<void> {
    const { customers, orders, activity } = this.deps;
    for (const batch of batches(chunk.members)) {
      const results = await customers.upsertCustomers(
        batch.map((m, index) => ({ index, value: toUpsert(m) })),
        { source: SOURCE, actor: 'system:demo', prefix: (i) => `members.${i}` },
      );
      for (const r of results) if (r.status === 'error') throw generatorBug('member', r.error);
    }
    for (const batch of batches(chunk.orders)) {
      const results = await orders.ingestOrders(batch.map((o) => parse(OrderInput, o, 'order')), { source: SOURCE });
      for (const r of results) if (r.status === 'error') throw generatorBug('order', r.error);
    }
    for (const batch of batches(chunk.returns)) {
      const results = await orders.recordReturns(batch.map((r) => parse(ReturnInput, r, 'return')), { source: SOURCE });
      for (const r of results) if (r.status === 'error') throw generatorBug('return', r.error);
    }
    for (const batch of batches(chunk.events)) {
      const results = await activity.recordEvents(batch.map((e) => parse(EventInput, e, 'event')), { source: SOURCE });
      for (const r of results) if (r.status === 'error') throw generatorBug('event', r.error);
    }
  }

  private async countCustomers(): Promise<number> {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await this.deps.customers.search({ limit: 5000, cursor });
      total += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return total;
  }

  private async countDuplicates(): Promise<number> {
    let total = 0;
    for (let offset = 0; ; offset += 1000) {
      const page = await this.deps.customers.listDuplicates({ limit: 1000, offset });
      total += page.items.length;
      if (!page.hasMore) return total;
    }
  }
}

function toUpsert(m: MemberRecord): CustomerUpsert {
  const { customer, profile, consents } = m;
  return {
    ...customer,
    ...(profile.incomeBand ? { incomeBand: profile.incomeBand } : {}),
    ...(profile.occupation ? { occupation: profile.occupation } : {}),
    ...(profile.familyStage ? { familyStage: profile.familyStage } : {}),
    tags: profile.tags,
    attributes: {
      ...profile.attributes,
      registeredAt: m.registeredAt,
      registeredChannel: m.channel,
      ...(m.storeCode ? { registeredStore: m.storeCode } : {}),
      ...contactAttributes(m),
    },
    consents: consents.map((c) => ({ ...c, source: m.channel })),
  };
}

function parse<S extends z.ZodType>(schema: S, record: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw generatorBug(what, { message: `${issue.path.join('.')}: ${issue.message}` });
  }
  return parsed.data;
}

/** Generated records are valid by construction; one that is not is a defect to report loudly. */
function generatorBug(what: string, error: { message: string }): AppError {
  return new AppError('internal', 'demo.invalid_record', `The demo generator produced an invalid ${what}: ${error.message}`);
}

function* batches<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += BATCH) yield items.slice(i, i + BATCH);
}
