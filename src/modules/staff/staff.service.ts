import { sql } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { pgArray } from '../../platform/db/arrays.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { moveCustomerRows, moveRowsTo } from '../../platform/db/move-rows.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { MergeParticipant } from '../customers/index.js';
import type { AssignmentReason } from './db/staff.schema.js';
import { StaffKpisService } from './kpis/kpis.service.js';
import type { Clock } from '../../platform/clock.js';

/** Roles that may look after customers. */
export const GUIDE_ROLES = ['guide', 'store_manager'] as const;

export interface Assignment {
  id: string;
  customerId: string;
  /** null: the store's pool. */
  staffId: string | null;
  staffUsername: string | null;
  storeCode: string | null;
  reason: AssignmentReason;
  startedAt: string;
  endedAt: string | null;
  actor: string;
  note: string | null;
}

export interface BookEntry {
  customerId: string;
  storeCode: string | null;
  reason: AssignmentReason;
  since: string;
}

export interface AssignInput {
  /** The guide (or store manager); null puts the customer in the store's pool (storeCode then required). */
  staffId: string | null;
  storeCode?: string | undefined;
  note?: string | undefined;
}

/** One customer's first order: where and with whom they bought. */
interface FirstOrder {
  customerId: string;
  storeCode: string | null;
  staffCode: string | null;
}

interface StaffRow {
  id: string;
  username: string;
  role: string;
  store_code: string | null;
  disabled_at: Date | string | null;
}

type AssignmentRow = {
  id: string;
  customer_id: string;
  staff_id: string | null;
  username: string | null;
  store_code: string | null;
  reason: AssignmentReason;
  started_at: Date | string;
  ended_at: Date | string | null;
  actor: string;
  note: string | null;
};

const iso = (v: Date | string) => new Date(v).toISOString();

function view(r: AssignmentRow): Assignment {
  return {
    id: r.id,
    customerId: r.customer_id,
    staffId: r.staff_id,
    staffUsername: r.username,
    storeCode: r.store_code,
    reason: r.reason,
    startedAt: iso(r.started_at),
    endedAt: r.ended_at === null ? null : iso(r.ended_at),
    actor: r.actor,
    note: r.note,
  };
}

const BACKFILL_CHUNK = 5_000;

/**
 * Customers assigned to guides: the first purchase assigns (the order's guide, else the store's least-loaded active guide,
 * else the store's pool), staff reassign by hand (audited), merges keep the survivor's guide. Reads access.staff and
 * orders.orders through SQL, writes only staff.assignments.
 */
export class StaffService {
  /** KPIs per guide and store, leaderboards, reward rules and runs, the weekly report (kpis/kpis.service.ts). */
  readonly kpis: StaffKpisService;

  constructor(
    private readonly db: Db,
    opts: { timeZone?: string; clock?: Clock } = {},
  ) {
    this.kpis = new StaffKpisService(db, opts);
  }

  /**
   * orders.order.placed / orders.batch.imported: each customer of these orders who has no open assignment is assigned by
   * the earliest of the orders (cancelled ones ignored). A customer who already has one keeps it. Returns how many were assigned.
   */
  async assignOnFirstPurchase(tx: Db, orderIds: string[], actor = 'system:first-purchase'): Promise<number> {
    if (orderIds.length === 0) return 0;
    const firsts = await query<{ customer_id: string; store_code: string | null; staff_code: string | null }>(
      tx,
      sql`select distinct on (o.customer_id) o.customer_id, o.store_code, o.staff_code
          from orders.orders o
          where o.id = any(${pgArray(orderIds, 'uuid')}) and not o.guest and o.status <> 'cancelled'
            and not exists (select 1 from staff.assignments a where a.customer_id = o.customer_id and a.ended_at is null)
          order by o.customer_id, o.placed_at, o.id`,
    );
    return this.assignFirstOrders(
      tx,
      firsts.map((f) => ({ customerId: f.customer_id, storeCode: f.store_code, staffCode: f.staff_code })),
      actor,
    );
  }

