import { sql } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/database.js';

/**
 * The journeys benchmark's audience, built in SQL so a million rows never pass through JavaScript: n active customers
 * (ids md5('jc' || g)), each with a primary phone (+86 139 0000 0000 + g, E.164 as the identity resolver stores it), a
 * granted SMS marketing consent and a name, and a static segment holding all of them.
 */
export async function generateAudience(db: Db, n: number, segmentCode: string, onChunk?: (done: number) => void): Promise<void> {
  const chunk = 200_000;
  for (let lo = 1; lo <= n; lo += chunk) {
    const hi = Math.min(n, lo + chunk - 1);
    await db.execute(sql`insert into customers.customers (id, status, name, created_at, updated_at, last_seen_at, source)
      select md5('jc' || g)::uuid, 'active', '顾客' || g, timestamptz '2025-01-01 00:00:00+08', now(), now(), 'bench'
      from generate_series(${lo}::int, ${hi}::int) g`);
    await db.execute(sql`insert into customers.identifiers (customer_id, type, value, is_primary, source, created_at, last_seen_at)
      select md5('jc' || g)::uuid, 'phone', '+86139' || lpad(g::text, 8, '0'), true, 'bench', now(), now()
      from generate_series(${lo}::int, ${hi}::int) g`);
    // Their keys, as identity resolution writes them (customers.identifier_keys, ADR 0014).
    await db.execute(sql`insert into customers.identifier_keys (value, type, customer_id)
      select '+86139' || lpad(g::text, 8, '0'), 'phone', md5('jc' || g)::uuid
      from generate_series(${lo}::int, ${hi}::int) g`);
    await db.execute(sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
      select md5('jc' || g)::uuid, md5('jk' || g)::uuid, 'sms', 'marketing', 'granted', 'bench', timestamptz '2025-01-01 00:00:00+08'
      from generate_series(${lo}::int, ${hi}::int) g`);
    onChunk?.(hi);
  }
  const segmentId = '00000000-0000-4000-8000-00000000be01';
  await db.execute(sql`insert into segments.segments (id, code, name, kind, definition, size, refreshed_at, created_by)
    values (${segmentId}::uuid, ${segmentCode}, 'Bench audience', 'static', ${JSON.stringify({ source: 'id', lines: n, customers: n })}::jsonb, ${n}, now(), 'bench')`);
  for (let lo = 1; lo <= n; lo += chunk) {
    const hi = Math.min(n, lo + chunk - 1);
    await db.execute(sql`insert into segments.members (segment_id, customer_id, entered_at)
      select ${segmentId}::uuid, md5('jc' || g)::uuid, now() from generate_series(${lo}::int, ${hi}::int) g`);
    await db.execute(sql`insert into segments.membership_log (segment_id, customer_id, entered_at)
      select ${segmentId}::uuid, md5('jc' || g)::uuid, now() from generate_series(${lo}::int, ${hi}::int) g`);
  }
  await db.execute(sql`analyze`);
}

/**
 * The database's ceiling for planning: the same number of rows as the send step plans (one per treated member),
 * written by one bare insert … select from the segment's members into a scratch copy of messaging.messages — `bare`
 * without any index, otherwise with the messages table's indexes (the unique dedupe key, the due index…). Answers ms.
 */
export async function bareInsert(db: Db, segmentCode: string, indexes: boolean): Promise<{ ms: number; rows: number }> {
  await db.execute(sql`drop table if exists public.bench_scratch_messages`);
  await db.execute(sql.raw(`create table public.bench_scratch_messages (like messaging.messages including defaults${indexes ? ' including indexes including constraints' : ''})`));
  const t0 = performance.now();
  const rows = await db.execute(sql`insert into public.bench_scratch_messages (id, customer_id, channel, purpose, template_id, locale, variables, dedupe_key, status,
      source_kind, journey_id, enrollment_id, step_id, send_after, expires_at, attempts, created_at, updated_at)
    select gen_random_uuid(), m.customer_id, 'sms', 'marketing', null, 'zh-CN', '{}'::jsonb, 'bench:' || m.customer_id, 'queued',
      'journey', null, null, 'send', now(), now() + interval '3 days', 0, now(), now()
    from segments.members m join segments.segments s on s.id = m.segment_id and s.code = ${segmentCode}`);
  const ms = performance.now() - t0;
  await db.execute(sql`drop table public.bench_scratch_messages`);
  return { ms, rows: Number((rows as { rowCount?: number }).rowCount ?? 0) };
}
