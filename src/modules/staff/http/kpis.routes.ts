import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../../../platform/audit.js';
import { customerScope } from '../../../platform/customer-scope.js';
import { forbidden, invalid, notFound } from '../../../platform/errors.js';
import { KPI_METRICS } from '../db/staff.schema.js';
import type { StaffKpisService } from '../kpis/kpis.service.js';
import { parseRange, type Period } from '../kpis/periods.js';

/** Text without control characters (a NUL byte cannot be stored or compared in PostgreSQL text). */
const plain = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');
const storeCode = plain(64);

/** A period: `period` (2026-W47 or 2026-11), else `from` and `to` (dates or date-times, `to` excluded). */
const PeriodQuery = z.object({
  period: z.string().trim().max(16).optional(),
  from: z.string().trim().max(40).optional(),
  to: z.string().trim().max(40).optional(),
  store: storeCode.optional(),
});

const KpiQuery = PeriodQuery.extend({ groupBy: z.enum(['guide', 'store']).default('guide') });
const LeaderboardQuery = KpiQuery.extend({ metric: z.enum(KPI_METRICS), limit: z.coerce.number().int().min(1).max(100).default(10) });

const RuleBody = z.object({
  code: z.string().trim().min(1).max(64).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, _ . -'),
  name: plain(200),
  metric: z.enum(KPI_METRICS),
  op: z.enum(['gte', 'lte']).optional(),
  threshold: z.number().finite(),
  period: z.enum(['week', 'month']),
  /** The bonus in fen (¥1 = 100). */
  bonusFen: z.number().int().min(0).max(100_000_000),
  active: z.boolean().optional(),
});

/**
 * Guides and store managers read their own store only: a `store` naming another store is refused (403), no `store`
 * means theirs. Everyone else reads what they ask for (all stores when none).
 */
function scopedStore(req: FastifyRequest, requested: string | undefined): string | null {
  const scope = customerScope(req.principal);
  if (!scope) return requested ?? null;
  if (requested !== undefined && requested !== scope.storeCode)
    throw forbidden('staff.store_out_of_scope', `You may read the KPIs of your own store only (${scope.storeCode ?? 'none'})`);
  // A store-bound account without a store reads nothing: a store code no row carries.
  return scope.storeCode ?? '\t(no store)';
}

function periodOf(kpis: StaffKpisService, q: z.infer<typeof PeriodQuery>): Period {
  if (q.period !== undefined) return kpis.period(q.period, 'querystring.period');
  if (q.from === undefined) throw invalid('staff.bad_range', 'from is required (or period)', [{ path: 'querystring.from', message: 'is required when period is not given' }]);
  if (q.to === undefined) throw invalid('staff.bad_range', 'to is required (or period)', [{ path: 'querystring.to', message: 'is required when period is not given' }]);
  return parseRange(q.from, q.to, kpis.timeZoneName, 'querystring.');
}

/** Staff and store KPIs, leaderboards, reward rules and runs, the weekly report. */
export function registerKpiRoutes(root: FastifyInstance, kpis: StaffKpisService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['staff'];

  app.get(
    '/api/v1/staff/kpis',
    {
      config: { scope: 'customers:read' },
      schema: { tags, summary: 'KPIs per guide or per store over a period, with targets met (guides and store managers: their store only)', querystring: KpiQuery },
    },
    async (req) => kpis.kpis(periodOf(kpis, req.query), { groupBy: req.query.groupBy, store: scopedStore(req, req.query.store) }),
  );

  app.get(
    '/api/v1/staff/leaderboard',
    { config: { scope: 'customers:read' }, schema: { tags, summary: 'Guides (or stores) ranked by one KPI over a period, best first', querystring: LeaderboardQuery } },
    async (req) => {
      const p = periodOf(kpis, req.query);
      return kpis.leaderboard(p, { metric: req.query.metric, groupBy: req.query.groupBy, store: scopedStore(req, req.query.store), limit: req.query.limit });
    },
  );

  app.get(
    '/api/v1/staff/reports/:week',
    {
      config: { scope: 'customers:read' },
      schema: { tags, summary: 'The weekly report of an ISO week (2026-W47): stores, guides, targets, leaderboards', params: z.object({ week: z.string().max(16) }), querystring: z.object({ store: storeCode.optional() }) },
    },
    async (req) => kpis.weeklyReport(req.params.week, scopedStore(req, req.query.store), 'params.week'),
  );

  app.get(
    '/api/v1/staff/reports/:week/saved',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'The weekly report the weekly job kept for an ISO week', params: z.object({ week: z.string().max(16) }) } },
    async (req) => {
      const r = await kpis.savedReport(req.params.week);
      if (!r) throw notFound('staff.report_not_found', `No report kept for ${req.params.week}`);
      return r;
    },
  );

  app.get('/api/v1/staff/reward-rules', { config: { scope: 'staff:admin' }, schema: { tags, summary: 'Reward rules (KPI → bonus)' } }, async () => ({ items: await kpis.listRules() }));

  app.post(
    '/api/v1/staff/reward-rules',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'Create a reward rule, audited', body: RuleBody } },
    async (req, reply) => reply.code(201).send(await kpis.createRule(req.body, actorOf(req.principal))),
  );

  app.patch(
    '/api/v1/staff/reward-rules/:id',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'Change a reward rule, audited', params: z.object({ id: z.uuid() }), body: RuleBody.partial() } },
    async (req) => kpis.updateRule(req.params.id, req.body, actorOf(req.principal)),
  );

  app.delete(
    '/api/v1/staff/reward-rules/:id',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'Delete a reward rule (archived instead when it has awards), audited', params: z.object({ id: z.uuid() }) } },
    async (req) => kpis.deleteRule(req.params.id, actorOf(req.principal)),
  );

  app.post(
    '/api/v1/staff/rewards/run',
    {
      config: { scope: 'staff:admin' },
      schema: { tags, summary: 'Award a closed period’s bonuses (2026-W47: weekly rules, 2026-11: monthly); idempotent, audited', querystring: z.object({ period: z.string().trim().max(16) }) },
    },
    async (req) => {
      kpis.period(req.query.period, 'querystring.period');
      return kpis.runRewards(req.query.period, actorOf(req.principal));
    },
  );

  app.get(
    '/api/v1/staff/rewards',
    {
      config: { scope: 'staff:admin' },
      schema: { tags, summary: 'The rewards ledger', querystring: z.object({ period: z.string().trim().max(16).optional(), staffId: z.uuid().optional(), store: storeCode.optional() }) },
    },
    async (req) => kpis.listRewards(req.query),
  );
}
