import { sql, type SQL } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { moveCustomerRows } from '../../platform/db/move-rows.js';
import { notFound } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import type { CustomersService } from '../customers/index.js';
import { BadgeRule, periodOf, periodPattern, periodsToAward, type BadgeInput } from './domain/badges.js';
import type { PointsLedger } from './referrals.service.js';

export const BADGE_ACTOR = 'system:badges';
export const BADGE_AWARDED = 'loyalty.badge.awarded';

export interface Badge {
  code: string;
  name: string;
  description: string | null;
  rule: BadgeRule;
  points: number;
  repeatable: boolean;
  active: boolean;
  createdAt: Date;
}

/** Payload of `loyalty.badge.awarded`. */
export interface BadgeAwarded {
  customerId: string;
  badgeCode: string;
  period: string;
  points: number;
  awardedAt: string;
}

export interface EarnedBadge {
  code: string;
  name: string;
  period: string;
  progress: number;
  points: number;
  awardedAt: Date;
}

export interface BadgeProgress {
  code: string;
  name: string;
  /** The period counted: the current month or year at `at`, or 'ever'. */
  period: string;
  count: number;
  target: number;
  points: number;
}

interface BadgeRow {
  code: string;
  name: string;
  description: string | null;
  rule: BadgeRule;
  points: number;
  repeatable: boolean;
  active: boolean;
  created_at: string | Date;
}

/**
 * Badges and challenges: rules over activity events or orders in a calendar month or year of the
 * business time zone (or ever). Evaluation is set-based over the published views
 * (activity.event_facts, orders.order_facts, orders.line_facts), so a redelivered event, a
 * replayed order or a second run finds the badge already in badge_awards and awards nothing.
 */
export class BadgesService {
  constructor(
    private readonly db: Db,
    private readonly deps: { customers: CustomersService; ledger: PointsLedger },
    private readonly opts: { timeZone: string },
  ) {
    deps.customers.registerMergeParticipant({
      name: 'loyalty.badges',
      moveRecords: (tx, fromId, toId) => this.moveRecords(tx, fromId, toId),
      restoreRecords: (tx, ids, toId) => this.restoreRecords(tx, ids, toId),
    });
  }

  /** A merge gives the survivor the absorbed profile's awards, except a badge and period it holds itself. */
  private async moveRecords(tx: Db, fromId: string, toId: string): Promise<string[]> {
    // The survivor's awards first, then a move that names them as values: a statement on one customer's rows must not
    // read another customer's (on Citus they are on another shard).
    const held = await query<{ badge_code: string; period: string }>(tx, sql`select badge_code, period from loyalty.badge_awards where customer_id = ${toId}`);
    const moved = await moveCustomerRows<{ badge_code: string; period: string }>(tx, 'loyalty.badge_awards', fromId, toId, {
      where: sql`not exists (select 1 from unnest(${sql.param(held.map((h) => h.badge_code))}::text[], ${sql.param(held.map((h) => h.period))}::text[]) as s(code, period)
                             where s.code = t.badge_code and s.period = t.period)`,
      returning: ['badge_code', 'period'],
    });
    // The award's key after the move: (survivor, badge, period).
    return moved.map((m) => JSON.stringify([toId, m.badge_code, m.period]));
  }

  private async restoreRecords(tx: Db, ids: string[], toId: string): Promise<void> {
    if (ids.length === 0) return;
    const keys = ids.map((i) => JSON.parse(i) as [string, string, string]);
    // Each award moves back from the holder its key names (the survivor at merge time).
    const byHolder = new Map<string, Array<[string, string]>>();
    for (const [holder, code, period] of keys) byHolder.set(holder, [...(byHolder.get(holder) ?? []), [code, period]]);
    for (const [holder, awards] of byHolder) {
      if (holder === toId) continue; // already there (an update would have changed nothing)
      await moveCustomerRows(tx, 'loyalty.badge_awards', holder, toId, {
        where: sql`exists (select 1 from unnest(${sql.param(awards.map((a) => a[0]))}::text[], ${sql.param(awards.map((a) => a[1]))}::text[]) as k(code, period)
                           where k.code = t.badge_code and k.period = t.period)`,
      });
    }
  }

  /** Create a badge, or replace the definition of the one with this code (earned awards stay). */
  async defineBadge(input: BadgeInput): Promise<{ badge: Badge; created: boolean }> {
    const [row] = await query<BadgeRow & { inserted: boolean }>(
      this.db,
      sql`insert into loyalty.badges as b (code, name, description, rule, points, repeatable, active)
          values (${input.code}, ${input.name}, ${input.description ?? null}, ${JSON.stringify(input.rule)}::jsonb,
                  ${input.points}, ${input.repeatable}, ${input.active})
          on conflict (code) do update set name = excluded.name, description = excluded.description, rule = excluded.rule,
            points = excluded.points, repeatable = excluded.repeatable, active = excluded.active
          returning b.*, (b.xmax = 0) as inserted`,
    );
    return { badge: badgeView(row!), created: row!.inserted };
  }

