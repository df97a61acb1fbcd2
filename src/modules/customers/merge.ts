import { asc, eq, inArray, sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { moveCustomerRows } from '../../platform/db/move-rows.js';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { customers, merges } from './db/customers.schema.js';
import { isUuid } from './domain/identifiers.js';

/**
 * Modules whose records belong to a customer register here, so a merge moves their records to
 * the survivor and an unmerge moves exactly those records back.
 */
export interface MergeParticipant {
  name: string;
  /** Move every record of `fromId` to `toId`; return the ids moved (kept on the merge). */
  moveRecords(tx: Db, fromId: string, toId: string): Promise<string[]>;
  /** Move the given records back to `toId` (the restored profile). */
  restoreRecords(tx: Db, ids: string[], toId: string): Promise<void>;
}

export interface MergeOptions {
  /** 'system:identity-resolution', 'staff:<id>', 'apikey:<id>'. */
  actor: string;
  reason: string;
  /** The identifier that showed the two profiles are one person. */
  link?: { type: string; value: string } | undefined;
}

export interface MergeResult {
  mergeId: string;
  survivorId: string;
  absorbedId: string;
}

export interface MovedIdentifier {
  type: string;
  value: string;
  wasPrimary: boolean;
}

/** What a merge moved, per kind of record: enough to move exactly those back. */
export interface MovedRecords {
  identifiers: MovedIdentifier[];
  consents: string[];
  timelineItems: string[];
  participants: Record<string, string[]>;
}

type Profile = typeof customers.$inferSelect;

/** Profile fields a merge may fill on the survivor and an unmerge restores on the absorbed. */
const SCALARS = ['name', 'gender', 'birthday', 'city', 'incomeBand', 'occupation', 'familyStage'] as const;
type SnapshotField = (typeof SCALARS)[number] | 'tags' | 'attributes' | 'lastSeenAt';

type Snapshot = Partial<Record<SnapshotField | 'source', unknown>>;

function snapshotOf(p: Profile): Snapshot {
  return {
    name: p.name,
    gender: p.gender,
    birthday: p.birthday,
    city: p.city,
    incomeBand: p.incomeBand,
    occupation: p.occupation,
    familyStage: p.familyStage,
    tags: p.tags,
    attributes: p.attributes,
    source: p.source,
    lastSeenAt: p.lastSeenAt.toISOString(),
  };
}

/** Snapshot values back into column values (timestamps travel as ISO text in jsonb). */
function columnsOf(s: Snapshot): Partial<Profile> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) out[k] = k === 'lastSeenAt' && typeof v === 'string' ? new Date(v) : v;
  return out as Partial<Profile>;
}

const isEmpty = (field: SnapshotField, v: unknown) => v === null || v === undefined || (field === 'gender' && v === 'unknown');

/** The survivor keeps its values; the absorbed only fills what the survivor lacks. */
function fillFromAbsorbed(survivor: Profile, absorbed: Profile): { before: Snapshot; after: Snapshot } {
  const before: Snapshot = {};
  const after: Snapshot = {};
  const current = snapshotOf(survivor);
  const other = snapshotOf(absorbed);
  for (const f of SCALARS) {
    if (isEmpty(f, current[f]) && !isEmpty(f, other[f])) {
      before[f] = current[f];
      after[f] = other[f];
    }
  }
  const tags = [...new Set([...survivor.tags, ...absorbed.tags])];
  if (tags.length !== survivor.tags.length) {
    before.tags = survivor.tags;
    after.tags = tags;
  }
  const attrs = { ...(absorbed.attributes as object), ...(survivor.attributes as object) };
  if (JSON.stringify(attrs) !== JSON.stringify(survivor.attributes)) {
    before.attributes = survivor.attributes;
    after.attributes = attrs;
  }
  if (absorbed.lastSeenAt > survivor.lastSeenAt) {
    before.lastSeenAt = current.lastSeenAt;
    after.lastSeenAt = other.lastSeenAt;
  }
  return { before, after };
}

export class MergeEngine {
  private readonly participants: MergeParticipant[] = [];

  register(p: MergeParticipant): void {
    if (this.participants.some((x) => x.name === p.name)) throw new Error(`merge participant ${p.name} is registered twice`);
    this.participants.push(p);
  }

