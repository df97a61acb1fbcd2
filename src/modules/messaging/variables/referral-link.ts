import type { Db } from '../../../platform/db/database.js';
import type { Locale, VariableProvider } from '../messaging.contract.js';

/** What the provider needs of loyalty: a member's referral code and link (made on first ask). */
export interface ReferralCodes {
  referralCode(customerId: string): Promise<{ customerId: string; code: string; link: string }>;
}

/**
 * `referralLink` and `referralCode`: the member's own referral link (KEMAI_REFERRAL_URL?ref=CODE), from loyalty's
 * ReferralsService — the code is made on first ask, so one call per customer (referral invitations go to a segment of
 * loyal members, a small share of a batch's sends).
 */
export class ReferralLinkProvider implements VariableProvider {
  readonly names = ['referralLink', 'referralCode'] as const;

  constructor(private readonly referrals: ReferralCodes) {}

  async load(_db: Db, customerIds: readonly string[], _locale: (customerId: string) => Locale): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const id of customerIds) {
      const { code, link } = await this.referrals.referralCode(id);
      out.set(id, { referralLink: link, referralCode: code });
    }
    return out;
  }
}
