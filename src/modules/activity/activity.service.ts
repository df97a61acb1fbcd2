import { sql, type SQL } from 'drizzle-orm';
import { parseInstant, systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { moveCustomerRows } from '../../platform/db/move-rows.js';
import { AppError, invalid, type FieldIssue } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import type { ItemResult } from '../../platform/http/batch.js';
import { newId } from '../../platform/ids.js';
import { countEventsIngested, writtenCount } from '../../platform/metrics.js';
import {
  normaliseIdentifier,
  validateCustomerRef,
  type CustomerRefInput,
  type CustomersService,
  type IdentifierAttached,
} from '../customers/index.js';
import type { EventInput, EventQuery } from './activity.schemas.js';
import { events } from './db/activity.schema.js';
import { activityExportParticipant } from './privacy-export.js';
import {
  applyRetention,
  checkRetentionMonths,
  monthlyCounts,
  moveRollups,
  retentionStatus,
  type RetentionOptions,
  type RetentionResult,
  type RetentionStatus,
} from './retention.js';

/** An event as listed: identified (`activity.events`) or anonymous (`activity.anonymous_events`, customerId null). */
export type Event = Omit<typeof events.$inferSelect, 'customerId'> & { customerId: string | null };
export type EventResult = ItemResult<{ id: string; customerId: string | null }>;

export interface RecordContext {
  /** The sending system for items that name none ('api' unless said); part of the idempotency key. */
  source?: string;
  /**
   * Each item's position in the sender's batch: results carry it and issue paths start with
   * `items.<index>.`. Without it results are numbered by position and paths are the item's own.
   */
  indexes?: number[];
}

/** Published after commit for every call that stored new events. */
export interface EventsRecorded {
  events: Array<{ id: string; customerId: string | null; type: string; occurredAt: string }>;
}

/** Identifier types an unattributed event is keyed by, and the column holding each. */
const ANONYMOUS_KEYS = { anonymous_id: 'anonymous_id', device_id: 'device_id' } as const;

interface Prepared {
  pos: number;
  index: number;
  ref: CustomerRefInput;
  row: Omit<typeof events.$inferInsert, 'customerId'> & { id: string; source: string; customerId: string | null };
}

interface Written {
  id: string;
  customerId: string | null;
  status: 'created' | 'updated' | 'unchanged';
}

export class ActivityService {
  constructor(
    private readonly db: Db,
    private readonly deps: {
      customers: CustomersService;
      timeZone: string;
      defaultRegion: string;
      /** The retention policy: months of events kept (KEMAI_RETENTION_EVENTS_MONTHS; 0 = forever). */
      retentionMonths?: number;
      clock?: Clock;
    },
  ) {
    deps.customers.registerMergeParticipant({
      name: 'activity',
      // Rows move by delete + insert (moveCustomerRows), never `update … set customer_id` (ADR 0014).
      moveRecords: async (tx, fromId, toId) => {
        const moved = await moveEvents(tx, { from: fromId }, toId);
        // Rolled-up months go along; their row ids join the event ids (uuids both) so an unmerge moves them back.
        const rolled = await moveRollups(tx, { from: fromId }, toId);
        return [...moved, ...rolled];
      },
      restoreRecords: async (tx, ids, toId) => {
        if (ids.length === 0) return;
        await moveEvents(tx, { ids }, toId);
        await moveRollups(tx, { ids }, toId);
      },
    });
    deps.customers.registerExportParticipant(activityExportParticipant);
  }

  /**
   * Store behaviour events, one transaction per call. Items with bad fields come back as errors
   * naming the field and are not written; the others are. A (source, externalId) already stored
   * is a replay: unchanged when equal, updated when the sender corrected it.
   */
  async recordEvents(items: EventInput[], ctx: RecordContext = {}): Promise<EventResult[]> {
    const results: EventResult[] = new Array(items.length);
    const prepared: Prepared[] = [];
    items.forEach((item, pos) => {
      const index = ctx.indexes?.[pos] ?? pos;
      const prefix = ctx.indexes ? `items.${index}.` : '';
      const { row, issues } = this.prepare(item, ctx.source ?? 'api');
      if (issues.length > 0 || !row) {
        const named = issues.map((i) => ({ ...i, path: prefix + i.path }));
        results[pos] = {
          index,
          status: 'error',
          error: { code: 'validation_failed', message: `${named[0]!.path}: ${named[0]!.message}`, issues: named },
        };
      } else prepared.push({ pos, index, ref: item.customer, row });
    });
    if (prepared.length > 0) {
      const outcomes = await this.db.transaction((tx) => this.write(tx, prepared, ctx.source ?? 'api'));
      countEventsIngested(writtenCount(outcomes));
      prepared.forEach((p, i) => {
        const o = outcomes[i]!;
        if ('issues' in o) {
          const prefix = ctx.indexes ? `items.${p.index}.` : '';
          const named = o.issues.map((x) => ({ ...x, path: prefix + x.path }));
          results[p.pos] = {
            index: p.index,
            status: 'error',
            error: { code: 'validation_failed', message: `${named[0]!.path}: ${named[0]!.message}`, issues: named },
          };
        } else results[p.pos] = { index: p.index, status: o.status, id: o.id, customerId: o.customerId };
      });
    }
    return results;
  }

  /** One event; bad input is thrown as a validation error naming the field. */
  async recordEvent(item: EventInput, source?: string): Promise<{ status: Written['status']; id: string; customerId: string | null }> {
    const [r] = await this.recordEvents([item], source ? { source } : {});
    if (r!.status === 'error') throw invalid('activity.invalid_event', r!.error.message, r!.error.issues);
    return { status: r!.status, id: r!.id, customerId: r!.customerId };
  }

  /**
   * Give a profile the unattributed events of an anonymous or device id it now holds. Runs in
   * the transaction that attached the id (events path) or in the outbox handler (other records);
   * by then the profile may have been merged, so its survivor gets them.
   */
  async attributeIdentifiers(tx: Db, attached: IdentifierAttached[]): Promise<number> {
    const found = attached.filter((a) => a.type in ANONYMOUS_KEYS);
    if (found.length === 0) return 0;
    const live = await this.deps.customers.liveCustomerIds(found.map((a) => a.customerId), tx);
    const pairs = found.map((a) => ({ ...a, customerId: live.get(a.customerId) ?? a.customerId }));
    let total = 0;
    for (const [type, column] of Object.entries(ANONYMOUS_KEYS)) {
      const first = new Map<string, string>();
      for (const p of pairs) if (p.type === type && !first.has(p.value)) first.set(p.value, p.customerId);
      if (first.size === 0) continue;
      // The id's anonymous events move to activity.events under the profile, their keys follow: one statement.
      const rows = await query(
        tx,
        sql`with moved as (
              delete from activity.anonymous_events a
              using unnest(${sql.param([...first.keys()])}::text[], ${sql.param([...first.values()])}::uuid[]) as v(key, customer_id)
              where a.${sql.identifier(column)} = v.key
              returning a.*, v.customer_id as to_customer
            ), ins as (
              insert into activity.events (${EVENT_COLUMNS}, received_at)
              select id, to_customer, anonymous_id, device_id, type, occurred_at, channel, store_code, sku, properties, source,
                     external_id, received_at
              from moved
              returning 1
            ), keys as (
              update activity.event_keys k set customer_id = m.to_customer
              from moved m where m.external_id is not null and k.external_id = m.external_id and k.source = m.source
              returning 1
            )
            select id from moved where (select count(*) from ins) + (select count(*) from keys) >= 0`,
      );
      total += rows.length;
    }
    return total;
  }

  /** The configured retention policy in months (0 = events are kept forever). */
  get retentionMonths(): number {
    return this.deps.retentionMonths ?? 0;
  }

  /**
   * Roll up and delete the events that occurred before the start of the month `months` months back (business time
   * zone), 10,000 per transaction; audited when it deleted any. Bad `months` is refused before anything changes.
   */
  async applyRetention(opts: RetentionOptions): Promise<RetentionResult> {
    checkRetentionMonths(opts.months);
    return applyRetention(this.db, this.deps.timeZone, { ...opts, now: opts.now ?? (this.deps.clock ?? systemClock).now() });
  }

  /** The policy, the oldest kept event, what the next run would roll up and what the rollup holds. */
  async retentionStatus(now?: Date): Promise<RetentionStatus> {
    return retentionStatus(this.db, this.deps.timeZone, this.retentionMonths, now ?? (this.deps.clock ?? systemClock).now());
  }

  /** One customer's (a merged-away id: its survivor's) events per month and type, rolled-up months included. */
  async monthlyCounts(customerId: string): Promise<Array<{ month: string; type: string; events: number }>> {
    const live = (await this.deps.customers.liveCustomerIds([customerId])).get(customerId) ?? customerId;
    return monthlyCounts(this.db, this.deps.timeZone, live);
  }

  /**
   * A merged-away customer id lists its survivor's events, as the customer 360 does. Without a customer id the list
   * holds the anonymous events too (customerId null).
   */
  async listEvents(q: EventQuery): Promise<{ items: Event[]; nextCursor: string | null }> {
    const where: SQL[] = [];
    if (q.customerId) {
      const live = (await this.deps.customers.liveCustomerIds([q.customerId])).get(q.customerId);
      where.push(sql`e.customer_id = ${live ?? q.customerId}::uuid`);
    }
    if (q.type) where.push(sql`e.type = ${q.type}`);
    if (q.from) where.push(sql`e.occurred_at >= ${this.boundary(q.from, 'from').toISOString()}::timestamptz`);
    if (q.to) where.push(sql`e.occurred_at < ${this.boundary(q.to, 'to').toISOString()}::timestamptz`);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      where.push(sql`(e.occurred_at, e.id) < (${c.at}::timestamptz, ${c.id}::uuid)`);
    }
    const from = q.customerId
      ? sql`activity.events`
      : sql`(select ${EVENT_COLUMNS}, received_at from activity.events
             union all
             select id, null::uuid, anonymous_id, device_id, type, occurred_at, channel, store_code, sku, properties, source,
                    external_id, received_at from activity.anonymous_events)`;
    const rows = await query<EventRow>(
      this.db,
      sql`select e.id, e.customer_id, e.anonymous_id, e.device_id, e.type, e.occurred_at, e.channel, e.store_code, e.sku,
                 e.properties, e.source, e.external_id, e.received_at
          from ${from} e
          ${where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``}
          order by e.occurred_at desc, e.id desc
          limit ${q.limit + 1}`,
    );
    const items = rows.slice(0, q.limit).map(toEvent);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
  }

  private boundary(text: string, field: 'from' | 'to'): Date {
    // A bare date as `to` includes that whole local day.
    const t = field === 'to' && /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? nextDay(text.trim()) : text;
    const at = parseInstant(t, this.deps.timeZone);
    if (!at) throw invalid('validation_failed', `${field}: not a date or date-time`, [{ path: field, message: 'not a date or date-time' }]);
    return at;
  }

  private prepare(item: EventInput, defaultSource: string): { row?: Prepared['row']; issues: FieldIssue[] } {
    const issues: FieldIssue[] = [];
    const nul = findNul(item, '');
    if (nul !== undefined) issues.push({ path: nul || '(root)', message: 'must not contain NUL (\\u0000) characters' });
    const occurredAt = parseInstant(item.occurredAt, this.deps.timeZone);
    if (!occurredAt) issues.push({ path: 'occurredAt', message: 'not a valid date or date-time' });
    const ref = item.customer;
    issues.push(...validateCustomerRef(ref, this.deps.defaultRegion, 'customer'));
    const named = Object.entries(ref).some(([k, v]) => IDENTITY_FIELDS.has(k) && typeof v === 'string' && v.trim() !== '');
    if (!named) {
      issues.push({ path: 'customer', message: 'needs a customer id, an identifier (phone, memberNo, …) or an anonymousId/deviceId' });
    }
    if (issues.length > 0 || !occurredAt) return { issues };
    return {
      issues,
      row: {
        id: newId(),
        customerId: null,
        anonymousId: ref.anonymousId ? (normaliseIdentifier('anonymous_id', ref.anonymousId) ?? null) : null,
        deviceId: ref.deviceId ? (normaliseIdentifier('device_id', ref.deviceId) ?? null) : null,
        type: item.type,
        occurredAt,
        channel: item.channel ?? null,
        storeCode: item.storeCode ?? null,
        sku: item.sku ?? null,
        properties: item.properties ?? {},
        source: item.source ?? defaultSource,
        externalId: item.externalId ?? null,
      },
    };
  }

  /**
   * Customer ids for the refs, or the issues of a ref naming an unknown customer id, which fails
   * that item alone. Customers refuses such a call before writing anything, so it runs again
   * without those refs. A ref naming only an anonymous or device id follows the profile holding
   * it and otherwise stays unattributed: a visitor is not a person until identified.
   */
  private async resolve(tx: Db, refs: CustomerRefInput[], source: string, attached: IdentifierAttached[]): Promise<Resolution[]> {
    const out: Resolution[] = refs.map(() => ({ customerId: null }));
    let kept = refs.map((_, i) => i);
    while (kept.length > 0) {
      try {
        const resolved = await this.deps.customers.resolveCustomers(
          tx,
          kept.map((i) => refs[i]!),
          { source, anonymousOnly: 'lookup', attached },
        );
        kept.forEach((i, k) => (out[i] = { customerId: resolved[k]!.customerId }));
        break;
      } catch (e) {
        const refused = refusedRefs(e, kept.length);
        if (!refused) throw e;
        for (const [k, issues] of refused) out[kept[k]!] = { issues };
        kept = kept.filter((_, k) => !refused.has(k));
      }
    }
    return out;
  }

  private async write(tx: Db, all: Prepared[], source: string): Promise<Array<Written | { issues: FieldIssue[] }>> {
    const attached: IdentifierAttached[] = [];
    const resolved = await this.resolve(tx, all.map((p) => p.ref), source, attached);
    const prepared: Prepared[] = [];
    all.forEach((p, i) => {
      const r = resolved[i]!;
      if ('customerId' in r) {
        p.row.customerId = r.customerId;
        prepared.push(p);
      }
    });
    const stored = prepared.length > 0 ? await this.store(tx, prepared) : [];
    // Ids this call gave a profile take their earlier events along now, not at the outbox's pace.
    await this.attributeIdentifiers(tx, attached);
    const byPos = new Map(prepared.map((p, i) => [p.pos, stored[i]!]));
    return all.map((p, i) => byPos.get(p.pos) ?? (resolved[i] as { issues: FieldIssue[] }));
  }

  private async store(tx: Db, prepared: Prepared[]): Promise<Written[]> {
    // One row per idempotency key: a batch naming a key twice keeps the last (as a replayed feed would).
    const keyOf = (p: Prepared) => (p.row.externalId ? `${p.row.source}\u0000${p.row.externalId}` : undefined);
    const lastByKey = new Map<string, Prepared>();
    for (const p of prepared) {
      const k = keyOf(p);
      if (k) lastByKey.set(k, p);
    }
    // Sorted by key so concurrent batches replaying the same events take the unique-index locks in
    // the same order instead of deadlocking.
    const rows = prepared
      .filter((p) => {
        const k = keyOf(p);
        return !k || lastByKey.get(k) === p;
      })
      .sort((a, b) => {
        const ka = keyOf(a) ?? '';
        const kb = keyOf(b) ?? '';
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      });

    // Columns as arrays through unnest: a handful of parameters whatever the batch size, which
    // both drivers bind several times faster than a 13,000-parameter VALUES list.
    const unnested = (list: Prepared[]) => {
      const col = <T>(f: (r: Prepared['row']) => T) => sql.param(list.map((p) => f(p.row)));
      return sql`unnest(${col((r) => r.id)}::uuid[], ${col((r) => r.customerId)}::uuid[], ${col((r) => r.anonymousId)}::text[],
                        ${col((r) => r.deviceId)}::text[], ${col((r) => r.type)}::text[],
                        ${col((r) => r.occurredAt.toISOString())}::timestamptz[], ${col((r) => r.channel)}::text[],
                        ${col((r) => r.storeCode)}::text[], ${col((r) => r.sku)}::text[],
                        ${col((r) => JSON.stringify(r.properties))}::jsonb[], ${col((r) => r.source)}::text[],
                        ${col((r) => r.externalId)}::text[])
                 with ordinality as v(id, customer_id, anonymous_id, device_id, type, occurred_at, channel, store_code, sku,
                                      properties, source, external_id, n)`;
    };

    // One statement: the keys (on conflict do nothing: a key already there is a replay), then the events whose key is
    // new or that have none — identified ones into events, anonymous ones into anonymous_events. Keys are taken in
    // key order so concurrent batches replaying the same events do not deadlock.
    const fresh = await query<{ source: string; external_id: string }>(
      tx,
      sql`with v as (select * from ${unnested(rows)}),
          k as (
            insert into activity.event_keys (source, external_id, customer_id, event_id)
            select v.source, v.external_id, v.customer_id, v.id from v where v.external_id is not null order by v.n
            on conflict do nothing
            returning source, external_id, event_id
          ),
          new_rows as (select * from v where v.external_id is null or v.id in (select event_id from k)),
          ie as (
            insert into activity.events (${EVENT_COLUMNS})
            select id, customer_id, anonymous_id, device_id, type, occurred_at, channel, store_code, sku, properties, source, external_id
            from new_rows where customer_id is not null order by n
            returning 1
          ),
          ia as (
            insert into activity.anonymous_events (id, anonymous_id, device_id, type, occurred_at, channel, store_code, sku, properties, source, external_id)
            select id, anonymous_id, device_id, type, occurred_at, channel, store_code, sku, properties, source, external_id
            from new_rows where customer_id is null order by n
            returning 1
          )
          select source, external_id from k where (select count(*) from ie) + (select count(*) from ia) >= 0`,
    );

    const byNewId = new Map<string, Written>();
    const byKey = new Map<string, Written>();
    const isFresh = new Set(fresh.map((f) => `${f.source}\u0000${f.external_id}`));
    for (const p of rows) {
      const k = keyOf(p);
      const w: Written = { id: p.row.id, customerId: p.row.customerId, status: 'created' };
      if (!k) byNewId.set(p.row.id, w);
      else if (isFresh.has(k)) byKey.set(k, w);
    }
    // Replays: apply a corrected one as an update (an anonymous event the replay now attributes moves to events).
    const replays = rows.filter((p) => {
      const k = keyOf(p);
      return k !== undefined && !isFresh.has(k);
    });
    if (replays.length > 0) {
      for (const r of await this.replay(tx, unnested(replays))) {
        byKey.set(`${r.source}\u0000${r.external_id}`, { id: r.id, customerId: r.customer_id, status: r.updated ? 'updated' : 'unchanged' });
      }
      for (const p of replays) {
        if (!byKey.has(keyOf(p)!)) throw new Error(`activity: the stored event of ${p.row.source}/${p.row.externalId} vanished; send it again`);
      }
    }

    const written = prepared.map((p) => {
      const k = keyOf(p);
      return (k ? byKey.get(k) : byNewId.get(p.row.id))!;
    });
    const created = new Map<string, EventsRecorded['events'][number]>();
    prepared.forEach((p, i) => {
      const w = written[i]!;
      if (w.status === 'created' && w.id === p.row.id) {
        created.set(w.id, { id: w.id, customerId: w.customerId, type: p.row.type, occurredAt: p.row.occurredAt.toISOString() });
      }
    });
    if (created.size > 0) await publish<EventsRecorded>(tx, 'activity.events.recorded', { events: [...created.values()] });
    return written;
  }

  /**
   * Replays of stored keys (`values`: the unnest of their rows): the stored event is updated when the replay differs
   * (it moves to the replay's customer_id when that is another; it stays when the replay names none); a stored anonymous event that the replay
   * attributes moves from anonymous_events to events. The key's customer_id follows. Answers every replayed key.
   */
  private async replay(tx: Db, values: SQL) {
    const stored = (t: string) => sql.raw(`${t}.anonymous_id, ${t}.device_id, ${t}.type, ${t}.occurred_at, ${t}.channel, ${t}.store_code, ${t}.sku, ${t}.properties`);
    const sent = sql`s.anonymous_id, s.device_id, s.type, s.occurred_at, s.channel, s.store_code, s.sku, s.properties`;
    const set = sql`anonymous_id = s.anonymous_id, device_id = s.device_id, type = s.type, occurred_at = s.occurred_at,
                    channel = s.channel, store_code = s.store_code, sku = s.sku, properties = s.properties`;
    // A replay naming another customer than the stored event's: the event moves to it first (moveCustomerRows, delete +
    // insert, never `update … set customer_id`: ADR 0014), its key along; the statement below then applies the sent
    // fields, and the moved events answer `updated` whatever their fields.
    const rehomed = await query<{ event_id: string; from_customer: string; to_customer: string }>(
      tx,
      sql`select k.event_id, k.customer_id as from_customer, v.customer_id as to_customer
          from ${values} join activity.event_keys k on k.external_id = v.external_id and k.source = v.source
          where k.customer_id is not null and v.customer_id is not null and k.customer_id <> v.customer_id
          order by v.external_id, v.source`,
    );
    const moves = new Map<string, { from: string; to: string; ids: string[] }>();
    for (const r of rehomed) {
      const k = `${r.from_customer}>${r.to_customer}`;
      const m = moves.get(k) ?? { from: r.from_customer, to: r.to_customer, ids: [] };
      m.ids.push(r.event_id);
      moves.set(k, m);
    }
    const movedIds = new Set<string>();
    for (const m of moves.values()) {
      const moved = await moveCustomerRows<{ id: string; source: string; external_id: string | null }>(tx, 'activity.events', m.from, m.to, {
        where: sql`t.id = any(${sql.param(m.ids)}::uuid[])`,
        returning: ['id', 'source', 'external_id'],
      });
      await moveEventKeys(tx, moved, m.to);
      for (const e of moved) movedIds.add(e.id);
    }
    const answered = await query<{ source: string; external_id: string; id: string; customer_id: string | null; updated: boolean }>(
      tx,
      sql`with s as (
            select v.*, k.event_id, k.customer_id as stored_customer
            from ${values} join activity.event_keys k on k.external_id = v.external_id and k.source = v.source
          ),
          ue as (
            update activity.events e set ${set}
            from s where e.customer_id = s.stored_customer and e.id = s.event_id
              and (s.customer_id is null or s.customer_id = e.customer_id)
              and (${stored('e')}) is distinct from (${sent})
            returning e.id, e.customer_id
          ),
          ua as (
            update activity.anonymous_events a set ${set}
            from s where s.stored_customer is null and s.customer_id is null and a.id = s.event_id
              and (${stored('a')}) is distinct from (${sent})
            returning a.id, null::uuid as customer_id
          ),
          moved as (
            delete from activity.anonymous_events a using s
            where s.stored_customer is null and s.customer_id is not null and a.id = s.event_id
            returning a.id, a.received_at
          ),
          me as (
            insert into activity.events (${EVENT_COLUMNS}, received_at)
            select m.id, s.customer_id, s.anonymous_id, s.device_id, s.type, s.occurred_at, s.channel, s.store_code, s.sku,
                   s.properties, s.source, s.external_id, m.received_at
            from moved m join s on s.event_id = m.id
            returning id, customer_id
          ),
          changed as (select id, customer_id from ue union all select id, customer_id from ua union all select id, customer_id from me),
          keys as (
            update activity.event_keys ek set customer_id = c.customer_id
            from changed c join s on s.event_id = c.id
            where ek.external_id = s.external_id and ek.source = s.source and ek.customer_id is distinct from c.customer_id
            returning 1
          )
          select s.source, s.external_id, s.event_id as id, case when c.id is null then s.stored_customer else c.customer_id end as customer_id,
                 (c.id is not null) as updated
          from s left join changed c on c.id = s.event_id
          where (select count(*) from keys) >= 0`,
    );
    return answered.map((r) => (movedIds.has(r.id) ? { ...r, updated: true } : r));
  }
}