  /**
   * Assign every active customer without an open assignment by their first (non-cancelled) order; customers without
   * orders stay unassigned. Idempotent: a second run assigns 0.
   */
  async backfill(actor = 'system:backfill'): Promise<{ assigned: number }> {
    let assigned = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const firsts = await query<{ customer_id: string; store_code: string | null; staff_code: string | null }>(
          tx,
          sql`select distinct on (o.customer_id) o.customer_id, o.store_code, o.staff_code
              from orders.orders o join customers.customers c on c.id = o.customer_id and c.status = 'active'
              where o.status <> 'cancelled'
                and not exists (select 1 from staff.assignments a where a.customer_id = o.customer_id and a.ended_at is null)
              order by o.customer_id, o.placed_at, o.id
              limit ${BACKFILL_CHUNK}`,
        );
        if (firsts.length === 0) return 0;
        return this.assignFirstOrders(
          tx,
          firsts.map((f) => ({ customerId: f.customer_id, storeCode: f.store_code, staffCode: f.staff_code })),
          actor,
        );
      });
      assigned += n;
      if (n === 0) return { assigned };
    }
  }

  /** The rule for a first purchase, set-based: named guide → least-loaded active guide of the store (ties: username) → pool. */
  private async assignFirstOrders(tx: Db, firsts: FirstOrder[], actor: string): Promise<number> {
    if (firsts.length === 0) return 0;
    const codes = [...new Set(firsts.map((f) => f.staffCode).filter((c): c is string => !!c))];
    const named = new Map<string, StaffRow>();
    if (codes.length > 0) {
      const rows = await query<StaffRow>(tx, sql`select id, username, role, store_code, disabled_at from access.staff where username = any(${pgArray(codes, 'text')})`);
      for (const r of rows) named.set(r.username, r);
    }
    const stores = [...new Set(firsts.map((f) => f.storeCode).filter((c): c is string => !!c))];
    const guides = new Map<string, Array<{ id: string; username: string; load: number }>>();
    if (stores.length > 0) {
      const rows = await query<{ id: string; username: string; store_code: string; load: number }>(
        tx,
        sql`select s.id, s.username, s.store_code,
                   (select count(*)::int from staff.assignments a where a.staff_id = s.id and a.ended_at is null) as load
            from access.staff s
            where s.role = 'guide' and s.disabled_at is null and s.store_code = any(${pgArray(stores, 'text')})`,
      );
      for (const r of rows) {
        const list = guides.get(r.store_code) ?? [];
        list.push({ id: r.id, username: r.username, load: Number(r.load) });
        guides.set(r.store_code, list);
      }
    }
    // Counts kept in memory as this batch assigns, so a batch spreads over the store's guides too.
    const loadOf = new Map<string, { load: number }>();
    for (const list of guides.values()) for (const g of list) loadOf.set(g.id, g);
    const rows: Array<{ id: string; customerId: string; staffId: string | null; storeCode: string | null }> = [];
    for (const f of firsts) {
      const s = f.staffCode ? named.get(f.staffCode) : undefined;
      let staffId: string | null = null;
      if (s && (GUIDE_ROLES as readonly string[]).includes(s.role) && s.disabled_at === null) staffId = s.id;
      else if (f.storeCode) {
        const list = guides.get(f.storeCode) ?? [];
        const best = [...list].sort((a, b) => a.load - b.load || (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))[0];
        if (best) staffId = best.id;
      }
      if (staffId) {
        const g = loadOf.get(staffId);
        if (g) g.load += 1;
      }
      rows.push({ id: newId(), customerId: f.customerId, staffId, storeCode: f.storeCode });
    }
    const inserted = await query<{ id: string }>(
      tx,
      sql`insert into staff.assignments (id, customer_id, staff_id, store_code, reason, actor)
          select x.id, x.customer_id, x.staff_id, x.store_code, 'first_purchase', ${actor}
          from unnest(${pgArray(rows.map((r) => r.id), 'uuid')}, ${pgArray(rows.map((r) => r.customerId), 'uuid')},
                      ${pgArray(rows.map((r) => r.staffId), 'uuid')}, ${pgArray(rows.map((r) => r.storeCode), 'text')})
               as x(id, customer_id, staff_id, store_code)
          on conflict (customer_id) where ended_at is null do nothing
          returning id`,
    );
    return inserted.length;
  }

  /**
   * Manual (re)assignment: closes the open assignment (ended_at = now) and opens a new one (reason manual), audited as
   * `staff.assign` with the from/to staff ids. Unknown staff: 404; disabled or not a guide/store manager: 409; the same
   * guide again: 409.
   */
  async assign(customerId: string, input: AssignInput, actor: string): Promise<Assignment> {
    return this.db.transaction(async (tx) => {
      const customer = await queryOne<{ status: string }>(tx, sql`select status from customers.customers where id = ${customerId}::uuid`);
      if (!customer) throw notFound('staff.customer_not_found', `Customer ${customerId} not found`);
      if (customer.status !== 'active') throw conflict('staff.customer_not_active', `Customer ${customerId} is ${customer.status} and cannot be assigned`);
      let staff: StaffRow | undefined;
      if (input.staffId !== null) {
        staff = await queryOne<StaffRow>(tx, sql`select id, username, role, store_code, disabled_at from access.staff where id = ${input.staffId}::uuid`);
        if (!staff) throw notFound('staff.staff_not_found', `Staff ${input.staffId} not found`);
        if (staff.disabled_at !== null) throw conflict('staff.staff_disabled', `Staff ${staff.username} is disabled`);
        if (!(GUIDE_ROLES as readonly string[]).includes(staff.role))
          throw conflict('staff.not_a_guide', `Staff ${staff.username} is a ${staff.role}; only a guide or store manager looks after customers`);
      }
      const open = await queryOne<{ id: string; staff_id: string | null; store_code: string | null }>(
        tx,
        sql`select id, staff_id, store_code from staff.assignments where customer_id = ${customerId}::uuid and ended_at is null for update`,
      );
      const storeCode = input.storeCode ?? staff?.store_code ?? open?.store_code ?? null;
      if (input.staffId === null && !storeCode)
        throw invalid('staff.store_required', 'A customer put in a store pool needs the store', [{ path: 'storeCode', message: 'is required when staffId is null' }]);
      if (open && open.staff_id === input.staffId && (input.staffId !== null || open.store_code === storeCode))
        throw conflict('staff.already_assigned', input.staffId ? `Customer ${customerId} is already assigned to ${staff!.username}` : `Customer ${customerId} is already in the pool of ${storeCode}`);
      if (open) await tx.execute(sql`update staff.assignments set ended_at = now() where id = ${open.id}::uuid`);
      const id = newId();
      await tx.execute(
        sql`insert into staff.assignments (id, customer_id, staff_id, store_code, reason, actor, note)
            values (${id}, ${customerId}::uuid, ${input.staffId}::uuid, ${storeCode}, 'manual', ${actor}, ${input.note ?? null})`,
      );
      await appendAudit(tx, {
        actor,
        action: 'staff.assign',
        targetType: 'customer',
        targetId: customerId,
        details: { from: open?.staff_id ?? null, to: input.staffId },
      });
      return (await this.rows(tx, sql`a.id = ${id}::uuid`))[0]!;
    });
  }

  /** A customer's assignments, oldest first (the open one last). */
  async history(customerId: string): Promise<Assignment[]> {
    return this.rows(this.db, sql`a.customer_id = ${customerId}::uuid`);
  }

  /** The customers a guide looks after now, longest-held first; `cursor` is the last entry's assignment id. */
  async book(staffId: string, paging: { limit: number; cursor?: string | undefined }): Promise<{ items: BookEntry[]; nextCursor: string | null; total: number }> {
    const s = await queryOne<{ id: string }>(this.db, sql`select id from access.staff where id = ${staffId}::uuid`);
    if (!s) throw notFound('staff.staff_not_found', `Staff ${staffId} not found`);
    const after = paging.cursor ? sql`and a.id > ${paging.cursor}::uuid` : sql``;
    const rows = await query<{ id: string; customer_id: string; store_code: string | null; reason: AssignmentReason; started_at: Date | string }>(
      this.db,
      sql`select a.id, a.customer_id, a.store_code, a.reason, a.started_at from staff.assignments a
          where a.staff_id = ${staffId}::uuid and a.ended_at is null ${after}
          order by a.id limit ${paging.limit + 1}`,
    );
    const total = await queryOne<{ n: number }>(this.db, sql`select count(*)::int as n from staff.assignments where staff_id = ${staffId}::uuid and ended_at is null`);
    const page = rows.slice(0, paging.limit);
    return {
      items: page.map((r) => ({ customerId: r.customer_id, storeCode: r.store_code, reason: r.reason, since: iso(r.started_at) })),
      nextCursor: rows.length > paging.limit ? page[page.length - 1]!.id : null,
      total: Number(total?.n ?? 0),
    };
  }

  /**
   * Merges: the absorbed profile's assignments move to the survivor, closed. The survivor keeps its open assignment;
   * when it has none, it takes over the absorbed one's guide and store in a new `merge` assignment (left in place by an
   * unmerge). Unmerge moves the rows back and reopens the restored profile's latest one when it has no open assignment.
   */
  mergeParticipant(): MergeParticipant {
    return {
      name: 'staff.assignments',
      moveRecords: async (tx, fromId, toId) => {
        const open = await queryOne<{ staff_id: string | null; store_code: string | null }>(
          tx,
          sql`select staff_id, store_code from staff.assignments where customer_id = ${fromId}::uuid and ended_at is null`,
        );
        // Delete + insert (moveCustomerRows), never `update … set customer_id` (ADR 0014).
        const moved = await moveCustomerRows<{ id: string }>(tx, 'staff.assignments', fromId, toId, {
          set: { ended_at: sql`coalesce(ended_at, now())` },
          returning: ['id'],
        });
        if (open) {
          await tx.execute(
            sql`insert into staff.assignments (id, customer_id, staff_id, store_code, reason, actor)
                select ${newId()}, ${toId}::uuid, ${open.staff_id}::uuid, ${open.store_code}, 'merge', 'system:merge'
                where not exists (select 1 from staff.assignments where customer_id = ${toId}::uuid and ended_at is null)`,
          );
        }
        return moved.map((r) => r.id);
      },
      restoreRecords: async (tx, ids, toId) => {
        if (ids.length === 0) return;
        // By id, from whoever holds them now (the survivor, as a rule).
        await moveRowsTo(tx, 'staff.assignments', sql`t.id = any(${pgArray(ids, 'uuid')})`, toId);
        await tx.execute(
          sql`update staff.assignments set ended_at = null
              where customer_id = ${toId}::uuid
                and id = (select id from staff.assignments where customer_id = ${toId}::uuid order by started_at desc, id desc limit 1)
                and not exists (select 1 from staff.assignments where customer_id = ${toId}::uuid and ended_at is null)`,
        );
      },
    };
  }

  private async rows(db: Db, where: ReturnType<typeof sql>): Promise<Assignment[]> {
    const rows = await query<AssignmentRow>(
      db,
      sql`select a.id, a.customer_id, a.staff_id, s.username, a.store_code, a.reason, a.started_at, a.ended_at, a.actor, a.note
          from staff.assignments a left join access.staff s on s.id = a.staff_id
          where ${where} order by a.started_at, a.id`,
    );
    return rows.map(view);
  }
}
