import { sql } from 'drizzle-orm';
import { parseInstant } from '../../platform/clock.js';
import { pgCode, query, queryOne, type Db } from '../../platform/db/database.js';
import { AppError, invalid, notFound, type FieldIssue } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { validateCustomerRef, type CustomerRefInput, type CustomersService } from '../customers/index.js';
import { newReferralCode, normaliseReferralCode, referralLink } from './domain/referral-code.js';
import type { LedgerService } from './ledger.service.js';
import type { ProgramService } from './program.service.js';

/** The part of LedgerService referrals and badges use: fixed points, idempotent by key. */
export type PointsLedger = Pick<LedgerService, 'award'>;

/** The part of ProgramService referrals use: the points for each side (eventPoints.referral_referrer / referral_referee). */
export type ReferralPointsSource = Pick<ProgramService, 'rulesAt'>;

export interface ReferralOptions {
  timeZone: string;
  defaultRegion: string;
  /** The page a referral link opens; `?ref=CODE` is added (KEMAI_REFERRAL_URL). */
  referralUrl: string;
  /** Referrals one member may have pending or rewarded, ever (KEMAI_REFERRAL_CAP). */
  cap: number;
  /** The least net paid amount (fen) of the referee's purchase that rewards both sides (KEMAI_REFERRAL_MIN_PAID). */
  minPaidFen: number;
}

export const REFERRAL_ACTOR = 'system:referrals';
export const REFERRAL_REWARDED = 'loyalty.referral.rewarded';

