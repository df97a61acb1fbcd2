import pg from 'pg';
import type { Logger } from 'pino';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { Database, Db } from './database.js';

/**
 * Read-replica routing for the analytics reads (docs/deploy/read-replicas.md).
 *
 * `database.analytics` is a Drizzle database over a {@link RoutedPool}: each query goes to the streaming replica while
 * it is fresh enough, else to the primary. Fresh: the replica has replayed everything the primary had flushed when we
 * looked (`pg_last_wal_replay_lsn() >= pg_current_wal_flush_lsn()`: an idle primary is never "lagging"), or its last
 * replayed transaction is at most `maxLagSeconds` old. The state is checked at most every `checkMs` (cheap: one tiny
 * query on each server) and a query that fails on the replica for a connection reason runs again on the primary.
 */
export type ReplicaState = 'ok' | 'lagging' | 'down';

export interface ReplicaOptions {
  url: string;
  maxLagSeconds: number;
  /** How long one check of the replica's state holds (ms); default 5,000. */
  checkMs?: number;
  poolSize?: number;
  log?: Logger;
}

export interface ReplicaStatus {
  state: ReplicaState;
  /** Seconds since the last transaction the replica replayed (null: none yet, or down). */
  lagSeconds: number | null;
  checkedAt: Date;
}

const DEFAULT_CHECK_MS = 5_000;
const CHECK_TIMEOUT_MS = 3_000;

export class ReplicaRouter {
  readonly pool: pg.Pool;
  private status: ReplicaStatus | undefined;
  private checking: Promise<ReplicaStatus> | undefined;
  private log: Logger | undefined;
  private readonly checkMs: number;

  constructor(
    private readonly primary: pg.Pool,
    private readonly opts: ReplicaOptions,
  ) {
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 5, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
    this.pool.on('error', () => {
      /* an idle client lost (the replica restarted): the next query reconnects or falls back */
    });
    this.checkMs = opts.checkMs ?? DEFAULT_CHECK_MS;
    this.log = opts.log;
  }

  useLog(log: Logger): void {
    this.log = log;
  }

