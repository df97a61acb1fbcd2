import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import type { NewPromotion } from './index.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const base = (code: string, extra: Partial<NewPromotion> = {}): NewPromotion => ({
  code,
  name: `Promotion ${code}`,
  definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }, { minFen: 50000, offFen: 10000 }] } },
  ...extra,
});

const count = async () => Number((await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from promotions.promotions`))[0]!.n);

describe('PromotionsService', () => {
  it('creates a promotion with its counters row, reads it by id and code, lists it', async () => {
    const svc = t.kemai.promotions;
    const p = await svc.create(base('SVC-300-50', { budgetFen: 1_000_000, perCustomerLimit: 2, startsAt: '2026-01-01T00:00:00+08:00' }), 'test:svc');
    expect(p).toMatchObject({
      code: 'SVC-300-50',
      status: 'draft',
      version: 1,
      priority: 100,
      exclusive: false,
      stackGroup: null,
      budgetFen: 1_000_000,
      perCustomerLimit: 2,
      holdoutPercent: 0,
      startsAt: '2025-12-31T16:00:00.000Z',
      endsAt: null,
      createdBy: 'test:svc',
      definition: { scope: { kind: 'order' }, rule: { kind: 'threshold' } },
      conditions: {},
      counters: { uses: 0, customers: 0, discountFen: 0 },
    });
    const [counter] = await query(t.kemai.database.db, sql`select * from promotions.promotion_counters where promotion_id = ${p.id}`);
    expect(counter).toMatchObject({ uses: 0, customers: 0 });
    expect((await svc.get('SVC-300-50')).id).toBe(p.id);
    expect((await svc.get(p.id)).code).toBe('SVC-300-50');
    const listed = await svc.list({ q: 'svc-300', limit: 10 });
    expect(listed.items.map((x) => x.code)).toEqual(['SVC-300-50']);
  });

  it('active(at) respects the window and the status, and the cache follows a status change at once', async () => {
    const svc = t.kemai.promotions;
    const now = Date.now();
    const win = await svc.create(
      base('SVC-WINDOW', { status: 'active', startsAt: new Date(now - 3_600_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() }),
      'test:svc',
    );
    const later = await svc.create(base('SVC-LATER', { status: 'active', startsAt: new Date(now + 7_200_000).toISOString() }), 'test:svc');
    const draft = await svc.create(base('SVC-DRAFT'), 'test:svc');
    const codes = async (at: Date) => (await svc.active(at)).map((a) => a.code).filter((c) => c.startsWith('SVC-')).sort();
    expect(await codes(new Date(now))).toEqual(['SVC-WINDOW']);
    expect(await codes(new Date(now + 3_600_000))).toEqual([]);
    expect(await codes(new Date(now + 7_200_000))).toEqual(['SVC-LATER']);
    expect(await codes(new Date(now - 7_200_000))).toEqual([]);
    const [a] = (await svc.active(new Date(now))).filter((x) => x.code === 'SVC-WINDOW');
    expect(a).toMatchObject({
      id: win.id,
      promotion: { id: win.id, scope: { kind: 'order' }, rule: { kind: 'threshold' }, excludedSkus: [], capFen: null, priority: 100, group: null, exclusive: false },
      conditions: {},
      limits: { budgetFen: null, totalQuantity: null, firstN: null, perCustomerLimit: null },
      holdoutPercent: 0,
    });
    await svc.setStatus(win.id, 'paused', 'test:svc');
    expect(await codes(new Date(now))).toEqual([]);
    await svc.setStatus(draft.id, 'active', 'test:svc');
    expect(await codes(new Date(now))).toEqual(['SVC-DRAFT']);
    await svc.setStatus(later.id, 'ended', 'test:svc');
    expect(await codes(new Date(now + 7_200_000))).toEqual(['SVC-DRAFT']);
  });

  it('refuses a duplicate code (409) and bad input naming the field, changing nothing', async () => {
    const svc = t.kemai.promotions;
    await svc.create(base('SVC-DUP'), 'test:svc');
    const before = await count();
    await expect(svc.create(base('SVC-DUP'), 'test:svc')).rejects.toMatchObject({ kind: 'conflict', code: 'promotions.code_exists' });
    await expect(
      svc.create(base('SVC-BAD', { definition: { rule: { kind: 'threshold', tiers: [{ minFen: 100, offFen: 200 }] } } }), 'test:svc'),
    ).rejects.toMatchObject({ kind: 'validation', details: { issues: [{ path: 'definition.rule.tiers' }] } });
    expect(await count()).toBe(before);
  });
});
