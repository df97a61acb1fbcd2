import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { DbRunStore, directWriter, IMPORT_PRESETS, IngestService, ImportError, type ImportKind, type ImportRequest } from './index.js';

const FIXTURES = path.resolve('tests/fixtures/import');
const COMPLETE_JOURNEY = path.resolve('../shared/data/completejourney/transactions_sample.csv.gz');
const hasSharedData = fs.existsSync(COMPLETE_JOURNEY);
if (!hasSharedData) console.warn(`skipping the full Complete Journey import: ${COMPLETE_JOURNEY} is absent (../shared/data is not on this machine)`);
const fixture = (name: string) => path.join(FIXTURES, name);

let t: TestApp;
let service: IngestService;
let tmp: string;

beforeAll(async () => {
  t = await createTestApp();
  service = new IngestService(new DbRunStore(t.kemai.database.db), directWriter(t.kemai), { timeZone: 'Asia/Shanghai' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-ingest-'));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const run = (kind: ImportKind, file: string, more: Partial<ImportRequest> = {}) =>
  service.importFile({ kind, file, mapping: { fields: {}, skip: [] }, ...more });

async function report(runId: string): Promise<string[]> {
  const file = path.join(tmp, `${runId}.csv`);
  await service.writeErrorReport(runId, file);
  return fs.readFileSync(file, 'utf8').trim().split('\n');
}

const orderFacts = (externalIds: string[]) =>
  query<{ external_id: string; channel: string; store_code: string | null; paid_fen: number; gross_fen: number; line_count: number; customer_id: string | null; placed_at: string; status: string }>(
    t.kemai.database.db,
    sql`select external_id, channel, store_code, paid_fen::int as paid_fen, gross_fen::int as gross_fen, line_count, case when guest then null else customer_id end as customer_id, to_char(placed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as placed_at, status
        from orders.order_facts where external_id = any(${`{${externalIds.join(",")}}`}::text[]) order by external_id`,
  );

/** Copy a fixture so a test can change or rename it without touching the committed file. */
function copyOf(name: string, as = name): string {
  const target = path.join(tmp, `${Math.random().toString(36).slice(2)}-${as}`);
  fs.copyFileSync(fixture(name), target);
  return target;
}

describe('kemai import (service)', () => {
  it('maps renamed columns onto orders, groups the lines of one order wherever they are, and reports bad rows by line and column', async () => {
    const mapping = {
      fields: {
        externalId: 'Order No',
        channel: { const: 'pos' },
        placedAt: 'Placed',
        storeCode: 'Store',
        'customer.phone': 'Mobile',
        'lines.sku': 'Item',
        'lines.quantity': 'Qty',
        'lines.unitPrice': 'Price',
      },
      skip: [],
    };
    // One row per chunk: A1's second line arrives three chunks after its first.
    const s = await run('orders', copyOf('orders-mapped.csv'), { mapping, chunkRows: 1 });
    expect(s.rows).toEqual({ read: 8, imported: 4, skipped: 0, failed: 4 });
    expect(s.records).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(await report(s.runId)).toEqual([
      'line,field,reason',
      '5,Qty,"lines.quantity: not a whole number: ""x"""',
      '6,(order),"order A3 not imported: line 5: lines.quantity: not a whole number: ""x"""',
      '7,Price,"lines.unitPrice: not an amount with at most 2 decimals: ""5.001"""',
      '8,Placed,"placedAt: not a date-time: ""not a date"""',
    ]);
    const facts = await orderFacts(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
    expect(facts.map((f) => [f.external_id, f.store_code, f.line_count, f.paid_fen, f.placed_at])).toEqual([
      ['A1', 'SH01', 2, 13980, '2025-11-01T02:00:00Z'],
      ['A2', 'SH01', 1, 500, '2025-11-01T03:00:00Z'],
      ['A6', 'BJ01', 1, 1000, '2025-11-03T04:00:00Z'],
    ]);
    expect(facts[0]!.customer_id).not.toBeNull();
    expect(facts[1]!.customer_id).toBeNull();
  });

  it('streams orders chunk by chunk: a scattered order is completed in place, a replay changes nothing, a stored first part is updated once', async () => {
    const write = (name: string, rows: string[]) => {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, ['order,placed,member,sku,qty,price', ...rows, ''].join('\n'));
      return f;
    };
    const mapping = {
      fields: {
        externalId: 'order',
        channel: { const: 'app' },
        placedAt: 'placed',
        'customer.memberNo': 'member',
        'lines.sku': 'sku',
        'lines.quantity': 'qty',
        'lines.unitPrice': 'price',
      },
      skip: [],
    };
    const rows = [
      'S1,2025-06-01 10:00,M901,K1,1,10.00',
      'S1,2025-06-01 10:00,M901,K2,2,5.50',
      'S2,2025-06-01 11:00,,K1,1,10.00',
      'S1,2025-06-01 10:00,M901,K3,1,1.25',
      'S3,2025-06-02 09:00,M902,K2,1,5.50',
    ];
    const facts = async (ids: string[]) =>
      query<{ external_id: string; line_count: number; paid_fen: number; version: number; skus: string; versions: number }>(
        t.kemai.database.db,
        sql`select o.external_id, o.line_count, o.paid_fen::int as paid_fen, o.version,
                   (select string_agg(l.sku || 'x' || l.quantity, ' ' order by l.line_no) from orders.order_lines l where l.order_id = o.id) as skus,
                   (select count(*)::int from orders.order_versions v where v.order_id = o.id) as versions
            from orders.orders o where o.channel = 'app' and o.external_id = any(${`{${ids.join(',')}}`}::text[]) order by o.external_id`,
      );
    const batchEvents = (runId: string) =>
      query<{ created: number; updated: number }>(
        t.kemai.database.db,
        sql`select jsonb_array_length(payload->'created')::int as created, jsonb_array_length(payload->'updated')::int as updated
            from platform.outbox where name = 'orders.batch.imported' and payload->>'source' = ${`import:${runId}`} order by id`,
      );

    // Chunks of two rows closed between orders: [S1 S1] [S2 S1] [S3]. S1 comes back in chunk 2.
    const file = write('scattered.csv', rows);
    const first = await run('orders', file, { mapping, chunkRows: 2 });
    expect(first.rows).toEqual({ read: 5, imported: 5, skipped: 0, failed: 0 });
    expect(first.records).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(await facts(['S1', 'S2', 'S3'])).toEqual([
      { external_id: 'S1', line_count: 3, paid_fen: 2225, version: 1, skus: 'K1x1 K2x2 K3x1', versions: 0 },
      { external_id: 'S2', line_count: 1, paid_fen: 1000, version: 1, skus: 'K1x1', versions: 0 },
      { external_id: 'S3', line_count: 1, paid_fen: 550, version: 1, skus: 'K2x1', versions: 0 },
    ]);
    // One event per committed chunk that wrote orders, and one for the order completed at the end.
    expect(await batchEvents(first.runId)).toEqual([
      { created: 1, updated: 0 },
      { created: 1, updated: 0 },
      { created: 1, updated: 0 },
      { created: 0, updated: 1 },
    ]);
    const [staged] = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from ingest.staged_rows where run_id = ${first.runId}`);
    expect(staged!.n).toBe(0);

    // The same file again: S1's first part differs from the stored S1 and waits for the rest; nothing changes.
    const again = await run('orders', file, { mapping, chunkRows: 2, restart: true });
    expect(again.records).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect((await facts(['S1'])).map((f) => [f.skus, f.version, f.versions])).toEqual([['K1x1 K2x2 K3x1', 1, 0]]);

    // An earlier feed had only S4's first two lines; this file has all three: one update, one version.
    const part = write('part.csv', ['S4,2025-06-03 10:00,M903,K1,1,10.00', 'S4,2025-06-03 10:00,M903,K2,2,5.50']);
    expect((await run('orders', part, { mapping })).records).toEqual({ created: 1, updated: 0, unchanged: 0 });
    const whole = write('whole.csv', [
      'S4,2025-06-03 10:00,M903,K1,1,10.00',
      'S4,2025-06-03 10:00,M903,K2,2,5.50',
      'S5,2025-06-03 11:00,,K1,1,10.00',
      'S4,2025-06-03 10:00,M903,K3,1,1.25',
    ]);
    const merged = await run('orders', whole, { mapping, chunkRows: 2 });
    expect(merged.records).toEqual({ created: 1, updated: 1, unchanged: 0 });
    expect(await facts(['S4'])).toEqual([{ external_id: 'S4', line_count: 3, paid_fen: 2225, version: 2, skus: 'K1x1 K2x2 K3x1', versions: 1 }]);
  });

  it('fails fast on missing columns, naming them and the columns present, and imports nothing', async () => {
    const file = copyOf('orders-mapped.csv');
    const err = await run('orders', file, { mapping: { fields: { externalId: 'Order No', 'lines.sku': 'SKU' }, skip: [] } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message).toBe(
      'cannot import orders: missing channel (no column named "channel"; map one with --map channel=COLUMN); ' +
        'placedAt (no column named "placedAt"; map one with --map placedAt=COLUMN); ' +
        'lines.quantity (no column named "lines.quantity"; map one with --map lines.quantity=COLUMN); ' +
        'lines.unitPrice (no column named "lines.unitPrice"; map one with --map lines.unitPrice=COLUMN); ' +
        'lines.sku (column "SKU" is not in the file). Columns in the file: Order No, Placed, Store, Item, Qty, Price, Mobile.',
    );
    const runs = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from ingest.import_runs where file_path = ${file}`);
    expect(runs[0]!.n).toBe(0);
  });

  it('reports malformed CSV by line: a wrong number of values, a stray quote, an unterminated quote', async () => {
    const s = await run('stores', copyOf('stores-malformed.csv'));
    // Lines 7 and 8 are one record: the quote opened on line 7 swallows the line feed.
    expect(s.rows).toEqual({ read: 6, imported: 3, skipped: 0, failed: 3 });
    expect(await report(s.runId)).toEqual([
      'line,field,reason',
      '4,(row),"4 values but the header has 3 columns (an unquoted delimiter in a value, or a missing one?)"',
      '5,(row),"malformed CSV: unexpected text after the closing quote in column 2 (a quote inside a quoted value must be doubled: """")"',
      '7,(row),malformed CSV: unterminated quoted value in column 2 (the quote opened on line 7 is never closed)',
    ]);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/stores', headers: t.admin });
    const names = Object.fromEntries((res.json().items as Array<{ code: string; name: string }>).map((x) => [x.code, x.name]));
    expect(names).toMatchObject({ SH01: 'Shanghai One', SH02: 'Shanghai, Two', SH05: 'Shanghai Five' });
    expect(names.SH03 ?? names.SH04 ?? names.SH06 ?? names.SH07).toBeUndefined();
  });

  it('reports bytes that are not UTF-8 with their line and suggests --encoding gbk, which then reads the file', async () => {
    const mixed = await run('stores', copyOf('stores-mixed.csv'));
    expect(mixed.rows).toEqual({ read: 3, imported: 2, skipped: 0, failed: 1 });
    expect(await report(mixed.runId)).toEqual([
      'line,field,reason',
      '3,(row),"line 3 has bytes that are not valid UTF-8; if the file is in a Chinese legacy encoding, run again with --encoding gbk"',
    ]);
    const gbk = await run('stores', copyOf('stores-gbk.csv'), { encoding: 'gbk' });
    expect(gbk.rows).toEqual({ read: 3, imported: 3, skipped: 0, failed: 0 });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/stores/HZ01', headers: t.admin });
    expect(res.json()).toMatchObject({ code: 'HZ01', name: '杭州一店', city: '杭州' });
  });

  it('reads NDJSON orders, plain and gzipped, and a rerun of the same file resumes to nothing while --restart replays unchanged', async () => {
    const plain = await run('orders', copyOf('orders.ndjson'));
    expect(plain.rows).toEqual({ read: 4, imported: 2, skipped: 0, failed: 2 });
    expect(plain.records).toEqual({ created: 2, updated: 0, unchanged: 0 });
    const lines = await report(plain.runId);
    expect(lines[1]).toMatch(/^3,\(row\),not valid JSON: /);
    expect(lines[2]).toBe('4,lines,lines: Too small: expected array to have >=1 items');
    const facts = await orderFacts(['N1', 'N2']);
    expect(facts.map((f) => [f.external_id, f.gross_fen, f.paid_fen, f.line_count])).toEqual([
      ['N1', 4480, 4380, 2],
      ['N2', 10000, 9000, 1],
    ]);

    const gz = copyOf('orders.ndjson.gz');
    const first = await run('orders', gz);
    expect(first.records).toEqual({ created: 0, updated: 0, unchanged: 2 });
    const again = await run('orders', gz);
    expect(again.alreadyCompleted).toBe(true);
    const restarted = await run('orders', gz, { restart: true });
    expect(restarted.records).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(restarted.runId).not.toBe(first.runId);
  });

  it('imports customer profiles with tags and attributes, and events that a rerun does not store twice', async () => {
    const mapping = {
      fields: { memberNo: 'member', phone: 'mobile', 'attributes.tier': 'tier' },
      skip: [],
    };
    const s = await run('customers', copyOf('customers.csv'), { mapping });
    expect(s.rows).toEqual({ read: 4, imported: 2, skipped: 0, failed: 2 });
    expect(await report(s.runId)).toEqual([
      'line,field,reason',
      '3,birthday,"birthday: not a date (YYYY-MM-DD): ""1988-13-01"""',
      '5,mobile,"phone: needs an id or at least one identifier (phone, email, memberNo, wechatOpenid, wechatUnionid, ecomUserId, posCard, deviceId, anonymousId)"',
    ]);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/customers?q=M001', headers: t.admin });
    const [wang] = res.json().items as Array<{ id: string }>;
    const profile = (await t.app.inject({ method: 'GET', url: `/api/v1/customers/${wang!.id}`, headers: t.admin })).json();
    expect(profile.profile ?? profile).toMatchObject({ name: '王芳', gender: 'female', birthday: '1990-05-01', city: '上海', tags: ['vip', 'new_mother'], attributes: { tier: 'gold' } });

    const events = path.join(tmp, 'events.csv');
    fs.writeFileSync(events, 'type,occurredAt,customer.memberNo,sku\nview,2025-11-01 10:00:00,M001,SKU1\nadd_to_cart,2025-11-01 10:01:00,M001,SKU1\nView!,2025-11-01 10:02:00,M001,SKU1\n');
    const first = await run('events', events);
    expect(first.rows).toEqual({ read: 3, imported: 2, skipped: 0, failed: 1 });
    expect(first.records).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect((await report(first.runId))[1]).toBe('4,type,"type: lower_snake_case event type, e.g. add_to_cart"');
    const again = await run('events', events, { restart: true });
    expect(again.records).toEqual({ created: 0, updated: 0, unchanged: 2 });
  });

  it('imports returns of earlier orders, one return per return number, and reports a return of an unknown order', async () => {
    const orders = path.join(tmp, 'ret-orders.csv');
    fs.writeFileSync(orders, 'externalId,channel,placedAt,sku,quantity,unitPrice\nR-A1,pos,2025-11-01 10:00:00,SKU1,2,19.90\nR-A1,pos,2025-11-01 10:00:00,SKU3,1,100.00\n');
    expect((await run('orders', orders)).records.created).toBe(1);
    const returns = path.join(tmp, 'returns.csv');
    fs.writeFileSync(returns, 'return_no,order_no,returned,sku,qty\nRT1,R-A1,2025-11-05 10:00:00,SKU1,1\nRT1,R-A1,2025-11-05 10:00:00,SKU3,1\nRT2,R-A9,2025-11-05 10:00:00,SKU1,1\n');
    const mapping = {
      fields: { externalId: 'return_no', channel: { const: 'pos' }, 'order.externalId': 'order_no', returnedAt: 'returned', 'lines.sku': 'sku', 'lines.quantity': 'qty' },
      skip: [],
    };
    const s = await run('returns', returns, { mapping });
    expect(s.rows).toEqual({ read: 3, imported: 2, skipped: 0, failed: 1 });
    expect(s.records).toEqual({ created: 1, updated: 0, unchanged: 0 });
    expect(await report(s.runId)).toEqual(['line,field,reason', '4,order,order: no pos order R-A9']);
    const [order] = await query<{ refunded_fen: number; status: string }>(
      t.kemai.database.db,
      sql`select refunded_fen::int as refunded_fen, status from orders.order_facts where external_id = 'R-A1'`,
    );
    expect(order).toEqual({ refunded_fen: 11990, status: 'partially_returned' });
  });

  it('imports the Online Retail sample with its preset: cancellations as cancelled orders, exact counts and sums', async () => {
    const s = await run('orders', copyOf('online-retail-200.csv'), { mapping: IMPORT_PRESETS['online-retail']!.mapping });
    expect(s.rows).toEqual({ read: 200, imported: 200, skipped: 0, failed: 0 });
    expect(s.records.created).toBe(25);
    const [totals] = await query<{ orders: number; paid: number; cancelled: number; cancelled_paid: number; customers: number; lines: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as orders, sum(paid_fen)::int as paid, sum(line_count)::int as lines,
                 count(*) filter (where status = 'cancelled')::int as cancelled,
                 sum(paid_fen) filter (where status = 'cancelled')::int as cancelled_paid,
                 count(distinct customer_id) filter (where not guest)::int as customers
          from orders.order_facts where channel = 'online' and external_id ~ '^C?5363'`,
    );
    expect(totals).toEqual({ orders: 25, paid: 887795, lines: 200, cancelled: 2, cancelled_paid: 3215, customers: 16 });
    const [first] = await orderFacts(['536365']);
    // 2010-12-01 08:26 in London (GMT in winter).
    expect(first!.placed_at).toBe('2010-12-01T08:26:00Z');
  });

  it('imports the Complete Journey sample with its preset: a basket scattered over the file is one order', async () => {
    const s = await run('orders', copyOf('complete-journey-200.csv'), { mapping: IMPORT_PRESETS['complete-journey']!.mapping });
    expect(s.rows).toEqual({ read: 200, imported: 197, skipped: 3, failed: 0 });
    expect(s.records.created).toBe(196);
    const [totals] = await query<{ orders: number; paid: number; lines: number; customers: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as orders, sum(paid_fen)::int as paid, sum(line_count)::int as lines, count(distinct customer_id) filter (where not guest)::int as customers
          from orders.order_facts where channel = 'pos' and external_id ~ '^[0-9]{11}$'`,
    );
    expect(totals).toEqual({ orders: 196, paid: 59255, lines: 197, customers: 184 });
    const [basket] = await orderFacts(['34204785979']);
    expect(basket!.line_count).toBe(2);
  });

  it.skipIf(!hasSharedData)('imports the whole Complete Journey transactions sample (75,000 lines) with its preset', async () => {
    const s = await run('orders', COMPLETE_JOURNEY, { mapping: IMPORT_PRESETS['complete-journey']!.mapping });
    expect(s.rows).toEqual({ read: 75_000, imported: 73_891, skipped: 1_108, failed: 1 });
    // The 200-line fixture imported above holds 196 of these baskets already, some with only part of their lines.
    expect(s.records.created + s.records.updated + s.records.unchanged).toBe(46_343);
    const lines = await report(s.runId);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^44415,retail_disc\+coupon_disc,lines\.discount: /);
    const [totals] = await query<{ orders: number; paid: number; lines: number; customers: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as orders, sum(paid_fen)::float8 as paid, sum(line_count)::int as lines, count(distinct customer_id) filter (where not guest)::int as customers
          from orders.order_facts where channel = 'pos' and external_id ~ '^[0-9]{11}$'`,
    );
    expect(totals).toEqual({ orders: 46_343, paid: 21_547_299, lines: 73_891, customers: 2_372 });
  }, 600_000);
});
