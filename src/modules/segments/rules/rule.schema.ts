import { z } from 'zod';
import { invalid, type FieldIssue } from '../../../platform/errors.js';
import { parseMoney } from '../../../platform/money.js';
import { CHANNELS } from '../../orders/index.js';
import { RFM_SEGMENTS, VALUE_CLASSES, VALUE_QUADRANTS } from '../domain/rfm.js';

/**
 * The rule tree of a rule segment, versioned (`{version: 1, rule}`). A node is a group — `{all: [...]}` (AND),
 * `{any: [...]}` (OR), `{not: node}` — or a condition with a `kind`. Every condition is true or false for a
 * customer (never unknown: a missing birthday, city or account simply does not match), so NOT is exact.
 *
 * Time windows (`days`, or `from` / `to` dates) end at the as-of instant (now for a live count). `days: N` is
 * the as-of day and the N − 1 days before it, days starting at midnight in the business time zone; `from` and
 * `to` are business-zone dates, both included. Money (`value` of amounts and `net_spend`, RFM monetary) is in
 * yuan with at most two decimals.
 */
export const RULE_VERSION = 1;

export const PROFILE_FIELDS = ['gender', 'city', 'source', 'income_band', 'occupation', 'family_stage'] as const;
export const CONSENT_CHANNELS = ['sms', 'email', 'wechat', 'app_push', 'phone'] as const;
export const CONSENT_PURPOSES = ['marketing', 'service', 'analytics', 'profiling'] as const;
export const OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type Op = (typeof OPS)[number];
export const POINTS_MEASURES = ['available', 'pending', 'lifetime_earned', 'growth'] as const;
export const RFM_SCORE_FIELDS = ['r', 'f', 'm', 'recency_days', 'frequency', 'monetary'] as const;
export const RFM_LABEL_FIELDS = ['value_class', 'segment', 'value_quadrant'] as const;
export const LIFETIME_MEASURES = ['orders', 'net_spend', 'days_since_last_order', 'days_since_first_order'] as const;
export const PURCHASE_MEASURES = ['orders', 'quantity', 'amount'] as const;

const MAX_DEPTH = 10;
const MAX_CONDITIONS = 200;

