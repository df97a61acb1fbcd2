import { sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { conflict, invalid, type FieldIssue } from '../../platform/errors.js';
import { publishMany } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import type { CustomerRefInput } from './customers.schemas.js';
import { normaliseRef, type NormalisedRef, type ProfileHints } from './domain/customer-ref.js';
import { ANONYMOUS_IDENTIFIER_TYPES, isUuid, type Identifier } from './domain/identifiers.js';
import {
  identifierKey,
  pairKey,
  planResolution,
  type KnownCustomer,
  type Plan,
  type PlanRef,
} from './domain/resolution-plan.js';
import { isAlreadyMerged, type MergeEngine } from './merge.js';

export interface ResolvedRef {
  /** null for a guest: the ref named no identifier. */
  customerId: string | null;
  /** True on the ref that made this call create the profile (the first of its group). */
  created: boolean;
}

export interface ResolveContext {
  /** Where the record came from: 'api', 'import:orders', 'demo', … (kept on identifiers). */
  source: string;
  /** Who acts when a merge happens: 'system:identity-resolution' unless a person does it. */
  actor?: string | undefined;
  /**
   * What a ref naming only an anonymous id or device id (and no strong identifier) does.
   * 'create' (default): it is resolved like any other ref, creating an anonymous profile when
   * nobody holds the id, which suits an order or a profile upsert (a purchase is a person).
   * 'lookup': it only follows the profile holding the id (or the profile another ref of the call
   * resolves to with that id), else resolves to null; nothing is written for it. For behaviour
   * events, where a visitor is not a person until identified.
   */
  anonymousOnly?: 'create' | 'lookup' | undefined;
  /**
   * When given, receives the anonymous and device ids this call attached to profiles: what it
   * announces as `customers.identifier.attached`, for a caller that acts on them in the same
   * transaction.
   */
  attached?: IdentifierAttached[] | undefined;
}

/** Payload of `customers.identifier.attached`: an anonymous_id or device_id a profile now holds. */
export interface IdentifierAttached {
  customerId: string;
  type: string;
  value: string;
}

export const IDENTIFIER_ATTACHED = 'customers.identifier.attached';

export const RESOLUTION_ACTOR = 'system:identity-resolution';
const AUTO_MERGE_REASON = 'identity-resolution: one record carried strong identifiers of both profiles';
const MAX_ATTEMPTS = 8;

/** Another writer took an identifier between our lookup and our insert: roll back and look again. */
class LostRace extends Error {}

export interface LiveProfile {
  id: string;
  status: string;
  createdAt: number;
}

/** Follow merged_into from each id to the profile that holds it now. Unknown ids are absent. */
export async function liveProfiles(tx: Db, ids: string[]): Promise<Map<string, LiveProfile>> {
  const unique = [...new Set(ids)].filter(isUuid);
  if (unique.length === 0) return new Map();
  const rows = await query<{ start: string; id: string; status: string; created: number }>(
    tx,
    sql`with recursive chain(start, id, status, merged_into, created_at, depth) as (
          select c.id, c.id, c.status, c.merged_into, c.created_at, 0
          from customers.customers c where c.id = any(${sql.param(unique)}::uuid[])
          union all
          select ch.start, c.id, c.status, c.merged_into, c.created_at, ch.depth + 1
          from chain ch join customers.customers c on c.id = ch.merged_into
          where ch.status = 'merged' and ch.depth < 100)
        select start, id, status, (extract(epoch from created_at) * 1000)::float8 as created
        from chain where status <> 'merged'`,
  );
  return new Map(rows.map((r) => [r.start, { id: r.id, status: r.status, createdAt: Number(r.created) }]));
}

/**
 * Set-based identity resolution: a constant number of statements per batch whatever its size
 * (plus the statements of any automatic merge, which is rare).
 */
export class IdentityResolver {
  constructor(
    private readonly opts: { defaultRegion: string; strongTypes: ReadonlySet<string> },
    private readonly merges: MergeEngine,
  ) {}

  async resolve(tx: Db, input: CustomerRefInput[], ctx: ResolveContext): Promise<ResolvedRef[]> {
    const issues: FieldIssue[] = [];
    const refs: NormalisedRef[] = input.map((ref, i) => {
      const n = normaliseRef(ref, this.opts.defaultRegion, input.length === 1 ? 'customer' : `${i}.customer`);
      issues.push(...n.issues);
      return n.ref;
    });
    if (issues.length === 0) {
      const named = refs.flatMap((r) => (r.id ? [r.id] : []));
      const live = await liveProfiles(tx, named);
      refs.forEach((r, i) => {
        if (!r.id) return;
        const p = live.get(r.id);
        const path = input.length === 1 ? 'customer.id' : `${i}.customer.id`;
        if (!p) issues.push({ path, message: 'no customer has this id' });
        else if (p.status !== 'active') issues.push({ path, message: `the customer is ${p.status}` });
      });
      if (issues.length === 0) return this.resolveValid(tx, refs, live, ctx);
    }
    throw invalid('customers.invalid_customer', `Invalid customer: ${issues[0]!.path} ${issues[0]!.message}`, issues);
  }

  private async resolveValid(
    tx: Db,
    refs: NormalisedRef[],
    live: Map<string, LiveProfile>,
    ctx: ResolveContext,
  ): Promise<ResolvedRef[]> {
    const strong = this.opts.strongTypes;
    const lookup = ctx.anonymousOnly === 'lookup';
    const planRefs: PlanRef[] = refs.map((r) => ({
      customerId: r.id ? live.get(r.id)!.id : undefined,
      identifiers: r.identifiers,
      hints: r.hints,
      lookupOnly:
        lookup && !r.id && r.identifiers.length > 0 && r.identifiers.every((i) => ANONYMOUS_IDENTIFIER_TYPES.has(i.type) && !strong.has(i.type)),
    }));
    if (planRefs.every((r) => !r.customerId && r.identifiers.length === 0)) return refs.map(() => ({ customerId: null, created: false }));
    // Lookups alone write nothing, so they cannot lose a race and need no savepoint.
    if (planRefs.every((r) => r.lookupOnly || (!r.customerId && r.identifiers.length === 0))) return this.attempt(tx, planRefs, live, ctx);
    for (let attempt = 1; ; attempt++) {
      try {
        return await tx.transaction((sp) => this.attempt(sp, planRefs, live, ctx));
      } catch (e) {
        const raced = e instanceof LostRace || isAlreadyMerged(e) || isDeadlock(e);
        if (!raced) throw e;
        if (attempt >= MAX_ATTEMPTS) {
          throw conflict('customers.resolution_contended', 'Other writers keep changing the profiles these identifiers belong to; retry the request');
        }
      }
    }
  }

  private async attempt(tx: Db, refs: PlanRef[], live: Map<string, LiveProfile>, ctx: ResolveContext): Promise<ResolvedRef[]> {
    const strong = this.opts.strongTypes;
    const all = new Map<string, Identifier>();
    for (const r of refs) for (const i of r.identifiers) all.set(identifierKey(i), i);
    const wanted = [...all.values()];
    const found = wanted.length
      ? await query<{ type: string; value: string; customerId: string; created: number; identified: boolean }>(
          tx,
          sql`select i.type, i.value, i.customer_id as "customerId",
                     (extract(epoch from c.created_at) * 1000)::float8 as created,
                     i.type = any(${sql.param([...strong])}::text[]) or exists (
                       select 1 from customers.identifiers s
                       where s.customer_id = i.customer_id and s.type = any(${sql.param([...strong])}::text[])) as identified
              from unnest(${sql.param(wanted.map((i) => i.type))}::text[], ${sql.param(wanted.map((i) => i.value))}::text[]) as k(type, value)
              join customers.identifier_keys i on i.value = k.value and i.type = k.type
              join customers.customers c on c.id = i.customer_id`,
        )
      : [];
    const owners = new Map<string, string>();
    const known = new Map<string, KnownCustomer>();
    for (const p of live.values()) known.set(p.id, { createdAt: p.createdAt, identified: true });
    for (const f of found) {
      owners.set(identifierKey({ type: f.type as Identifier['type'], value: f.value }), f.customerId);
      known.set(f.customerId, { createdAt: Number(f.created), identified: f.identified });
    }

    let plan = planResolution({ refs, owners, customers: known, strongTypes: strong });
    const proposed = plan.groups.flatMap((g) => g.merges.map((m) => [g.target!, m.absorbedId] as const));
    if (proposed.length > 0) {
      const rejected = await query<{ a: string; b: string }>(
        tx,
        sql`select customer_id as a, other_id as b from customers.duplicate_candidates
            where status = 'rejected' and (customer_id, other_id) in (
              select least(x, y), greatest(x, y)
              from unnest(${sql.param(proposed.map((p) => p[0]))}::uuid[], ${sql.param(proposed.map((p) => p[1]))}::uuid[]) as t(x, y))`,
      );
      if (rejected.length > 0) {
        const blockedPairs = new Set(rejected.map((r) => pairKey(r.a, r.b)));
        plan = planResolution({ refs, owners, customers: known, strongTypes: strong, blockedPairs });
      }
    }

    const ids = plan.groups.map((g) => g.target ?? newId());
    const writable = refs.filter((r) => !r.lookupOnly).flatMap((r) => r.identifiers);
    await this.createProfiles(tx, plan, ids, ctx.source);
    await this.attachIdentifiers(tx, plan, ids, ctx.source);

    // Absorbed profiles may be named by other groups' candidates: point those at the survivor.
    const survivorOf = new Map<string, string>();
    for (const [g, group] of plan.groups.entries()) {
      for (const m of group.merges) {
        await this.merges.merge(tx, ids[g]!, m.absorbedId, {
          actor: ctx.actor ?? RESOLUTION_ACTOR,
          reason: AUTO_MERGE_REASON,
          link: { type: m.linkType, value: m.linkValue },
        });
        survivorOf.set(m.absorbedId, ids[g]!);
      }
    }
    // A weak-only group may have pointed at a profile another group just merged away.
    for (const [g, id] of ids.entries()) {
      let live = id;
      while (survivorOf.has(live)) live = survivorOf.get(live)!;
      ids[g] = live;
    }

    await this.touchProfiles(tx, plan, ids, writable.filter((i) => owners.has(identifierKey(i))));
    await this.recordCandidates(tx, plan, ids, survivorOf);
    await this.announceAttached(tx, plan, ids, ctx);

    return plan.refGroup.map((g, idx) => {
      if (g === null) return { customerId: null, created: false };
      const group = plan.groups[g]!;
      const creator = group.refs.find((r) => !refs[r]!.lookupOnly);
      return { customerId: ids[g]!, created: group.target === null && creator === idx };
    });
  }

  /**
   * Anonymous and device ids newly held by a profile, one outbox event each (one statement), so
   * the records kept under such an id (behaviour events) can follow it to the person.
   */
  private async announceAttached(tx: Db, plan: Plan, ids: string[], ctx: ResolveContext) {
    const attached: IdentifierAttached[] = plan.groups.flatMap((g, i) =>
      g.attach.filter((a) => ANONYMOUS_IDENTIFIER_TYPES.has(a.type)).map((a) => ({ customerId: ids[i]!, type: a.type, value: a.value })),
    );
    if (attached.length === 0) return;
    await publishMany<IdentifierAttached>(tx, IDENTIFIER_ATTACHED, attached);
    ctx.attached?.push(...attached);
  }

  private async createProfiles(tx: Db, plan: Plan, ids: string[], source: string) {
    const fresh = plan.groups.flatMap((g, i) => (g.target === null ? [{ id: ids[i]!, hints: g.hints }] : []));
    if (fresh.length === 0) return;
    await tx.execute(sql`
      insert into customers.customers (id, name, gender, birthday, city, source)
      select v.id, v.name, v.gender, v.birthday, v.city, ${source}
      from unnest(${sql.param(fresh.map((f) => f.id))}::uuid[], ${hintArrays(fresh.map((f) => f.hints))}) as v(id, name, gender, birthday, city)`);
  }

  /** The first identifier of a type on a profile is its primary one; later ones are kept beside it. */
  private async attachIdentifiers(tx: Db, plan: Plan, ids: string[], source: string) {
    const rows: Array<{ customerId: string; type: string; value: string; first: boolean }> = [];
    plan.groups.forEach((g, i) => {
      const types = new Set<string>();
      for (const a of g.attach) {
        rows.push({ customerId: ids[i]!, type: a.type, value: a.value, first: !types.has(a.type) });
        types.add(a.type);
      }
    });
    if (rows.length === 0) return;
    // Sorted so concurrent writers take the key table's index locks in the same order (no deadlock).
    rows.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    // The key table is what makes an identifier one profile's (ADR 0014: identifiers' own keys hold customer_id, so
    // they cannot): a key another writer holds, committed or not, inserts nothing here (a concurrent insert waits for
    // the other transaction, then does nothing if it committed), and this attempt starts over.
    const keyed = await query<{ type: string }>(
      tx,
      sql`insert into customers.identifier_keys (value, type, customer_id)
          select v.value, v.type, v.customer_id
          from unnest(${sql.param(rows.map((r) => r.value))}::text[], ${sql.param(rows.map((r) => r.type))}::text[],
                      ${sql.param(rows.map((r) => r.customerId))}::uuid[]) with ordinality as v(value, type, customer_id, n)
          order by v.n
          on conflict do nothing
          returning type`,
    );
    if (keyed.length !== rows.length) throw new LostRace();
    const inserted = await query<{ type: string }>(
      tx,
      sql`insert into customers.identifiers (customer_id, type, value, is_primary, source)
          select v.customer_id, v.type, v.value,
                 v.first and not exists (select 1 from customers.identifiers s
                                         where s.customer_id = v.customer_id and s.type = v.type and s.is_primary),
                 ${source}
          from unnest(${sql.param(rows.map((r) => r.customerId))}::uuid[], ${sql.param(rows.map((r) => r.type))}::text[],
                      ${sql.param(rows.map((r) => r.value))}::text[], ${sql.param(rows.map((r) => r.first))}::boolean[])
               with ordinality as v(customer_id, type, value, first, n)
          order by v.n
          on conflict do nothing
          returning type`,
    );
    if (inserted.length !== rows.length) throw new LostRace();
  }

  /** Fill empty profile fields from hints (never overwrite) and note that the profiles were seen. */
  private async touchProfiles(tx: Db, plan: Plan, ids: string[], seen: Identifier[]) {
    const byTarget = new Map<string, ProfileHints>();
    plan.groups.forEach((g, i) => {
      if (g.target === null || g.lookup) return;
      const h = byTarget.get(ids[i]!) ?? {};
      for (const f of ['name', 'gender', 'birthday', 'city'] as const) if (h[f] === undefined && g.hints[f]) h[f] = g.hints[f];
      byTarget.set(ids[i]!, h);
    });
    if (byTarget.size > 0) {
      await tx.execute(sql`
        update customers.customers c set
          name = coalesce(c.name, v.name),
          gender = case when c.gender is null or c.gender = 'unknown' then coalesce(v.gender, c.gender) else c.gender end,
          birthday = coalesce(c.birthday, v.birthday),
          city = coalesce(c.city, v.city),
          updated_at = case when (c.name is null and v.name is not null) or (c.birthday is null and v.birthday is not null)
                              or (c.city is null and v.city is not null)
                              or ((c.gender is null or c.gender = 'unknown') and v.gender is not null)
                            then now() else c.updated_at end,
          last_seen_at = greatest(c.last_seen_at, now())
        from unnest(${sql.param([...byTarget.keys()])}::uuid[], ${hintArrays([...byTarget.values()])}) as v(id, name, gender, birthday, city)
        where c.id = v.id`);
    }
    if (seen.length > 0) {
      await tx.execute(sql`
        update customers.identifiers i set last_seen_at = now()
        from unnest(${sql.param(seen.map((s) => s.type))}::text[], ${sql.param(seen.map((s) => s.value))}::text[]) as v(type, value)
        join customers.identifier_keys k on k.value = v.value and k.type = v.type
        where i.customer_id = k.customer_id and i.type = v.type and i.value = v.value`);
    }
  }

  /**
   * Weak evidence becomes a review item, never a merge: weak identifiers held by another profile
   * (from the plan) and another active profile with the same name, birthday and city.
   */
  private async recordCandidates(tx: Db, plan: Plan, ids: string[], survivorOf: Map<string, string>) {
    const pairs: Array<{ a: string; b: string; reason: string }> = [];
    plan.groups.forEach((g, i) => {
      for (const c of g.candidates) {
        const other = typeof c.other === 'string' ? c.other : ids[c.other.group]!;
        const b = survivorOf.get(other) ?? other;
        if (b !== ids[i]) pairs.push({ a: ids[i]!, b, reason: c.reason });
      }
    });
    const touched = [...new Set(ids.filter((_, i) => !plan.groups[i]!.lookup))];
    if (pairs.length === 0 && touched.length === 0) return;
    await tx.execute(sql`
      insert into customers.duplicate_candidates (customer_id, id, other_id, reason, score)
      select distinct on (least(x.a, x.b), greatest(x.a, x.b))
             least(x.a, x.b), gen_random_uuid(), greatest(x.a, x.b), x.reason, x.score
      from (
        select v.a, v.b, v.reason, 0.5::float8 as score
        from unnest(${sql.param(pairs.map((p) => p.a))}::uuid[], ${sql.param(pairs.map((p) => p.b))}::uuid[],
                    ${sql.param(pairs.map((p) => p.reason))}::text[]) as v(a, b, reason)
        union all
        select c.id, o.id, 'same_name_birthday_city', 0.6::float8
        from customers.customers c
        join customers.customers o on o.name = c.name and o.birthday = c.birthday and o.city = c.city
                                  and o.id <> c.id and o.status = 'active'
        where c.id = any(${sql.param(touched)}::uuid[]) and c.status = 'active'
      ) x
      order by least(x.a, x.b), greatest(x.a, x.b), x.score desc
      on conflict (customer_id, other_id) do nothing`);
  }
}

/** Postgres picks a deadlock victim; within our savepoint that attempt can simply run again. */
function isDeadlock(e: unknown): boolean {
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) if ((c as { code?: string }).code === '40P01') return true;
  return false;
}

function hintArrays(hints: ProfileHints[]) {
  return sql`${sql.param(hints.map((h) => h.name ?? null))}::text[], ${sql.param(hints.map((h) => h.gender ?? null))}::text[],
             ${sql.param(hints.map((h) => h.birthday ?? null))}::date[], ${sql.param(hints.map((h) => h.city ?? null))}::text[]`;
}
