import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, query, type Database } from '../../platform/db/database.js';
import { readLock } from '../../platform/db/data-dir-lock.js';
import { openTestDatabase } from '../../../tests/support/test-db.js';
import { seedCustomers, seedTemplate, startSink, type Sink } from '../../../tests/support/messaging-delivery.js';
import { createAdapters } from './adapters/index.js';
import { ChannelsService } from './channels.service.js';
import { MessagingService } from './messaging.service.js';

const N = 40;
const BATCH = 10;
const LEASE_MS = 2000;

function startWorker(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('tests/support/messaging-dispatch-worker.ts')], {
    env: { ...process.env, ...env, KEMAI_TEST_LEASE_MS: String(LEASE_MS), KEMAI_TEST_BATCH: String(BATCH) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? -1 : code)));
  return { child, exited, output: () => out };
}

async function waitFor(check: () => boolean, ms: number, what: string) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('dispatcher crash (kill -9 mid-send)', () => {
  let sink: Sink | undefined;
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    await sink?.close();
    for (const c of cleanup.reverse()) await c();
  });

  it('loses nothing and sends nothing twice: every message ends sent, the in-doubt batch is resent with the same ids after the lease', async () => {
    // Requests arriving at the gateway (answered 400 ms later, as a slow provider): the worker is killed while the third is in flight.
    let arrived = 0;
    sink = await startSink({ delayMs: 400, status: () => (arrived++, 200) });

    // A database both processes reach: the test's PostgreSQL database, or a PGlite data dir used by one process at a time.
    let database: Database;
    let env: Record<string, string>;
    let dataDir: string | undefined;
    if (process.env.TEST_DATABASE_URL) {
      database = await openTestDatabase();
      env = { KEMAI_TEST_DB_URL: (database as Database & { url: string }).url };
      cleanup.push(() => database.close());
    } else {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-crash-'));
      // Started from the migrated template the other tests use (migrating on a loaded machine takes long).
      database = await openDatabase({ dataDir, loadDataDir: new Blob([fs.readFileSync(inject('pgliteTemplate')!)]) });
      env = { KEMAI_TEST_DATA_DIR: dataDir };
      const dir = dataDir;
      cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    }
    const db = database.db;
    const customers = await seedCustomers(db, N);
    await seedTemplate(db, 'crash', { sms: { 'zh-CN': { body: '消息 {{n}}' } } });
    await new ChannelsService(db, createAdapters({ clock: { now: () => new Date() } })).update(
      'sms',
      { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret, batchSize: BATCH } },
      'test',
    );
    await new MessagingService(db).plan(db, {
      template: 'crash',
      channel: 'sms',
      sendAt: 'now',
      source: { kind: 'campaign' },
      recipients: customers.map((c, n) => ({ customerId: c, dedupeKey: `crash:${n}`, variables: { _to: `+86138000${String(n).padStart(5, '0')}`, n } })),
    });
    const ids = (await query<{ id: string }>(db, sql`select id from messaging.messages order by id`)).map((r) => r.id);
    expect(ids).toHaveLength(N);
    if (dataDir) await database.close();

    const first = startWorker(env);
    await waitFor(() => arrived >= 3, 180_000, `the third request (worker output: ${first.output()})`);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(-1);

    if (dataDir) expect(readLock(dataDir)).toBeUndefined(); // the killed worker's lock is stale: the data dir is free
    const second = startWorker(env);
    expect(await Promise.race([second.exited, new Promise((r) => setTimeout(() => r('timeout'), 240_000))])).toBe(0);
    // Let the gateway finish answering the killed worker's last request (it processes it even though nobody reads the answer).
    await new Promise((r) => setTimeout(r, 500));

    const check = dataDir ? await openDatabase({ dataDir }) : database;
    try {
      const statuses = await query<{ status: string; n: number }>(check.db, sql`select status, count(*)::int as n from messaging.messages group by status order by status collate "C"`);
      expect(statuses).toEqual([{ status: 'sent', n: N }]);
      // Every id reached the gateway and was accepted once; the ones sent twice are exactly the batch in flight at the kill.
      expect([...sink.accepted].sort()).toEqual(ids);
      const seen = new Map<string, number>();
      for (const id of sink.received) seen.set(id, (seen.get(id) ?? 0) + 1);
      const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
      expect(twice).toHaveLength(BATCH);
      expect([...seen.values()].every((n) => n <= 2)).toBe(true);
      const resent = await query<{ id: string; attempts: number; provider_message_id: string }>(
        check.db,
        sql`select id, attempts, provider_message_id from messaging.messages where id = any(${sql.param(twice)}::uuid[]) order by id`,
      );
      expect(resent.map((r) => [r.attempts, r.provider_message_id])).toEqual([...twice].sort().map((id) => [2, `gw-${id}`]));
      const [onceRow] = await query<{ n: number }>(check.db, sql`select count(*)::int as n from messaging.messages where attempts = 1`);
      expect(onceRow!.n).toBe(N - BATCH);
      const [leaseRow] = await query<{ n: number }>(check.db, sql`select count(*)::int as n from messaging.messages where lease_until is not null`);
      expect(leaseRow!.n).toBe(0);
    } finally {
      if (dataDir) await check.close();
    }
  }, 600_000);
});
