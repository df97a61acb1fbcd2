import { registerCrisesRoutes, registerListeningRoutes } from '../modules/listening/index.js';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createHttpApp, errorBody, isHttpsUrl } from '../platform/http/app.js';
import { installMetrics } from '../platform/metrics.js';
import { installAuth } from '../platform/http/auth.js';
import { registerAuditRoutes } from '../platform/http/audit.routes.js';
import { registerBackupRoutes } from '../platform/http/backup.routes.js';
import { installCsrf } from '../platform/http/csrf.js';
import { installCustomerScopeGuard } from '../platform/http/customer-scope-guard.js';
import { CUSTOMER_REFS } from './customer-refs.js';
import { installRateLimit } from '../platform/http/rate-limit.js';
import type { Clock } from '../platform/clock.js';
import { ping } from '../platform/db/database.js';
import { registerAccessRoutes } from '../modules/access/index.js';
import { registerCatalogRoutes } from '../modules/catalog/index.js';
import { registerCustomersRoutes } from '../modules/customers/index.js';
import { registerOrdersRoutes } from '../modules/orders/index.js';
import { registerActivityRoutes } from '../modules/activity/index.js';
import { registerImportsRoutes } from '../modules/ingest/index.js';
import { ForecastService, registerChurnModelRoutes, registerCyclesRoutes, registerForecastRoutes, registerInsightsRoutes, registerPredictionsRoutes } from '../modules/insights/index.js';
import { registerEngagementRoutes, registerLedgerRoutes, registerTiersRoutes } from '../modules/loyalty/index.js';
import { registerSegmentsRoutes } from '../modules/segments/index.js';
import { registerBasketRoutes } from '../modules/basket/index.js';
import { registerPromotionsRoutes } from '../modules/promotions/index.js';
import { registerCouponsRoutes } from '../modules/promotions/index.js';
import { registerCheckoutRoutes } from '../modules/promotions/index.js';
import { registerPromoResultsRoutes } from '../modules/promotions/index.js';
import { registerChannelsRoutes, registerDeliveryRoutes, registerGuideTasksRoutes, registerReceiptsRoutes } from '../modules/messaging/index.js';
import { registerLogRoutes, registerOptOutRoutes, registerPolicyRoutes, registerTemplatesRoutes } from '../modules/messaging/index.js';
import { registerBlueprintsRoutes, registerJourneysRoutes } from '../modules/journeys/index.js';
import { registerPublicSurveysRoutes, registerSurveysRoutes } from '../modules/surveys/index.js';
import { registerCompensationRoutes, registerReviewRoutes } from '../modules/service/index.js';
import { registerSlaRoutes } from '../modules/service/index.js';
import { registerPublicTicketsRoutes, registerServiceAdminRoutes, registerTicketsRoutes } from '../modules/service/index.js';
import { consolePlugin } from './console.js';
import type { Kemai } from './kemai.js';
import { adoptCreatedCustomers, registerStaffRoutes } from '../modules/staff/index.js';

/** Servers told to stop (SIGTERM): /readyz answers 503 `stopping` and other requests are shed (see buildServer). */
const stopping = new WeakSet<FastifyInstance>();

