import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { isUuid } from './domain/identifiers.js';

/** What stands in for erased free text in columns that must keep a value (NOT NULL, or a row that must stay readable). */
export const ERASED = '[erased]';

export const CUSTOMER_ERASED = 'customers.customer.erased';

export interface ErasureContext {
  /** Who asked: `staff:<id>`, `key:<id>`, `cli:<user>`. */
  actor: string;
  /** Why (staff's words, e.g. the request's reference); kept on the profile's timeline, never in the audit log. */
  reason: string;
  erasedAt: Date;
  /**
   * Every profile that is this person: the erased profile and the profiles merged into it (directly or through
   * other merges). Their records mostly moved to the survivor at the merge, but a module without a merge participant
   * may still hold rows under an absorbed id.
   */
  profileIds: string[];
}

/**
 * Modules holding personal data about a customer register here, so an erasure request removes it everywhere.
 * `erase` runs in the erasure's transaction (a throw rolls the whole erasure back) and returns, per part, how many
 * rows it erased or scrubbed. Financial records (orders, returns, points) stay with their amounts: only the personal
 * values in them go.
 */
export interface ErasureParticipant {
  name: string;
  erase(tx: Db, customerId: string, ctx: ErasureContext): Promise<Record<string, number>>;
}

export interface ErasureResult {
  customerId: string;
  erasedAt: string;
  scrubbed: Record<string, Record<string, number>>;
}

/** The profile ids of an erasure as a uuid[] parameter, for `customer_id = any(${ids(ctx)})`. */
export const profileIdsParam = (ctx: ErasureContext): SQL => sql`${sql.param(ctx.profileIds)}::uuid[]`;

/** How many rows a data-modifying statement (update / delete / insert without its own returning) touched. */
export async function countRows(tx: Db, statement: SQL): Promise<number> {
  const r = await queryOne<{ n: number }>(tx, sql`with x as (${statement} returning 1) select count(*)::int as n from x`);
  return Number(r?.n ?? 0);
}

/** The customers module's own part: the profile(s), identifiers, merges, duplicate suggestions and timeline. */
export const customersErasureParticipant: ErasureParticipant = {
  name: 'customers',
  async erase(tx, id, ctx) {
    const ids = profileIdsParam(ctx);
    const profiles = await countRows(
      tx,
      sql`update customers.customers
          set name = null, gender = null, birthday = null, city = null, address = null, income_band = null,
              occupation = null, family_stage = null, tags = '{}'::text[], attributes = '{}'::jsonb,
              status = case when id = ${id} then 'erased' else status end, updated_at = now()
          where id = any(${ids})`,
    );
    // The key table's rows first (found through the identifiers, by key): the values become free for anyone again.
    await tx.execute(
      sql`delete from customers.identifier_keys k using customers.identifiers i
          where i.customer_id = any(${ids}) and k.value = i.value and k.type = i.type and k.customer_id = i.customer_id`,
    );
    const identifiers = await countRows(tx, sql`delete from customers.identifiers where customer_id = any(${ids})`);
    // A merge's record stays (ids, actor, time: who merged what), without the identifier that linked the profiles,
    // the snapshots of their values, the identifier values it moved, or the free-text reason.
    const merges = await countRows(
      tx,
      sql`update customers.merges
          set link_value = null, reason = ${ERASED}, absorbed_snapshot = '{}'::jsonb,
              survivor_snapshot = '{}'::jsonb, moved = jsonb_set(moved, '{identifiers}', '[]'::jsonb)
          where survivor_id = any(${ids}) or absorbed_id = any(${ids})`,
    );
    const duplicates = await countRows(
      tx,
      sql`delete from customers.duplicate_candidates where customer_id = any(${ids}) or other_id = any(${ids})`,
    );
    const timeline = await countRows(
      tx,
      sql`update customers.timeline_items set summary = '{}'::jsonb where customer_id = any(${ids}) and summary <> '{}'::jsonb`,
    );
    await tx.execute(
      sql`insert into customers.timeline_items (customer_id, id, occurred_at, kind, ref_id, summary)
          values (${id}, ${newId()}, ${ctx.erasedAt.toISOString()}, 'customers.erased', null,
                  ${JSON.stringify({ actor: ctx.actor, reason: ctx.reason })}::jsonb)`,
    );
    return { profiles, identifiers, merges, duplicates, timeline };
  },
};

/**
 * The person's identifying values as the customers module holds them (identifier values, a phone also without its
 * country code, names, addresses, merge reasons and links), read before the participants erase them: what an event
 * still waiting in the outbox may carry.
 */