  async listBadges(): Promise<Badge[]> {
    const rows = await query<BadgeRow>(this.db, sql`select * from loyalty.badges order by code collate "C"`);
    return rows.map(badgeView);
  }

  /**
   * Award every badge whose rule these customers (all customers when omitted) meet and have not
   * been awarded for that period; in its own transaction. Returns how many awards were made.
   */
  async evaluateBadges(customerIds?: string[]): Promise<{ awarded: number }> {
    const awarded = await this.db.transaction((tx) => this.evaluate(tx, customerIds));
    return { awarded };
  }

  /**
   * The set-based evaluation, in the caller's transaction (event subscribers). `only` narrows the
   * badges looked at: one source, and for activity the event types just recorded.
   */
  async evaluate(tx: Db, customerIds: string[] | undefined, only?: { source: BadgeRule['source']; eventTypes?: string[] }): Promise<number> {
    if (customerIds && customerIds.length === 0) return 0;
    const badges = (await this.listActive(tx)).filter(
      (b) =>
        !only ||
        (b.rule.source === only.source && (!only.eventTypes || b.rule.source !== 'activity' || only.eventTypes.includes(b.rule.eventType!))),
    );
    // No badge counts what just happened (the common case for an order feed): nothing to resolve or read.
    if (badges.length === 0) return 0;
    const ids = customerIds ? await this.withLiveIds(tx, customerIds) : undefined;
    let awarded = 0;
    for (const badge of badges) awarded += await this.evaluateBadge(tx, badge, ids);
    return awarded;
  }

  /** For `orders.batch.imported`: order badges of these orders' customers. */
  async evaluateOrders(tx: Db, orderIds: string[]): Promise<number> {
    if (orderIds.length === 0) return 0;
    const rows = await query<{ customer_id: string }>(
      tx,
      sql`select distinct customer_id from orders.order_facts where id = any(${sql.param(orderIds)}::uuid[]) and not guest`,
    );
    return this.evaluate(tx, rows.map((r) => r.customer_id), { source: 'orders' });
  }

  private async evaluateBadge(tx: Db, badge: Badge, ids: string[] | undefined): Promise<number> {
    const period = this.periodSql(badge.rule);
    // The instant each customer reached the count in each period: the count-th item, in time order.
    const reached = await query<{ customer_id: string; period: string; at: string | Date }>(
      tx,
      sql`select customer_id, period, at from (
            select x.customer_id, x.at, ${period} as period,
                   row_number() over (partition by x.customer_id, ${period} order by x.at, x.id) as n
            from (${this.itemsSql(badge.rule, ids)}) x
          ) w
          where n = ${badge.rule.count}
          order by customer_id, period`,
    );
    if (reached.length === 0) return 0;
    const customers = [...new Set(reached.map((r) => r.customer_id))].sort();
    // Awards are decided per customer under the account's lock, so two evaluations at once
    // (two outbox workers) cannot both award a one-off badge for different periods.
    await tx.execute(
      sql`insert into loyalty.accounts (customer_id) select unnest(${sql.param(customers)}::uuid[]) on conflict (customer_id) do nothing`,
    );
    await tx.execute(
      sql`select 1 from loyalty.accounts where customer_id = any(${sql.param(customers)}::uuid[]) order by customer_id for update`,
    );
    const earned = await query<{ customer_id: string; period: string }>(
      tx,
      sql`select customer_id, period from loyalty.badge_awards
          where badge_code = ${badge.code} and customer_id = any(${sql.param(customers)}::uuid[])`,
    );
    const earnedBy = groupBy(earned, (e) => e.customer_id);
    const reachedBy = groupBy(reached, (r) => r.customer_id);
    let awarded = 0;
    for (const customerId of customers) {
      const mine = reachedBy.get(customerId)!;
      const periods = periodsToAward(
        mine.map((r) => r.period),
        (earnedBy.get(customerId) ?? []).map((e) => e.period),
        badge.repeatable,
      );
      for (const p of periods) {
        const at = new Date(mine.find((r) => r.period === p)!.at);
        if (await this.award(tx, badge, customerId, p, at)) awarded++;
      }
    }
    return awarded;
  }

