import type { Logger } from 'pino';
import type { Config } from '../platform/config.js';
import { migrateDatabase, type Database } from '../platform/db/database.js';
import { EventBus } from '../platform/events/event-bus.js';
import { scheduleOutboxPrune } from '../platform/events/outbox-prune.js';
import { Jobs } from '../platform/jobs/jobs.js';
import { AccessService } from '../modules/access/index.js';
import { CatalogService } from '../modules/catalog/index.js';
import { CustomersService, IDENTIFIER_ATTACHED } from '../modules/customers/index.js';
import { OrdersService, ORDERS_BATCH_IMPORTED } from '../modules/orders/index.js';
import { InsightsService } from '../modules/insights/index.js';
import { ActivityService, ATTRIBUTE_EVENTS_SUBSCRIBER, attributeEventsWhenIdentifierAttached } from '../modules/activity/index.js';
import { ImportsService } from '../modules/ingest/index.js';
import {
  TiersService,
  GROWTH_BACK_FROM_RETURNS_SUBSCRIBER,
  GROWTH_FROM_ACTIVITY_SUBSCRIBER,
  GROWTH_FROM_ORDERS_SUBSCRIBER,
  growthAndTiersWhenMembersInteract,
  growthAndTiersWhenOrdersChange,
  growthBackWhenReturnsRecorded,
  scheduleTiersDaily,
} from '../modules/loyalty/index.js';

/**
 * The composition root: the only code that knows every module. Server, worker, CLI and tests
 * build their services here, so they all run the same wiring.
 */
export interface Kemai {
  config: Config;
  database: Database;
  log: Logger;
  events: EventBus;
  jobs: Jobs | undefined;
  access: AccessService;
  catalog: CatalogService;
  customers: CustomersService;
  orders: OrdersService;
  activity: ActivityService;
  insights: InsightsService;
  /** Files uploaded in the console and imported in this process. */
  imports: ImportsService;
  /** Loyalty: growth value, tier sets, tiers, birthday benefits. */
  tiers: TiersService;
  close(): Promise<void>;
}

export interface CreateOptions {
  config: Config;
  database: Database;
  log: Logger;
  migrate?: boolean;
  /** Start the durable job queue (pg-boss). Off for short CLI commands and most tests. */
  jobs?: boolean;
}

export async function createKemai(opts: CreateOptions): Promise<Kemai> {
  const { config, database, log } = opts;
  if (opts.migrate !== false) await migrateDatabase(database);
  const db = database.db;
  const events = new EventBus(db, log);
  const access = new AccessService(db, config.sessionTtlHours);
  const catalog = new CatalogService(db);
  const customers = new CustomersService(db, {
    defaultRegion: config.defaultRegion,
    strongIdentifiers: config.strongIdentifiers,
    timeZone: config.timeZone,
  });
  const orders = new OrdersService(db, { customers, catalog, timeZone: config.timeZone, defaultRegion: config.defaultRegion });
  const activity = new ActivityService(db, { customers, timeZone: config.timeZone, defaultRegion: config.defaultRegion });
  const insights = new InsightsService(db, { timeZone: config.timeZone });
  const imports = new ImportsService(db, { catalog, customers, orders, activity }, {
    importDir: config.importDir,
    limitBytes: config.importLimitBytes,
    timeZone: config.timeZone,
    log,
  });
  events.subscribe(IDENTIFIER_ATTACHED, ATTRIBUTE_EVENTS_SUBSCRIBER, attributeEventsWhenIdentifierAttached(activity));
  const tiers = new TiersService(db, { customers, timeZone: config.timeZone });
  customers.registerMergeParticipant(tiers.mergeParticipant());
  for (const name of ['orders.order.placed', 'orders.order.updated', ORDERS_BATCH_IMPORTED])
    events.subscribeBatch(name, GROWTH_FROM_ORDERS_SUBSCRIBER, growthAndTiersWhenOrdersChange(tiers));
  events.subscribeBatch('orders.return.recorded', GROWTH_BACK_FROM_RETURNS_SUBSCRIBER, growthBackWhenReturnsRecorded(tiers));
  events.subscribeBatch('activity.events.recorded', GROWTH_FROM_ACTIVITY_SUBSCRIBER, growthAndTiersWhenMembersInteract(tiers));

  let jobs: Jobs | undefined;
  if (opts.jobs) {
    jobs = new Jobs(database, log, config.databaseUrl);
    await jobs.start();
    await scheduleOutboxPrune(jobs, db, log, { timeZone: config.timeZone });
    await scheduleTiersDaily(jobs, tiers, log, { timeZone: config.timeZone });
  }

  return {
    config,
    database,
    log,
    events,
    jobs,
    access,
    catalog,
    customers,
    orders,
    activity,
    insights,
    imports,
    tiers,
    async close() {
      await events.stop();
      await jobs?.stop();
      await database.close();
    },
  };
}
