import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../app/kemai.js';
import { DemoOptionsInput, DemoService } from '../modules/demo/index.js';
import { loadConfig } from '../platform/config.js';
import { manifestTrailer, type BackupManifest } from '../platform/db/backup.js';
import { openDatabase, query, type Db } from '../platform/db/database.js';
import { createLogger } from '../platform/logger.js';
import { kemaiDev } from '../../tests/support/kemai-process.js';

/**
 * The real `kemai backup` and `kemai restore` in child processes: on a file-based embedded database (directly and
 * through a running `kemai serve`), and on a fresh PostgreSQL database when TEST_DATABASE_URL is set.
 */

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-backup-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const baseEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never', ...extra };
  if (!extra.DATABASE_URL) delete env.DATABASE_URL;
  return env;
};

// From the repository (kemaiDev runs src/cli/main.ts relative to it); every path given is absolute.
const run = (args: string[], env: NodeJS.ProcessEnv) => kemaiDev(args, { env });

/** Opens the database in this process (never while a kemai process has the embedded one open). */
async function withKemai<T>(target: { dataDir?: string; databaseUrl?: string }, fn: (k: Awaited<ReturnType<typeof createKemai>>) => Promise<T>): Promise<T> {
  const database = await openDatabase({ ...target, poolSize: 2 });
  const kemai = await createKemai({ config: loadConfig(baseEnv(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : { KEMAI_DATA_DIR: target.dataDir! })), database, log: createLogger('silent') });
  try {
    const r = await fn(kemai);
    await kemai.events.drain();
    return r;
  } finally {
    await kemai.close();
  }
}

/** A small deterministic demo brand (customers, orders, returns, the points they earn), seeded in this process. */
async function seed(target: { dataDir?: string; databaseUrl?: string }): Promise<void> {
  await withKemai(target, async (k) => {
    const demo = new DemoService({
      ...k,
      listeningDeps: { customers: k.customers, messaging: k.messaging, coupons: k.coupons, ledger: k.ledger, config: k.config },
      strongIdentifiers: k.config.strongIdentifiers,
    });
    await demo.seed(DemoOptionsInput.parse({ customers: 60, seed: 'backup', until: '2026-06-30' }));
  });
}

interface State {
  customers: number;
  orders: number;
  ledger: number;
  customersMd5: string;
  ordersMd5: string;
  ledgerMd5: string;
}