  private async award(tx: Db, badge: Badge, customerId: string, period: string, at: Date): Promise<boolean> {
    const inserted = await query<{ customer_id: string }>(
      tx,
      sql`insert into loyalty.badge_awards (customer_id, badge_code, period, progress, detail, awarded_at)
          values (${customerId}, ${badge.code}, ${period}, ${badge.rule.count}, ${JSON.stringify({ rule: badge.rule })}::jsonb,
                  ${at.toISOString()}::timestamptz)
          on conflict do nothing
          returning customer_id`,
    );
    if (inserted.length === 0) return false;
    let entryId: string | null = null;
    if (badge.points > 0) {
      const entry = await this.deps.ledger.award(tx, {
        customerId,
        points: badge.points,
        sourceType: 'badge',
        sourceId: badge.code,
        idempotencyKey: `badge:${badge.code}:${customerId}:${period}`,
        reason: `badge ${badge.name}`,
        actor: BADGE_ACTOR,
        occurredAt: at,
        detail: { badgeCode: badge.code, period },
      });
      entryId = entry?.entryId ?? null;
      if (entryId) {
        await tx.execute(
          sql`update loyalty.badge_awards set entry_id = ${entryId}
              where customer_id = ${customerId} and badge_code = ${badge.code} and period = ${period}`,
        );
      }
    }
    await this.deps.customers.addTimelineItem(tx, {
      customerId,
      occurredAt: at,
      kind: 'loyalty.badge_earned',
      refId: badge.code,
      summary: { badgeCode: badge.code, name: badge.name, period, points: badge.points, entryId },
    });
    await publish<BadgeAwarded>(tx, BADGE_AWARDED, {
      customerId,
      badgeCode: badge.code,
      period,
      points: badge.points,
      awardedAt: at.toISOString(),
    });
    return true;
  }

  /** Badges earned, and for every other active badge the count so far in the period in force at `at`. */
  async memberBadges(customerId: string, at: Date = new Date()): Promise<{ customerId: string; earned: EarnedBadge[]; progress: BadgeProgress[] }> {
    const live = (await this.deps.customers.liveCustomerIds([customerId])).get(customerId);
    if (!live) throw notFound('customers.not_found', `No customer with id ${customerId}`);
    const earnedRows = await query<{
      code: string;
      name: string;
      period: string;
      progress: number | string;
      points: number;
      awarded_at: string | Date;
    }>(
      this.db,
      sql`select a.badge_code as code, b.name, a.period, a.progress, b.points, a.awarded_at
          from loyalty.badge_awards a join loyalty.badges b on b.code = a.badge_code
          where a.customer_id = ${live}
          order by a.awarded_at, a.badge_code collate "C", a.period collate "C"`,
    );
    const earned = earnedRows.map((r) => ({
      code: r.code,
      name: r.name,
      period: r.period,
      progress: Number(r.progress),
      points: r.points,
      awardedAt: new Date(r.awarded_at),
    }));
    const progress: BadgeProgress[] = [];
    for (const badge of await this.listActive(this.db)) {
      const period = periodOf(at, badge.rule.period, this.opts.timeZone);
      const done = earned.some((e) => e.code === badge.code && (!badge.repeatable || e.period === period));
      if (done) continue;
      const row = await queryOne<{ n: number | string }>(
        this.db,
        sql`select count(*) as n from (${this.itemsSql(badge.rule, [live])}) x
            where ${this.periodSql(badge.rule)} = ${period} and x.at <= ${at.toISOString()}::timestamptz`,
      );
      progress.push({ code: badge.code, name: badge.name, period, count: Number(row!.n), target: badge.rule.count, points: badge.points });
    }
    return { customerId: live, earned, progress };
  }

  private async listActive(db: Db): Promise<Badge[]> {
    const rows = await query<BadgeRow>(db, sql`select * from loyalty.badges where active order by code collate "C"`);
    return rows.map(badgeView);
  }

  /** What a rule counts, as rows (customer_id, id, at), from the other modules' published views. */
  private itemsSql(rule: BadgeRule, ids: string[] | undefined): SQL {
    const who = ids ? sql` and customer_id = any(${sql.param(ids)}::uuid[])` : sql``;
    const store = rule.filter?.storeCode ? sql` and store_code = ${rule.filter.storeCode}` : sql``;
    if (rule.source === 'activity') {
      return sql`select e.customer_id, e.id, e.occurred_at as at from activity.event_facts e
                 where e.customer_id is not null and e.type = ${rule.eventType!}${who}${store}`;
    }
    const category = rule.filter?.category
      ? sql` and exists (select 1 from orders.line_facts l where l.order_id = o.id and ${rule.filter.category} = any(l.category_path))`
      : sql``;
    return sql`select o.customer_id, o.id, o.placed_at as at from orders.order_facts o
               where not o.guest and o.status <> 'cancelled'${who}${store}${category}`;
  }

  /** The period key of `x.at` in the business time zone, as periodOf computes it. */
  private periodSql(rule: BadgeRule): SQL {
    const pattern = periodPattern(rule.period);
    return pattern ? sql`to_char(x.at at time zone ${this.opts.timeZone}, ${pattern})` : sql`'ever'`;
  }

  private async withLiveIds(tx: Db, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    const live = await this.deps.customers.liveCustomerIds(unique, tx);
    return [...new Set([...unique, ...live.values()])];
  }
}

function badgeView(r: BadgeRow): Badge {
  return {
    code: r.code,
    name: r.name,
    description: r.description,
    rule: r.rule,
    points: r.points,
    repeatable: r.repeatable,
    active: r.active,
    createdAt: new Date(r.created_at),
  };
}

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
