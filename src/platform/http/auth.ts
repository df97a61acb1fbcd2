import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/** Every permission a route can ask for. Roles are bundles of these (access module). */
export const SCOPES = [
  'customers:read',
  'customers:write',
  'customers:merge',
  'orders:read',
  'orders:write',
  /** Balances, statements, tiers, referrals, badges, the liability report. */
  'loyalty:read',
  /** Staff adjustments, redemptions and holds at checkout, manual tiers. */
  'loyalty:write',
  /** Programme rules, tier sets, rewards, badges; running expiry and tier reviews. */
  'loyalty:admin',
  /** Segments, RFM scores and the value matrix, reports, clusters. */
  'segments:read',
  /** Rule and static segments: create, edit, delete; exports of members. */
  'segments:write',
  /** RFM runs, membership refreshes, clustering runs. */
  'segments:admin',
  /** Predictions: CLV runs, a customer's prediction, the churn-risk list, validation reports. */
  'insights:read',
  /** Fitting the prediction models. */
  'insights:admin',
  /** Promotions, coupon templates and coupons, results. */
  'promotions:read',
  /** Checkout pricing and reservations; issuing, voiding a person's coupon. */
  'promotions:write',
  /** Creating and changing promotions and coupon templates, code pools, issuing to a segment. */
  'promotions:admin',
  /** Journeys and campaigns, their stats and uplift. */
  'journeys:read',
  /** Building, publishing, pausing journeys and campaigns. */
  'journeys:write',
  /** Templates, the message log, guide tasks. */
  'messaging:read',
  /** Sending to a person, editing templates, completing guide tasks. */
  'messaging:write',
  /** Channel settings (adapters, credentials) and the contact policy (caps, quiet hours, consent). */
  'messaging:admin',
  /** Tickets, their timelines and SLA clocks, compensations, the root-cause report. */
  'service:read',
  /** Creating, replying to, assigning and resolving tickets; proposing compensation (and approving a minor one). */
  'service:write',
  /** Approving or rejecting compensations whose policy asks for approval. */
  'service:approve',
  /** Queues, SLA policies, calendars, compensation policies, reply templates, categories and root causes. */
  'service:admin',
  /** Surveys, their invitations and results (NPS, CSAT, verbatims). */
  'surveys:read',
  /** Building, activating and sending surveys. */
  'surveys:write',
  /** Brand mentions, sentiment, keyword heat, spike alerts and crises. */
  'listening:read',
  /** Importing mentions; acknowledging alerts; running a crisis (statement, updates, affected customers, compensation). */
  'listening:write',
  /** Spike rules, feeds, retraining the sentiment model. */
  'listening:admin',
  'events:read',
  'events:write',
  'catalog:read',
  'catalog:write',
  'imports:write',
  'staff:admin',
  'apikeys:admin',
  /** The audit log and its chain check (admin only). */
  'audit:read',
  /** Data subject access exports: everything about a customer, unmasked (admin only). */
  'privacy:admin',
  'pii:read',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  kind: 'staff' | 'apikey';
  id: string;
  name: string;
  role?: string;
  scopes: ReadonlySet<Scope>;
  /** The store a staff member or a store-bound key belongs to (guides and store managers see only its customers). */
  storeCode?: string | null;
}

export function can(principal: Principal | undefined, scope: Scope): boolean {
  return !!principal && principal.scopes.has(scope);
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** 'public' routes need no credentials; otherwise a principal is required. */
    auth?: 'public';
    /** The scope this route needs. */
    scope?: Scope;
  }
}

export const SESSION_COOKIE = 'kemai_session';

export function tokenOf(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === SESSION_COOKIE) return decodeURIComponent(v.join('='));
    }
  }
  return undefined;
}

/**
 * Resolves the caller on every request and enforces the route's `config.scope`. Routes outside
 * /api are public unless they say otherwise (console assets, health).
 */
export function installAuth(app: FastifyInstance, authenticate: (token: string) => Promise<Principal | undefined>) {
  app.addHook('preHandler', async (req) => {
    const config = req.routeOptions.config;
    const token = tokenOf(req);
    if (token) req.principal = await authenticate(token);
    if (config.auth === 'public') return;
    const isApi = (req.routeOptions.url ?? '').startsWith('/api/');
    if (!isApi && !config.scope) return;
    if (!req.principal) {
      throw new AppError(
        'unauthenticated',
        token ? 'auth.invalid_credentials' : 'auth.missing_credentials',
        token ? 'The API key or session is invalid, revoked or expired' : 'Authenticate with Authorization: Bearer <api key> or a console session',
      );
    }
    if (config.scope && !req.principal.scopes.has(config.scope)) {
      throw new AppError('forbidden', 'auth.missing_scope', `This needs the ${config.scope} permission`, {
        scope: config.scope,
      });
    }
  });
}
