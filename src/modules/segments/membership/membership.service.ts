import { sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { publishMany } from '../../../platform/events/event-bus.js';
import { audienceSettings, audienceSql, type CompileContext } from '../rules/rule.compiler.js';
import { dependenciesOf, parseRuleDefinition, type RuleDependency } from '../rules/rule.schema.js';

export const SEGMENT_ENTERED = 'segments.customer.entered';
export const SEGMENT_EXITED = 'segments.customer.exited';
/** Customers per entered / exited event. */
export const EVENT_CUSTOMERS = 1000;

/**
 * Payload of segments.customer.entered / exited: the customers that entered (or left) one segment in one
 * change, up to 1,000 per event. `reason`: created (first fill of a new segment), refresh (a full
 * recomputation, scheduled or on demand), update (an event about these customers), merge (a merged-away
 * profile left; for a static list its survivor took its place).
 */
export interface MembershipChanged {
  segmentId: string;
  code: string;
  customerIds: string[];
  at: string;
  reason: 'created' | 'refresh' | 'update' | 'merge';
}

export interface RefreshResult {
  segmentId: string;
  code: string;
  size: number;
  entered: number;
  exited: number;
}

/** Segments refreshed, customers who entered and who exited, over several refreshes (for logs and answers). */
export function summarise(results: RefreshResult[]): { segments: number; entered: number; exited: number } {
  return { segments: results.length, entered: results.reduce((s, r) => s + r.entered, 0), exited: results.reduce((s, r) => s + r.exited, 0) };
}

export interface SegmentRow {
  id: string;
  code: string;
  kind: string;
  definition: unknown;
  active: boolean;
}

/** Kinds whose members come from a query (static lists are written once, at upload). */
const COMPUTED = ['rule', 'rfm', 'value', 'cluster'] as const;

/**
 * Keeps segment membership current: a full refresh (every active segment on a schedule, one on demand)
 * and incremental updates for the customers an event names. Both diff the current members against the
 * audience in one SQL statement per segment, write segments.members and the membership log, and publish
 * segments.customer.entered / exited; a full refresh also writes the size history.
 */
export class MembershipService {
  private predictions: boolean | undefined;

  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string; log?: Logger | undefined },
  ) {}

  /** Whether the insights module publishes predictions (insights.prediction_facts); checked once. */
  async predictionsAvailable(db: Db = this.db): Promise<boolean> {
    if (this.predictions === undefined) {
      // Through the caller's transaction when there is one: on PGlite a read on this.db inside a transaction waits for
      // that transaction's end, for ever (the event drain hung this way on its first update after a start).
      const row = await queryOne<{ ok: boolean }>(db, sql`select to_regclass('insights.prediction_facts') is not null as ok`);
      this.predictions = Boolean(row?.ok);
    }
    return this.predictions;
  }

  /**
   * "Now", when no as-of date is given, is the database's clock, not this process's: servers and workers on several
   * machines then judge "ordered in the last 30 days" and "placed at or before now" alike. A worker whose clock ran
   * ten minutes behind used to drop from order-based segments every customer it recomputed during a load run (their
   * orders looked to be in its future).
   */
  async context(asOf?: Date, db: Db = this.db): Promise<CompileContext> {
    const at = asOf ?? (await databaseNow(db));
    return { asOf: at, timeZone: this.deps.timeZone, predictions: await this.predictionsAvailable(db) };
  }

  /**
   * The audience query of a computed segment, or undefined for a static list (and for a saved rule that
   * no longer validates or needs predictions that are gone: such a segment keeps its members).
   */
  audienceOf(segment: Pick<SegmentRow, 'kind' | 'definition'>, ctx: CompileContext, among?: string[]): SQL | undefined {
    const def = segment.definition as Record<string, unknown>;
    const limit = among ? sql` and r.customer_id = any(${sql.param(among)}::uuid[])` : sql``;
    const active = sql`exists (select 1 from customers.customer_facts c where c.id = r.customer_id and c.status = 'active')`;
    switch (segment.kind) {
      case 'rule': {
        const { definition } = parseRuleDefinition(def);
        if (!definition || (!ctx.predictions && dependenciesOf(definition.rule).has('predictions'))) return undefined;
        return audienceSql(definition, ctx, among);
      }
      case 'rfm':
        if (typeof def.class === 'string') return sql`select r.customer_id as id from segments.rfm_scores r where r.value_class = ${def.class}${limit} and ${active}`;
        if (typeof def.segment === 'string') return sql`select r.customer_id as id from segments.rfm_scores r where r.segment = ${def.segment}${limit} and ${active}`;
        return undefined;
      case 'value':
        if (typeof def.quadrant !== 'string') return undefined;
        return sql`select r.customer_id as id from segments.rfm_scores r where r.value_quadrant = ${def.quadrant}${limit} and ${active}`;
      case 'cluster':
        if (typeof def.runId !== 'string' || typeof def.cluster !== 'number') return undefined;
        return sql`select r.customer_id as id from segments.cluster_assignments r where r.run_id = ${def.runId}::uuid and r.cluster = ${def.cluster}${limit} and ${active}`;
      default:
        return undefined;
    }
  }

  /**
   * Make the members of one segment equal to `target` (restricted to `among` when given), in the caller's
   * transaction: exits leave segments.members and close their log row, entries are added with a new log
   * row, and both are published in events of up to 1,000 customers. Answers the changes.
   */
  async apply(
    tx: Db,
    segment: Pick<SegmentRow, 'id' | 'code'>,
    target: SQL,
    at: Date,
    reason: MembershipChanged['reason'],
    among?: string[],
  ): Promise<{ entered: string[]; exited: string[] }> {
    const scope = among ? sql` and m.customer_id = any(${sql.param(among)}::uuid[])` : sql``;
    const when = sql`${at.toISOString()}::timestamptz`;
    const rows = await query<{ dir: 'in' | 'out'; customer_id: string }>(
      tx,
      sql`with target as materialized (${target}),
        gone as (
          delete from segments.members m
          where m.segment_id = ${segment.id}${scope} and not exists (select 1 from target t where t.id = m.customer_id)
          returning m.customer_id),
        came as (
          insert into segments.members (segment_id, customer_id, entered_at)
          select ${segment.id}, t.id, ${when} from target t
          on conflict (segment_id, customer_id) do nothing
          returning customer_id),
        closed as (
          update segments.membership_log l set exited_at = ${when}
          from gone g where l.segment_id = ${segment.id} and l.customer_id = g.customer_id and l.exited_at is null
          returning 1),
        opened as (
          insert into segments.membership_log (segment_id, customer_id, entered_at)
          select ${segment.id}, customer_id, ${when} from came
          on conflict (segment_id, customer_id, entered_at) do update set exited_at = null
          returning 1)
      select 'in' as dir, customer_id::text as customer_id from came
      union all select 'out', customer_id::text from gone`,
    );
    const entered = rows.filter((r) => r.dir === 'in').map((r) => r.customer_id);
    const exited = rows.filter((r) => r.dir === 'out').map((r) => r.customer_id);
    await this.publish(tx, segment, SEGMENT_ENTERED, entered, at, reason);
    await this.publish(tx, segment, SEGMENT_EXITED, exited, at, reason);
    return { entered, exited };
  }

  private async publish(tx: Db, segment: Pick<SegmentRow, 'id' | 'code'>, name: string, ids: string[], at: Date, reason: MembershipChanged['reason']) {
    if (ids.length === 0) return;
    const payloads: MembershipChanged[] = [];
    for (let i = 0; i < ids.length; i += EVENT_CUSTOMERS)
      payloads.push({ segmentId: segment.id, code: segment.code, customerIds: ids.slice(i, i + EVENT_CUSTOMERS), at: at.toISOString(), reason });
    // 100 events (100,000 customers) per statement keeps one statement's parameters a few MB.
    for (let i = 0; i < payloads.length; i += 100) await publishMany(tx, name, payloads.slice(i, i + 100), at);
  }

  /**
   * Recompute one segment from scratch (rule, RFM, value or cluster kinds; a static list is left as is) in
   * its own transaction, holding the segment row so incremental updates wait; writes the size and a size
   * history point.
   */
  async refresh(segmentId: string, opts: { asOf?: Date | undefined; reason?: MembershipChanged['reason'] } = {}): Promise<RefreshResult | undefined> {
    const ctx = await this.context(opts.asOf);
    const at = new Date();
    return this.db.transaction(async (tx) => {
      const seg = await queryOne<SegmentRow>(tx, sql`select id, code, kind, definition, active from segments.segments where id = ${segmentId} for update`);
      if (!seg) return undefined;
      await audienceSettings(tx);
      const target = this.audienceOf(seg, ctx);
      const { entered, exited } = target ? await this.apply(tx, seg, target, at, opts.reason ?? 'refresh') : { entered: [], exited: [] };
      const row = await queryOne<{ size: number }>(
        tx,
        sql`update segments.segments set size = (select count(*) from segments.members m where m.segment_id = ${seg.id}), refreshed_at = ${at.toISOString()}::timestamptz
            where id = ${seg.id} returning size`,
      );
      const size = Number(row!.size);
      await tx.execute(
        sql`insert into segments.size_history (segment_id, at, size, entered, exited)
            values (${seg.id}, ${at.toISOString()}::timestamptz, ${size}, ${entered.length}, ${exited.length})
            on conflict (segment_id, at) do update set size = excluded.size,
              entered = segments.size_history.entered + excluded.entered, exited = segments.size_history.exited + excluded.exited`,
      );
      return { segmentId: seg.id, code: seg.code, size, entered: entered.length, exited: exited.length };
    });
  }

  /** Refresh every active computed segment (one transaction each); `uses` limits it to the rules that read that data. */
  async refreshAll(opts: { asOf?: Date | undefined; uses?: RuleDependency | undefined } = {}): Promise<RefreshResult[]> {
    const segments = await query<SegmentRow>(
      this.db,
      sql`select id, code, kind, definition, active from segments.segments
          where active and kind = any(${sql.param([...COMPUTED])}::text[]) order by code collate "C"`,
    );
    const out: RefreshResult[] = [];
    for (const seg of segments) {
      if (opts.uses && !this.reads(seg, opts.uses)) continue;
      const r = await this.refresh(seg.id, { asOf: opts.asOf });
      if (r) out.push(r);
    }
    return out;
  }

  /** Whether a segment's membership can change when data of this kind changes. */
  private reads(seg: Pick<SegmentRow, 'kind' | 'definition'>, dep: RuleDependency | 'all'): boolean {
    if (dep === 'all') return true;
    if (seg.kind === 'rfm' || seg.kind === 'value') return dep === 'rfm';
    if (seg.kind === 'cluster') return false;
    if (seg.kind !== 'rule') return false;
    const { definition } = parseRuleDefinition(seg.definition);
    return definition ? dependenciesOf(definition.rule).has(dep) : false;
  }

  /**
   * Incremental update for the customers an event names, in the event handler's transaction: each active
   * rule segment that reads the changed data is recomputed for these customers only. Profiles that are no
   * longer active (merged away) leave every segment, computed or static; a static list's member merged away
   * is replaced by the survivor (`survivors`: absorbed id → survivor id).
   */
  async update(
    tx: Db,
    /** The customers, or how to find them (only asked when some segment reads the changed data). */
    customerIds: string[] | (() => Promise<string[]>),
    changed: ReadonlyArray<RuleDependency | 'all'>,
    opts: { asOf?: Date | undefined; survivors?: ReadonlyMap<string, string> | undefined } = {},
  ): Promise<{ entered: number; exited: number }> {
    const all = await query<SegmentRow>(tx, sql`select id, code, kind, definition, active from segments.segments where active order by id`);
    const segments = all.filter((seg) => changed.some((d) => this.reads(seg, d)));
    if (segments.length === 0) return { entered: 0, exited: 0 };
    const ids = [...new Set(typeof customerIds === 'function' ? await customerIds() : customerIds)];
    if (ids.length === 0) return { entered: 0, exited: 0 };
    const ctx = await this.context(opts.asOf, tx);
    const at = new Date();
    let entered = 0;
    let exited = 0;
    // Locked in id order (refresh holds one at a time), so concurrent updates never deadlock.
    await tx.execute(sql`select 1 from segments.segments where id = any(${sql.param(segments.map((s) => s.id))}::uuid[]) order by id for update`);
    for (const seg of segments) {
      let result: { entered: string[]; exited: string[] } | undefined;
      if (seg.kind === 'rule') {
        const target = this.audienceOf(seg, ctx, ids);
        if (target) result = await this.apply(tx, seg, target, at, 'update', ids);
      } else if (changed.includes('all')) {
        result = await this.leaveIfInactive(tx, seg, ids, at, opts.survivors);
      }
      if (!result || (result.entered.length === 0 && result.exited.length === 0)) continue;
      entered += result.entered.length;
      exited += result.exited.length;
      await tx.execute(sql`update segments.segments set size = size + ${result.entered.length - result.exited.length} where id = ${seg.id}`);
    }
    return { entered, exited };
  }

  /** Members among `ids` whose profile is no longer active leave; in a static list their survivor enters. */
  private async leaveIfInactive(tx: Db, seg: SegmentRow, ids: string[], at: Date, survivors?: ReadonlyMap<string, string>) {
    const keep = sql`select m.customer_id as id from segments.members m join customers.customer_facts c on c.id = m.customer_id
                     where m.segment_id = ${seg.id} and m.customer_id = any(${sql.param(ids)}::uuid[]) and c.status = 'active'`;
    const gone = await query<{ customer_id: string }>(
      tx,
      sql`select m.customer_id from segments.members m join customers.customer_facts c on c.id = m.customer_id
          where m.segment_id = ${seg.id} and m.customer_id = any(${sql.param(ids)}::uuid[]) and c.status <> 'active'`,
    );
    if (gone.length === 0) return undefined;
    const replacements = seg.kind === 'static' && survivors ? gone.map((g) => survivors.get(g.customer_id)).filter((s): s is string => !!s) : [];
    const target =
      replacements.length > 0
        ? sql`${keep} union select c.id from customers.customer_facts c where c.id = any(${sql.param(replacements)}::uuid[]) and c.status = 'active'`
        : keep;
    return this.apply(tx, seg, target, at, 'merge', [...new Set([...ids, ...replacements])]);
  }
}

/** The database server's clock (statement time, so not frozen at the start of the caller's transaction). */
async function databaseNow(db: Db): Promise<Date> {
  const row = await queryOne<{ now: Date | string }>(db, sql`select clock_timestamp() as now`);
  return row ? new Date(row.now) : new Date();
}
