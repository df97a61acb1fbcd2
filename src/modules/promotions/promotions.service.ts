import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInstant } from '../../platform/clock.js';
import { arrayLiteral } from '../../platform/db/arrays.js';
import { query, pgCode, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound, zodIssues } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { PromotionInput, type ConditionsInput, type DefinitionInput } from './promotions.schemas.js';
import type { StackablePromotion } from './domain/combine.js';
import type { Conditions } from './domain/eligibility.js';
import { lineAmount, priceInOrder, type CartLine, type GiftLine, type Rule, type Scope } from './domain/rules.js';

export type PromotionStatus = 'draft' | 'active' | 'paused' | 'ended';
export const PROMOTION_STATUSES = ['draft', 'active', 'paused', 'ended'] as const;

/** What a promotion has used of its limits (promotion_counters). */
export interface PromotionCounters {
  uses: number;
  customers: number;
  discountFen: number;
}

/** A promotion as stored: its definition and conditions as validated by PromotionInput, instants as ISO text. */
export interface StoredPromotion {
  id: string;
  code: string;
  name: string;
  description: string | null;
  status: PromotionStatus;
  definition: DefinitionInput;
  conditions: ConditionsInput;
  startsAt: string | null;
  endsAt: string | null;
  priority: number;
  stackGroup: string | null;
  exclusive: boolean;
  budgetFen: number | null;
  totalQuantity: number | null;
  firstN: number | null;
  perCustomerLimit: number | null;
  holdoutPercent: number;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  counters: PromotionCounters;
}

export interface PromotionLimits {
  budgetFen: number | null;
  totalQuantity: number | null;
  firstN: number | null;
  perCustomerLimit: number | null;
}

/** An active promotion as checkout pricing needs it: the domain's promotion, its conditions, limits and holdout. */
export interface ActivePromotion {
  id: string;
  code: string;
  name: string;
  promotion: StackablePromotion;
  conditions: Conditions;
  limits: PromotionLimits;
  holdoutPercent: number;
  startsAt: Date | null;
  endsAt: Date | null;
}

/** What the API and CLI send to create a promotion (before zod's defaults). */
export type NewPromotion = z.input<typeof PromotionInput>;
/** A change to a promotion: any of its fields but the code and the status (POST …/status changes that). */
export type PromotionPatch = Partial<Omit<NewPromotion, 'code' | 'status'>>;

/** A sample cart line for the preview: price, category and brand default to the catalogue's. */
export interface SampleLine {
  sku: string;
  quantity: number;
  unitPriceFen?: number | undefined;
  categoryPath?: readonly string[] | undefined;
  brand?: string | undefined;
}

/** A draft priced alone on a sample cart (the console's builder). */
export interface Preview {
  /** False when the draft gives nothing on this cart (no line in scope, threshold not reached). */
  applies: boolean;
  subtotalFen: number;
  discountFen: number;
  totalFen: number;
  /** The value of 满赠 gifts (not taken off the total). */
  giftValueFen: number;
  lines: Array<{ sku: string; quantity: number; unitPriceFen: number; categoryPath: string[]; brand: string | null; amountFen: number; discountFen: number; paidFen: number }>;
  gifts: GiftLine[];
  explanation: { eligibleFen: number; step: string } | null;
}

