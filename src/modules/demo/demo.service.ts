import type { z } from 'zod';
import { localDate } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { ProductInput, StoreInput, type CatalogService } from '../catalog/index.js';
import type { CustomersService } from '../customers/index.js';
import { OrderInput, ReturnInput, type OrdersService } from '../orders/index.js';
import { EventInput, type ActivityService } from '../activity/index.js';
import type { PromotionsService } from '../promotions/index.js';
import { buildProducts } from './domain/catalog.data.js';
import { demoPromotions } from './domain/promotions.data.js';
import { dateOf, dayNumber } from './domain/calendar.js';
import { planDemo, DEFAULT_CHUNK, type DemoChunk } from './domain/demo.generator.js';
import { addStats, emptyStats, type MemberRecord, type PersonStats } from './domain/records.js';
import type { DemoOptionsInput } from './demo.schemas.js';

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
}

export interface DemoDeps {
  catalog: CatalogService;
  customers: CustomersService;
  orders: OrdersService;
  activity: ActivityService;
  /** Without it the demo has no promotions. */
  promotions?: PromotionsService;
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
    };
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
    attributes: { ...profile.attributes, registeredAt: m.registeredAt, registeredChannel: m.channel, ...(m.storeCode ? { registeredStore: m.storeCode } : {}) },
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
