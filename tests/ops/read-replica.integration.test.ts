import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { createKemai, type Kemai } from '../../src/app/kemai.js';
import { buildServer } from '../../src/app/server.js';

/**
 * A real streaming replica on this machine: a fresh primary cluster (initdb, wal_level=replica), a standby made with
 * pg_basebackup -R, Kemai on both (DATABASE_URL, DATABASE_REPLICA_URL). Needs the PostgreSQL server binaries; runs
 * only in the PostgreSQL half of the tests (TEST_DATABASE_URL) so it does not run twice.
 */

/** The directory holding initdb, pg_ctl and pg_basebackup: PATH, else the newest /usr/lib/postgresql/<v>/bin. */
function pgBinDir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter))
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_basebackup'))) return dir;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

const isRoot = process.getuid?.() === 0;
/** Postgres refuses to run as root: as root, run its programs as the postgres user. */
function pgRun(bin: string, program: string, args: string[]): string {
  const exe = path.join(bin, program);
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const NO_RATE_LIMITS = { KEMAI_RATE_LIMIT_PER_KEY: '1000000', KEMAI_RATE_LIMIT_PER_IP: '1000000', KEMAI_RATE_LIMIT_SIGN_IN: '1000000' };

describe.skipIf(!process.env.TEST_DATABASE_URL)('analytics reads on a streaming read replica', () => {
  let tmp: string | undefined;
  let bin: string;
  const dirs = { primary: '', replica: '' };
  let primaryUrl = '';
  let replicaUrl = '';
  let admin: pg.Client | undefined; // to the replica: pause and resume replay
  let primaryAdmin: pg.Client | undefined;
  let kemai: Kemai | undefined;
  let app: FastifyInstance | undefined;
  let auth: { authorization: string };
  const logLines: Array<Record<string, unknown>> = [];
  const replicaRunning = { primary: false, replica: false };

  beforeAll(async () => {
    const found = pgBinDir();
    if (!found) throw new Error('the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed: apt-get install postgresql');
    bin = found;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-replica-'));
    if (isRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      fs.chownSync(tmp, uid, gid);
    }
    dirs.primary = path.join(tmp, 'primary');
    dirs.replica = path.join(tmp, 'replica');
    const [pPort, rPort] = [await freePort(), await freePort()];

    pgRun(bin, 'initdb', ['-D', dirs.primary, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    fs.appendFileSync(
      path.join(dirs.primary, 'postgresql.conf'),
      [`port = ${pPort}`, `listen_addresses = '127.0.0.1'`, `unix_socket_directories = '${tmp}'`, 'wal_level = replica', 'max_wal_senders = 5',
        'hot_standby = on', 'fsync = off', 'full_page_writes = off', 'max_connections = 50', ''].join('\n'),
    );
    fs.appendFileSync(path.join(dirs.primary, 'pg_hba.conf'), 'host replication all 127.0.0.1/32 trust\n');
    pgRun(bin, 'pg_ctl', ['-D', dirs.primary, '-l', path.join(tmp, 'primary.log'), '-w', '-t', '30', 'start']);
    replicaRunning.primary = true;

    primaryAdmin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${pPort}/postgres` });
    await primaryAdmin.connect();
    await primaryAdmin.query('create database kemai');

    pgRun(bin, 'pg_basebackup', ['-h', '127.0.0.1', '-p', String(pPort), '-U', 'postgres', '-D', dirs.replica, '-R', '-X', 'stream', '-c', 'fast']);
    fs.appendFileSync(path.join(dirs.replica, 'postgresql.conf'), `port = ${rPort}\n`);
    pgRun(bin, 'pg_ctl', ['-D', dirs.replica, '-l', path.join(tmp, 'replica.log'), '-w', '-t', '30', 'start']);
    replicaRunning.replica = true;

    primaryUrl = `postgres://postgres@127.0.0.1:${pPort}/kemai`;
    replicaUrl = `postgres://postgres@127.0.0.1:${rPort}/kemai`;
    admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${rPort}/postgres` });
    await admin.connect();
    expect((await admin.query('select pg_is_in_recovery() as r')).rows[0].r).toBe(true);

    // Kemai as `kemai serve` opens it: the schema is migrated on the primary (the replica follows).
    const config = loadConfig({ DATABASE_URL: primaryUrl, DATABASE_REPLICA_URL: replicaUrl, KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_LOG_LEVEL: 'info', ...NO_RATE_LIMITS });
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    const database = await openDatabase({ databaseUrl: primaryUrl, poolSize: 5 });
    kemai = await createKemai({ config, database, log: createLogger('info', sink) });
    app = await buildServer(kemai);
    await app.ready();
    auth = { authorization: `Bearer ${await kemai.access.createLocalKey()}` };
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await kemai?.close().catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await primaryAdmin?.end().catch(() => undefined);
    for (const which of ['replica', 'primary'] as const) {
      if (!replicaRunning[which]) continue;
      try {
        pgRun(bin, 'pg_ctl', ['-D', dirs[which], '-m', 'immediate', '-w', '-t', '30', 'stop']);
      } catch {
        /* already stopped */
      }
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const post = async (url: string, payload: object) => {
    const res = await app!.inject({ method: 'POST', url, headers: auth, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const get = async (url: string) => {
    const res = await app!.inject({ method: 'GET', url, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const overview = async () => (await get('/api/v1/insights/overview?from=2025-11-01&to=2025-11-10')).kpis as { orders: { current: number }; revenueFen: { current: number } };
  const orderList = async () => (await get('/api/v1/orders?page=1&from=2025-11-01&to=2025-11-10')).total as number;
  const order = (id: string, day: string, paid: string, phone?: string) => ({
    channel: 'pos',
    externalId: id,
    storeCode: 'SH01',
    placedAt: `2025-11-${day}T12:00:00+08:00`,
    ...(phone ? { customer: { phone } } : {}),
    lines: [{ sku: 'SKU1', quantity: 1, unitPrice: paid }],
    paidAmount: paid,
  });
  const importOrders = async (items: object[]) => {
    const r = await post('/api/v1/orders/batch', { items });
    expect(r.summary.error, JSON.stringify(r.results)).toBe(0);
  };
  /** Until the replica has replayed everything the primary has flushed now. */
  const replayed = async () => {
    const lsn = (await primaryAdmin!.query('select pg_current_wal_flush_lsn()::text as lsn')).rows[0].lsn as string;
    await until('the replica to replay', async () => (await admin!.query('select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [lsn])).rows[0].ok === true);
  };
  const replicaLogs = () => logLines.filter((l) => 'replica' in l).map((l) => ({ level: l.level, replica: l.replica }));

  it('answers the dashboard from the replica (stale while replay is paused), catches up, and falls back to the primary when the replica stops', async () => {
    await post('/api/v1/stores/batch', { items: [{ code: 'SH01', name: '上海南京西路店', city: '上海' }] });
    await importOrders([order('R1', '02', '100.00', '13800000001'), order('R2', '03', '200.00', '13800000002'), order('R3', '04', '50.00')]);
    await replayed();
    expect(await overview()).toMatchObject({ orders: { current: 3 }, revenueFen: { current: 35000 } });
    expect((await app!.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', checks: { database: 'ok', replica: 'ok' } });

    // Replay paused: the primary has two more orders, the replica does not.
    await admin!.query('select pg_wal_replay_pause()');
    await until('replay to pause', async () => (await admin!.query(`select pg_get_wal_replay_pause_state() = 'paused' as p`)).rows[0].p === true);
    await importOrders([order('R4', '05', '300.00', '13800000001'), order('R5', '06', '7.00')]);
    expect(await orderList()).toBe(5); // a primary read: the new figure
    expect(await overview()).toMatchObject({ orders: { current: 3 }, revenueFen: { current: 35000 } }); // from the replica: the old one
    // The replica's state is still 'ok': its last replayed transaction is seconds old, within the 30 s allowed.
    expect((await app!.inject({ method: 'GET', url: '/readyz' })).json().checks.replica).toBe('ok');

    // Resumed: the dashboard catches up to the exact new figures, still from the replica.
    await admin!.query('select pg_wal_replay_resume()');
    const caughtUp = await until('the dashboard to catch up', async () => {
      const k = await overview();
      return k.orders.current === 5 ? k : undefined;
    });
    expect(caughtUp).toMatchObject({ orders: { current: 5 }, revenueFen: { current: 65700 } });
    expect(kemai!.database.replica && (await kemai!.database.replica.current()).state).toBe('ok');

    // The replica stops: the dashboard answers from the primary, exact; /readyz says so and stays 200.
    await admin!.end();
    admin = undefined;
    pgRun(bin, 'pg_ctl', ['-D', dirs.replica, '-m', 'fast', '-w', '-t', '30', 'stop']);
    replicaRunning.replica = false;
    await importOrders([order('R6', '07', '1.00')]);
    expect(await overview()).toMatchObject({ orders: { current: 6 }, revenueFen: { current: 65800 } });
    expect(await overview()).toMatchObject({ orders: { current: 6 }, revenueFen: { current: 65800 } });
    const ready = await app!.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', replica: 'down' } });

    // One line per change of state, none repeated, no address or personal data in them.
    expect(replicaLogs()).toEqual([
      { level: 30, replica: 'ok' },
      { level: 40, replica: 'down' },
    ]);
    const text = JSON.stringify(logLines.filter((l) => 'replica' in l));
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('13800000001');
  });

  it('a replica that lags beyond KEMAI_REPLICA_MAX_LAG_SECONDS sends analytics to the primary; /readyz says lagging with 200', async () => {
    // The replica again, replay paused; a second Kemai on the same servers allows 1 s of lag.
    if (!replicaRunning.replica) pgRun(bin, 'pg_ctl', ['-D', dirs.replica, '-l', path.join(tmp!, 'replica.log'), '-w', '-t', '30', 'start']);
    replicaRunning.replica = true;
    await admin?.end().catch(() => undefined);
    admin = new pg.Client({ connectionString: replicaUrl.replace(/\/kemai$/, '/postgres') });
    await admin.connect();
    await replayed();
    await admin.query('select pg_wal_replay_pause()');
    await until('replay to pause', async () => (await admin!.query(`select pg_get_wal_replay_pause_state() = 'paused' as p`)).rows[0].p === true);
    await importOrders([order('R7', '08', '2.00')]);

    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    const config = loadConfig({ DATABASE_URL: primaryUrl, DATABASE_REPLICA_URL: replicaUrl, KEMAI_REPLICA_MAX_LAG_SECONDS: '1', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_LOG_LEVEL: 'info', ...NO_RATE_LIMITS });
    const strict = await createKemai({ config, database: await openDatabase({ databaseUrl: primaryUrl, poolSize: 2 }), log: createLogger('info', sink), migrate: false });
    const strictApp = await buildServer(strict);
    try {
      await strictApp.ready();
      const key = { authorization: `Bearer ${await strict.access.createLocalKey()}` };
      // The last transaction the replica replayed is over a second old by now.
      await until('a second of lag', async () => Number((await admin!.query('select extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as lag')).rows[0].lag) > 1.2);
      const res = await strictApp.inject({ method: 'GET', url: '/api/v1/insights/overview?from=2025-11-01&to=2025-11-10', headers: key });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().kpis).toMatchObject({ orders: { current: 7 }, revenueFen: { current: 66000 } }); // the primary's figures
      // The main instance (30 s allowed), once it has looked again (it last saw the replica down), reads the replica's older figures.
      await until('the main instance to see the replica', async () => (await kemai!.database.replica!.current()).state === 'ok');
      expect(await overview()).toMatchObject({ orders: { current: 6 }, revenueFen: { current: 65800 } });
      const ready = await strictApp.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', replica: 'lagging' } });
      expect(lines.filter((l) => 'replica' in l).map((l) => ({ level: l.level, replica: l.replica }))).toEqual([{ level: 40, replica: 'lagging' }]);
    } finally {
      await admin.query('select pg_wal_replay_resume()');
      await strictApp.close();
      await strict.close();
    }
  });
});