async function identifyingValues(tx: Db, ctx: ErasureContext): Promise<string[]> {
  const ids = profileIdsParam(ctx);
  const rows = await query<{ v: string }>(
    tx,
    sql`select distinct v from (
          select value as v from customers.identifiers where customer_id = any(${ids})
          union all select regexp_replace(value, '^[+]86', '') from customers.identifiers where customer_id = any(${ids}) and type = 'phone'
          union all select name from customers.customers where id = any(${ids})
          union all select address from customers.customers where id = any(${ids})
          union all select reason from customers.merges where survivor_id = any(${ids}) or absorbed_id = any(${ids})
          union all select link_value from customers.merges where survivor_id = any(${ids}) or absorbed_id = any(${ids})) x
        where v is not null and length(v) >= 2
        order by v`,
  );
  return rows.map((r) => r.v);
}

/**
 * Events already written about the person (a payload naming one of their profile ids) carry values (an identifier
 * attached, a merge's reason…). A delivered event is history only: its payload is replaced by `{"erased": true}`. One
 * still waiting for delivery must still reach its subscribers (a batch event also carries other customers' records):
 * the person's identifying values in it are replaced by '[erased]'.
 */
async function eraseOutbox(tx: Db, ctx: ErasureContext, values: string[]): Promise<number> {
  const mentions = sql`exists (select 1 from unnest(${profileIdsParam(ctx)}) as p(id) where position(p.id::text in o.payload::text) > 0)`;
  const touched = new Set<string>();
  const delivered = await query<{ id: string }>(
    tx,
    sql`update platform.outbox o set payload = jsonb_build_object('erased', true)
        where o.delivered_at is not null and o.payload <> '{"erased": true}'::jsonb and ${mentions} returning o.id`,
  );
  for (const r of delivered) touched.add(r.id);
  for (const v of values) {
    // The value as it appears inside a JSON string (quotes and backslashes escaped).
    const rows = await query<{ id: string }>(
      tx,
      sql`update platform.outbox o
          set payload = replace(o.payload::text, x.escaped, ${ERASED})::jsonb
          from (select substr(to_jsonb(${v}::text)::text, 2, length(to_jsonb(${v}::text)::text) - 2) as escaped) x
          where o.delivered_at is null and position(x.escaped in o.payload::text) > 0 and ${mentions}
          returning o.id`,
    );
    for (const r of rows) touched.add(r.id);
  }
  return touched.size;
}

export class ErasureRegistry {
  private readonly participants: ErasureParticipant[] = [customersErasureParticipant];

  register(p: ErasureParticipant): void {
    if (this.participants.some((x) => x.name === p.name)) throw new Error(`erasure participant ${p.name} is registered twice`);
    this.participants.push(p);
  }

  names(): string[] {
    return this.participants.map((p) => p.name);
  }

  /**
   * Erase one customer's personal data in every module, in one transaction: any participant failing changes nothing.
   * Writes a `customers.erase` audit entry (row counts only) and publishes `customers.customer.erased`.
   * A merged-away id answers 404 naming the profile it was merged into; an erased one 409.
   */
  async erase(db: Db, id: string, opts: { reason: string; actor: string }): Promise<ErasureResult> {
    return db.transaction(async (tx) => {
      const [c] = isUuid(id)
        ? await query<{ status: string; merged_into: string | null }>(
            tx,
            sql`select status, merged_into from customers.customers where id = ${id} for update`,
          )
        : [];
      if (!c) throw notFound('customers.not_found', `No customer with id ${id}`);
      if (c.status === 'merged') {
        throw new AppError('not_found', 'customers.merged', `Customer ${id} was merged into ${c.merged_into}; erase ${c.merged_into}`, {
          mergedInto: c.merged_into,
        });
      }
      if (c.status === 'erased') throw conflict('customers.already_erased', `Customer ${id} has already been erased`);
      const absorbed = await query<{ id: string }>(
        tx,
        sql`with recursive absorbed(id, depth) as (
              select c.id, 1 from customers.customers c where c.merged_into = ${id} and c.status = 'merged'
              union all
              select c.id, a.depth + 1 from absorbed a join customers.customers c on c.merged_into = a.id
              where c.status = 'merged' and a.depth < 100)
            select id from absorbed order by id`,
      );
      const erasedAt = new Date();
      const ctx: ErasureContext = { actor: opts.actor, reason: opts.reason, erasedAt, profileIds: [id, ...absorbed.map((a) => a.id)] };
      const values = await identifyingValues(tx, ctx);
      const scrubbed: Record<string, Record<string, number>> = {};
      for (const p of this.participants) scrubbed[p.name] = await p.erase(tx, id, ctx);
      scrubbed.events = { outbox: await eraseOutbox(tx, ctx, values) };
      await appendAudit(tx, { actor: opts.actor, action: 'customers.erase', targetType: 'customer', targetId: id, details: { scrubbed }, at: erasedAt });
      await publish(tx, CUSTOMER_ERASED, { customerId: id, profileIds: ctx.profileIds, erasedAt: erasedAt.toISOString() }, erasedAt);
      return { customerId: id, erasedAt: erasedAt.toISOString(), scrubbed };
    });
  }
}
