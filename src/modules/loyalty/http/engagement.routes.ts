import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';
import { errorBody } from '../../../platform/http/app.js';
import { instant } from '../../../platform/schemas.js';
import { CustomerRefInput, REF_IDENTIFIER_FIELDS } from '../../customers/index.js';
import type { BadgesService, Badge } from '../badges.service.js';
import { BadgeInput } from '../domain/badges.js';
import type { Referral, ReferralsService, RejectionReason } from '../referrals.service.js';

const tags = ['loyalty'];
const MemberParams = z.object({ customerId: z.uuid() });

/** How each refusal is answered: 409 when it clashes with an existing referral, 422 for a rule the referral breaks. */
const REJECTIONS: Record<RejectionReason, { status: 409 | 422; code: string; message: string }> = {
  self_referral: { status: 422, code: 'loyalty.self_referral', message: 'The referee is the referrer (same profile or a shared identifier)' },
  already_referred: { status: 409, code: 'loyalty.already_referred', message: 'This person was already referred by another member' },
  not_new_customer: { status: 422, code: 'loyalty.not_new_customer', message: 'The referee bought before being referred, so is not a new customer' },
  referrer_cap_reached: { status: 422, code: 'loyalty.referrer_cap_reached', message: 'The referrer has reached the most referrals allowed' },
};

const ReferralBody = z
  .object({
    code: z.string().trim().min(4).max(32).describe("The referrer's referral code (case does not matter)"),
    referee: CustomerRefInput.describe('Who was referred: a customer id or identifiers (phone, memberNo, …); a new person gets a profile'),
    referredAt: instant.optional().describe('When the referee was referred (default now); orders before it mean the referee is not new'),
    channel: z.string().trim().min(1).max(40).optional().describe('Where the referral was made: app, miniprogram, store, …'),
  })
  .strict()
  .refine((b) => b.referee.id !== undefined || Object.keys(REF_IDENTIFIER_FIELDS).some((f) => b.referee[f as keyof typeof REF_IDENTIFIER_FIELDS]?.trim()), {
    path: ['referee'],
    message: 'needs an id or at least one identifier (phone, email, memberNo, wechatUnionid, …)',
  });

function referralView(r: Referral) {
  return {
    id: r.id,
    referrerId: r.referrerId,
    refereeId: r.refereeId,
    code: r.code,
    status: r.status,
    reason: r.reason,
    orderId: r.orderId,
    channel: r.channel,
    createdAt: r.createdAt,
    settledAt: r.settledAt,
  };
}

function badgeView(b: Badge) {
  return {
    code: b.code,
    name: b.name,
    description: b.description,
    rule: b.rule,
    points: b.points,
    repeatable: b.repeatable,
    active: b.active,
    createdAt: b.createdAt,
  };
}

