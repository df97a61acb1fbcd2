import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import { localDate, parseInstant } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { moveCustomerRows } from '../../platform/db/move-rows.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { guestCustomerId, newId } from '../../platform/ids.js';
import { ineligibility, inHoldout, type CheckoutContext, type Conditions } from './domain/eligibility.js';
import type { StackablePromotion } from './domain/combine.js';
import type { Rule, Scope } from './domain/rules.js';
import { CouponTemplateInput, type DefinitionInput } from './promotions.schemas.js';

export type CouponStatus = 'available' | 'issued' | 'reserved' | 'redeemed' | 'void' | 'expired';
export type TemplatePurpose = 'general' | 'new_member' | 'compensation' | 'gift';

export interface CouponTemplate {
  id: string;
  code: string;
  name: string;
  purpose: TemplatePurpose;
  status: 'active' | 'paused' | 'ended';
  definition: DefinitionInput;
  conditions: Conditions;
  validFrom: Date | null;
  validTo: Date | null;
  validDays: number | null;
  priority: number;
  stackGroup: string | null;
  exclusive: boolean;
  withPromotions: boolean;
  perCustomerLimit: number | null;
  totalQuantity: number | null;
  issued: number;
  returnPolicy: 'keep' | 'restore';
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Coupon {
  id: string;
  templateId: string;
  templateCode: string;
  name: string;
  /** The template's discount (for a wallet's "满100减10"). */
  definition: DefinitionInput;
  code: string;
  customerId: string | null;
  status: CouponStatus;
  batch: string | null;
  source: string;
  sourceRef: string | null;
  issuedAt: Date | null;
  validFrom: Date | null;
  validTo: Date | null;
  reservationId: string | null;
  orderId: string | null;
  redeemedAt: Date | null;
  voidedAt: Date | null;
  voidReason: string | null;
  createdAt: Date;
}

/** Why a code cannot be used at a checkout (the cashier's "why not"); condition failures are ineligibility's reasons. */
export type CouponRefusal =
  | 'unknown_code'
  | 'duplicate_code'
  | 'customer_required'
  | 'not_yours'
  | 'not_yet_valid'
  | 'expired'
  | 'redeemed'
  | 'reserved'
  | 'void'
  | 'template_paused'
  | 'template_ended'
  | 'per_customer_limit'
  | string;

export interface CouponCandidate {
  couponId: string;
  code: string;
  templateId: string;
  templateCode: string;
  name: string;
  withPromotions: boolean;
  promotion: StackablePromotion;
}

export interface CheckoutCoupons {
  candidates: CouponCandidate[];
  refused: Array<{ code: string; reason: CouponRefusal; message: string }>;
}

export interface IssueRun {
  id: string;
  templateId: string;
  segmentId: string | null;
  holdoutPercent: number;
  issued: number;
  heldOut: number;
  skipped: number;
  actor: string;
  createdAt: Date;
  replayed: boolean;
}

/** Readable codes: no 0/O, 1/I (32 symbols, so one random byte & 31 picks one without bias). */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_RE = /^[A-Z0-9][A-Z0-9_.-]{0,63}$/;
const MAX_GENERATE = 1_000_000;
const MAX_IMPORT = 1_000_000;

const MESSAGES: Record<string, string> = {
  unknown_code: 'no coupon has this code',
  duplicate_code: 'the code is given twice',
  customer_required: 'a coupon needs an identified customer',
  not_yours: "the coupon is another customer's",
  not_yet_valid: 'the coupon is not valid yet',
  expired: 'the coupon has expired',
  redeemed: 'the coupon has already been used',
  reserved: 'the coupon is held by another checkout',
  void: 'the coupon was voided',
  template_paused: "the coupon's offer is paused",
  template_ended: "the coupon's offer has ended",
  per_customer_limit: 'the customer has used as many of these coupons as allowed',
  channel: 'not valid in this channel',
  store: 'not valid in this store',
  fulfillment: 'not valid for this fulfilment',
  members_only: 'members only',
  new_customers_only: 'new customers only',
  returning_customers_only: 'returning customers only',
  prior_orders: 'not for this number of earlier orders',
  tier: 'not for this tier',
  segment: 'not for this customer',
  birthday_month: 'only in the birthday month',
  min_subtotal: 'the cart does not reach the minimum spend',
};

const d = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

function templateOf(r: Record<string, unknown>): CouponTemplate {
  return {
    id: r.id as string,
    code: r.code as string,
    name: r.name as string,
    purpose: r.purpose as TemplatePurpose,
    status: r.status as CouponTemplate['status'],
    definition: r.definition as DefinitionInput,
    conditions: (r.conditions as Conditions) ?? {},
    validFrom: d(r.valid_from),
    validTo: d(r.valid_to),
    validDays: r.valid_days === null ? null : Number(r.valid_days),
    priority: Number(r.priority),
    stackGroup: (r.stack_group as string | null) ?? null,
    exclusive: r.exclusive as boolean,
    withPromotions: r.with_promotions as boolean,
    perCustomerLimit: r.per_customer_limit === null ? null : Number(r.per_customer_limit),
    totalQuantity: r.total_quantity === null ? null : Number(r.total_quantity),
    issued: Number(r.issued),
    returnPolicy: r.return_policy as CouponTemplate['returnPolicy'],
    createdBy: r.created_by as string,
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
  };
}

function couponOf(r: Record<string, unknown>): Coupon {
  return {
    id: r.id as string,
    templateId: r.template_id as string,
    templateCode: r.template_code as string,
    name: r.template_name as string,
    definition: r.template_definition as DefinitionInput,
    code: r.code as string,
    // An unassigned coupon's customer_id is its synthetic pool owner (poolOwner), nobody's.
    customerId: r.assigned ? (r.customer_id as string) : null,
    status: r.status as CouponStatus,
    batch: (r.batch as string | null) ?? null,
    source: r.source as string,
    sourceRef: (r.source_ref as string | null) ?? null,
    issuedAt: d(r.issued_at),
    validFrom: d(r.valid_from),
    validTo: d(r.valid_to),
    reservationId: (r.reservation_id as string | null) ?? null,
    orderId: (r.order_id as string | null) ?? null,
    redeemedAt: d(r.redeemed_at),
    voidedAt: d(r.voided_at),
    voidReason: (r.void_reason as string | null) ?? null,
    createdAt: new Date(r.created_at as string),
  };
}

const COUPON_COLUMNS = sql`c.*, t.code as template_code, t.name as template_name, t.definition as template_definition`;

/**
 * The customer_id of a coupon assigned to nobody (a pool code; ADR 0014: customer_id is never null so coupons can be
 * distributed by it): guestCustomerId('coupon-pool', <coupon id>) (in SQL: platform.guest_customer_id, over id::text).
 */
const poolOwner = (couponId: string) => guestCustomerId('coupon-pool', couponId.toLowerCase());

/** The coupon with this code (code → coupon_codes → the coupon by its key): `c` for its columns. */
const BY_CODE = (codes: ReturnType<typeof sql>) =>
  sql`promotions.coupon_codes k join promotions.coupons c on c.customer_id = k.customer_id and c.id = k.coupon_id where k.code = ${codes}`;

/** `n` random codes from the readable alphabet, `prefix` + `length` symbols. */
export function randomCodes(n: number, length: number, prefix = ''): string[] {
  const bytes = crypto.randomBytes(n * length);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let s = prefix;
    for (let j = 0; j < length; j++) s += CODE_ALPHABET[bytes[i * length + j]! & 31];
    out[i] = s;
  }
  return out;
}