  private async lockProfiles(tx: Db, ids: string[]): Promise<Map<string, Profile>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Map();
    const rows = await tx.select().from(customers).where(inArray(customers.id, valid)).orderBy(asc(customers.id)).for('update');
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Move everything of `absorbedId` to `survivorId`; the absorbed profile stays as 'merged'. */
  async merge(tx: Db, survivorId: string, absorbedId: string, opts: MergeOptions): Promise<MergeResult> {
    if (survivorId === absorbedId) throw invalid('customers.merge_same', 'A profile cannot be merged with itself', [{ path: 'otherId', message: 'is the same profile' }]);
    const locked = await this.lockProfiles(tx, [survivorId, absorbedId]);
    for (const id of [survivorId, absorbedId]) {
      const p = locked.get(id);
      if (!p) throw notFound('customers.not_found', `No customer with id ${id}`);
      if (p.status === 'merged') {
        throw conflict('customers.already_merged', `Customer ${id} has already been merged into ${p.mergedInto}`, { customerId: id, mergedInto: p.mergedInto });
      }
      if (p.status !== 'active') throw conflict('customers.not_active', `Customer ${id} is ${p.status}`, { customerId: id, status: p.status });
    }
    const survivor = locked.get(survivorId)!;
    const absorbed = locked.get(absorbedId)!;

    // Moved per group (delete + insert, never `update … set customer_id`: ADR 0014), so each identifier's former
    // is_primary is known: a moved primary stays primary unless the survivor already has a primary of that type (the
    // check sees the survivor's identifiers as they were before this statement; the first group moves no primary).
    const identifiers: MovedIdentifier[] = [];
    // The survivor's primary types as values: a statement on the absorbed profile's rows reads no other profile's rows.
    const primaryTypes = (
      await query<{ type: string }>(tx, sql`select distinct type from customers.identifiers where customer_id = ${survivorId}::uuid and is_primary`)
    ).map((r) => r.type);
    for (const wasPrimary of [false, true]) {
      const rows = await moveCustomerRows<{ type: string; value: string }>(tx, 'customers.identifiers', absorbedId, survivorId, {
        where: wasPrimary ? sql`t.is_primary` : sql`not t.is_primary`,
        set: wasPrimary
          ? { is_primary: sql`type <> all(${sql.param(primaryTypes)}::text[])` }
          : {},
        returning: ['type', 'value'],
      });
      identifiers.push(...rows.map((r) => ({ type: r.type, value: r.value, wasPrimary })));
    }
    await moveIdentifierKeys(tx, identifiers, survivorId);
    const consents = await moveCustomerRows<{ id: string }>(tx, 'customers.consents', absorbedId, survivorId, { returning: ['id'] });
    const timelineItems = await moveCustomerRows<{ id: string }>(tx, 'customers.timeline_items', absorbedId, survivorId, { returning: ['id'] });
    const participants: Record<string, string[]> = {};
    for (const p of this.participants) participants[p.name] = await p.moveRecords(tx, absorbedId, survivorId);
    const moved: MovedRecords = {
      identifiers,
      consents: consents.map((c) => c.id),
      timelineItems: timelineItems.map((t) => t.id),
      participants,
    };

    const filled = fillFromAbsorbed(survivor, absorbed);
    if (Object.keys(filled.after).length > 0) {
      await tx.update(customers).set({ ...columnsOf(filled.after), updatedAt: sql`now()` }).where(eq(customers.id, survivorId));
    }
    // The absorbed profile's orders are the survivor's now: its first order may be the earlier one.
    // (An unmerge gets exact values back from the orders module when it restores the orders.)
    if (absorbed.firstOrderAt && (!survivor.firstOrderAt || absorbed.firstOrderAt < survivor.firstOrderAt)) {
      await tx.update(customers).set({ firstOrderAt: absorbed.firstOrderAt }).where(eq(customers.id, survivorId));
    }
    await tx
      .update(customers)
      .set({ status: 'merged', mergedInto: survivorId, updatedAt: sql`now()` })
      .where(eq(customers.id, absorbedId));

    const mergeId = newId();
    await tx.insert(merges).values({
      survivorId,
      id: mergeId,
      absorbedId,
      linkType: opts.link?.type ?? null,
      linkValue: opts.link?.value ?? null,
      actor: opts.actor,
      reason: opts.reason,
      moved,
      absorbedSnapshot: snapshotOf(absorbed),
      survivorSnapshot: filled,
    });
    await publish(tx, 'customers.customer.merged', {
      mergeId,
      survivorId,
      absorbedId,
      linkType: opts.link?.type ?? null,
      actor: opts.actor,
      reason: opts.reason,
    });
    return { mergeId, survivorId, absorbedId };
  }