export function registerEngagementRoutes(root: FastifyInstance, services: { referrals: ReferralsService; badges: BadgesService; timeZone: string }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { referrals, badges } = services;

  app.get(
    '/api/v1/loyalty/members/:customerId/referral',
    {
      config: { scope: 'loyalty:read' },
      schema: {
        tags,
        summary: "A member's referral code and link (the code is made on first ask)",
        description:
          'Codes are 8 characters from an alphabet without 0/O and 1/I, unique across members. The link is the configured ' +
          'page (KEMAI_REFERRAL_URL) with `ref=CODE` added. A merged-away id answers with the survivor\'s code.',
        params: MemberParams,
        response: {
          200: z.object({
            customerId: z.uuid().describe('The live profile (the survivor for a merged-away id)'),
            code: z.string().describe('8 characters, e.g. K7MQ2XPA'),
            link: z.string().describe('KEMAI_REFERRAL_URL with ref=CODE'),
          }),
        },
      },
    },
    async (req) => referrals.referralCode(req.params.customerId),
  );

  app.get(
    '/api/v1/loyalty/members/:customerId/referrals',
    {
      config: { scope: 'loyalty:read' },
      schema: { tags, summary: 'Referrals a member made, newest first, with their status and any reason of refusal', params: MemberParams },
    },
    async (req) => ({ items: (await referrals.listReferrals(req.params.customerId)).map(referralView) }),
  );

  app.post(
    '/api/v1/loyalty/referrals',
    {
      config: { scope: 'loyalty:write' },
      schema: {
        tags,
        summary: 'Record that a person was referred by the holder of a code',
        description:
          'Answers 201 with the pending referral (200 and status "unchanged" when the same referrer named the same person ' +
          'before). Both sides are rewarded on the referee\'s first purchase since the referral paying at least ' +
          'KEMAI_REFERRAL_MIN_PAID. A refusal is recorded as a rejected referral with its reason and answered 422 ' +
          '(`loyalty.self_referral`: same profile or an identifier the referrer holds; `loyalty.not_new_customer`; ' +
          '`loyalty.referrer_cap_reached`) or 409 (`loyalty.already_referred`), `details.referralId` naming the record. ' +
          'An unknown code answers 404 and records nothing.',
        body: ReferralBody,
      },
    },
    async (req, reply) => {
      const outcome = await referrals.recordReferral(req.body);
      if (outcome.status === 'rejected') {
        const r = REJECTIONS[outcome.reason];
        return reply
          .status(r.status)
          .send(errorBody(r.code, r.message, req.id, { referralId: outcome.referral.id, reason: outcome.reason, ...outcome.detail }));
      }
      reply.status(outcome.status === 'created' ? 201 : 200);
      return { ...referralView(outcome.referral), result: outcome.status };
    },
  );

  app.post(
    '/api/v1/loyalty/referrals/settle',
    {
      config: { scope: 'loyalty:admin' },
      schema: {
        tags,
        summary: 'Settle every pending referral whose referee has made a qualifying purchase',
        description:
          'Purchases settle referrals as they arrive; this catches a purchase delivered while its buyer\'s referral was ' +
          'still being recorded. Idempotent: rewarded referrals are not looked at again.',
      },
    },
    async () => referrals.settlePendingReferrals(),
  );

  app.post(
    '/api/v1/loyalty/badges',
    {
      config: { scope: 'loyalty:admin' },
      schema: {
        tags,
        summary: 'Define a badge or challenge (201), or replace the definition with this code (200)',
        description:
          'rule: {source: "activity" with eventType (store_visit, check_in, share, …) | "orders", count, period: month | year ' +
          '| ever (calendar periods of the business time zone), filter?: {storeCode, category (orders only)}}. points: awarded ' +
          'with the badge (0 none). repeatable: earned again in each month/year the rule is met. Members who already meet ' +
          'a new rule get it at their next event or order, or at POST /api/v1/loyalty/badges/evaluate.',
        body: BadgeInput,
      },
    },
    async (req, reply) => {
      const { badge, created } = await badges.defineBadge(req.body);
      reply.status(created ? 201 : 200);
      return badgeView(badge);
    },
  );

  app.get(
    '/api/v1/loyalty/badges',
    { config: { scope: 'loyalty:read' }, schema: { tags, summary: 'Badge definitions, by code' } },
    async () => ({ items: (await badges.listBadges()).map(badgeView) }),
  );

  app.post(
    '/api/v1/loyalty/badges/evaluate',
    {
      config: { scope: 'loyalty:admin' },
      schema: {
        tags,
        summary: 'Award the badges these members (or all members) meet and do not hold yet',
        description: 'Needed after defining a badge for behaviour already recorded; awards are made once per member, badge and period.',
        body: z.object({ customerIds: z.array(z.uuid()).min(1).max(10_000).optional() }).strict().default({}),
      },
    },
    async (req) => badges.evaluateBadges(req.body.customerIds),
  );

  app.get(
    '/api/v1/loyalty/members/:customerId/badges',
    {
      config: { scope: 'loyalty:read' },
      schema: {
        tags,
        summary: "A member's badges and progress towards the others",
        description:
          'earned: every award (badge, period, when). progress: each active badge not earned (for a repeatable one: not in ' +
          'the current period), with the count so far in the current month/year of the business time zone, or ever.',
        params: MemberParams,
        querystring: z.object({ at: instant.optional().describe('Progress as of this instant (default now)') }),
      },
    },
    async (req) => {
      let at = new Date();
      if (req.query.at !== undefined) {
        const parsed = parseInstant(req.query.at, services.timeZone);
        if (!parsed) throw invalid('validation_failed', 'at: not a date or date-time', [{ path: 'at', message: 'not a date or date-time' }]);
        at = parsed;
      }
      return badges.memberBadges(req.params.customerId, at);
    },
  );
}
