import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import type { TicketEventInput } from './service.contract.js';

/** Appends entries to tickets' timelines in one statement (any part of the module: tickets, the SLA job, compensation, surveys). */
export async function addTicketEvents(tx: Db, events: readonly TicketEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(
    (e) => sql`(${newId()}, ${e.ticketId}::uuid, ${e.at.toISOString()}::timestamptz, ${e.kind}, ${e.visibility ?? 'system'}, ${e.actor}, ${e.body ?? null}, ${JSON.stringify(e.detail ?? {})}::jsonb)`,
  );
  await tx.execute(sql`insert into service.ticket_events (id, ticket_id, at, kind, visibility, actor, body, detail) values ${sql.join(rows, sql`, `)}`);
}