  /** The replica's state, checked again when the last check is older than `checkMs`. */
  async current(): Promise<ReplicaStatus> {
    if (this.status && Date.now() - this.status.checkedAt.getTime() < this.checkMs) return this.status;
    this.checking ??= this.check().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /**
   * The state for a readiness probe: never waits longer than `waitMs` for a check (a hung replica must not time the
   * probe out); the last state known, or 'down' when none is, if the check takes longer.
   */
  async probeState(waitMs = 1_000): Promise<ReplicaState> {
    try {
      return (await withTimeout(this.current(), waitMs)).state;
    } catch {
      return this.status?.state ?? 'down';
    }
  }

  /** The pool the next analytics query goes to. */
  async target(): Promise<pg.Pool> {
    // Away from the replica: stay on the primary while it is looked at again in the background (a hung replica costs
    // the 3 s check once per interval, never a request).
    const last = this.status;
    if (last && last.state !== 'ok' && Date.now() - last.checkedAt.getTime() >= this.checkMs) {
      void this.current();
      return this.primary;
    }
    return (await this.current()).state === 'ok' ? this.pool : this.primary;
  }

  /** A query that failed on the replica for a connection reason: down until the next check. */
  markDown(): void {
    this.record({ state: 'down', lagSeconds: null, checkedAt: new Date() });
  }

  async close(): Promise<void> {
    await this.checking?.catch(() => undefined);
    await this.pool.end();
  }

  private async check(): Promise<ReplicaStatus> {
    let next: ReplicaStatus;
    try {
      next = await withTimeout(this.probe(), CHECK_TIMEOUT_MS);
    } catch {
      next = { state: 'down', lagSeconds: null, checkedAt: new Date() };
    }
    this.record(next);
    return next;
  }

  private async probe(): Promise<ReplicaStatus> {
    // The primary first: whatever it had flushed then must be replayed on the replica.
    const flushed = (await this.primary.query<{ lsn: string }>('select pg_current_wal_flush_lsn()::text as lsn')).rows[0]!.lsn;
    const r = (
      await this.pool.query<{ standby: boolean; replayed: boolean | null; lag: number | null }>(
        `select pg_is_in_recovery() as standby,
                pg_last_wal_replay_lsn() >= $1::pg_lsn as replayed,
                extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as lag`,
        [flushed],
      )
    ).rows[0]!;
    const lagSeconds = r.lag === null ? null : Math.max(0, Number(r.lag));
    // Not in recovery: a server of its own (the primary itself, or a logical copy) — nothing to replay.
    const fresh = !r.standby || r.replayed === true || (lagSeconds !== null && lagSeconds <= this.opts.maxLagSeconds);
    return { state: fresh ? 'ok' : 'lagging', lagSeconds: r.standby ? lagSeconds : 0, checkedAt: new Date() };
  }

  /** Keeps the state; logs a change once (no URL: it may hold a password). */
  private record(next: ReplicaStatus): void {
    const before = this.status?.state;
    this.status = next;
    if (before === next.state) return;
    const lag = next.lagSeconds === null ? {} : { lagSeconds: Math.round(next.lagSeconds * 10) / 10 };
    if (next.state === 'ok') this.log?.info({ replica: 'ok', ...lag }, 'analytics queries go to the read replica');
    else if (next.state === 'lagging')
      this.log?.warn({ replica: 'lagging', maxLagSeconds: this.opts.maxLagSeconds, ...lag }, 'the read replica lags behind: analytics queries go to the primary');
    else this.log?.warn({ replica: 'down' }, 'the read replica is unreachable: analytics queries go to the primary');
  }
}

/**
 * A pg.Pool look-alike for Drizzle (its name ends in Pool, so transactions take a client with `connect()`): every query
 * asks the router where to go, and a query the replica cannot answer for a connection reason runs on the primary.
 */
class RoutedPool {
  constructor(
    private readonly router: ReplicaRouter,
    private readonly primary: pg.Pool,
  ) {}

  async query(config: unknown, values?: unknown): Promise<unknown> {
    const pool = await this.router.target();
    if (pool === this.primary) return this.primary.query(config as never, values as never);
    try {
      return await pool.query(config as never, values as never);
    } catch (err) {
      if (!replicaUnavailable(err)) throw err;
      this.router.markDown();
      return this.primary.query(config as never, values as never);
    }
  }

  async connect(): Promise<pg.PoolClient> {
    const pool = await this.router.target();
    if (pool === this.primary) return this.primary.connect();
    try {
      return await pool.connect();
    } catch {
      this.router.markDown();
      return this.primary.connect();
    }
  }
}

/**
 * Errors that say "the replica cannot answer now", not "this query is wrong": no server error at all (refused, reset,
 * timed out, terminated), connection exceptions (08), shutdown and recovery states (57P), too many connections (53),
 * and a statement cancelled for a conflict with recovery (40001 on a standby).
 */
export function replicaUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown } | undefined;
  if (!e || typeof e !== 'object') return true;
  if (typeof e.severity !== 'string') return true;
  const code = typeof e.code === 'string' ? e.code : '';
  return code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || code === '40001';
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('replica check timed out')), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Points `database.analytics` at a streaming replica (PostgreSQL only; PGlite has none and keeps `analytics === db`).
 * Closing the database closes the replica's pool too.
 */
export function attachReplica(database: Database, opts: ReplicaOptions): ReplicaRouter {
  if (database.kind !== 'postgres' || !database.pool) throw new Error('a read replica needs PostgreSQL (DATABASE_URL)');
  const router = new ReplicaRouter(database.pool, opts);
  database.analytics = drizzlePg({ client: new RoutedPool(router, database.pool) as unknown as pg.Pool }) as unknown as Db;
  database.replica = router;
  const close = database.close;
  database.close = async () => {
    await router.close();
    await close();
  };
  return router;
}