  /** Undo a merge: the absorbed profile, its attributes and every moved record come back. */
  async unmerge(tx: Db, mergeId: string, actor: string): Promise<MergeResult> {
    const [m] = isUuid(mergeId) ? await tx.select().from(merges).where(eq(merges.id, mergeId)).for('update') : [];
    if (!m) throw notFound('customers.merge_not_found', `No merge with id ${mergeId}`);
    if (m.undoneAt) throw conflict('customers.merge_already_undone', `Merge ${mergeId} was already undone by ${m.undoneBy}`);
    const locked = await this.lockProfiles(tx, [m.survivorId, m.absorbedId]);
    const survivor = locked.get(m.survivorId);
    const absorbed = locked.get(m.absorbedId);
    if (!survivor || !absorbed) throw notFound('customers.not_found', 'A profile of this merge no longer exists');
    if (survivor.status !== 'active') {
      throw conflict(
        'customers.unmerge_blocked',
        `Customer ${m.survivorId} has since been merged into ${survivor.mergedInto}; undo that merge first`,
        { mergedInto: survivor.mergedInto },
      );
    }
    if (absorbed.status !== 'merged' || absorbed.mergedInto !== m.survivorId) {
      throw conflict('customers.unmerge_blocked', `Customer ${m.absorbedId} is no longer merged into ${m.survivorId}`);
    }
    const moved = m.moved as MovedRecords;

    for (const p of [...this.participants].reverse()) {
      const ids = moved.participants[p.name] ?? [];
      if (ids.length > 0) await p.restoreRecords(tx, ids, m.absorbedId);
    }
    if (moved.identifiers.length > 0) {
      // Back per former is_primary, so each identifier gets its own back.
      for (const wasPrimary of [true, false]) {
        const group = moved.identifiers.filter((x) => x.wasPrimary === wasPrimary);
        if (group.length === 0) continue;
        await moveCustomerRows(tx, 'customers.identifiers', m.survivorId, m.absorbedId, {
          where: sql`(t.type, t.value) in (select * from unnest(${sql.param(group.map((x) => x.type))}::text[], ${sql.param(group.map((x) => x.value))}::text[]))`,
          set: { is_primary: wasPrimary ? sql`true` : sql`false` },
        });
      }
      await moveIdentifierKeys(tx, moved.identifiers, m.absorbedId);
    }
    if (moved.consents.length > 0) {
      await moveCustomerRows(tx, 'customers.consents', m.survivorId, m.absorbedId, { where: sql`t.id = any(${sql.param(moved.consents)}::uuid[])` });
    }
    if (moved.timelineItems.length > 0) {
      await moveCustomerRows(tx, 'customers.timeline_items', m.survivorId, m.absorbedId, {
        where: sql`t.id = any(${sql.param(moved.timelineItems)}::uuid[])`,
      });
    }

    await tx
      .update(customers)
      .set({ ...columnsOf(m.absorbedSnapshot as Snapshot), status: 'active', mergedInto: null, updatedAt: sql`now()` })
      .where(eq(customers.id, m.absorbedId));
    // Revert only what the merge filled and nobody has changed since.
    const { before, after } = m.survivorSnapshot as { before: Snapshot; after: Snapshot };
    const current = snapshotOf(survivor);
    const revert: Snapshot = {};
    for (const [field, value] of Object.entries(after ?? {})) {
      const f = field as SnapshotField;
      if (JSON.stringify(current[f]) === JSON.stringify(value)) revert[f] = before[f] ?? null;
    }
    if (Object.keys(revert).length > 0) {
      await tx.update(customers).set({ ...columnsOf(revert), updatedAt: sql`now()` }).where(eq(customers.id, m.survivorId));
    }

    await tx.update(merges).set({ undoneAt: sql`now()`, undoneBy: actor }).where(eq(merges.id, mergeId));
    // Staff said these are two people: identity resolution must not merge them again on its own.
    await tx.execute(sql`
      insert into customers.duplicate_candidates (customer_id, id, other_id, reason, score, status, decided_at, decided_by)
      values (least(${m.survivorId}::uuid, ${m.absorbedId}::uuid), ${newId()}, greatest(${m.survivorId}::uuid, ${m.absorbedId}::uuid),
              'unmerged', 0, 'rejected', now(), ${actor})
      on conflict (customer_id, other_id) do update set status = 'rejected', decided_at = now(), decided_by = excluded.decided_by`);
    await publish(tx, 'customers.customer.unmerged', { mergeId, survivorId: m.survivorId, absorbedId: m.absorbedId, actor });
    return { mergeId, survivorId: m.survivorId, absorbedId: m.absorbedId };
  }
}

/**
 * Point the key table's rows of moved identifiers at their new holder (ADR 0014: customers.identifier_keys is what
 * resolution looks an identifier up by). By key, so on Citus each row is found on the shard of its value. A key table,
 * so its customer_id may be updated; identifiers themselves move with moveCustomerRows (delete + insert).
 */
async function moveIdentifierKeys(tx: Db, moved: Array<{ type: string; value: string }>, toId: string): Promise<void> {
  if (moved.length === 0) return;
  await tx.execute(sql`
    update customers.identifier_keys k set customer_id = ${toId}
    from unnest(${sql.param(moved.map((x) => x.value))}::text[], ${sql.param(moved.map((x) => x.type))}::text[]) as v(value, type)
    where k.value = v.value and k.type = v.type`);
}

export function isAlreadyMerged(e: unknown): boolean {
  return e instanceof AppError && e.code === 'customers.already_merged';
}
