import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { DemoService, type DemoSummary } from './index.js';

/**
 * The demo's social listening: 300 people of seed "1", then 30 days of mentions ingested hour by hour with the spike
 * scan running, a product crisis raised by the default rules and handled to a close. Every figure follows from the seed.
 */
const OPTIONS = { customers: 300, seed: '1', until: '2025-11-30', listening: true };
const SLOW = 300_000;

let t: TestApp;
let demo: DemoService;
let first: DemoSummary;
const rows = <T>(statement: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, statement);

beforeAll(async () => {
  t = await createTestApp();
  demo = new DemoService({
    ...t.kemai,
    listeningDeps: { customers: t.kemai.customers, messaging: t.kemai.messaging, coupons: t.kemai.coupons, ledger: t.kemai.ledger, config: t.kemai.config },
    strongIdentifiers: t.kemai.config.strongIdentifiers,
  });
  first = await demo.seed(OPTIONS);
}, SLOW);
afterAll(async () => t?.close());

describe('demo listening', () => {
  it('raises the crisis from the spike rules and runs it to a close with the statement inside the hour', async () => {
    const l = first.listening!;
    expect(l.created).toBe(true);
    expect(l.mentions).toBeGreaterThan(12_000);
    expect(l.crises).toBe(1);
    const [crisis] = await rows<{ status: string; sku: string; opened_at: Date; statement_at: Date; closed_at: Date | null; start_negative_share: number }>(
      sql`select status, sku, opened_at, statement_at, closed_at, start_negative_share from listening.crises`,
    );
    expect(crisis!.status).toBe('closed');
    const toStatement = (new Date(crisis!.statement_at).getTime() - new Date(crisis!.opened_at).getTime()) / 60_000;
    expect(toStatement).toBe(35);
    // The crisis opened on the evening the pilling started (2025-11-26 20:00 in Shanghai).
    expect(new Date(crisis!.opened_at).toISOString().slice(0, 13)).toBe('2025-11-26T12');
    const alerts = await rows<{ scope_type: string; n: number }>(sql`select scope_type, count(*)::int as n from listening.alerts group by 1 order by 1`);
    expect(alerts.map((a) => a.scope_type)).toContain('product');
    expect(l.compensated).toBe(l.affected);
    const report = await t.kemai.crises.report((await t.kemai.crises.list({}))[0]!.id);
    expect(report).toMatchObject({ statement: { met: true } });
  });

  it('changes nothing when run again', async () => {
    const before = await rows(sql`select count(*)::int as n from listening.mentions`);
    const again = await demo.seedListening(first.window.to, '1');
    expect(again.created).toBe(false);
    expect(await rows(sql`select count(*)::int as n from listening.mentions`)).toEqual(before);
  });
});
