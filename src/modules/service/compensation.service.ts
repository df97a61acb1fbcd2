import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { pgCode, query, queryOne, type Db } from '../../platform/db/database.js';
import { AppError, conflict, forbidden, invalid, notFound, type FieldIssue } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { type CompensationAction, type CompensationOption, type CompensationPolicyInput, type CompensationPolicyPatch, type ProposeInput } from './compensation.schemas.js';
import type { CouponsService } from '../promotions/index.js';
import type { LedgerService, ProgramService } from '../loyalty/index.js';
import type { OrdersService, ReturnInput } from '../orders/index.js';
import { SERVICE_EVENTS } from './service.contract.js';
import { addTicketEvents } from './timeline.js';

/** What the compensation part needs from promotions, loyalty and orders (their real services in the app). */
export interface CompensationDeps {
  coupons: Pick<CouponsService, 'issueCompensation'>;
  ledger: Pick<LedgerService, 'adjust'>;
  orders: Pick<OrdersService, 'recordReturns'>;
  /** The loyalty programme's rules in force now: a point's cash value (pointsPerYuanCash). */
  program: Pick<ProgramService, 'current'>;
}

/** Who is asking: the actor string kept on records (`apikey:name`, `staff:name`) and their scopes. */
export interface Caller {
  actor: string;
  scopes: ReadonlySet<string>;
}

export interface CompensationPolicy {
  id: string;
  code: string;
  name: string;
  severity: string;
  categories: string[];
  options: CompensationOption[];
  approvalScope: 'service:write' | 'service:approve';
  maxTotalFen: number | null;
  status: 'active' | 'archived';
  createdAt: string;
  updatedAt: string;
}

export type CompensationStatus = 'proposed' | 'approved' | 'rejected' | 'executed' | 'failed' | 'cancelled';

/** What one action produced (results[n - 1] is action n, once done). */
export interface ActionResult {
  n: number;
  type: CompensationAction['type'];
  key: string;
  status: 'done';
  at: string;
  valueFen: number;
  couponId?: string;
  couponCode?: string;
  ledgerEntryId?: string;
  points?: number;
  returnId?: string;
  refundFen?: number;
  /** Staff actions (exchange, priority shipping, cash): carried out outside Kemai, recorded with this note. */
  note?: string;
}

export interface Compensation {
  id: string;
  ticketId: string;
  ticketNumber: number;
  policyId: string | null;
  policyCode: string | null;
  optionCode: string | null;
  /** The scope an approver must hold (custom actions: service:approve). */
  approvalScope: string;
  actions: CompensationAction[];
  totalFen: number;
  status: CompensationStatus;
  note: string | null;
  proposedBy: string;
  proposedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  executedAt: string | null;
  results: ActionResult[];
  error: string | null;
}

export interface PricedAction {
  action: CompensationAction;
  valueFen: number;
}

export interface CompensationOptionView {
  policyCode: string;
  policyName: string;
  approvalScope: string;
  maxTotalFen: number | null;
  optionCode: string;
  name: string;
  actions: PricedAction[];
  totalFen: number;
  /** False when the ticket cannot take it (no customer for a coupon or points, no order for a refund, over the cap). */
  available: boolean;
  reasons: string[];
}

/**
 * The seeds' default policies (ensureDefaults inserts the ones whose code is missing; archived ones stay archived).
 * Severe "extra compensation" is a ¥50 coupon and 500 points on top of the full refund of the order, capped at ¥5,000.
 */
