import { sql, type SQL } from 'drizzle-orm';
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
/** Whether `count op value` can only hold with at least one row: then EXISTS answers it. */
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
  available: sql.raw('a.available'),
  pending: sql.raw('a.pending'),
  lifetime_earned: sql.raw('a.lifetime_earned'),
  growth: sql.raw('a.growth'),
} as const;
const RFM_COLUMN = {
  r: sql.raw('s.r'),
  f: sql.raw('s.f'),
  m: sql.raw('s.m'),
  recency_days: sql.raw('s.recency_days'),
  frequency: sql.raw('s.frequency'),
  monetary: sql.raw('s.monetary_fen'),
  value_class: sql.raw('s.value_class'),
  segment: sql.raw('s.segment'),
  value_quadrant: sql.raw('s.value_quadrant'),
} as const;

function timeFilter(column: SQL, w: { days?: number | undefined; from?: string | undefined; to?: string | undefined }, ctx: CompileContext): SQL[] {
  const { start, end } = windowOf(w, ctx);
  const out = [sql`${column} <= ${ts(ctx.asOf)}`];
  if (start) out.push(sql`${column} >= ${ts(start)}`);
  if (end) out.push(sql`${column} < ${ts(end)}`);
  return out;
}

function compileLeaf(leaf: Leaf, ctx: CompileContext): SQL {
  const asOfDate = localDate(ctx.asOf, ctx.timeZone);
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
      return sql`coalesce(${sql.join(parts, sql` and `)}, false)`;
    }
    case 'member_since':
      return sql`coalesce(${sql.join(timeFilter(sql`c.member_since`, leaf, ctx), sql` and `)}, false)`;
    case 'tag':
      return leaf.match === 'all' ? sql`(c.tags @> ${texts(leaf.tags)})` : sql`(c.tags && ${texts(leaf.tags)})`;
    case 'consent':
      return sql`coalesce((select k.status = 'granted' from customers.consent_facts k
        where k.customer_id = c.id and k.purpose = ${leaf.purpose} and k.channel in (${leaf.channel}, 'all') and k.recorded_at <= ${ts(ctx.asOf)}
        order by k.recorded_at desc, k.id desc limit 1), false)`;
    case 'tier':
      return sql`exists (select 1 from loyalty.account_facts a where a.customer_id = c.id and a.tier_code = any(${texts(leaf.tiers)})${
        leaf.tierSet === undefined ? sql`` : sql` and a.tier_set = ${leaf.tierSet}`
      })`;
    case 'points':
      return cmp(sql`coalesce((select ${POINTS_COLUMN[leaf.measure]} from loyalty.account_facts a where a.customer_id = c.id), 0)`, leaf.op, sql`${leaf.value}`);
    case 'rfm_score': {
      const value = leaf.field === 'monetary' ? fen(leaf.value) : leaf.value;
      return sql`exists (select 1 from segments.rfm_scores s where s.customer_id = c.id and ${cmp(RFM_COLUMN[leaf.field], leaf.op, sql`${value}`)})`;
    }
    case 'rfm_label':
      return sql`exists (select 1 from segments.rfm_scores s where s.customer_id = c.id and ${RFM_COLUMN[leaf.field]} = any(${texts(leaf.in)}))`;
    case 'lifetime': {
      const orders = sql`from orders.order_facts o where o.customer_id = c.id and o.status <> 'cancelled' and o.placed_at <= ${ts(ctx.asOf)}`;
      switch (leaf.measure) {
        case 'orders':
          return cmp(sql`(select count(*) ${orders})`, leaf.op, sql`${leaf.value}`);
        case 'net_spend':
          return cmp(sql`(select coalesce(sum(o.paid_fen - o.refunded_fen), 0) ${orders})`, leaf.op, sql`${fen(leaf.value)}`);
        case 'days_since_last_order':
        case 'days_since_first_order': {
          const pick = leaf.measure === 'days_since_last_order' ? sql`max(o.placed_at)` : sql`min(o.placed_at)`;
          return sql`coalesce(${cmp(sql`(${asOfDate}::date - (select (${pick} at time zone ${ctx.timeZone})::date ${orders}))`, leaf.op, sql`${leaf.value}`)}, false)`;
        }
      }
      break;
    }
    case 'purchase': {
      const lineLevel = leaf.category !== undefined || leaf.sku !== undefined || leaf.brand !== undefined || leaf.measure === 'quantity';
      const where: SQL[] = [sql`o.customer_id = c.id`, sql`o.status <> 'cancelled'`, ...timeFilter(sql`o.placed_at`, leaf, ctx)];
      if (leaf.store) where.push(sql`o.store_code = any(${texts(leaf.store)})`);
      if (leaf.channel) where.push(sql`o.channel = any(${texts(leaf.channel)})`);
      if (leaf.category) where.push(sql`l.category_path && ${texts(leaf.category)}`);
      if (leaf.sku) where.push(sql`l.sku = any(${texts(leaf.sku)})`);
      if (leaf.brand) where.push(sql`l.brand = any(${texts(leaf.brand)})`);
      const from = lineLevel
        ? sql`from orders.order_facts o join orders.line_facts l on l.order_id = o.id where ${sql.join(where, sql` and `)}`
        : sql`from orders.order_facts o where ${sql.join(where, sql` and `)}`;
      if (leaf.measure === 'orders') {
        if (needsOne(leaf.op, leaf.value)) return sql`exists (select 1 ${from})`;
        return cmp(sql`(select count(${lineLevel ? sql`distinct o.id` : sql`*`}) ${from})`, leaf.op, sql`${leaf.value}`);
      }
      if (leaf.measure === 'quantity') return cmp(sql`(select coalesce(sum(l.quantity - l.returned_quantity), 0) ${from})`, leaf.op, sql`${leaf.value}`);
      const amount = lineLevel ? sql`l.paid_fen - l.refunded_fen` : sql`o.paid_fen - o.refunded_fen`;
      return cmp(sql`(select coalesce(sum(${amount}), 0) ${from})`, leaf.op, sql`${fen(leaf.value)}`);
    }
    case 'event': {
      const where: SQL[] = [sql`e.customer_id = c.id`, sql`e.type = any(${texts(leaf.type)})`, ...timeFilter(sql`e.occurred_at`, leaf, ctx)];
      if (leaf.channel) where.push(sql`e.channel = any(${texts(leaf.channel)})`);
      if (leaf.store) where.push(sql`e.store_code = any(${texts(leaf.store)})`);
      if (leaf.sku) where.push(sql`e.sku = any(${texts(leaf.sku)})`);
      const from = sql`from activity.event_facts e where ${sql.join(where, sql` and `)}`;
      if (needsOne(leaf.op, leaf.value)) return sql`exists (select 1 ${from})`;
      if (leaf.op === 'eq' && leaf.value === 0) return sql`not exists (select 1 ${from})`;
      return cmp(sql`(select count(*) ${from})`, leaf.op, sql`${leaf.value}`);
    }
    case 'prediction': {
      if (!ctx.predictions)
        throw invalid(
          'segments.predictions_unavailable',
          'prediction conditions need the insights module\'s predictions (view insights.prediction_facts), which this installation does not have yet',
        );
      const parts: SQL[] = [sql`p.customer_id = c.id`, sql`p.model = ${leaf.model}`];
      if (leaf.op !== undefined && leaf.value !== undefined) parts.push(cmp(sql`p.score`, leaf.op, sql`${leaf.value}`));
      if (leaf.labels) parts.push(sql`p.label = any(${texts(leaf.labels)})`);
      return sql`exists (select 1 from insights.prediction_facts p where ${sql.join(parts, sql` and `)})`;
    }
  }
  throw new Error(`unknown condition ${(leaf as { kind: string }).kind}`);
}

/** The rule as a boolean SQL expression over `c` (a row of customers.customer_facts); never null. */
export function compileNode(node: RuleNode, ctx: CompileContext): SQL {
  if ('all' in node) return sql`(${sql.join(node.all.map((n) => compileNode(n, ctx)), sql` and `)})`;
  if ('any' in node) return sql`(${sql.join(node.any.map((n) => compileNode(n, ctx)), sql` or `)})`;
  if ('not' in node) return sql`(not ${compileNode(node.not, ctx)})`;
  return compileLeaf(node, ctx);
}

/**
 * The audience: ids of active (non-merged) customers the rule holds for. `among` limits it to some
 * customers (an incremental update); without it, every active customer.
 */
export function audienceSql(definition: RuleDefinition, ctx: CompileContext, among?: string[]): SQL {
  const limit = among ? sql` and c.id = any(${sql.param(among)}::uuid[])` : sql``;
  return sql`select c.id from customers.customer_facts c where c.status = 'active'${limit} and ${compileNode(definition.rule, ctx)}`;
}

/** Whether a definition has prediction conditions (which need insights.prediction_facts). */
export const usesPredictions = (definition: RuleDefinition) => leavesOf(definition.rule).some((l) => l.kind === 'prediction');
