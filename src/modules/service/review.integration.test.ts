import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

let t: TestApp;
let reader: { authorization: string };
const AS_OF = new Date('2026-11-24T04:00:00Z');
const db = () => t.kemai.database.db;
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(db(), s);
const MIN = 60_000;

interface Fixture {
  kind?: string;
  category: string | null;
  sku: string | null;
  store: string | null;
  causes: string[];
  received: string;
  /** Minutes after received: due and met instants per target (met null: not met). */
  ack?: [number, number | null];
  reply?: [number, number | null];
  resolve?: [number, number | null];
  compensations?: Array<[status: string, fen: number]>;
}

async function ticket(f: Fixture): Promise<string> {
  const id = newId();
  const r = new Date(f.received).getTime();
  const at = (m: number | null | undefined) => (m == null ? null : new Date(r + m * MIN).toISOString());
  await rows(
    sql`insert into service.tickets (id, kind, channel, subject, category, sku, store_code, root_causes, received_at,
          ack_due_at, acked_at, first_reply_due_at, first_replied_at, resolve_due_at, resolved_at, status, created_by)
        values (${id}, ${f.kind ?? 'complaint'}, 'api', 'fixture', ${f.category}, ${f.sku}, ${f.store}, ${sql.param(f.causes)}::text[], ${f.received}::timestamptz,
          ${at(f.ack?.[0])}::timestamptz, ${at(f.ack?.[1])}::timestamptz, ${at(f.reply?.[0])}::timestamptz, ${at(f.reply?.[1])}::timestamptz,
          ${at(f.resolve?.[0])}::timestamptz, ${at(f.resolve?.[1])}::timestamptz, ${f.resolve?.[1] != null ? 'resolved' : 'open'}, 'test')`,
  );
  for (const [status, fen] of f.compensations ?? [])
    await rows(
      sql`insert into service.compensations (id, ticket_id, actions, total_fen, status, proposed_by, proposed_at)
          values (${newId()}, ${id}, '[]'::jsonb, ${fen}, ${status}, 'test', ${f.received}::timestamptz)`,
    );
  return id;
}

beforeAll(async () => {
  t = await createTestApp();
  t.kemai.serviceReview.useClock({ now: () => AS_OF });
  reader = await t.keyWith(['service:read']);
  await rows(sql`insert into catalog.products (id, sku, name, category_path) values (${newId()}, 'A100', '真丝连衣裙', array['服装', '女装'])`);
  await rows(sql`insert into catalog.stores (id, code, name) values (${newId()}, 'SH01', '上海南京西路店')`);
  for (const [code, zh, en] of [
    ['packaging', '包装不当', 'Poor packaging'],
    ['supplier_defect', '供应商质量缺陷', 'Supplier defect'],
    ['courier_delay', '快递延误', 'Courier delay'],
  ])
    await rows(
      sql`insert into service.taxonomy (kind, code, labels) values ('root_cause', ${code}, ${JSON.stringify({ 'zh-CN': zh, en })}::jsonb)
          on conflict (kind, code) do update set labels = excluded.labels`,
    );
  // T1: every target met, resolved in 120 minutes, ¥10 paid.
  await ticket({ category: 'damaged_product', sku: 'A100', store: 'SH01', causes: ['packaging'], received: '2026-10-05T02:00:00Z', ack: [60, 30], reply: [1440, 120], resolve: [4320, 120], compensations: [['executed', 1000]] });
  // T2: acknowledged late, resolved late (5000 minutes); ¥503 paid, a rejected proposal not counted.
  await ticket({
    category: 'damaged_product',
    sku: 'A100',
    store: 'SH01',
    causes: ['packaging', 'supplier_defect'],
    received: '2026-10-20T02:00:00Z',
    ack: [60, 90],
    reply: [1440, 1380],
    resolve: [4320, 5000],
    compensations: [['rejected', 999], ['executed', 50300]],
  });
  // T3: acknowledged; no reply and no resolution, both due before the report's instant (missed). A store not in the catalog.
  await ticket({ category: 'quality_issue', sku: 'B200', store: 'SH02', causes: ['supplier_defect'], received: '2026-11-03T02:00:00Z', ack: [60, 10], reply: [1440, null], resolve: [4320, null] });
  // T4: an inquiry without root cause, category or SKU, resolved in 600 minutes.
  await ticket({ kind: 'inquiry', category: null, sku: null, store: 'SH01', causes: [], received: '2026-11-10T02:00:00Z', ack: [60, 5], reply: [1440, 60], resolve: [4320, 600] });
  // T5: received 30 minutes before the report's instant: no target decided yet.
  await ticket({ category: 'late_delivery', sku: 'A100', store: 'SH01', causes: ['courier_delay'], received: '2026-11-24T03:30:00Z', ack: [60, null], reply: [1440, null], resolve: [4320, null] });
  // T6: 23:00 on 30 September in Shanghai: before the period.
  await ticket({ category: 'damaged_product', sku: 'A100', store: 'SH01', causes: ['packaging'], received: '2026-09-30T15:00:00Z', ack: [60, 1], resolve: [4320, 10], compensations: [['executed', 7000]] });
});
afterAll(async () => t?.close());

