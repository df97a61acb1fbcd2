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

  it('prints the weekly report as Markdown and JSON; a bad week exits 2 naming --week', async () => {
    // 2026-06-10 is in ISO week 24. The order names no guide: the store served 1, guide.wu 0; the customer, first known
    // by that order and first assigned to guide.wu (by the backfill above), is the week's enrolment for both.
    const json = await runKemai(['staff', 'report', '--week', '2026-W24', '--format', 'json'], env(), dir);
    expect(json.code, json.err).toBe(0);
    const r = JSON.parse(json.out);
    expect([r.week, r.from, r.to]).toEqual(['2026-W24', '2026-06-07T16:00:00.000Z', '2026-06-14T16:00:00.000Z']);
    expect(r.stores.map((s: { key: string; customersServed: number; netSalesFen: number; memberEnrolments: number }) => [s.key, s.customersServed, s.netSalesFen, s.memberEnrolments])).toEqual([['S1', 1, 1000, 1]]);
    expect(r.guides.map((g: { username: string; customersServed: number; memberEnrolments: number }) => [g.username, g.customersServed, g.memberEnrolments])).toEqual([['guide.wu', 0, 1]]);

    const md = await runKemai(['staff', 'report', '--week', '2026-W24', '--store', 'S1'], env(), dir);
    expect(md.code, md.err).toBe(0);
    expect(md.out).toContain('# Staff and store KPIs, 2026-W24 — store S1');
    expect(md.out).toContain('| S1 | 1 | ¥10.00 | 1 | – | – | – | – | 0 | – | – | – |');
    expect(md.out).toContain('| guide.wu (S1) | 0 | ¥0.00 | 1 |');

    const bad = await runKemai(['staff', 'report', '--week', '2026-24'], env(), dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--week');
  }, 120_000);
});