const text = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const texts = z.array(text).min(1, 'must list at least one value').max(1000, 'must list at most 1,000 values');
const whole = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be ≥ ${min}`)
    .max(max, `must be ≤ ${max.toLocaleString('en-US')}`);
const isoDate = z.iso.date('must be a date, YYYY-MM-DD');
const op = z.enum(OPS, { error: `must be one of ${OPS.join(', ')}` });
const numberValue = z.number({ error: 'must be a number' }).finite('must be a finite number');

/** `days: N` (the last N days up to the as-of instant) or `from` / `to` dates; neither = all time up to as-of. */
const windowShape = {
  days: whole(1, 3650).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
};
type WindowInput = { days?: number | undefined; from?: string | undefined; to?: string | undefined };
function checkWindow(v: WindowInput, ctx: z.RefinementCtx, required = false) {
  if (v.days !== undefined && (v.from !== undefined || v.to !== undefined))
    ctx.addIssue({ code: 'custom', path: ['days'], message: 'give either days or from / to, not both' });
  if (v.from !== undefined && v.to !== undefined && v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  if (required && v.days === undefined && v.from === undefined && v.to === undefined)
    ctx.addIssue({ code: 'custom', path: ['days'], message: 'give days or from / to' });
}
function checkMoney(field: string, value: number, ctx: z.RefinementCtx) {
  if (parseMoney(value) === null) ctx.addIssue({ code: 'custom', path: [field], message: 'must be an amount in yuan with at most 2 decimals' });
}

const leaves = {
  profile: z
    .object({ kind: z.literal('profile'), field: z.enum(PROFILE_FIELDS, { error: `must be one of ${PROFILE_FIELDS.join(', ')}` }), in: texts })
    .strict()
    .describe('A profile field (source = where the profile was registered) is one of the values'),
  attribute: z
    .object({ kind: z.literal('attribute'), key: text, in: texts.optional() })
    .strict()
    .describe("A free profile attribute (e.g. registeredChannel) equals one of the values; without `in`: is present"),
  birthday_month: z
    .object({ kind: z.literal('birthday_month'), months: z.array(whole(1, 12)).min(1, 'must list at least one month').max(12) })
    .strict()
    .describe('Born in one of these months (1–12)'),
  age: z
    .object({ kind: z.literal('age'), min: whole(0, 150).optional(), max: whole(0, 150).optional() })
    .strict()
    .superRefine((v, ctx) => {
      if (v.min === undefined && v.max === undefined) ctx.addIssue({ code: 'custom', path: ['min'], message: 'give min or max' });
      if (v.min !== undefined && v.max !== undefined && v.min > v.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be ≥ min' });
    })
    .describe('Age in whole years on the as-of date, from the birthday'),
  member_since: z
    .object({ kind: z.literal('member_since'), ...windowShape })
    .strict()
    .superRefine((v, ctx) => checkWindow(v, ctx, true))
    .describe('Became known (created, or first bought if earlier) within the window'),
  tag: z
    .object({ kind: z.literal('tag'), tags: texts, match: z.enum(['any', 'all']).default('any') })
    .strict()
    .describe('Has any (or all) of the tags'),
  consent: z
    .object({
      kind: z.literal('consent'),
      channel: z.enum(CONSENT_CHANNELS, { error: `must be one of ${CONSENT_CHANNELS.join(', ')}` }),
      purpose: z.enum(CONSENT_PURPOSES).default('marketing'),
    })
    .strict()
    .describe("Opted in: the latest decision for the purpose on this channel or on 'all' (up to as-of) is granted"),
  tier: z
    .object({ kind: z.literal('tier'), tiers: texts, tierSet: text.optional() })
    .strict()
    .describe('Loyalty tier code is one of these (current)'),
  points: z
    .object({ kind: z.literal('points'), measure: z.enum(POINTS_MEASURES).default('available'), op, value: whole(-1e12, 1e12) })
    .strict()
    .describe('Loyalty points (current; a customer without an account has 0)'),
  rfm_score: z
    .object({ kind: z.literal('rfm_score'), field: z.enum(RFM_SCORE_FIELDS), op, value: numberValue })
    .strict()
    .superRefine((v, ctx) => {
      if (v.field === 'monetary') checkMoney('value', v.value, ctx);
      else if (!Number.isInteger(v.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a whole number' });
    })
    .describe('A score (r, f, m: 1–5) or raw value of the latest RFM run (monetary in yuan); no scores → no match'),
  rfm_label: z
    .object({ kind: z.literal('rfm_label'), field: z.enum(RFM_LABEL_FIELDS), in: texts })
    .strict()
    .superRefine((v, ctx) => {
      const allowed: readonly string[] = v.field === 'value_class' ? VALUE_CLASSES : v.field === 'segment' ? RFM_SEGMENTS : VALUE_QUADRANTS;
      v.in.forEach((x, i) => {
        if (!allowed.includes(x)) ctx.addIssue({ code: 'custom', path: ['in', i], message: `must be one of ${allowed.join(', ')}` });
      });
    })
    .describe('The value class, named RFM segment or value-matrix quadrant of the latest RFM run'),
  lifetime: z
    .object({ kind: z.literal('lifetime'), measure: z.enum(LIFETIME_MEASURES), op, value: numberValue })
    .strict()
    .superRefine((v, ctx) => {
      if (v.measure === 'net_spend') checkMoney('value', v.value, ctx);
      else if (!Number.isInteger(v.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a whole number' });
    })
    .describe('Lifetime figures up to as-of over non-cancelled orders: orders, net spend (paid − refunded, yuan), days since the last / first order'),
  purchase: z
    .object({
      kind: z.literal('purchase'),
      ...windowShape,
      category: texts.optional(),
      sku: texts.optional(),
      brand: texts.optional(),
      store: texts.optional(),
      channel: z.array(z.enum(CHANNELS, { error: `must be one of ${CHANNELS.join(', ')}` })).min(1).optional(),
      measure: z.enum(PURCHASE_MEASURES).default('orders'),
      op: op.default('gte'),
      value: numberValue.default(1),
    })
    .strict()
    .superRefine((v, ctx) => {
      checkWindow(v, ctx);
      if (v.measure === 'amount') checkMoney('value', v.value, ctx);
      else if (!Number.isInteger(v.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a whole number' });
    })
    .describe(
      'Bought (non-cancelled orders) in the window, optionally of a category (any level), SKU or brand, in a store, through a channel: ' +
        'orders (default ≥ 1), quantity (net of returns) or amount (net paid, yuan) compared with value',
    ),
  event: z
    .object({
      kind: z.literal('event'),
      type: texts,
      ...windowShape,
      channel: texts.optional(),
      store: texts.optional(),
      sku: texts.optional(),
      op: op.default('gte'),
      value: whole(0, 1e9).default(1),
    })
    .strict()
    .superRefine((v, ctx) => checkWindow(v, ctx))
    .describe('Did a behaviour event of these types in the window, counted and compared (default at least once; `op: eq, value: 0` = did not)'),
  prediction: z
    .object({ kind: z.literal('prediction'), model: text, op: op.optional(), value: numberValue.optional(), labels: texts.optional() })
    .strict()
    .superRefine((v, ctx) => {
      if ((v.op === undefined) !== (v.value === undefined)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'give op and value together' });
      if (v.op === undefined && v.labels === undefined) ctx.addIssue({ code: 'custom', path: ['op'], message: 'give op and value, or labels' });
    })
    .describe('A prediction of the insights module (score compared, or label one of): needs its insights.prediction_facts view'),
} as const;

export type LeafKind = keyof typeof leaves;
export const LEAF_KINDS = Object.keys(leaves) as LeafKind[];
export type Leaf = { [K in LeafKind]: z.output<(typeof leaves)[K]> }[LeafKind];
export type RuleNode = { all: RuleNode[] } | { any: RuleNode[] } | { not: RuleNode } | Leaf;
export interface RuleDefinition {
  version: typeof RULE_VERSION;
  rule: RuleNode;
}

/** `['rule', 'all', 2, 'days']` → `rule.all[2].days` */
export function rulePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseNode(input: unknown, path: PropertyKey[], depth: number, issues: FieldIssue[], count: { n: number }): RuleNode | undefined {
  const at = (p: PropertyKey[], message: string) => issues.push({ path: rulePath(p), message: `${rulePath(p)} ${message}` });
  if (!isObject(input)) return void at(path, 'must be an object: a group (all / any / not) or a condition with a kind');
  if (depth > MAX_DEPTH) return void at(path, `nests too deep (at most ${MAX_DEPTH} levels)`);
  if ('kind' in input) {
    const schema = leaves[input.kind as LeafKind] as z.ZodType | undefined;
    if (typeof input.kind !== 'string' || !Object.hasOwn(leaves, input.kind) || !schema)
      return void at([...path, 'kind'], `must be one of ${LEAF_KINDS.join(', ')}`);
    if (++count.n > MAX_CONDITIONS) return void at(path, `is one condition too many (at most ${MAX_CONDITIONS})`);
    const r = schema.safeParse(input);
    if (r.success) return r.data as Leaf;
    for (const i of r.error.issues) {
      const p = [...path, ...i.path];
      const message = i.code === 'unrecognized_keys' ? `has unknown field(s) ${i.keys.join(', ')}` : i.path.length === 0 && i.code === 'invalid_type' ? 'is missing' : i.message;
      at(p, message === 'Invalid input: expected string, received undefined' || /received undefined$/.test(message) ? 'is required' : message);
    }
    return undefined;
  }
  const keys = Object.keys(input);
  if (keys.length !== 1 || !['all', 'any', 'not'].includes(keys[0]!))
    return void at(path, 'must be a group with exactly one of all, any, not — or a condition with a kind');
  const key = keys[0] as 'all' | 'any' | 'not';
  if (key === 'not') {
    const inner = parseNode(input.not, [...path, 'not'], depth + 1, issues, count);
    return inner && { not: inner };
  }
  const list = input[key];
  if (!Array.isArray(list) || list.length === 0) return void at([...path, key], 'must be a non-empty list of conditions or groups');
  const nodes = list.map((n, i) => parseNode(n, [...path, key, i], depth + 1, issues, count));
  if (nodes.some((n) => n === undefined)) return undefined;
  return key === 'all' ? { all: nodes as RuleNode[] } : { any: nodes as RuleNode[] };
}

/** Validates a rule definition; issues name the path in the tree (`rule.all[2].days must be ≥ 1`). */
export function parseRuleDefinition(input: unknown, base = ''): { definition?: RuleDefinition; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const root: PropertyKey[] = base ? [base] : [];
  if (!isObject(input)) return { issues: [{ path: base || '(root)', message: `${base || 'definition'} must be an object {version, rule}` }] };
  const extra = Object.keys(input).filter((k) => k !== 'version' && k !== 'rule');
  if (extra.length > 0) issues.push({ path: rulePath(root) || '(root)', message: `${rulePath(root) || 'definition'} has unknown field(s) ${extra.join(', ')}` });
  if (input.version !== undefined && input.version !== RULE_VERSION) {
    const p = rulePath([...root, 'version']);
    issues.push({ path: p, message: `${p} must be ${RULE_VERSION} (the rule format this server reads)` });
  }
  if (input.rule === undefined) {
    const p = rulePath([...root, 'rule']);
    return { issues: [...issues, { path: p, message: `${p} is required` }] };
  }
  const rule = parseNode(input.rule, [...root, 'rule'], 1, issues, { n: 0 });
  return issues.length === 0 && rule ? { definition: { version: RULE_VERSION, rule }, issues } : { issues };
}

/** parseRuleDefinition, throwing a 400 (`segments.invalid_rule`) that lists every issue. */
export function ruleDefinitionOrThrow(input: unknown, base = ''): RuleDefinition {
  const { definition, issues } = parseRuleDefinition(input, base);
  if (!definition) throw invalid('segments.invalid_rule', issues[0]?.message ?? 'invalid rule', issues);
  return definition;
}

/** The conditions of a tree, depth first. */
export function leavesOf(node: RuleNode): Leaf[] {
  if ('all' in node) return node.all.flatMap(leavesOf);
  if ('any' in node) return node.any.flatMap(leavesOf);
  if ('not' in node) return leavesOf(node.not);
  return [node];
}

/** What a rule reads, so an event recomputes only the segments it can change. */
export type RuleDependency = 'profile' | 'consent' | 'loyalty' | 'rfm' | 'orders' | 'events' | 'predictions';
export function dependenciesOf(node: RuleNode): Set<RuleDependency> {
  const deps = new Set<RuleDependency>();
  for (const leaf of leavesOf(node)) {
    switch (leaf.kind) {
      case 'member_since':
        deps.add('profile').add('orders'); // member since = created, or first order if earlier
        break;
      case 'profile':
      case 'attribute':
      case 'birthday_month':
      case 'age':
      case 'tag':
        deps.add('profile');
        break;
      case 'consent':
        deps.add('consent');
        break;
      case 'tier':
      case 'points':
        deps.add('loyalty');
        break;
      case 'rfm_score':
      case 'rfm_label':
        deps.add('rfm');
        break;
      case 'lifetime':
      case 'purchase':
        deps.add('orders');
        break;
      case 'event':
        deps.add('events');
        break;
      case 'prediction':
        deps.add('predictions');
        break;
    }
  }
  return deps;
}

/** For the OpenAPI description of request bodies that carry a rule. */
export const RULE_DOC =
  'Rule tree `{version: 1, rule}`; a node is `{all: [...]}`, `{any: [...]}`, `{not: node}` or a condition `{kind, ...}` with kind ' +
  LEAF_KINDS.join(' | ') +
  '. See src/modules/segments/README.md for every field. Errors name the path, e.g. `rule.all[2].days must be ≥ 1`.';