/** The columns of activity.events an insert names (received_at takes its default unless moved). */
const EVENT_COLUMNS = sql.raw('id, customer_id, anonymous_id, device_id, type, occurred_at, channel, store_code, sku, properties, source, external_id');

/**
 * Give events — all of customer `from`'s, or the events `ids` wherever they are — to `toId`, their idempotency keys
 * along; answers their ids. Per current holder with moveCustomerRows (delete + insert, never `update … set
 * customer_id`: ADR 0014); event_keys is a key table and is updated by key.
 */
async function moveEvents(tx: Db, rows: { from: string } | { ids: string[] }, toId: string): Promise<string[]> {
  const owners =
    'from' in rows
      ? [rows.from]
      : (
          await query<{ customer_id: string }>(
            tx,
            sql`select distinct customer_id from activity.events where id = any(${sql.param(rows.ids)}::uuid[]) order by customer_id`,
          )
        ).map((r) => r.customer_id);
  const ids: string[] = [];
  for (const owner of owners) {
    if (owner === toId) continue;
    const moved = await moveCustomerRows<{ id: string; source: string; external_id: string | null }>(tx, 'activity.events', owner, toId, {
      ...('ids' in rows ? { where: sql`t.id = any(${sql.param(rows.ids)}::uuid[])` } : {}),
      returning: ['id', 'source', 'external_id'],
    });
    await moveEventKeys(tx, moved, toId);
    ids.push(...moved.map((m) => m.id));
  }
  return ids;
}

