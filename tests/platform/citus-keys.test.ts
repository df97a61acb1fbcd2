import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, type Database } from '../../src/platform/db/database.js';
import { DISTRIBUTION_ANCHOR, PLACEMENTS, distributionSql, type Placement } from '../../src/platform/db/distribution.js';
import { openTestDatabase } from '../support/test-db.js';

/**
 * The migrated schema against Citus's rules and the placements in src/platform/db/distribution.ts
 * (docs/adr/0014-citus-distribution.md): every table placed; every distributed table has its distribution column,
 * NOT NULL, of the anchor's type, in every primary key and unique index; foreign keys only where Citus allows them.
 * Tables that still break a rule are declared `pending`, and the violations found must be exactly those tables.
 */

/** Schemas that are not Kemai's: pg-boss's queue and drizzle's migration journal stay local on the coordinator. */
const FOREIGN_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', 'pgboss', 'drizzle'];

interface TableRow {
  name: string;
}
interface ColumnRow {
  table_name: string;
  column_name: string;
  not_null: boolean;
  type: string;
}
interface UniqueRow {
  table_name: string;
  index_name: string;
  is_primary: boolean;
  columns: string[];
}
interface ForeignKeyRow {
  table_name: string;
  constraint_name: string;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
}

let database: Database;
let tables: string[];
let columns: Map<string, Map<string, ColumnRow>>;
let uniques: UniqueRow[];
let foreignKeys: ForeignKeyRow[];

const schemaFilter = sql.raw(FOREIGN_SCHEMAS.map((s) => `'${s}'`).join(', '));

beforeAll(async () => {
  database = await openTestDatabase({ poolSize: 1 });
  const db = database.db;
  tables = (
    await query<TableRow>(
      db,
      sql`select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind in ('r', 'p') and not c.relispartition and n.nspname not in (${schemaFilter}) and n.nspname not like 'pg_temp%'
          order by 1`,
    )
  ).map((r) => r.name);
  const cols = await query<ColumnRow>(
    db,
    sql`select n.nspname || '.' || c.relname as table_name, a.attname::text as column_name, a.attnotnull as not_null,
               format_type(a.atttypid, a.atttypmod) as type
        from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped and n.nspname not in (${schemaFilter})`,
  );
  columns = new Map();
  for (const c of cols) {
    if (!columns.has(c.table_name)) columns.set(c.table_name, new Map());
    columns.get(c.table_name)!.set(c.column_name, c);
  }
  // Key columns only (not INCLUDE columns); an expression in a key shows as null.
  uniques = await query<UniqueRow>(
    db,
    sql`select n.nspname || '.' || c.relname as table_name, ic.relname::text as index_name, i.indisprimary as is_primary,
               array(select a.attname::text from unnest(i.indkey) with ordinality k(attnum, ord)
                     left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                     where k.ord <= i.indnkeyatts order by k.ord)::text[] as columns
        from pg_index i join pg_class c on c.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
        join pg_namespace n on n.oid = c.relnamespace
        where i.indisunique and c.relkind in ('r', 'p') and n.nspname not in (${schemaFilter})
        order by 1, 2`,
  );
  foreignKeys = await query<ForeignKeyRow>(
    db,
    sql`select n.nspname || '.' || c.relname as table_name, k.conname::text as constraint_name,
               array(select a.attname::text from unnest(k.conkey) with ordinality x(attnum, ord)
                     join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum order by x.ord)::text[] as columns,
               rn.nspname || '.' || rc.relname as ref_table,
               array(select a.attname::text from unnest(k.confkey) with ordinality x(attnum, ord)
                     join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.attnum order by x.ord)::text[] as ref_columns
        from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_class rc on rc.oid = k.confrelid join pg_namespace rn on rn.oid = rc.relnamespace
        where k.contype = 'f' and n.nspname not in (${schemaFilter})
        order by 1, 2`,
  );
});
afterAll(async () => database?.close());

