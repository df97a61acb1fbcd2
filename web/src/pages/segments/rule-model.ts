import type { TFunction } from 'i18next';
import type { Format } from '../../format/format';

/**
 * The segment builder's editing model and its translation to the rule tree of the API
 * (src/modules/segments/rules/rule.schema.ts): a group is AND (`all`) or OR (`any`), any node can be
 * negated (`not`), a condition is one `kind` with its fields. Fields are kept as typed (strings) and
 * converted when sent, so the server's checks name what is wrong.
 */
export const COND_KINDS = [
  'purchase',
  'event',
  'rfm_label',
  'rfm_score',
  'lifetime',
  'tag',
  'profile',
  'attribute',
  'consent',
  'tier',
  'points',
  'birthday_month',
  'age',
  'member_since',
  'prediction',
] as const;
export type CondKind = (typeof COND_KINDS)[number];

export const OPS = ['gte', 'gt', 'eq', 'ne', 'lte', 'lt'] as const;
export const OP_SIGN: Record<string, string> = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };
export const PROFILE_FIELDS = ['gender', 'city', 'source', 'income_band', 'occupation', 'family_stage'] as const;
export const CONSENT_CHANNELS = ['sms', 'email', 'wechat', 'app_push', 'phone'] as const;
export const CONSENT_PURPOSES = ['marketing', 'service', 'analytics', 'profiling'] as const;
export const POINTS_MEASURES = ['available', 'pending', 'lifetime_earned', 'growth'] as const;
export const RFM_SCORE_FIELDS = ['r', 'f', 'm', 'recency_days', 'frequency', 'monetary'] as const;
export const RFM_LABEL_FIELDS = ['segment', 'value_class', 'value_quadrant'] as const;
export const LIFETIME_MEASURES = ['orders', 'net_spend', 'days_since_last_order', 'days_since_first_order'] as const;
export const PURCHASE_MEASURES = ['orders', 'quantity', 'amount'] as const;
/** `churn_risk` is the builder's name for the churn model's bands (labels); the others compare a score. */
export const PREDICTION_MODELS = ['churn_risk', 'churn', 'clv', 'purchases', 'next_purchase_days'] as const;
export const CHURN_BANDS = ['high', 'medium', 'low'] as const;
export const ORDER_CHANNELS = ['pos', 'online', 'miniprogram', 'app', 'wechat', 'marketplace', 'phone', 'other'] as const;

export interface Cond {
  id: string;
  type: 'cond';
  negate: boolean;
  kind: CondKind;
  /** Every field a kind may use, as typed. */
  v: Record<string, string>;
}
export interface Group {
  id: string;
  type: 'group';
  negate: boolean;
  op: 'all' | 'any';
  children: Array<Cond | Group>;
}
export type Node = Cond | Group;

let seq = 0;
export const newId = () => `n${++seq}`;

/** A new condition of a kind with sensible defaults (bought anything in the last 30 days, …). */
export function newCond(kind: CondKind): Cond {
  const defaults: Record<CondKind, Record<string, string>> = {
    purchase: { days: '30', measure: 'orders', op: 'gte', value: '1', category: '', sku: '', brand: '', store: '', channel: '' },
    event: { type: '', days: '30', did: 'did', op: 'gte', value: '1' },
    rfm_label: { field: 'segment', in: '' },
    rfm_score: { field: 'r', op: 'gte', value: '4' },
    lifetime: { measure: 'orders', op: 'gte', value: '2' },
    tag: { tags: '', match: 'any' },
    profile: { field: 'city', in: '' },
    attribute: { key: '', in: '' },
    consent: { channel: 'sms', purpose: 'marketing' },
    tier: { tiers: '' },
    points: { measure: 'available', op: 'gte', value: '1000' },
    birthday_month: { months: String(new Date().getMonth() + 1) },
    age: { min: '', max: '' },
    member_since: { days: '30' },
    prediction: { model: 'churn_risk', labels: 'high', op: 'gte', value: '0.7' },
  };
  return { id: newId(), type: 'cond', negate: false, kind, v: { ...defaults[kind] } };
}

export function newGroup(op: 'all' | 'any' = 'all', children: Node[] = []): Group {
  return { id: newId(), type: 'group', negate: false, op, children };
}

/** "a, b，c、d" or one per line → ['a', 'b', 'c', 'd']. */
export const list = (s: string | undefined) =>
  (s ?? '')
    .split(/[\n,，、;；]+/)
    .map((x) => x.trim())
    .filter(Boolean);
