/**
 * scripts/load/verify.ts — after a load run, check in SQL that nothing was lost or done twice.
 *
 *   const report = await verifyRun(databaseUrl, { prefix, ackedIds, segments: ['load_frequent', 'load_points'] });
 *
 * Checks (each {ok, …figures}):
 * - orders: the pos orders whose externalId starts with `<prefix>-` are exactly the acknowledged ones (missing, extra,
 *   duplicates = 0);
 * - halfWritten: every such order has lines and its paid amount is the sum of its lines' (nothing half-written);
 * - points: each eligible order (a customer, not cancelled, earning > 0 under the default programme: floor(paid fen ×
 *   10 / 10,000)) has exactly one ledger entry for the order with exactly that many points; guest and cancelled orders
 *   none; each account's available / pending equal the sums of its entries;
 * - segments: for each rule segment given, the stored members equal the rule recomputed here in plain SQL
 *   (load_frequent: ≥ 3 non-cancelled orders; load_points: pending points ≥ 100; both among active profiles);
 * - outbox: nothing undelivered (waits up to `drainTimeoutMs` for the workers to finish), and how many events needed
 *   retries, with their last errors;
 * - jobs: pg-boss jobs by name and state; none failed.
 */
import pg from 'pg';

export interface VerifyOptions {
  prefix: string;
  ackedIds: string[];
  segments: string[];
  drainTimeoutMs?: number;
}

export interface Check {
  ok: boolean;
  [k: string]: unknown;
}

export interface VerifyReport {
  ok: boolean;
  drainWaitMs: number;
  orders: Check;
  halfWritten: Check;
  points: Check;
  accounts: Check;
  segments: Record<string, Check>;
  outbox: Check;
  jobs: Check;
}

/** The SQL that recomputes each known load segment's rule independently of the compiler. */
export const SEGMENT_SQL: Record<string, string> = {
  load_frequent: `select c.id from customers.customer_facts c
                  join (select customer_id from orders.orders where not guest and status <> 'cancelled' and placed_at <= now()
                        group by customer_id having count(*) >= 3) o on o.customer_id = c.id
                  where c.status = 'active'`,
  load_points: `select c.id from customers.customer_facts c join loyalty.accounts a on a.customer_id = c.id where c.status = 'active' and a.pending >= 100`,
};

export const SEGMENT_RULES: Record<string, unknown> = {
  load_frequent: { all: [{ kind: 'lifetime', measure: 'orders', op: 'gte', value: 3 }] },
  load_points: { all: [{ kind: 'points', measure: 'pending', op: 'gte', value: 100 }] },
};

const n = (v: unknown) => Number(v ?? 0);