/** Every rule a table breaks, `table: what`. */
function violations(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (table: string, what: string) => {
    if (!found.has(table)) found.set(table, []);
    found.get(table)!.push(what);
  };
  const anchor = PLACEMENTS[DISTRIBUTION_ANCHOR] as Extract<Placement, { kind: 'distributed' }>;
  const anchorType = columns.get(DISTRIBUTION_ANCHOR)?.get(anchor.column)?.type;
  for (const t of tables) {
    const p = PLACEMENTS[t];
    if (p?.kind === 'key') {
      const col = columns.get(t)?.get(p.column);
      if (!col) add(t, `no column ${p.column}`);
      else if (!col.not_null) add(t, `${p.column} is nullable`);
      continue;
    }
    if (p?.kind !== 'distributed') continue;
    const col = columns.get(t)?.get(p.column);
    if (!col) {
      add(t, `no column ${p.column}`);
      continue;
    }
    if (!col.not_null) add(t, `${p.column} is nullable`);
    if (col.type !== anchorType) add(t, `${p.column} is ${col.type}, ${DISTRIBUTION_ANCHOR}.${anchor.column} is ${anchorType}`);
  }
  for (const u of uniques) {
    const p = PLACEMENTS[u.table_name];
    if (p?.kind !== 'distributed' && p?.kind !== 'key') continue;
    if (!columns.get(u.table_name)?.has(p.column)) continue; // reported above
    if (!u.columns.includes(p.column))
      add(u.table_name, `${u.is_primary ? 'primary key' : 'unique index'} ${u.index_name} (${u.columns.join(', ')}) lacks ${p.column}`);
  }
  for (const fk of foreignKeys) {
    const from = PLACEMENTS[fk.table_name];
    const to = PLACEMENTS[fk.ref_table];
    if (!from || !to) continue; // unplaced tables fail their own test
    const what = `foreign key ${fk.constraint_name} to ${fk.ref_table}`;
    // A key table is its own co-location group: it may reference reference tables only, and nothing references it.
    if (from.kind === 'key' && to.kind !== 'reference') add(fk.table_name, `${what}: a key table may reference only reference tables`);
    if (to.kind === 'key') add(fk.table_name, `${what}: a key table cannot be referenced (it is in a co-location group of its own)`);
    if (from.kind === 'key' || to.kind === 'key') continue;
    if (from.kind === 'distributed' && to.kind === 'distributed') {
      const at = fk.columns.indexOf(from.column);
      if (at < 0 || fk.ref_columns[at] !== to.column) add(fk.table_name, `${what} does not pair ${from.column} with ${to.column}`);
    } else if (from.kind !== 'distributed' && to.kind === 'distributed') add(fk.table_name, `${what}: a ${from.kind} table cannot reference a distributed one`);
    else if (from.kind === 'distributed' && to.kind === 'local') add(fk.table_name, `${what}: a distributed table cannot reference a local one`);
    else if (from.kind === 'reference' && to.kind === 'local') add(fk.table_name, `${what}: a reference table cannot reference a local one`);
  }
  return found;
}

