import { sql } from 'drizzle-orm';
import { query, type Db } from '../../src/platform/db/database.js';

/**
 * The service benchmark's history, built in SQL so a million tickets never pass through JavaScript:
 * - `customers` active customers (ids md5('sc' || g)) with a primary phone;
 * - `agents` service agents and two managers (access.staff, ids md5('sa' || g)) in four queues;
 * - `tickets` tickets over the last two years (number g, newest last): 8 % live (new / open / pending, their SLA
 *   clocks running, some past due), the rest resolved or closed, spread over the queues and agents, each with three
 *   timeline entries (created, a public reply, a status change) — the shape a real inbox has after years of use.
 * Answers the agents' ids (not the managers'), the managers' first and the queues' ids.
 */
export async function generateServiceHistory(
  db: Db,
  n: { customers: number; tickets: number; agents: number },
  onChunk?: (what: string, done: number) => void,
): Promise<{ agentIds: string[]; managerId: string; queueIds: string[] }> {
  const chunk = 200_000;
  for (let lo = 1; lo <= n.customers; lo += chunk) {
    const hi = Math.min(n.customers, lo + chunk - 1);
    await db.execute(sql`insert into customers.customers (id, status, name, created_at, updated_at, last_seen_at, source)
      select md5('sc' || g)::uuid, 'active', '顾客' || g, timestamptz '2024-01-01 00:00:00+08', now(), now(), 'bench'
      from generate_series(${lo}::int, ${hi}::int) g`);
    await db.execute(sql`insert into customers.identifiers (customer_id, type, value, is_primary, source, created_at, last_seen_at)
      select md5('sc' || g)::uuid, 'phone', '+86138' || lpad(g::text, 8, '0'), true, 'bench', now(), now()
      from generate_series(${lo}::int, ${hi}::int) g`);
    // Their keys, as identity resolution writes them (customers.identifier_keys, ADR 0014).
    await db.execute(sql`insert into customers.identifier_keys (value, type, customer_id)
      select '+86138' || lpad(g::text, 8, '0'), 'phone', md5('sc' || g)::uuid
      from generate_series(${lo}::int, ${hi}::int) g`);
    onChunk?.('customers', hi);
  }
  await db.execute(sql`insert into access.staff (id, username, display_name, role, password_hash, must_change_password)
    select md5('sa' || g)::uuid, 'agent' || g, '客服' || g, case when g <= 2 then 'store_manager' else 'service_agent' end, 'x', false
    from generate_series(1, ${n.agents}::int) g on conflict do nothing`);
  const queueCodes = ['general', 'complaints', 'returns', 'online'];
  for (const [i, code] of queueCodes.entries()) {
    await db.execute(sql`insert into service.queues (id, code, name, priority, assignment, member_ids, manager_id)
      values (md5(${'sq' + i})::uuid, ${code + '-bench'}, ${code}, ${i + 1}, 'least_open',
        (select array_agg(md5('sa' || g)::uuid) from generate_series(3, ${n.agents}::int) g where g % 4 = ${i}), md5('sa1')::uuid)
      on conflict do nothing`);
  }
  // Four in ten complaints, three inquiries, two return requests, one suggestion.
  const kinds = sql`(array['complaint','complaint','complaint','complaint','inquiry','inquiry','inquiry','return_request','return_request','suggestion'])[1 + g % 10]`;
  for (let lo = 1; lo <= n.tickets; lo += chunk) {
    const hi = Math.min(n.tickets, lo + chunk - 1);
    // Received: spread evenly over two years, newest last; live = the newest 8 % plus one in 200 older ones (reopened).
    await db.execute(sql`insert into service.tickets (id, number, kind, channel, status, subject, description, category, severity, customer_id,
        store_code, queue_id, assignee_id, received_at, ack_due_at, first_reply_due_at, resolve_due_at, acked_at, first_replied_at, resolved_at,
        closed_at, next_due_at, next_alert_at, sla_warned, sla_breached, root_causes, created_by, created_at, updated_at)
      select md5('st' || g)::uuid, g, k.kind,
        (array['api','web_form','email','staff','phone','wechat','app'])[1 + g % 7],
        s.status,
        '订单 ' || g || ' 的问题', '顾客描述 ' || g,
        (array['late_delivery','damaged_product','quality_issue','wrong_item','service_attitude','pricing','stock','membership_points','other'])[1 + g % 9],
        case when k.kind = 'complaint' then (array['minor','minor','medium','severe'])[1 + g % 4] end,
        md5('sc' || (1 + g % ${n.customers}::int))::uuid,
        'S' || lpad((1 + g % 40)::text, 3, '0'),
        md5('sq' || (g % 4))::uuid,
        case when s.status = 'new' and g % 3 = 0 then null else md5('sa' || (3 + g % (${n.agents}::int - 2)))::uuid end,
        r.at, r.at + interval '1 hour', r.at + interval '24 hours', r.at + interval '72 hours',
        case when s.status <> 'new' then r.at + interval '20 minutes' end,
        case when s.status in ('resolved','closed','pending') then r.at + interval '5 hours' end,
        case when s.status in ('resolved','closed') then r.at + interval '30 hours' end,
        case when s.status = 'closed' then r.at + interval '8 days' end,
        case when s.status in ('new','open','pending') then r.at + case when s.status = 'new' then interval '1 hour' when s.status = 'open' then interval '24 hours' else interval '72 hours' end end,
        case when s.status in ('new','open','pending') then r.at + case when s.status = 'new' then interval '45 minutes' when s.status = 'open' then interval '18 hours' else interval '54 hours' end end,
        '{}', '{}',
        case when s.status in ('resolved','closed') and k.kind = 'complaint' then array[(array['courier_delay','warehouse_packing','supplier_quality','store_staff','system_error','policy_gap'])[1 + g % 6]] else '{}' end,
        'bench', r.at, r.at
      from generate_series(${lo}::int, ${hi}::int) g
      cross join lateral (select ${kinds} as kind) k
      cross join lateral (select now() - ((${n.tickets}::int - g)::double precision / ${n.tickets}::int) * interval '730 days' as at) r
      cross join lateral (select case
          when g > ${n.tickets}::int * 0.92 then (array['new','open','open','pending'])[1 + g % 4]
          when g % 200 = 0 then 'open'
          when g > ${n.tickets}::int * 0.85 then 'resolved'
          else 'closed' end as status) s`);
    await db.execute(sql`insert into service.ticket_events (id, ticket_id, at, kind, visibility, actor, body, detail)
      select md5('se' || g || '-' || e)::uuid, md5('st' || g)::uuid, t.received_at + (e * interval '3 hours'),
        (array['created','reply','status'])[e], (array['system','public','system'])[e], 'bench',
        case when e = 2 then '您好,非常抱歉给您带来不便,我们已经在处理。' end, '{}'::jsonb
      from generate_series(${lo}::int, ${hi}::int) g cross join generate_series(1, 3) e
      join service.tickets t on t.id = md5('st' || g)::uuid`);
    onChunk?.('tickets', hi);
  }
  await db.execute(sql`select setval(pg_get_serial_sequence('service.tickets', 'number'), ${n.tickets}::bigint)`);
  // What autovacuum does to a table that has stood a while: statistics and the visibility map (index-only counts).
  await db.execute(sql`vacuum analyze service.tickets`);
  await db.execute(sql`vacuum analyze service.ticket_events`);
  await db.execute(sql`analyze`);
  const [ids] = await query<{ agents: string[]; manager: string; queues: string[] }>(
    db,
    sql`select (select array_agg(md5('sa' || g)::uuid::text order by g) from generate_series(3, ${n.agents}::int) g) as agents,
      md5('sa1')::uuid::text as manager, (select array_agg(md5('sq' || i)::uuid::text order by i) from generate_series(0, 3) i) as queues`,
  );
  return { agentIds: ids!.agents, managerId: ids!.manager, queueIds: ids!.queues };
}