const report = (qs: string, headers = reader) => t.app.inject({ method: 'GET', url: `/api/v1/service/reports/review?${qs}`, headers });
const none = { met: 0, missed: 0, rate: null };
const labels = (zh: string, en: string) => ({ 'zh-CN': zh, en });

describe('the root-cause review report', () => {
  it('by root cause: per group tickets, share, complaints, median resolution (wall minutes), SLA met rate per target, executed compensation', async () => {
    const res = await report('from=2026-10-01&to=2026-12-01&by=root_cause');
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ from: '2026-09-30T16:00:00.000Z', to: '2026-11-30T16:00:00.000Z', asOf: AS_OF.toISOString(), by: 'root_cause', timeZone: 'Asia/Shanghai', resolutionMinutes: 'wall' });
    expect(r.totals).toEqual({
      tickets: 5,
      complaints: 4,
      resolved: 3,
      medianResolutionMinutes: 600,
      sla: { ack: { met: 3, missed: 1, rate: 0.75 }, first_reply: { met: 3, missed: 1, rate: 0.75 }, resolve: { met: 2, missed: 2, rate: 0.5 } },
      compensationFen: 51300,
      compensations: 2,
    });
    expect(r.groups).toEqual([
      {
        key: 'packaging',
        name: null,
        labels: labels('包装不当', 'Poor packaging'),
        share: 0.4,
        tickets: 2,
        complaints: 2,
        resolved: 2,
        medianResolutionMinutes: 2560,
        sla: { ack: { met: 1, missed: 1, rate: 0.5 }, first_reply: { met: 2, missed: 0, rate: 1 }, resolve: { met: 1, missed: 1, rate: 0.5 } },
        compensationFen: 51300,
        compensations: 2,
      },
      {
        key: 'supplier_defect',
        name: null,
        labels: labels('供应商质量缺陷', 'Supplier defect'),
        share: 0.4,
        tickets: 2,
        complaints: 2,
        resolved: 1,
        medianResolutionMinutes: 5000,
        sla: { ack: { met: 1, missed: 1, rate: 0.5 }, first_reply: { met: 1, missed: 1, rate: 0.5 }, resolve: { met: 0, missed: 2, rate: 0 } },
        compensationFen: 50300,
        compensations: 1,
      },
      {
        key: 'courier_delay',
        name: null,
        labels: labels('快递延误', 'Courier delay'),
        share: 0.2,
        tickets: 1,
        complaints: 1,
        resolved: 0,
        medianResolutionMinutes: null,
        sla: { ack: none, first_reply: none, resolve: none },
        compensationFen: 0,
        compensations: 0,
      },
      {
        key: null,
        name: null,
        labels: null,
        share: 0.2,
        tickets: 1,
        complaints: 0,
        resolved: 1,
        medianResolutionMinutes: 600,
        sla: { ack: { met: 1, missed: 0, rate: 1 }, first_reply: { met: 1, missed: 0, rate: 1 }, resolve: { met: 1, missed: 0, rate: 1 } },
        compensationFen: 0,
        compensations: 0,
      },
    ]);
    expect(r.topCauses).toEqual({
      bySku: [
        {
          key: 'A100',
          name: '真丝连衣裙',
          tickets: 3,
          causes: [
            { code: 'packaging', labels: labels('包装不当', 'Poor packaging'), tickets: 2 },
            { code: 'courier_delay', labels: labels('快递延误', 'Courier delay'), tickets: 1 },
            { code: 'supplier_defect', labels: labels('供应商质量缺陷', 'Supplier defect'), tickets: 1 },
          ],
        },
        { key: 'B200', name: null, tickets: 1, causes: [{ code: 'supplier_defect', labels: labels('供应商质量缺陷', 'Supplier defect'), tickets: 1 }] },
      ],
      byStore: [
        {
          key: 'SH01',
          name: '上海南京西路店',
          tickets: 4,
          causes: [
            { code: 'packaging', labels: labels('包装不当', 'Poor packaging'), tickets: 2 },
            { code: 'courier_delay', labels: labels('快递延误', 'Courier delay'), tickets: 1 },
            { code: 'supplier_defect', labels: labels('供应商质量缺陷', 'Supplier defect'), tickets: 1 },
          ],
        },
        { key: 'SH02', name: null, tickets: 1, causes: [{ code: 'supplier_defect', labels: labels('供应商质量缺陷', 'Supplier defect'), tickets: 1 }] },
      ],
      byPeriod: [
        {
          key: '2026-10',
          name: null,
          tickets: 2,
          causes: [
            { code: 'packaging', labels: labels('包装不当', 'Poor packaging'), tickets: 2 },
            { code: 'supplier_defect', labels: labels('供应商质量缺陷', 'Supplier defect'), tickets: 1 },
          ],
        },
        {
          key: '2026-11',
          name: null,
          tickets: 3,
          causes: [
            { code: 'courier_delay', labels: labels('快递延误', 'Courier delay'), tickets: 1 },
            { code: 'supplier_defect', labels: labels('供应商质量缺陷', 'Supplier defect'), tickets: 1 },
          ],
        },
      ],
    });
  });

  it('by category, SKU (with the catalog name), store and month', async () => {
    const short = (g: Record<string, unknown>) => [g.key, g.name, g.tickets, g.share, g.complaints, g.medianResolutionMinutes, g.compensationFen];
    const by = async (dim: string) => ((await report(`from=2026-10-01&to=2026-12-01&by=${dim}`)).json().groups as Array<Record<string, unknown>>).map(short);
    expect(await by('category')).toEqual([
      ['damaged_product', null, 2, 0.4, 2, 2560, 51300],
      ['late_delivery', null, 1, 0.2, 1, null, 0],
      ['quality_issue', null, 1, 0.2, 1, null, 0],
      [null, null, 1, 0.2, 0, 600, 0],
    ]);
    expect(await by('sku')).toEqual([
      ['A100', '真丝连衣裙', 3, 0.6, 3, 2560, 51300],
      ['B200', null, 1, 0.2, 1, null, 0],
      [null, null, 1, 0.2, 0, 600, 0],
    ]);
    expect(await by('store')).toEqual([
      ['SH01', '上海南京西路店', 4, 0.8, 3, 600, 51300],
      ['SH02', null, 1, 0.2, 1, null, 0],
    ]);
    expect(await by('month')).toEqual([
      ['2026-10', null, 2, 0.4, 2, 2560, 51300],
      ['2026-11', null, 3, 0.6, 2, 600, 0],
    ]);
    const complaints = (await report('from=2026-10-01&to=2026-12-01&by=month&kind=complaint')).json();
    expect(complaints.totals.tickets).toBe(4);
    expect(complaints.groups.map((g: Record<string, unknown>) => [g.key, g.tickets])).toEqual([
      ['2026-10', 2],
      ['2026-11', 2],
    ]);
  });

  it('an empty period answers zeros; bad input is 400 naming the field; service:read is needed', async () => {
    const empty = (await report('from=2025-01-01&to=2025-02-01')).json();
    expect(empty.totals).toEqual({ tickets: 0, complaints: 0, resolved: 0, medianResolutionMinutes: null, sla: { ack: none, first_reply: none, resolve: none }, compensationFen: 0, compensations: 0 });
    expect(empty.groups).toEqual([]);
    expect(empty.topCauses).toEqual({ bySku: [], byStore: [], byPeriod: [] });
    for (const [qs, path] of [
      ['by=colour', 'querystring.by'],
      ['from=yesterday', 'querystring.from'],
      ['from=2026-12-01&to=2026-10-01', 'from'],
      ['kind=praise', 'querystring.kind'],
    ]) {
      const res = await report(qs!);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path), qs).toContain(path);
    }
    expect((await report('by=store', await t.keyWith(['promotions:read']))).statusCode).toBe(403);
  });
});
