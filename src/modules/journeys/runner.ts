import { sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import { localDate } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import type { MessagePlanner } from '../messaging/messaging.contract.js';
import type { Condition, Definition, Step } from './journeys.schemas.js';

/** Coupons issued inside the runner's transaction, idempotent by key (CouponsService's issue, set-based). */
export interface CouponIssuer {
  getTemplate(idOrCode: string, db?: Db): Promise<{ id: string; code: string; status: string }>;
}

/** The ledger's award (loyalty), in the caller's transaction, idempotent by key. */
export interface PointsAwarder {
  award(
    tx: Db,
    a: { customerId: string; points: number; sourceType: 'event'; sourceId?: string; idempotencyKey: string; reason?: string; actor: string; occurredAt: Date; detail?: Record<string, unknown> },
  ): Promise<{ entryId: string } | null>;
}

export interface RunnerDeps {
  clock: Clock;
  timeZone: string;
  planner: () => MessagePlanner | undefined;
  coupons: CouponIssuer;
  ledger: PointsAwarder;
}

export interface RunSummary {
  claimed: number;
  /** The same as claimed (enrollments whose step ran). */
  processed: number;
  steps: number;
  rounds: number;
  heldOutCompleted: number;
  byType: Record<string, number>;
}

const CHUNK = 5000;
/** Steps that run right after another chain within one runDue; a graph with a loop and no wait stops here. */
const MAX_ROUNDS = 50;

interface Group {
  journeyId: string;
  journeyCode: string;
  kind: string;
  version: number;
  /** null: the pass's last wait is over (it completes). */
  stepId: string | null;
  ids: string[];
}

const versionCache = new Map<string, Definition>();

/**
 * The step runner: claims due enrollments (FOR UPDATE SKIP LOCKED, chunks of 5,000), groups them by journey, version
 * and step, and runs each group set-based inside the claim's transaction together with its step_runs rows — so a crash
 * before the commit leaves every claimed enrollment where it was and a re-run does each step once.
 */
export class JourneyRunner {
  constructor(
    private readonly db: Db,
    private readonly deps: RunnerDeps,
  ) {}

  private async definition(db: Db, journeyId: string, version: number): Promise<Definition> {
    const key = `${journeyId}:${version}`;
    const hit = versionCache.get(key);
    if (hit) return hit;
    const [r] = await query<{ definition: unknown }>(db, sql`select definition from journeys.versions where journey_id = ${journeyId}::uuid and version = ${version}`);
    const def = (typeof r!.definition === 'string' ? JSON.parse(r!.definition) : r!.definition) as Definition;
    // Published versions never change; drafts are never run.
    versionCache.set(key, def);
    return def;
  }

  async runDue(now: Date = this.deps.clock.now()): Promise<RunSummary> {
    const summary: RunSummary = { claimed: 0, processed: 0, steps: 0, rounds: 0, heldOutCompleted: 0, byType: {} };
    summary.heldOutCompleted = await this.closeHeldOut(now);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const n = await this.db.transaction(async (tx) => {
        const claimed = await query<{ id: string; journey_id: string; code: string; kind: string; version: number; current_step: string | null }>(
          tx,
          sql`select e.id, e.journey_id, j.code, j.kind, e.version, e.current_step
              from journeys.enrollments e join journeys.journeys j on j.id = e.journey_id
              where e.status = 'active' and e.next_run_at <= ${now.toISOString()}::timestamptz and j.status = 'active'
              order by e.next_run_at limit ${CHUNK}
              for update of e skip locked`,
        );
        if (claimed.length === 0) return 0;
        const groups = new Map<string, Group>();
        for (const r of claimed) {
          const k = `${r.journey_id}|${r.version}|${r.current_step}`;
          let g = groups.get(k);
          if (!g) groups.set(k, (g = { journeyId: r.journey_id, journeyCode: r.code, kind: r.kind, version: Number(r.version), stepId: r.current_step, ids: [] }));
          g.ids.push(r.id);
        }
        for (const g of groups.values()) {
          if (g.stepId === null) {
            // The last step was a wait: the pass ends when it does.
            await query(
              tx,
              sql`update journeys.enrollments set status = 'completed', ended_at = ${now.toISOString()}::timestamptz, end_reason = 'completed', next_run_at = null
                  where id = any(${sql.param(g.ids)}::uuid[])`,
            );
            continue;
          }
          const def = await this.definition(tx, g.journeyId, g.version);
          const step = def.steps.find((s) => s.id === g.stepId);
          try {
            await tx.transaction(async (sp) => {
              if (!step) await this.fail(sp, g, now, `no step ${g.stepId} in version ${g.version}`);
              else await this.runStep(sp, g, step, def, now);
            });
            summary.byType[step?.type ?? 'missing'] = (summary.byType[step?.type ?? 'missing'] ?? 0) + g.ids.length;
          } catch (e) {
            await this.fail(tx, g, now, (e as Error).message.slice(0, 500));
            summary.byType.failed = (summary.byType.failed ?? 0) + g.ids.length;
          }
        }
        return claimed.length;
      });
      summary.claimed += n;
      summary.processed += n;
      summary.steps += n;
      if (n === 0) break;
      summary.rounds = round + 1;
    }
    return summary;
  }

  /** Held-out entrants take no step: their pass completes when the goal window closes. */
  private async closeHeldOut(now: Date): Promise<number> {
    const rows = await query(
      this.db,
      sql`update journeys.enrollments set status = 'completed', ended_at = ${now.toISOString()}::timestamptz, end_reason = 'holdout_window_closed'
          where status = 'held_out' and (goal_until is null or goal_until <= ${now.toISOString()}::timestamptz) returning 1`,
    );
    return rows.length;
  }

  private async fail(tx: Db, g: Group, now: Date, error: string) {
    await query(
      tx,
      sql`with e as (
            update journeys.enrollments set status = 'failed', ended_at = ${now.toISOString()}::timestamptz, end_reason = 'failed', next_run_at = null, step_seq = step_seq + 1
            where id = any(${sql.param(g.ids)}::uuid[]) returning customer_id, id, step_seq
          )
          insert into journeys.step_runs (customer_id, enrollment_id, seq, step_id, journey_id, outcome, detail, ran_at)
          select e.customer_id, e.id, e.step_seq, ${g.stepId}, ${g.journeyId}::uuid, 'failed', ${JSON.stringify({ error })}::jsonb, ${now.toISOString()}::timestamptz from e`,
    );
  }

  /**
   * Records the step for the group and moves each enrollment on: `next` per enrollment (SQL; null ends the pass as
   * completed), due at `dueAt` (SQL; default now), outcome and detail per enrollment (SQL).
   */
  private async advance(tx: Db, g: Group, now: Date, o: { next: SQL; dueAt?: SQL; outcome?: SQL; detail?: SQL; ids?: SQL; exit?: boolean; holdAtEnd?: boolean }) {
    const n = now.toISOString();
    const hold = sql`${o.holdAtEnd ?? false}::boolean`;
    await query(
      tx,
      sql`with g as (
            select e.id, (${o.next})::text as next, ${o.dueAt ?? sql`${n}::timestamptz`} as due, ${o.outcome ?? sql`'done'`}::text as outcome,
              ${o.detail ?? sql`'{}'::jsonb`}::jsonb as detail
            from journeys.enrollments e where e.id = any(${o.ids ?? sql`${sql.param(g.ids)}::uuid[]`})
          ),
          u as (
            update journeys.enrollments e set step_seq = e.step_seq + 1, current_step = g.next,
              next_run_at = case when g.next is null and not ${hold} then null else g.due end,
              status = case when g.next is not null or ${hold} then 'active' when ${o.exit ?? false} then 'exited' else 'completed' end,
              ended_at = case when g.next is null and not ${hold} then ${n}::timestamptz else null end,
              end_reason = case when g.next is not null or ${hold} then null when ${o.exit ?? false} then 'exit_step' else 'completed' end
            from g where e.id = g.id
            returning e.customer_id, e.id, e.step_seq
          )
          insert into journeys.step_runs (customer_id, enrollment_id, seq, step_id, journey_id, outcome, detail, ran_at)
          select u.customer_id, u.id, u.step_seq, ${g.stepId}, ${g.journeyId}::uuid, g.outcome, g.detail, ${n}::timestamptz from u join g on g.id = u.id`,
    );
  }

  private async runStep(tx: Db, g: Group, step: Step, def: Definition, now: Date) {
    const next = (id: string | null | undefined) => sql`${id ?? null}::text`;
    const ids = sql`${sql.param(g.ids)}::uuid[]`;
    const actor = `journey:${g.journeyCode}`;
    switch (step.type) {
      case 'wait': {
        // From when the step came due (not when the runner got to it): a late run does not stretch the wait.
        const due = waitSql(step, sql`coalesce(e.next_run_at, ${now.toISOString()}::timestamptz)`, this.deps.timeZone);
        // A wait with no next keeps the pass live until it ends (current step null, due then).
        await this.advance(tx, g, now, { next: next(step.next), dueAt: due, detail: sql`jsonb_build_object('until', ${due})`, holdAtEnd: !step.next });
        return;
      }
      case 'branch': {
        const whens = step.branches.map((b, i) => sql`when ${sql.join(b.when.map((c) => conditionSql(c, step.id, this.deps.timeZone, now)), sql` and `)} then ${String(i)}`);
        const idx = sql`(case ${sql.join(whens, sql` `)} else 'else' end)`;
        const nextCase = sql`(case ${idx} ${sql.join(
          step.branches.map((b, i) => sql`when ${String(i)} then ${b.next ?? null}::text`),
          sql` `,
        )} else ${step.else ?? null}::text end)`;
        await this.advance(tx, g, now, { next: nextCase, outcome: sql`'branch:' || ${idx}`, detail: sql`jsonb_build_object('next', ${nextCase})` });
        return;
      }
      case 'send':
      case 'task': {
        const planner = this.deps.planner();
        if (!planner) throw new Error('messaging is not available');
        const vars =
          step.type === 'task'
            ? sql`coalesce(e.context->'vars', '{}'::jsonb) || jsonb_build_object('dueDays', ${step.dueDays}::int, 'taskKind', ${step.kind ?? 'other'}::text)`
            : sql`coalesce(e.context->'vars', '{}'::jsonb)`;
        const res = await planner.plan(tx, {
          template: step.template,
          channel: step.type === 'task' ? 'guide_task' : step.channel,
          sendAt: step.type === 'task' ? 'now' : step.sendAt,
          at: now,
          source: { kind: g.kind === 'campaign' ? 'campaign' : 'journey', id: g.journeyId, journeyId: g.journeyId, stepId: step.id },
          recipients: sql`select e.customer_id, 'j:' || e.id::text || ':' || (e.step_seq + 1)::text as dedupe_key, e.id as enrollment_id, ${vars} as variables
            from journeys.enrollments e where e.id = any(${ids})`,
        });
        await this.advance(tx, g, now, {
          next: next(step.next),
          detail: sql`jsonb_build_object('dedupeKey', 'j:' || e.id::text || ':' || (e.step_seq + 1)::text, 'template', ${step.template}::text)`,
        });
        void res;
        return;
      }
      case 'coupon': {
        const t = await this.deps.coupons.getTemplate(step.template, tx);
        // The key is the enrollment and its step's sequence: a re-run finds the coupon issued the first time.
        const rows = await query<{ id: string; customer_id: string; seq: number }>(
          tx,
          sql`select id, customer_id, step_seq + 1 as seq from journeys.enrollments where id = any(${ids})`,
        );
        const targets = rows.map((r) => ({ customerId: r.customer_id, idempotencyKey: `j:${r.id}:${r.seq}`, source: 'journey', sourceRef: g.journeyId }));
        const issuer = this.deps.coupons as unknown as {
          issueMany(tx: Db, t: unknown, targets: unknown[], at: Date, opts: { skipOverLimit: boolean }): Promise<Map<string, string>>;
        };
        if (t.status !== 'active') throw new Error(`coupon template ${t.code} is ${t.status}`);
        await issuer.issueMany(tx, t, targets, now, { skipOverLimit: true });
        const codes = sql`(select c.code from promotions.coupons c where c.idempotency_key = 'j:' || e.id::text || ':' || (e.step_seq + 1)::text)`;
        await query(
          tx,
          sql`update journeys.enrollments e set context = jsonb_set(jsonb_set(e.context, '{vars}', coalesce(e.context->'vars', '{}'::jsonb) || jsonb_build_object('couponCode', ${codes})),
                '{coupons}', coalesce(e.context->'coupons', '{}'::jsonb) || jsonb_build_object(${step.id}::text, ${codes}))
              where e.id = any(${ids}) and ${codes} is not null`,
        );
        await this.advance(tx, g, now, {
          next: next(step.next),
          outcome: sql`case when e.context->'coupons'->>${step.id} is null then 'skipped' else 'done' end`,
          detail: sql`jsonb_build_object('template', ${step.template}::text, 'code', e.context->'coupons'->>${step.id})`,
        });
        return;
      }
      case 'points': {
        const rows = await query<{ id: string; customer_id: string; seq: number }>(tx, sql`select id, customer_id, step_seq + 1 as seq from journeys.enrollments where id = any(${ids}) order by customer_id`);
        for (const r of rows)
          await this.deps.ledger.award(tx, {
            customerId: r.customer_id,
            points: step.points,
            sourceType: 'event',
            sourceId: r.id,
            idempotencyKey: `j:${r.id}:${r.seq}`,
            reason: step.reason,
            actor,
            occurredAt: now,
            detail: { journeyId: g.journeyId, stepId: step.id },
          });
        await this.advance(tx, g, now, { next: next(step.next), detail: sql`jsonb_build_object('points', ${step.points}::int)` });
        return;
      }
      case 'tag': {
        await query(
          tx,
          sql`update customers.customers c set tags = array(select distinct t from unnest(c.tags || ${sql.param(step.add)}::text[]) t where t <> all(${sql.param(step.remove)}::text[]) order by t),
                updated_at = ${now.toISOString()}::timestamptz
              where c.id in (select customer_id from journeys.enrollments where id = any(${ids}))`,
        );
        await this.advance(tx, g, now, { next: next(step.next), detail: sql`${JSON.stringify({ add: step.add, remove: step.remove })}::jsonb` });
        return;
      }
      case 'exit':
        await this.advance(tx, g, now, { next: sql`null::text`, outcome: sql`'exited'`, exit: true });
        return;
    }
    void def;
  }

  // ------------------------------------------------------------------ the goal

  /**
   * orders.order.placed: each of the customer's enrollments whose goal window holds the order (entered_at ≤ placed_at ≤
   * goal_until; not the order that triggered the entry) adds the order's paid amount to revenue_fen; the first such order
   * converts it (converted_at, conversion_order_id) and, with exitOnGoal, ends a live pass as converted.
   */
  async ordersPlaced(events: Array<DomainEvent<{ orderId: string; customerId: string | null; placedAt: string; paidFen: number }>>, tx: Db): Promise<number> {
    const orders = events.map((e) => e.payload).filter((p) => p.customerId);
    if (orders.length === 0) return 0;
    const now = this.deps.clock.now().toISOString();
    // One order at a time in placed order (a customer's two orders in one batch: the first converts, both add revenue).
    orders.sort((a, b) => a.placedAt.localeCompare(b.placedAt));
    let n = 0;
    for (const o of orders) {
      const rows = await query(
        tx,
        sql`update journeys.enrollments e set
              revenue_fen = e.revenue_fen + ${o.paidFen},
              converted_at = coalesce(e.converted_at, ${o.placedAt}::timestamptz),
              conversion_order_id = coalesce(e.conversion_order_id, ${o.orderId}::uuid),
              status = case when e.converted_at is null and e.status in ('active', 'held_out') and coalesce((v.definition->'goal'->>'exitOnGoal')::boolean, true)
                            then 'converted' else e.status end,
              ended_at = case when e.converted_at is null and e.status in ('active', 'held_out') and coalesce((v.definition->'goal'->>'exitOnGoal')::boolean, true)
                            then ${now}::timestamptz else e.ended_at end,
              end_reason = case when e.converted_at is null and e.status in ('active', 'held_out') and coalesce((v.definition->'goal'->>'exitOnGoal')::boolean, true)
                            then 'goal' else e.end_reason end,
              next_run_at = case when e.converted_at is null and e.status in ('active', 'held_out') and coalesce((v.definition->'goal'->>'exitOnGoal')::boolean, true)
                            then null else e.next_run_at end
            from journeys.versions v
            where v.journey_id = e.journey_id and v.version = e.version and v.definition->'goal' is not null and jsonb_typeof(v.definition->'goal') = 'object'
              and e.customer_id = ${o.customerId}::uuid and e.status <> 'failed'
              and e.entered_at <= ${o.placedAt}::timestamptz and e.goal_until >= ${o.placedAt}::timestamptz
              and (e.context->>'orderId') is distinct from ${o.orderId}::text
              and (e.conversion_order_id is null or e.conversion_order_id <> ${o.orderId}::uuid)
            returning 1`,
      );
      n += rows.length;
    }
    return n;
  }
}

