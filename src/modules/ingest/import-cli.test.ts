import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../platform/db/database.js';

/**
 * The real `kemai import` in a child process, against a file-based embedded database (or a fresh
 * PostgreSQL database with TEST_DATABASE_URL): exit codes, the report file, and kill -9 + rerun.
 */
const BIN = path.resolve('bin/kemai.js');
const ORDERS = 6000;
const LINES_PER_ORDER = 5;

let tmp: string;
let env: NodeJS.ProcessEnv;
let pgUrl: string | undefined;
let dbName: string | undefined;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-import-cli-'));
  env = { ...process.env, KEMAI_LOG_LEVEL: 'silent', KEMAI_DEMO: 'never', KEMAI_JOBS: 'off' };
  delete env.DATABASE_URL;
  const base = process.env.TEST_DATABASE_URL;
  if (base) {
    dbName = `kemai_cli_${crypto.randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${dbName}`;
    pgUrl = u.toString();
    env.DATABASE_URL = pgUrl;
  } else env.KEMAI_DATA_DIR = path.join(tmp, 'data');
});

afterAll(async () => {
  if (dbName) {
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd: tmp });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Rows of a query on the CLI's database, opened only while no kemai process holds it. */
async function inspect<T>(text: string): Promise<T[]> {
  const database = await openDatabase(pgUrl ? { databaseUrl: pgUrl, poolSize: 1 } : { dataDir: env.KEMAI_DATA_DIR });
  try {
    if (pgUrl) return (await database.pool!.query(text)).rows as T[];
    return (await database.pglite!.query<T>(text)).rows;
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return [];
    throw e;
  } finally {
    await database.close();
  }
}

/** A deterministic file: order i has 5 lines; line j sells j+1 units at (i % 50) + j + 0.99. */
function writeOrders(file: string) {
  const out = ['order_id,placed_at,sku,qty,price,phone'];
  for (let i = 0; i < ORDERS; i++) {
    const phone = i % 3 === 0 ? '' : `1380000${String(i % 997).padStart(4, '0')}`;
    for (let j = 0; j < LINES_PER_ORDER; j++)
      out.push(`K${i},2025-06-${String(1 + (i % 28)).padStart(2, '0')} 10:${String(j).padStart(2, '0')}:00,S${(i * 7 + j) % 300},${j + 1},${(i % 50) + j}.99,${phone}`);
  }
  fs.writeFileSync(file, `${out.join('\n')}\n`);
}

function expectedPaidFen(): number {
  let fen = 0;
  for (let i = 0; i < ORDERS; i++) for (let j = 0; j < LINES_PER_ORDER; j++) fen += (j + 1) * (((i % 50) + j) * 100 + 99);
  return fen;
}

const MAP = ['--const', 'channel=pos', '--map', 'externalId=order_id', '--map', 'placedAt=placed_at', '--map', 'lines.quantity=qty', '--map', 'lines.unitPrice=price', '--map', 'customer.phone=phone'];

describe('kemai import (CLI)', () => {
  it('exits 2 naming the missing columns, and 1 with a report file when rows fail', async () => {
    const file = path.join(tmp, 'stores.csv');
    fs.writeFileSync(file, 'code,title\nSH01,One\n');
    const missing = await start(['import', 'stores', file]).done;
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'kemai: cannot import stores: missing name (no column named "name"; map one with --map name=COLUMN). Columns in the file: code, title.',
    );

    fs.writeFileSync(file, 'code,title,lat\nSH01,One,31.2\nSH02,Two,north\n');
    const partial = await start(['import', 'stores', file, '--map', 'name=title', '--json']).done;
    expect(partial.code).toBe(1);
    const summary = JSON.parse(partial.stdout);
    expect(summary.rows).toEqual({ read: 2, imported: 1, skipped: 0, failed: 1 });
    expect(summary.errorsFile).toBe(path.join(tmp, 'stores.errors.csv'));
    expect(fs.readFileSync(summary.errorsFile, 'utf8')).toBe('line,field,reason\n3,lat,"lat: not a number: ""north"""\n');
  }, 180_000);

  it('after kill -9 mid-import, the same command resumes and every order is there exactly once', async () => {
    const file = path.join(tmp, 'orders.csv');
    writeOrders(file);
    // Paused after every chunk of 1,000 rows: a window of seconds in which a checkpoint is committed and the import not done.
    const args = ['import', 'orders', file, ...MAP, '--chunk', '1000', '--pause-ms', '300', '--json'];

    // Kill as soon as a checkpoint is committed (polled on PostgreSQL; on the embedded database,
    // which one process opens at a time, after a delay that adapts: longer when no checkpoint was
    // committed yet, shorter — and the next try with --restart — when the import had already finished).
    let interrupted = false;
    let delay = 3000;
    let restart = false;
    for (let attempt = 0; attempt < 12 && !interrupted; attempt++) {
      const { child, done } = start(restart ? [...args, '--restart'] : args);
      if (pgUrl) {
        for (;;) {
          const runs = await inspect<{ checkpoint_line: number; status: string }>("select checkpoint_line, status from ingest.import_runs where kind = 'orders'").catch(() => []);
          if (runs[0] && runs[0].checkpoint_line > 0) break;
          if (child.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      } else await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      const exit = await done;
      const runs = await inspect<{ checkpoint_line: number; status: string; phase: string }>("select checkpoint_line, status, phase from ingest.import_runs where kind = 'orders'");
      if (exit.signal === 'SIGKILL' && runs[0]?.status === 'running' && (runs[0].checkpoint_line > 0 || runs[0].phase !== 'read')) interrupted = true;
      else if (runs[0]?.status === 'completed') {
        restart = true;
        delay = Math.max(200, delay / 2);
      } else delay *= 1.5;
    }
    expect(interrupted).toBe(true);

    const rerun = await start(args).done;
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    const summary = JSON.parse(rerun.stdout);
    expect(summary.resumed).toBe(true);
    expect(summary.rows).toEqual({ read: ORDERS * LINES_PER_ORDER, imported: ORDERS * LINES_PER_ORDER, skipped: 0, failed: 0 });
    expect(summary.records.created + summary.records.unchanged).toBe(ORDERS);
    expect(summary.records.updated).toBe(0);

    const [totals] = await inspect<{ orders: number; lines: number; distinct_orders: number; paid: string; line_rows: number }>(
      `select count(*)::int as orders, count(distinct external_id)::int as distinct_orders, sum(line_count)::int as lines, sum(paid_fen)::text as paid,
              (select count(*)::int from orders.line_facts where channel = 'pos') as line_rows
       from orders.order_facts where channel = 'pos'`,
    );
    expect(totals).toEqual({ orders: ORDERS, distinct_orders: ORDERS, lines: ORDERS * LINES_PER_ORDER, line_rows: ORDERS * LINES_PER_ORDER, paid: String(expectedPaidFen()) });
  }, 600_000);

  it('works through a running server that holds the embedded database, and names rows of an order that is not together', async () => {
    const dataDir = path.join(tmp, 'served');
    const serverEnv: NodeJS.ProcessEnv = { ...env, KEMAI_DATA_DIR: dataDir, PORT: '0' };
    delete serverEnv.DATABASE_URL;
    const server = spawn(process.execPath, [BIN, 'serve'], { env: serverEnv, cwd: tmp, stdio: 'ignore' });
    try {
      const lock = `${dataDir}.lock`;
      while (!(fs.existsSync(lock) && JSON.parse(fs.readFileSync(lock, 'utf8')).url)) {
        if (server.exitCode !== null) throw new Error(`kemai serve exited ${server.exitCode}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const file = path.join(tmp, 'served-orders.csv');
      fs.copyFileSync(path.resolve('tests/fixtures/import/orders-mapped.csv'), file);
      const mapped = ['--map', 'externalId=Order No', '--const', 'channel=pos', '--map', 'placedAt=Placed', '--map', 'lines.sku=Item', '--map', 'lines.quantity=Qty', '--map', 'lines.unitPrice=Price'];
      const child = spawn(process.execPath, [BIN, 'import', 'orders', file, ...mapped, '--chunk', '1', '--json'], { env: { ...serverEnv, PORT: '' }, cwd: tmp });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      const summary = JSON.parse(stdout);
      expect(summary.rows).toEqual({ read: 8, imported: 3, skipped: 0, failed: 5 });
      expect(summary.records).toEqual({ created: 3, updated: 0, unchanged: 0 });
      const report = fs.readFileSync(summary.errorsFile, 'utf8').trim().split('\n');
      expect(report[1]).toBe(
        '4,Order No,"the rows of this record are not together: its earlier rows (from line 2) were already imported. Sort the file by channel, externalId, or stop the server so the import can group a scattered file itself"',
      );
      expect(report.slice(2).map((l) => l.split(',')[0])).toEqual(['5', '6', '7', '8']);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
    }
  }, 300_000);
});
