import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { openDatabase, query } from '../../platform/db/database.js';
import { createLogger } from '../../platform/logger.js';
import { createKemai } from '../../app/kemai.js';
import { CustomerUpsertInput } from '../customers/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { OrderInput } from '../orders/index.js';
import { LedgerService } from './ledger.service.js';
import { ProgramService } from './program.service.js';
import { runKemai } from '../../../tests/support/kemai-process.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, s);

function order(externalId: string, phone: string, lines: Array<{ sku: string; quantity: number; unitPrice: string }>, extra: Record<string, unknown> = {}) {
  return { channel: 'pos', externalId, storeCode: 'SH01', placedAt: '2025-06-18T20:15:00+08:00', customer: { phone }, lines, ...extra };
}

async function placeOrder(body: ReturnType<typeof order>) {
  const r = await post('/api/v1/orders', body);
  expect(r.statusCode, r.body).toBeLessThan(300);
  await t.kemai.events.drain();
  return r.json() as { id: string; customerId: string };
}

async function member(customerId: string) {
  const r = await get(`/api/v1/loyalty/members/${customerId}`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

async function entries(customerId: string) {
  return rows<{ kind: string; points: string; pending_points: string; idempotency_key: string; source_type: string; detail: Record<string, unknown> }>(
    sql`select kind, points, pending_points, idempotency_key, source_type, detail from loyalty.ledger_entries where customer_id = ${customerId}
        order by occurred_at, created_at, id`,
  );
}

async function sumsMatch(customerId: string) {
  const [a] = await rows<{ ok: boolean }>(
    sql`select a.available = coalesce((select sum(points) from loyalty.ledger_entries e where e.customer_id = a.customer_id), 0)
           and a.pending = coalesce((select sum(pending_points) from loyalty.ledger_entries e where e.customer_id = a.customer_id), 0) as ok
        from loyalty.accounts a where a.customer_id = ${customerId}`,
  );
  return a!.ok;
}

describe('earning on orders', () => {
  it('earns 10 points per ¥100 floored once per order, once for a replay, the difference on an update', async () => {
    const body = order('E-1', '13900000001', [{ sku: 'A100', quantity: 2, unitPrice: '199.00' }]);
    const { id, customerId } = await placeOrder(body);
    expect(await member(customerId)).toMatchObject({ available: 39, pending: 0, held: 0, lifetimeEarned: 39, cashValue: '0.39' });

    await placeOrder(body);
    expect((await entries(customerId)).map((e) => [e.kind, Number(e.points), e.idempotency_key])).toEqual([['earn', 39, `order:${id}:earn`]]);

    await placeOrder({ ...body, lines: [{ sku: 'A100', quantity: 2, unitPrice: '260.00' }] });
    expect((await member(customerId)).available).toBe(52);
    await placeOrder({ ...body, lines: [{ sku: 'A100', quantity: 1, unitPrice: '100.00' }] });
    const list = await entries(customerId);
    expect(list.map((e) => [e.kind, Number(e.points), e.idempotency_key])).toEqual([
      ['earn', 39, `order:${id}:earn`],
      ['earn', 13, `order:${id}:earn:1`],
      ['reverse', -42, `order:${id}:reverse:2`],
    ]);
    expect(list[1]!.detail).toMatchObject({ target: 52, before: 39, eligibleFen: 52000 });
    expect(await member(customerId)).toMatchObject({ available: 10, lifetimeEarned: 52 });
    expect(await sumsMatch(customerId)).toBe(true);
  });

  it('guest orders and excluded SKUs earn nothing; a cancelled order gives its points back', async () => {
    const { customerId } = await placeOrder(
      order('E-2', '13900000002', [
        { sku: 'B1', quantity: 1, unitPrice: '150.00' },
        { sku: 'GIFT-CARD', quantity: 1, unitPrice: '500.00' },
        { sku: 'DELIVERY-FEE', quantity: 1, unitPrice: '12.00' },
      ]),
    );
    expect((await member(customerId)).available).toBe(15);
    const guest = await post('/api/v1/orders', { channel: 'pos', externalId: 'G-1', placedAt: '2025-06-18T20:15:00+08:00', lines: [{ sku: 'B1', quantity: 1, unitPrice: '150.00' }] });
    expect(guest.statusCode).toBe(201);
    await t.kemai.events.drain();
    expect(await rows(sql`select 1 from loyalty.ledger_entries where source_id = ${guest.json().id}`)).toEqual([]);

    await placeOrder(order('E-2', '13900000002', [
      { sku: 'B1', quantity: 1, unitPrice: '150.00' },
      { sku: 'GIFT-CARD', quantity: 1, unitPrice: '500.00' },
      { sku: 'DELIVERY-FEE', quantity: 1, unitPrice: '12.00' },
    ], { status: 'cancelled' }));
    expect((await member(customerId)).available).toBe(0);
  });

  it('an order updated to another customer moves its points: taken back from the first, earned by the second', async () => {
    const body = order('MV-1', '13900000061', [{ sku: 'A1', quantity: 1, unitPrice: '200.00' }]);
    const first = await placeOrder(body);
    expect((await member(first.customerId)).available).toBe(20);
    const second = await placeOrder({ ...body, customer: { phone: '13900000062' } });
    expect(second.id).toBe(first.id);
    expect(second.customerId).not.toBe(first.customerId);
    expect((await member(first.customerId)).available).toBe(0);
    expect((await member(second.customerId)).available).toBe(20);
    expect((await entries(first.customerId)).map((e) => [e.kind, Number(e.points), e.idempotency_key])).toEqual([
      ['earn', 20, `order:${first.id}:earn`],
      ['reverse', -20, `order:${first.id}:moved:1`],
    ]);
    expect((await entries(second.customerId)).map((e) => [e.kind, Number(e.points), e.idempotency_key])).toEqual([['earn', 20, `order:${first.id}:earn:1`]]);
    expect(await sumsMatch(first.customerId)).toBe(true);
    expect(await sumsMatch(second.customerId)).toBe(true);
  });

  it('a batch import earns for all its orders in one handler call', async () => {
    const items = Array.from({ length: 50 }, (_, i) => order(`IMP-${i}`, `1390000${String(1000 + (i % 5)).padStart(4, '0')}`, [{ sku: 'C1', quantity: 1, unitPrice: `${100 + i}.00` }]));
    const parsed = items.map((i) => OrderInput.parse(i));
    const results = await t.kemai.database.db.transaction((tx) => t.kemai.orders.importOrders(tx, parsed, { source: 'import', runTag: 'import:test', phase: 'stream' }));
    expect(results.every((r) => r.status === 'created')).toBe(true);
    await t.kemai.events.drain();
    const [s] = await rows<{ n: string; p: string }>(
      sql`select count(*) as n, sum(points) as p from loyalty.ledger_entries where idempotency_key like 'order:%' and source_id = any(${sql.param(results.map((r) => r.id!))}::text[])`,
    );
    // 100..149 yuan → 10..14 points each: 10 × 10 + 10 × 11 + … = 600
    expect([Number(s!.n), Number(s!.p)]).toEqual([50, 600]);
  });

  it('puts earn, redeem and expire on the customer timeline and publishes loyalty.points.* events', async () => {
    const { customerId } = await placeOrder(order('E-3', '13900000003', [{ sku: 'A100', quantity: 1, unitPrice: '300.00' }]));
    const { id: entryId } = (await rows<{ id: string }>(sql`select id from loyalty.ledger_entries where customer_id = ${customerId}`))[0]!;
    // Read from the ledger by the timeline itself (no copy): the same item an order, return or event sits beside.
    const items = (await get(`/api/v1/customers/${customerId}/timeline?limit=50`)).json().items as Array<Record<string, unknown>>;
    expect(items.filter((i) => String(i.itemKind ?? '').startsWith('loyalty.'))).toEqual([
      {
        kind: 'item',
        id: entryId,
        at: '2025-06-18T12:15:00.000Z',
        itemKind: 'loyalty.points_earned',
        refId: entryId,
        summary: { points: 30, pending: false, sourceType: 'order', sourceId: expect.any(String) },
      },
    ]);
    expect(await rows(sql`select 1 from customers.timeline_items where customer_id = ${customerId} and kind like 'loyalty.points%'`)).toEqual([]);
    const ev = await rows<{ payload: { entries: Array<Record<string, unknown>> } }>(
      sql`select payload from platform.outbox where name = 'loyalty.points.earned' and payload->'entries' @> ${JSON.stringify([{ customerId }])}::jsonb`,
    );
    expect(ev.map((e) => e.payload.entries)).toEqual([[expect.objectContaining({ customerId, kind: 'earn', points: 30, pendingPoints: 0, sourceType: 'order' })]]);
  });
});

describe('returns', () => {
  it('reverse in proportion to the refund, cumulatively floored, never more than earned', async () => {
    const { id, customerId } = await placeOrder(
      order('R-1', '13900000011', [
        { sku: 'A1', quantity: 3, unitPrice: '100.00' },
        { sku: 'A2', quantity: 1, unitPrice: '55.55' },
      ]),
    );
    expect((await member(customerId)).available).toBe(35);
    const ret = async (ext: string, lines: Array<{ lineNo: number; quantity: number }>) => {
      const r = await post('/api/v1/returns', { channel: 'pos', externalId: ext, order: { channel: 'pos', externalId: 'R-1' }, returnedAt: '2025-06-20T10:00:00+08:00', lines });
      expect(r.statusCode, r.body).toBeLessThan(300);
      await t.kemai.events.drain();
      return (await member(customerId)).available;
    };
    // refunded 100.00 of 355.55: floor(35 × 10000 / 35555) = 9 reversed
    expect(await ret('RT-1', [{ lineNo: 1, quantity: 1 }])).toBe(26);
    // refunded 155.55 in all: floor(35 × 15555 / 35555) = 15, 6 more
    expect(await ret('RT-2', [{ lineNo: 2, quantity: 1 }])).toBe(20);
    // everything: exactly 35 in all
    expect(await ret('RT-3', [{ lineNo: 1, quantity: 2 }])).toBe(0);
    const rev = (await entries(customerId)).filter((e) => e.kind === 'reverse');
    expect(rev.map((e) => [Number(e.points), e.detail.targetReversed])).toEqual([[-9, 9], [-6, 15], [-20, 35]]);
    expect(rev.every((e) => e.detail.orderId === id && e.source_type === 'return')).toBe(true);
    expect(await sumsMatch(customerId)).toBe(true);
  });

  it('points already spent: negative balance by default, recorded on the entry', async () => {
    const { customerId } = await placeOrder(order('R-2', '13900000012', [{ sku: 'A1', quantity: 1, unitPrice: '200.00' }]));
    const hold = await post('/api/v1/loyalty/holds', { customerId, points: 15, idempotencyKey: 'R-2-hold' });
    expect(hold.statusCode, hold.body).toBe(201);
    expect((await post(`/api/v1/loyalty/holds/${hold.json().id}/commit`, {})).statusCode).toBe(200);
    await post('/api/v1/returns', { channel: 'pos', externalId: 'RT-21', order: { channel: 'pos', externalId: 'R-2' }, returnedAt: '2025-06-20T10:00:00+08:00', lines: [{ lineNo: 1, quantity: 1 }] });
    await t.kemai.events.drain();
    expect(await member(customerId)).toMatchObject({ available: -15, held: 0 });
    const rev = (await entries(customerId)).find((e) => e.kind === 'reverse')!;
    expect([Number(rev.points), rev.detail.unbackedPoints, rev.detail.policy]).toEqual([-20, 15, 'negative_balance']);
  });
});

describe('adjustments, statement', () => {
  it('adjusts ± with a reason, idempotently; refuses overdrafts and bad input naming the field, writing nothing', async () => {
    const { customerId } = await placeOrder(order('S-1', '13900000021', [{ sku: 'A1', quantity: 1, unitPrice: '120.00' }]));
    const url = `/api/v1/loyalty/members/${customerId}/adjustments`;
    const first = await post(url, { points: 50, reason: '客诉补偿', idempotencyKey: 'adj-1' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ created: true, available: 62 });
    const again = await post(url, { points: 50, reason: '客诉补偿', idempotencyKey: 'adj-1' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ entryId: first.json().entryId, created: false, available: 62 });

    const before = await entries(customerId);
    const noReason = await post(url, { points: 5, idempotencyKey: 'adj-2' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['reason']);
    const zero = await post(url, { points: 0, reason: 'x', idempotencyKey: 'adj-3' });
    expect(zero.statusCode).toBe(400);
    expect(zero.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['points']);
    const over = await post(url, { points: -63, reason: '扣减', idempotencyKey: 'adj-4' });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('loyalty.insufficient_points');
    expect(await entries(customerId)).toEqual(before);

    expect((await post(url, { points: -30, reason: '扣减', idempotencyKey: 'adj-5' })).json()).toMatchObject({ available: 32 });

    const st = await get(`/api/v1/loyalty/members/${customerId}/statement?page=1&pageSize=2`);
    expect(st.statusCode).toBe(200);
    expect(st.json()).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(st.json().items.map((e: { kind: string; points: number; balance: number; reason: string | null }) => [e.kind, e.points, e.balance, e.reason])).toEqual([
      ['adjust', -30, 32, '扣减'],
      ['adjust', 50, 62, '客诉补偿'],
    ]);
    const p2 = await get(`/api/v1/loyalty/members/${customerId}/statement?page=2&pageSize=2`);
    expect(p2.json().items.map((e: { kind: string; points: number; balance: number }) => [e.kind, e.points, e.balance])).toEqual([['earn', 12, 12]]);
    expect((await get(`/api/v1/loyalty/members/${customerId}/statement?page=0`)).statusCode).toBe(400);
    expect((await get(`/api/v1/loyalty/members/00000000-0000-0000-0000-000000000000`)).statusCode).toBe(404);
  });

  it('keeps a reason and an idempotency key exactly as given, whatever characters they hold (entries travel as array literals)', async () => {
    const { customerId } = await placeOrder(order('S-2', '13900000022', [{ sku: 'A1', quantity: 1, unitPrice: '10.00' }]));
    const reason = '补偿 "双引号", 反斜杠 \\ {花括号} NULL\t换行\n结束';
    const key = 'adj,"q"\\{NULL}';
    const r = await post(`/api/v1/loyalty/members/${customerId}/adjustments`, { points: 7, reason, idempotencyKey: key });
    expect(r.statusCode, r.body).toBe(201);
    const [e] = await rows<{ reason: string; idempotency_key: string; detail: unknown }>(
      sql`select reason, idempotency_key, detail from loyalty.ledger_entries where customer_id = ${customerId} and kind = 'adjust'`,
    );
    expect(e!.reason).toBe(reason);
    expect(e!.idempotency_key).toBe(`adjust:${key}`);
    expect(await sumsMatch(customerId)).toBe(true);
  });
});

describe('programme versions', () => {
  it('lists, creates n + 1 from an instant ≥ now, refuses bad rules naming the field', async () => {
    expect((await get('/api/v1/loyalty/program')).json()).toMatchObject({ version: 0, earn: { points: 10, perFen: 10000, rounding: 'floor' } });
    const bad = await post('/api/v1/loyalty/program/versions', { rules: { earn: { points: -1 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('rules.earn.points');
    const past = await post('/api/v1/loyalty/program/versions', { rules: {}, effectiveFrom: '2020-01-01T00:00:00+08:00' });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.details.issues[0].path).toBe('effectiveFrom');
    expect((await get('/api/v1/loyalty/program/versions')).json().items).toEqual([]);
    const future = '2099-01-01T00:00:00+08:00';
    const made = await post('/api/v1/loyalty/program/versions', { rules: { earn: { points: 20 } }, effectiveFrom: future, note: '双倍积分' });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ version: 1, effectiveFrom: '2098-12-31T16:00:00.000Z', note: '双倍积分' });
    expect((await post('/api/v1/loyalty/program/versions', { rules: {}, effectiveFrom: '2098-06-01T00:00:00+08:00' })).statusCode).toBe(409);
    expect((await get('/api/v1/loyalty/program')).json().version).toBe(0);
    expect((await t.kemai.program.rulesAt(t.kemai.database.db, new Date('2099-01-01T00:00:00+08:00'))).earn.points).toBe(20);
  });
});

describe('pending points', () => {
  it('stay pending through the return window and are released lazily when it has passed', async () => {
    const placedAt = new Date(Date.now() - 86_400_000);
    const { customerId } = await placeOrder(order('P-1', '13900000031', [{ sku: 'A1', quantity: 1, unitPrice: '250.00' }], { placedAt: placedAt.toISOString() }));
    expect(await member(customerId)).toMatchObject({ available: 0, pending: 25, lifetimeEarned: 25 });
    // The same ledger eight days later.
    const later = { now: () => new Date(Date.now() + 8 * 86_400_000) };
    const program = new ProgramService(t.kemai.database.db, later);
    const ledger = new LedgerService(t.kemai.database.db, { customers: t.kemai.customers, program, timeZone: 'Asia/Shanghai', clock: later });
    expect(await ledger.member(customerId)).toMatchObject({ available: 25, pending: 0 });
    const list = await entries(customerId);
    expect(list.map((e) => [e.kind, Number(e.points), Number(e.pending_points)])).toEqual([['earn', 0, 25], ['release', 25, -25]]);
    // A second look releases nothing more.
    expect(await ledger.member(customerId)).toMatchObject({ available: 25, pending: 0 });
    expect(await entries(customerId)).toHaveLength(2);
  });
});

describe('merges', () => {
  it('move the absorbed member’s points to the survivor and back on unmerge', async () => {
    const a = await placeOrder(order('M-1', '13900000041', [{ sku: 'A1', quantity: 1, unitPrice: '110.00' }]));
    const b = await placeOrder(order('M-2', '13900000042', [{ sku: 'A1', quantity: 1, unitPrice: '230.00' }]));
    const merged = await t.app.inject({ method: 'POST', url: `/api/v1/customers/${a.customerId}/merge`, headers: t.admin, payload: { otherId: b.customerId, reason: 'test' } });
    expect(merged.statusCode, merged.body).toBe(200);
    await t.kemai.events.drain();
    expect(await t.kemai.ledger.account(t.kemai.database.db, a.customerId)).toMatchObject({ available: 34, lifetimeEarned: 34 });
    expect(await t.kemai.ledger.account(t.kemai.database.db, b.customerId)).toMatchObject({ available: 0, lifetimeEarned: 0 });
    // The absorbed id still finds the member: their points live on the survivor.
    expect(await member(b.customerId)).toMatchObject({ customerId: a.customerId, available: 34 });
    const un = await t.app.inject({ method: 'POST', url: `/api/v1/customers/${a.customerId}/unmerge`, headers: t.admin, payload: { mergeId: merged.json().mergeId } });
    expect(un.statusCode, un.body).toBe(200);
    expect(await t.kemai.ledger.account(t.kemai.database.db, a.customerId)).toMatchObject({ available: 11 });
    expect(await t.kemai.ledger.account(t.kemai.database.db, b.customerId)).toMatchObject({ available: 23 });
  });
});

describe('kemai loyalty balance|statement|adjust|expire', () => {
  let dir: string;
  let customerId: string;
  const run = (args: string[]) => runKemai(['loyalty', ...args], { KEMAI_DATA_DIR: dir, KEMAI_LOG_LEVEL: 'silent' }, process.cwd());

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-ledger-cli-'));
    const config = loadConfig({ KEMAI_DATA_DIR: dir, KEMAI_LOG_LEVEL: 'silent' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent') });
    const [r] = await kemai.customers.upsertCustomers([{ index: 0, value: CustomerUpsertInput.parse({ phone: '13800138000', memberNo: 'M-0001' }) }], {
      source: 'api',
      actor: 'test',
      prefix: () => '',
    });
    customerId = (r as { id: string }).id;
    await kemai.close();
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adjusts by phone, shows the balance by member number and the statement by id, counts an expiry; bad input exits 2', async () => {
    const adj = await run(['adjust', '13800138000', '120', '--reason', '开卡礼', '--json']);
    expect(adj.code, adj.err).toBe(0);
    expect(JSON.parse(adj.out)).toMatchObject({ created: true, available: 120 });
    const bal = await run(['balance', 'M-0001', '--json']);
    expect(bal.code, bal.err).toBe(0);
    expect(JSON.parse(bal.out)).toMatchObject({ customerId, available: 120, pending: 0, held: 0, cashValue: '1.20' });
    const st = await run(['statement', customerId, '--json']);
    expect(JSON.parse(st.out)).toMatchObject({ total: 1, items: [{ kind: 'adjust', points: 120, balance: 120, reason: '开卡礼' }] });
    const exp = await run(['expire', '--as-of', '2099-01-01', '--dry-run', '--json']);
    expect(JSON.parse(exp.out)).toMatchObject({ dryRun: true, members: 1, lots: 1, points: 120 });
    const bad = await run(['adjust', '13800138000', '1.5', '--reason', 'x']);
    expect([bad.code, bad.err.trim()]).toEqual([2, 'kemai: points: a whole number other than 0, e.g. 100 or -50']);
    const nobody = await run(['balance', '13900000000']);
    expect([nobody.code, nobody.err.trim()]).toEqual([2, 'kemai: No customer matches 13900000000']);
  }, 240_000);
});
