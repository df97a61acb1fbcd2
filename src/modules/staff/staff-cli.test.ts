import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../app/kemai.js';
import { loadConfig } from '../../platform/config.js';
import { query } from '../../platform/db/database.js';
import { openDatabase } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createLogger } from '../../platform/logger.js';
import { OrderInput } from '../orders/index.js';
import { runKemai } from '../../../tests/support/kemai-process.js';

/** The real `kemai staff backfill` in a child process on an embedded database. */
describe('kemai staff backfill', () => {
  let dir: string;
  let guideId: string;
  const customerId = newId();
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never' });

  /** The app on the embedded database, while no kemai process runs. */
  async function withKemai<T>(fn: (k: Awaited<ReturnType<typeof createKemai>>) => Promise<T>): Promise<T> {
    const database = await openDatabase({ dataDir: path.join(dir, 'data') });
    const kemai = await createKemai({ config: loadConfig(env()), database, log: createLogger('silent') });
    try {
      return await fn(kemai);
    } finally {
      await kemai.close();
    }
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-staff-cli-'));
    await withKemai(async (k) => {
      guideId = (await k.access.createStaff({ username: 'guide.wu', displayName: 'Wu', role: 'guide', storeCode: 'S1' })).staff.id;
      await query(k.database.db, sql`insert into customers.customers (id) values (${customerId}::uuid)`);
      await k.orders.ingestOrders(
        [OrderInput.parse({ channel: 'pos', externalId: 'CLI-1', placedAt: '2026-06-10T11:00:00+08:00', storeCode: 'S1', customer: { id: customerId }, lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: '10.00' }] })],
        { source: 'api' },
      );
      await k.events.drain();
      // As if the customer bought before the staff module existed.
      await query(k.database.db, sql`delete from staff.assignments`);
    });
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('assigns the customer to the store’s guide', async () => {
    const r = await runKemai(['staff', 'backfill', '--json'], env(), dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ assigned: 1 });
    const rows = await withKemai((k) => k.staff.history(customerId));
    expect(rows.map((a) => [a.staffId, a.storeCode, a.reason, a.endedAt, a.actor.startsWith('cli:')])).toEqual([[guideId, 'S1', 'first_purchase', null, true]]);
  }, 120_000);
});