/** A wait's end in SQL: base + the duration, then the next HH:MM (business time zone) after that when `until` is set. */
export function waitSql(step: Extract<Step, { type: 'wait' }>, base: SQL, tz: string): SQL {
  const after = sql`(${base} + make_interval(days => ${step.days ?? 0}::int, hours => ${step.hours ?? 0}::int, mins => ${step.minutes ?? 0}::int))`;
  if (!step.until) return after;
  const local = sql`(${after} at time zone ${tz})`;
  const same = sql`((${local})::date + ${step.until}::time) at time zone ${tz}`;
  const nextDay = sql`((${local})::date + 1 + ${step.until}::time) at time zone ${tz}`;
  return sql`(case when (${same}) > ${after} then (${same}) else (${nextDay}) end)`;
}

const RANK: Record<string, string[]> = {
  sent: ['sent', 'delivered'],
  delivered: ['delivered'],
};

/** A branch condition as SQL over enrollment `e`. */
export function conditionSql(c: Condition, stepId: string, tz: string, now: Date): SQL {
  const cust = sql`e.customer_id`;
  switch (c.type) {
    case 'segment': {
      const x = sql`exists (select 1 from segments.members m join segments.segments s on s.id = m.segment_id where s.code = ${c.segment} and m.customer_id = ${cust})`;
      return c.in ? x : sql`not ${x}`;
    }
    case 'tier':
      return sql`exists (select 1 from loyalty.accounts a where a.customer_id = ${cust} and a.tier_code = any(${sql.param(c.tiers)}::text[]))`;
    case 'purchased': {
      const x = sql`exists (select 1 from orders.orders o where o.customer_id = ${cust} and o.status <> 'cancelled' and o.placed_at >= e.entered_at
        and o.id::text is distinct from (e.context->>'orderId'))`;
      return c.value ? x : sql`not ${x}`;
    }
    case 'reachable': {
      const idType = { sms: 'phone', email: 'email', wechat: 'wechat_openid', app_push: 'device_id' }[c.channel];
      return sql`(exists (select 1 from customers.identifiers i where i.customer_id = ${cust} and i.type = ${idType})
        and (select k.status from customers.consents k where k.customer_id = ${cust} and k.purpose = 'marketing' and k.channel in (${c.channel}, 'all')
             order by k.recorded_at desc, (k.channel = 'all') desc limit 1) = 'granted')`;
    }
    case 'age': {
      const today = localDate(now, tz);
      const age = sql`extract(year from age(${today}::date, cu.birthday))`;
      const parts: SQL[] = [sql`cu.birthday is not null`];
      if (c.min !== undefined) parts.push(sql`${age} >= ${c.min}`);
      if (c.max !== undefined) parts.push(sql`${age} <= ${c.max}`);
      return sql`exists (select 1 from customers.customers cu where cu.id = ${cust} and ${sql.join(parts, sql` and `)})`;
    }
    case 'tag':
      return sql`exists (select 1 from customers.customers cu where cu.id = ${cust} and ${c.tag} = any(cu.tags))`;
    case 'message': {
      const x =
        c.status === 'opened' || c.status === 'clicked'
          ? sql`exists (select 1 from messaging.delivery_events d where d.customer_id = m.customer_id and d.message_id = m.id and d.status = any(${sql.param(c.status === 'opened' ? ['opened', 'clicked'] : ['clicked'])}::text[]))`
          : sql`m.status = any(${sql.param(RANK[c.status]!)}::text[])`;
      return sql`exists (select 1 from messaging.messages m where m.enrollment_id = e.id and m.step_id = ${c.step} and ${x})`;
    }
    case 'random':
      // Stable per enrollment and step: the same draw on a re-run.
      return sql`(('x' || encode(substring(sha256(convert_to(e.id::text || ':' || ${stepId}, 'UTF8')) from 1 for 4), 'hex'))::bit(32)::bigint % 100) < ${c.percent}`;
  }
}
