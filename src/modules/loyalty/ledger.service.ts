import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { parseInstant, systemClock, type Clock } from '../../platform/clock.js';
import { pgCode, query, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { publishMany } from '../../platform/events/event-bus.js';
import { pgArray } from '../../platform/db/arrays.js';
import { moveCustomerRows, moveRowsTo } from '../../platform/db/move-rows.js';
import { newId } from '../../platform/ids.js';
import type { CustomersService, MergeParticipant, TimelineSource } from '../customers/index.js';
import { computeEarn, type EarnLine } from './domain/earn.js';
import { expiryOf, pointsToFen, pointsToFenCeil, type Expiry, type ProgramRules } from './domain/program.js';
import { pickRules, type ProgramService, type VersionedRules } from './program.service.js';

export const POINTS_EARNED = 'loyalty.points.earned';
export const POINTS_REDEEMED = 'loyalty.points.redeemed';
export const POINTS_EXPIRED = 'loyalty.points.expired';
export const POINTS_REVERSED = 'loyalty.points.reversed';
export const POINTS_ADJUSTED = 'loyalty.points.adjusted';

/** Payload of every loyalty.points.* event. */
export interface PointsEvent {
  customerId: string;
  entryId: string;
  kind: EntryKind;
  /** Change of the available balance. */
  points: number;
  /** Change of the pending balance. */
  pendingPoints: number;
  sourceType: string;
  sourceId: string | null;
  occurredAt: string;
}

/**
 * The payload of every loyalty.points.* event: the entries one write made, of that event's kind, up to
 * EVENT_ENTRIES per event. One event per batch rather than per entry: a 10,000-order feed otherwise adds
 * 10,000 outbox rows (a third of accrual's cost) that subscribers would read one by one anyway.
 */
export interface PointsEvents {
  entries: PointsEvent[];
}
const EVENT_ENTRIES = 1000;

export type EntryKind = 'earn' | 'release' | 'redeem' | 'expire' | 'reverse' | 'adjust';

const EVENT_OF: Partial<Record<EntryKind, string>> = {
  earn: POINTS_EARNED,
  redeem: POINTS_REDEEMED,
  expire: POINTS_EXPIRED,
  reverse: POINTS_REVERSED,
  adjust: POINTS_ADJUSTED,
};
const TIMELINE_OF: Partial<Record<EntryKind, string>> = {
  earn: 'loyalty.points_earned',
  redeem: 'loyalty.points_redeemed',
  expire: 'loyalty.points_expired',
};

/** An entry about to be written, with the lot it opens (earn, positive adjust) and the lots it draws from. */
interface NewEntry {
  customerId: string;
  id: string;
  kind: EntryKind;
  points: number;
  pendingPoints: number;
  sourceType: string;
  sourceId: string | null;
  idempotencyKey: string;
  ruleVersion: number | null;
  relatesTo: string | null;
  reason: string | null;
  actor: string;
  detail: Record<string, unknown>;
  occurredAt: Date;
  lot?: { id: string; points: number; availableAt: Date; expiresAt: Date | null };
  /** Positive: taken from the lot; negative: put back into it. */
  draws?: Array<{ lotId: string; points: number }>;
  /** Counted in lifetime_earned. */
  earned?: number;
  heldDelta?: number;
}

export interface Account {
  customerId: string;
  available: number;
  pending: number;
  held: number;
  lifetimeEarned: number;
}

export interface StatementEntry {
  id: string;
  kind: EntryKind;
  points: number;
  pendingPoints: number;
  sourceType: string;
  sourceId: string | null;
  reason: string | null;
  ruleVersion: number | null;
  actor: string;
  detail: Record<string, unknown>;
  occurredAt: Date;
  /** Available balance after this entry (entries in statement order: occurredAt, then creation). */
  balance: number;
  pendingBalance: number;
}

export interface ExpireSummary {
  asOf: Date;
  dryRun: boolean;
  members: number;
  lots: number;
  points: number;
  pendingPoints: number;
}

interface LotRow {
  id: string;
  entry_id: string;
  remaining: number | string;
  released: boolean;
}

type Deps = { customers: CustomersService; program: ProgramService; timeZone: string; clock?: Clock };

const DAY = 86_400_000;
const json = (v: unknown) => sql`${JSON.stringify(v)}::json`;
const uuids = (ids: readonly string[]) => pgArray(ids, 'uuid');
/** A lot is spendable (its points are in `available`) when it was born available or its release entry exists. */
const RELEASED = sql.raw(
  `(l.available_at <= l.created_at or exists (select 1 from loyalty.ledger_entries r where r.customer_id = l.customer_id and r.idempotency_key = 'release:' || l.id::text))`,
);

/**
 * Idempotency keys are unique per customer (docs/adr/0014-citus-distribution.md). Before rows `moving` (a condition on
 * alias `m`) go to customer `toId` (a merge, or its undo), a moving row whose key `toId` already used gets the key
 * `<key>:from:<its customer>`, so both histories are kept and `toId`'s own entry stays the one a replay finds.
 */
export async function renameClashingKeys(tx: Db, table: 'ledger_entries' | 'holds' | 'growth_entries', moving: SQL, toId: string): Promise<void> {
  const t = sql.raw(`loyalty.${table}`);
  // In three statements, none reading two customers' rows at once (on Citus they are on different shards): the moving
  // rows' keys, those of them the receiver holds, and the rename of exactly those.
  const keys = await query<{ k: string }>(tx, sql`select distinct m.idempotency_key as k from ${t} m where ${moving} and m.customer_id <> ${toId}`);
  if (keys.length === 0) return;
  const clashing = await query<{ k: string }>(
    tx,
    sql`select s.idempotency_key as k from ${t} s where s.customer_id = ${toId} and s.idempotency_key = any(${sql.param(keys.map((r) => r.k))}::text[])`,
  );
  if (clashing.length === 0) return;
  await tx.execute(
    sql`update ${t} m set idempotency_key = m.idempotency_key || ':from:' || m.customer_id::text
        where ${moving} and m.customer_id <> ${toId} and m.idempotency_key = any(${sql.param(clashing.map((r) => r.k))}::text[])`,
  );
}

/**
 * The points ledger. Every change appends entries and moves lots and the account's cached
 * balances in one transaction with the account row locked (`insert … on conflict do nothing`, then
 * `select … for update`), so concurrent redemptions for one member queue instead of overspending,
 * and available = sum(entries.points), pending = sum(entries.pending_points) always.
 * See docs/adr/0010-points-ledger.md.
 */
export class LedgerService {
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    private readonly deps: Deps,
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /**
   * Registered once by the composition root: earn, redeem and expire entries on the customer 360
   * timeline (items loyalty.points_earned / _redeemed / _expired, summary {points, pending, sourceType,
   * sourceId}), read from the ledger when the timeline is read rather than copied per entry.
   */
  timelineSource(): TimelineSource {
    const kinds = Object.keys(TIMELINE_OF);
    const itemKind = sql.raw(
      `case e.kind ${Object.entries(TIMELINE_OF)
        .map(([k, v]) => `when '${k}' then '${v}'`)
        .join(' ')} end`,
    );
    return {
      name: 'loyalty-points',
      rows: (customerId, before, limit) =>
        sql`select e.id, e.occurred_at as at,
                   jsonb_build_object('kind', ${itemKind}, 'ref_id', e.id::text,
                     'summary', jsonb_build_object('points', e.points + e.pending_points, 'pending', e.pending_points <> 0,
                                                   'sourceType', e.source_type, 'sourceId', e.source_id)) as item
            from loyalty.ledger_entries e
            where e.customer_id = ${customerId} and e.kind = any(${sql.param(kinds)}::text[]) ${before(sql`e.occurred_at`, sql`e.id`)}
            order by e.occurred_at desc, e.id desc limit ${limit}`,
    };
  }

  /** Registered once by the composition root: merges move entries, lots, draws and holds; unmerges move them back. */
  mergeParticipant(): MergeParticipant {
    return {
      name: 'loyalty.ledger',
      moveRecords: (tx, fromId, toId) => this.moveRecords(tx, fromId, toId),
      restoreRecords: (tx, ids, toId) => this.restoreRecords(tx, ids, toId),
    };
  }

  private midnight = (date: string): Date => parseInstant(date, this.deps.timeZone)!;

  private dateFormat: Intl.DateTimeFormat | undefined;
  private readonly dates = new Map<number, string>();

  /**
   * The business-zone date of an instant. Memoised per minute with one formatter: a 20,000-order
   * batch otherwise spends seconds building Intl formatters (platform localDate makes one per call).
   */
  businessDate(at: Date): string {
    const minute = Math.floor(at.getTime() / 60_000);
    let d = this.dates.get(minute);
    if (d === undefined) {
      this.dateFormat ??= new Intl.DateTimeFormat('en-CA', { timeZone: this.deps.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      d = this.dateFormat.format(new Date(minute * 60_000));
      if (this.dates.size >= 100_000) this.dates.clear();
      this.dates.set(minute, d);
    }
    return d;
  }

  /** When an award made at `occurredAt` under `rules` becomes available and expires. */
  lotTimes(rules: ProgramRules, occurredAt: Date, now: Date): { availableAt: Date; pending: boolean; expiresAt: Date | null } {
    const due = new Date(occurredAt.getTime() + rules.pendingDays * DAY);
    const pending = due.getTime() > now.getTime();
    return {
      // Born available: available_at <= created_at marks the lot as needing no release entry.
      availableAt: pending ? due : new Date(Math.min(due.getTime(), now.getTime())),
      pending,
      expiresAt: this.expiry(this.businessDate(occurredAt), rules.expiry),
    };
  }

  private readonly expiries = new Map<string, Date | null>();

  /** expiryOf memoised per award date and policy (a batch's orders fall on a few dozen dates). */
  private expiry(awardDate: string, expiry: Expiry): Date | null {
    const key = `${expiry.policy}|${'months' in expiry ? expiry.months : ''}|${'yearsAfter' in expiry ? expiry.yearsAfter : ''}|${awardDate}`;
    let at = this.expiries.get(key);
    if (at === undefined) {
      at = expiryOf(awardDate, expiry, this.midnight);
      if (this.expiries.size >= 10_000) this.expiries.clear();
      this.expiries.set(key, at);
    }
    return at;
  }

  // ---------------------------------------------------------------- accounts, locks, release

  /** Create missing account rows and lock them, in id order (no deadlocks between batches). */
  async lockAccounts(tx: Db, customerIds: readonly string[]): Promise<void> {
    const ids = [...new Set(customerIds)].sort();
    if (ids.length === 0) return;
    await tx.execute(
      // Only the missing ones reach the insert: ON CONFLICT costs a speculative insertion per row it skips.
      sql`insert into loyalty.accounts (customer_id)
          select k.id from unnest(${uuids(ids)}) as k(id) where not exists (select 1 from loyalty.accounts a where a.customer_id = k.id)
          order by 1 on conflict (customer_id) do nothing`,
    );
    // unnest + join, not `= any(array)`: with thousands of ids PGlite and PostgreSQL may scan the array per row.
    await tx.execute(
      sql`select a.customer_id from loyalty.accounts a join unnest(${uuids(ids)}) as k(id) on a.customer_id = k.id order by a.customer_id for update of a`,
    );
  }

  /**
   * Release pending lots whose available_at has passed: one `release` entry per lot (pending →
   * available), key `release:<lot id>`. Lazily, for the members a call touches, under their lock;
   * and for everyone by the nightly job. Set-based.
   */
  async releaseDue(tx: Db, at: Date, customerIds?: readonly string[]): Promise<number> {
    const only = customerIds ? sql`and l.customer_id = any(${uuids(customerIds)})` : sql``;
    if (!customerIds) {
      await tx.execute(
        sql`select a.customer_id from loyalty.accounts a
            where a.customer_id in (select l.customer_id from loyalty.lots l
              where l.available_at <= ${at.toISOString()}::timestamptz and l.available_at > l.created_at and l.remaining > 0)
            order by 1 for update of a`,
      );
    }
    const rows = await query<{ n: number | string }>(
      tx,
      sql`with due as materialized (
            select l.customer_id, l.id, l.entry_id, l.remaining, l.available_at from loyalty.lots l
            where l.available_at <= ${at.toISOString()}::timestamptz and l.available_at > l.created_at and l.remaining > 0 ${only}
              and not exists (select 1 from loyalty.ledger_entries r where r.customer_id = l.customer_id and r.idempotency_key = 'release:' || l.id::text)
          ), ins as (
            insert into loyalty.ledger_entries (customer_id, id, kind, points, pending_points, source_type, source_id, idempotency_key,
                                                relates_to, actor, detail, occurred_at, created_at)
            select customer_id, gen_random_uuid(), 'release', remaining, -remaining, 'lot', id::text, 'release:' || id::text,
                   entry_id, 'system:release', '{}'::jsonb, available_at, ${this.clock.now().toISOString()}::timestamptz
            from due
            returning customer_id, points
          ), acc as (
            update loyalty.accounts a set available = a.available + s.p, pending = a.pending - s.p, updated_at = now()
            from (select customer_id, sum(points) as p from ins group by customer_id) s where a.customer_id = s.customer_id
            returning 1
          )
          select count(*) as n from ins`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Lock the member, release what is due, run `fn`. */
  private async onAccount<T>(tx: Db, customerId: string, fn: () => Promise<T>): Promise<T> {
    await this.lockAccounts(tx, [customerId]);
    await this.releaseDue(tx, this.clock.now(), [customerId]);
    return fn();
  }

  async account(tx: Db, customerId: string): Promise<Account> {
    const [row] = await query<{ available: string | number; pending: string | number; held: string | number; lifetime_earned: string | number }>(
      tx,
      sql`select available, pending, held, lifetime_earned from loyalty.accounts where customer_id = ${customerId}`,
    );
    return {
      customerId,
      available: Number(row?.available ?? 0),
      pending: Number(row?.pending ?? 0),
      held: Number(row?.held ?? 0),
      lifetimeEarned: Number(row?.lifetime_earned ?? 0),
    };
  }

  // ---------------------------------------------------------------- writing entries

  /** Entries, their lots and draws, the accounts' balances and the events, in a handful of statements for any number of entries. */
  private async write(tx: Db, entries: NewEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const now = this.clock.now();
    const lots = entries.filter((e) => e.lot);
    const perAccount = new Map<string, { a: number; p: number; h: number; l: number }>();
    for (const e of entries) {
      const s = perAccount.get(e.customerId) ?? { a: 0, p: 0, h: 0, l: 0 };
      s.a += e.points;
      s.p += e.pendingPoints;
      s.h += e.heldDelta ?? 0;
      s.l += e.earned ?? 0;
      perAccount.set(e.customerId, s);
    }
    // Entries, their lots and the accounts' balances in one statement (data-modifying CTEs): a round trip and a
    // parse each fewer per batch than three statements, on the path every order takes. No ON CONFLICT: callers check
    // keys under the account lock first, so a clash means a concurrent writer got past it; the unique index refuses it
    // (the statement's lots and balances go with it) and that is answered as a conflict to retry. Without the clause
    // the insert is a quarter cheaper (no speculative insertion: 1,200 entries 32 → 25 ms). Columns travel as arrays
    // (platform/db/arrays.ts): unpacking 900 entries from JSON took 10.7 ms of the statement's 18.
    const col = <T>(f: (e: NewEntry) => T) => entries.map(f);
    const accountRows = [...perAccount];
    let written: { n: number | string } | undefined;
    try {
      [written] = await query<{ n: number | string }>(
        tx,
        sql`with ins as (
              insert into loyalty.ledger_entries (customer_id, id, kind, points, pending_points, source_type, source_id, idempotency_key,
                                                  rule_version, relates_to, reason, actor, detail, occurred_at, created_at)
              select x.*, ${now.toISOString()}::timestamptz
              from unnest(${pgArray(col((e) => e.customerId), 'uuid')}, ${pgArray(col((e) => e.id), 'uuid')}, ${pgArray(col((e) => e.kind), 'text')},
                          ${pgArray(col((e) => e.points), 'bigint')}, ${pgArray(col((e) => e.pendingPoints), 'bigint')},
                          ${pgArray(col((e) => e.sourceType), 'text')}, ${pgArray(col((e) => e.sourceId), 'text')},
                          ${pgArray(col((e) => e.idempotencyKey), 'text')}, ${pgArray(col((e) => e.ruleVersion), 'int')},
                          ${pgArray(col((e) => e.relatesTo), 'uuid')}, ${pgArray(col((e) => e.reason), 'text')}, ${pgArray(col((e) => e.actor), 'text')},
                          ${pgArray(col((e) => e.detail), 'jsonb')}, ${pgArray(col((e) => e.occurredAt), 'timestamptz')})
                as x(customer_id, id, kind, points, pending_points, source_type, source_id, idempotency_key, rule_version, relates_to, reason, actor, detail, occurred_at)
              returning 1
            ), lot as (
              insert into loyalty.lots (customer_id, id, entry_id, points, remaining, available_at, expires_at, created_at)
              select x.customer_id, x.id, x.entry_id, x.points, x.points, x.available_at, x.expires_at, ${now.toISOString()}::timestamptz
              from unnest(${pgArray(lots.map((e) => e.customerId), 'uuid')}, ${pgArray(lots.map((e) => e.lot!.id), 'uuid')}, ${pgArray(lots.map((e) => e.id), 'uuid')},
                          ${pgArray(lots.map((e) => e.lot!.points), 'bigint')}, ${pgArray(lots.map((e) => e.lot!.availableAt), 'timestamptz')},
                          ${pgArray(lots.map((e) => e.lot!.expiresAt), 'timestamptz')})
                as x(customer_id, id, entry_id, points, available_at, expires_at)
              returning 1
            ), acc as (
              update loyalty.accounts a set available = a.available + x.a, pending = a.pending + x.p, held = a.held + x.h,
                     lifetime_earned = a.lifetime_earned + x.l, updated_at = now()
              from unnest(${pgArray(accountRows.map(([id]) => id), 'uuid')}, ${pgArray(accountRows.map(([, v]) => v.a), 'bigint')},
                          ${pgArray(accountRows.map(([, v]) => v.p), 'bigint')}, ${pgArray(accountRows.map(([, v]) => v.h), 'bigint')},
                          ${pgArray(accountRows.map(([, v]) => v.l), 'bigint')}) as x(customer_id, a, p, h, l)
              where a.customer_id = x.customer_id
              returning 1
            )
            select (select count(*) from ins) as n`,
      );
    } catch (err) {
      if (pgCode(err) === '23505') throw conflict('loyalty.duplicate_entry', 'an idempotency key was used concurrently; retry');
      throw err;
    }
    if (Number(written?.n ?? 0) !== entries.length) throw conflict('loyalty.duplicate_entry', 'an idempotency key was used concurrently; retry');
    const draws = entries.flatMap((e) => (e.draws ?? []).filter((d) => d.points !== 0).map((d) => ({ customer_id: e.customerId, entry_id: e.id, lot_id: d.lotId, points: d.points })));
    if (draws.length > 0) {
      await tx.execute(
        sql`insert into loyalty.lot_draws (customer_id, entry_id, lot_id, points)
            select x.customer_id, x.entry_id, x.lot_id, x.points from json_to_recordset(${json(draws)}) as x(customer_id uuid, entry_id uuid, lot_id uuid, points bigint)`,
      );
      await tx.execute(
        sql`update loyalty.lots l set remaining = l.remaining - x.points
            from (select customer_id, lot_id, sum(points) as points from json_to_recordset(${json(draws)}) as x(customer_id uuid, entry_id uuid, lot_id uuid, points bigint)
                  group by 1, 2) x
            where l.customer_id = x.customer_id and l.id = x.lot_id`,
      );
    }
    await this.announce(tx, entries);
  }

  /** loyalty.points.* events for new entries, one per kind per 1,000 entries (the timeline reads the entries themselves: timelineSource). */
  private async announce(
    tx: Db,
    entries: Array<Pick<NewEntry, 'customerId' | 'id' | 'kind' | 'points' | 'pendingPoints' | 'sourceType' | 'sourceId' | 'occurredAt'>>,
  ): Promise<void> {
    const byKind = new Map<string, PointsEvent[]>();
    for (const e of entries) {
      const name = EVENT_OF[e.kind];
      if (!name) continue;
      const list = byKind.get(name) ?? [];
      list.push({
        customerId: e.customerId,
        entryId: e.id,
        kind: e.kind,
        points: e.points,
        pendingPoints: e.pendingPoints,
        sourceType: e.sourceType,
        sourceId: e.sourceId,
        occurredAt: e.occurredAt.toISOString(),
      });
      byKind.set(name, list);
    }
    for (const [name, list] of byKind) {
      const payloads: PointsEvents[] = [];
      for (let i = 0; i < list.length; i += EVENT_ENTRIES) payloads.push({ entries: list.slice(i, i + EVENT_ENTRIES) });
      await publishMany(tx, name, payloads);
    }
  }

  /** The entry this customer wrote with the key (keys are unique per customer: unique (customer_id, idempotency_key)). */
  private async keyUsed(tx: Db, customerId: string, key: string): Promise<string | null> {
    const [row] = await query<{ id: string }>(tx, sql`select id from loyalty.ledger_entries where customer_id = ${customerId} and idempotency_key = ${key}`);
    return row?.id ?? null;
  }

  /**
   * Spendable lots of a member to take `points` from: the lots named in `prefer` first, then the
   * oldest-expiring (never-expiring last, then oldest). Pending lots are only taken when `pending`.
   */
  private async plan(tx: Db, customerId: string, points: number, opts: { prefer?: readonly string[]; pendingToo?: boolean } = {}) {
    const prefer = opts.prefer ?? [];
    const rows = await query<LotRow & { expires_at: unknown }>(
      tx,
      sql`select l.id, l.entry_id, l.remaining, ${RELEASED} as released, l.expires_at from loyalty.lots l
          where l.customer_id = ${customerId} and l.remaining > 0
          order by (l.entry_id = any(${uuids(prefer)})) desc, l.expires_at asc nulls last, l.created_at, l.id`,
    );
    const draws: Array<{ lotId: string; points: number; released: boolean }> = [];
    let left = points;
    for (const r of rows) {
      if (left <= 0) break;
      if (!r.released && !(opts.pendingToo && prefer.includes(r.entry_id))) continue;
      const take = Math.min(left, Number(r.remaining));
      draws.push({ lotId: r.id, points: take, released: r.released });
      left -= take;
    }
    return { draws, shortfall: left };
  }

  // ---------------------------------------------------------------- awards and adjustments

  /** Fixed points (events, referrals, badges, birthday) in the caller's transaction, using the pending and expiry
   *  rules of the programme version in force at occurredAt; idempotent by key: null when the key was used before. */
  async award(
    tx: Db,
    a: {
      customerId: string;
      points: number;
      sourceType: 'event' | 'referral' | 'badge' | 'birthday' | 'staff';
      sourceId?: string;
      idempotencyKey: string;
      reason?: string;
      actor: string;
      occurredAt: Date;
      detail?: Record<string, unknown>;
    },
  ): Promise<{ entryId: string } | null> {
    if (!Number.isSafeInteger(a.points) || a.points <= 0) throw invalid('loyalty.points_invalid', 'points: must be a positive integer', [{ path: 'points', message: 'must be a positive integer' }]);
    return this.onAccount(tx, a.customerId, async () => {
      if (await this.keyUsed(tx, a.customerId, a.idempotencyKey)) return null;
      const rules = await this.deps.program.rulesAt(tx, a.occurredAt);
      const t = this.lotTimes(rules, a.occurredAt, this.clock.now());
      const id = newId();
      await this.write(tx, [
        {
          customerId: a.customerId,
          id,
          kind: 'earn',
          points: t.pending ? 0 : a.points,
          pendingPoints: t.pending ? a.points : 0,
          sourceType: a.sourceType,
          sourceId: a.sourceId ?? null,
          idempotencyKey: a.idempotencyKey,
          ruleVersion: rules.version,
          relatesTo: null,
          reason: a.reason ?? null,
          actor: a.actor,
          detail: a.detail ?? {},
          occurredAt: a.occurredAt,
          lot: { id: newId(), points: a.points, availableAt: t.availableAt, expiresAt: t.expiresAt },
          earned: a.points,
        },
      ]);
      return { entryId: id };
    });
  }

  /**
   * Staff correction, ± points with a reason. A credit opens a lot (available at once, expiring
   * under the rules in force now); a debit draws lots like a redemption and is refused beyond the
   * available balance. Idempotent by key: a replay answers the first entry with created = false.
   */
  /**
   * A staff adjustment (± points), idempotent by key. A new entry writes a `loyalty.adjust` audit entry in the same
   * transaction, by `auditActor` (`staff:<id>`, `key:<id>`) or else `actor`; a replay of the key writes none.
   */
  async adjust(a: { customerId: string; points: number; reason: string; idempotencyKey: string; actor: string; auditActor?: string }): Promise<{ entryId: string; created: boolean; account: Account }> {
    return this.db.transaction(async (tx) => {
      a = { ...a, customerId: await this.requireCustomer(tx, a.customerId) };
      return this.onAccount(tx, a.customerId, async () => {
        const key = `adjust:${a.idempotencyKey}`;
        const used = await this.keyUsed(tx, a.customerId, key);
        if (used) return { entryId: used, created: false, account: await this.account(tx, a.customerId) };
        const now = this.clock.now();
        const rules = await this.deps.program.rulesAt(tx, now);
        const id = newId();
        const entry: NewEntry = {
          customerId: a.customerId,
          id,
          kind: 'adjust',
          points: a.points,
          pendingPoints: 0,
          sourceType: 'staff',
          sourceId: null,
          idempotencyKey: key,
          ruleVersion: rules.version,
          relatesTo: null,
          reason: a.reason,
          actor: a.actor,
          detail: {},
          occurredAt: now,
        };
        if (a.points > 0) {
          entry.lot = { id: newId(), points: a.points, availableAt: now, expiresAt: this.lotTimes(rules, now, now).expiresAt };
        } else {
          const acc = await this.account(tx, a.customerId);
          if (acc.available < -a.points)
            throw conflict('loyalty.insufficient_points', `only ${acc.available} points available`, { available: acc.available, requested: -a.points });
          const p = await this.plan(tx, a.customerId, -a.points);
          entry.draws = p.draws;
        }
        await this.write(tx, [entry]);
        await appendAudit(tx, { actor: a.auditActor ?? a.actor, action: 'loyalty.adjust', targetType: 'customer', targetId: a.customerId, details: { entryId: id, points: a.points } });
        return { entryId: id, created: true, account: await this.account(tx, a.customerId) };
      });
    });
  }

  /** The live profile an id names now (following merges: a merged profile's points live on the survivor); 404 unless active. */
  private async requireCustomer(tx: Db, customerId: string): Promise<string> {
    const live = (await this.deps.customers.liveCustomerIds([customerId], tx)).get(customerId);
    const rows = live ? await query(tx, sql`select 1 from customers.customer_facts where id = ${live} and status = 'active'`) : [];
    if (!live || rows.length === 0) throw notFound('loyalty.customer_not_found', 'no active customer with this id');
    return live;
  }

  // ---------------------------------------------------------------- orders

  /**
   * Earn (or correct) the points of these orders, set-based: the orders, lines, member facts and
   * what each order earned so far are read in one statement each for the whole batch, and the
   * new entries, lots and balances written in one statement each. Target = computeEarn() under
   * the rules in force at placedAt (0 for cancelled and guest orders); an order gets target − already
   * earned: a replay or an unchanged update writes nothing (and the first earn's key
   * `order:<id>:earn` is never reused), a raised amount earns the difference (`order:<id>:earn:<n>`),
   * a lowered one is reversed (`order:<id>:reverse:<n>`, drawing from the order's own lots first).
   */
  async earnForOrders(tx: Db, orderIds: readonly string[], opts: { locked?: readonly string[] } = {}): Promise<{ entries: number; points: number }> {
    const ids = [...new Set(orderIds)];
    if (ids.length === 0) return { entries: 0, points: 0 };
    // The orders with their members' birthday and tier in one read (the tier: growth has just qualified them when
    // accrual calls; a tier changed concurrently applies from the member's next order).
    // And what each order has earned so far, per customer it earned for (an order moved to someone else: two rows).
    const orders = await query<{
      id: string;
      customer_id: string;
      status: string;
      placed_at: string | Date;
      birthday: string | null;
      tier_code: string | null;
      earned: Array<{ customer_id: string; net: string | number; n: string | number }> | null;
    }>(
      tx,
      sql`select o.id, o.customer_id, o.status, o.placed_at, to_char(c.birthday, 'YYYY-MM-DD') as birthday, a.tier_code,
                 (select json_agg(s) from (
                    select e.customer_id, sum(e.points + e.pending_points) as net, count(*) as n from loyalty.ledger_entries e
                    where e.source_type = 'order' and e.source_id = o.id::text group by e.customer_id) s) as earned
          from orders.order_facts o join unnest(${uuids(ids)}) as k(id) on o.id = k.id
          left join customers.customer_facts c on c.id = o.customer_id
          left join loyalty.accounts a on a.customer_id = o.customer_id
          where not o.guest`,
    );
    if (orders.length === 0) return { entries: 0, points: 0 };
    const customerIds = [...new Set(orders.map((o) => o.customer_id))];
    // Accounts the caller already created and locked in this transaction (accrual: growth went first) are not locked again.
    const locked = new Set(opts.locked ?? []);
    await this.lockAccounts(tx, locked.size > 0 ? customerIds.filter((id) => !locked.has(id)) : customerIds);
    const orderIdList = orders.map((o) => o.id);
    // One statement at a time: a transaction's client runs them in order anyway (concurrent queries on one pg client are deprecated).
    const lineRows = await query<{ order_id: string; line_no: number; sku: string; category_path: string[] | null; paid_fen: string | number }>(
      tx,
      sql`select l.order_id, l.line_no, l.sku, l.category_path, l.paid_fen from orders.line_facts l join unnest(${uuids(orderIdList)}) as k(id) on l.order_id = k.id`,
    );
    const versions = await this.deps.program.versions(tx);
    const lines = new Map<string, EarnLine[]>();
    for (const l of lineRows) {
      const list = lines.get(l.order_id) ?? [];
      list.push({ lineNo: l.line_no, sku: l.sku, categoryPath: l.category_path, paidFen: Number(l.paid_fen) });
      lines.set(l.order_id, list);
    }
    const member = new Map(orders.map((o) => [o.customer_id, o]));
    const earnedBy = new Map<string, Array<{ customerId: string; net: number; n: number }>>();
    for (const o of orders)
      if (o.earned) earnedBy.set(o.id, o.earned.map((r) => ({ customerId: r.customer_id, net: Number(r.net), n: Number(r.n) })));
    // An order that now belongs to another customer (an update resolved to someone else): the points it earned
    // elsewhere are taken back there and the new customer earns from nothing.
    const moved: Array<{ orderId: string; from: string; to: string; points: number; n: number }> = [];
    const earned = new Map<string, { net: number; n: number }>();
    for (const o of orders) {
      const list = earnedBy.get(o.id) ?? [];
      const n = list.reduce((s, r) => s + r.n, 0);
      earned.set(o.id, { net: list.find((r) => r.customerId === o.customer_id)?.net ?? 0, n });
      for (const r of list) if (r.customerId !== o.customer_id && r.net > 0) moved.push({ orderId: o.id, from: r.customerId, to: o.customer_id, points: r.net, n });
    }
    const tz = this.deps.timeZone;
    // Each order's instant once: a comparator building Dates costs two per comparison (10,000 orders: 260,000).
    const placedAt = new Map(orders.map((o) => [o.id, new Date(o.placed_at)]));
    const placed = (o: (typeof orders)[number]) => placedAt.get(o.id)!;
    orders.sort((a, b) => placed(a).getTime() - placed(b).getTime() || (a.id < b.id ? -1 : 1));

    // Per-day caps: what each member's orders earned per business day, the batch's own orders aside.
    const dayKey = (c: string, d: string) => `${c}|${d}`;
    const dayTotals = new Map<string, number>();
    if (versions.some((v) => v.rules.caps.perDay !== null)) {
      const from = new Date(placed(orders[0]!).getTime() - DAY).toISOString();
      const to = new Date(placed(orders.at(-1)!).getTime() + DAY).toISOString();
      const rows = await query<{ customer_id: string; d: string; net: string | number }>(
        tx,
        sql`select customer_id, to_char(occurred_at at time zone ${tz}, 'YYYY-MM-DD') as d, sum(points + pending_points) as net
            from loyalty.ledger_entries
            where source_type = 'order' and customer_id = any(${uuids(customerIds)})
              and occurred_at >= ${from}::timestamptz and occurred_at < ${to}::timestamptz
              and not (source_id = any(${sql.param(orderIdList)}::text[]))
            group by 1, 2`,
      );
      for (const r of rows) dayTotals.set(dayKey(r.customer_id, r.d), Number(r.net));
    }

    const now = this.clock.now();
    const entries: NewEntry[] = [];
    const lowered: Array<{ order: (typeof orders)[number]; points: number; n: number; rules: VersionedRules; detail: Record<string, unknown> }> = [];
    for (const o of orders) {
      const at = placed(o);
      const rules = pickRules(versions, at);
      const placedDate = this.businessDate(at);
      const m = member.get(o.customer_id);
      const dk = dayKey(o.customer_id, placedDate);
      const result = computeEarn(lines.get(o.id) ?? [], rules, {
        placedAt: at,
        placedDate,
        tierCode: m?.tier_code ?? null,
        birthday: m?.birthday ?? null,
        earnedToday: dayTotals.get(dk) ?? 0,
      });
      const target = o.status === 'cancelled' ? 0 : result.points;
      dayTotals.set(dk, (dayTotals.get(dk) ?? 0) + target);
      const before = earned.get(o.id) ?? { net: 0, n: 0 };
      const delta = target - before.net;
      if (delta === 0) continue;
      // The order is the entry's source_id and its time occurred_at: the detail keeps only how the points were reached.
      const detail = {
        eligibleFen: result.eligibleFen,
        uncapped: result.uncapped,
        cappedBy: result.cappedBy,
        target,
        before: before.net,
        lines: result.lines.filter((l) => l.excluded || l.factor !== 1),
      };
      if (delta < 0) {
        lowered.push({ order: o, points: -delta, n: before.n, rules, detail });
        continue;
      }
      const t = this.lotTimes(rules, at, now);
      const id = newId();
      entries.push({
        customerId: o.customer_id,
        id,
        kind: 'earn',
        points: t.pending ? 0 : delta,
        pendingPoints: t.pending ? delta : 0,
        sourceType: 'order',
        sourceId: o.id,
        idempotencyKey: before.n === 0 ? `order:${o.id}:earn` : `order:${o.id}:earn:${before.n}`,
        ruleVersion: rules.version,
        relatesTo: null,
        reason: null,
        actor: 'system:orders',
        detail,
        occurredAt: at,
        lot: { id: newId(), points: delta, availableAt: t.availableAt, expiresAt: t.expiresAt },
        earned: delta,
      });
    }
    await this.write(tx, entries);
    // Lowered amounts are rare (a corrected order): one member at a time, drawing the order's lots first.
    if (moved.length > 0) {
      const from = [...new Set(moved.map((m) => m.from))];
      await this.lockAccounts(tx, from);
      await this.releaseDue(tx, now, from);
      const rulesNow = pickRules(versions, now);
      for (const m of moved)
        entries.push(
          await this.clawback(tx, {
            customerId: m.from,
            orderId: m.orderId,
            points: m.points,
            rules: rulesNow,
            sourceType: 'order',
            sourceId: m.orderId,
            idempotencyKey: `order:${m.orderId}:moved:${m.n}`,
            actor: 'system:orders',
            occurredAt: now,
            detail: { orderId: m.orderId, movedTo: m.to },
          }),
        );
    }
    if (lowered.length > 0) await this.releaseDue(tx, now, [...new Set(lowered.map((l) => l.order.customer_id))]);
    for (const l of lowered) {
      const e = await this.clawback(tx, {
        customerId: l.order.customer_id,
        orderId: l.order.id,
        points: l.points,
        rules: l.rules,
        sourceType: 'order',
        sourceId: l.order.id,
        idempotencyKey: `order:${l.order.id}:reverse:${l.n}`,
        actor: 'system:orders',
        occurredAt: now,
        detail: l.detail,
      });
      entries.push(e);
    }
    return { entries: entries.length, points: entries.reduce((s, e) => s + e.points + e.pendingPoints, 0) };
  }

  /**
   * Take back `points` an order earned: from the order's own lots first (pending ones reduce
   * pending), then the member's other spendable lots; what is still missing was spent, and the
   * programme's clawbackWhenSpent decides: 'negative_balance' takes it anyway (available goes
   * below zero, `detail.unbackedPoints`), 'deduct_from_refund' leaves the balance and records
   * `detail.deductPoints` and `detail.deductFen` (rounded up) for the refund. Written at once.
   */
  private async clawback(
    tx: Db,
    c: {
      customerId: string;
      orderId: string;
      points: number;
      rules: ProgramRules & { version: number };
      sourceType: string;
      sourceId: string;
      idempotencyKey: string;
      actor: string;
      occurredAt: Date;
      detail: Record<string, unknown>;
    },
  ): Promise<NewEntry> {
    const own = await query<{ id: string }>(
      tx,
      sql`select id from loyalty.ledger_entries where customer_id = ${c.customerId} and source_type = 'order' and source_id = ${c.orderId} and kind = 'earn'`,
    );
    const p = await this.plan(tx, c.customerId, c.points, { prefer: own.map((r) => r.id), pendingToo: true });
    const fromAvailable = p.draws.filter((d) => d.released).reduce((s, d) => s + d.points, 0);
    const fromPending = p.draws.filter((d) => !d.released).reduce((s, d) => s + d.points, 0);
    const detail: Record<string, unknown> = { ...c.detail, orderId: c.orderId, reversedPoints: c.points, policy: c.rules.clawbackWhenSpent };
    let unbacked = 0;
    if (p.shortfall > 0) {
      if (c.rules.clawbackWhenSpent === 'negative_balance') {
        unbacked = p.shortfall;
        detail.unbackedPoints = p.shortfall;
      } else {
        detail.deductPoints = p.shortfall;
        detail.deductFen = pointsToFenCeil(p.shortfall, c.rules);
      }
    }
    const entry: NewEntry = {
      customerId: c.customerId,
      id: newId(),
      kind: 'reverse',
      points: -(fromAvailable + unbacked),
      pendingPoints: -fromPending,
      sourceType: c.sourceType,
      sourceId: c.sourceId,
      idempotencyKey: c.idempotencyKey,
      ruleVersion: c.rules.version,
      relatesTo: own[0]?.id ?? null,
      reason: null,
      actor: c.actor,
      detail,
      occurredAt: c.occurredAt,
      draws: p.draws.map((d) => ({ lotId: d.lotId, points: d.points })),
    };
    await this.write(tx, [entry]);
    return entry;
  }

  /**
   * Returns take back points in proportion to the refunded amount, cumulatively and floored:
   * after refunds totalling R of an order paid P that earned E, floor(E × R / P) points are
   * reversed in all (so partial returns never reverse more than E, a full return reverses exactly
   * E, and the member keeps the rounding until the last return). Each return writes the difference
   * to what earlier returns reversed, key `return:<id>:reverse`; nothing when it rounds to zero.
   */
  async reverseForReturns(tx: Db, returns: ReadonlyArray<{ returnId: string; orderId: string }>): Promise<number> {
    let written = 0;
    const now = this.clock.now();
    for (const r of returns) {
      const [order] = await query<{ customer_id: string | null; paid_fen: string | number; refunded_fen: string | number }>(
        tx,
        sql`select case when guest then null else customer_id end as customer_id, paid_fen, refunded_fen from orders.order_facts where id = ${r.orderId}`,
      );
      if (!order?.customer_id) continue;
      const customerId = order.customer_id;
      const key = `return:${r.returnId}:reverse`;
      await this.onAccount(tx, customerId, async () => {
        if (await this.keyUsed(tx, customerId, key)) return;
        const [sums] = await query<{ earned: string | number | null; reversed: string | number | null }>(
          tx,
          sql`select (select sum(points + pending_points) from loyalty.ledger_entries where source_type = 'order' and source_id = ${r.orderId}) as earned,
                     (select sum((detail->>'reversedPoints')::bigint) from loyalty.ledger_entries
                       where customer_id = ${customerId} and source_type = 'return' and detail->>'orderId' = ${r.orderId}) as reversed`,
        );
        const earnedPts = Number(sums?.earned ?? 0);
        const reversed = Number(sums?.reversed ?? 0);
        const paid = Number(order.paid_fen);
        const refunded = Math.min(Number(order.refunded_fen), paid);
        if (earnedPts <= 0 || paid <= 0) return;
        // earnedPts: what the order earned (its order-sourced entries); returns' reversals are return-sourced.
        const target = Number((BigInt(earnedPts) * BigInt(refunded)) / BigInt(paid));
        const todo = target - reversed;
        if (todo <= 0) return;
        const rules = await this.deps.program.rulesAt(tx, now);
        await this.clawback(tx, {
          customerId,
          orderId: r.orderId,
          points: todo,
          rules,
          sourceType: 'return',
          sourceId: r.returnId,
          idempotencyKey: key,
          actor: 'system:returns',
          occurredAt: now,
          detail: { returnId: r.returnId, paidFen: paid, refundedFen: refunded, earned: earnedPts, targetReversed: target },
        });
        written++;
      });
    }
    return written;
  }

  // ---------------------------------------------------------------- expiry

  /**
   * Expire what is left of lots whose expires_at ≤ asOf (a lot expiring at 2026-01-01 00:00
   * +08:00 is spendable through 2025-12-31 23:59:59). One `expire` entry per member per run with
   * a draw per lot; in chunks of members, each its own transaction. dryRun: the same figures,
   * nothing written.
   */
  async expire(asOf: Date, opts: { dryRun?: boolean; actor?: string; chunk?: number } = {}): Promise<ExpireSummary> {
    const at = asOf.toISOString();
    if (opts.dryRun) {
      const [row] = await query<{ members: string | number; lots: string | number; p: string | number | null; pp: string | number | null }>(
        this.db,
        sql`select count(distinct l.customer_id) as members, count(*) as lots,
                   sum(case when ${RELEASED} then l.remaining else 0 end) as p, sum(case when ${RELEASED} then 0 else l.remaining end) as pp
            from loyalty.lots l where l.expires_at <= ${at}::timestamptz and l.remaining > 0`,
      );
      return { asOf, dryRun: true, members: Number(row!.members), lots: Number(row!.lots), points: Number(row!.p ?? 0), pendingPoints: Number(row!.pp ?? 0) };
    }
    const total: ExpireSummary = { asOf, dryRun: false, members: 0, lots: 0, points: 0, pendingPoints: 0 };
    const chunk = opts.chunk ?? 5000;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const done = await this.db.transaction(async (tx) => {
        const members = await query<{ customer_id: string }>(
          tx,
          sql`select distinct customer_id from loyalty.lots where expires_at <= ${at}::timestamptz and remaining > 0 and customer_id > ${after}::uuid
              order by customer_id limit ${chunk}`,
        );
        if (members.length === 0) return true;
        const ids = members.map((m) => m.customer_id);
        after = ids.at(-1)!;
        await this.lockAccounts(tx, ids);
        const rows = await query<{ customer_id: string; id: string; p: string | number; pp: string | number; lots: string | number }>(
          tx,
          sql`with due as materialized (
                select l.customer_id, l.id as lot_id, l.remaining, ${RELEASED} as released from loyalty.lots l
                where l.customer_id = any(${uuids(ids)}) and l.expires_at <= ${at}::timestamptz and l.remaining > 0
              ), per as materialized (
                select customer_id, gen_random_uuid() as id, sum(case when released then remaining else 0 end) as p,
                       sum(case when released then 0 else remaining end) as pp, count(*) as lots
                from due group by customer_id
              ), ins as (
                insert into loyalty.ledger_entries (customer_id, id, kind, points, pending_points, source_type, source_id, idempotency_key,
                                                    actor, detail, occurred_at, created_at)
                select customer_id, id, 'expire', -p, -pp, 'expiry', ${at}, 'expire:' || id::text, ${opts.actor ?? 'system:expiry'},
                       jsonb_build_object('asOf', ${at}::text, 'lots', lots), ${at}::timestamptz, ${this.clock.now().toISOString()}::timestamptz
                from per returning 1
              ), draws as (
                insert into loyalty.lot_draws (customer_id, entry_id, lot_id, points)
                select d.customer_id, per.id, d.lot_id, d.remaining from due d join per using (customer_id) returning 1
              ), lots as (
                update loyalty.lots l set remaining = 0 from due d where l.customer_id = d.customer_id and l.id = d.lot_id returning 1
              ), acc as (
                update loyalty.accounts a set available = a.available - per.p, pending = a.pending - per.pp, updated_at = now()
                from per where a.customer_id = per.customer_id returning 1
              )
              select customer_id, id, p, pp, lots from per`,
        );
        await this.announce(
          tx,
          rows.map((r) => ({
            customerId: r.customer_id,
            id: r.id,
            kind: 'expire' as const,
            points: -Number(r.p),
            pendingPoints: -Number(r.pp),
            sourceType: 'expiry',
            sourceId: at,
            occurredAt: asOf,
          })),
        );
        for (const r of rows) {
          total.members++;
          total.lots += Number(r.lots);
          total.points += Number(r.p);
          total.pendingPoints += Number(r.pp);
        }
        return members.length < chunk;
      });
      if (done) return total;
    }
  }

  // ---------------------------------------------------------------- reading

  /** Balances (after releasing what is due) and the points that expire within `days` days. */
  async member(customerId: string, days = 30) {
    return this.db.transaction(async (tx) => {
      customerId = await this.requireCustomer(tx, customerId);
      return this.onAccount(tx, customerId, async () => {
        const acc = await this.account(tx, customerId);
        const now = this.clock.now();
        const until = new Date(now.getTime() + days * DAY);
        const [exp] = await query<{ p: string | number | null; first: string | Date | null }>(
          tx,
          sql`select sum(l.remaining) as p, min(l.expires_at) as first from loyalty.lots l
              where l.customer_id = ${customerId} and l.remaining > 0 and l.expires_at > ${now.toISOString()}::timestamptz
                and l.expires_at <= ${until.toISOString()}::timestamptz`,
        );
        const rules = await this.deps.program.rulesAt(tx, now);
        return {
          ...acc,
          cashValueFen: pointsToFen(Math.max(0, acc.available), rules),
          expiringSoon: { days, points: Number(exp?.p ?? 0), firstAt: exp?.first ? new Date(exp.first) : null },
        };
      });
    });
  }

  /** A member's entries, newest first, with the running balances after each. */
  async statement(customerId: string, page: { page: number; pageSize: number }): Promise<{ items: StatementEntry[]; total: number }> {
    customerId = await this.requireCustomer(this.db, customerId);
    const rows = await query<{
      id: string; kind: EntryKind; points: string | number; pending_points: string | number; source_type: string; source_id: string | null;
      reason: string | null; rule_version: number | null; actor: string; detail: Record<string, unknown>; occurred_at: string | Date;
      balance: string | number; pending_balance: string | number; total: string | number;
    }>(
      this.db,
      sql`select * from (
            select id, kind, points, pending_points, source_type, source_id, reason, rule_version, actor, detail, occurred_at, created_at,
                   sum(points) over w as balance, sum(pending_points) over w as pending_balance, count(*) over () as total
            from loyalty.ledger_entries where customer_id = ${customerId}
            window w as (order by occurred_at, created_at, id rows between unbounded preceding and current row)
          ) s
          order by occurred_at desc, created_at desc, id desc
          limit ${page.pageSize} offset ${(page.page - 1) * page.pageSize}`,
    );
    let total = Number(rows[0]?.total ?? 0);
    if (rows.length === 0 && page.page > 1) {
      const [c] = await query<{ n: string | number }>(this.db, sql`select count(*) as n from loyalty.ledger_entries where customer_id = ${customerId}`);
      total = Number(c!.n);
    }
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        points: Number(r.points),
        pendingPoints: Number(r.pending_points),
        sourceType: r.source_type,
        sourceId: r.source_id,
        reason: r.reason,
        ruleVersion: r.rule_version,
        actor: r.actor,
        detail: r.detail,
        occurredAt: new Date(r.occurred_at),
        balance: Number(r.balance),
        pendingBalance: Number(r.pending_balance),
      })),
    };
  }

  /**
   * Points liability: outstanding available + pending points (+ held on open holds), their cash
   * value at the rate in force now, and what is left of lots by the business-zone month of their
   * last spendable day ('never' for lots that do not expire).
   */
  async liability() {
    const now = this.clock.now();
    const [tot] = await query<{ available: string | number | null; pending: string | number | null; held: string | number | null; members: string | number }>(
      this.db,
      sql`select sum(available) as available, sum(pending) as pending, sum(held) as held,
                 count(*) filter (where available <> 0 or pending <> 0 or held <> 0) as members
          from loyalty.accounts`,
    );
    const months = await query<{ month: string | null; points: string | number }>(
      this.db,
      sql`select to_char((l.expires_at - interval '1 microsecond') at time zone ${this.deps.timeZone}, 'YYYY-MM') as month, sum(l.remaining) as points
          from loyalty.lots l where l.remaining > 0 and (l.expires_at is null or l.expires_at > ${now.toISOString()}::timestamptz)
          group by 1 order by 1 nulls last`,
    );
    const rules = await this.deps.program.rulesAt(this.db, now);
    const available = Number(tot?.available ?? 0);
    const pending = Number(tot?.pending ?? 0);
    const held = Number(tot?.held ?? 0);
    const outstanding = available + pending;
    return {
      asOf: now,
      members: Number(tot?.members ?? 0),
      available,
      pending,
      held,
      outstanding,
      ruleVersion: rules.version,
      pointsPerYuanCash: rules.pointsPerYuanCash,
      cashValueFen: pointsToFen(outstanding, rules),
      byExpiryMonth: months.map((m) => ({ month: m.month ?? 'never', points: Number(m.points), cashValueFen: pointsToFen(Number(m.points), rules) })),
    };
  }

  // ---------------------------------------------------------------- merges

  /** Move the absorbed member's entries, lots, draws and holds to the survivor; both balances are recounted from the entries. */
  async moveRecords(tx: Db, fromId: string, toId: string): Promise<string[]> {
    await this.lockAccounts(tx, [fromId, toId]);
    await renameClashingKeys(tx, 'ledger_entries', sql`m.customer_id = ${fromId}`, toId);
    await renameClashingKeys(tx, 'holds', sql`m.customer_id = ${fromId}`, toId);
    const entries = await moveCustomerRows<{ id: string }>(tx, 'loyalty.ledger_entries', fromId, toId, { returning: ['id'] });
    if (entries.length === 0) return [];
    const lotRows = await moveCustomerRows<{ id: string }>(tx, 'loyalty.lots', fromId, toId, { returning: ['id'] });
    await moveCustomerRows(tx, 'loyalty.lot_draws', fromId, toId);
    const holdRows = await moveCustomerRows<{ id: string }>(tx, 'loyalty.holds', fromId, toId, { returning: ['id'] });
    await this.recount(tx, [fromId, toId]);
    return [...entries.map((e) => `e:${e.id}`), ...lotRows.map((l) => `l:${l.id}`), ...holdRows.map((h) => `h:${h.id}`)];
  }

  async restoreRecords(tx: Db, ids: string[], toId: string): Promise<void> {
    const of = (p: string) => ids.filter((i) => i.startsWith(p)).map((i) => i.slice(2));
    const entryIds = of('e:');
    if (entryIds.length === 0) return;
    const owners = await query<{ customer_id: string }>(tx, sql`select distinct customer_id from loyalty.ledger_entries where id = any(${uuids(entryIds)})`);
    await this.lockAccounts(tx, [toId, ...owners.map((o) => o.customer_id)]);
    await renameClashingKeys(tx, 'ledger_entries', sql`m.id = any(${uuids(entryIds)})`, toId);
    await renameClashingKeys(tx, 'holds', sql`m.id = any(${uuids(of('h:'))})`, toId);
    await moveRowsTo(tx, 'loyalty.ledger_entries', sql`t.id = any(${uuids(entryIds)})`, toId);
    await moveRowsTo(tx, 'loyalty.lot_draws', sql`t.entry_id = any(${uuids(entryIds)})`, toId);
    await moveRowsTo(tx, 'loyalty.lots', sql`t.id = any(${uuids(of('l:'))})`, toId);
    await moveRowsTo(tx, 'loyalty.holds', sql`t.id = any(${uuids(of('h:'))})`, toId);
    await this.recount(tx, [toId, ...owners.map((o) => o.customer_id)]);
  }

  /** Balances recounted from the entries and open holds (merges move whole histories). */
  private async recount(tx: Db, customerIds: string[]): Promise<void> {
    await tx.execute(
      sql`update loyalty.accounts a set
            available = coalesce((select sum(points) from loyalty.ledger_entries e where e.customer_id = a.customer_id), 0),
            pending = coalesce((select sum(pending_points) from loyalty.ledger_entries e where e.customer_id = a.customer_id), 0),
            lifetime_earned = coalesce((select sum(points + pending_points) from loyalty.ledger_entries e where e.customer_id = a.customer_id and e.kind = 'earn'), 0),
            held = coalesce((select sum(points) from loyalty.holds h where h.customer_id = a.customer_id and h.status = 'held'), 0),
            updated_at = now()
          where a.customer_id = any(${uuids(customerIds)})`,
    );
  }

  // ---------------------------------------------------------------- used by redemptions

  /** @internal RedemptionService: lock + release + plan + write, within its transaction. */
  get internals() {
    return {
      onAccount: this.onAccount.bind(this),
      plan: this.plan.bind(this),
      write: this.write.bind(this),
      keyUsed: this.keyUsed.bind(this),
      account: this.account.bind(this),
      requireCustomer: this.requireCustomer.bind(this),
      clock: this.clock,
    };
  }
}

export type NewLedgerEntry = NewEntry;