/** The candidate promotion a coupon gives at a checkout: one coupon per order by default (group 'coupon'). */
export function couponPromotion(code: string, t: CouponTemplate): StackablePromotion {
  return {
    id: `coupon:${code}`,
    name: t.name,
    scope: (t.definition.scope ?? { kind: 'order' }) as Scope,
    rule: t.definition.rule as Rule,
    excludedSkus: t.definition.excludedSkus ?? [],
    capFen: t.definition.capFen ?? null,
    priority: t.priority,
    group: t.stackGroup ?? 'coupon',
    exclusive: t.exclusive,
  };
}

export interface IssueTarget {
  customerId: string;
  idempotencyKey: string | null;
  source: string;
  sourceRef: string | null;
}

/**
 * Coupons: templates, code pools (generated or imported), issuing to a person, a segment (with a stable holdout), new
 * members and support's compensations, validity (fixed or relative to issue, to the end of a day in the business
 * zone), void and expiry — and what a checkout needs: candidates with refusals, reserve, commit, release, restore.
 *
 * Validity windows are half-open: a coupon is valid from `validFrom` (inclusive) until `validTo` (exclusive).
 * Codes are upper case (imports are upper-cased; a checkout's codes are looked up upper-cased).
 */
export class CouponsService {
  constructor(
    private readonly db: Db,
    private readonly opts: { timeZone: string },
  ) {}

  // ---------------------------------------------------------------- validity

  /** The end of the day `days` after `at`'s day in the business zone (the next local midnight after it). */
  endOfDayAfter(at: Date, days: number): Date {
    const [y, m, day] = localDate(at, this.opts.timeZone).split('-').map(Number) as [number, number, number];
    const next = new Date(Date.UTC(y, m - 1, day + days + 1));
    return parseInstant(next.toISOString().slice(0, 10), this.opts.timeZone)!;
  }

  /** The window of a coupon issued at `at`: the template's fixed window, or `validDays` from issue (within validTo). */
  windowFor(t: CouponTemplate, at: Date): { validFrom: Date | null; validTo: Date | null } {
    if (t.validDays) {
      let to = this.endOfDayAfter(at, t.validDays);
      if (t.validTo && t.validTo < to) to = t.validTo;
      const from = t.validFrom && t.validFrom > at ? t.validFrom : at;
      return { validFrom: from, validTo: to };
    }
    return { validFrom: t.validFrom, validTo: t.validTo };
  }

  // ---------------------------------------------------------------- templates

  async createTemplate(input: CouponTemplateInput, actor: string): Promise<CouponTemplate> {
    const t = CouponTemplateInput.parse(input);
    const { validFrom, validTo } = this.instants(t);
    const rows = await query(
      this.db,
      sql`insert into promotions.coupon_templates
            (id, code, name, purpose, status, definition, conditions, valid_from, valid_to, valid_days, priority, stack_group,
             exclusive, with_promotions, per_customer_limit, total_quantity, return_policy, created_by)
          values (${newId()}, ${t.code}, ${t.name}, ${t.purpose}, ${t.status}, ${JSON.stringify(t.definition)}::jsonb,
            ${JSON.stringify(t.conditions)}::jsonb, ${validFrom}, ${validTo}, ${t.validDays ?? null}, ${t.priority},
            ${t.stackGroup ?? null}, ${t.exclusive}, ${t.withPromotions}, ${t.perCustomerLimit ?? null}, ${t.totalQuantity ?? null},
            ${t.returnPolicy}, ${actor})
          on conflict (code) do nothing returning *`,
    );
    if (rows.length === 0) throw conflict('promotions.template_exists', `a coupon template ${t.code} exists`);
    return templateOf(rows[0]!);
  }