export async function verifyRun(databaseUrl: string, o: VerifyOptions): Promise<VerifyReport> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    // 1. Let the workers finish: nothing undelivered in the outbox (a failed event waits for its retry time).
    const t0 = Date.now();
    let pending = 0;
    for (;;) {
      pending = n((await c.query(`select count(*) as n from platform.outbox where delivered_at is null`)).rows[0].n);
      if (pending === 0 || Date.now() - t0 > (o.drainTimeoutMs ?? 180_000)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    // A batch is one transaction (handlers' work and the delivered mark), so an outbox reading 0 undelivered has all effects committed.
    const drainWaitMs = Date.now() - t0;
    // Fresh tables filled during the run may never have been analysed: without statistics the planner picks nested
    // loops over whole-table aggregates and the checks take minutes.
    await c.query(`analyze orders.orders; analyze orders.order_lines; analyze loyalty.ledger_entries; analyze loyalty.accounts; analyze segments.members; analyze platform.outbox`);

    const like = `${o.prefix}-%`;
    const acked = [...new Set(o.ackedIds)];
    await c.query(`create temp table acked (external_id text primary key)`);
    for (let i = 0; i < acked.length; i += 20_000)
      await c.query(`insert into acked select unnest($1::text[]) on conflict do nothing`, [acked.slice(i, i + 20_000)]);
    const ord = (
      await c.query(
        `select (select count(*) from orders.orders where channel = 'pos' and external_id like $1) as in_db,
                (select count(distinct external_id) from orders.orders where channel = 'pos' and external_id like $1) as distinct_in_db,
                (select count(*) from acked a where not exists (select 1 from orders.orders o where o.channel = 'pos' and o.external_id = a.external_id)) as missing,
                (select count(*) from orders.orders o where o.channel = 'pos' and o.external_id like $1 and not exists (select 1 from acked a where a.external_id = o.external_id)) as extra`,
        [like],
      )
    ).rows[0];
    const orders: Check = {
      ok: n(ord.missing) === 0 && n(ord.extra) === 0 && n(ord.in_db) === acked.length && n(ord.in_db) === n(ord.distinct_in_db),
      acknowledged: acked.length,
      acknowledgedWithRepeats: o.ackedIds.length,
      inDatabase: n(ord.in_db),
      missing: n(ord.missing),
      extra: n(ord.extra),
    };

    const hw = (
      await c.query(
        `select count(*) filter (where l.n is null) as without_lines, count(*) filter (where l.paid is distinct from o.paid_fen) as paid_mismatch
         from orders.orders o left join (select order_id, count(*) as n, sum(paid_fen) as paid from orders.order_lines group by order_id) l on l.order_id = o.id
         where o.channel = 'pos' and o.external_id like $1`,
        [like],
      )
    ).rows[0];
    const halfWritten: Check = { ok: n(hw.without_lines) === 0 && n(hw.paid_mismatch) === 0, ordersWithoutLines: n(hw.without_lines), paidNotSumOfLines: n(hw.paid_mismatch) };

    const pts = (
      await c.query(
        `with o as (
           select o.id, o.customer_id, o.guest, o.status, floor(o.paid_fen * 10 / 10000.0)::bigint as expected
           from orders.orders o where o.channel = 'pos' and o.external_id like $1),
         e as (select source_id, count(*) as entries, sum(points + pending_points) as pts from loyalty.ledger_entries where source_type = 'order' group by source_id),
         j as (select o.*, coalesce(e.entries, 0) as entries, coalesce(e.pts, 0) as pts,
                      (not o.guest and o.status <> 'cancelled' and o.expected > 0) as eligible
               from o left join e on e.source_id = o.id::text)
         select count(*) filter (where eligible) as eligible,
                count(*) filter (where eligible and entries = 1 and pts = expected) as exactly_once,
                count(*) filter (where eligible and entries = 0) as not_earned,
                count(*) filter (where eligible and entries > 1) as earned_more_than_once,
                count(*) filter (where eligible and entries = 1 and pts <> expected) as wrong_points,
                count(*) filter (where not eligible and entries > 0) as ineligible_with_entries,
                coalesce(sum(pts), 0) as points_total, coalesce(sum(expected) filter (where eligible), 0) as points_expected
         from j`,
        [like],
      )
    ).rows[0];
    const points: Check = {
      ok: n(pts.eligible) === n(pts.exactly_once) && n(pts.ineligible_with_entries) === 0,
      eligibleOrders: n(pts.eligible),
      earnedExactlyOnce: n(pts.exactly_once),
      notEarned: n(pts.not_earned),
      earnedMoreThanOnce: n(pts.earned_more_than_once),
      wrongPoints: n(pts.wrong_points),
      ineligibleWithEntries: n(pts.ineligible_with_entries),
      pointsTotal: n(pts.points_total),
      pointsExpected: n(pts.points_expected),
    };

    const acc = (
      await c.query(
        `select count(*) as accounts,
                count(*) filter (where a.available <> coalesce(s.p, 0) or a.pending <> coalesce(s.pp, 0)) as mismatched
         from loyalty.accounts a left join (select customer_id, sum(points) as p, sum(pending_points) as pp from loyalty.ledger_entries group by customer_id) s
           on s.customer_id = a.customer_id`,
      )
    ).rows[0];
    const accounts: Check = { ok: n(acc.mismatched) === 0, accounts: n(acc.accounts), balanceNotSumOfEntries: n(acc.mismatched) };

    const segments: Record<string, Check> = {};
    for (const code of o.segments) {
      const recompute = SEGMENT_SQL[code];
      if (!recompute) throw new Error(`no SQL for segment ${code}`);
      const r = (
        await c.query(
          `with want as (${recompute}), seg as (select id from segments.segments where code = $1),
                have as (select m.customer_id as id from segments.members m join seg on m.segment_id = seg.id)
           select (select count(*) from want) as want, (select count(*) from have) as have,
                  (select count(*) from want where id not in (select id from have)) as missing,
                  (select count(*) from have where id not in (select id from want)) as extra,
                  (select size from segments.segments where code = $1) as size`,
          [code],
        )
      ).rows[0];
      segments[code] = { ok: n(r.missing) === 0 && n(r.extra) === 0 && n(r.size) === n(r.have), recomputed: n(r.want), stored: n(r.have), storedSize: n(r.size), missing: n(r.missing), extra: n(r.extra) };
    }

    const ob = (
      await c.query(
        `select count(*) as total, count(*) filter (where delivered_at is null) as pending, count(*) filter (where attempts > 1) as retried,
                count(*) filter (where last_error is not null) as with_error, max(attempts) as max_attempts
         from platform.outbox`,
      )
    ).rows[0];
    const errs = (
      await c.query(`select left(last_error, 160) as e, count(*) as n from platform.outbox where last_error is not null group by 1 order by 2 desc limit 5`)
    ).rows.map((r: { e: string; n: string }) => ({ error: r.e, events: n(r.n) }));
    const outbox: Check = {
      ok: n(ob.pending) === 0,
      events: n(ob.total),
      undelivered: n(ob.pending),
      retried: n(ob.retried),
      withLastError: n(ob.with_error),
      maxAttempts: n(ob.max_attempts),
      lastErrors: errs,
    };

    const hasArchive = n((await c.query(`select count(*) as n from information_schema.tables where table_schema = 'pgboss' and table_name = 'archive'`)).rows[0].n) > 0;
    const jobRows = (
      await c.query(
        `select name, state, count(*) as n from (select name, state::text from pgboss.job ${hasArchive ? 'union all select name, state::text from pgboss.archive' : ''}) j
         group by 1, 2 order by 1, 2`,
      )
    ).rows as Array<{ name: string; state: string; n: string }>;
    const byState: Record<string, Record<string, number>> = {};
    for (const r of jobRows) (byState[r.name] ??= {})[r.state] = n(r.n);
    const failed = jobRows.filter((r) => r.state === 'failed').reduce((s, r) => s + n(r.n), 0);
    const jobs: Check = { ok: failed === 0, failed, byNameAndState: byState };

    const all = [orders, halfWritten, points, accounts, outbox, jobs, ...Object.values(segments)];
    return { ok: all.every((x) => x.ok), drainWaitMs, orders, halfWritten, points, accounts, segments, outbox, jobs };
  } finally {
    await c.end();
  }
}