/** A number typed: '' stays out; something not a number goes as typed, so the API names the field. */
const num = (s: string | undefined): number | string | undefined => {
  const x = (s ?? '').trim();
  if (x === '') return undefined;
  const n = Number(x);
  return Number.isFinite(n) ? n : x;
};
const opt = <T>(k: string, v: T | undefined) => (v === undefined || (Array.isArray(v) && v.length === 0) ? {} : { [k]: v });

function leaf(c: Cond): Record<string, unknown> {
  const v = c.v;
  switch (c.kind) {
    case 'purchase':
      return {
        kind: 'purchase',
        ...opt('days', num(v.days)),
        ...opt('category', list(v.category)),
        ...opt('sku', list(v.sku)),
        ...opt('brand', list(v.brand)),
        ...opt('store', list(v.store)),
        ...opt('channel', list(v.channel)),
        measure: v.measure,
        op: v.op,
        value: num(v.value) ?? '',
      };
    case 'event':
      return {
        kind: 'event',
        type: list(v.type),
        ...opt('days', num(v.days)),
        ...(v.did === 'did_not' ? { op: 'eq', value: 0 } : { op: 'gte', value: num(v.value) ?? 1 }),
      };
    case 'rfm_label':
      return { kind: 'rfm_label', field: v.field, in: list(v.in) };
    case 'rfm_score':
    case 'lifetime':
    case 'points':
      return { kind: c.kind, [c.kind === 'rfm_score' ? 'field' : 'measure']: c.kind === 'rfm_score' ? v.field : v.measure, op: v.op, value: num(v.value) ?? '' };
    case 'tag':
      return { kind: 'tag', tags: list(v.tags), match: v.match };
    case 'profile':
      return { kind: 'profile', field: v.field, in: list(v.in) };
    case 'attribute':
      return { kind: 'attribute', key: (v.key ?? '').trim(), ...opt('in', list(v.in)) };
    case 'consent':
      return { kind: 'consent', channel: v.channel, purpose: v.purpose };
    case 'tier':
      return { kind: 'tier', tiers: list(v.tiers) };
    case 'birthday_month':
      return { kind: 'birthday_month', months: list(v.months).map((m) => num(m)) };
    case 'age':
      return { kind: 'age', ...opt('min', num(v.min)), ...opt('max', num(v.max)) };
    case 'member_since':
      return { kind: 'member_since', ...opt('days', num(v.days)) };
    case 'prediction':
      return v.model === 'churn_risk'
        ? { kind: 'prediction', model: 'churn', labels: list(v.labels) }
        : { kind: 'prediction', model: v.model, op: v.op, value: num(v.value) ?? '' };
  }
}

/**
 * The API rule of a tree, with the API path of every node (`rule.all[1].not`) so a refusal can be
 * shown next to the condition it names. A group of one keeps its group: the path stays stable while editing.
 */
export function toRule(root: Group): { rule: unknown; paths: Array<{ path: string; id: string }> } {
  const paths: Array<{ path: string; id: string }> = [];
  const walk = (n: Node, path: string): unknown => {
    const inner = n.negate ? `${path}.not` : path;
    paths.push({ path: inner, id: n.id });
    const body = n.type === 'cond' ? leaf(n) : { [n.op]: n.children.map((c, i) => walk(c, `${inner}.${n.op}[${i}]`)) };
    return n.negate ? { not: body } : body;
  };
  return { rule: walk(root, 'rule'), paths };
}

/** Which node an API issue path (`rule.all[1].days`) belongs to: the deepest node whose path starts it. */
export function nodeOfPath(paths: Array<{ path: string; id: string }>, issuePath: string): string | undefined {
  let best: { path: string; id: string } | undefined;
  for (const p of paths) {
    const hit = issuePath === p.path || issuePath.startsWith(`${p.path}.`) || issuePath.startsWith(`${p.path}[`);
    if (hit && (!best || p.path.length > best.path.length)) best = p;
  }
  return best?.id;
}

export function countConds(n: Node): number {
  return n.type === 'cond' ? 1 : n.children.reduce((s, c) => s + countConds(c), 0);
}

type R = Record<string, unknown>;
const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);