  private instants(t: { validFrom?: string | null | undefined; validTo?: string | null | undefined }) {
    const at = (text: string | null | undefined, path: string) => {
      if (text === null || text === undefined) return null;
      const v = parseInstant(text, this.opts.timeZone);
      if (!v) throw invalid('promotions.invalid_instant', `${path}: not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
      return v;
    };
    const validFrom = at(t.validFrom, 'validFrom');
    const validTo = at(t.validTo, 'validTo');
    if (validFrom && validTo && validFrom >= validTo)
      throw invalid('promotions.invalid_window', 'validTo: must be after validFrom', [{ path: 'validTo', message: 'must be after validFrom' }]);
    return { validFrom, validTo };
  }

  /** By id or code. */
  async getTemplate(idOrCode: string, db: Db = this.db): Promise<CouponTemplate> {
    const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrCode);
    const [row] = await query(db, isId ? sql`select * from promotions.coupon_templates where id = ${idOrCode}` : sql`select * from promotions.coupon_templates where code = ${idOrCode}`);
    if (!row) throw notFound('promotions.template_not_found', `no coupon template ${idOrCode}`);
    return templateOf(row);
  }

  async listTemplates(filter: { purpose?: string; status?: string } = {}): Promise<CouponTemplate[]> {
    const rows = await query(
      this.db,
      sql`select * from promotions.coupon_templates
          where (${filter.purpose ?? null}::text is null or purpose = ${filter.purpose ?? null})
            and (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
          order by code collate "C"`,
    );
    return rows.map(templateOf);
  }

  /**
   * A full replacement of the template's definition (the code stays). Coupons already issued keep their windows;
   * totalQuantity may not go below what was issued.
   */
  async updateTemplate(id: string, input: CouponTemplateInput): Promise<CouponTemplate> {
    const t = CouponTemplateInput.parse(input);
    const { validFrom, validTo } = this.instants(t);
    return this.db.transaction(async (tx) => {
      const current = await this.getTemplate(id, tx);
      if (t.code !== current.code) throw invalid('promotions.code_fixed', 'code: a template keeps its code', [{ path: 'code', message: 'a template keeps its code' }]);
      if (t.totalQuantity != null && t.totalQuantity < current.issued)
        throw invalid('promotions.total_below_issued', `totalQuantity: ${current.issued} are already issued`, [{ path: 'totalQuantity', message: `${current.issued} are already issued` }]);
      const [row] = await query(
        tx,
        sql`update promotions.coupon_templates set name = ${t.name}, purpose = ${t.purpose}, status = ${t.status},
              definition = ${JSON.stringify(t.definition)}::jsonb, conditions = ${JSON.stringify(t.conditions)}::jsonb,
              valid_from = ${validFrom}, valid_to = ${validTo}, valid_days = ${t.validDays ?? null}, priority = ${t.priority},
              stack_group = ${t.stackGroup ?? null}, exclusive = ${t.exclusive}, with_promotions = ${t.withPromotions},
              per_customer_limit = ${t.perCustomerLimit ?? null}, total_quantity = ${t.totalQuantity ?? null},
              return_policy = ${t.returnPolicy}, updated_at = now()
            where id = ${current.id} returning *`,
      );
      return templateOf(row!);
    });
  }

  async setTemplateStatus(id: string, status: CouponTemplate['status']): Promise<CouponTemplate> {
    const current = await this.getTemplate(id);
    if (current.status === 'ended' && status !== 'ended') throw conflict('promotions.template_ended', `coupon template ${current.code} has ended`);
    const [row] = await query(this.db, sql`update promotions.coupon_templates set status = ${status}, updated_at = now() where id = ${current.id} returning *`);
    return templateOf(row!);
  }

  /** Count `n` more coupons against the template's total quantity — the guarded update that holds under concurrency. */
  private async countIssued(tx: Db, t: CouponTemplate, n: number): Promise<void> {
    if (n === 0) return;
    const rows = await query(
      tx,
      sql`update promotions.coupon_templates set issued = issued + ${n}
          where id = ${t.id} and (total_quantity is null or issued + ${n} <= total_quantity) returning issued`,
    );
    if (rows.length === 0) throw conflict('promotions.template_exhausted', `coupon template ${t.code}: its total quantity (${t.totalQuantity}) would be exceeded`);
  }

  // ---------------------------------------------------------------- code pools

  /**
   * `count` unique codes in the template's pool (status available): `prefix` + `length` readable symbols. One insert
   * per round; codes that collide with existing ones are drawn again.
   */
  async generateCodes(templateId: string, opts: { count: number; prefix?: string; length?: number; batch?: string }): Promise<{ batch: string; count: number }> {
    const prefix = (opts.prefix ?? '').toUpperCase();
    const length = opts.length ?? 10;
    if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > MAX_GENERATE)
      throw invalid('promotions.invalid_count', `count: between 1 and ${MAX_GENERATE}`, [{ path: 'count', message: `between 1 and ${MAX_GENERATE}` }]);
    if (prefix && !/^[A-Z0-9][A-Z0-9_-]{0,19}$/.test(prefix)) throw invalid('promotions.invalid_prefix', 'prefix: up to 20 letters, digits, _ -', [{ path: 'prefix', message: 'up to 20 letters, digits, _ -' }]);
    if (!Number.isInteger(length) || length < 6 || length > 32) throw invalid('promotions.invalid_length', 'length: between 6 and 32', [{ path: 'length', message: 'between 6 and 32' }]);
    const batch = opts.batch ?? `gen-${newId()}`;
    return this.db.transaction(async (tx) => {
      const t = await this.getTemplate(templateId, tx);
      if (t.status === 'ended') throw conflict('promotions.template_ended', `coupon template ${t.code} has ended`);
      await this.countIssued(tx, t, opts.count);
      let missing = opts.count;
      for (let round = 0; missing > 0; round++) {
        if (round > 20) throw conflict('promotions.codes_exhausted', 'could not draw enough unique codes: use a longer code');
        missing -= await this.insertPool(tx, t, randomCodes(missing, length, prefix), batch, 'generated');
      }
      return { batch, count: opts.count };
    });
  }

  private async insertPool(tx: Db, t: CouponTemplate, codes: string[], batch: string, source: string): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < codes.length; i += 100_000) {
      const part = codes.slice(i, i + 100_000);
      const ids = part.map(() => newId());
      const rows = await query<{ n: number }>(
        tx,
        // The code first (its uniqueness is the key table's); only the codes that went in make coupons.
        sql`with k as (
              insert into promotions.coupon_codes (code, coupon_id, customer_id)
              select x.code, x.id, x.owner
              from unnest(${sql.param(ids)}::uuid[], ${sql.param(part)}::text[], ${sql.param(ids.map(poolOwner))}::uuid[]) as x(id, code, owner)
              on conflict do nothing returning code, coupon_id, customer_id),
            ins as (
              insert into promotions.coupons (id, template_id, code, customer_id, assigned, status, batch, source, valid_from, valid_to)
              select k.coupon_id, ${t.id}, k.code, k.customer_id, false, 'available', ${batch}, ${source}, ${t.validDays ? null : t.validFrom}, ${t.validDays ? null : t.validTo}
              from k returning 1)
            select count(*)::int as n from ins`,
      );
      inserted += Number(rows[0]!.n);
    }
    return inserted;
  }

  /**
   * Codes from a CSV (a `code` column, or the first column when the first line is not a `code` header). All or nothing:
   * a bad line is a 400 naming its line number; codes given twice or already in use are named.
   */
  async importCodes(templateId: string, csv: string, opts: { batch?: string } = {}): Promise<{ batch: string; count: number }> {
    let records: string[][];
    try {
      records = parse(csv, { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as string[][];
    } catch (e) {
      const line = (e as { lines?: number }).lines;
      throw invalid('promotions.invalid_csv', `line ${line ?? '?'}: ${(e as Error).message}`, [{ path: `line ${line ?? '?'}`, message: (e as Error).message }]);
    }
    // Line numbers as the file counts them (csv-parse skips empty lines; count them back).
    const lineNos: number[] = [];
    csv.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).forEach((text, i) => {
      if (text.trim() !== '') lineNos.push(i + 1);
    });
    let column = 0;
    let start = 0;
    const header = records[0]?.map((h) => h.toLowerCase()) ?? [];
    if (header.includes('code')) {
      column = header.indexOf('code');
      start = 1;
    }
    const codes: string[] = [];
    const seen = new Map<string, number>();
    const duplicates: string[] = [];
    for (let i = start; i < records.length; i++) {
      const line = lineNos[i] ?? i + 1;
      const code = (records[i]![column] ?? '').trim().toUpperCase();
      if (!CODE_RE.test(code))
        throw invalid('promotions.invalid_csv', `line ${line}: "${code.slice(0, 70)}" is not a code (letters, digits, _ . -; at most 64)`, [
          { path: `line ${line}`, message: 'not a code (letters, digits, _ . -; at most 64)' },
        ]);
      if (seen.has(code)) duplicates.push(`${code} (lines ${seen.get(code)} and ${line})`);
      else seen.set(code, line);
      codes.push(code);
    }
    if (duplicates.length > 0) throw invalid('promotions.duplicate_codes', `codes given twice: ${duplicates.slice(0, 20).join(', ')}`, [{ path: 'codes', message: duplicates.slice(0, 100).join(', ') }]);
    if (codes.length === 0) throw invalid('promotions.invalid_csv', 'the file has no codes', [{ path: 'line 1', message: 'no codes' }]);
    if (codes.length > MAX_IMPORT) throw invalid('promotions.invalid_csv', `at most ${MAX_IMPORT} codes a file`, [{ path: 'codes', message: `at most ${MAX_IMPORT}` }]);
    const batch = opts.batch ?? `import-${newId()}`;
    return this.db.transaction(async (tx) => {
      const t = await this.getTemplate(templateId, tx);
      if (t.status === 'ended') throw conflict('promotions.template_ended', `coupon template ${t.code} has ended`);
      const taken = await query<{ code: string }>(tx, sql`select code from promotions.coupon_codes where code = any(${sql.param(codes)}::text[]) order by code collate "C" limit 100`);
      if (taken.length > 0)
        throw conflict('promotions.codes_taken', `codes already in use: ${taken.map((r) => `${r.code} (line ${seen.get(r.code)})`).join(', ')}`, {
          codes: taken.map((r) => ({ code: r.code, line: seen.get(r.code) })),
        });
      await this.countIssued(tx, t, codes.length);
      const n = await this.insertPool(tx, t, codes, batch, 'imported');
      if (n !== codes.length) throw conflict('promotions.codes_taken', 'some codes were taken while importing; nothing was imported');
      return { batch, count: n };
    });
  }

  /** The codes of a batch (or the whole pool), in code order. */
  async listCodes(templateId: string, opts: { batch?: string; status?: string; limit?: number; offset?: number } = {}): Promise<{ total: number; items: Coupon[] }> {
    const t = await this.getTemplate(templateId);
    const where = sql`c.template_id = ${t.id} and (${opts.batch ?? null}::text is null or c.batch = ${opts.batch ?? null})
      and (${opts.status ?? null}::text is null or c.status = ${opts.status ?? null})`;
    const [count] = await query<{ n: number }>(this.db, sql`select count(*)::int as n from promotions.coupons c where ${where}`);
    const rows = await query(
      this.db,
      sql`select ${COUPON_COLUMNS} from promotions.coupons c join promotions.coupon_templates t on t.id = c.template_id
          where ${where} order by c.code collate "C" limit ${opts.limit ?? 1000} offset ${opts.offset ?? 0}`,
    );
    return { total: Number(count!.n), items: rows.map(couponOf) };
  }

  /** A batch's codes as CSV (code,status,customer_id,valid_to). */
  async exportCodes(templateId: string, batch?: string): Promise<string> {
    const t = await this.getTemplate(templateId);
    const rows = await query<{ code: string; status: string; customer_id: string | null; valid_to: string | Date | null }>(
      this.db,
      sql`select code, status, case when assigned then customer_id end as customer_id, valid_to from promotions.coupons
          where template_id = ${t.id} and (${batch ?? null}::text is null or batch = ${batch ?? null}) order by code collate "C"`,
    );
    return ['code,status,customer_id,valid_to', ...rows.map((r) => `${r.code},${r.status},${r.customer_id ?? ''},${r.valid_to ? new Date(r.valid_to).toISOString() : ''}`)].join('\n') + '\n';
  }

  // ---------------------------------------------------------------- issuing

  /**
   * Coupons for these customers (one each), in one transaction: counted against the total quantity, per-customer
   * limits checked after the template's row is locked by that count (so concurrent issues queue behind it).
   * Targets whose idempotency key already has a coupon are left out (the existing coupon is theirs).
   */
  private async issueMany(tx: Db, t: CouponTemplate, targets: IssueTarget[], at: Date, opts: { skipOverLimit: boolean }): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (targets.length === 0) return out;
    await this.countIssued(tx, t, targets.length);
    let todo = targets;
    if (t.perCustomerLimit !== null) {
      const held = await query<{ customer_id: string; n: number }>(
        tx,
        sql`select customer_id, count(*)::int as n from promotions.coupons
            where template_id = ${t.id} and customer_id = any(${sql.param(targets.map((x) => x.customerId))}::uuid[]) and status <> 'void'
            group by customer_id`,
      );
      const counts = new Map(held.map((h) => [h.customer_id, Number(h.n)]));
      const over = todo.filter((x) => (counts.get(x.customerId) ?? 0) >= t.perCustomerLimit!);
      if (over.length > 0 && !opts.skipOverLimit)
        throw conflict('promotions.per_customer_limit', `coupon template ${t.code}: the customer already has ${t.perCustomerLimit} (its per-customer limit)`);
      todo = todo.filter((x) => (counts.get(x.customerId) ?? 0) < t.perCustomerLimit!);
      if (over.length > 0) await query(tx, sql`update promotions.coupon_templates set issued = issued - ${over.length} where id = ${t.id}`);
    }
    const { validFrom, validTo } = this.windowFor(t, at);
    for (let round = 0; todo.length > 0; round++) {
      if (round > 20) throw conflict('promotions.codes_exhausted', 'could not draw enough unique codes');
      const ids = todo.map(() => newId());
      const codes = randomCodes(todo.length, 10);
      // The codes go into the key table first (a taken code is left out); the coupons of the codes that went in follow.
      const rows = await query<{ id: string; customer_id: string }>(
        tx,
        sql`with x as (
              select * from unnest(${sql.param(ids)}::uuid[], ${sql.param(codes)}::text[], ${sql.param(todo.map((x) => x.customerId))}::uuid[],
                        ${sql.param(todo.map((x) => x.source))}::text[], ${sql.param(todo.map((x) => x.sourceRef))}::text[],
                        ${sql.param(todo.map((x) => x.idempotencyKey))}::text[]) as k(id, code, customer_id, source, source_ref, idem)),
            codes as (
              insert into promotions.coupon_codes (code, coupon_id, customer_id) select code, id, customer_id from x
              on conflict do nothing returning coupon_id)
            insert into promotions.coupons (id, template_id, code, customer_id, assigned, status, source, source_ref, idempotency_key, issued_at, valid_from, valid_to)
            select x.id, ${t.id}, x.code, x.customer_id, true, 'issued', x.source, x.source_ref, x.idem, ${at}, ${validFrom}, ${validTo}
            from x join codes on codes.coupon_id = x.id
            on conflict do nothing returning id, customer_id`,
      );
      for (const r of rows) out.set(r.customer_id, r.id);
      const rest = todo.filter((x) => !out.has(x.customerId));
      if (rest.length === 0) break;
      // Codes taken by a coupon that was not made (its idempotency key had one already) are freed.
      const made = new Set(rows.map((r) => r.id));
      const unmade = ids.filter((id) => !made.has(id));
      await query(tx, sql`delete from promotions.coupon_codes where coupon_id = any(${sql.param(unmade)}::uuid[])`);
      // Some collided: on a code (drawn again) or on the customer's idempotency key (the earlier coupon stands; not
      // counted twice).
      const keyed = rest.filter((x) => x.idempotencyKey);
      const existing = keyed.length
        ? await query<{ customer_id: string; idempotency_key: string }>(
            tx,
            sql`select c.customer_id, c.idempotency_key from promotions.coupons c
                join unnest(${sql.param(keyed.map((x) => x.customerId))}::uuid[], ${sql.param(keyed.map((x) => x.idempotencyKey))}::text[]) as k(customer_id, idem)
                  on c.customer_id = k.customer_id and c.idempotency_key = k.idem`,
          )
        : [];
      const done = new Set(existing.map((r) => `${r.customer_id}|${r.idempotency_key}`));
      const isDone = (x: IssueTarget) => !!x.idempotencyKey && done.has(`${x.customerId}|${x.idempotencyKey}`);
      const replayed = rest.filter(isDone);
      if (replayed.length > 0) await query(tx, sql`update promotions.coupon_templates set issued = issued - ${replayed.length} where id = ${t.id}`);
      todo = rest.filter((x) => !isDone(x));
    }
    return out;
  }

  /**
   * The coupon issued with this key, to whichever customer (keys are unique per customer; issuing refuses a key already
   * used for another customer — checked here, across customers, under the key's advisory lock in issueToCustomer).
   */
  private async byIdempotencyKey(db: Db, key: string): Promise<Coupon | null> {
    const [row] = await query(
      db,
      sql`select ${COUPON_COLUMNS} from promotions.coupons c join promotions.coupon_templates t on t.id = c.template_id
          where c.idempotency_key = ${key} order by c.created_at, c.id limit 1`,
    );
    return row ? couponOf(row) : null;
  }

  /** One coupon to one customer; with an idempotency key a replay answers the coupon issued the first time. */
  async issueToCustomer(
    templateId: string,
    input: { customerId: string; idempotencyKey?: string | null; source?: string; sourceRef?: string | null; at?: Date },
  ): Promise<{ coupon: Coupon; replayed: boolean }> {
    const key = input.idempotencyKey ?? null;
    const at = input.at ?? new Date();
    const attempt = () =>
      this.db.transaction(async (tx) => {
        if (key) {
          // One request per key at a time: the check across customers and the insert cannot interleave.
          await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`promotions.coupon-key:${key}`}, 0))`);
          const prior = await this.byIdempotencyKey(tx, key);
          if (prior) return this.replay(prior, input.customerId);
        }
        const t = await this.getTemplate(templateId, tx);
        if (t.status !== 'active') throw conflict(`promotions.template_${t.status}`, `coupon template ${t.code} is ${t.status}`);
        await this.customerExists(tx, input.customerId);
        const issued = await this.issueMany(tx, t, [{ customerId: input.customerId, idempotencyKey: key, source: input.source ?? 'issue', sourceRef: input.sourceRef ?? null }], at, { skipOverLimit: false });
        const id = issued.get(input.customerId);
        if (!id) {
          const prior = await this.byIdempotencyKey(tx, key!);
          return this.replay(prior!, input.customerId);
        }
        return { coupon: await this.getCouponById(id, tx), replayed: false };
      });
    try {
      return await attempt();
    } catch (e) {
      // Two requests with one key at once: the second's insert found the first's row only after it committed.
      if (key && /duplicate key|unique/i.test((e as Error).message)) return attempt();
      throw e;
    }
  }

  private replay(prior: Coupon, customerId: string) {
    if (prior.customerId !== customerId) throw conflict('promotions.idempotency_key_reused', 'the idempotency key was used for another customer');
    return { coupon: prior, replayed: true };
  }

  private async customerExists(tx: Db, customerId: string) {
    const [c] = await query(tx, sql`select 1 from customers.customers where id = ${customerId} and status = 'active'`);
    if (!c) throw notFound('promotions.customer_not_found', `no active customer ${customerId}`);
  }

  /** The run id for a segment issue's idempotency key: a replay finds the same run (and draws the same holdout). */
  private runIdFor(templateId: string, key: string): string {
    const h = crypto.createHash('sha256').update(`issue-run:${templateId}:${key}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${(8 + (parseInt(h[16]!, 16) & 3)).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /**
   * A coupon for every member of a segment, except a stable holdout share (`inHoldout(runId, customerId, percent)`,
   * recorded as 'holdout' recipients, not issued) and customers already holding one of the template or at its
   * per-customer limit ('skipped'). One transaction; with an idempotency key a replay answers the first run.
   */
  async issueToSegment(
    templateId: string,
    input: { segmentId: string; holdoutPercent?: number; idempotencyKey?: string | null; at?: Date },
    actor: string,
  ): Promise<IssueRun> {
    const percent = input.holdoutPercent ?? 0;
    if (!Number.isInteger(percent) || percent < 0 || percent > 90)
      throw invalid('promotions.invalid_holdout', 'holdoutPercent: an integer from 0 to 90', [{ path: 'holdoutPercent', message: 'an integer from 0 to 90' }]);
    const at = input.at ?? new Date();
    return this.db.transaction(async (tx) => {
      const t = await this.getTemplate(templateId, tx);
      const runId = input.idempotencyKey ? this.runIdFor(t.id, input.idempotencyKey) : newId();
      const [prior] = await query(tx, sql`select * from promotions.issue_runs where id = ${runId}`);
      if (prior) return runOf(prior, true);
      if (t.status !== 'active') throw conflict(`promotions.template_${t.status}`, `coupon template ${t.code} is ${t.status}`);
      const [segment] = await query(tx, sql`select 1 from segments.segments where id = ${input.segmentId}`);
      if (!segment) throw notFound('promotions.segment_not_found', `no segment ${input.segmentId}`);
      const inserted = await query(
        tx,
        sql`insert into promotions.issue_runs (id, template_id, segment_id, holdout_percent, actor, created_at)
            values (${runId}, ${t.id}, ${input.segmentId}, ${percent}, ${actor}, ${at}) on conflict (id) do nothing returning id`,
      );
      if (inserted.length === 0) {
        const [row] = await query(tx, sql`select * from promotions.issue_runs where id = ${runId}`);
        return runOf(row!, true);
      }
      const members = await query<{ customer_id: string; holding: number; total: number }>(
        tx,
        sql`select m.customer_id, coalesce(h.holding, 0) as holding, coalesce(h.total, 0) as total
            from segments.members m
            left join (select customer_id, count(*) filter (where status in ('issued', 'reserved'))::int as holding, count(*)::int as total
                       from promotions.coupons where template_id = ${t.id} and assigned and status <> 'void'
                       group by customer_id) h on h.customer_id = m.customer_id
            where m.segment_id = ${input.segmentId}`,
      );
      const treated: IssueTarget[] = [];
      const holdout: string[] = [];
      const skipped: string[] = [];
      for (const m of members) {
        const holding = Number(m.holding) > 0;
        const total = Number(m.total);
        if (inHoldout(runId, m.customer_id, percent)) holdout.push(m.customer_id);
        else if (holding || (t.perCustomerLimit !== null && total >= t.perCustomerLimit)) skipped.push(m.customer_id);
        else treated.push({ customerId: m.customer_id, idempotencyKey: `run:${runId}:${m.customer_id}`, source: 'segment', sourceRef: runId });
      }
      const issued = await this.issueMany(tx, t, treated, at, { skipOverLimit: true });
      const recipients = [
        ...treated.map((x) => [x.customerId, issued.has(x.customerId) ? 'treated' : 'skipped', issued.get(x.customerId) ?? null] as const),
        ...holdout.map((c) => [c, 'holdout', null] as const),
        ...skipped.map((c) => [c, 'skipped', null] as const),
      ];
      for (let i = 0; i < recipients.length; i += 50_000) {
        const part = recipients.slice(i, i + 50_000);
        await query(
          tx,
          sql`insert into promotions.issue_recipients (run_id, customer_id, grp, coupon_id)
              select ${runId}, k.c, k.g, k.coupon from unnest(${sql.param(part.map((r) => r[0]))}::uuid[], ${sql.param(part.map((r) => r[1]))}::text[],
                ${sql.param(part.map((r) => r[2]))}::uuid[]) as k(c, g, coupon)`,
        );
      }
      const nTreated = recipients.filter((r) => r[1] === 'treated').length;
      const [row] = await query(
        tx,
        sql`update promotions.issue_runs set issued = ${nTreated}, held_out = ${holdout.length}, skipped = ${recipients.length - nTreated - holdout.length}
            where id = ${runId} returning *`,
      );
      return runOf(row!, false);
    });
  }

  async getRun(runId: string): Promise<IssueRun> {
    const [row] = await query(this.db, sql`select * from promotions.issue_runs where id = ${runId}`);
    if (!row) throw notFound('promotions.run_not_found', `no issue run ${runId}`);
    return runOf(row, false);
  }

  /**
   * The active new_member template's coupon for customers who became members after the template was created (member
   * since = first known or first bought; imported history is not new), once per customer whatever the template.
   */
  async issueNewMember(customerIds: string[], at: Date = new Date(), db?: Db): Promise<number> {
    if (customerIds.length === 0) return 0;
    const run = <T>(f: (tx: Db) => Promise<T>) => (db ? f(db) : this.db.transaction(f));
    return run(async (tx) => {
      const [tr] = await query(tx, sql`select * from promotions.coupon_templates where purpose = 'new_member' and status = 'active' order by created_at desc, id desc limit 1`);
      if (!tr) return 0;
      const t = templateOf(tr);
      const fresh = await query<{ id: string }>(
        tx,
        sql`select c.id from customers.customers c
            where c.id = any(${sql.param([...new Set(customerIds)])}::uuid[]) and c.status = 'active' and c.member_since >= ${t.createdAt}
              and not exists (select 1 from promotions.coupons k where k.customer_id = c.id and k.idempotency_key = 'new_member:' || c.id::text)`,
      );
      if (fresh.length === 0) return 0;
      const targets = fresh.map((c) => ({ customerId: c.id, idempotencyKey: `new_member:${c.id}`, source: 'new_member', sourceRef: null }));
      try {
        return (await this.issueMany(tx, t, targets, at, { skipOverLimit: true })).size;
      } catch (e) {
        if ((e as { code?: string }).code === 'promotions.template_exhausted') return 0;
        throw e;
      }
    });
  }

  /**
   * Support's compensation: a coupon of a `compensation` template (the given one, else the latest active), or with
   * `amountFen` a no-threshold coupon of that amount (template `COMP-<fen>`, made on first use from the compensation
   * template's validity). Replay-safe per reference (the ticket).
   */
  async issueCompensation(input: { customerId: string; templateCode?: string; amountFen?: number; reason: string; reference: string; at?: Date }, actor = 'support'): Promise<{ coupon: Coupon; replayed: boolean }> {
    if (!input.reason?.trim()) throw invalid('promotions.reason_required', 'reason: required', [{ path: 'reason', message: 'required' }]);
    if (!input.reference?.trim()) throw invalid('promotions.reference_required', 'reference: required', [{ path: 'reference', message: 'required' }]);
    if (input.amountFen !== undefined && (!Number.isInteger(input.amountFen) || input.amountFen <= 0 || input.amountFen > 100_000_00))
      throw invalid('promotions.invalid_amount', 'amountFen: a positive number of fen up to 10,000,000', [{ path: 'amountFen', message: 'a positive integer up to 10000000' }]);
    const key = `compensation:${input.reference.trim()}`;
    const prior = await this.byIdempotencyKey(this.db, key);
    if (prior) return this.replay(prior, input.customerId);
    let template: CouponTemplate;
    if (input.templateCode) {
      template = await this.getTemplate(input.templateCode);
      if (template.purpose !== 'compensation')
        throw invalid('promotions.not_compensation', `templateCode: ${template.code} is not a compensation template`, [{ path: 'templateCode', message: 'not a compensation template' }]);
    } else {
      const [row] = await query(this.db, sql`select * from promotions.coupon_templates where purpose = 'compensation' and status = 'active' and code not like 'COMP-%' order by created_at desc, id desc limit 1`);
      if (!row && input.amountFen === undefined) throw notFound('promotions.no_compensation_template', 'no active compensation template');
      template = row ? templateOf(row) : (null as unknown as CouponTemplate);
    }
    if (input.amountFen !== undefined) template = await this.amountTemplate(input.amountFen, template ?? null, actor);
    return this.issueToCustomer(template.id, { customerId: input.customerId, idempotencyKey: key, source: 'compensation', sourceRef: input.reference.trim(), at: input.at ?? new Date() });
  }

  private async amountTemplate(amountFen: number, base: CouponTemplate | null, actor: string): Promise<CouponTemplate> {
    const code = `COMP-${amountFen}`;
    await query(
      this.db,
      sql`insert into promotions.coupon_templates (id, code, name, purpose, status, definition, conditions, valid_from, valid_to, valid_days, priority, return_policy, created_by)
          values (${newId()}, ${code}, ${`补偿券 ¥${(amountFen / 100).toFixed(2)}`}, 'compensation', 'active',
            ${JSON.stringify({ scope: { kind: 'order' }, rule: { kind: 'fixed', offFen: amountFen } })}::jsonb, '{}'::jsonb,
            null, ${base?.validDays ? null : (base?.validTo ?? null)}, ${base?.validDays ?? (base?.validTo ? null : 90)}, ${base?.priority ?? 200},
            ${base?.returnPolicy ?? 'restore'}, ${actor})
          on conflict (code) do nothing`,
    );
    return this.getTemplate(code);
  }

  // ---------------------------------------------------------------- coupons

  async getCouponById(id: string, db: Db = this.db): Promise<Coupon> {
    const [row] = await query(db, sql`select ${COUPON_COLUMNS} from promotions.coupons c join promotions.coupon_templates t on t.id = c.template_id where c.id = ${id}`);
    if (!row) throw notFound('promotions.coupon_not_found', `no coupon ${id}`);
    return couponOf(row);
  }

  async getCoupon(code: string): Promise<Coupon> {
    const [row] = await query(
      this.db,
      sql`select ${COUPON_COLUMNS} from promotions.coupon_templates t, ${BY_CODE(sql`${code.trim().toUpperCase()}`)} and t.id = c.template_id`,
    );
    if (!row) throw notFound('promotions.coupon_not_found', `no coupon ${code}`);
    return couponOf(row);
  }

  async listCoupons(filter: { customerId?: string; templateId?: string; status?: string; limit?: number; offset?: number }): Promise<{ total: number; items: Coupon[] }> {
    const where = sql`(${filter.customerId ?? null}::uuid is null or c.customer_id = ${filter.customerId ?? null})
      and (${filter.templateId ?? null}::uuid is null or c.template_id = ${filter.templateId ?? null})
      and (${filter.status ?? null}::text is null or c.status = ${filter.status ?? null})`;
    const [count] = await query<{ n: number }>(this.db, sql`select count(*)::int as n from promotions.coupons c where ${where}`);
    const rows = await query(
      this.db,
      sql`select ${COUPON_COLUMNS} from promotions.coupons c join promotions.coupon_templates t on t.id = c.template_id
          where ${where} order by c.created_at desc, c.id desc limit ${filter.limit ?? 100} offset ${filter.offset ?? 0}`,
    );
    return { total: Number(count!.n), items: rows.map(couponOf) };
  }

  /** A customer's wallet: usable coupons first (soonest to expire first), then the rest, newest first. */
  async wallet(customerId: string): Promise<Coupon[]> {
    const rows = await query(
      this.db,
      sql`select ${COUPON_COLUMNS} from promotions.coupons c join promotions.coupon_templates t on t.id = c.template_id
          where c.customer_id = ${customerId}
          order by (c.status = 'issued') desc, case when c.status = 'issued' then c.valid_to end asc nulls last, c.created_at desc, c.id desc
          limit 500`,
    );
    return rows.map(couponOf);
  }

  /** Void a coupon (not a redeemed or reserved one); voiding a void coupon again answers it unchanged. */
  async voidCoupon(code: string, reason: string, at: Date = new Date()): Promise<Coupon> {
    if (!reason?.trim()) throw invalid('promotions.reason_required', 'reason: required', [{ path: 'reason', message: 'required' }]);
    return this.db.transaction(async (tx) => {
      const [row] = await query<{ id: string; status: CouponStatus }>(tx, sql`select c.id, c.status from ${BY_CODE(sql`${code.trim().toUpperCase()}`)} for update of c`);
      if (!row) throw notFound('promotions.coupon_not_found', `no coupon ${code}`);
      if (row.status === 'void') return this.getCouponById(row.id, tx);
      if (row.status === 'redeemed' || row.status === 'reserved')
        throw conflict(`promotions.coupon_${row.status}`, `coupon ${code} is ${row.status}: it cannot be voided`);
      await query(tx, sql`update promotions.coupons set status = 'void', voided_at = ${at}, void_reason = ${reason.trim()}, updated_at = now() where id = ${row.id}`);
      return this.getCouponById(row.id, tx);
    });
  }

  /** Issued coupons past their validTo become 'expired' (the nightly job; `now` explicit for tests). */
  async expireDue(now: Date = new Date()): Promise<{ expired: number }> {
    const rows = await query<{ n: number }>(
      this.db,
      sql`with x as (update promotions.coupons set status = 'expired', updated_at = now()
                     where status = 'issued' and valid_to <= ${now} returning 1)
          select count(*)::int as n from x`,
    );
    return { expired: Number(rows[0]!.n) };
  }

  // ---------------------------------------------------------------- checkout

  /**
   * The coupons a checkout may apply, their rows locked (`for update`) until the checkout's transaction ends, and the
   * codes refused with the reason. A pool code (available, no customer) may be used by an identified customer, as many
   * of the template as its per-customer limit allows (1 when it has none).
   */
  async candidatesForCheckout(
    tx: Db,
    input: { customerId: string | null; codes: string[]; at: Date; ctx: CheckoutContext },
  ): Promise<CheckoutCoupons> {
    const out: CheckoutCoupons = { candidates: [], refused: [] };
    const refuse = (code: string, reason: CouponRefusal) => out.refused.push({ code, reason, message: MESSAGES[reason] ?? reason });
    const wanted: string[] = [];
    const seen = new Set<string>();
    for (const raw of input.codes) {
      const code = raw.trim().toUpperCase();
      if (seen.has(code)) refuse(code, 'duplicate_code');
      else {
        seen.add(code);
        wanted.push(code);
      }
    }
    if (wanted.length === 0) return out;
    const rows = await query(
      tx,
      sql`select c.* from promotions.coupon_codes k join promotions.coupons c on c.customer_id = k.customer_id and c.id = k.coupon_id
          where k.code = any(${sql.param(wanted)}::text[]) order by c.id for update of c`,
    );
    const byCode = new Map(rows.map((r) => [r.code as string, r]));
    const templateIds = [...new Set(rows.map((r) => r.template_id as string))];
    const templates = new Map(
      (templateIds.length ? await query(tx, sql`select * from promotions.coupon_templates where id = any(${sql.param(templateIds)}::uuid[])`) : []).map((r) => [
        r.id as string,
        templateOf(r),
      ]),
    );
    // What the customer already has of each template (for pool codes: the per-customer limit).
    const held = new Map<string, number>();
    if (input.customerId && templateIds.length) {
      const counts = await query<{ template_id: string; n: number }>(
        tx,
        sql`select template_id, count(*)::int as n from promotions.coupons
            where customer_id = ${input.customerId} and template_id = any(${sql.param(templateIds)}::uuid[]) and status <> 'void'
            group by template_id`,
      );
      for (const c of counts) held.set(c.template_id, Number(c.n));
    }
    for (const code of wanted) {
      const r = byCode.get(code);
      if (!r) {
        refuse(code, 'unknown_code');
        continue;
      }
      const t = templates.get(r.template_id as string)!;
      const status = r.status as CouponStatus;
      const owner = r.assigned ? (r.customer_id as string) : null;
      if (status === 'void' || status === 'redeemed' || status === 'expired') {
        refuse(code, status);
        continue;
      }
      if (!input.customerId) {
        refuse(code, status === 'available' ? 'customer_required' : 'not_yours');
        continue;
      }
      if (status !== 'available' && owner !== input.customerId) {
        refuse(code, 'not_yours');
        continue;
      }
      if (status === 'reserved') {
        refuse(code, 'reserved');
        continue;
      }
      if (t.status !== 'active') {
        refuse(code, t.status === 'paused' ? 'template_paused' : 'template_ended');
        continue;
      }
      const window = status === 'available' ? this.windowFor(t, input.at) : { validFrom: d(r.valid_from), validTo: d(r.valid_to) };
      if (window.validFrom && input.at < window.validFrom) {
        refuse(code, 'not_yet_valid');
        continue;
      }
      if (window.validTo && input.at >= window.validTo) {
        refuse(code, 'expired');
        continue;
      }
      const why = ineligibility(t.conditions, input.ctx);
      if (why) {
        refuse(code, why);
        continue;
      }
      if (status === 'available') {
        const n = held.get(t.id) ?? 0;
        if (n >= (t.perCustomerLimit ?? 1)) {
          refuse(code, 'per_customer_limit');
          continue;
        }
        held.set(t.id, n + 1);
      }
      out.candidates.push({
        couponId: r.id as string,
        code,
        templateId: t.id,
        templateCode: t.code,
        name: t.name,
        withPromotions: t.withPromotions,
        promotion: couponPromotion(code, t),
      });
    }
    return out;
  }

  /**
   * issued (the customer's) | available → reserved, binding a pool code to the customer. A guarded update: when any
   * coupon changed since it was a candidate, 409 promotions.coupon_unavailable and nothing is reserved.
   */
  async reserve(tx: Db, couponIds: string[], reservationId: string, customerId: string): Promise<void> {
    if (couponIds.length === 0) return;
    const ids = [...new Set(couponIds.map((id) => id.toLowerCase()))].sort();
    const reserved = { status: sql`'reserved'`, reservation_id: sql`${reservationId}::uuid`, assigned: sql`true`, updated_at: sql`now()` };
    // The customer's own issued coupons stay under the customer: an update in place.
    const rows = await query<{ id: string; code: string; customer_id: string }>(
      tx,
      sql`update promotions.coupons set status = 'reserved', reservation_id = ${reservationId}, assigned = true, updated_at = now()
          where customer_id = ${customerId}::uuid and id = any(${sql.param(ids)}::uuid[]) and status = 'issued' and assigned
          returning id, code, customer_id`,
    );
    // A pool code changes owner, from its synthetic pool owner to the customer: customer_id is the distribution column
    // on Citus (ADR 0014), so the row moves (moveCustomerRows: delete + insert), one call per code (each has its own
    // pool owner); its coupon_codes row follows (syncCodes).
    const own = new Set(rows.map((r) => r.id));
    for (const id of ids.filter((i) => !own.has(i))) {
      rows.push(
        ...(await moveCustomerRows<{ id: string; code: string; customer_id: string }>(tx, 'promotions.coupons', poolOwner(id), customerId, {
          where: sql`t.id = ${id}::uuid and t.status = 'available' and not t.assigned`,
          set: reserved,
          returning: ['id', 'code', 'customer_id'],
        })),
      );
    }
    if (rows.length !== ids.length) throw conflict('promotions.coupon_unavailable', 'a coupon is no longer available (used, voided or held by another checkout)');
    await this.syncCodes(tx, rows);
  }

  /** coupon_codes follows its coupons' customer_id. */
  private async syncCodes(tx: Db, rows: Array<{ code: string; customer_id: string }>): Promise<void> {
    if (rows.length === 0) return;
    await tx.execute(
      sql`update promotions.coupon_codes k set customer_id = x.customer_id
          from unnest(${sql.param(rows.map((r) => r.code))}::text[], ${sql.param(rows.map((r) => r.customer_id))}::uuid[]) as x(code, customer_id)
          where k.code = x.code and k.customer_id <> x.customer_id`,
    );
  }

  /** reserved → redeemed for the reservation's coupons; a pool code becomes the customer's (issued now). */
  async commit(tx: Db, reservationId: string, orderId: string | null, at: Date = new Date()): Promise<number> {
    const rows = await query<{ id: string; valid_to: Date | string | null; issued_at: Date | string | null; template_id: string }>(
      tx,
      sql`update promotions.coupons set status = 'redeemed', order_id = ${orderId}, redeemed_at = ${at}, updated_at = now()
          where reservation_id = ${reservationId} and status = 'reserved' returning id, valid_to, issued_at, template_id`,
    );
    const pool = rows.filter((r) => r.issued_at === null);
    for (const r of pool) {
      const t = await this.getTemplate(r.template_id, tx);
      const w = this.windowFor(t, at);
      await query(
        tx,
        sql`update promotions.coupons set issued_at = ${at}, valid_from = coalesce(valid_from, ${w.validFrom}), valid_to = coalesce(valid_to, ${w.validTo}) where id = ${r.id}`,
      );
    }
    return rows.length;
  }

  /** reserved → issued (or back to available, unbound, for a pool code bound at reserve). */
  async release(tx: Db, reservationId: string): Promise<number> {
    const rows = await query<{ code: string; customer_id: string }>(
      tx,
      sql`update promotions.coupons set status = 'issued', assigned = true, reservation_id = null, updated_at = now()
          where reservation_id = ${reservationId} and status = 'reserved' and issued_at is not null returning code, customer_id`,
    );
    // A pool code bound at reserve (never issued) goes back to its synthetic pool owner: a move (moveCustomerRows,
    // delete + insert: customer_id is the distribution column on Citus, ADR 0014), one call per code.
    // (Each move checks the row again: one committed or released meanwhile is left alone.)
    const bound = await query<{ id: string; customer_id: string }>(
      tx,
      sql`select id, customer_id from promotions.coupons where reservation_id = ${reservationId} and status = 'reserved' and issued_at is null order by id`,
    );
    for (const c of bound) {
      rows.push(
        ...(await moveCustomerRows<{ code: string; customer_id: string }>(tx, 'promotions.coupons', c.customer_id, poolOwner(c.id), {
          where: sql`t.id = ${c.id}::uuid and t.reservation_id = ${reservationId}::uuid and t.status = 'reserved' and t.issued_at is null`,
          set: { status: sql`'available'`, assigned: sql`false`, reservation_id: sql`null`, updated_at: sql`now()` },
          returning: ['code', 'customer_id'],
        })),
      );
    }
    await this.syncCodes(tx, rows);
    return rows.length;
  }

  /** redeemed → issued when the template's return policy is 'restore' and the coupon is still valid at `at`. */
  async restoreForReturn(tx: Db, couponId: string, at: Date): Promise<boolean> {
    const rows = await query(
      tx,
      sql`update promotions.coupons c set status = 'issued', order_id = null, redeemed_at = null, reservation_id = null, updated_at = now()
          from promotions.coupon_templates t
          where c.id = ${couponId} and t.id = c.template_id and c.status = 'redeemed' and t.return_policy = 'restore'
            and (c.valid_to is null or c.valid_to > ${at})
          returning c.id`,
    );
    return rows.length === 1;
  }
}

function runOf(r: Record<string, unknown>, replayed: boolean): IssueRun {
  return {
    id: r.id as string,
    templateId: r.template_id as string,
    segmentId: (r.segment_id as string | null) ?? null,
    holdoutPercent: Number(r.holdout_percent),
    issued: Number(r.issued),
    heldOut: Number(r.held_out),
    skipped: Number(r.skipped),
    actor: r.actor as string,
    createdAt: new Date(r.created_at as string),
    replayed,
  };
}
