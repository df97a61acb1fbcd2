import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../../../platform/audit.js';
import { parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';
import { formatMoney } from '../../../platform/money.js';
import { instant, money } from '../../../platform/schemas.js';
import type { LedgerService, StatementEntry } from '../ledger.service.js';
import type { ProgramService, ProgramVersion } from '../program.service.js';
import type { Hold, RedemptionService, Reward } from '../redemption.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const CustomerParams = z.object({ customerId: z.uuid() });
const HoldParams = z.object({ id: z.uuid() });
const RewardParams = z.object({ code: z.string().min(1).max(64) });
const Key = z.string().trim().min(1).max(200);
const PointsAmount = z.number().int().min(1).max(1_000_000_000);

const VersionInput = z
  .object({
    rules: z.record(z.string(), z.unknown()).describe('A full or partial rules document; what it leaves out takes the defaults'),
    effectiveFrom: instant.optional().describe('When the version takes effect (default now); never in the past, after every existing version'),
    note: z.string().trim().max(500).optional(),
  })
  .strict();

const AdjustInput = z
  .object({
    points: z.number().int().min(-1_000_000_000).max(1_000_000_000).refine((n) => n !== 0, 'must not be 0').describe('Credit (+) or debit (−)'),
    reason: z.string().trim().min(1).max(500),
    idempotencyKey: Key,
  })
  .strict();

const ExpireInput = z
  .object({
    asOf: instant.optional().describe('Expire lots whose expiry is at or before this instant (default now); a date is its midnight in the business zone'),
    dryRun: z.boolean().default(false),
  })
  .strict();

const RewardFields = {
  kind: z.enum(['goods', 'coupon', 'cash']),
  name: z.string().trim().min(1).max(200),
  points: PointsAmount,
  value: money.optional().describe('Cash rewards: what one redemption is worth, e.g. "10.00"'),
  sku: z.string().trim().min(1).max(64).optional().describe('Goods rewards: the SKU handed over'),
  stock: z.number().int().min(0).nullable().optional().describe('null or absent: unlimited'),
  active: z.boolean().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
};
const RewardInput = z.object({ code: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . -'), ...RewardFields }).strict();
const RewardPatch = z.object(RewardFields).partial().strict();

const HoldInput = z
  .object({
    customerId: z.uuid(),
    points: PointsAmount.optional(),
    rewardCode: z.string().min(1).max(64).optional(),
    reference: z.string().trim().min(1).max(200).optional().describe('The checkout or order this hold is for'),
    idempotencyKey: Key,
    ttl: z.number().int().min(10).max(7 * 86_400).default(900).describe('Seconds until an uncommitted hold is put back'),
  })
  .strict();

const versionView = (v: ProgramVersion) => ({
  version: v.version,
  effectiveFrom: v.effectiveFrom.toISOString(),
  rules: v.rules,
  note: v.note,
  createdBy: v.createdBy,
  createdAt: v.createdAt.toISOString(),
});

const entryView = (e: StatementEntry) => ({
  id: e.id,
  kind: e.kind,
  points: e.points,
  pendingPoints: e.pendingPoints,
  balance: e.balance,
  pendingBalance: e.pendingBalance,
  sourceType: e.sourceType,
  sourceId: e.sourceId,
  reason: e.reason,
  ruleVersion: e.ruleVersion,
  actor: e.actor,
  detail: e.detail,
  occurredAt: e.occurredAt.toISOString(),
});

const rewardView = (r: Reward) => ({
  code: r.code,
  kind: r.kind,
  name: r.name,
  points: r.points,
  value: r.valueFen === null ? null : formatMoney(r.valueFen),
  sku: r.sku,
  stock: r.stock,
  active: r.active,
  attributes: r.attributes,
});

const holdView = (h: Hold) => ({
  id: h.id,
  customerId: h.customerId,
  points: h.points,
  status: h.status,
  reference: h.reference,
  rewardCode: h.rewardCode,
  entryId: h.entryId,
  expiresAt: h.expiresAt.toISOString(),
  createdAt: h.createdAt.toISOString(),
  settledAt: h.settledAt?.toISOString() ?? null,
});

export interface LedgerRouteDeps {
  program: ProgramService;
  ledger: LedgerService;
  redemption: RedemptionService;
  timeZone: string;
}

/** /api/v1/loyalty: programme versions, member balances and statements, adjustments, liability, expiry, rewards, holds. */
export function registerLedgerRoutes(root: FastifyInstance, deps: LedgerRouteDeps) {
  const { program, ledger, redemption } = deps;
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['loyalty'];
  const when = (text: string | undefined, path: string): Date | undefined => {
    if (text === undefined) return undefined;
    const d = parseInstant(text, deps.timeZone);
    if (!d) throw invalid('loyalty.invalid_instant', `${path}: not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
    return d;
  };

  app.get(
    '/api/v1/loyalty/program',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'The programme rules in force now (version 0: the defaults)' } },
    async () => program.current(),
  );

  app.get(
    '/api/v1/loyalty/program/versions',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'Every programme version, oldest first' } },
    async () => ({ items: (await program.versions()).map(versionView) }),
  );

  app.post(
    '/api/v1/loyalty/program/versions',
    {
      config: { scope: 'loyalty:admin' },
      schema: {
        tags,
        summary: 'Create programme version n + 1 from an effective instant (≥ now, after the last version)',
        description: 'Earn rate (floor per order), multipliers, event points, caps, excluded SKUs, pending days, expiry, clawback policy, points-as-cash rate.',
        body: VersionInput,
      },
    },
    async (req, reply) => {
      const v = await program.createVersion({ rules: req.body.rules, effectiveFrom: when(req.body.effectiveFrom, 'effectiveFrom'), note: req.body.note }, actor(req));
      reply.status(201);
      return versionView(v);
    },
  );

  app.get(
    '/api/v1/loyalty/members/:customerId',
    {
      config: { scope: 'loyalty:read' },
      schema: { tags, summary: "A member's balances (due pending points released first) and what expires in the next 30 days", params: CustomerParams },
    },
    async (req) => {
      const m = await ledger.member(req.params.customerId, 30);
      return {
        customerId: m.customerId,
        available: m.available,
        pending: m.pending,
        held: m.held,
        lifetimeEarned: m.lifetimeEarned,
        cashValue: formatMoney(m.cashValueFen),
        expiringSoon: { days: m.expiringSoon.days, points: m.expiringSoon.points, firstAt: m.expiringSoon.firstAt?.toISOString() ?? null },
      };
    },
  );

  app.get(
    '/api/v1/loyalty/members/:customerId/statement',
    {
      config: { scope: 'loyalty:read' },
      schema: {
        tags,
        summary: "A member's ledger entries, newest first, with the balances after each",
        params: CustomerParams,
        querystring: z.object({ page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(50) }),
      },
    },
    async (req) => {
      const s = await ledger.statement(req.params.customerId, req.query);
      return { page: req.query.page, pageSize: req.query.pageSize, total: s.total, items: s.items.map(entryView) };
    },
  );

  app.post(
    '/api/v1/loyalty/members/:customerId/adjustments',
    {
      config: { scope: 'loyalty:write' },
      schema: { tags, summary: 'Staff adjustment (± points, reason required; idempotent by key)', params: CustomerParams, body: AdjustInput },
    },
    async (req, reply) => {
      const r = await ledger.adjust({ customerId: req.params.customerId, ...req.body, actor: actor(req), auditActor: actorOf(req.principal) });
      reply.status(r.created ? 201 : 200);
      return { entryId: r.entryId, created: r.created, available: r.account.available, pending: r.account.pending, held: r.account.held };
    },
  );

  app.get(
    '/api/v1/loyalty/liability',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'Points liability: outstanding points, their cash value, by expiry month' } },
    async () => {
      const l = await ledger.liability();
      return {
        asOf: l.asOf.toISOString(),
        members: l.members,
        available: l.available,
        pending: l.pending,
        held: l.held,
        outstanding: l.outstanding,
        cashValue: formatMoney(l.cashValueFen),
        ruleVersion: l.ruleVersion,
        pointsPerYuanCash: l.pointsPerYuanCash,
        byExpiryMonth: l.byExpiryMonth.map((m) => ({ month: m.month, points: m.points, cashValue: formatMoney(m.cashValueFen) })),
      };
    },
  );

  app.post(
    '/api/v1/loyalty/expire',
    { config: { scope: 'loyalty:admin' }, schema: { tags, summary: 'Expire lots past their expiry (dryRun: only count)', body: ExpireInput } },
    async (req) => {
      const asOf = when(req.body.asOf, 'asOf') ?? ledger.internals.clock.now();
      const s = await ledger.expire(asOf, { dryRun: req.body.dryRun, actor: actor(req) });
      return { ...s, asOf: s.asOf.toISOString() };
    },
  );

  app.get(
    '/api/v1/loyalty/rewards',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'The reward catalogue', querystring: z.object({ active: z.enum(['true', 'false']).optional() }) } },
    async (req) => ({ items: (await redemption.listRewards({ activeOnly: req.query.active === 'true' })).map(rewardView) }),
  );

  app.get(
    '/api/v1/loyalty/rewards/:code',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'One reward', params: RewardParams } },
    async (req) => rewardView(await redemption.getReward(req.params.code)),
  );

  app.post(
    '/api/v1/loyalty/rewards',
    { config: { scope: 'loyalty:admin' }, schema: { tags, summary: 'Add a reward (goods, coupon, cash)', body: RewardInput } },
    async (req, reply) => {
      const b = req.body;
      const r = await redemption.createReward({
        code: b.code,
        kind: b.kind,
        name: b.name,
        points: b.points,
        valueFen: b.value ?? null,
        sku: b.sku ?? null,
        stock: b.stock ?? null,
        active: b.active ?? true,
        attributes: b.attributes ?? {},
      });
      reply.status(201);
      return rewardView(r);
    },
  );

  app.patch(
    '/api/v1/loyalty/rewards/:code',
    { config: { scope: 'loyalty:admin' }, schema: { tags, summary: 'Change a reward', params: RewardParams, body: RewardPatch } },
    async (req) => {
      const { value, ...rest } = req.body;
      return rewardView(await redemption.updateReward(req.params.code, { ...rest, ...(value !== undefined ? { valueFen: value } : {}) }));
    },
  );

  app.delete(
    '/api/v1/loyalty/rewards/:code',
    { config: { scope: 'loyalty:admin' }, schema: { tags, summary: 'Delete a reward (deactivated instead when holds name it)', params: RewardParams } },
    async (req) => redemption.deleteReward(req.params.code),
  );

  app.post(
    '/api/v1/loyalty/holds',
    {
      config: { scope: 'loyalty:write' },
      schema: {
        tags,
        summary: 'Hold points for a checkout (points or rewardCode); idempotent by key',
        description: 'The points leave the available balance at once (a redeem entry); commit keeps them spent, cancel puts them back, an uncommitted hold is put back after ttl seconds. 409 loyalty.insufficient_points beyond the balance.',
        body: HoldInput,
      },
    },
    async (req, reply) => {
      const { ttl, ...rest } = req.body;
      const r = await redemption.createHold({ ...rest, ttlSeconds: ttl }, actor(req));
      reply.status(r.created ? 201 : 200);
      return { ...holdView(r.hold), created: r.created };
    },
  );

  app.get(
    '/api/v1/loyalty/holds/:id',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'One hold', params: HoldParams } },
    async (req) => holdView(await redemption.getHold(req.params.id)),
  );

  app.post(
    '/api/v1/loyalty/holds/:id/commit',
    { config: { scope: 'loyalty:write' }, schema: { tags, summary: 'The checkout went through: keep the points spent', params: HoldParams } },
    async (req) => holdView(await redemption.commitHold(req.params.id)),
  );

  app.post(
    '/api/v1/loyalty/holds/:id/cancel',
    { config: { scope: 'loyalty:write' }, schema: { tags, summary: 'The checkout was abandoned: put the points back', params: HoldParams } },
    async (req) => holdView(await redemption.cancelHold(req.params.id)),
  );

  app.get(
    '/api/v1/loyalty/cash-quote',
    {
      config: { scope: 'loyalty:read' },
      schema: { tags, summary: 'What points are worth as cash at the rate in force (floored to the fen)', querystring: z.object({ points: z.coerce.number().int().min(0).max(1_000_000_000) }) },
    },
    async (req) => {
      const q = await redemption.cashQuote(req.query.points);
      return { points: q.points, value: formatMoney(q.valueFen), pointsPerYuanCash: q.pointsPerYuanCash, ruleVersion: q.ruleVersion };
    },
  );
}
