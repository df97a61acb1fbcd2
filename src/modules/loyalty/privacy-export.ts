import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's loyalty section: balance, ledger, growth, tier changes, referrals and badges. */
export const loyaltyExportParticipant: ExportParticipant = {
  name: 'loyalty',
  async collect(db, id) {
    const [account] = await exportRows(db, sql`select * from loyalty.accounts where customer_id = ${id}`);
    return {
      account: account ?? null,
      ledger: await exportRows(db, sql`select * from loyalty.ledger_entries where customer_id = ${id} order by occurred_at, created_at, id`),
      growth: await exportRows(db, sql`select * from loyalty.growth_entries where customer_id = ${id} order by occurred_at, created_at, id`),
      tierChanges: await exportRows(db, sql`select * from loyalty.tier_changes where customer_id = ${id} order by occurred_at, id`),
      referrals: await exportRows(
        db,
        sql`select * from loyalty.referrals where referrer_id = ${id} or referee_id = ${id} order by created_at, id`,
      ),
      badges: await exportRows(db, sql`select * from loyalty.badge_awards where customer_id = ${id} order by awarded_at, badge_code, period`),
    };
  },
};
