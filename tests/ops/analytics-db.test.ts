import net from 'node:net';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { openDatabase, queryOne } from '../../src/platform/db/database.js';
import { attachReplica, replicaUnavailable } from '../../src/platform/db/replica.js';
import { openTestDatabase } from '../support/test-db.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('DATABASE_REPLICA_URL and KEMAI_REPLICA_MAX_LAG_SECONDS', () => {
  it('default to no replica and 30 s', () => {
    const c = loadConfig({});
    expect(c.replicaUrl).toBeUndefined();
    expect(c.replicaMaxLagSeconds).toBe(30);
    const p = loadConfig({ DATABASE_URL: 'postgres://kemai@db1:5432/kemai', DATABASE_REPLICA_URL: 'postgres://kemai@db2:5432/kemai', KEMAI_REPLICA_MAX_LAG_SECONDS: '2.5' });
    expect(p.replicaUrl).toBe('postgres://kemai@db2:5432/kemai');
    expect(p.replicaMaxLagSeconds).toBe(2.5);
  });

  it('a replica without DATABASE_URL, a replica that is no URL, and a lag that is no positive number are refused by name', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://kemai@db2:5432/kemai' })).toThrow(/DATABASE_REPLICA_URL: needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://kemai@db1:5432/kemai', DATABASE_REPLICA_URL: 'db2' })).toThrow(/DATABASE_REPLICA_URL/);
    expect(() => loadConfig({ KEMAI_REPLICA_MAX_LAG_SECONDS: '0' })).toThrow(/KEMAI_REPLICA_MAX_LAG_SECONDS/);
    expect(() => loadConfig({ KEMAI_REPLICA_MAX_LAG_SECONDS: 'soon' })).toThrow(/KEMAI_REPLICA_MAX_LAG_SECONDS/);
  });
});

describe('analytics without a replica', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('is the very same database object as db (PGlite always; PostgreSQL without DATABASE_REPLICA_URL)', async () => {
    expect(t.kemai.database.analytics).toBe(t.kemai.database.db);
    expect(t.kemai.database.replica).toBeUndefined();
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it.skipIf(!!process.env.TEST_DATABASE_URL)('on PGlite: analytics === db, and a replica cannot be attached', async () => {
    const database = await openDatabase({});
    try {
      expect(database.kind).toBe('pglite');
      expect(database.analytics).toBe(database.db);
      expect(() => attachReplica(database, { url: 'postgres://kemai@db2:5432/kemai', maxLagSeconds: 30 })).toThrow(/needs PostgreSQL/);
      expect(database.analytics).toBe(database.db);
    } finally {
      await database.close();
    }
  });
});

describe('which errors send a query back to the primary', () => {
  it('connection failures, shutdown, too many connections and recovery conflicts; not a wrong query', () => {
    expect(replicaUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(replicaUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(replicaUnavailable({ severity: 'FATAL', code: '57P01' })).toBe(true);
    expect(replicaUnavailable({ severity: 'FATAL', code: '53300' })).toBe(true);
    expect(replicaUnavailable({ severity: 'ERROR', code: '40001' })).toBe(true);
    expect(replicaUnavailable({ severity: 'FATAL', code: '08006' })).toBe(true);
    expect(replicaUnavailable({ severity: 'ERROR', code: '42P01' })).toBe(false);
    expect(replicaUnavailable({ severity: 'ERROR', code: '22P02' })).toBe(false);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('a replica that cannot be reached (PostgreSQL)', () => {
  it('sends analytics to the primary with exact results, says down, and warns once', async () => {
    // A port nobody listens on.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    const database = await openTestDatabase({ poolSize: 2 });
    try {
      const router = attachReplica(database, { url: `postgres://postgres@127.0.0.1:${port}/kemai`, maxLagSeconds: 30, log: createLogger('info', sink) });
      expect(database.analytics).not.toBe(database.db);
      await database.db.execute(sql`create table public.replica_probe (n int)`);
      await database.db.execute(sql`insert into public.replica_probe values (1), (2), (40)`);
      for (let i = 0; i < 3; i++) expect(await queryOne<{ s: number }>(database.analytics, sql`select sum(n)::int as s from public.replica_probe`)).toEqual({ s: 43 });
      // A transaction on analytics takes its client from the primary too.
      const inTx = await database.analytics.transaction(async (tx) => queryOne<{ s: number }>(tx, sql`select count(*)::int as s from public.replica_probe`));
      expect(inTx).toEqual({ s: 3 });
      expect((await router.current()).state).toBe('down');
      expect(lines.filter((l) => 'replica' in l).map((l) => ({ level: l.level, replica: l.replica, msg: l.msg }))).toEqual([
        { level: 40, replica: 'down', msg: 'the read replica is unreachable: analytics queries go to the primary' },
      ]);
      // A wrong query is the query's fault: it fails as it would on the primary.
      await expect(database.analytics.execute(sql`select * from public.no_such_table`)).rejects.toThrow();
    } finally {
      await database.close();
    }
  });

  it('a replica that accepts connections and never answers: the probe state is down within a second, the first query falls back after the 3 s check, later ones at once', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const database = await openTestDatabase({ poolSize: 2 });
    try {
      const router = attachReplica(database, { url: `postgres://postgres@127.0.0.1:${port}/kemai`, maxLagSeconds: 30, checkMs: 300 });
      const t0 = Date.now();
      expect(await router.probeState()).toBe('down');
      expect(Date.now() - t0).toBeLessThan(1_500);
      expect(await queryOne<{ n: number }>(database.analytics, sql`select 7 as n`)).toEqual({ n: 7 });
      expect(Date.now() - t0).toBeLessThan(4_500);
      // Once down, a due check runs in the background: the query goes to the primary at once.
      await new Promise((r) => setTimeout(r, 400));
      const t1 = Date.now();
      expect(await queryOne<{ n: number }>(database.analytics, sql`select 8 as n`)).toEqual({ n: 8 });
      expect(Date.now() - t1).toBeLessThan(500);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await database.close();
    }
  });
});
