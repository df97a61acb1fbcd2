import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKemai } from '../../../../tests/support/kemai-process.js';
import { createKemai } from '../../../app/kemai.js';
import { buildServer } from '../../../app/server.js';
import { loadConfig } from '../../../platform/config.js';
import { openDatabase } from '../../../platform/db/database.js';
import { createLogger } from '../../../platform/logger.js';
import { addDays } from './holidays.js';

const PATTERN = [10, 12, 14, 16, 30, 50, 40];

/** The real `kemai forecast` in child processes: from a file, and from an embedded database's orders. */
describe('kemai forecast', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', PORT: '0' });
  const run = (args: string[]) => runKemai(['forecast', ...args], env(), dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-forecast-cli-'));
    // Eight weeks from Monday 2024-01-01 in the Online Retail layout: item A on the weekday pattern, B once, a return.
    const rows = ['"InvoiceNo","StockCode","Quantity","InvoiceDate"'];
    for (let i = 0; i < 56; i++) rows.push(`"${i}","A",${PATTERN[i % 7]},"${addDays('2024-01-01', i)} 10:00:00"`);
    rows.push('"90","B",3,"2024-01-10 10:00:00"', '"C91","A",-5,"2024-01-11 10:00:00"');
    fs.writeFileSync(path.join(dir, 'retail.csv.gz'), zlib.gzipSync(rows.join('\n')));

    const config = loadConfig({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    const app = await buildServer(kemai);
    const headers = { authorization: `Bearer ${await kemai.access.createLocalKey()}` };
    const items = Array.from({ length: 21 }, (_, i) => ({
      channel: 'pos',
      externalId: `O${i}`,
      storeCode: 'S01',
      placedAt: `${addDays('2024-01-01', i)}T12:00:00+08:00`,
      lines: [{ sku: 'A', quantity: PATTERN[i % 7]!, unitPrice: '1.00' }],
    }));
    const res = await app.inject({ method: 'POST', url: '/api/v1/orders/batch', headers, payload: { items } });
    expect(res.statusCode, res.body).toBe(200);
    await app.close();
    await kemai.close();
  }, 300_000);
  afterAll(() => {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('forecasts an item from a gzip CSV, with a backtest', async () => {
    const r = await run(['--from', 'retail.csv.gz', '--date-col', 'InvoiceDate', '--qty-col', 'Quantity', '--item-col', 'StockCode', '--item', 'A', '--horizon', '7', '--backtest', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ rowsRead: 58, negativeRows: 1, item: 'A', from: '2024-01-01', to: '2024-02-25', horizon: 7 });
    expect(out.forecast.map((p: { units: number }) => Math.round(p.units * 1e6) / 1e6)).toEqual(PATTERN);
    expect(out.backtest).toMatchObject({ origins: 4, seasonalPeriod: 7, maeNaive: 0 });
    const text = await run(['--from', 'retail.csv.gz', '--date-col', 'InvoiceDate', '--qty-col', 'Quantity', '--item-col', 'StockCode', '--item', 'A', '--granularity', 'week', '--horizon', '2']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('item A: 8 weeks of history 2024-01-01 … 2024-02-25, 2 ahead (regression: intercept)');
    expect(text.out).toContain('2024-02-26     172.0  172.0 – 172.0');
  });

  it('names the bad flag or line, with exit 2 for flags and 1 for the file', async () => {
    const flag = await run(['--from', 'retail.csv.gz', '--date-col', 'InvoiceDate', '--qty-col', 'Quantity', '--granularity', 'month']);
    expect([flag.code, flag.err.trim()]).toEqual([2, 'kemai: --granularity: day or week']);
    const horizon = await run(['--from', 'retail.csv.gz', '--date-col', 'InvoiceDate', '--qty-col', 'Quantity', '--granularity', 'week', '--horizon', '105']);
    expect([horizon.code, horizon.err.trim()]).toEqual([2, 'kemai: --horizon: a whole number from 1 to 104']);
    const col = await run(['--from', 'retail.csv.gz', '--date-col', 'Day', '--qty-col', 'Quantity']);
    expect([col.code, col.err.trim()]).toEqual([1, 'kemai: retail.csv.gz: line 2: no column Day (the columns are InvoiceNo, StockCode, Quantity, InvoiceDate)']);
  });

  it('forecasts from the database and lists its series', async () => {
    const r = await run(['run', '--level', 'sku', '--key', 'A', '--horizon', '7', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ level: 'sku', key: 'A', from: '2024-01-01', to: '2024-01-21' });
    expect(out.forecast.map((p: { units: number }) => Math.round(p.units * 1e6) / 1e6)).toEqual(PATTERN);
    const series = await run(['series', '--level', 'sku']);
    expect(series.code, series.err).toBe(0);
    expect(series.out).toContain('sku by units 2023-01-22 … 2024-01-21:\nA                               516 units    21 days');
    const bad = await run(['run', '--level', 'sku']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('key: the SKU to forecast');
  });

  it('goes through the running server while it holds the embedded database', async () => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env() };
    delete e.DATABASE_URL;
    delete e.KEMAI_DEMO;
    const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'serve', '--no-demo'], { env: e, cwd: dir });
    server = child;
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        printed += d;
        if (printed.includes('Kemai is running')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening`)));
    });
    const r = await run(['run', '--level', 'total', '--granularity', 'week', '--horizon', '2', '--backtest', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ level: 'total', key: null, from: '2024-01-01', to: '2024-01-21', backtest: null });
    expect(out.forecast.map((p: { date: string; units: number }) => [p.date, Math.round(p.units * 1e6) / 1e6])).toEqual([
      ['2024-01-22', 172],
      ['2024-01-29', 172],
    ]);
    const series = await run(['series', '--level', 'store', '--json']);
    expect(series.code, series.err).toBe(0);
    expect(JSON.parse(series.out).items).toEqual([{ key: 'S01', name: null, units: 516, salesFen: 51_600, days: 21 }]);
    const bad = await run(['run', '--level', 'total', '--key', 'X']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('key: the total has no key');
  }, 120_000);
});
