import { sql } from 'drizzle-orm';
import { countRows, ERASED, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in service: tickets stay with their kind, category, severity, store, SLA times and compensations (service
 * reports and money given count them), with subject and description '[erased]', no contact, and the channel's own
 * reference replaced (an email's Message-ID can name the sender). Replies and notes on them become '[erased]' and lose
 * their details; compensation notes go (their actions and amounts stay).
 */
export const serviceErasureParticipant: ErasureParticipant = {
  name: 'service',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    const mine = sql`select id from service.tickets where customer_id = any(${ids})`;
    return {
      ticketEvents: await countRows(
        tx,
        sql`update service.ticket_events
            set body = case when body is null then null else ${ERASED} end,
                detail = case when kind in ('reply', 'note', 'created') then '{}'::jsonb else detail end
            where ticket_id in (${mine}) and (body is not null or kind in ('reply', 'note', 'created'))`,
      ),
      compensations: await countRows(
        tx,
        sql`update service.compensations set note = null, decision_note = null
            where ticket_id in (${mine}) and (note is not null or decision_note is not null)`,
      ),
      tickets: await countRows(
        tx,
        sql`update service.tickets
            set subject = ${ERASED}, description = case when description is null then null else ${ERASED} end, contact = null,
                external_ref = case when external_ref is null then null else 'erased:' || id::text end, updated_at = now()
            where customer_id = any(${ids})`,
      ),
    };
  },
};
