import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../platform/db/database.js';
import { localDate, parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';
import { parseMoney } from '../../../platform/money.js';
import { leavesOf, type Leaf, type Op, type RuleDefinition, type RuleNode } from './rule.schema.js';

/**
 * Compiles a rule tree to one SQL statement over the published views (customers.customer_facts, consent_facts,
 * orders.order_facts / line_facts, activity.event_facts, loyalty.account_facts) and the module's own
 * segments.rfm_scores: `select c.id from customers.customer_facts c where c.status = 'active' and <rule>`, each
 * condition an EXISTS or an aggregate subquery on the customer. Every user value is a bound parameter.
 */
export interface CompileContext {
  /** The instant windows end at (now for a live count). */
  asOf: Date;
  timeZone: string;
  /** Whether insights.prediction_facts exists; prediction conditions are refused without it. */
  predictions: boolean;
}

/** YYYY-MM-DD plus n days. */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** YYYY-MM-DD minus n years; 29 February becomes the 28th in a common year. */
export function minusYears(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const year = y - n;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = m === 2 && d === 29 && !leap ? 28 : d;
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const midnight = (date: string, timeZone: string) => parseInstant(date, timeZone)!;

/** A window as [start, end) instants; windows also never pass the as-of instant. */
export function windowOf(w: { days?: number | undefined; from?: string | undefined; to?: string | undefined }, ctx: Pick<CompileContext, 'asOf' | 'timeZone'>) {
  const today = localDate(ctx.asOf, ctx.timeZone);
  if (w.days !== undefined) return { start: midnight(addDays(today, 1 - w.days), ctx.timeZone), end: undefined };
  return {
    start: w.from !== undefined ? midnight(w.from, ctx.timeZone) : undefined,
    end: w.to !== undefined ? midnight(addDays(w.to, 1), ctx.timeZone) : undefined,
  };
}

const OP_SQL: Record<Op, SQL> = {
  eq: sql.raw('='),
  ne: sql.raw('<>'),
  gt: sql.raw('>'),
  gte: sql.raw('>='),
  lt: sql.raw('<'),
  lte: sql.raw('<='),
};
const cmp = (left: SQL, op: Op, right: SQL) => sql`(${left} ${OP_SQL[op]} ${right})`;
const texts = (v: string[]) => sql`${sql.param(v)}::text[]`;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const fen = (yuan: number) => parseMoney(yuan)!;
/** Whether `count op value` holds exactly when there is at least one row: then a distinct list of customers answers it. */
const needsOne = (op: Op, value: number) => (op === 'gte' && value === 1) || (op === 'gt' && value === 0);

const PROFILE_COLUMN = {
  gender: sql.raw('c.gender'),
  city: sql.raw('c.city'),
  source: sql.raw('c.source'),
  income_band: sql.raw('c.income_band'),
  occupation: sql.raw('c.occupation'),
  family_stage: sql.raw('c.family_stage'),
} as const;
const POINTS_COLUMN = {
  available: sql.raw('available'),
  pending: sql.raw('pending'),
  lifetime_earned: sql.raw('lifetime_earned'),
  growth: sql.raw('growth'),
} as const;
const RFM_COLUMN = {
  r: sql.raw('r'),
  f: sql.raw('f'),
  m: sql.raw('m'),
  recency_days: sql.raw('recency_days'),
  frequency: sql.raw('frequency'),
  monetary: sql.raw('monetary_fen'),
  value_class: sql.raw('value_class'),
  segment: sql.raw('segment'),
  value_quadrant: sql.raw('value_quadrant'),
} as const;

function timeFilter(column: SQL, w: { days?: number | undefined; from?: string | undefined; to?: string | undefined }, ctx: CompileContext): SQL[] {
  const { start, end } = windowOf(w, ctx);
  const out = [sql`${column} <= ${ts(ctx.asOf)}`];
  if (start) out.push(sql`${column} >= ${ts(start)}`);
  if (end) out.push(sql`${column} < ${ts(end)}`);
  return out;
}

/**
 * Conditions on other tables read a per-customer derived table LEFT JOINed to the customer (one per condition,
 * `jN`), rather than a correlated subquery per customer: one aggregate over the rows that pass the filters, hash
 * joined, is what keeps a count over a million customers at a few seconds (a correlated count under OR / NOT runs once
 * per customer). For an incremental update (`among`) each derived table is limited to those customers too, so it
 * reads them through the customer indexes.
 */
class Joins {
  readonly list: SQL[] = [];
  constructor(private readonly among: string[] | undefined) {}

  /** `key = any($among)` inside a derived table, when limited. */
  limit(key: SQL): SQL[] {
    return this.among ? [sql`${key} = any(${sql.param(this.among)}::uuid[])`] : [];
  }

  /** Adds `left join (select) jN on jN.id = c.id`; answers the alias. */
  add(select: SQL): SQL {
    const alias = sql.raw(`j${this.list.length}`);
    this.list.push(sql`left join (${select}) ${alias} on ${alias}.id = c.id`);
    return alias;
  }

  /** A one-row-per-customer table joined as is (accounts, RFM scores). */
  addTable(table: SQL): SQL {
    const alias = sql.raw(`j${this.list.length}`);
    this.list.push(sql`left join ${table} ${alias} on ${alias}.customer_id = c.id`);
    return alias;
  }
}

function compileLeaf(leaf: Leaf, ctx: CompileContext, joins: Joins): SQL {
  const asOfDate = localDate(ctx.asOf, ctx.timeZone);
  const where = (parts: SQL[]) => sql.join(parts, sql` and `);
  switch (leaf.kind) {
    case 'profile':
      return sql`coalesce(${PROFILE_COLUMN[leaf.field]} = any(${texts(leaf.in)}), false)`;
    case 'attribute':
      return leaf.in
        ? sql`coalesce((c.attributes ->> ${leaf.key}) = any(${texts(leaf.in)}), false)`
        : sql`((c.attributes ->> ${leaf.key}) is not null)`;
    case 'birthday_month':
      return sql`coalesce(extract(month from c.birthday)::int = any(${sql.param(leaf.months)}::int[]), false)`;
    case 'age': {
      // age ≥ min ⇔ born on or before as-of minus min years; age ≤ max ⇔ born after as-of minus (max + 1) years
      const parts: SQL[] = [];
      if (leaf.min !== undefined) parts.push(sql`c.birthday <= ${minusYears(asOfDate, leaf.min)}::date`);
      if (leaf.max !== undefined) parts.push(sql`c.birthday > ${minusYears(asOfDate, leaf.max + 1)}::date`);
      return sql`coalesce(${where(parts)}, false)`;
    }
    case 'member_since':
      return sql`coalesce(${where(timeFilter(sql`c.member_since`, leaf, ctx))}, false)`;
    case 'tag':
      return leaf.match === 'all' ? sql`(c.tags @> ${texts(leaf.tags)})` : sql`(c.tags && ${texts(leaf.tags)})`;
    case 'consent': {
      // the latest decision per customer for the purpose on this channel or 'all'
      const j = joins.add(sql`select distinct on (k.customer_id) k.customer_id as id, k.status from customers.consent_facts k
        where ${where([sql`k.purpose = ${leaf.purpose}`, sql`k.channel in (${leaf.channel}, 'all')`, sql`k.recorded_at <= ${ts(ctx.asOf)}`, ...joins.limit(sql`k.customer_id`)])}
        order by k.customer_id, k.recorded_at desc, k.id desc`);
      return sql`coalesce(${j}.status = 'granted', false)`;
    }
    case 'tier': {
      const j = joins.addTable(sql`loyalty.account_facts`);
      return sql`coalesce(${j}.tier_code = any(${texts(leaf.tiers)})${leaf.tierSet === undefined ? sql`` : sql` and ${j}.tier_set = ${leaf.tierSet}`}, false)`;
    }
    case 'points': {
      const j = joins.addTable(sql`loyalty.account_facts`);
      return cmp(sql`coalesce(${j}.${POINTS_COLUMN[leaf.measure]}, 0)`, leaf.op, sql`${leaf.value}`);
    }
    case 'rfm_score': {
      const j = joins.addTable(sql`segments.rfm_scores`);
      const value = leaf.field === 'monetary' ? fen(leaf.value) : leaf.value;
      return sql`coalesce(${cmp(sql`${j}.${RFM_COLUMN[leaf.field]}`, leaf.op, sql`${value}`)}, false)`;
    }
    case 'rfm_label': {
      const j = joins.addTable(sql`segments.rfm_scores`);
      return sql`coalesce(${j}.${RFM_COLUMN[leaf.field]} = any(${texts(leaf.in)}), false)`;
    }
    case 'lifetime': {
      const filter = where([sql`not o.guest`, sql`o.status <> 'cancelled'`, sql`o.placed_at <= ${ts(ctx.asOf)}`, ...joins.limit(sql`o.customer_id`)]);
      const value =
        leaf.measure === 'orders'
          ? sql`count(*)`
          : leaf.measure === 'net_spend'
            ? sql`sum(o.paid_fen - o.refunded_fen)`
            : sql`(${asOfDate}::date - (${leaf.measure === 'days_since_last_order' ? sql`max(o.placed_at)` : sql`min(o.placed_at)`} at time zone ${ctx.timeZone})::date)`;
      const j = joins.add(sql`select o.customer_id as id, ${value} as v from orders.order_facts o where ${filter} group by o.customer_id`);
      // a customer without orders: 0 orders and 0 spent, but no days since an order
      if (leaf.measure === 'orders') return cmp(sql`coalesce(${j}.v, 0)`, leaf.op, sql`${leaf.value}`);
      if (leaf.measure === 'net_spend') return cmp(sql`coalesce(${j}.v, 0)`, leaf.op, sql`${fen(leaf.value)}`);
      return sql`coalesce(${cmp(sql`${j}.v`, leaf.op, sql`${leaf.value}`)}, false)`;
    }
    case 'purchase': {
      const lineLevel = leaf.category !== undefined || leaf.sku !== undefined || leaf.brand !== undefined || leaf.measure === 'quantity';
      // Over lines, line_facts alone (it carries the order's customer, status, time, store and channel, aliased `o`
      // here so the filters read the same): joining order_facts again cost a second pass over the orders.
      const parts: SQL[] = [sql`not o.guest`, sql`o.status <> 'cancelled'`, ...timeFilter(sql`o.placed_at`, leaf, ctx), ...joins.limit(sql`o.customer_id`)];
      if (leaf.store) parts.push(sql`o.store_code = any(${texts(leaf.store)})`);
      if (leaf.channel) parts.push(sql`o.channel = any(${texts(leaf.channel)})`);
      if (leaf.category) parts.push(sql`o.category_path && ${texts(leaf.category)}`);
      if (leaf.sku) parts.push(sql`o.sku = any(${texts(leaf.sku)})`);
      if (leaf.brand) parts.push(sql`o.brand = any(${texts(leaf.brand)})`);
      const from = lineLevel ? sql`from orders.line_facts o where ${where(parts)}` : sql`from orders.order_facts o where ${where(parts)}`;
      const value =
        leaf.measure === 'orders'
          ? lineLevel
            ? sql`count(distinct o.order_id)`
            : sql`count(*)`
          : leaf.measure === 'quantity'
            ? sql`sum(o.quantity - o.returned_quantity)`
            : lineLevel
              ? sql`sum(o.paid_fen - o.refunded_fen)`
              : sql`sum(o.paid_fen - o.refunded_fen)`;
      if (leaf.measure === 'orders' && needsOne(leaf.op, leaf.value)) {
        const j = joins.add(sql`select distinct o.customer_id as id ${from}`);
        return sql`(${j}.id is not null)`;
      }
      const j = joins.add(sql`select o.customer_id as id, ${value} as v ${from} group by o.customer_id`);
      return cmp(sql`coalesce(${j}.v, 0)`, leaf.op, sql`${leaf.measure === 'amount' ? fen(leaf.value) : leaf.value}`);
    }
    case 'event': {
      const parts: SQL[] = [sql`e.customer_id is not null`, sql`e.type = any(${texts(leaf.type)})`, ...timeFilter(sql`e.occurred_at`, leaf, ctx), ...joins.limit(sql`e.customer_id`)];
      if (leaf.channel) parts.push(sql`e.channel = any(${texts(leaf.channel)})`);
      if (leaf.store) parts.push(sql`e.store_code = any(${texts(leaf.store)})`);
      if (leaf.sku) parts.push(sql`e.sku = any(${texts(leaf.sku)})`);
      if (needsOne(leaf.op, leaf.value) || (leaf.op === 'eq' && leaf.value === 0)) {
        const j = joins.add(sql`select distinct e.customer_id as id from activity.event_facts e where ${where(parts)}`);
        return leaf.op === 'eq' ? sql`(${j}.id is null)` : sql`(${j}.id is not null)`;
      }
      const j = joins.add(sql`select e.customer_id as id, count(*) as v from activity.event_facts e where ${where(parts)} group by e.customer_id`);
      return cmp(sql`coalesce(${j}.v, 0)`, leaf.op, sql`${leaf.value}`);
    }
    case 'prediction': {
      if (!ctx.predictions)
        throw invalid(
          'segments.predictions_unavailable',
          "prediction conditions need the insights module's predictions (view insights.prediction_facts), which this installation does not have yet",
        );
      const parts: SQL[] = [sql`p.model = ${leaf.model}`, ...joins.limit(sql`p.customer_id`)];
      if (leaf.op !== undefined && leaf.value !== undefined) parts.push(cmp(sql`p.score`, leaf.op, sql`${leaf.value}`));
      if (leaf.labels) parts.push(sql`p.label = any(${texts(leaf.labels)})`);
      const j = joins.add(sql`select distinct p.customer_id as id from insights.prediction_facts p where ${where(parts)}`);
      return sql`(${j}.id is not null)`;
    }
  }
  throw new Error(`unknown condition ${(leaf as { kind: string }).kind}`);
}

/** The rule as a boolean SQL expression over `c` (a row of customers.customer_facts) and its joins; never null. */
function compileNode(node: RuleNode, ctx: CompileContext, joins: Joins): SQL {
  if ('all' in node) return sql`(${sql.join(node.all.map((n) => compileNode(n, ctx, joins)), sql` and `)})`;
  if ('any' in node) return sql`(${sql.join(node.any.map((n) => compileNode(n, ctx, joins)), sql` or `)})`;
  if ('not' in node) return sql`(not ${compileNode(node.not, ctx, joins)})`;
  return compileLeaf(node, ctx, joins);
}

/**
 * The audience: ids of active (non-merged) customers the rule holds for. `among` limits it to some
 * customers (an incremental update); without it, every active customer.
 */
export function audienceSql(definition: RuleDefinition, ctx: CompileContext, among?: string[]): SQL {
  const joins = new Joins(among);
  const expr = compileNode(definition.rule, ctx, joins);
  const limit = among ? sql` and c.id = any(${sql.param(among)}::uuid[])` : sql``;
  return sql`select c.id from customers.customer_facts c ${sql.join(joins.list, sql` `)} where c.status = 'active'${limit} and ${expr}`;
}

/**
 * Settings for a statement over every customer, in its transaction: each aggregate condition is one hash aggregate of
 * up to a row per customer (a million customers: ~130 MB), which spills to disk in 4 MB batches at the default
 * work_mem; and a parallel plan here rebuilds the same per-customer table in every worker (measured 3× the work).
 */
export async function audienceSettings(tx: Db): Promise<void> {
  await tx.execute(sql.raw(`set local work_mem = '${AUDIENCE_WORK_MEM}'`));
  await tx.execute(sql.raw('set local max_parallel_workers_per_gather = 0'));
}
export const AUDIENCE_WORK_MEM = '256MB';

/** Whether a definition has prediction conditions (which need insights.prediction_facts). */
export const usesPredictions = (definition: RuleDefinition) => leavesOf(definition.rule).some((l) => l.kind === 'prediction');