/** Why a referral was refused; each is recorded on a `rejected` referral row. */
export const REJECTION_REASONS = ['self_referral', 'already_referred', 'not_new_customer', 'referrer_cap_reached'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Referral {
  id: string;
  referrerId: string;
  refereeId: string;
  code: string;
  status: 'pending' | 'rewarded' | 'rejected';
  reason: string | null;
  orderId: string | null;
  channel: string | null;
  createdAt: Date;
  settledAt: Date | null;
}

export interface ReferralInput {
  code: string;
  referee: CustomerRefInput;
  /** When the referee was referred (default now); orders before it make the referee not new. */
  referredAt?: string | undefined;
  channel?: string | undefined;
}

export type ReferralOutcome =
  | { status: 'created' | 'unchanged'; referral: Referral }
  | { status: 'rejected'; reason: RejectionReason; referral: Referral; detail?: Record<string, unknown> };

/** Payload of `loyalty.referral.rewarded`. */
export interface ReferralRewarded {
  referralId: string;
  referrerId: string;
  refereeId: string;
  orderId: string;
  referrerPoints: number;
  refereePoints: number;
  rewardedAt: string;
}

interface ReferralRow {
  id: string;
  referrer_id: string;
  referee_id: string;
  code: string;
  status: Referral['status'];
  reason: string | null;
  order_id: string | null;
  channel: string | null;
  created_at: string | Date;
  settled_at: string | Date | null;
}

const RETRYABLE = new Set(['23505', '40P01', '40001']);
const CODE_ATTEMPTS = 5;
/** Clocks of tills and phones run a little ahead; more than this is a mistake. */
const FUTURE_SKEW_MS = 10 * 60_000;

/**
 * Referral codes and links, referrals with their guards, and the reward to both sides on the
 * referee's first qualifying purchase (exactly once: the referral row is locked and leaves
 * `pending` in the transaction that awards, and the ledger keys make a repeat award a no-op).
 */
export class ReferralsService {
  constructor(
    private readonly db: Db,
    private readonly deps: { customers: CustomersService; ledger: PointsLedger; program: ReferralPointsSource },
    private readonly opts: ReferralOptions,
  ) {
    deps.customers.registerMergeParticipant({
      name: 'loyalty.referrals',
      moveRecords: (tx, fromId, toId) => this.moveRecords(tx, fromId, toId),
      restoreRecords: (tx, ids, toId) => this.restoreRecords(tx, ids, toId),
    });
  }

  /**
   * A merge gives the survivor the referrals the absorbed profile made, and the one it was
   * referred by unless the survivor was referred too (a person is referred once: that one stays
   * on the absorbed profile and is no longer looked at).
   */
  private async moveRecords(tx: Db, fromId: string, toId: string): Promise<string[]> {
    const made = await query<{ id: string }>(
      tx,
      sql`update loyalty.referrals set referrer_id = ${toId} where referrer_id = ${fromId} returning id`,
    );
    const received = await query<{ id: string }>(
      tx,
      sql`update loyalty.referrals set referee_id = ${toId}
          where referee_id = ${fromId}
            and (status = 'rejected' or not exists (select 1 from loyalty.referrals s where s.referee_id = ${toId} and s.status <> 'rejected'))
          returning id`,
    );
    return [...made.map((r) => `r:${r.id}`), ...received.map((r) => `e:${r.id}`)];
  }

  private async restoreRecords(tx: Db, ids: string[], toId: string): Promise<void> {
    const of = (p: string) => ids.filter((i) => i.startsWith(p)).map((i) => i.slice(2));
    if (of('r:').length > 0) {
      await tx.execute(sql`update loyalty.referrals set referrer_id = ${toId} where id = any(${sql.param(of('r:'))}::uuid[])`);
    }
    if (of('e:').length > 0) {
      await tx.execute(sql`update loyalty.referrals set referee_id = ${toId} where id = any(${sql.param(of('e:'))}::uuid[])`);
    }
  }

  /** The member's code (made on first ask) and link; a merged-away id answers with the survivor's. */
  async referralCode(customerId: string): Promise<{ customerId: string; code: string; link: string }> {
    const live = await this.liveId(customerId);
    const code = await this.db.transaction(async (tx) => {
      await tx.execute(sql`insert into loyalty.accounts (customer_id) values (${live}) on conflict (customer_id) do nothing`);
      const row = await queryOne<{ referral_code: string | null }>(
        tx,
        sql`select referral_code from loyalty.accounts where customer_id = ${live} for update`,
      );
      if (row?.referral_code) return row.referral_code;
      for (let attempt = 1; ; attempt++) {
        const candidate = newReferralCode();
        try {
          // A savepoint: a code someone already holds fails this statement only. The key table
          // loyalty.referral_codes (code → customer) is what keeps a code one member's (ADR 0014).
          await tx.transaction(async (sp) => {
            await sp.execute(sql`insert into loyalty.referral_codes (code, customer_id) values (${candidate}, ${live})`);
            await sp.execute(sql`update loyalty.accounts set referral_code = ${candidate}, updated_at = now() where customer_id = ${live}`);
          });
          return candidate;
        } catch (err) {
          if (attempt >= CODE_ATTEMPTS || pgCode(err) !== '23505') throw err;
        }
      }
    });
    return { customerId: live, code, link: referralLink(this.opts.referralUrl, code) };
  }

  /**
   * Record that `referee` was referred by the holder of `code`. A refused referral is recorded
   * (status rejected, with the reason) and returned, not thrown, so the record survives.
   */
  async recordReferral(input: ReferralInput): Promise<ReferralOutcome> {
    const issues = validateCustomerRef(input.referee, this.opts.defaultRegion, 'referee');
    const referredAt = input.referredAt === undefined ? new Date() : parseInstant(input.referredAt, this.opts.timeZone);
    if (!referredAt) issues.push({ path: 'referredAt', message: 'not a valid date or date-time' });
    // A referral dated ahead would make every purchase until then "before the referral".
    else if (referredAt.getTime() > Date.now() + FUTURE_SKEW_MS) issues.push({ path: 'referredAt', message: 'must not be in the future' });
    if (issues.length > 0) throw invalid('validation_failed', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    const code = normaliseReferralCode(input.code);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((tx) => this.record(tx, { ...input, code }, referredAt!));
      } catch (err) {
        // Two referrals of one new person at once: the unique index stops the second; run it
        // again and it sees the first.
        if (attempt >= 3 || !RETRYABLE.has(pgCode(err) ?? '')) throw err;
      }
    }
  }

  private async record(tx: Db, input: ReferralInput, referredAt: Date): Promise<ReferralOutcome> {
    const holder = await queryOne<{ customer_id: string }>(
      tx,
      sql`select customer_id from loyalty.referral_codes where code = ${input.code}`,
    );
    if (!holder) throw notFound('loyalty.referral_code_not_found', `No member has the referral code ${input.code}`);
    const referrerId = (await this.deps.customers.liveCustomerIds([holder.customer_id], tx)).get(holder.customer_id) ?? holder.customer_id;
    // One referral of this referrer at a time: the cap below counts what is committed.
    await tx.execute(sql`insert into loyalty.accounts (customer_id) values (${referrerId}) on conflict (customer_id) do nothing`);
    await tx.execute(sql`select 1 from loyalty.accounts where customer_id = ${referrerId} for update`);

    const base = { code: input.code, referrerId, referredAt, channel: input.channel ?? null };

    // Before resolving the referee (which could attach the referrer's identifiers to a new
    // profile, or merge the two): does the referee's record name anything the referrer holds?
    const holders = await this.deps.customers.identifierHolders(input.referee, tx);
    const shared = holders.filter((h) => h.customerId === referrerId).map((h) => h.type);
    if (shared.length > 0) {
      const other = input.referee.id ?? holders.find((h) => h.customerId !== referrerId)?.customerId;
      const refereeId = other ? ((await this.deps.customers.liveCustomerIds([other], tx)).get(other) ?? referrerId) : referrerId;
      return this.reject(tx, { ...base, refereeId }, 'self_referral', { sharedIdentifiers: [...new Set(shared)].sort() });
    }

    const [resolved] = await this.deps.customers.resolveCustomers(tx, [input.referee], { source: 'loyalty:referral' }).catch((e: unknown) => {
      throw asRefereeError(e);
    });
    const refereeId = resolved!.customerId!;
    if (refereeId === referrerId) return this.reject(tx, { ...base, refereeId }, 'self_referral', { sharedIdentifiers: ['id'] });

    const existing = await query<ReferralRow>(
      tx,
      sql`select * from loyalty.referrals where referee_id = ${refereeId} and status <> 'rejected' for update`,
    );
    if (existing[0]) {
      if (existing[0].referrer_id === referrerId) return { status: 'unchanged', referral: view(existing[0]) };
      return this.reject(tx, { ...base, refereeId }, 'already_referred', { referralId: existing[0].id });
    }

    const bought = await queryOne<{ id: string; placed_at: string | Date }>(
      tx,
      sql`select id, placed_at from orders.order_facts
          where customer_id = ${refereeId} and status <> 'cancelled' and placed_at < ${referredAt.toISOString()}::timestamptz
          order by placed_at limit 1`,
    );
    if (bought) return this.reject(tx, { ...base, refereeId }, 'not_new_customer', { firstOrderAt: new Date(bought.placed_at).toISOString() });

    const counted = await queryOne<{ n: number | string }>(
      tx,
      sql`select count(*) as n from loyalty.referrals where referrer_id = ${referrerId} and status in ('pending', 'rewarded')`,
    );
    if (Number(counted!.n) >= this.opts.cap) return this.reject(tx, { ...base, refereeId }, 'referrer_cap_reached', { cap: this.opts.cap });

    const row = await this.insert(tx, { ...base, refereeId }, 'pending', null);
    // A purchase already made since referredAt (a referral recorded late) rewards now.
    await this.rewardFirstPurchases(tx, [refereeId]);
    const [now] = await query<ReferralRow>(tx, sql`select * from loyalty.referrals where referee_id = ${refereeId} and id = ${row.id}`);
    return { status: 'created', referral: view(now!) };
  }

  private async reject(
    tx: Db,
    r: { code: string; referrerId: string; refereeId: string; referredAt: Date; channel: string | null },
    reason: RejectionReason,
    detail: Record<string, unknown>,
  ): Promise<ReferralOutcome> {
    const row = await this.insert(tx, r, 'rejected', reason);
    return { status: 'rejected', reason, referral: view(row), detail };
  }

  private async insert(
    tx: Db,
    r: { code: string; referrerId: string; refereeId: string; referredAt: Date; channel: string | null },
    status: 'pending' | 'rejected',
    reason: string | null,
  ): Promise<ReferralRow> {
    const [row] = await query<ReferralRow>(
      tx,
      sql`insert into loyalty.referrals (referee_id, id, referrer_id, code, status, reason, channel, created_at, settled_at)
          values (${r.refereeId}, ${newId()}, ${r.referrerId}, ${r.code}, ${status}, ${reason}, ${r.channel},
                  ${r.referredAt.toISOString()}::timestamptz, ${status === 'rejected' ? sql`now()` : null})
          returning *`,
    );
    return row!;
  }

  /**
   * Settle every pending referral (in chunks of 1,000 referees, a transaction each). The order
   * subscriber settles referrals as purchases arrive; this catches the one race it cannot see —
   * a purchase delivered while the referral naming its buyer was still being recorded — and
   * referrals whose referee's orders moved (merges). Returns how many were rewarded.
   */
  async settlePendingReferrals(): Promise<{ rewarded: number }> {
    let rewarded = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await query<{ referee_id: string }>(
        this.db,
        sql`select distinct referee_id from loyalty.referrals where status = 'pending' and referee_id > ${after}::uuid
            order by referee_id limit 1000`,
      );
      if (page.length === 0) return { rewarded };
      rewarded += await this.db.transaction((tx) => this.rewardFirstPurchases(tx, page.map((p) => p.referee_id)));
      after = page.at(-1)!.referee_id;
    }
  }

  /** Referrals a member made (as referrer), newest first; a merged-away id lists the survivor's. */
  async listReferrals(customerId: string): Promise<Referral[]> {
    const live = await this.liveId(customerId);
    const rows = await query<ReferralRow>(
      this.db,
      sql`select * from loyalty.referrals where referrer_id = ${live} order by created_at desc, id desc`,
    );
    return rows.map(view);
  }

  /** For `orders.batch.imported`: the customers of these orders, then as rewardFirstPurchases. */
  async rewardFirstPurchasesOfOrders(tx: Db, orderIds: string[]): Promise<number> {
    if (orderIds.length === 0) return 0;
    const rows = await query<{ customer_id: string }>(
      tx,
      sql`select distinct customer_id from orders.order_facts where id = any(${sql.param(orderIds)}::uuid[]) and not guest`,
    );
    return this.rewardFirstPurchases(tx, rows.map((r) => r.customer_id));
  }

  /**
   * Settle the pending referrals of these referees, in the caller's transaction: a non-cancelled
   * order placed before the referral means the referee was not new (rejected); otherwise the
   * earliest order since the referral paying at least the minimum (net of refunds) rewards both
   * sides once. Returns how many referrals were rewarded.
   */
  async rewardFirstPurchases(tx: Db, customerIds: string[]): Promise<number> {
    const given = [...new Set(customerIds)];
    if (given.length === 0) return 0;
    // Most order batches settle nothing: no referral is waiting at all, so skip resolving and reading.
    const [waiting] = await query<{ any: boolean }>(tx, sql`select exists (select 1 from loyalty.referrals where status = 'pending') as any`);
    if (!waiting?.any) return 0;
    const live = await this.deps.customers.liveCustomerIds(given, tx);
    const ids = [...new Set([...given, ...live.values()])];
    const due = await query<{
      id: string;
      referee_id: string;
      referrer_id: string;
      not_new: boolean;
      order_id: string | null;
      placed_at: string | Date | null;
      net_fen: number | string | null;
    }>(
      tx,
      sql`select r.id, r.referee_id, r.referrer_id,
                 exists (select 1 from orders.order_facts p
                         where p.customer_id = r.referee_id and p.status <> 'cancelled' and p.placed_at < r.created_at) as not_new,
                 q.id as order_id, q.placed_at, q.net_fen
          from loyalty.referrals r
          left join lateral (
            select o.id, o.placed_at, o.paid_fen - o.refunded_fen as net_fen
            from orders.order_facts o
            where o.customer_id = r.referee_id and o.status <> 'cancelled' and o.placed_at >= r.created_at
              and o.paid_fen - o.refunded_fen >= ${this.opts.minPaidFen}
            order by o.placed_at, o.id limit 1
          ) q on true
          where r.status = 'pending' and r.referee_id = any(${sql.param(ids)}::uuid[])
          order by r.referee_id, r.id
          for update of r`,
    );
    let rewarded = 0;
    for (const r of due) {
      if (r.not_new) {
        await tx.execute(
          sql`update loyalty.referrals set status = 'rejected', reason = 'not_new_customer', settled_at = now()
              where referee_id = ${r.referee_id} and id = ${r.id}`,
        );
        continue;
      }
      if (!r.order_id || !r.placed_at) continue;
      await this.reward(tx, { ...r, order_id: r.order_id, placed_at: new Date(r.placed_at), net_fen: Number(r.net_fen) });
      rewarded++;
    }
    return rewarded;
  }

  private async reward(
    tx: Db,
    r: { id: string; referee_id: string; referrer_id: string; order_id: string; placed_at: Date; net_fen: number },
  ): Promise<void> {
    const live = await this.deps.customers.liveCustomerIds([r.referrer_id, r.referee_id], tx);
    const referrerId = live.get(r.referrer_id) ?? r.referrer_id;
    const refereeId = live.get(r.referee_id) ?? r.referee_id;
    const rules = await this.deps.program.rulesAt(tx, r.placed_at);
    const sides = [
      { role: 'referrer' as const, customerId: referrerId, points: rules.eventPoints.referral_referrer, other: refereeId },
      { role: 'referee' as const, customerId: refereeId, points: rules.eventPoints.referral_referee, other: referrerId },
    ];
    for (const side of sides) {
      let entryId: string | null = null;
      if (side.points > 0) {
        const entry = await this.deps.ledger.award(tx, {
          customerId: side.customerId,
          points: side.points,
          sourceType: 'referral',
          sourceId: r.id,
          idempotencyKey: `referral:${r.id}:${side.role}`,
          reason: side.role === 'referrer' ? 'referred a new customer' : 'first purchase after being referred',
          actor: REFERRAL_ACTOR,
          occurredAt: r.placed_at,
          detail: { referralId: r.id, role: side.role, orderId: r.order_id, ruleVersion: rules.version },
        });
        entryId = entry?.entryId ?? null;
      }
      await this.deps.customers.addTimelineItem(tx, {
        customerId: side.customerId,
        occurredAt: r.placed_at,
        kind: 'loyalty.referral_rewarded',
        refId: r.id,
        summary: { role: side.role, points: side.points, orderId: r.order_id, otherCustomerId: side.other, entryId },
      });
    }
    await tx.execute(
      sql`update loyalty.referrals set status = 'rewarded', order_id = ${r.order_id}, settled_at = now()
          where referee_id = ${r.referee_id} and id = ${r.id}`,
    );
    await publish<ReferralRewarded>(tx, REFERRAL_REWARDED, {
      referralId: r.id,
      referrerId,
      refereeId,
      orderId: r.order_id,
      referrerPoints: rules.eventPoints.referral_referrer,
      refereePoints: rules.eventPoints.referral_referee,
      rewardedAt: r.placed_at.toISOString(),
    });
  }

  private async liveId(id: string): Promise<string> {
    const live = (await this.deps.customers.liveCustomerIds([id])).get(id);
    if (!live) throw notFound('customers.not_found', `No customer with id ${id}`);
    return live;
  }
}

function view(r: ReferralRow): Referral {
  return {
    id: r.id,
    referrerId: r.referrer_id,
    refereeId: r.referee_id,
    code: r.code,
    status: r.status,
    reason: r.reason,
    orderId: r.order_id,
    channel: r.channel,
    createdAt: new Date(r.created_at),
    settledAt: r.settled_at === null ? null : new Date(r.settled_at),
  };
}

/** Customers names the ref `customer` (`customer.id`); here it is the body's `referee`. */
function asRefereeError(e: unknown): unknown {
  if (!(e instanceof AppError) || e.kind !== 'validation') return e;
  const issues = ((e.details as { issues?: FieldIssue[] } | undefined)?.issues ?? []).map((i) => ({
    ...i,
    path: i.path.replace(/^customer(?=\.|$)/, 'referee'),
  }));
  return invalid(e.code, issues[0] ? `${issues[0].path}: ${issues[0].message}` : e.message, issues);
}
