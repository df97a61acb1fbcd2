import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';
import { instant } from '../../../platform/schemas.js';
import { LocalizedName, TierBenefits, TierSetDefinition, TIER_MEASURES, TIER_PRESETS, type TierPreset } from '../domain/tiers.js';
import type { TierSet, TiersService } from '../tiers.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const CustomerParams = z.object({ customerId: z.uuid() });

const SetInput = z
  .object({
    code: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower_snake_case code, e.g. vip'),
    name: z.string().trim().min(1).max(120).optional(),
    preset: z.enum(Object.keys(TIER_PRESETS) as [TierPreset, ...TierPreset[]]).optional().describe('membership (explorer/follower/advocate) or vip (silver/gold/diamond)'),
    definition: TierSetDefinition.optional().describe('measure, tiers (threshold in the measure unit: fen for yearly_spend), review, growth rules'),
    activate: z.boolean().default(false).describe('Make it the active set at once (members are placed in it)'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.preset === !v.definition) ctx.addIssue({ code: 'custom', path: ['definition'], message: 'give exactly one of definition or preset' });
  });

const ManualInput = z
  .object({
    code: z.string().min(1).max(40).describe('A tier code of the active set'),
    until: instant.describe('End of the manual assignment; afterwards the rules decide again'),
    reason: z.string().trim().min(1).max(500),
  })
  .strict();

const ReviewInput = z
  .object({
    asOf: instant.optional().describe('Review as of this instant (default now); a date is its midnight in the business time zone'),
    dryRun: z.boolean().default(false),
  })
  .strict();

const MemberTier = z.object({
  customerId: z.uuid().describe('The live profile (a merged-away id answers for its survivor)'),
  tierSet: z.object({ code: z.string(), version: z.number().int().describe('0 = the built-in set'), name: z.string() }),
  tier: z.object({ code: z.string(), name: LocalizedName }).nullable().describe('Null below the first threshold'),
  since: z.string().nullable(),
  manualUntil: z.string().nullable().describe('A manual assignment holds the tier until then'),
  graceUntil: z.string().nullable().describe('Set by a review that would lower the tier: kept until then'),
  measure: z.object({ type: z.enum(TIER_MEASURES), unit: z.enum(['fen', 'growth']), value: z.number().int() }),
  growth: z.number().int().describe('Growth value (成长值)'),
  next: z
    .object({ code: z.string(), name: LocalizedName, threshold: z.number().int(), missing: z.number().int().describe('In the measure unit') })
    .nullable()
    .describe('Null at the top tier'),
  benefits: TierBenefits,
  birthdayMonth: z.boolean().describe('Birthday-month benefits (birthdayDiscountPercent, birthdayGift) apply today'),
});

const ReviewResult = z.object({
  tierSet: z.string(),
  asOf: z.string(),
  dryRun: z.boolean(),
  assigned: z.number().int(),
  upgraded: z.number().int(),
  downgraded: z.number().int(),
  graceStarted: z.number().int(),
  requalified: z.number().int(),
  manualEnded: z.number().int(),
});

function setView(s: TierSet) {
  return {
    code: s.code,
    version: s.version,
    name: s.name,
    active: s.active,
    builtIn: s.builtIn,
    effectiveFrom: s.effectiveFrom?.toISOString() ?? null,
    createdBy: s.createdBy,
    definition: s.definition,
  };
}

