import { sql, type SQL } from 'drizzle-orm';
import { parseInstant } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { publishMany } from '../../platform/events/event-bus.js';
import type { FieldIssue } from '../../platform/errors.js';
import type { ItemResult } from '../../platform/http/batch.js';
import { newId } from '../../platform/ids.js';
import { type ConsentInput, type CustomerUpsertInput } from './customers.schemas.js';
import { normaliseRef } from './domain/customer-ref.js';
import { liveProfiles, type IdentityResolver } from './identity-resolution.js';

export interface UpsertContext {
  /** 'api', 'import:customers', … */
  source: string;
  actor: string;
  /** Path prefix of item `index` in error issues: '' for a single body, `items.3` in a batch. */
  prefix: (index: number) => string;
}

export interface ConsentRow {
  customerId: string;
  channel: string;
  purpose: string;
  status: string;
  source: string;
  recordedAt: Date;
}

const join = (prefix: string, path: string) => (prefix ? `${prefix}.${path}` : path);

/** Profile fields an upsert sets explicitly (snake_case column → input field). */
const EXPLICIT = [
  ['name', 'name'],
  ['gender', 'gender'],
  ['birthday', 'birthday'],
  ['city', 'city'],
  ['income_band', 'incomeBand'],
  ['occupation', 'occupation'],
  ['family_stage', 'familyStage'],
  ['address', 'address'],
] as const;

/** A digest of everything an upsert can change, to tell 'updated' from 'unchanged'. */
async function profileDigests(tx: Db, ids: SQL): Promise<Map<string, string>> {
  const rows = await query<{ id: string; h: string }>(
    tx,
    sql`select c.id, md5(row(c.status, c.name, c.gender, c.birthday, c.city, c.income_band, c.occupation, c.family_stage, c.address, c.tags, c.attributes)::text
                || coalesce((select string_agg(i.type || ':' || i.value || ':' || i.is_primary, ',' order by i.type, i.value)
                             from customers.identifiers i where i.customer_id = c.id), '')
                || (select count(*) from customers.consents k where k.customer_id = c.id)::text) as h
        from customers.customers c where c.id in (${ids})`,
  );
  return new Map(rows.map((r) => [r.id, r.h]));
}

/**
 * Append consent decisions. Repeating the current state adds nothing, so a replayed feed leaves
 * the history as it was; a decision older than the current one is kept as history only.
 */