export const DEFAULT_COMPENSATION_POLICIES: readonly CompensationPolicyInput[] = [
  {
    code: 'minor_late_delivery',
    name: '轻微 · 发货延迟 Late delivery',
    severity: 'minor',
    categories: ['late_delivery'],
    options: [
      { code: 'A_coupon_5', name: '¥5 优惠券 ¥5 coupon', actions: [{ type: 'coupon', amountFen: 500 }] },
      { code: 'B_priority_shipping', name: '优先发货 Priority shipping', actions: [{ type: 'priority_shipping' }] },
    ],
    approvalScope: 'service:write',
    maxTotalFen: 500,
    status: 'active',
  },
  {
    code: 'medium_damaged_product',
    name: '中等 · 商品破损 Damaged product',
    severity: 'medium',
    categories: ['damaged_product'],
    options: [{ code: 'exchange_coupon_10', name: '换货 + ¥10 优惠券 Exchange + ¥10 coupon', actions: [{ type: 'exchange' }, { type: 'coupon', amountFen: 1000 }] }],
    approvalScope: 'service:approve',
    maxTotalFen: 1000,
    status: 'active',
  },
  {
    code: 'severe_quality_loss',
    name: '严重 · 质量问题造成损失 Loss caused by quality',
    severity: 'severe',
    categories: ['quality_issue'],
    options: [
      {
        code: 'full_refund_plus',
        name: '全额退款 + ¥50 优惠券 + 500 积分 Full refund + ¥50 coupon + 500 points',
        actions: [{ type: 'refund', scope: 'full' }, { type: 'coupon', amountFen: 5000 }, { type: 'points', points: 500 }],
      },
    ],
    approvalScope: 'service:approve',
    maxTotalFen: 500_000,
    status: 'active',
  },
];

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function policyOf(r: Row): CompensationPolicy {
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    severity: String(r.severity),
    categories: (r.categories as string[]) ?? [],
    options: json<CompensationOption[]>(r.options),
    approvalScope: r.approval_scope as CompensationPolicy['approvalScope'],
    maxTotalFen: r.max_total_fen == null ? null : Number(r.max_total_fen),
    status: r.status as CompensationPolicy['status'],
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

const COMPENSATION_COLUMNS = sql`c.*, t.number as ticket_number, p.code as policy_code, coalesce(p.approval_scope, 'service:approve') as approval_scope`;

function compensationOf(r: Row): Compensation {
  return {
    id: String(r.id),
    ticketId: String(r.ticket_id),
    ticketNumber: Number(r.ticket_number),
    policyId: (r.policy_id as string | null) ?? null,
    policyCode: (r.policy_code as string | null) ?? null,
    optionCode: (r.option_code as string | null) ?? null,
    approvalScope: String(r.approval_scope),
    actions: json<CompensationAction[]>(r.actions),
    totalFen: Number(r.total_fen),
    status: r.status as CompensationStatus,
    note: (r.note as string | null) ?? null,
    proposedBy: String(r.proposed_by),
    proposedAt: iso(r.proposed_at)!,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: iso(r.decided_at),
    decisionNote: (r.decision_note as string | null) ?? null,
    executedAt: iso(r.executed_at),
    results: json<ActionResult[]>(r.results) ?? [],
    error: (r.error as string | null) ?? null,
  };
}

interface TicketRow {
  id: string;
  number: number;
  severity: string | null;
  category: string | null;
  customer_id: string | null;
  order_id: string | null;
}

/** The idempotency key of a compensation's action n (1-based): coupons' reference, the ledger's key, the return's externalId. */
export const actionKey = (ticketId: string, compensationId: string, n: number) => `ticket:${ticketId}:comp:${compensationId}:${n}`;

/**
 * Compensation by severity: policies (options of actions), proposals on a ticket, approval by role, and execution
 * through promotions (coupons), loyalty (points) and orders (the refund as a return) exactly once.
 *
 * Execution claims the row (locked, status approved or failed), runs each action not yet done with its key
 * `ticket:<ticket>:comp:<id>:<n>`, then records the results under the lock again. The services each run their own
 * transaction (PGlite has one connection, so they cannot run inside ours): what makes a second run pay nothing is
 * the key — a concurrent or repeated run gets the same coupon, ledger entry and return back — and the final
 * status change happens once under the row lock (a runner that finds it executed answers what is recorded).
 */
export class CompensationService {
  private clock: Clock = systemClock;
  private defaults: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly deps: CompensationDeps,
  ) {}

  useClock(clock: Clock): void {
    this.clock = clock;
  }

  // ------------------------------------------------------------------ policies

  /** Inserts the default policies whose code is missing (idempotent; an edited or archived policy is left as it is). */
  async ensureDefaults(): Promise<void> {
    for (const p of DEFAULT_COMPENSATION_POLICIES) {
      await this.db.execute(
        sql`insert into service.compensation_policies (id, code, name, severity, categories, options, approval_scope, max_total_fen, status)
            values (${newId()}, ${p.code}, ${p.name}, ${p.severity}, ${sql.param(p.categories)}::text[], ${JSON.stringify(p.options)}::jsonb,
              ${p.approvalScope}, ${p.maxTotalFen}, ${p.status})
            on conflict (code) do nothing`,
      );
    }
  }

  /** Defaults once per process, before the first read of the policies. */
  private ready(): Promise<void> {
    this.defaults ??= this.ensureDefaults().catch((e) => {
      this.defaults = undefined;
      throw e;
    });
    return this.defaults;
  }

  async listPolicies(filter: { status?: string; severity?: string } = {}): Promise<CompensationPolicy[]> {
    await this.ready();
    const rows = await query(
      this.db,
      sql`select * from service.compensation_policies
          where (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
            and (${filter.severity ?? null}::text is null or severity = ${filter.severity ?? null})
          order by array_position(array['minor', 'medium', 'severe'], severity), code`,
    );
    return rows.map(policyOf);
  }

  async getPolicy(code: string, db: Db = this.db): Promise<CompensationPolicy> {
    await this.ready();
    const row = await queryOne(db, sql`select * from service.compensation_policies where code = ${code} or id::text = ${code}`);
    if (!row) throw notFound('service.policy_not_found', `no compensation policy ${code}`);
    return policyOf(row);
  }

  async createPolicy(input: CompensationPolicyInput): Promise<CompensationPolicy> {
    await this.ready();
    await this.checkTemplates(input.options);
    try {
      const row = await queryOne(
        this.db,
        sql`insert into service.compensation_policies (id, code, name, severity, categories, options, approval_scope, max_total_fen, status)
            values (${newId()}, ${input.code}, ${input.name}, ${input.severity}, ${sql.param(input.categories)}::text[], ${JSON.stringify(input.options)}::jsonb,
              ${input.approvalScope}, ${input.maxTotalFen}, ${input.status})
            returning *`,
      );
      return policyOf(row!);
    } catch (e) {
      if (pgCode(e) === '23505') throw conflict('service.policy_exists', `a compensation policy ${input.code} exists`, { issues: [{ path: 'code', message: 'already used' }] });
      throw e;
    }
  }

  async updatePolicy(code: string, patch: CompensationPolicyPatch): Promise<CompensationPolicy> {
    const current = await this.getPolicy(code);
    if (patch.options) await this.checkTemplates(patch.options);
    const row = await queryOne(
      this.db,
      sql`update service.compensation_policies set
            name = ${patch.name ?? current.name},
            severity = ${patch.severity ?? current.severity},
            categories = ${sql.param(patch.categories ?? current.categories)}::text[],
            options = ${JSON.stringify(patch.options ?? current.options)}::jsonb,
            approval_scope = ${patch.approvalScope ?? current.approvalScope},
            max_total_fen = ${patch.maxTotalFen !== undefined ? patch.maxTotalFen : current.maxTotalFen},
            status = ${patch.status ?? current.status},
            updated_at = ${this.clock.now().toISOString()}::timestamptz
          where id = ${current.id} returning *`,
    );
    return policyOf(row!);
  }

  /** Policies are archived, never deleted: compensations keep pointing at them. */
  async archivePolicy(code: string): Promise<CompensationPolicy> {
    return this.updatePolicy(code, { status: 'archived' });
  }

  /** A coupon action naming a template must name an existing compensation template. */
  private async checkTemplates(options: readonly CompensationOption[], pathOf = (i: number, j: number) => `options.${i}.actions.${j}.templateCode`): Promise<void> {
    const issues: FieldIssue[] = [];
    for (const [i, o] of options.entries())
      for (const [j, a] of o.actions.entries()) {
        if (a.type !== 'coupon' || !a.templateCode) continue;
        const t = await queryOne<{ purpose: string }>(this.db, sql`select purpose from promotions.coupon_templates where code = ${a.templateCode}`);
        if (!t) issues.push({ path: pathOf(i, j), message: `no coupon template ${a.templateCode}` });
        else if (t.purpose !== 'compensation') issues.push({ path: pathOf(i, j), message: `${a.templateCode} is not a compensation template` });
      }
    if (issues.length > 0) throw invalid('service.invalid_template', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }

  // ------------------------------------------------------------------ options and proposals

  /** A ticket by its id or its number (`T-123` or `123`). */
  private async ticket(ticketId: string, db: Db = this.db): Promise<TicketRow> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ticketId);
    const number = /^(T-)?\d{1,15}$/i.test(ticketId) ? Number(ticketId.replace(/^T-/i, '')) : null;
    const t =
      uuid || number !== null
        ? await queryOne<TicketRow>(
            db,
            uuid
              ? sql`select id, number, severity, category, customer_id, order_id from service.tickets where id = ${ticketId}::uuid`
              : sql`select id, number, severity, category, customer_id, order_id from service.tickets where number = ${number}`,
          )
        : undefined;
    if (!t) throw notFound('service.ticket_not_found', `no ticket ${ticketId}`);
    return { ...t, number: Number(t.number) };
  }

  /** The money value of each action: coupons their amount (a template's fixed or largest stepped discount), points their cash value, the refund what is left to refund on the order, cash its amount; exchange and priority shipping 0. */
  private async price(actions: readonly CompensationAction[], ticket: TicketRow): Promise<PricedAction[]> {
    const out: PricedAction[] = [];
    for (const action of actions) {
      let valueFen = 0;
      if (action.type === 'coupon') {
        if (action.amountFen !== undefined) valueFen = action.amountFen;
        else {
          const t = await queryOne<{ value: number | string | null }>(
            this.db,
            sql`select case definition->'rule'->>'kind'
                  when 'fixed' then (definition->'rule'->>'offFen')::bigint
                  when 'threshold' then (select max((x->>'offFen')::bigint) from jsonb_array_elements(definition->'rule'->'tiers') x)
                  else 0 end as value
                from promotions.coupon_templates where code = ${action.templateCode!}`,
          );
          valueFen = Number(t?.value ?? 0);
        }
      } else if (action.type === 'points') {
        const rules = await this.deps.program.current();
        valueFen = Math.floor((action.points * 100) / rules.pointsPerYuanCash);
      } else if (action.type === 'refund') {
        valueFen = ticket.order_id ? (await this.refundPlan(ticket.order_id, '')).refundFen : 0;
      } else if (action.type === 'cash') valueFen = action.amountFen;
      out.push({ action, valueFen });
    }
    return out;
  }

  /** What a ticket cannot take: coupons and points need its customer, a refund its order. */
  private blockers(actions: readonly CompensationAction[], ticket: TicketRow, at: (j: number) => string): FieldIssue[] {
    const issues: FieldIssue[] = [];
    actions.forEach((a, j) => {
      if ((a.type === 'coupon' || a.type === 'points') && !ticket.customer_id)
        issues.push({ path: 'customerId', message: `the ticket has no customer: ${at(j)} (${a.type}) cannot be given` });
      if (a.type === 'refund' && !ticket.order_id) issues.push({ path: 'orderId', message: `the ticket has no order: ${at(j)} (refund) cannot be made` });
    });
    return issues;
  }

  /** The options of the active policies matching the ticket's severity and category (a policy naming categories first). */
  async options(ticketId: string): Promise<{ ticketId: string; severity: string | null; category: string | null; items: CompensationOptionView[] }> {
    await this.ready();
    const ticket = await this.ticket(ticketId);
    const policies = ticket.severity ? await this.matching(ticket) : [];
    const items: CompensationOptionView[] = [];
    for (const p of policies)
      for (const o of p.options) {
        const priced = await this.price(o.actions, ticket);
        const totalFen = priced.reduce((s, a) => s + a.valueFen, 0);
        const reasons = this.blockers(o.actions, ticket, (j) => `action ${j + 1}`).map((i) => i.message);
        if (p.maxTotalFen !== null && totalFen > p.maxTotalFen) reasons.push(`worth ${totalFen} fen, over the policy's cap of ${p.maxTotalFen} fen`);
        items.push({
          policyCode: p.code,
          policyName: p.name,
          approvalScope: p.approvalScope,
          maxTotalFen: p.maxTotalFen,
          optionCode: o.code,
          name: o.name,
          actions: priced,
          totalFen,
          available: reasons.length === 0,
          reasons,
        });
      }
    return { ticketId: ticket.id, severity: ticket.severity, category: ticket.category, items };
  }

  private async matching(ticket: TicketRow): Promise<CompensationPolicy[]> {
    const rows = await query(
      this.db,
      sql`select * from service.compensation_policies
          where status = 'active' and severity = ${ticket.severity}
            and (cardinality(categories) = 0 or ${ticket.category}::text = any(categories))
          order by (cardinality(categories) = 0), code`,
    );
    return rows.map(policyOf);
  }

  /**
   * Propose a compensation on a ticket: a policy's option (service:write), or custom actions (service:approve).
   * 400 names the field (policyCode, optionCode, customerId, orderId, actions); 409 when the ticket already has an
   * open (proposed, approved or failed) compensation.
   */
  async propose(ticketId: string, input: ProposeInput, caller: Caller): Promise<Compensation> {
    await this.ready();
    const ticket = await this.ticket(ticketId);
    let policy: CompensationPolicy | null = null;
    let actions: CompensationAction[];
    let optionCode: string | null = null;
    if (input.actions) {
      if (!caller.scopes.has('service:approve')) throw forbidden('service.custom_needs_approve', 'custom compensation actions need the service:approve permission');
      actions = input.actions;
      await this.checkTemplates([{ code: 'custom', name: 'custom', actions }], (_i, j) => `actions.${j}.templateCode`);
    } else {
      const row = await queryOne(this.db, sql`select * from service.compensation_policies where code = ${input.policyCode!}`);
      if (!row) throw invalid('service.policy_not_found', `policyCode: no compensation policy ${input.policyCode}`, [{ path: 'policyCode', message: `no compensation policy ${input.policyCode}` }]);
      policy = policyOf(row);
      const mismatch =
        policy.status !== 'active'
          ? `${policy.code} is archived`
          : policy.severity !== ticket.severity
            ? `${policy.code} is for ${policy.severity} tickets; this one is ${ticket.severity ?? 'without severity'}`
            : policy.categories.length > 0 && !policy.categories.includes(ticket.category ?? '')
              ? `${policy.code} is for ${policy.categories.join(', ')}; this ticket is ${ticket.category ?? 'without category'}`
              : null;
      if (mismatch) throw invalid('service.policy_not_applicable', `policyCode: ${mismatch}`, [{ path: 'policyCode', message: mismatch }]);
      const option = policy.options.find((o) => o.code === input.optionCode);
      if (!option) {
        const message = `${policy.code} has no option ${input.optionCode} (it has ${policy.options.map((o) => o.code).join(', ')})`;
        throw invalid('service.option_not_found', `optionCode: ${message}`, [{ path: 'optionCode', message }]);
      }
      actions = option.actions;
      optionCode = option.code;
    }
    const blocked = this.blockers(actions, ticket, (j) => (input.actions ? `actions.${j}` : `option ${optionCode} action ${j + 1}`));
    if (blocked.length > 0) throw invalid('service.compensation_not_possible', blocked.map((i) => `${i.path}: ${i.message}`).join('; '), blocked);
    const priced = await this.price(actions, ticket);
    const totalFen = priced.reduce((s, a) => s + a.valueFen, 0);
    if (policy?.maxTotalFen != null && totalFen > policy.maxTotalFen) {
      const message = `worth ${totalFen} fen, over the policy's cap of ${policy.maxTotalFen} fen`;
      throw invalid('service.over_cap', `optionCode: ${message}`, [{ path: 'optionCode', message }]);
    }
    const id = newId();
    const now = this.clock.now();
    try {
      await this.db.transaction(async (tx) => {
        await tx.execute(
          sql`insert into service.compensations (id, ticket_id, policy_id, option_code, actions, total_fen, status, note, proposed_by, proposed_at)
              values (${id}, ${ticket.id}, ${policy?.id ?? null}, ${optionCode}, ${JSON.stringify(actions)}::jsonb, ${totalFen}, 'proposed',
                ${input.note ?? null}, ${caller.actor}, ${now.toISOString()}::timestamptz)`,
        );
        await addTicketEvents(tx, [
          {
            ticketId: ticket.id,
            kind: 'compensation_proposed',
            visibility: 'internal',
            actor: caller.actor,
            body: input.note ?? null,
            at: now,
            detail: { compensationId: id, policyCode: policy?.code ?? null, optionCode, actions, totalFen },
          },
        ]);
      });
    } catch (e) {
      if (pgCode(e) === '23505') throw conflict('service.compensation_open', 'the ticket already has an open compensation (proposed, approved or failed): decide, retry or cancel it first');
      throw e;
    }
    return this.get(id);
  }

  async get(id: string, db: Db = this.db): Promise<Compensation> {
    const row = await queryOne(
      db,
      sql`select ${COMPENSATION_COLUMNS} from service.compensations c join service.tickets t on t.id = c.ticket_id
          left join service.compensation_policies p on p.id = c.policy_id where c.id = ${id}`,
    );
    if (!row) throw notFound('service.compensation_not_found', `no compensation ${id}`);
    return compensationOf(row);
  }

  async forTicket(ticketId: string): Promise<Compensation[]> {
    ticketId = (await this.ticket(ticketId)).id;
    const rows = await query(
      this.db,
      sql`select ${COMPENSATION_COLUMNS} from service.compensations c join service.tickets t on t.id = c.ticket_id
          left join service.compensation_policies p on p.id = c.policy_id where c.ticket_id = ${ticketId} order by c.proposed_at, c.id`,
    );
    return rows.map(compensationOf);
  }

  /** The row locked for a change, with the scope its approver needs. */
  private async locked(tx: Db, id: string): Promise<Compensation> {
    const row = await queryOne(tx, sql`select id from service.compensations where id = ${id} for update`);
    if (!row) throw notFound('service.compensation_not_found', `no compensation ${id}`);
    return this.get(id, tx);
  }

  // ------------------------------------------------------------------ decisions

  /**
   * Approve (then execute at once) or reject a proposal. The caller must hold the policy's approval scope
   * (custom actions: service:approve); under service:approve the approver may not be the proposer.
   */
  async approve(id: string, caller: Caller, note?: string): Promise<Compensation> {
    await this.decide(id, 'approved', caller, note);
    return this.execute(id, caller);
  }

  async reject(id: string, caller: Caller, note?: string): Promise<Compensation> {
    await this.decide(id, 'rejected', caller, note);
    return this.get(id);
  }

  private async decide(id: string, to: 'approved' | 'rejected', caller: Caller, note: string | undefined): Promise<void> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const c = await this.locked(tx, id);
      if (c.status !== 'proposed') throw conflict('service.compensation_not_proposed', `the compensation is ${c.status}; only a proposed one can be ${to}`);
      if (!caller.scopes.has(c.approvalScope)) throw forbidden('service.approval_scope', `this compensation needs the ${c.approvalScope} permission to be ${to}`);
      if (to === 'approved' && c.approvalScope === 'service:approve' && c.proposedBy === caller.actor)
        throw forbidden('service.self_approval', 'the proposer cannot approve their own compensation: someone else with service:approve must');
      await tx.execute(
        sql`update service.compensations set status = ${to}, decided_by = ${caller.actor}, decided_at = ${now.toISOString()}::timestamptz, decision_note = ${note ?? null}
            where id = ${id}`,
      );
      await addTicketEvents(tx, [
        {
          ticketId: c.ticketId,
          kind: to === 'approved' ? 'compensation_approved' : 'compensation_rejected',
          visibility: 'internal',
          actor: caller.actor,
          body: note ?? null,
          at: now,
          detail: { compensationId: id, totalFen: c.totalFen },
        },
      ]);
    });
  }

  /** Cancel a proposed, approved or failed compensation; actions a failed run completed stay done (see results). */
  async cancel(id: string, caller: Caller, note?: string): Promise<Compensation> {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const c = await this.locked(tx, id);
      if (!['proposed', 'approved', 'failed'].includes(c.status)) throw conflict('service.compensation_closed', `the compensation is ${c.status} and cannot be cancelled`);
      await tx.execute(sql`update service.compensations set status = 'cancelled', decision_note = coalesce(${note ?? null}, decision_note) where id = ${id}`);
      await addTicketEvents(tx, [
        {
          ticketId: c.ticketId,
          kind: 'compensation_cancelled',
          visibility: 'internal',
          actor: caller.actor,
          body: note ?? null,
          at: now,
          detail: { compensationId: id, done: c.results.map((r) => r.n) },
        },
      ]);
    });
    return this.get(id);
  }

  // ------------------------------------------------------------------ execution

  /**
   * Run an approved (or failed) compensation's actions that are not done yet, each with its idempotency key, and
   * record what they produced. Executed: answers the recorded results unchanged. A failing action stops the run:
   * status failed with the error, the results of the actions before it kept; a retry completes only what is missing.
   */
  async execute(id: string, caller: Caller): Promise<Compensation> {
    // The claim: the row locked, its status checked.
    const claimed = await this.db.transaction(async (tx) => {
      const c = await this.locked(tx, id);
      if (c.status === 'executed') return null;
      if (c.status !== 'approved' && c.status !== 'failed') throw conflict('service.compensation_not_approved', `the compensation is ${c.status}; only an approved or failed one can be executed`);
      const t = await this.ticket(c.ticketId, tx);
      return { c, t };
    });
    if (!claimed) return this.get(id);
    const { c, t } = claimed;
    const done = new Map(c.results.map((r) => [r.n, r]));
    let failure: string | null = null;
    for (const [i, action] of c.actions.entries()) {
      const n = i + 1;
      if (done.has(n)) continue;
      try {
        done.set(n, await this.run(action, n, c, t, caller));
      } catch (e) {
        failure = `action ${n} (${action.type}): ${e instanceof AppError ? `${e.code}: ${e.message}` : (e as Error).message}`;
        break;
      }
    }
    const results = [...done.values()].sort((a, b) => a.n - b.n);
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const current = await this.locked(tx, id);
      // Another run got here first: what it recorded stands.
      if (current.status === 'executed' || (current.status !== 'approved' && current.status !== 'failed')) return;
      const merged = new Map(current.results.map((r) => [r.n, r]));
      for (const r of results) if (!merged.has(r.n)) merged.set(r.n, r);
      const all = [...merged.values()].sort((a, b) => a.n - b.n);
      if (failure) {
        await tx.execute(sql`update service.compensations set status = 'failed', error = ${failure}, results = ${JSON.stringify(all)}::jsonb where id = ${id}`);
        await addTicketEvents(tx, [
          { ticketId: t.id, kind: 'compensation_failed', visibility: 'internal', actor: caller.actor, body: failure, at: now, detail: { compensationId: id, done: all.map((r) => r.n) } },
        ]);
        return;
      }
      const totalFen = all.reduce((s, r) => s + r.valueFen, 0);
      await tx.execute(
        sql`update service.compensations set status = 'executed', error = null, results = ${JSON.stringify(all)}::jsonb, total_fen = ${totalFen},
              executed_at = ${now.toISOString()}::timestamptz where id = ${id}`,
      );
      await addTicketEvents(tx, [
        { ticketId: t.id, kind: 'compensation_executed', visibility: 'internal', actor: caller.actor, at: now, detail: { compensationId: id, totalFen, results: all } },
      ]);
      await publish(tx, SERVICE_EVENTS.compensated, { ticketId: t.id, compensationId: id, customerId: t.customer_id, totalFen }, now);
    });
    return this.get(id);
  }

  private async run(action: CompensationAction, n: number, c: Compensation, t: TicketRow, caller: Caller): Promise<ActionResult> {
    const key = actionKey(t.id, c.id, n);
    const at = this.clock.now();
    const base = { n, type: action.type, key, status: 'done' as const, at: at.toISOString() };
    const reason = `工单 #${t.number} 补偿 Compensation for ticket #${t.number}`;
    switch (action.type) {
      case 'coupon': {
        if (!t.customer_id) throw invalid('service.no_customer', 'customerId: the ticket has no customer', [{ path: 'customerId', message: 'the ticket has no customer' }]);
        const { coupon } = await this.deps.coupons.issueCompensation(
          { customerId: t.customer_id, ...(action.amountFen !== undefined ? { amountFen: action.amountFen } : { templateCode: action.templateCode! }), reason, reference: key, at },
          caller.actor,
        );
        const [priced] = await this.price([action], t);
        return { ...base, valueFen: priced!.valueFen, couponId: coupon.id, couponCode: coupon.code };
      }
      case 'points': {
        if (!t.customer_id) throw invalid('service.no_customer', 'customerId: the ticket has no customer', [{ path: 'customerId', message: 'the ticket has no customer' }]);
        const entry = await this.deps.ledger.adjust({ customerId: t.customer_id, points: action.points, reason, idempotencyKey: key, actor: caller.actor });
        const [priced] = await this.price([action], t);
        return { ...base, valueFen: priced!.valueFen, ledgerEntryId: entry.entryId, points: action.points };
      }
      case 'refund': {
        if (!t.order_id) throw invalid('service.no_order', 'orderId: the ticket has no order', [{ path: 'orderId', message: 'the ticket has no order' }]);
        const plan = await this.refundPlan(t.order_id, key);
        if (plan.prior) return { ...base, valueFen: plan.prior.refundFen, returnId: plan.prior.id, refundFen: plan.prior.refundFen };
        if (plan.lines.length === 0) throw conflict('service.nothing_to_refund', 'the order is already fully returned and refunded');
        const [r] = await this.deps.orders.recordReturns(
          [
            {
              channel: plan.channel as ReturnInput['channel'],
              externalId: key,
              order: { channel: plan.channel as ReturnInput['channel'], externalId: plan.externalId },
              returnedAt: at.toISOString(),
              reason,
              lines: plan.lines,
            },
          ],
          { source: 'service' },
        );
        if (!r || r.status === 'error') throw new AppError('conflict', r?.error.code ?? 'service.refund_failed', r?.error.message ?? 'the return was not recorded');
        return { ...base, valueFen: r.refundFen, returnId: r.id, refundFen: r.refundFen };
      }
      default: {
        const note = ('note' in action && action.note) || c.note || 'carried out by staff outside Kemai';
        return { ...base, valueFen: action.type === 'cash' ? action.amountFen : 0, note };
      }
    }
  }

  /**
   * The whole-order return: every line's quantity not yet returned, refunding what was paid and not yet refunded;
   * read in one statement with the return already recorded under this key (a retry finds it).
   */
  private async refundPlan(orderId: string, key: string) {
    const row = await queryOne<{
      channel: string;
      external_id: string;
      prior: { id: string; refund_fen: number } | string | null;
      lines: Array<{ line_no: number; open: number; refund: number }> | string | null;
    }>(
      this.db,
      sql`select o.channel, o.external_id,
            (select json_build_object('id', r.id, 'refund_fen', r.refund_fen) from orders.returns r where r.channel = o.channel and r.external_id = ${key}) as prior,
            (select json_agg(json_build_object('line_no', l.line_no, 'open', l.quantity - l.returned_quantity, 'refund', greatest(l.paid_fen - l.refunded_fen, 0)) order by l.line_no)
               from orders.order_lines l where l.customer_id = o.customer_id and l.order_id = o.id and l.quantity > l.returned_quantity) as lines
          from orders.orders o where o.id = ${orderId}`,
    );
    if (!row) throw notFound('service.order_not_found', `no order ${orderId}`);
    const prior = json<{ id: string; refund_fen: number } | null>(row.prior);
    const lines = (json<Array<{ line_no: number; open: number; refund: number }> | null>(row.lines) ?? []).map((l) => ({
      lineNo: Number(l.line_no),
      quantity: Number(l.open),
      refundAmount: Number(l.refund),
    }));
    return {
      channel: row.channel,
      externalId: row.external_id,
      prior: prior ? { id: prior.id, refundFen: Number(prior.refund_fen) } : null,
      lines,
      refundFen: lines.reduce((s, l) => s + l.refundAmount, 0),
    };
  }
}