/** A rule of the API in words, for the segment page ("Bought ≥ 1 orders in the last 30 days, category 连衣裙 AND …"). */
export function describeRule(t: TFunction, f: Format, node: unknown): string {
  const join = (items: string[]) => items.join(t('segments.builder.listSep'));
  const d = (n: unknown, top: boolean): string => {
    const r = (n ?? {}) as R;
    if (Array.isArray(r.all) || Array.isArray(r.any)) {
      const op = Array.isArray(r.all) ? 'all' : 'any';
      const parts = (r[op] as unknown[]).map((c) => d(c, false));
      const text = parts.join(` ${t(`segments.builder.joiner.${op}`)} `);
      return top || parts.length === 1 ? text : `(${text})`;
    }
    if (r.not !== undefined) return `${t('segments.builder.notPrefix')} ${d(r.not, false)}`;
    const window = r.days !== undefined ? t('segments.builder.words.inDays', { days: f.number(Number(r.days)) }) : r.from || r.to ? `${String(r.from ?? '…')} – ${String(r.to ?? '…')}` : t('segments.builder.words.ever');
    const cmp = (v: unknown) => `${OP_SIGN[String(r.op ?? 'gte')] ?? ''} ${typeof v === 'number' ? f.number(v) : String(v)}`;
    switch (r.kind) {
      case 'purchase': {
        const filters = (['category', 'sku', 'brand', 'store', 'channel'] as const)
          .filter((k) => arr(r[k]).length > 0)
          .map((k) => `${t(`segments.builder.field.${k}`)} ${join(arr(r[k]).map((x) => (k === 'channel' ? t(`segments.orderChannel.${x}`, { defaultValue: x }) : x)))}`);
        return t('segments.builder.words.purchase', {
          window,
          measure: t(`segments.builder.purchaseMeasure.${String(r.measure ?? 'orders')}`),
          cmp: cmp(r.value ?? 1),
          filters: filters.length ? t('segments.builder.words.filters', { list: filters.join(t('segments.builder.listSep')) }) : '',
        });
      }
      case 'event':
        return r.op === 'eq' && r.value === 0
          ? t('segments.builder.words.eventNot', { types: join(arr(r.type)), window })
          : t('segments.builder.words.event', { types: join(arr(r.type)), window, cmp: cmp(r.value ?? 1) });
      case 'rfm_label': {
        const field = String(r.field);
        const ns = field === 'segment' ? 'rfmSegment' : field === 'value_class' ? 'class' : 'quadrant';
        return t('segments.builder.words.rfmLabel', { field: t(`segments.builder.rfmLabelField.${field}`), values: join(arr(r.in).map((x) => t(`segments.${ns}.${x}`, { defaultValue: x }))) });
      }
      case 'rfm_score':
        return `${t(`segments.builder.rfmScoreField.${String(r.field)}`)} ${cmp(r.value)}`;
      case 'lifetime':
        return `${t(`segments.builder.lifetimeMeasure.${String(r.measure)}`)} ${cmp(r.value)}`;
      case 'points':
        return `${t(`segments.builder.pointsMeasure.${String(r.measure ?? 'available')}`)} ${cmp(r.value)}`;
      case 'tag':
        return t(`segments.builder.words.tag_${r.match === 'all' ? 'all' : 'any'}`, { tags: join(arr(r.tags)) });
      case 'profile':
        return t('segments.builder.words.profile', { field: t(`segments.builder.profileField.${String(r.field)}`), values: join(arr(r.in)) });
      case 'attribute':
        return arr(r.in).length ? t('segments.builder.words.attribute', { key: String(r.key), values: join(arr(r.in)) }) : t('segments.builder.words.attributePresent', { key: String(r.key) });
      case 'consent':
        return t('segments.builder.words.consent', { channel: t(`segments.consentChannel.${String(r.channel)}`), purpose: t(`segments.purpose.${String(r.purpose ?? 'marketing')}`) });
      case 'tier':
        return t('segments.builder.words.tier', { tiers: join(arr(r.tiers)) });
      case 'birthday_month':
        return t('segments.builder.words.birthday', { months: join(arr(r.months)) });
      case 'age':
        return t('segments.builder.words.age', { min: r.min ?? '…', max: r.max ?? '…' });
      case 'member_since':
        return t('segments.builder.words.memberSince', { window });
      case 'prediction':
        return arr(r.labels).length
          ? t('segments.builder.words.churnRisk', { bands: join(arr(r.labels).map((x) => t(`segments.builder.churnBand.${x}`, { defaultValue: x }))) })
          : `${t(`segments.builder.predictionModel.${String(r.model)}`, { defaultValue: String(r.model) })} ${cmp(r.value)}`;
      default:
        return JSON.stringify(r);
    }
  };
  return d(node, true);
}