describe('Citus placement of the schema (src/platform/db/distribution.ts)', () => {
  it('places every table of the migrated schema, and names no table that does not exist', () => {
    expect(tables.length).toBeGreaterThan(90);
    const unplaced = tables.filter((t) => !(t in PLACEMENTS));
    expect(unplaced, `tables without a placement in src/platform/db/distribution.ts: ${unplaced.join(', ')}`).toEqual([]);
    const stale = Object.keys(PLACEMENTS).filter((t) => !tables.includes(t));
    expect(stale, `placements of tables the schema does not have: ${stale.join(', ')}`).toEqual([]);
    expect(PLACEMENTS[DISTRIBUTION_ANCHOR]).toEqual({ kind: 'distributed', column: 'id' });
  });

  it('finds the rules broken by exactly the tables declared pending', () => {
    const found = violations();
    const report = [...found].map(([t, w]) => `${t}: ${w.join('; ')}`).join('\n');
    const pending = Object.keys(PLACEMENTS)
      .filter((t) => PLACEMENTS[t]!.pending !== undefined)
      .sort();
    if (process.env.CITUS_KEYS_REPORT) console.log(report);
    const broken = [...found.keys()].sort();
    expect(broken.filter((t) => !pending.includes(t)), `new violations (fix them, or declare pending with a plan):\n${report}`).toEqual([]);
    expect(pending.filter((t) => !broken.includes(t)), 'declared pending but conforming: remove their `pending`').toEqual([]);
    expect(broken).toEqual(pending);
  });

  it('the tables fixed for Citus keep their keys (customer_id first; migrations 0036–0038)', () => {
    const keyOf = (t: string) => uniques.find((u) => u.table_name === t && u.is_primary)?.columns;
    for (const t of ['insights.rhythm_changes', 'journeys.enrollments', 'messaging.guide_tasks', 'messaging.messages', 'staff.assignments'])
      expect(keyOf(t), t).toEqual(['customer_id', 'id']);
    expect(uniques.find((u) => u.index_name === 'guide_tasks_customer_message_uq')?.columns).toEqual(['customer_id', 'message_id']);
    const unique = (t: string) => uniques.filter((u) => u.table_name === t && !u.is_primary).map((u) => u.columns.join(','));
    expect(unique('messaging.messages')).toEqual(['customer_id,dedupe_key']);
    expect(unique('loyalty.ledger_entries')).toEqual(['customer_id,idempotency_key']);
    expect(unique('loyalty.holds')).toEqual(['customer_id,idempotency_key']);
    expect(unique('loyalty.growth_entries')).toEqual(['customer_id,idempotency_key']);
  });

  it('identifiers and referral codes keep their keys: customer_id on the rows, the global keys in key tables (migration 0043)', () => {
    const keyOf = (t: string) => uniques.find((u) => u.table_name === t && u.is_primary)?.columns;
    const unique = (t: string) => uniques.filter((u) => u.table_name === t && !u.is_primary).map((u) => u.columns.join(','));
    expect(keyOf('customers.identifiers')).toEqual(['customer_id', 'type', 'value']);
    expect(unique('customers.identifiers')).toEqual([]);
    expect(keyOf('customers.identifier_keys')).toEqual(['value', 'type']);
    expect(unique('customers.identifier_keys')).toEqual([]);
    expect(columns.get('customers.identifier_keys')?.get('customer_id')).toMatchObject({ not_null: true, type: 'uuid' });
    expect(PLACEMENTS['customers.identifier_keys']).toMatchObject({ kind: 'key', column: 'value' });
    expect(keyOf('loyalty.accounts')).toEqual(['customer_id']);
    expect(unique('loyalty.accounts')).toEqual([]);
    expect(keyOf('loyalty.referral_codes')).toEqual(['code']);
    expect(columns.get('loyalty.referral_codes')?.get('customer_id')).toMatchObject({ not_null: true, type: 'uuid' });
    expect(PLACEMENTS['loyalty.referral_codes']).toMatchObject({ kind: 'key', column: 'code' });
    expect(PLACEMENTS['customers.identifiers']).toEqual({ kind: 'distributed', column: 'customer_id' });
    expect(PLACEMENTS['loyalty.accounts']).toEqual({ kind: 'distributed', column: 'customer_id' });
  });

  it('orders keep their keys: customer_id first, the feeds\' idempotency key in orders.external_keys (migration 0040)', () => {
    const keyOf = (t: string) => uniques.find((u) => u.table_name === t && u.is_primary)?.columns;
    const unique = (t: string) => uniques.filter((u) => u.table_name === t && !u.is_primary).map((u) => u.columns.join(','));
    expect(keyOf('orders.orders')).toEqual(['customer_id', 'id']);
    expect(keyOf('orders.returns')).toEqual(['customer_id', 'id']);
    expect(keyOf('orders.order_lines')).toEqual(['customer_id', 'order_id', 'line_no']);
    expect(keyOf('orders.order_versions')).toEqual(['customer_id', 'order_id', 'version']);
    expect(keyOf('orders.return_lines')).toEqual(['customer_id', 'return_id', 'order_line_no']);
    expect(keyOf('orders.external_keys')).toEqual(['external_id', 'channel', 'kind']);
    for (const t of ['orders.orders', 'orders.returns', 'orders.order_lines', 'orders.order_versions', 'orders.return_lines']) {
      expect(unique(t), t).toEqual([]);
      expect(columns.get(t)?.get('customer_id')?.not_null, t).toBe(true);
    }
    expect(columns.get('orders.orders')?.get('guest')).toMatchObject({ not_null: true, type: 'boolean' });
    expect(columns.get('orders.returns')?.get('guest')).toMatchObject({ not_null: true, type: 'boolean' });
    expect(PLACEMENTS['orders.external_keys']).toMatchObject({ kind: 'key', column: 'external_id' });
  });

  it('promotions keep their keys: customer_id first, coupon codes in promotions.coupon_codes (ADR 0014 items 1, 3, 4)', () => {
    const keyOf = (t: string) => uniques.find((u) => u.table_name === t && u.is_primary)?.columns;
    const unique = (t: string) => uniques.filter((u) => u.table_name === t && !u.is_primary).map((u) => u.columns.join(','));
    expect(keyOf('promotions.reservations')).toEqual(['customer_id', 'id']);
    expect(keyOf('promotions.redemptions')).toEqual(['customer_id', 'reservation_id', 'seq']);
    expect(keyOf('promotions.coupons')).toEqual(['customer_id', 'id']);
    expect(keyOf('promotions.coupon_codes')).toEqual(['code']);
    expect(unique('promotions.reservations')).toEqual(['customer_id,idempotency_key']);
    expect(unique('promotions.redemptions')).toEqual([]);
    expect(unique('promotions.coupons')).toEqual(['customer_id,idempotency_key']);
    for (const t of ['promotions.reservations', 'promotions.redemptions', 'promotions.coupons', 'promotions.coupon_codes'])
      expect(columns.get(t)?.get('customer_id')?.not_null, t).toBe(true);
    expect(columns.get('promotions.reservations')?.get('guest')).toMatchObject({ not_null: true, type: 'boolean' });
    expect(columns.get('promotions.redemptions')?.get('guest')).toMatchObject({ not_null: true, type: 'boolean' });
    expect(columns.get('promotions.coupons')?.get('assigned')).toMatchObject({ not_null: true, type: 'boolean' });
    expect(PLACEMENTS['promotions.coupon_codes']).toMatchObject({ kind: 'key', column: 'code' });
  });

  it('step runs, delivery events and surveys keep their keys: customer_id first, NOT NULL (migration 0042)', () => {
    const keyOf = (t: string) => uniques.find((u) => u.table_name === t && u.is_primary)?.columns;
    const unique = (t: string) => uniques.filter((u) => u.table_name === t && !u.is_primary).map((u) => u.columns.join(','));
    expect(keyOf('journeys.step_runs')).toEqual(['customer_id', 'enrollment_id', 'seq']);
    expect(keyOf('messaging.delivery_events')).toEqual(['customer_id', 'message_id', 'id']);
    expect(keyOf('surveys.invitations')).toEqual(['customer_id', 'id']);
    expect(keyOf('surveys.responses')).toEqual(['customer_id', 'id']);
    expect(unique('journeys.step_runs')).toEqual([]);
    expect(unique('messaging.delivery_events')).toEqual([]);
    expect(unique('surveys.invitations')).toEqual(['customer_id,survey_id,context_kind,context_id']);
    expect(unique('surveys.responses')).toEqual(['customer_id,invitation_id']);
    for (const t of ['journeys.step_runs', 'messaging.delivery_events', 'surveys.invitations', 'surveys.responses']) {
      expect(columns.get(t)?.get('customer_id'), t).toMatchObject({ not_null: true, type: 'uuid' });
      expect(PLACEMENTS[t], t).toEqual({ kind: 'distributed', column: 'customer_id' });
    }
  });

  it('activity keeps its keys: identified events and rollups by customer_id, anonymous ones local, the feeds\' keys in activity.event_keys (migration 0044)', () => {
    const keyOf = (t: string) => uniques.find((u) => u.table_name === t && u.is_primary)?.columns;
    const unique = (t: string) => uniques.filter((u) => u.table_name === t && !u.is_primary).map((u) => u.columns.join(','));
    expect(keyOf('activity.events')).toEqual(['customer_id', 'id']);
    expect(unique('activity.events')).toEqual([]);
    expect(columns.get('activity.events')?.get('customer_id')).toMatchObject({ not_null: true, type: 'uuid' });
    expect(keyOf('activity.event_rollups')).toEqual(['customer_id', 'id']);
    expect(unique('activity.event_rollups')).toEqual(['customer_id,month,type,channel,store_code']);
    expect(columns.get('activity.event_rollups')?.get('customer_id')).toMatchObject({ not_null: true, type: 'uuid' });
    expect(keyOf('activity.event_keys')).toEqual(['external_id', 'source']);
    expect(unique('activity.event_keys')).toEqual([]);
    expect(PLACEMENTS['activity.event_keys']).toMatchObject({ kind: 'key', column: 'external_id' });
    expect(PLACEMENTS['activity.events']).toEqual({ kind: 'distributed', column: 'customer_id' });
    expect(PLACEMENTS['activity.event_rollups']).toEqual({ kind: 'distributed', column: 'customer_id' });
    expect(columns.get('activity.anonymous_events')?.has('customer_id')).toBe(false);
    expect(PLACEMENTS['activity.anonymous_events']).toMatchObject({ kind: 'local' });
    expect(PLACEMENTS['activity.anonymous_event_rollups']).toMatchObject({ kind: 'local' });
  });

  it('declares local tables with a reason and only pending tables as pending', () => {
    for (const [t, p] of Object.entries(PLACEMENTS)) {
      if (p.kind === 'local' || p.kind === 'key') expect(p.reason.length, t).toBeGreaterThan(5);
      if (p.pending !== undefined) expect(p.pending.length, t).toBeGreaterThan(20);
    }
  });
});

