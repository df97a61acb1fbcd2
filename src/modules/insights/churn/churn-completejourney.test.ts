import fs from 'node:fs';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';

/**
 * The churn model on real purchase histories: the dunnhumby / 84.51° Complete Journey 75,000-line transaction sample
 * (R package completejourney 1.1.1, CC0; /work/shared/data/completejourney/PROVENANCE.md), one order per basket (its
 * lines' sales summed; baskets summing to 0 or less left out), one customer per household, local times read as
 * Asia/Shanghai. One year (2017) of data, no returns or behaviour events: the model runs on the order features alone.
 */
const FILE = '/tmp/shared/data/completejourney/transactions_sample.csv.gz';

describe.skipIf(!fs.existsSync(FILE))('churn model on the Complete Journey sample', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
    const baskets = new Map<string, { household: string; at: string; fen: number }>();
    for (const line of zlib.gunzipSync(fs.readFileSync(FILE)).toString('utf8').split('\n').slice(1)) {
      if (!line.trim()) continue;
      const f = line.split(',').map((x) => x.replace(/"/g, ''));
      const b = baskets.get(f[2]!) ?? { household: f[0]!, at: f[10]!, fen: 0 };
      b.fen += Math.round(Number(f[5]) * 100);
      if (f[10]! < b.at) b.at = f[10]!;
      baskets.set(f[2]!, b);
    }
    const items = [...baskets]
      .filter(([, b]) => b.fen > 0)
      .map(([id, b]) => ({
        channel: 'online',
        externalId: `CJ-${id}`,
        placedAt: `${b.at.replace(' ', 'T')}+08:00`,
        customer: { memberNo: `CJ-${b.household}` },
        lines: [{ sku: 'CJ', quantity: 1, unitPrice: (b.fen / 100).toFixed(2) }],
      }));
    expect([baskets.size, items.length]).toEqual([47243, 46988]);
    for (let i = 0; i < items.length; i += 1000) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/orders/batch', headers: t.admin, payload: { items: items.slice(i, i + 1000) } });
      expect(res.statusCode, res.body).toBe(200);
    }
  }, 600_000);
  afterAll(async () => t?.close());

  it('ranks the next 90 and 60 days far better than BG/NBD 1 − P(alive), better calibrated too', async () => {
    const figures = [];
    for (const horizonDays of [90, 60]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/insights/churn-model/runs', headers: t.admin, payload: { asOf: '2017-12-31', horizonDays } });
      expect(res.statusCode, res.body).toBe(201);
      const { customers, evaluation: e } = res.json();
      const r4 = (v: number) => Number(v.toFixed(4));
      figures.push({
        horizonDays,
        customers,
        train: e.train,
        test: { customers: e.model.customers, churners: e.model.churners },
        model: [r4(e.model.auc), r4(e.model.brier)],
        baseline: [r4(e.baseline.auc), r4(e.baseline.brier)],
      });
    }
    expect(figures).toEqual([
      { horizonDays: 90, customers: 2373, train: { customers: 2222, churners: 311 }, test: { customers: 2325, churners: 341 }, model: [0.8368, 0.1038], baseline: [0.6022, 0.1409] },
      { horizonDays: 60, customers: 2373, train: { customers: 2299, churners: 504 }, test: { customers: 2341, churners: 494 }, model: [0.8257, 0.13], baseline: [0.559, 0.2018] },
    ]);
  }, 120_000);
});
