import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { ReplicaRouter } from './replica.js';

// Postgres returns int8 as text by default; every bigint we store (fen, counts) fits in a double.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PgDatabase<PgQueryResultHKT, any>;

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  /**
   * For the analytics reads (reports, dashboards, trends): the streaming replica while it is fresh, else the primary
   * (replica.ts, attachReplica). Without a replica — and always on PGlite — the same object as `db`.
   */
  analytics: Db;
  /** The replica's router when DATABASE_REPLICA_URL is set: its state for /readyz. */
  replica?: ReplicaRouter;
  pglite?: PGlite;
  pool?: pg.Pool;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../drizzle');

/** Rows of a raw statement on either driver. */
export async function query<T = Record<string, unknown>>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}

export async function queryOne<T = Record<string, unknown>>(db: Db, statement: SQL): Promise<T | undefined> {
  const rows = await query<T>(db, statement);
  return rows[0];
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** Directory for PGlite; undefined means in memory. */
  dataDir?: string | undefined;
  /** A PGlite data-dir dump to start from (tests start from a migrated template). */
  loadDataDir?: Blob | File;
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    pool.on('error', () => {
      /* idle client errors surface on the next query */
    });
    // node-postgres takes the pool's listener off a client while it is checked out (a transaction), so a server restart
    // or a broken socket then would be an unhandled 'error' event and kill the process. The query in flight still fails
    // with the error (the request answers 503 database_unavailable) and the pool drops the client.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
    const db = drizzlePg({ client: pool }) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      analytics: db,
      pool,
      close: () => pool.end(),
    };
  }
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
  });
  await pglite.waitReady;
  const db = drizzlePglite({ client: pglite }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    analytics: db,
    pglite,
    close: () => pglite.close(),
  };
}

/** Apply the migrations in drizzle/ (the same files on PGlite and Postgres). */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_DIR });
    return;
  }
  // Several processes may start at once: one migrates while the others wait on the lock.
  const client = await database.pool!.connect();
  try {
    await client.query('select pg_advisory_lock(727274)');
    await migratePg(drizzlePg({ client }) as never, { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.query('select pg_advisory_unlock(727274)').catch(() => undefined);
    client.release();
  }
}

export async function ping(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}

/** The SQLSTATE of a database error (23505 unique violation, 40P01 deadlock, …), looked for along its causes (drizzle wraps driver errors). */
export function pgCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}
