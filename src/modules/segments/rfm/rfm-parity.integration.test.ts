import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { DbRunStore, directWriter, IMPORT_PRESETS, IngestService } from '../../ingest/index.js';
import { rfmFromFile } from './rfm-file.js';

/**
 * File mode and database mode on the real UCI Online Retail data (the first LINES lines of
 * ../shared/data/online_retail/onlineretail.csv.gz, see its PROVENANCE.md): the database imports the rows with the
 * online-retail preset (C… invoices become cancelled orders, A… and negative-quantity stock adjustments are skipped);
 * file mode reads the same file with --skip InvoiceNo=^[AC] and --skip Quantity=^- (cancelled orders do not count in
 * RFM either way). Both must give every customer the same figures, scores, class, segment and quadrant.
 */
const SOURCE = path.resolve('../shared/data/online_retail/onlineretail.csv.gz');
const hasData = fs.existsSync(SOURCE);
if (!hasData) console.warn(`skipping the Online Retail parity test: ${SOURCE} is absent`);
const LINES = 20_000;

let t: TestApp;
let tmp: string;
let file: string;

beforeAll(async () => {
  if (!hasData) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-rfm-parity-'));
  file = path.join(tmp, 'online-retail.csv');
  const text = zlib.gunzipSync(fs.readFileSync(SOURCE)).toString('utf8');
  let end = 0;
  for (let i = 0; i <= LINES; i++) end = text.indexOf('\n', end) + 1;
  fs.writeFileSync(file, text.slice(0, end));
  t = await createTestApp({ KEMAI_TIMEZONE: 'Europe/London' }, { loyalty: false });
  const ingest = new IngestService(new DbRunStore(t.kemai.database.db), directWriter(t.kemai), { timeZone: 'Europe/London' });
  const s = await ingest.importFile({ kind: 'orders', file, mapping: IMPORT_PRESETS['online-retail']!.mapping });
  expect(s.rows.failed).toBe(0);
}, 600_000);
afterAll(async () => {
  await t?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

type Row = [string, number, number, number, number, number, number, string, string, number, number, string];

async function databaseRows(): Promise<Row[]> {
  const rows = await query<Record<string, unknown>>(
    t.kemai.database.db,
    sql`select i.value as ext, s.recency_days, s.frequency, s.monetary_fen::float8 as mon, s.r, s.f, s.m, s.value_class, s.segment,
               s.current_value_fen::float8 as cur, s.potential_value_fen::float8 as pot, s.value_quadrant
        from segments.rfm_scores s join customers.identifiers i on i.customer_id = s.customer_id and i.type = 'ecom_user_id'
        order by i.value collate "C"`,
  );
  return rows.map((r) => [
    String(r.ext),
    Number(r.recency_days),
    Number(r.frequency),
    Number(r.mon),
    Number(r.r),
    Number(r.f),
    Number(r.m),
    String(r.value_class),
    String(r.segment),
    Number(r.cur),
    Number(r.pot),
    String(r.value_quadrant),
  ]);
}

async function fileRows(asOf: string, windowDays: number | null): Promise<Row[]> {
  const res = await rfmFromFile(file, {
    customerCol: 'CustomerID',
    dateCol: 'InvoiceDate',
    amountCol: 'UnitPrice',
    quantityCol: 'Quantity',
    orderCol: 'InvoiceNo',
    skip: [
      { column: 'InvoiceNo', pattern: /^[AC]/ },
      { column: 'Quantity', pattern: /^-/ },
    ],
    asOf,
    windowDays,
    timeZone: 'Europe/London',
  });
  return res.rows
    .map((r): Row => [r.customerId, r.recencyDays, r.frequency, r.monetaryFen, r.r, r.f, r.m, r.valueClass, r.segment, r.currentValueFen, r.potentialValueFen, r.valueQuadrant])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe.skipIf(!hasData)('RFM: file mode and database mode on Online Retail', () => {
  it('give identical figures, scores, classes, segments and quadrants per customer (all history)', async () => {
    const run = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2010-12-31' } });
    expect(run.statusCode, run.body).toBe(201);
    const db = await databaseRows();
    expect(db.length).toBe(run.json().customers);
    expect(db.length).toBeGreaterThan(500);
    const fromFile = await fileRows('2010-12-31', null);
    expect(fromFile).toEqual(db);
    // Every class and score is used, so the comparison is not of a degenerate table.
    expect(new Set(db.map((r) => r[7])).size).toBe(4);
    expect(new Set(db.map((r) => r[4])).size).toBe(5);
  });

  it('give identical results over a 10-day window', async () => {
    const run = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2010-12-31', windowDays: 10 } });
    expect(run.statusCode, run.body).toBe(201);
    const db = await databaseRows();
    expect(await fileRows('2010-12-31', 10)).toEqual(db);
    expect(db.length).toBeLessThan((await fileRows('2010-12-31', null)).length);
  });
});
