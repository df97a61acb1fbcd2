/**
 * A dispatcher in a process of its own, for the crash test (kill -9 mid-send). Opens the database named by
 * KEMAI_TEST_DB_URL (PostgreSQL) or KEMAI_TEST_DATA_DIR (PGlite; it holds the data dir's lock while it runs), runs the
 * dispatcher's worker with a short lease (KEMAI_TEST_LEASE_MS) until nothing is queued or sending, and exits 0.
 */
import { sql } from 'drizzle-orm';
import { openDatabase, queryOne } from '../../src/platform/db/database.js';
import { releaseLock, writeLock } from '../../src/platform/db/data-dir-lock.js';
import { ChannelsService, Dispatcher, createAdapters } from '../../src/modules/messaging/index.js';
import { AddressPreparer } from './messaging-delivery.js';

const url = process.env.KEMAI_TEST_DB_URL;
const dataDir = process.env.KEMAI_TEST_DATA_DIR;
if (dataDir) writeLock(dataDir, { role: 'cli' });
const database = await openDatabase(url ? { databaseUrl: url, poolSize: 3 } : { dataDir });
const db = database.db;
const adapters = createAdapters({ clock: { now: () => new Date() } });
const channels = new ChannelsService(db, adapters);
const dispatcher = new Dispatcher(db, { preparer: new AddressPreparer(), channels, adapters }, { batchSize: Number(process.env.KEMAI_TEST_BATCH ?? 10), leaseMs: Number(process.env.KEMAI_TEST_LEASE_MS ?? 2000), pollMs: 100, concurrency: 1 });
dispatcher.start();
process.stdout.write('started\n');
for (;;) {
  await new Promise((r) => setTimeout(r, 200));
  const left = await queryOne<{ n: number }>(db, sql`select count(*)::int as n from messaging.messages where status in ('queued', 'sending')`);
  if (Number(left?.n) === 0) break;
}
await dispatcher.stop();
await database.close();
if (dataDir) releaseLock(dataDir);
process.stdout.write('done\n');
process.exit(0);