/** Point the idempotency keys of moved events at their new holder (by key: on Citus each is found on its shard). */
async function moveEventKeys(tx: Db, moved: Array<{ source: string; external_id: string | null }>, toId: string): Promise<void> {
  const keyed = moved.filter((m) => m.external_id !== null);
  if (keyed.length === 0) return;
  await tx.execute(sql`
    update activity.event_keys k set customer_id = ${toId}::uuid
    from unnest(${sql.param(keyed.map((m) => m.external_id))}::text[], ${sql.param(keyed.map((m) => m.source))}::text[]) as v(external_id, source)
    where k.external_id = v.external_id and k.source = v.source`);
}

interface EventRow {
  id: string;
  customer_id: string | null;
  anonymous_id: string | null;
  device_id: string | null;
  type: string;
  occurred_at: Date | string;
  channel: string | null;
  store_code: string | null;
  sku: string | null;
  properties: unknown;
  source: string;
  external_id: string | null;
  received_at: Date | string;
}

function toEvent(r: EventRow): Event {
  return {
    id: r.id,
    customerId: r.customer_id,
    anonymousId: r.anonymous_id,
    deviceId: r.device_id,
    type: r.type,
    occurredAt: new Date(r.occurred_at),
    channel: r.channel,
    storeCode: r.store_code,
    sku: r.sku,
    properties: typeof r.properties === 'string' ? (JSON.parse(r.properties) as unknown) : r.properties,
    source: r.source,
    externalId: r.external_id,
    receivedAt: new Date(r.received_at),
  };
}