/** The first step of a graceful shutdown (cli/serve.command.ts): unready at once, before the listener closes. */
export function markStopping(app: FastifyInstance): void {
  stopping.add(app);
}

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The HTTP API with every module's routes. `clock`: the rate limiter's windows (tests). */
export async function buildServer(kemai: Kemai, opts: { clock?: Clock } = {}): Promise<FastifyInstance> {
  const app = await createHttpApp({ logger: kemai.log, bodyLimitBytes: kemai.config.bodyLimitBytes, version: pkg.version, publicUrl: kemai.config.publicUrl, return503OnClosing: false });
  // Shutting down: requests in flight finish; a new one on a kept-alive connection gets 503 and the connection closes
  // (a load balancer retries it elsewhere). Probes and scrapes still answer.
  app.addHook('onRequest', async (req, reply) => {
    if (!stopping.has(app)) return;
    const route = req.routeOptions.url;
    if (route === '/readyz' || route === '/healthz' || route === '/metrics') return;
    reply.header('connection', 'close');
    return reply.status(503).send(errorBody('shutting_down', 'The server is shutting down; retry the request', req.id));
  });
  // Answers still going out (requests that were in flight) tell the client not to reuse the connection.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (stopping.has(app)) reply.header('connection', 'close');
    return payload;
  });
  // Request counts and durations by route pattern, and GET /metrics (platform/metrics.ts).
  installMetrics(app, { token: kemai.config.metricsToken, db: kemai.database.db, log: kemai.log });
  installCsrf(app, { publicUrl: kemai.config.publicUrl });
  installAuth(app, (token) => kemai.access.authenticate(token));
  // After auth: guides and store managers reach only their store's customers (customer-scope-guard.ts).
  installCustomerScopeGuard(app, kemai.database.db, CUSTOMER_REFS, (ids, scope, actor) => adoptCreatedCustomers(kemai.database.db, ids, scope, actor));
  // After auth (it resolves the principal). Per process: see rate-limit.ts.
  const c = kemai.config;
  installRateLimit(app, { perKey: c.rateLimitPerKey, perIp: c.rateLimitPerIp, signInPerIp: c.rateLimitSignIn, ...(opts.clock ? { clock: opts.clock } : {}) });

  app.get('/healthz', { config: { auth: 'public', rateLimit: false }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { auth: 'public', rateLimit: false }, schema: { hide: true } }, async (_req, reply) => {
    if (stopping.has(app)) return reply.status(503).send({ status: 'stopping' });
    const db = await ping(kemai.database.db);
    reply.status(db ? 200 : 503);
    // The read replica only informs: analytics fall back to the primary, so it never makes Kemai unready.
    const replica = kemai.database.replica ? { replica: await kemai.database.replica.probeState() } : {};
    return { status: db ? 'ready' : 'unavailable', checks: { database: db ? 'ok' : 'down', ...replica } };
  });

  registerAccessRoutes(app, kemai.access, { secureCookie: isHttpsUrl(kemai.config.publicUrl) });
  registerAuditRoutes(app, { db: kemai.database.db, timeZone: kemai.config.timeZone });
  registerBackupRoutes(app, { database: kemai.database, dataDir: kemai.config.dataDir });
  registerCatalogRoutes(app, kemai.catalog);
  registerCustomersRoutes(app, kemai.customers);
  registerOrdersRoutes(app, kemai.orders);
  registerActivityRoutes(app, kemai.activity);
  registerImportsRoutes(app, kemai.imports);
  registerInsightsRoutes(app, kemai.insights);
  registerPredictionsRoutes(app, kemai.predictions);
  registerChurnModelRoutes(app, kemai.churn);
  registerCyclesRoutes(app, kemai.cycles);
  // Reads only: no state of its own to share through Kemai.
  registerForecastRoutes(app, new ForecastService(kemai.database.analytics, { timeZone: kemai.config.timeZone }));
  registerTiersRoutes(app, kemai.tiers);
  registerLedgerRoutes(app, { program: kemai.program, ledger: kemai.ledger, redemption: kemai.redemption, timeZone: kemai.config.timeZone });
  registerEngagementRoutes(app, { referrals: kemai.referrals, badges: kemai.badges, timeZone: kemai.config.timeZone });
  registerSegmentsRoutes(app, kemai.segments);
  registerBasketRoutes(app, kemai.basket);
  registerPromotionsRoutes(app, kemai.promotions);
  registerCouponsRoutes(app, kemai.coupons);
  registerCheckoutRoutes(app, kemai.checkout);
  registerPromoResultsRoutes(app, kemai.promoResults, { timeZone: kemai.config.timeZone });
  registerDeliveryRoutes(app, kemai.messaging);
  registerChannelsRoutes(app, kemai.messaging.channels);
  registerReceiptsRoutes(app, kemai.messaging.receipts);
  registerGuideTasksRoutes(app, kemai.messaging.guideTasks);
  registerTemplatesRoutes(app, kemai.messageTemplates);
  registerPolicyRoutes(app, kemai.messagePolicy);
  registerOptOutRoutes(app, kemai.optOut);
  registerLogRoutes(app, kemai.messageLog);
  registerBlueprintsRoutes(app, kemai.blueprints);
  registerJourneysRoutes(app, kemai.journeys);
  registerSurveysRoutes(app, kemai.surveys);
  registerPublicSurveysRoutes(app, kemai.surveys);
  registerCompensationRoutes(app, kemai.compensation);
  registerReviewRoutes(app, kemai.serviceReview, { timeZone: kemai.config.timeZone });
  registerSlaRoutes(app, kemai.sla);
  registerTicketsRoutes(app, kemai.tickets);
  registerPublicTicketsRoutes(app, kemai.tickets);
  registerListeningRoutes(app, kemai.listening);
  registerCrisesRoutes(app, kemai.crises);
  registerStaffRoutes(app, kemai.staff);
  registerServiceAdminRoutes(app, { tickets: kemai.tickets, queues: kemai.serviceQueues, taxonomy: kemai.serviceTaxonomy, replyTemplates: kemai.replyTemplates, others: [kemai.sla, kemai.compensation] });
  // After the API: the console's fallback must never shadow an API route.
  app.register(consolePlugin, {});
  // Domain writes publish to the outbox; deliver right after each successful write request.
  app.addHook('onResponse', async (req, reply) => {
    if (req.method !== 'GET' && reply.statusCode < 400) kemai.events.poke();
  });
  return app;
}