export function registerTiersRoutes(root: FastifyInstance, tiers: TiersService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['loyalty'];
  const when = (text: string, path: string) => {
    const d = parseInstant(text, tiers.timeZone);
    if (!d) throw invalid('loyalty.invalid_instant', `${path} is not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
    return d;
  };

  app.get(
    '/api/v1/loyalty/members/:customerId/tier',
    {
      config: { scope: 'loyalty:read' },
      schema: {
        tags,
        summary: "A member's tier, progress to the next tier and benefits (for checkout and service)",
        description:
          '`measure.value` is in `measure.unit` (fen for yearly_spend: net paid in the last 12 months; growth points for growth), ' +
          'as are `next.threshold` and `next.missing`. `birthdayMonth` says whether birthday-month benefits apply today.',
        params: CustomerParams,
        response: { 200: MemberTier },
      },
    },
    async (req) => tiers.memberTier(req.params.customerId),
  );

  app.get(
    '/api/v1/loyalty/members/:customerId/growth',
    {
      config: { scope: 'loyalty:read' },
      schema: {
        tags,
        summary: "A member's growth value (成长值) and its latest entries: orders, returns, interactions, merges",
        params: CustomerParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: {
          200: z.object({
            customerId: z.uuid(),
            growth: z.number().int(),
            items: z.array(
              z.object({
                points: z.number().int(),
                sourceType: z.string().describe('order | return | event'),
                sourceId: z.string().nullable().describe('The order, return or activity event'),
                reason: z.string().nullable().describe('The activity event type for interactions'),
                occurredAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => tiers.growthStatement(req.params.customerId, req.query.limit),
  );

  app.put(
    '/api/v1/loyalty/members/:customerId/tier',
    {
      config: { scope: 'loyalty:write' },
      schema: {
        tags,
        summary: 'Put a member on a tier until a date (manual assignment with a reason)',
        params: CustomerParams,
        body: ManualInput,
        response: { 200: MemberTier },
      },
    },
    async (req) => tiers.assignTier(req.params.customerId, { code: req.body.code, until: when(req.body.until, 'until'), reason: req.body.reason }, actor(req)),
  );

  app.get(
    '/api/v1/loyalty/tiers',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'The active tier set with member counts per tier' } },
    async () => {
      const { set, tiers: list, withoutTier } = await tiers.tierCounts();
      return {
        tierSet: { code: set.code, version: set.version, name: set.name, builtIn: set.builtIn },
        measure: set.definition.measure,
        review: set.definition.review,
        growth: set.definition.growth,
        tiers: list,
        withoutTier,
      };
    },
  );

  app.get(
    '/api/v1/loyalty/tier-sets',
    { config: { scope: 'loyalty:admin' }, schema: { tags, summary: 'Every tier set version (and the built-in presets)' } },
    async () => ({
      items: (await tiers.listSets()).map(setView),
      active: setView(await tiers.activeSet()),
      presets: TIER_PRESETS,
    }),
  );

  app.post(
    '/api/v1/loyalty/tier-sets',
    {
      config: { scope: 'loyalty:admin' },
      schema: { tags, summary: 'Create a tier set version from a definition or a preset; optionally activate it', body: SetInput },
    },
    async (req, reply) => {
      const { set, review } = await tiers.createSet(req.body, actor(req));
      reply.status(201);
      return { ...setView(set), ...(review ? { placed: review } : {}) };
    },
  );

  app.post(
    '/api/v1/loyalty/tier-sets/:code/versions/:version/activate',
    {
      config: { scope: 'loyalty:admin' },
      schema: {
        tags,
        summary: 'Make a tier set version the active one; every member is placed in it at once',
        params: z.object({ code: z.string().max(40), version: z.coerce.number().int().min(1) }),
      },
    },
    async (req) => ({ placed: await tiers.activateSet(req.params.code, req.params.version, actor(req)) }),
  );

  app.post(
    '/api/v1/loyalty/tiers/review',
    {
      config: { scope: 'loyalty:admin' },
      schema: {
        tags,
        summary: 'Run the yearly tier review now (or count what it would do with dryRun)',
        description: 'Upgrades, graces started for members below their tier, downgrades where a grace ran out, manual assignments ended.',
        body: ReviewInput,
        response: { 200: ReviewResult },
      },
    },
    async (req) => tiers.reviewTiers(req.body.asOf ? when(req.body.asOf, 'asOf') : new Date(), { dryRun: req.body.dryRun, actor: actor(req) }),
  );
}
