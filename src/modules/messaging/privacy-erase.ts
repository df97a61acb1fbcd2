import { sql } from 'drizzle-orm';
import { countRows, ERASED, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in messaging: each message stays as a fact (channel, purpose, template, status, times: caps and campaign
 * results count them) without its variables, subject, body, masked address or provider error; messages not sent yet
 * are cancelled. Delivery events lose their provider details. Guide tasks about the person keep their dates and
 * status, with the title '[erased]', no body or note and a cancel reason '[erased]' (the outcome is a code and stays);
 * open ones are cancelled with the reason `customer_erased`.
 */
export const messagingErasureParticipant: ErasureParticipant = {
  name: 'messaging',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    return {
      deliveryEvents: await countRows(
        tx,
        sql`update messaging.delivery_events set detail = '{}'::jsonb where customer_id = any(${ids}) and detail <> '{}'::jsonb`,
      ),
      messages: await countRows(
        tx,
        sql`update messaging.messages
            set variables = '{}'::jsonb, subject = null, body = null, to_masked = null, last_error = null,
                status = case when status in ('queued', 'sending') then 'cancelled' else status end,
                reason = case when status in ('queued', 'sending') then 'customer_erased' else reason end,
                lease_until = null, updated_at = now()
            where customer_id = any(${ids})`,
      ),
      guideTasks: await countRows(
        tx,
        sql`update messaging.guide_tasks
            set title = ${ERASED}, body = null, note = null,
                cancel_reason = case when status = 'open' then 'customer_erased' when cancel_reason is null then null else ${ERASED} end,
                cancelled_at = case when status = 'open' then ${ctx.erasedAt.toISOString()}::timestamptz else cancelled_at end,
                cancelled_by = case when status = 'open' then ${ctx.actor} else cancelled_by end,
                status = case when status = 'open' then 'cancelled' else status end
            where customer_id = any(${ids})`,
      ),
    };
  },
};
