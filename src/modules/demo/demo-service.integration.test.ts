import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { DemoService, type DemoSummary } from './index.js';

/**
 * The demo's service desk: 400 people of seed "1", then the service history over the window's last 45 days (tickets
 * worked in time order with a fake clock, the SLA scan as alerts come due, compensations, the after-ticket survey and
 * an after-purchase NPS wave answered through the signed links). Every figure follows from the seed.
 */
const OPTIONS = { customers: 400, seed: '1', until: '2025-11-30', service: true };
const SLOW = 300_000;

let t: TestApp;
let demo: DemoService;
let first: DemoSummary;

const rows = <T>(statement: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, statement);
const snapshot = async () => ({
  tickets: await rows(sql`select number, status, assignee_id, sla_breached, escalation_level, root_causes, updated_at from service.tickets order by number`),
  events: await rows(sql`select count(*)::int as n from service.ticket_events`),
  compensations: await rows(sql`select id, status, total_fen from service.compensations order by id`),
  invitations: await rows(sql`select id, status from surveys.invitations order by id`),
  responses: await rows(sql`select id from surveys.responses order by id`),
  coupons: await rows(sql`select count(*)::int as n from promotions.coupons where source = 'compensation'`),
  staff: await rows(sql`select id from access.staff order by id`),
});

beforeAll(async () => {
  t = await createTestApp();
  demo = new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers });
  first = await demo.seed(OPTIONS);
}, SLOW);
afterAll(async () => t?.close());

describe('demo service desk', () => {
  it('works tickets through their SLA clocks, compensations and surveys, with counts that follow from the seed', async () => {
    expect({ ...first.service!, seconds: 0 }).toEqual({
      created: true,
      staff: 5,
      tickets: 37,
      statuses: { new: 2, open: 1, pending: 0, resolved: 34, closed: 0 },
      breached: 3,
      escalated: 3,
      compensationsExecuted: 9,
      invitations: 95,
      responses: 41,
      seconds: 0,
    });
    const kinds = await rows<{ kind: string; n: number }>(sql`select kind, count(*)::int as n from service.tickets group by kind order by kind collate "C"`);
    expect(kinds.map((k) => [k.kind, k.n])).toEqual([
      ['complaint', 16],
      ['inquiry', 11],
      ['return_request', 6],
      ['suggestion', 4],
    ]);
    // Severities follow the categories: late delivery minor, damaged product medium, quality sometimes severe.
    const severities = await rows<{ category: string; severity: string; n: number }>(
      sql`select category, severity, count(*)::int as n from service.tickets where kind = 'complaint' group by 1, 2 order by 1, 2`,
    );
    expect(severities.map((s) => [s.category, s.severity, s.n])).toEqual([
      ['damaged_product', 'medium', 7],
      ['late_delivery', 'minor', 4],
      ['quality_issue', 'medium', 2],
      ['quality_issue', 'severe', 1],
      ['service_attitude', 'minor', 2],
    ]);
    // Every ticket is a demo customer's, about an order of theirs placed before it was raised.
    const [links] = await rows<{ n: number; with_customer: number; orders_before: number; resolved_with_causes: number }>(
      sql`select count(*)::int as n, count(t.customer_id)::int as with_customer,
                 count(*) filter (where o.customer_id = t.customer_id and o.placed_at < t.received_at)::int as orders_before,
                 count(*) filter (where t.status = 'resolved' and (cardinality(t.root_causes) > 0 or t.kind in ('inquiry', 'suggestion')))::int as resolved_with_causes
            from service.tickets t left join orders.orders o on o.id = t.order_id`,
    );
    const [withOrder] = await rows<{ n: number }>(sql`select count(*)::int as n from service.tickets where order_id is not null`);
    expect(links).toEqual({ n: 37, with_customer: 37, orders_before: withOrder!.n, resolved_with_causes: 34 });
    // Executed compensations paid out for real: a coupon per coupon action, the refund as a return.
    const comps = await rows<{ option: string; status: string; n: number }>(
      sql`select option_code as option, status, count(*)::int as n from service.compensations group by 1, 2 order by 1, 2`,
    );
    expect(comps.map((c) => [c.option, c.status, c.n])).toEqual([
      ['A_coupon_5', 'executed', 2],
      ['exchange_coupon_10', 'executed', 7],
    ]);
    const [coupons] = await rows<{ n: number }>(sql`select count(*)::int as n from promotions.coupons where source = 'compensation'`);
    expect(coupons!.n).toBe(9);
    const [refunds] = await rows<{ n: number }>(sql`select count(*)::int as n from orders.returns where external_id like 'ticket:%'`);
    expect(refunds!.n).toBe(0);
    // The SLA job's record: warnings, breaches, escalations to the manager.
    const [sla] = await rows<{ warnings: number; breaches: number; escalations: number; to_manager: number }>(
      sql`select count(*) filter (where kind = 'sla_warning')::int as warnings, count(*) filter (where kind = 'sla_breach')::int as breaches,
                 count(*) filter (where kind = 'escalated')::int as escalations,
                 count(*) filter (where kind = 'escalated' and detail->>'assigneeId' = (select id::text from access.staff where username = 'kefu.zhao'))::int as to_manager
            from service.ticket_events`,
    );
    expect(sla).toEqual({ warnings: 4, breaches: 4, escalations: 4, to_manager: 4 });
    // Surveys: an invitation per resolved ticket, the purchase wave; answers by survey.
    const surveys = await rows<{ code: string; invited: number; answered: number; nps: number; csat: number | null }>(
      sql`select s.code, (select count(*)::int from surveys.invitations i where i.survey_id = s.id) as invited,
                 count(r.id)::int as answered, count(r.nps)::int as nps, count(r.csat)::int as csat
            from surveys.surveys s left join surveys.responses r on r.survey_id = s.id group by s.id, s.code order by s.code collate "C"`,
    );
    expect(surveys.map((s) => [s.code, s.invited, s.answered, s.nps, s.csat])).toEqual([
      ['after_purchase', 61, 20, 20, 0],
      ['after_ticket', 34, 21, 21, 21],
    ]);
    // Answers come 3–5 days after the resolution and later; breached tickets score lower.
    const [timing] = await rows<{ early: number }>(
      sql`select count(*)::int as early from surveys.responses r join service.tickets t on t.id = r.ticket_id where r.submitted_at < t.resolved_at + interval '3 days'`,
    );
    expect(timing!.early).toBe(0);
  });

  it('leaves the last days live: the inbox answers them with their clocks', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/service/tickets', headers: t.admin });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { items: Array<{ ticketNumber: string; status: string; queueCode: string | null; assigneeName: string | null; slaState: string | null }>; total: number };
    expect(body.total).toBe(3);
    expect(body.items.map((i) => i.status).sort()).toEqual(['new', 'new', 'open']);
    for (const i of body.items) {
      expect(i.queueCode).toBe('general');
      expect(i.assigneeName).not.toBeNull();
      expect(i.slaState).not.toBeNull();
    }
    const resolved = await t.app.inject({ method: 'GET', url: '/api/v1/service/tickets?status=resolved&limit=200', headers: t.admin });
    expect(resolved.json().total).toBe(34);
  });

  it('changes nothing when run again', async () => {
    const before = await snapshot();
    const again = await demo.seed(OPTIONS);
    expect(again.service!.created).toBe(false);
    expect({ ...again.service!, created: true, seconds: 0 }).toEqual({ ...first.service!, seconds: 0 });
    expect(await snapshot()).toEqual(before);
  }, SLOW);
});