export interface PromotionQuery {
  status?: PromotionStatus | undefined;
  /** Code or name contains (case-insensitive). */
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Which status a promotion may move to from each status; `ended` is final. */
const TRANSITIONS: Record<PromotionStatus, readonly PromotionStatus[]> = {
  draft: ['active', 'ended'],
  active: ['paused', 'ended'],
  paused: ['active', 'ended'],
  ended: [],
};

/** Fields whose change alters what a running promotion gives or to whom (recorded as such). */
const DEFINING = ['definition', 'conditions', 'startsAt', 'endsAt', 'priority', 'stackGroup', 'exclusive', 'budgetFen', 'totalQuantity', 'firstN', 'perCustomerLimit', 'holdoutPercent'] as const;

/** How long the in-memory active set is trusted before it is read again (writes in this process clear it at once). */
const CACHE_TTL_MS = 2_000;
/** The cache also holds promotions that ended this long before it was read, so a checkout priced "just now" still finds them. */
const CACHE_SLACK_MS = 60_000;

interface PromotionRow {
  id: string;
  code: string;
  name: string;
  description: string | null;
  status: PromotionStatus;
  definition: DefinitionInput;
  conditions: ConditionsInput;
  starts_at: string | Date | null;
  ends_at: string | Date | null;
  priority: number;
  stack_group: string | null;
  exclusive: boolean;
  budget_fen: string | number | null;
  total_quantity: number | null;
  first_n: number | null;
  per_customer_limit: number | null;
  holdout_percent: number;
  version: number;
  created_by: string;
  created_at: string | Date;
  updated_at: string | Date;
  uses?: number | null;
  customers?: number | null;
  discount_fen?: string | number | null;
}

const iso = (v: string | Date | null): string | null => (v === null ? null : new Date(v).toISOString());
const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

const promotionOf = (r: PromotionRow): StoredPromotion => ({
  id: r.id,
  code: r.code,
  name: r.name,
  description: r.description,
  status: r.status,
  definition: r.definition,
  conditions: r.conditions ?? {},
  startsAt: iso(r.starts_at),
  endsAt: iso(r.ends_at),
  priority: Number(r.priority),
  stackGroup: r.stack_group,
  exclusive: r.exclusive,
  budgetFen: num(r.budget_fen),
  totalQuantity: num(r.total_quantity),
  firstN: num(r.first_n),
  perCustomerLimit: num(r.per_customer_limit),
  holdoutPercent: Number(r.holdout_percent),
  version: Number(r.version),
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
  counters: { uses: Number(r.uses ?? 0), customers: Number(r.customers ?? 0), discountFen: Number(r.discount_fen ?? 0) },
});

/** The domain's view of a stored promotion (what pricing and the preview use). */
export function toStackable(p: { id: string; name: string; definition: DefinitionInput; priority: number; stackGroup?: string | null | undefined; exclusive: boolean }): StackablePromotion {
  const d = p.definition;
  return {
    id: p.id,
    name: p.name,
    scope: (d.scope ?? { kind: 'order' }) as Scope,
    rule: d.rule as Rule,
    excludedSkus: d.excludedSkus ?? [],
    capFen: d.capFen ?? null,
    priority: p.priority,
    group: p.stackGroup ?? null,
    exclusive: p.exclusive,
  };
}

const activeOf = (p: StoredPromotion): ActivePromotion => ({
  id: p.id,
  code: p.code,
  name: p.name,
  promotion: toStackable(p),
  conditions: p.conditions as Conditions,
  limits: { budgetFen: p.budgetFen, totalQuantity: p.totalQuantity, firstN: p.firstN, perCustomerLimit: p.perCustomerLimit },
  holdoutPercent: p.holdoutPercent,
  startsAt: p.startsAt ? new Date(p.startsAt) : null,
  endsAt: p.endsAt ? new Date(p.endsAt) : null,
});

const covers = (a: ActivePromotion, at: Date) => (!a.startsAt || a.startsAt <= at) && (!a.endsAt || at < a.endsAt);

const COLUMNS = sql`p.*, c.uses, c.customers, c.discount_fen`;
const FROM = sql`promotions.promotions p left join promotions.promotion_counters c on c.promotion_id = p.id`;

/**
 * Promotions for the admin API and the checkout: create, read, list with what each has used of its limits, change
 * (validated whole, version + 1), move through draft → active ⇄ paused → ended, and the active set at an instant —
 * held in memory (read again at most every 2 s, and at once after a write in this process) because pricing asks on
 * every checkout. Every write publishes an event (promotions.promotion.created | changed | status_changed) recording
 * who changed what, and whether the promotion was running.
 */
export class PromotionsService {
  private cache: { loadedAt: number; coversFrom: number; items: ActivePromotion[] } | null = null;
  private loading: { generation: number; promise: Promise<ActivePromotion[]> } | null = null;
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: { timeZone: string; now?: () => Date },
  ) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Validate a whole promotion (defaults applied, instants read in the business zone). */
  private validate(input: unknown): PromotionInput & { startsAtDate: Date | null; endsAtDate: Date | null } {
    const parsed = PromotionInput.safeParse(input);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error.issues);
      throw invalid('promotions.invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    }
    const p = parsed.data;
    const when = (text: string | null | undefined, path: string): Date | null => {
      if (text === null || text === undefined) return null;
      const d = parseInstant(text, this.opts.timeZone);
      if (!d) throw invalid('promotions.invalid', `${path}: not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
      return d;
    };
    const startsAtDate = when(p.startsAt, 'startsAt');
    const endsAtDate = when(p.endsAt, 'endsAt');
    if (startsAtDate && endsAtDate && endsAtDate <= startsAtDate)
      throw invalid('promotions.invalid', 'endsAt: must be after startsAt', [{ path: 'endsAt', message: 'must be after startsAt' }]);
    const r = p.definition.rule;
    if (r.kind === 'bundle' && new Set(r.items.map((i) => i.sku)).size !== r.items.length)
      throw invalid('promotions.invalid', 'definition.rule.items: each SKU once', [{ path: 'definition.rule.items', message: 'each SKU once' }]);
    return { ...p, startsAtDate, endsAtDate };
  }

  async create(input: NewPromotion, actor: string): Promise<StoredPromotion> {
    const p = this.validate(input);
    const id = newId();
    try {
      await this.db.transaction(async (tx) => {
        await tx.execute(
          sql`insert into promotions.promotions (id, code, name, description, status, definition, conditions, starts_at, ends_at, priority,
                stack_group, exclusive, budget_fen, total_quantity, first_n, per_customer_limit, holdout_percent, version, created_by)
              values (${id}, ${p.code}, ${p.name}, ${p.description ?? null}, ${p.status}, ${JSON.stringify(p.definition)}::jsonb,
                ${JSON.stringify(p.conditions)}::jsonb, ${p.startsAtDate?.toISOString() ?? null}, ${p.endsAtDate?.toISOString() ?? null},
                ${p.priority}, ${p.stackGroup ?? null}, ${p.exclusive}, ${p.budgetFen ?? null}, ${p.totalQuantity ?? null}, ${p.firstN ?? null},
                ${p.perCustomerLimit ?? null}, ${p.holdoutPercent}, 1, ${actor})`,
        );
        await tx.execute(sql`insert into promotions.promotion_counters (promotion_id) values (${id})`);
        await publish(tx, 'promotions.promotion.created', { id, code: p.code, status: p.status, version: 1, actor });
      });
    } catch (err) {
      if (pgCode(err) === '23505') throw conflict('promotions.code_exists', `a promotion with code ${p.code} exists`);
      throw err;
    }
    this.invalidate();
    return this.get(id);
  }

  /** By id (a UUID) or code. */
  async get(idOrCode: string, db: Db = this.db): Promise<StoredPromotion> {
    const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrCode);
    const [row] = await query<PromotionRow>(db, sql`select ${COLUMNS} from ${FROM} where ${byId ? sql`p.id = ${idOrCode}::uuid` : sql`p.code = ${idOrCode}`}`);
    if (!row) throw notFound('promotions.not_found', `no promotion ${idOrCode}`);
    return promotionOf(row);
  }

  /** Newest first, keyset-paginated on the id (time-ordered). */
  async list(q: PromotionQuery): Promise<{ items: StoredPromotion[]; nextCursor: string | null }> {
    const where = [];
    if (q.status) where.push(sql`p.status = ${q.status}`);
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(sql`(p.code ilike ${like} or p.name ilike ${like})`);
    }
    if (q.cursor) where.push(sql`p.id < ${decodeCursor(q.cursor)}::uuid`);
    const rows = await query<PromotionRow>(
      this.db,
      sql`select ${COLUMNS} from ${FROM} ${where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``}
          order by p.id desc limit ${q.limit + 1}`,
    );
    const items = rows.slice(0, q.limit).map(promotionOf);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > q.limit && last ? Buffer.from(last.id).toString('base64url') : null };
  }

  /**
   * Change a promotion: the patch merged over what it is, validated as a whole; version + 1. An ended promotion cannot
   * change. Changing what a running (active) promotion gives is allowed and recorded (the event says `running: true`
   * and which fields changed); checkouts price with the new definition from the next reload.
   */
  async update(id: string, patch: PromotionPatch, actor: string): Promise<StoredPromotion> {
    const { status: _status, code: _code, ...rest } = patch as PromotionPatch & { status?: unknown; code?: unknown };
    const changed = await this.db.transaction(async (tx) => {
      const current = await this.locked(tx, id);
      if (current.status === 'ended') throw conflict('promotions.ended', `promotion ${current.code} has ended and cannot change`);
      const merged = { ...inputOf(current), ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
      const p = this.validate(merged);
      const before = inputOf(current) as Record<string, unknown>;
      const after = { ...p, startsAt: p.startsAtDate?.toISOString() ?? null, endsAt: p.endsAtDate?.toISOString() ?? null } as Record<string, unknown>;
      const fields = Object.keys(rest).filter((k) => canonical(before[k]) !== canonical(after[k]));
      if (fields.length === 0) return false;
      await tx.execute(
        sql`update promotions.promotions set name = ${p.name}, description = ${p.description ?? null}, definition = ${JSON.stringify(p.definition)}::jsonb,
              conditions = ${JSON.stringify(p.conditions)}::jsonb, starts_at = ${p.startsAtDate?.toISOString() ?? null}, ends_at = ${p.endsAtDate?.toISOString() ?? null},
              priority = ${p.priority}, stack_group = ${p.stackGroup ?? null}, exclusive = ${p.exclusive}, budget_fen = ${p.budgetFen ?? null},
              total_quantity = ${p.totalQuantity ?? null}, first_n = ${p.firstN ?? null}, per_customer_limit = ${p.perCustomerLimit ?? null},
              holdout_percent = ${p.holdoutPercent}, version = version + 1, updated_at = now()
            where id = ${current.id}`,
      );
      await publish(tx, 'promotions.promotion.changed', {
        id: current.id,
        code: current.code,
        version: current.version + 1,
        fields,
        running: current.status === 'active' && fields.some((f) => (DEFINING as readonly string[]).includes(f)),
        actor,
      });
      return true;
    });
    if (changed) this.invalidate();
    return this.get(id);
  }

  /** Move a promotion to another status (draft → active | ended, active ⇄ paused, → ended; ended is final). */
  async setStatus(id: string, status: PromotionStatus, actor: string): Promise<StoredPromotion> {
    if (!(PROMOTION_STATUSES as readonly string[]).includes(status))
      throw invalid('promotions.invalid', `status: one of ${PROMOTION_STATUSES.join(', ')}`, [{ path: 'status', message: `one of ${PROMOTION_STATUSES.join(', ')}` }]);
    const changed = await this.db.transaction(async (tx) => {
      const current = await this.locked(tx, id);
      if (current.status === status) return false;
      if (!TRANSITIONS[current.status].includes(status))
        throw conflict('promotions.status_transition', `promotion ${current.code} cannot go from ${current.status} to ${status}`, { from: current.status, to: status });
      await tx.execute(sql`update promotions.promotions set status = ${status}, updated_at = now() where id = ${current.id}`);
      await publish(tx, 'promotions.promotion.status_changed', { id: current.id, code: current.code, from: current.status, to: status, actor });
      return true;
    });
    if (changed) this.invalidate();
    return this.get(id);
  }

  /**
   * A draft (PromotionInput, the code optional) priced alone on a sample cart with the pure pricing — its window,
   * status, conditions and limits are not checked: the builder shows what the rule does to the lines. Lines without a
   * unit price, category or brand take the catalogue's; a SKU the catalogue does not price needs `unitPrice`.
   */
  async preview(draft: unknown, sample: readonly SampleLine[]): Promise<Preview> {
    const withCode = draft && typeof draft === 'object' && !('code' in draft) ? { ...draft, code: 'DRAFT' } : draft;
    let p: ReturnType<PromotionsService['validate']>;
    try {
      p = this.validate(withCode);
    } catch (err) {
      const e = err as { details?: { issues?: Array<{ path: string; message: string }> } };
      const issues = (e.details?.issues ?? []).map((i) => ({ path: `promotion.${i.path}`, message: i.message }));
      if (issues.length === 0) throw err;
      throw invalid('promotions.invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    }
    const lines = await this.sampleLines(sample);
    const priced = priceInOrder([toStackable({ ...p, id: 'draft' })], lines);
    const applied = priced.applied[0] ?? null;
    return {
      applies: applied !== null,
      subtotalFen: priced.subtotalFen,
      discountFen: priced.discountFen,
      totalFen: priced.totalFen,
      giftValueFen: priced.gifts.reduce((v, g) => v + g.quantity * g.valueFen, 0),
      lines: lines.map((l, i) => ({
        sku: l.sku,
        quantity: l.quantity,
        unitPriceFen: l.unitPriceFen,
        categoryPath: [...(l.categoryPath ?? [])],
        brand: l.brand ?? null,
        amountFen: lineAmount(l),
        discountFen: applied?.lines[i] ?? 0,
        paidFen: priced.paidFen[i]!,
      })),
      gifts: priced.gifts,
      explanation: applied?.explanation ?? null,
    };
  }

  /** Sample lines completed from the catalogue (400 naming the line when a price is neither given nor listed). */
  private async sampleLines(sample: readonly SampleLine[]): Promise<CartLine[]> {
    const skus = [...new Set(sample.map((l) => l.sku))];
    const rows = await query<{ sku: string; category_path: string[] | null; brand: string | null; list_price_fen: string | number | null }>(
      this.db,
      sql`select sku, category_path, brand, list_price_fen from catalog.products where sku = any(${arrayLiteral(skus, 'text')}::text[])`,
    );
    const bySku = new Map(rows.map((r) => [r.sku, r]));
    return sample.map((l, i) => {
      const product = bySku.get(l.sku);
      const unitPriceFen = l.unitPriceFen ?? num(product?.list_price_fen);
      if (unitPriceFen === null || unitPriceFen === undefined) {
        const message = product ? `SKU ${l.sku} has no list price in the catalogue; give unitPrice` : `SKU ${l.sku} is not in the catalogue; give unitPrice`;
        throw invalid('promotions.invalid', `cart.lines.${i}.unitPrice: ${message}`, [{ path: `cart.lines.${i}.unitPrice`, message }]);
      }
      return {
        sku: l.sku,
        quantity: l.quantity,
        unitPriceFen,
        categoryPath: l.categoryPath ?? product?.category_path ?? [],
        brand: l.brand ?? product?.brand ?? null,
      };
    });
  }

  private async locked(tx: Db, idOrCode: string): Promise<StoredPromotion> {
    const p = await this.get(idOrCode, tx);
    await tx.execute(sql`select 1 from promotions.promotions where id = ${p.id} for update`);
    return this.get(p.id, tx);
  }

  // ---------------------------------------------------------------- the active set

  /**
   * Promotions with status active whose window covers `at` (startsAt ≤ at < endsAt), priority order. Served from memory
   * when `at` is within what the cache holds (everything active that had not ended a minute before it was read);
   * earlier instants (a simulation in the past) are read from the database.
   */
  async active(at: Date = this.now()): Promise<ActivePromotion[]> {
    const t = at.getTime();
    let cache = this.cache;
    if (!cache || this.now().getTime() - cache.loadedAt > CACHE_TTL_MS) {
      await this.reload();
      cache = this.cache;
    }
    if (cache && t >= cache.coversFrom) return cache.items.filter((a) => covers(a, at));
    return (await this.readActive(at, at)).filter((a) => covers(a, at));
  }

  /** Forget the cached active set (the next active() reads it again). */
  invalidate(): void {
    this.generation += 1;
    this.cache = null;
  }

  private async reload(): Promise<void> {
    const generation = this.generation;
    let loading = this.loading;
    if (!loading || loading.generation !== generation) {
      const loadedAt = this.now().getTime();
      const coversFrom = loadedAt - CACHE_SLACK_MS;
      const promise = this.readActive(new Date(coversFrom), null);
      const started = { generation, promise };
      loading = started;
      this.loading = started;
      promise
        .then((items) => {
          if (this.generation === generation) this.cache = { loadedAt, coversFrom, items };
        })
        .catch(() => undefined)
        .finally(() => {
          if (this.loading === started) this.loading = null;
        });
    }
    await loading.promise;
  }

  /** Active promotions not ended by `endedAfter` (and, when `startedBy` is given, started by then). */
  private async readActive(endedAfter: Date, startedBy: Date | null): Promise<ActivePromotion[]> {
    const rows = await query<PromotionRow>(
      this.db,
      sql`select p.* from promotions.promotions p
          where p.status = 'active' and (p.ends_at is null or p.ends_at > ${endedAfter.toISOString()})
            ${startedBy ? sql`and (p.starts_at is null or p.starts_at <= ${startedBy.toISOString()})` : sql``}
          order by p.priority, p.id`,
    );
    return rows.map((r) => activeOf(promotionOf(r)));
  }
}

/** JSON with object keys sorted (jsonb does not keep the order a definition was written in). */
function canonical(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A stored promotion back in the input's shape (what a patch is merged over). */
function inputOf(p: StoredPromotion): NewPromotion {
  return {
    code: p.code,
    name: p.name,
    ...(p.description !== null ? { description: p.description } : {}),
    status: p.status,
    definition: p.definition,
    conditions: p.conditions,
    startsAt: p.startsAt,
    endsAt: p.endsAt,
    priority: p.priority,
    stackGroup: p.stackGroup,
    exclusive: p.exclusive,
    budgetFen: p.budgetFen,
    totalQuantity: p.totalQuantity,
    firstN: p.firstN,
    perCustomerLimit: p.perCustomerLimit,
    holdoutPercent: p.holdoutPercent,
  };
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw invalid('promotions.invalid', 'cursor: is not a cursor this API returned', [{ path: 'cursor', message: 'is not a cursor this API returned' }]);
  return id;
}