export async function recordConsents(tx: Db, rows: ConsentRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const sorted = [...rows].sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
  const last = new Map<string, string>();
  const keep: Array<ConsentRow & { first: boolean }> = [];
  for (const r of sorted) {
    const key = `${r.customerId}|${r.channel}|${r.purpose}`;
    const previous = last.get(key);
    if (previous === r.status) continue;
    keep.push({ ...r, first: previous === undefined });
    last.set(key, r.status);
  }
  const inserted = await query(
    tx,
    sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
        select v.customer_id, v.id, v.channel, v.purpose, v.status, v.source, v.recorded_at
        from unnest(${sql.param(keep.map((k) => k.customerId))}::uuid[], ${sql.param(keep.map(() => newId()))}::uuid[],
                    ${sql.param(keep.map((k) => k.channel))}::text[], ${sql.param(keep.map((k) => k.purpose))}::text[],
                    ${sql.param(keep.map((k) => k.status))}::text[], ${sql.param(keep.map((k) => k.source))}::text[],
                    ${sql.param(keep.map((k) => k.recordedAt.toISOString()))}::timestamptz[],
                    ${sql.param(keep.map((k) => k.first))}::boolean[])
             as v(customer_id, id, channel, purpose, status, source, recorded_at, first)
        where not (v.first and coalesce((
          select k.status = v.status from customers.consents k
          where k.customer_id = v.customer_id and k.channel = v.channel and k.purpose = v.purpose and k.recorded_at <= v.recorded_at
          order by k.recorded_at desc, k.id desc limit 1), false))
        returning id`,
  );
  return inserted.length;
}

/** Consent inputs → rows, with field issues for instants that do not exist (2025-02-30). */
export function consentRows(
  consents: ConsentInput[] | undefined,
  customerId: string,
  defaults: { source: string; now: Date; timeZone: string },
  prefix: string,
): { rows: ConsentRow[]; issues: FieldIssue[] } {
  const rows: ConsentRow[] = [];
  const issues: FieldIssue[] = [];
  (consents ?? []).forEach((c, j) => {
    const at = c.recordedAt === undefined ? defaults.now : parseInstant(c.recordedAt, defaults.timeZone);
    if (!at) {
      issues.push({ path: join(prefix, `consents.${j}.recordedAt`), message: 'is not a valid date-time' });
      return;
    }
    rows.push({ customerId, channel: c.channel, purpose: c.purpose, status: c.status, source: c.source ?? defaults.source, recordedAt: at });
  });
  return { rows, issues };
}

/** `{customerIds: [≤ 1,000]}`: profiles created or edited (name, gender, birthday, city, tags, attributes …) or whose consents were recorded. */
export const PROFILES_CHANGED = 'customers.profiles.changed';
const EVENT_CUSTOMERS = 1000;

export async function publishProfilesChanged(tx: Db, customerIds: string[]): Promise<void> {
  const payloads: Array<{ customerIds: string[] }> = [];
  for (let i = 0; i < customerIds.length; i += EVENT_CUSTOMERS) payloads.push({ customerIds: customerIds.slice(i, i + EVENT_CUSTOMERS) });
  if (payloads.length > 0) await publishMany(tx, PROFILES_CHANGED, payloads);
}

export async function upsertCustomers(
  db: Db,
  resolver: IdentityResolver,
  opts: { defaultRegion: string; timeZone: string },
  items: Array<{ index: number; value: CustomerUpsertInput }>,
  ctx: UpsertContext,
): Promise<ItemResult<{ id: string }>[]> {
  const results: ItemResult<{ id: string }>[] = [];
  const fail = (index: number, issues: FieldIssue[]) =>
    results.push({
      index,
      status: 'error',
      error: { code: 'validation_failed', message: `${issues[0]!.path}: ${issues[0]!.message}`, issues },
    });
  const now = new Date();
  const live = await liveProfiles(db, items.flatMap((i) => (i.value.id ? [i.value.id] : [])));
  const valid: typeof items = [];
  for (const item of items) {
    const prefix = ctx.prefix(item.index);
    const issues = normaliseRef(item.value, opts.defaultRegion, prefix).issues;
    if (item.value.id) {
      const p = live.get(item.value.id);
      if (!p) issues.push({ path: join(prefix, 'id'), message: 'no customer has this id' });
      else if (p.status !== 'active') issues.push({ path: join(prefix, 'id'), message: `the customer is ${p.status}` });
    }
    issues.push(...consentRows(item.value.consents, '', { source: ctx.source, now, timeZone: opts.timeZone }, prefix).issues);
    if (issues.length > 0) fail(item.index, issues);
    else valid.push(item);
  }
  if (valid.length === 0) return results;

  const written = await db.transaction(async (tx) => {
    const normalised = valid.flatMap(({ value }) => normaliseRef(value, opts.defaultRegion, '').ref.identifiers);
    const before = await profileDigests(
      tx,
      // A union, not an OR of two conditions: the OR would make Postgres scan every profile.
      sql`select i.customer_id from customers.identifier_keys i
          join unnest(${sql.param(normalised.map((n) => n.type))}::text[], ${sql.param(normalised.map((n) => n.value))}::text[]) as k(type, value)
            on i.type = k.type and i.value = k.value
          union
          select unnest(${sql.param([...live.values()].map((p) => p.id))}::uuid[])`,
    );
    const resolved = await resolver.resolve(
      tx,
      valid.map((v) => v.value),
      { source: ctx.source, actor: ctx.actor },
    );
    const ids = resolved.map((r) => r.customerId!);

    const patches = new Map<string, Record<string, unknown>>();
    const consents: ConsentRow[] = [];
    valid.forEach(({ value }, i) => {
      const id = ids[i]!;
      const patch = patches.get(id) ?? {};
      for (const [column, field] of EXPLICIT) if (value[field] !== undefined) patch[column] = value[field];
      if (value.tags !== undefined) patch.tags = [...new Set(value.tags)];
      if (value.attributes !== undefined) patch.attributes = { ...((patch.attributes as object) ?? {}), ...value.attributes };
      patches.set(id, patch);
      consents.push(...consentRows(value.consents, id, { source: ctx.source, now, timeZone: opts.timeZone }, '').rows);
    });
    const updates = [...patches].filter(([, p]) => Object.keys(p).length > 0).map(([id, p]) => ({ id, p }));
    if (updates.length > 0) await applyPatches(tx, updates);
    await recordConsents(tx, consents);
    const after = await profileDigests(tx, sql`select unnest(${sql.param([...new Set(ids)])}::uuid[])`);
    // Profiles that are new or changed, and those with consents recorded: segments recompute them (rules on tags,
    // city, age, consent …) rather than waiting for the nightly refresh.
    const changed = new Set(consents.map((c) => c.customerId));
    for (const id of new Set(ids)) if (before.get(id) !== after.get(id)) changed.add(id);
    await publishProfilesChanged(tx, [...changed]);
    return { resolved, ids, before, after };
  });

  valid.forEach(({ index }, i) => {
    const id = written.ids[i]!;
    const old = written.before.get(id);
    const status = written.resolved[i]!.created ? 'created' : old === written.after.get(id) ? 'unchanged' : 'updated';
    results.push({ index, status, id });
  });
  return results;
}

/** Explicit attributes replace stored values; rows whose values would not change are not touched. */
async function applyPatches(tx: Db, updates: Array<{ id: string; p: Record<string, unknown> }>) {
  const set = (column: string, cast = '') =>
    sql.raw(`case when v.p ? '${column}' then (v.p->>'${column}')${cast} else c.${column} end`);
  await tx.execute(sql`
    with v as (select x.id, x.p from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(id uuid, p jsonb)),
    n as (
      select c.id,
             ${set('name')} as name, ${set('gender')} as gender, ${set('birthday', '::date')} as birthday, ${set('city')} as city,
             ${set('income_band')} as income_band, ${set('occupation')} as occupation, ${set('family_stage')} as family_stage,
             ${set('address')} as address,
             case when v.p ? 'tags' then array(select jsonb_array_elements_text(v.p->'tags')) else c.tags end as tags,
             case when v.p ? 'attributes' then c.attributes || (v.p->'attributes') else c.attributes end as attributes
      from customers.customers c join v on v.id = c.id)
    update customers.customers c
    set name = n.name, gender = n.gender, birthday = n.birthday, city = n.city, income_band = n.income_band,
        occupation = n.occupation, family_stage = n.family_stage, address = n.address, tags = n.tags, attributes = n.attributes, updated_at = now()
    from n
    where c.id = n.id
      and (c.name, c.gender, c.birthday, c.city, c.income_band, c.occupation, c.family_stage, c.address, c.tags, c.attributes)
          is distinct from (n.name, n.gender, n.birthday, n.city, n.income_band, n.occupation, n.family_stage, n.address, n.tags, n.attributes)`);
}
