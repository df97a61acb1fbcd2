import { sql } from 'drizzle-orm';
import { countRows, ERASED, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in loyalty: the account, ledger, lots, holds, growth and tier history stay with every number (balances and
 * the liability report add up as before), without staff's free text (adjustment reasons, tier notes) and without the
 * person's referral code (it names them to whoever they shared it with, and no new referral can use it).
 */
export const loyaltyErasureParticipant: ErasureParticipant = {
  name: 'loyalty',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    // The code's key (loyalty.referral_codes, by code) goes with it: nobody can be referred with it any more.
    await tx.execute(
      sql`delete from loyalty.referral_codes where code in (select referral_code from loyalty.accounts where customer_id = any(${ids}) and referral_code is not null)`,
    );
    return {
      account: await countRows(tx, sql`update loyalty.accounts set referral_code = null, updated_at = now() where customer_id = any(${ids})`),
      ledger: await countRows(tx, sql`update loyalty.ledger_entries set reason = ${ERASED} where customer_id = any(${ids}) and reason is not null`),
      growth: await countRows(tx, sql`update loyalty.growth_entries set reason = ${ERASED} where customer_id = any(${ids}) and reason is not null`),
      tierChanges: await countRows(tx, sql`update loyalty.tier_changes set note = null where customer_id = any(${ids}) and note is not null`),
      // The code the referee typed is the referrer's: erased when the referrer is the person.
      referrals: await countRows(tx, sql`update loyalty.referrals set code = ${ERASED} where referrer_id = any(${ids})`),
    };
  },
};
