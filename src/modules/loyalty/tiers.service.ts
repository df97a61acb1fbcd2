import { sql, type SQL } from 'drizzle-orm';
import { pgCode, query, queryOne, type Db } from '../../platform/db/database.js';
import { pgArray } from '../../platform/db/arrays.js';
import { moveCustomerRows } from '../../platform/db/move-rows.js';
import { publishMany } from '../../platform/events/event-bus.js';
import { conflict, invalid, notFound, AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { localDate, parseInstant } from '../../platform/clock.js';
import type { CustomersService, MergeParticipant } from '../customers/index.js';
import { renameClashingKeys, type LedgerService } from './ledger.service.js';
import { moveRowsTo } from '../../platform/db/move-rows.js';
import {
  DEFAULT_TIER_SET,
  MEASURE_UNIT,
  TIER_PRESETS,
  TierSetDefinition,
  birthdayDue,
  progressFor,
  type ReviewMode,
  type TierBenefits,
  type TierPreset,
} from './domain/tiers.js';

export const TIER_CHANGED = 'loyalty.tier.changed';

/**
 * One member's tier change (up, down, manual, a manual assignment's end, a new set). The event
 * `loyalty.tier.changed` carries `{changes: TierChanged[]}`: the changes one statement made, up to
 * 1,000 per event (a feed of new members otherwise publishes one outbox row per member).
 */
export interface TierChanged {
  changeId: string;
  customerId: string;
  tierSet: string;
  fromCode: string | null;
  toCode: string | null;
  /** qualified | set_changed | review | manual | manual_ended */
  reason: string;
  occurredAt: string;
}

export interface TierChanges {
  changes: TierChanged[];
}

/** The ledger's award, which the birthday grant uses. */
export type PointsAwarder = Pick<LedgerService, 'award'>;

export interface TierSet {
  code: string;
  version: number;
  name: string;
  definition: TierSetDefinition;
  active: boolean;
  effectiveFrom: Date | null;
  createdBy: string;
  /** The built-in explorer / follower / advocate, in force while no set was activated. */
  builtIn: boolean;
}

/** A locked account's tier state, for deciding who may change tier. */
interface AccountState {
  customer_id: string;
  growth: string | number;
  tier_set: string | null;
  tier_code: string | null;
  grace: boolean;
  manual: boolean;
}

export interface ReviewCounts {
  assigned: number;
  upgraded: number;
  downgraded: number;
  graceStarted: number;
  requalified: number;
  manualEnded: number;
}

export interface GrowthEntryInput {
  customerId: string;
  points: number;
  sourceType: 'order' | 'return' | 'event' | 'staff' | 'merge';
  sourceId: string;
  idempotencyKey: string;
  occurredAt: Date;
  actor: string;
  reason?: string | undefined;
}

export interface TiersDeps {
  customers: CustomersService;
  timeZone: string;
  /** Set once the ledger exists (birthday points); without it grantBirthdays refuses. */
  ledger?: PointsAwarder | undefined;
}

export const TIERS_ACTOR = 'system:loyalty-tiers';
const CHUNK = 5000;

const ACTION_COUNT: Record<string, keyof ReviewCounts> = {
  assign: 'assigned',
  upgrade: 'upgraded',
  downgrade: 'downgraded',
  grace: 'graceStarted',
  requalified: 'requalified',
  manual_ended: 'manualEnded',
};

const zeroCounts = (): ReviewCounts => ({ assigned: 0, upgraded: 0, downgraded: 0, graceStarted: 0, requalified: 0, manualEnded: 0 });

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type SetRow = {
  code: string;
  version: number;
  name: string;
  definition: unknown;
  active: boolean;
  effective_from: string | Date;
  created_by: string;
};

function setView(r: SetRow): TierSet {
  return {
    code: r.code,
    version: Number(r.version),
    name: r.name,
    definition: r.definition as TierSetDefinition,
    active: r.active,
    effectiveFrom: new Date(r.effective_from),
    createdBy: r.created_by,
    builtIn: false,
  };
}

/**
 * Growth value, tier sets and tiers. Upgrades happen as soon as a purchase or interaction lifts a
 * member over a threshold; downgrades only at the yearly review, after a grace period; a manual
 * assignment holds until its end. Every evaluation (one member, a batch, or all members) is the same
 * set-based statement implementing `reviewDecision` from domain/tiers.ts.
 */
export class TiersService {
  constructor(
    private readonly db: Db,
    private readonly deps: TiersDeps,
  ) {}

  /** The business time zone: dates given without an offset are read in it. */
  get timeZone(): string {
    return this.deps.timeZone;
  }

  /** Late wiring: the ledger service is built by another part of the module. */
  useLedger(ledger: PointsAwarder): void {
    this.deps.ledger = ledger;
  }

  // ---- tier sets ------------------------------------------------------------------------------

  /** The active set; the built-in explorer / follower / advocate (version 0) while none was activated. */
  async activeSet(db: Db = this.db): Promise<TierSet> {
    const row = await queryOne<SetRow>(
      db,
      sql`select code, version, name, definition, active, effective_from, created_by from loyalty.tier_sets where active`,
    );
    if (row) return setView(row);
    return { ...DEFAULT_TIER_SET, active: true, effectiveFrom: null, createdBy: 'system', builtIn: true };
  }

  async listSets(): Promise<TierSet[]> {
    const rows = await query<SetRow>(
      this.db,
      sql`select code, version, name, definition, active, effective_from, created_by from loyalty.tier_sets
          order by code collate "C", version desc`,
    );
    return rows.map(setView);
  }

  /** A new version of a set (version 1 for a new code), from a definition or a built-in preset; optionally activated. */
  async createSet(
    input: { code: string; name?: string | undefined; preset?: TierPreset | undefined; definition?: TierSetDefinition | undefined; activate?: boolean | undefined },
    actor: string,
  ): Promise<{ set: TierSet; review?: ReviewCounts }> {
    const preset = input.preset ? TIER_PRESETS[input.preset] : undefined;
    const definition = input.definition ?? preset?.definition;
    if (!definition) throw invalid('loyalty.tier_set_invalid', 'definition or preset is required', [{ path: 'definition', message: 'give a definition or a preset' }]);
    const parsed = TierSetDefinition.parse(definition);
    const name = input.name ?? preset?.name ?? input.code;
    return this.db.transaction(async (tx) => {
      // Versions of one code are numbered in order; the lock keeps two creations from taking the same number.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`loyalty.tier_sets:${input.code}`}))`);
      const [row] = await query<SetRow>(
        tx,
        sql`insert into loyalty.tier_sets (code, version, name, definition, active, effective_from, created_by)
            select ${input.code}, coalesce(max(version), 0) + 1, ${name}, ${JSON.stringify(parsed)}::jsonb, false, now(), ${actor}
            from loyalty.tier_sets where code = ${input.code}
            returning code, version, name, definition, active, effective_from, created_by`,
      );
      const set = setView(row!);
      if (!input.activate) return { set };
      const review = await this.activateIn(tx, set.code, set.version, actor);
      return { set: { ...set, active: true }, review };
    });
  }

  /** Make a set version the active one; every member is placed in it at once (set_changed, no grace). */
  async activateSet(code: string, version: number, actor: string): Promise<ReviewCounts> {
    return this.db.transaction((tx) => this.activateIn(tx, code, version, actor));
  }

  private async activateIn(tx: Db, code: string, version: number, actor: string): Promise<ReviewCounts> {
    const exists = await queryOne(tx, sql`select 1 from loyalty.tier_sets where code = ${code} and version = ${version} for update`);
    if (!exists) throw notFound('loyalty.tier_set_not_found', `No tier set ${code} version ${version}`);
    await tx.execute(sql`update loyalty.tier_sets set active = false where active and not (code = ${code} and version = ${version})`);
    await tx.execute(sql`update loyalty.tier_sets set active = true, effective_from = now() where code = ${code} and version = ${version}`);
    const set = await this.activeSet(tx);
    return this.evaluate(tx, set, new Date(), 'qualify', { actor });
  }

  // ---- evaluation -----------------------------------------------------------------------------

  /**
   * The review over all members (or some): one statement decides every member's action
   * (domain reviewDecision), a second applies it; tier_changes, events and timeline items follow in
   * chunks for the members that changed. A dry run only counts.
   */
  async reviewTiers(asOf: Date, opts: { dryRun?: boolean; mode?: ReviewMode; actor?: string } = {}): Promise<ReviewCounts & { tierSet: string; asOf: string; dryRun: boolean }> {
    const mode = opts.mode ?? 'review';
    return this.db.transaction(async (tx) => {
      const set = await this.activeSet(tx);
      const counts = await this.evaluate(tx, set, asOf, mode, { dryRun: opts.dryRun ?? false, actor: opts.actor ?? TIERS_ACTOR });
      return { tierSet: set.code, asOf: asOf.toISOString(), dryRun: opts.dryRun ?? false, ...counts };
    });
  }

  /** The measure of each member in scope, as SQL producing (customer_id, measure) rows over loyalty.accounts `a`. */
  private measureSql(set: TierSet, asOf: Date, ids: string[] | undefined): { ctes: SQL; measure: SQL; join: SQL } {
    if (set.definition.measure === 'growth') return { ctes: sql``, measure: sql`a.growth`, join: sql`` };
    const scope = ids ? sql`and customer_id = any(${sql.param(ids)}::uuid[])` : sql``;
    return {
      ctes: sql`spend as (
          select customer_id, sum(paid_fen - refunded_fen)::bigint as spend from orders.order_facts
          where status <> 'cancelled' and not guest
            and placed_at > ${asOf.toISOString()}::timestamptz - interval '12 months' and placed_at <= ${asOf.toISOString()}::timestamptz
            ${scope}
          group by customer_id),`,
      measure: sql`coalesce(s.spend, 0)`,
      join: sql`left join spend s on s.customer_id = a.customer_id`,
    };
  }

  async evaluate(
    tx: Db,
    set: TierSet,
    asOf: Date,
    mode: ReviewMode,
    opts: { customerIds?: string[]; dryRun?: boolean; actor: string },
  ): Promise<ReviewCounts> {
    const ids = opts.customerIds;
    if (ids && ids.length === 0) return zeroCounts();
    const def = set.definition;
    const codes = def.tiers.map((t) => t.code);
    const { ctes, measure, join } = this.measureSql(set, asOf, ids);
    const rank = sql.join(
      [
        sql`case`,
        ...def.tiers.map((t, i) => ({ t, i })).reverse().map(({ t, i }) => sql`when m.measure >= ${t.threshold}::bigint then ${i}::int`),
        sql`else -1 end`,
      ],
      sql` `,
    );
    const at = sql`${asOf.toISOString()}::timestamptz`;
    // unnest + join, not `= any(array)`: with a thousand ids (a batch of orders) the planner scanned the array per row.
    const scope = ids ? sql`join unnest(${pgArray(ids, 'uuid')}) as k(id) on k.id = a.customer_id` : sql``;
    const decided = sql`with ${ctes}
      m as (
        select a.customer_id, a.tier_set, a.tier_code, a.tier_grace_until as g, a.tier_manual_until as mu, ${measure}::bigint as measure,
               case when a.tier_set is null then 'none' when a.tier_set = ${set.code} then 'this' else 'other' end as setk,
               case when a.tier_set = ${set.code} then coalesce(array_position(${sql.param(codes)}::text[], a.tier_code), 0) - 1 else -1 end as cur
        from loyalty.accounts a ${scope} ${join}),
      q as (select m.*, ${rank} as q from m),
      d as (
        select q.*, case
          when mu > ${at} then 'keep'
          when setk = 'none' then case when q.q < 0 then 'keep' else 'assign' end
          when setk = 'other' then 'assign'
          when mu is not null then 'manual_ended'
          when q.q > cur then 'upgrade'
          when q.q = cur then case when g is not null then 'requalified' else 'keep' end
          when g is not null then case when g <= ${at} and ${mode}::text <> 'qualify' then 'downgrade' else 'keep' end
          when ${mode}::text <> 'review' then 'keep'
          when ${def.review.graceDays}::int > 0 then 'grace'
          else 'downgrade' end as action
        from q)`;
    const counts = zeroCounts();
    if (opts.dryRun) {
      const rows = await query<{ action: string; n: number | string }>(tx, sql`${decided} select action, count(*) as n from d where action <> 'keep' group by action`);
      for (const r of rows) counts[ACTION_COUNT[r.action]!] += Number(r.n);
      return counts;
    }
    // Grace ends graceDays after the review, at the same wall-clock time in the business zone.
    const graceUntil = sql`((${at} at time zone ${this.deps.timeZone}) + make_interval(days => ${def.review.graceDays}::int)) at time zone ${this.deps.timeZone}`;
    const rows = await query<{
      customer_id: string;
      action: string;
      from_set: string | null;
      from_code: string | null;
      to_code: string | null;
      measure: string | number;
      grace_until: string | Date | null;
    }>(
      tx,
      sql`${decided}
        update loyalty.accounts a set
          tier_set = ${set.code},
          tier_code = case when d.action in ('grace', 'requalified') then a.tier_code else (${sql.param(codes)}::text[])[d.q + 1] end,
          tier_since = case
            when d.action in ('grace', 'requalified') then a.tier_since
            when a.tier_set = ${set.code} and a.tier_code is not distinct from (${sql.param(codes)}::text[])[d.q + 1] then a.tier_since
            else ${at} end,
          tier_grace_until = case when d.action = 'grace' then ${graceUntil} else null end,
          tier_manual_until = null,
          updated_at = now()
        from d
        where a.customer_id = d.customer_id and d.action <> 'keep'
        returning a.customer_id, d.action, d.tier_set as from_set, d.tier_code as from_code, a.tier_code as to_code, d.measure, a.tier_grace_until as grace_until`,
    );
    for (const r of rows) counts[ACTION_COUNT[r.action]!] += 1;
    const changes = rows
      .filter((r) => r.action !== 'requalified')
      .map((r) => ({
        id: newId(),
        customerId: r.customer_id,
        fromCode: r.from_set === set.code ? r.from_code : r.from_set ? r.from_code : null,
        toCode: r.to_code,
        reason:
          r.action === 'assign'
            ? r.from_set
              ? 'set_changed'
              : 'qualified'
            : r.action === 'upgrade'
              ? 'qualified'
              : r.action === 'downgrade'
                ? 'review'
                : r.action,
        measure: Number(r.measure),
        graceUntil: r.grace_until ? new Date(r.grace_until).toISOString() : null,
        fromSet: r.from_set,
      }));
    await this.recordChanges(tx, set, asOf, changes, opts.actor);
    return counts;
  }

  /** tier_changes rows, `loyalty.tier.changed` events and timeline items, a chunk per statement. */
  private async recordChanges(
    tx: Db,
    set: TierSet,
    at: Date,
    changes: Array<{ id: string; customerId: string; fromCode: string | null; toCode: string | null; reason: string; measure: number | null; graceUntil: string | null; fromSet?: string | null; note?: string | null }>,
    actor: string,
  ): Promise<void> {
    const names = new Map(set.definition.tiers.map((t) => [t.code, t.name]));
    for (const part of chunks(changes)) {
      await tx.execute(
        sql`insert into loyalty.tier_changes (customer_id, id, tier_set, from_code, to_code, reason, actor, note, measure, detail, occurred_at)
            select c.customer_id, c.id, ${set.code}, c.from_code, c.to_code, c.reason, ${actor}, c.note, c.measure, c.detail, ${at.toISOString()}::timestamptz
            from unnest(${pgArray(part.map((c) => c.customerId), 'uuid')}, ${pgArray(part.map((c) => c.id), 'uuid')},
                        ${pgArray(part.map((c) => c.fromCode), 'text')}, ${pgArray(part.map((c) => c.toCode), 'text')},
                        ${pgArray(part.map((c) => c.reason), 'text')}, ${pgArray(part.map((c) => c.note ?? null), 'text')},
                        ${pgArray(part.map((c) => c.measure), 'bigint')},
                        ${pgArray(part.map((c) => ({ setVersion: set.version, ...(c.graceUntil ? { graceUntil: c.graceUntil } : {}), ...(c.fromSet && c.fromSet !== set.code ? { fromSet: c.fromSet } : {}) })), 'jsonb')})
              as c(customer_id, id, from_code, to_code, reason, note, measure, detail)`,
      );
      const changed = part.filter((c) => c.reason !== 'grace');
      if (changed.length > 0)
        await publishMany<TierChanges>(
          tx,
          TIER_CHANGED,
          chunks(changed, 1000).map((list) => ({
            changes: list.map((c) => ({
              changeId: c.id,
              customerId: c.customerId,
              tierSet: set.code,
              fromCode: c.fromCode,
              toCode: c.toCode,
              reason: c.reason,
              occurredAt: at.toISOString(),
            })),
          })),
          at,
        );
      const entryCode = set.definition.tiers[0]!.threshold === 0 ? set.definition.tiers[0]!.code : null;
      // Every member enters a tier with threshold 0 on their first purchase: not worth a timeline item.
      const shown = part.filter((c) => !(c.reason === 'qualified' && c.fromCode === null && c.toCode === entryCode));
      await this.deps.customers.addTimelineItems(
        tx,
        shown.map((c) => ({
          customerId: c.customerId,
          occurredAt: at,
          kind: c.reason === 'grace' ? 'loyalty.tier_grace' : 'loyalty.tier_changed',
          refId: c.id,
          summary: {
            tierSet: set.code,
            from: c.fromCode,
            to: c.toCode,
            toName: c.toCode ? (names.get(c.toCode) ?? null) : null,
            reason: c.reason,
            ...(c.graceUntil ? { graceUntil: c.graceUntil } : {}),
          },
        })),
      );
    }
  }

  // ---- growth value ---------------------------------------------------------------------------

  /** Account rows for these members (created when missing), locked in id order so concurrent batches cannot interleave. */
  private async lockAccounts(tx: Db, ids: string[]): Promise<AccountState[]> {
    const sorted = [...new Set(ids)].sort();
    if (sorted.length === 0) return [];
    await tx.execute(
      // Only the missing ones reach the insert: ON CONFLICT costs a speculative insertion per row it skips. In id
      // order, as the ledger inserts them: the anti-join may hand rows over in any order, and two transactions
      // inserting the same new members in different orders deadlock on the unique index.
      sql`insert into loyalty.accounts (customer_id)
          select k.id from unnest(${pgArray(sorted, 'uuid')}) as k(id)
          where not exists (select 1 from loyalty.accounts a where a.customer_id = k.id)
          order by 1 on conflict (customer_id) do nothing`,
    );
    // unnest + join, not `= any(array)`: with thousands of ids the planner may scan the array per row.
    return query<AccountState>(
      tx,
      sql`select a.customer_id, a.growth, a.tier_set, a.tier_code, a.tier_grace_until is not null as grace, a.tier_manual_until is not null as manual
          from loyalty.accounts a join unnest(${pgArray(sorted, 'uuid')}) as k(id) on a.customer_id = k.id
          order by a.customer_id for update of a`,
    );
  }

  /**
   * Append growth entries (idempotent by key: a replayed key adds nothing) and keep accounts.growth
   * equal to their sum. Answers the members whose growth changed.
   */
  async appendGrowth(tx: Db, entries: GrowthEntryInput[], opts: { locked?: boolean } = {}): Promise<string[]> {
    const live = entries.filter((e) => e.points !== 0);
    if (live.length === 0) return [];
    if (!opts.locked) await this.lockAccounts(tx, live.map((e) => e.customerId));
    return [...new Set((await this.appendGrowthReturning(tx, live)).map((r) => r.customer_id))];
  }

  /**
   * appendGrowth's statements, the accounts already locked; answers the changed accounts with their new growth.
   * `fresh`: the keys cannot have been used (orders': order and event, and an event is handled once — claimed by one
   * drain, marked delivered in the transaction that handles it), so the insert goes without ON CONFLICT, a quarter
   * cheaper (no speculative insertion); a clash would fail the statement as a conflict to retry, never be skipped.
   */
  private async appendGrowthReturning(tx: Db, entries: GrowthEntryInput[], opts: { fresh?: boolean } = {}): Promise<Array<{ customer_id: string; growth: string | number }>> {
    const live = entries.filter((e) => e.points !== 0);
    const out: Array<{ customer_id: string; growth: string | number }> = [];
    for (const part of chunks(live)) {
      const statement = sql`with ins as (
              insert into loyalty.growth_entries (customer_id, id, points, source_type, source_id, idempotency_key, reason, actor, occurred_at)
              select * from unnest(${pgArray(part.map((e) => e.customerId), 'uuid')}, ${pgArray(part.map(() => newId()), 'uuid')},
                                   ${pgArray(part.map((e) => e.points), 'bigint')}, ${pgArray(part.map((e) => e.sourceType), 'text')},
                                   ${pgArray(part.map((e) => e.sourceId), 'text')}, ${pgArray(part.map((e) => e.idempotencyKey), 'text')},
                                   ${pgArray(part.map((e) => e.reason ?? null), 'text')}, ${pgArray(part.map((e) => e.actor), 'text')},
                                   ${pgArray(part.map((e) => e.occurredAt), 'timestamptz')})
              ${opts.fresh ? sql`` : sql`on conflict (customer_id, idempotency_key) do nothing`}
              returning customer_id, points)
            update loyalty.accounts a set growth = a.growth + x.points, updated_at = now()
            from (select customer_id, sum(points)::bigint as points from ins group by customer_id) x
            where a.customer_id = x.customer_id
            returning a.customer_id, a.growth`;
      try {
        out.push(...(await query<{ customer_id: string; growth: string | number }>(tx, statement)));
      } catch (err) {
        if (opts.fresh && pgCode(err) === '23505') throw conflict('loyalty.duplicate_growth', 'a growth entry key was used concurrently; retry');
        throw err;
      }
    }
    return out;
  }

  /** Raise members whose measure now reaches a higher tier (and clear graces they requalified for). */
  async qualify(tx: Db, customerIds: string[], at = new Date(), activeSet?: TierSet): Promise<ReviewCounts> {
    if (customerIds.length === 0) return zeroCounts();
    const set = activeSet ?? (await this.activeSet(tx));
    return this.evaluate(tx, set, at, 'qualify', { customerIds: [...new Set(customerIds)], actor: TIERS_ACTOR });
  }

  /**
   * Growth from orders (placed, updated, imported), set-based: each order's growth is
   * floor(paid × perYuan / ¥1) (0 when cancelled); what it already gave is read from its entries and
   * only the difference is appended, keyed by order and event, so replays and updates settle exactly.
   */
  async growFromOrders(tx: Db, orders: Array<{ orderId: string; eventId: string }>, activeSet?: TierSet): Promise<string[]> {
    return (await this.growFromOrdersWithState(tx, orders, activeSet)).members;
  }

  /**
   * growFromOrders, also answering which members may change tier now (`toQualify`): with a growth-measured set,
   * only those whose new growth reaches above their tier, who are not (or not yet) in this set, or who carry a
   * grace or a manual tier — a superset of the members `qualify` would change, so qualifying just them is exact
   * and the batch's other members skip the tier statement. Spend-measured sets: every member.
   */
  async growFromOrdersWithState(
    tx: Db,
    orders: Array<{ orderId: string; eventId: string }>,
    activeSet?: TierSet,
  ): Promise<{ members: string[]; toQualify: string[] }> {
    if (orders.length === 0) return { members: [], toQualify: [] };
    const byOrder = new Map<string, string>();
    for (const o of orders) byOrder.set(o.orderId, o.eventId);
    const set = activeSet ?? (await this.activeSet(tx));
    const rate = set.definition.growth.perYuan;
    const ids = [...byOrder.keys()];
    const facts = await query<{ id: string; customer_id: string; placed_at: string | Date; target: string | number }>(
      tx,
      sql`select f.id, f.customer_id, f.placed_at,
                 case when f.status = 'cancelled' then 0 else floor(f.paid_fen::numeric * ${rate}::numeric / 100)::bigint end as target
          from orders.order_facts f join unnest(${pgArray(ids, 'uuid')}) as k(id) on f.id = k.id where not f.guest`,
    );
    if (facts.length === 0) return { members: [], toQualify: [] };
    const state = new Map((await this.lockAccounts(tx, facts.map((f) => f.customer_id))).map((a) => [a.customer_id, a]));
    // What each order already gave (a join on the member's entries; as a correlated subquery per order it cost twice as much).
    const had = await query<{ source_id: string; points: string | number }>(
      tx,
      sql`select g.source_id, sum(g.points)::bigint as points
          from unnest(${pgArray(facts.map((f) => f.customer_id), 'uuid')}, ${pgArray(facts.map((f) => f.id), 'text')}) as o(customer_id, order_id)
          join loyalty.growth_entries g on g.customer_id = o.customer_id and g.source_type = 'order' and g.source_id = o.order_id
          group by g.source_id`,
    );
    const have = new Map(had.map((h) => [h.source_id, Number(h.points)]));
    const entries: GrowthEntryInput[] = facts.map((f) => ({
      customerId: f.customer_id,
      points: Number(f.target) - (have.get(f.id) ?? 0),
      sourceType: 'order',
      sourceId: f.id,
      idempotencyKey: `growth:order:${f.id}:${byOrder.get(f.id)}`,
      occurredAt: new Date(f.placed_at),
      actor: TIERS_ACTOR,
    }));
    const grown = await this.appendGrowthReturning(tx, entries, { fresh: true });
    for (const g of grown) {
      const a = state.get(g.customer_id);
      if (a) a.growth = g.growth;
    }
    const members = [...state.keys()];
    if (set.definition.measure !== 'growth') return { members, toQualify: members };
    const tiers = set.definition.tiers;
    const toQualify = members.filter((id) => {
      const a = state.get(id)!;
      if (a.manual || a.grace || a.tier_set !== set.code) return true;
      const growth = Number(a.growth);
      let q = -1;
      for (let i = tiers.length - 1; i >= 0; i--)
        if (growth >= tiers[i]!.threshold) {
          q = i;
          break;
        }
      return q > tiers.findIndex((t) => t.code === a.tier_code);
    });
    return { members, toQualify };
  }

  /** Returns take back the growth their refund earned (never below 0 for the member). */
  async takeBackForReturns(tx: Db, returnIds: string[]): Promise<string[]> {
    if (returnIds.length === 0) return [];
    const set = await this.activeSet(tx);
    const rate = set.definition.growth.perYuan;
    const rows = await query<{ id: string; customer_id: string; returned_at: string | Date; points: string | number }>(
      tx,
      sql`select r.id, r.customer_id, r.returned_at, floor(r.refund_fen::numeric * ${rate}::numeric / 100)::bigint as points
          from orders.return_facts r where r.id = any(${sql.param([...new Set(returnIds)])}::uuid[]) and not r.guest
          order by r.returned_at, r.id`,
    );
    if (rows.length === 0) return [];
    await this.lockAccounts(tx, rows.map((r) => r.customer_id));
    const balances = await query<{ customer_id: string; growth: string | number }>(
      tx,
      sql`select customer_id, growth from loyalty.accounts where customer_id = any(${sql.param(rows.map((r) => r.customer_id))}::uuid[])`,
    );
    const left = new Map(balances.map((b) => [b.customer_id, Number(b.growth)]));
    const taken = await query<{ idempotency_key: string }>(
      tx,
      sql`select idempotency_key from loyalty.growth_entries
          where (customer_id, idempotency_key) in (select * from unnest(${pgArray(rows.map((r) => r.customer_id), 'uuid')}, ${pgArray(rows.map((r) => `growth:return:${r.id}`), 'text')}))`,
    );
    const done = new Set(taken.map((t) => t.idempotency_key));
    const entries: GrowthEntryInput[] = [];
    for (const r of rows) {
      const key = `growth:return:${r.id}`;
      if (done.has(key)) continue;
      const have = left.get(r.customer_id) ?? 0;
      const points = Math.min(Number(r.points), Math.max(0, have));
      left.set(r.customer_id, have - points);
      entries.push({ customerId: r.customer_id, points: -points, sourceType: 'return', sourceId: r.id, idempotencyKey: key, occurredAt: new Date(r.returned_at), actor: TIERS_ACTOR });
    }
    return this.appendGrowth(tx, entries, { locked: true });
  }

  /** Growth from activity events whose type the active set's growth rules name (survey, share, check_in, …). */
  async growFromInteractions(tx: Db, events: Array<{ id: string; customerId: string | null; type: string; occurredAt: string }>): Promise<string[]> {
    const set = await this.activeSet(tx);
    const rules = set.definition.growth.interactions;
    const entries: GrowthEntryInput[] = [];
    for (const e of events) {
      const points = rules[e.type];
      if (!e.customerId || !points) continue;
      entries.push({
        customerId: e.customerId,
        points,
        sourceType: 'event',
        sourceId: e.id,
        idempotencyKey: `growth:event:${e.id}`,
        occurredAt: new Date(e.occurredAt),
        actor: TIERS_ACTOR,
        reason: e.type,
      });
    }
    return this.appendGrowth(tx, entries);
  }

  /** Growth entries follow a merge to the survivor (and back on unmerge); both sums are recomputed. */
  mergeParticipant(): MergeParticipant {
    const resum = async (tx: Db, ids: string[]) => {
      await this.lockAccounts(tx, ids);
      await tx.execute(
        sql`update loyalty.accounts a set growth = coalesce((select sum(points) from loyalty.growth_entries g where g.customer_id = a.customer_id), 0), updated_at = now()
            where a.customer_id = any(${sql.param(ids)}::uuid[])`,
      );
    };
    return {
      name: 'loyalty-growth',
      moveRecords: async (tx, fromId, toId) => {
        await renameClashingKeys(tx, 'growth_entries', sql`m.customer_id = ${fromId}`, toId);
        const moved = await moveCustomerRows<{ id: string }>(tx, 'loyalty.growth_entries', fromId, toId, { returning: ['id'] });
        if (moved.length > 0) {
          await resum(tx, [fromId, toId]);
          await this.qualify(tx, [toId]);
        }
        return moved.map((m) => m.id);
      },
      restoreRecords: async (tx, ids, toId) => {
        if (ids.length === 0) return;
        await renameClashingKeys(tx, 'growth_entries', sql`m.id = any(${sql.param(ids)}::uuid[])`, toId);
        const owners = await moveRowsTo(tx, 'loyalty.growth_entries', sql`t.id = any(${sql.param(ids)}::uuid[])`, toId);
        await resum(tx, [toId, ...owners]);
      },
    };
  }

  // ---- members --------------------------------------------------------------------------------

  private async liveMember(customerId: string, tx: Db = this.db): Promise<string> {
    const live = (await this.deps.customers.liveCustomerIds([customerId], tx)).get(customerId);
    if (!live) throw notFound('loyalty.member_not_found', `No customer with id ${customerId}`);
    return live;
  }

  /** A member's tier, progress and benefits, for checkout and service. */
  async memberTier(customerId: string, at = new Date()) {
    const id = await this.liveMember(customerId);
    const set = await this.activeSet();
    const def = set.definition;
    const acct = await queryOne<{
      growth: string | number;
      tier_set: string | null;
      tier_code: string | null;
      tier_since: string | Date | null;
      tier_manual_until: string | Date | null;
      tier_grace_until: string | Date | null;
    }>(this.db, sql`select growth, tier_set, tier_code, tier_since, tier_manual_until, tier_grace_until from loyalty.accounts where customer_id = ${id}`);
    let measure = Number(acct?.growth ?? 0);
    if (def.measure === 'yearly_spend') {
      const row = await queryOne<{ spend: string | number | null }>(
        this.db,
        sql`select sum(paid_fen - refunded_fen)::bigint as spend from orders.order_facts
            where customer_id = ${id} and status <> 'cancelled'
              and placed_at > ${at.toISOString()}::timestamptz - interval '12 months' and placed_at <= ${at.toISOString()}::timestamptz`,
      );
      measure = Number(row?.spend ?? 0);
    }
    const held = acct?.tier_set === set.code ? (def.tiers.find((t) => t.code === acct.tier_code) ?? null) : null;
    const progress = progressFor(measure, def, held?.code ?? null);
    const birthday = await queryOne<{ birthday: string | null }>(
      this.db,
      sql`select to_char(birthday, 'YYYY-MM-DD') as birthday from customers.customer_facts where id = ${id}`,
    );
    const today = localDate(at, this.deps.timeZone);
    const birthdayMonth = !!birthday?.birthday && birthday.birthday.slice(5, 7) === today.slice(5, 7);
    const iso = (d: string | Date | null | undefined) => (d ? new Date(d).toISOString() : null);
    return {
      customerId: id,
      tierSet: { code: set.code, version: set.version, name: set.name },
      tier: held ? { code: held.code, name: held.name } : null,
      since: held ? iso(acct?.tier_since) : null,
      manualUntil: iso(acct?.tier_manual_until),
      graceUntil: iso(acct?.tier_grace_until),
      measure: { type: def.measure, unit: MEASURE_UNIT[def.measure], value: measure },
      growth: Number(acct?.growth ?? 0),
      next: progress.next,
      benefits: (held?.benefits ?? {}) as TierBenefits,
      /** Birthday-month benefits (birthdayDiscountPercent, birthdayGift) apply now. */
      birthdayMonth,
    };
  }

  /** A member's growth entries, newest first, with the total (accounts.growth). */
  async growthStatement(customerId: string, limit = 50) {
    const id = await this.liveMember(customerId);
    const total = await queryOne<{ growth: string | number }>(this.db, sql`select growth from loyalty.accounts where customer_id = ${id}`);
    const items = await query<{ points: string | number; source_type: string; source_id: string | null; reason: string | null; occurred_at: string | Date }>(
      this.db,
      sql`select points, source_type, source_id, reason, occurred_at from loyalty.growth_entries
          where customer_id = ${id} order by occurred_at desc, id desc limit ${limit}`,
    );
    return {
      customerId: id,
      growth: Number(total?.growth ?? 0),
      items: items.map((e) => ({
        points: Number(e.points),
        sourceType: e.source_type,
        sourceId: e.source_id,
        reason: e.reason,
        occurredAt: new Date(e.occurred_at).toISOString(),
      })),
    };
  }

  /** Member counts per tier of the active set (and members without a tier). */
  async tierCounts() {
    const set = await this.activeSet();
    const rows = await query<{ tier_code: string | null; n: string | number }>(
      this.db,
      sql`select tier_code, count(*) as n from loyalty.accounts where tier_set = ${set.code} group by tier_code`,
    );
    const none = await queryOne<{ n: string | number }>(
      this.db,
      sql`select count(*) as n from loyalty.accounts where tier_set is distinct from ${set.code} or tier_code is null`,
    );
    const count = new Map(rows.map((r) => [r.tier_code, Number(r.n)]));
    return {
      set,
      tiers: set.definition.tiers.map((t) => ({ ...t, memberCount: count.get(t.code) ?? 0 })),
      withoutTier: Number(none?.n ?? 0),
    };
  }

  /** Staff put a member on a tier until a date; when it ends the rules decide again (daily job). */
  async assignTier(customerId: string, input: { code: string; until: Date; reason: string }, actor: string, at = new Date()) {
    const set = await this.activeSet();
    const tier = set.definition.tiers.find((t) => t.code === input.code);
    if (!tier)
      throw invalid('loyalty.tier_unknown', `The active tier set ${set.code} has no tier ${input.code}`, [
        { path: 'code', message: `one of ${set.definition.tiers.map((t) => t.code).join(', ')}` },
      ]);
    if (input.until <= at) throw invalid('loyalty.tier_until_past', 'until must be in the future', [{ path: 'until', message: 'must be in the future' }]);
    const id = await this.liveMember(customerId);
    await this.db.transaction(async (tx) => {
      await this.lockAccounts(tx, [id]);
      const before = await queryOne<{ tier_set: string | null; tier_code: string | null; growth: string | number }>(
        tx,
        sql`select tier_set, tier_code, growth from loyalty.accounts where customer_id = ${id}`,
      );
      const same = before?.tier_set === set.code && before?.tier_code === input.code;
      await tx.execute(
        sql`update loyalty.accounts set tier_set = ${set.code}, tier_code = ${input.code},
              tier_since = case when ${same} then tier_since else ${at.toISOString()}::timestamptz end,
              tier_manual_until = ${input.until.toISOString()}::timestamptz, tier_grace_until = null, updated_at = now()
            where customer_id = ${id}`,
      );
      await this.recordChanges(
        tx,
        set,
        at,
        [
          {
            id: newId(),
            customerId: id,
            fromCode: before?.tier_code ?? null,
            toCode: input.code,
            reason: 'manual',
            measure: null,
            graceUntil: null,
            note: input.reason,
            fromSet: before?.tier_set ?? null,
          },
        ],
        actor,
      );
    });
    return this.memberTier(id, at);
  }

  // ---- birthdays ------------------------------------------------------------------------------

  /**
   * Birthday points for members whose birthday (29 February → 28 February in non-leap years) is on
   * `asOfDate` or earlier in that month (a missed run catches up), once a year per member:
   * LedgerService.award with key birthday:<customerId>:<year>. The points are the tier's
   * birthdayPoints; the birthday-month benefits show in memberTier().birthdayMonth all month.
   */
  async grantBirthdays(asOfDate: string): Promise<{ date: string; due: number; granted: number }> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOfDate) || !parseInstant(asOfDate, this.deps.timeZone))
      throw invalid('loyalty.birthday_date_invalid', 'asOfDate must be a date YYYY-MM-DD', [{ path: 'asOfDate', message: 'YYYY-MM-DD' }]);
    const ledger = this.deps.ledger;
    if (!ledger) throw new AppError('unavailable', 'loyalty.ledger_missing', 'The points ledger is not wired; birthday points cannot be granted');
    const set = await this.activeSet();
    const withPoints = set.definition.tiers.filter((t) => (t.benefits.birthdayPoints ?? 0) > 0);
    if (withPoints.length === 0) return { date: asOfDate, due: 0, granted: 0 };
    const points = new Map(withPoints.map((t) => [t.code, t.benefits.birthdayPoints!]));
    const month = Number(asOfDate.slice(5, 7));
    const rows = await query<{ customer_id: string; birthday: string; tier_code: string }>(
      this.db,
      sql`select a.customer_id, to_char(f.birthday, 'YYYY-MM-DD') as birthday, a.tier_code
          from loyalty.accounts a join customers.customer_facts f on f.id = a.customer_id
          where f.status = 'active' and f.birthday is not null and extract(month from f.birthday) = ${month}
            and a.tier_set = ${set.code} and a.tier_code = any(${sql.param([...points.keys()])}::text[])
          order by a.customer_id`,
    );
    const due = rows.filter((r) => birthdayDue(asOfDate, r.birthday));
    const year = asOfDate.slice(0, 4);
    const occurredAt = parseInstant(asOfDate, this.deps.timeZone)!;
    let granted = 0;
    for (const part of chunks(due, 500)) {
      await this.db.transaction(async (tx) => {
        for (const m of part) {
          const tier = set.definition.tiers.find((t) => t.code === m.tier_code)!;
          const award = await ledger.award(tx, {
            customerId: m.customer_id,
            points: points.get(m.tier_code)!,
            sourceType: 'birthday',
            sourceId: year,
            idempotencyKey: `birthday:${m.customer_id}:${year}`,
            reason: 'birthday',
            actor: TIERS_ACTOR,
            occurredAt,
            detail: { tierSet: set.code, tier: m.tier_code },
          });
          if (!award) continue;
          granted += 1;
          await this.deps.customers.addTimelineItem(tx, {
            customerId: m.customer_id,
            occurredAt,
            kind: 'loyalty.birthday',
            refId: award.entryId,
            summary: {
              points: points.get(m.tier_code)!,
              tier: m.tier_code,
              birthdayDiscountPercent: tier.benefits.birthdayDiscountPercent ?? null,
              birthdayGift: tier.benefits.birthdayGift ?? false,
            },
          });
        }
      });
    }
    return { date: asOfDate, due: due.length, granted };
  }
}
