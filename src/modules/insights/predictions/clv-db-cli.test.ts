import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../../app/kemai.js';
import { buildServer } from '../../../app/server.js';
import { loadConfig } from '../../../platform/config.js';
import { openDatabase } from '../../../platform/db/database.js';
import { createLogger } from '../../../platform/logger.js';
import { runKemai } from '../../../../tests/support/kemai-process.js';

/** The real `kemai clv run|churn-risk` in child processes on an embedded database holding the CDNOW sample as orders. */
describe('kemai clv run|churn-risk (from the database)', () => {
  let dir: string;
  const run = (args: string[]) =>
    runKemai(['clv', ...args], { KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' }, dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-clv-db-cli-'));
    const config = loadConfig({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    const app = await buildServer(kemai);
    const headers = { authorization: `Bearer ${await kemai.access.createLocalKey()}` };
    const lines = fs.readFileSync(path.resolve('tests/fixtures/cdnow/CDNOW_sample.txt'), 'utf8').split(/\r?\n/).filter((l) => l.trim());
    const items = lines.map((line, i) => {
      const f = line.trim().split(/\s+/);
      return {
        channel: 'online',
        externalId: `CD-${i + 1}`,
        placedAt: `${f[2]!.slice(0, 4)}-${f[2]!.slice(4, 6)}-${f[2]!.slice(6, 8)}T12:00:00+08:00`,
        customer: { memberNo: `CDNOW-${f[1]}` },
        lines: [{ sku: 'CD', quantity: 1, unitPrice: f[4]! }],
      };
    });
    for (let i = 0; i < items.length; i += 1000) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/orders/batch', headers, payload: { items: items.slice(i, i + 1000) } });
      expect(res.statusCode, res.body).toBe(200);
    }
    await app.close();
    await kemai.close();
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fits from the orders, prints the parameters and bands, and lists the customers at risk without personal data', async () => {
    const fitted = await run(['run', '--as-of', '1997-09-30', '--horizon-days', '273', '--json']);
    expect(fitted.code, fitted.err).toBe(0);
    const { run: r, distribution } = JSON.parse(fitted.out);
    expect(r).toMatchObject({ model: 'bgnbd', asOf: '1997-09-30', customers: 2357, repeatBuyers: 946, horizonDays: 273 });
    expect(Number(r.params.frequency.r.toPrecision(3))).toBe(0.243);
    expect(Number(r.params.spend.p.toPrecision(3))).toBe(6.25);
    expect(distribution.churn.reduce((s: number, c: { customers: number }) => s + c.customers, 0)).toBe(2357);

    const text = await run(['run', '--as-of', '1997-09-30']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('BG/NBD + Gamma-Gamma as of 1997-09-30 (weeks): 2,357 customers, 946 repeat buyers');
    // Hardie's figures with the standard errors lifetimes prints (0.012557, 0.378221, 0.185719, 0.705345).
    expect(text.out).toContain('frequency: r 0.2426 (se 0.0126), alpha 4.414 (se 0.378), a 0.7929 (se 0.186), b 2.426 (se 0.705); log-likelihood -9582.43');
    expect(text.out).toContain('spend:     p 6.250 (se 1.19), q 3.744 (se 0.290), gamma 15.44 (se 4.16); log-likelihood -4055.92');

    const list = await run(['churn-risk', '--risk', 'high,medium', '--min-frequency', '1', '--limit', '3', '--json']);
    expect(list.code, list.err).toBe(0);
    const body = JSON.parse(list.out);
    expect(body.items).toHaveLength(3);
    for (const item of body.items) {
      expect(['high', 'medium']).toContain(item.churnRisk);
      expect(item.frequency).toBeGreaterThanOrEqual(1);
      expect(item.memberNo).toMatch(/^CDNOW-\d{4}$/);
      expect(item).not.toHaveProperty('customer');
    }
    expect(body.items.map((i: { spendFen: number }) => i.spendFen)).toEqual([...body.items.map((i: { spendFen: number }) => i.spendFen)].sort((a, b) => b - a));
  }, 120_000);

  it('refuses bad options naming them, with exit code 2', async () => {
    for (const [args, message] of [
      [['run', '--as-of', '1997-02-30'], '--as-of: not a date (YYYY-MM-DD): 1997-02-30'],
      [['run', '--model', 'magic'], '--model: bgnbd or pareto'],
      [['run', '--discount-rate', '5'], '--discount-rate: a yearly rate from 0 to 1'],
      [['churn-risk', '--risk', 'extreme'], '--risk: extreme is not one of high, medium, low'],
    ] as const) {
      const res = await run([...args]);
      expect(res.code, res.out).toBe(2);
      expect(res.err).toContain(message);
    }
  }, 180_000);
});