describe('distributionSql', () => {
  const text = distributionSql({ shardCount: 32 });
  const statements = text.split('\n').filter((l) => l.startsWith('select '));

  it('distributes reference tables first, then customers, then the co-located tables — all and only the conforming ones', () => {
    const reference = Object.keys(PLACEMENTS)
      .filter((t) => PLACEMENTS[t]!.kind === 'reference' && !PLACEMENTS[t]!.pending)
      .sort();
    const colocated = Object.keys(PLACEMENTS)
      .filter((t) => PLACEMENTS[t]!.kind === 'distributed' && !PLACEMENTS[t]!.pending && t !== DISTRIBUTION_ANCHOR)
      .sort();
    const keyTables = Object.keys(PLACEMENTS)
      .filter((t) => PLACEMENTS[t]!.kind === 'key' && !PLACEMENTS[t]!.pending)
      .sort();
    expect(statements).toEqual([
      ...reference.map((t) => `select create_reference_table('${t}');`),
      `select create_distributed_table('customers.customers', 'id', shard_count => 32);`,
      ...colocated.map((t) => {
        const p = PLACEMENTS[t] as Extract<Placement, { kind: 'distributed' }>;
        return `select create_distributed_table('${t}', '${p.column}', colocate_with => 'customers.customers');`;
      }),
      ...keyTables.map((t) => {
        const p = PLACEMENTS[t] as Extract<Placement, { kind: 'key' }>;
        return `select create_distributed_table('${t}', '${p.column}', colocate_with => 'none');`;
      }),
    ]);
    expect(colocated).toContain('loyalty.lots');
    expect(colocated).toContain('orders.orders');
    expect(keyTables).toContain('orders.external_keys');
  });

  it('lists the pending and local tables as comments, and rejects a bad shard count', () => {
    for (const t of Object.keys(PLACEMENTS).filter((n) => PLACEMENTS[n]!.kind === 'distributed' && PLACEMENTS[n]!.pending))
      expect(text).toContain(`--   ${t} (customer_id): `);
    expect(text).toContain('--   platform.outbox: ');
    expect(text).not.toMatch(/^select .*platform\.outbox/m);
    expect(() => distributionSql({ shardCount: 0 })).toThrow('shardCount must be an integer between 1 and 64000');
  });
});