/** The database alone, without the services (quicker to open than createKemai). */
async function withDb<T>(target: { dataDir?: string; databaseUrl?: string }, fn: (db: Db) => Promise<T>): Promise<T> {
  const database = await openDatabase({ ...target, poolSize: 1 });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

/** Row counts and checksums (md5 of the ordered ids and amounts) of the main tables. */
function state(target: { dataDir?: string; databaseUrl?: string }): Promise<State> {
  return withDb(target, async (db) => {
    const [r] = await query<State>(
      db,
      sql`select (select count(*)::int from customers.customers) as customers,
                 (select count(*)::int from orders.orders) as orders,
                 (select count(*)::int from loyalty.ledger_entries) as ledger,
                 (select md5(coalesce(string_agg(id::text || ':' || status || ':' || coalesce(name, ''), ',' order by id), '')) from customers.customers) as "customersMd5",
                 (select md5(coalesce(string_agg(id::text || ':' || paid_fen || ':' || refunded_fen || ':' || status, ',' order by id), '')) from orders.orders) as "ordersMd5",
                 (select md5(coalesce(string_agg(id::text || ':' || points || ':' || kind, ',' order by id), '')) from loyalty.ledger_entries) as "ledgerMd5"`,
    );
    return r!;
  });
}

/** Changes everything the checksums see: an order's amount, deleted orders and points, an erased-looking customer. */
function changeData(target: { dataDir?: string; databaseUrl?: string }): Promise<void> {
  return withDb(target, async (db) => {
    await db.execute(sql`update orders.orders set paid_fen = paid_fen + 100 where id = (select id from orders.orders order by id limit 1)`);
    await db.execute(sql`delete from orders.orders where id in (select id from orders.orders order by id desc limit 5)`);
    await db.execute(sql`delete from loyalty.ledger_entries where id in (select id from loyalty.ledger_entries order by id limit 7)`);
    await db.execute(sql`update customers.customers set name = null, status = 'erased' where id = (select id from customers.customers order by id limit 1)`);
    await db.execute(sql`delete from customers.customers where id = (select id from customers.customers order by id desc limit 1)`);
  });
}

const expectRows = (m: BackupManifest['rows'], s: State) => expect(m).toEqual({ customers: s.customers, orders: s.orders, ledgerEntries: s.ledger });

// The embedded database's cases run without TEST_DATABASE_URL, PostgreSQL's with it (as the other CLI tests do).
describe.skipIf(!!process.env.TEST_DATABASE_URL)('kemai backup / restore on the embedded database', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let atBackup: State;
  const backupFile = () => path.join(tmp, 'pglite.tar.gz');

  beforeAll(async () => {
    dataDir = path.join(tmp, 'data');
    env = baseEnv({ KEMAI_DATA_DIR: dataDir });
    await seed({ dataDir });
  }, 300_000);

  it('backs up, and restores exactly what was backed up after the data changed', async () => {
    atBackup = await state({ dataDir });
    expect(atBackup.customers).toBeGreaterThan(50);
    expect(atBackup.orders).toBeGreaterThan(100);
    expect(atBackup.ledger).toBeGreaterThan(100);

    const b = await run(['backup', '--out', backupFile(), '--json'], env);
    expect(b.status, b.stderr).toBe(0);
    const result = JSON.parse(b.stdout) as { file: string; bytes: number; via: string; manifest: BackupManifest };
    expect(result.via).toBe('direct');
    expect(result.file).toBe(backupFile());
    expect(result.bytes).toBe(fs.statSync(backupFile()).size);
    expect(fs.statSync(backupFile()).mode & 0o777).toBe(0o600);
    expect(result.manifest.format).toBe('pglite-datadir-tgz');
    expectRows(result.manifest.rows, atBackup);
    expect(result.manifest.migration.tag).toMatch(/^\d{4}_/);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.partial'))).toEqual([]);

    await changeData({ dataDir });
    const changed = await state({ dataDir });
    expect(changed.orders).toBe(atBackup.orders - 5);
    expect(changed.ledger).toBe(atBackup.ledger - 7);
    expect(changed.customersMd5).not.toBe(atBackup.customersMd5);

    const noYes = await run(['restore', backupFile()], env);
    expect(noYes.status).toBe(2);
    expect(noYes.stderr).toBe(`kemai: restore replaces everything in the embedded database at ${dataDir} with ${backupFile()}: run it again with --yes\n`);

    const r = await run(['restore', backupFile(), '--yes'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`  rows: ${atBackup.customers} customers, ${atBackup.orders} orders, ${atBackup.ledger} ledger entries (the same as at backup time)\n`);
    expect(await state({ dataDir })).toEqual(atBackup);
    const kept = fs.readdirSync(tmp).filter((f) => f.startsWith('data.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(fs.existsSync(path.join(dataDir, 'kemai-backup.json'))).toBe(false);
  }, 300_000);

  it('refuses a truncated, a foreign or a PostgreSQL file and changes nothing', async () => {
    await changeData({ dataDir });
    const before = await state({ dataDir });

    const truncated = path.join(tmp, 'truncated.tar.gz');
    const whole = fs.readFileSync(backupFile());
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const t = await run(['restore', truncated, '--yes'], env);
    expect(t.status).toBe(1);
    expect(t.stderr).toBe(`kemai: ${truncated} is damaged: it ends too early (truncated). Nothing was changed.\n`);

    const foreign = path.join(tmp, 'notes.txt');
    fs.writeFileSync(foreign, 'hello');
    const f = await run(['restore', foreign, '--yes'], env);
    expect(f.status).toBe(1);
    expect(f.stderr).toBe(`kemai: ${foreign} is not a Kemai backup: it is neither a pg_dump archive nor a gzip file. Nothing was changed.\n`);

    const pgDump = path.join(tmp, 'looks-like.dump');
    fs.writeFileSync(pgDump, Buffer.concat([Buffer.from('PGDMP'), Buffer.alloc(100)]));
    const p = await run(['restore', pgDump, '--yes'], env);
    expect(p.status).toBe(1);
    expect(p.stderr).toBe(`kemai: ${pgDump} is a PostgreSQL backup (pg_dump archive): restore it with DATABASE_URL set to the PostgreSQL database. Nothing was changed.\n`);

    expect(await state({ dataDir })).toEqual(before);
    expect(fs.readdirSync(tmp).filter((x) => x.includes('.restoring-'))).toEqual([]);
  }, 300_000);

  it('backs up through a running server, refuses to restore under it, and restores once it stopped', async () => {
    const serverEnv = { ...env, PORT: '0' };
    const server = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'serve'], { env: serverEnv, cwd: tmp, stdio: 'ignore' });
    let atServerBackup: State;
    const viaServer = path.join(tmp, 'via-server.tar.gz');
    try {
      const lock = `${dataDir}.lock`;
      while (!(fs.existsSync(lock) && JSON.parse(fs.readFileSync(lock, 'utf8')).url)) {
        if (server.exitCode !== null) throw new Error(`kemai serve exited ${server.exitCode}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const b = await run(['backup', '--out', viaServer, '--json'], env);
      expect(b.status, b.stderr).toBe(0);
      const result = JSON.parse(b.stdout) as { via: string; manifest: BackupManifest };
      expect(result.via).toBe('server');
      expect(fs.statSync(viaServer).mode & 0o777).toBe(0o600);

      const refused = await run(['restore', backupFile(), '--yes'], env);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^kemai: The Kemai server \(pid \d+ at http:\/\/localhost:\d+\) has the embedded database at .* open: stop it first \(Ctrl-C\), then restore\. Nothing was changed\.\n$/);
      // The same backup taken by the server: its manifest counts the rows the server saw.
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
      atServerBackup = await state({ dataDir });
      expectRows(result.manifest.rows, atServerBackup);
    } finally {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => server.on('exit', r));
      }
    }

    await changeData({ dataDir });
    expect((await state({ dataDir })).ordersMd5).not.toBe(atServerBackup.ordersMd5);
    const r = await run(['restore', viaServer, '--yes', '--json'], env);
    expect(r.status, r.stderr).toBe(0);
    const restored = JSON.parse(r.stdout) as { matches: boolean; keptPrevious: string };
    expect(restored.matches).toBe(true);
    expect(await state({ dataDir })).toEqual(atServerBackup);
    // The next restore removed the copy kept by the one before.
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('data.before-restore-'))).toEqual([path.basename(restored.keptPrevious)]);
  }, 300_000);
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('kemai backup / restore on PostgreSQL', () => {
  let databaseUrl: string;
  let name: string;
  let env: NodeJS.ProcessEnv;
  const admin = () => new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });

  beforeAll(async () => {
    name = `kemai_backup_${crypto.randomBytes(5).toString('hex')}`;
    const c = admin();
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    env = baseEnv({ DATABASE_URL: databaseUrl });
    await seed({ databaseUrl });
  }, 300_000);

  afterAll(async () => {
    if (!name) return;
    const c = admin();
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  });

  it('dumps, refuses while others are connected, restores exactly; a failing restore changes nothing', async () => {
    const atBackup = await state({ databaseUrl });
    const file = path.join(tmp, 'pg.dump');
    const b = await run(['backup', '--out', file, '--json'], env);
    expect(b.status, b.stderr).toBe(0);
    const result = JSON.parse(b.stdout) as { bytes: number; entries: number; manifest: BackupManifest };
    expect(result.manifest.format).toBe('pg_dump-custom');
    expect(result.manifest.database).toBe(name);
    expectRows(result.manifest.rows, atBackup);
    expect(result.entries).toBeGreaterThan(100);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    await changeData({ databaseUrl });
    const changed = await state({ databaseUrl });
    expect(changed.orders).toBe(atBackup.orders - 5);

    const noYes = await run(['restore', file], env);
    expect(noYes.status).toBe(2);

    // Another session on the database: refused, listed, nothing changed.
    const other = new pg.Client({ connectionString: databaseUrl, application_name: 'backup-test-holder' });
    await other.connect();
    try {
      const busy = await run(['restore', file, '--yes'], env);
      expect(busy.status).toBe(1);
      expect(busy.stderr).toMatch(new RegExp(`^kemai: 1 other session is connected to ${name}; stop the Kemai servers and workers first \\(or --force to restore anyway\\)\\. Nothing was changed\\.\\n  pid \\d+  postgres  backup-test-holder  `));
    } finally {
      await other.end();
    }
    expect(await state({ databaseUrl })).toEqual(changed);

    // A truncated file: refused before anything runs.
    const whole = fs.readFileSync(file);
    const truncated = path.join(tmp, 'pg-truncated.dump');
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.7)));
    const t = await run(['restore', truncated, '--yes'], env);
    expect(t.status).toBe(1);
    expect(t.stderr).toBe(
      `kemai: ${truncated} is a pg_dump archive without a Kemai manifest at its end: the file is truncated, or it was not made by kemai backup (restore such a dump with pg_restore yourself). Nothing was changed.\n`,
    );
    // A PGlite snapshot given to PostgreSQL.
    const gz = path.join(tmp, 'x.tar.gz');
    fs.writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0]));
    const g = await run(['restore', gz, '--yes'], env);
    expect(g.status).toBe(1);
    expect(g.stderr).toContain('is an embedded-database (PGlite) backup, but DATABASE_URL points to PostgreSQL');

    // An archive cut short inside its data but carrying a matching manifest: pg_restore starts (dropping objects),
    // fails on the missing data, and its single transaction rolls everything back.
    const archiveBytes = result.manifest.archive!.bytes;
    const cut = whole.subarray(0, Math.floor(archiveBytes * 0.8));
    const forged = path.join(tmp, 'pg-forged.dump');
    const manifest: BackupManifest = { ...result.manifest, archive: { bytes: cut.length, sha256: crypto.createHash('sha256').update(cut).digest('hex') } };
    fs.writeFileSync(forged, Buffer.concat([cut, manifestTrailer(manifest)]));
    const failed = await run(['restore', forged, '--yes'], env);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^kemai: pg_restore failed, and as it ran in one transaction the database is unchanged:\n/);
    expect(await state({ databaseUrl })).toEqual(changed);

    const r = await run(['restore', file, '--yes'], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`  rows: ${atBackup.customers} customers, ${atBackup.orders} orders, ${atBackup.ledger} ledger entries (the same as at backup time)\n`);
    expect(await state({ databaseUrl })).toEqual(atBackup);

    // --force: restored although an (idle) session is connected.
    await changeData({ databaseUrl });
    const idle = new pg.Client({ connectionString: databaseUrl, application_name: 'backup-test-idle' });
    await idle.connect();
    try {
      const forced = await run(['restore', file, '--yes', '--force'], env);
      expect(forced.status, forced.stderr).toBe(0);
      expect(forced.stdout).toContain('  restored with --force while 1 other session was connected\n');
    } finally {
      await idle.end();
    }
    expect(await state({ databaseUrl })).toEqual(atBackup);
  }, 300_000);
});
