import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from './database.js';

/**
 * Moving a customer's rows to another customer (merges, unmerges, a guest receipt claimed by a member) without
 * `update … set customer_id`: on Citus customer_id is the distribution column of every customer-owned table, and it
 * cannot be updated (ADR 0014). A move is one statement — delete the rows under the old owner and insert them, copied,
 * under the new one:
 *
 *   with moved as (delete from T t where t.customer_id = $from and <where> returning t.*)
 *   insert into T (<every column>) select <every column, customer_id = $to, overrides> from moved returning <returning>
 *
 * One statement, so exactly the rows deleted are inserted (a row committed meanwhile by someone else is either in both
 * or in neither), and the same SQL runs on PostgreSQL, PGlite and Citus (which runs the delete on the old owner's shard
 * and the insert on the new owner's, in one two-phase transaction). Keys hold customer_id, so a copy never meets its
 * original; a clash with the new owner's own rows (the same idempotency key) fails the statement as an update would,
 * and callers rename such keys first, as they did.
 */
export interface MoveOptions {
  /** Narrows the rows moved; may refer to the table's columns as `t.<column>` or unqualified. */
  where?: SQL;
  /** Other columns to change while moving: column → expression over the moved row (e.g. `sql\`false\`` for guest). */
  set?: Record<string, SQL>;
  /** Columns of the moved rows (as inserted) to answer, e.g. `id`. */
  returning?: string[];
}

const columnsOf = new Map<string, Promise<string[]>>();

/** The table's stored columns in order (generated columns left out: they are computed again on insert). */
function tableColumns(db: Db, table: string): Promise<string[]> {
  let cols = columnsOf.get(table);
  if (!cols) {
    cols = query<{ name: string }>(
      db,
      sql`select a.attname::text as name from pg_attribute a
          where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
          order by a.attnum`,
    ).then((rows) => {
      if (rows.length === 0) throw new Error(`moveCustomerRows: ${table} has no columns`);
      if (!rows.some((r) => r.name === 'customer_id')) throw new Error(`moveCustomerRows: ${table} has no customer_id`);
      return rows.map((r) => r.name);
    });
    cols.catch(() => columnsOf.delete(table));
    columnsOf.set(table, cols);
  }
  return cols;
}

const ident = (name: string): SQL => sql`${sql.identifier(name)}`;

/** Moves `table`'s rows of customer `from` (narrowed by `where`) to customer `to`; answers the `returning` columns of the moved rows. */
export async function moveCustomerRows<T = Record<string, unknown>>(db: Db, table: string, from: string, to: string, opts: MoveOptions = {}): Promise<T[]> {
  if (!/^[a-z_]+\.[a-z_]+$/.test(table)) throw new Error(`moveCustomerRows: bad table name ${table}`);
  const columns = await tableColumns(db, table);
  for (const c of Object.keys(opts.set ?? {})) if (!columns.includes(c)) throw new Error(`moveCustomerRows: ${table} has no column ${c}`);
  for (const c of opts.returning ?? []) if (!columns.includes(c)) throw new Error(`moveCustomerRows: ${table} has no column ${c}`);
  const [schema, name] = table.split('.') as [string, string];
  const target = sql`${ident(schema)}.${ident(name)}`;
  const values = columns.map((c) => (c === 'customer_id' ? sql`${to}::uuid` : (opts.set?.[c] ?? ident(c))));
  const returning = opts.returning?.length ? sql` returning ${sql.join(opts.returning.map(ident), sql`, `)}` : sql``;
  return query<T>(
    db,
    sql`with moved as (delete from ${target} t where t.customer_id = ${from}::uuid${opts.where ? sql` and (${opts.where})` : sql``} returning t.*)
        insert into ${target} (${sql.join(columns.map(ident), sql`, `)})
        select ${sql.join(values, sql`, `)} from moved${returning}`,
  );
}

/**
 * Moves the rows of `table` (alias `t`) that `which` selects to customer `toId`, from whichever customers hold them now
 * (an unmerge names rows by id; they may have moved on since), one moveCustomerRows per holder. Answers every customer
 * that held such rows, `toId` included when it already held some.
 */
export async function moveRowsTo(db: Db, table: string, which: SQL, toId: string): Promise<string[]> {
  if (!/^[a-z_]+\.[a-z_]+$/.test(table)) throw new Error(`moveRowsTo: bad table name ${table}`);
  const owners = await query<{ customer_id: string; same: boolean }>(
    db,
    sql`select distinct t.customer_id::text as customer_id, t.customer_id = ${toId}::uuid as same from ${sql.raw(table)} t where ${which} order by 1`,
  );
  for (const o of owners) if (!o.same) await moveCustomerRows(db, table, o.customer_id, toId, { where: which });
  return owners.map((o) => o.customer_id);
}