type Resolution = { customerId: string | null } | { issues: FieldIssue[] };

/**
 * Customers refuses a batch naming an unknown customer id as a whole, with paths `customer.id`
 * (one ref) or `<k>.customer.id`: the refs at fault, by position, with item-relative paths.
 */
function refusedRefs(e: unknown, count: number): Map<number, FieldIssue[]> | undefined {
  if (!(e instanceof AppError) || e.kind !== 'validation') return undefined;
  const issues = (e.details as { issues?: FieldIssue[] } | undefined)?.issues ?? [];
  const byRef = new Map<number, FieldIssue[]>();
  for (const issue of issues) {
    const m = /^(?:(\d+)\.)?(customer(?:\..*)?)$/.exec(issue.path);
    const k = m ? (m[1] === undefined ? (count === 1 ? 0 : -1) : Number(m[1])) : -1;
    if (k < 0 || k >= count) return undefined;
    byRef.set(k, [...(byRef.get(k) ?? []), { path: m![2]!, message: issue.message }]);
  }
  return byRef.size > 0 ? byRef : undefined;
}

/** Ref fields that say who the person is (profile hints like name alone do not). */
const IDENTITY_FIELDS = new Set([
  'id',
  'phone',
  'email',
  'memberNo',
  'wechatOpenid',
  'wechatUnionid',
  'ecomUserId',
  'posCard',
  'deviceId',
  'anonymousId',
]);

/** Postgres text and jsonb refuse NUL: find it up front so the item fails alone, with its path. */
function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], path ? `${path}.${i}` : String(i));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) return p;
      const hit = findNul(v, p);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function encodeCursor(e: Event): string {
  return Buffer.from(JSON.stringify([e.occurredAt.toISOString(), e.id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (!Number.isNaN(Date.parse(at)) && /^[0-9a-f-]{36}$/i.test(id)) return { at, id };
  } catch {
    /* reported below */
  }
  throw invalid('validation_failed', 'cursor: not a cursor this API returned', [{ path: 'cursor', message: 'not a cursor this API returned' }]);
}
