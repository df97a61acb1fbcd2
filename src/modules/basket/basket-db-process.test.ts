import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../app/kemai.js';
import { buildServer } from '../../app/server.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase } from '../../platform/db/database.js';
import { createLogger } from '../../platform/logger.js';
import { seedBasketBrand } from '../../../tests/support/basket-brand.js';

/**
 * The real `kemai basket …` in child processes on an embedded database holding the shop of tests/support/basket-brand.ts:
 * opening the database itself, then through `kemai serve` while the server holds it.
 */
describe('kemai basket from the database, as processes', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', PORT: '0' };
    delete e.DATABASE_URL;
    delete e.KEMAI_DEMO;
    return e;
  };
  const kemai = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'basket', ...args], { env: env(), cwd: dir });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code, out, err }));
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-basket-db-'));
    const config = loadConfig({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const k = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    const app = await buildServer(k);
    await seedBasketBrand({ app, kemai: k, admin: { authorization: `Bearer ${await k.access.createLocalKey()}` } });
    await app.close();
    await k.close();
  }, 300_000);
  afterAll(() => {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const FIRST = '{FILTER-P} => {COFFEE-YN}  support 0.166667  confidence 1.0000  lift 4.0000  leverage 0.125000  conviction Inf  count 2';

  it('opens the database itself when no server holds it; bad flags exit 2 naming the flag', async () => {
    const r = await kemai(['rules', '--min-support', '0.1', '--min-confidence', '0.3', '--min-len', '2', '--limit', '1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`10 rules from 12 baskets at sku level (support ≥ 0.1 = 2 baskets, confidence ≥ 0.3, 2–10 items), by lift, first 1:\n${FIRST}\n`);
    const bad = await kemai(['rules', '--min-support', '0.1', '--min-confidence', '0.3', '--channel', 'shop']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('kemai: --channel: shop is not one of pos, online, miniprogram, app, wechat, marketplace, phone, other\n');
    expect(bad.out).toBe('');
  }, 120_000);

  it('goes through the running server while it holds the embedded database', async () => {
    const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'serve', '--no-demo'], { env: env(), cwd: dir });
    server = child;
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        printed += d;
        if (printed.includes('Kemai is running')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening`)));
    });
    const r = await kemai(['rules', '--min-support', '0.1', '--min-confidence', '0.3', '--min-len', '2', '--limit', '1']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[1]).toBe(FIRST);
    const seg = await kemai(['bundles', '--segment', 'gold']);
    expect(seg.code).toBe(1);
    expect(seg.err).toBe('kemai: --segment: no segment gold\n');
    const tea = await kemai(['together', '--item', 'TEA-LJ', '--json']);
    expect(tea.code, tea.err).toBe(0);
    expect(JSON.parse(tea.out).suggestions.map((s: { item: string; lift: number }) => [s.item, s.lift])).toEqual([
      ['CUP-ZS', 3],
      ['MILK-1L', 0.5],
    ]);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    server = undefined;
  }, 120_000);
});
