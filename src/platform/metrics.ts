import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import client from 'prom-client';
import type { Logger } from 'pino';
import { query, type Db } from './db/database.js';

/**
 * Prometheus metrics of this process (prom-client): one registry, Node's process metrics prefixed `kemai_`, the HTTP
 * request counters, the ingest counters modules bump after their commits, and gauges read from the database at scrape
 * time. Labels carry route patterns, methods, status codes and fixed names only: never a URL, an id or personal data.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'kemai_' });

/** `text/plain; version=0.0.4; charset=utf-8` */
export const METRICS_CONTENT_TYPE = registry.contentType;

const httpRequests = new client.Counter({
  name: 'kemai_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

/** 5 ms … 10 s: a cached read takes a few ms, a 1,000-order batch about a second. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const httpDuration = new client.Histogram({
  name: 'kemai_http_request_duration_seconds',
  help: 'HTTP request duration in seconds, by method and route pattern',
  labelNames: ['method', 'route'] as const,
  buckets: HTTP_BUCKETS,
  registers: [registry],
});

const ordersIngested = new client.Counter({
  name: 'kemai_orders_ingested_total',
  help: 'Orders written (created or updated), counted after their transaction committed, by source (api, import, checkout, …)',
  labelNames: ['source'] as const,
  registers: [registry],
});

const eventsIngested = new client.Counter({
  name: 'kemai_events_ingested_total',
  help: 'Behaviour events written (created or updated), counted after their transaction committed',
  registers: [registry],
});

/** `import:<run>` → `import`; anything that is not a short lowercase word → `other` (labels stay few). */
export function sourceLabel(source: string): string {
  const head = source.split(':')[0]!.toLowerCase();
  return /^[a-z][a-z_]{0,31}$/.test(head) ? head : 'other';
}

/** After the commit that wrote them: `n` orders created or updated. */
export function countOrdersIngested(source: string, n: number): void {
  if (n > 0) ordersIngested.inc({ source: sourceLabel(source) }, n);
}

/** After the commit that wrote them: `n` behaviour events created or updated. */
export function countEventsIngested(n: number): void {
  if (n > 0) eventsIngested.inc(n);
}

/** How many results are writes (created or updated): what the ingest counters count. */
export function writtenCount(results: Iterable<object>): number {
  let n = 0;
  for (const r of results) {
    const status = 'status' in r ? r.status : undefined;
    if (status === 'created' || status === 'updated') n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Gauges read from the database when scraped.

/** The job states counted as queue depth. */
export const QUEUE_STATES = ['created', 'retry', 'active'] as const;
/** The SLA targets a ticket can breach (service.tickets.sla_breached). */
export const SLA_TARGETS = ['ack', 'first_reply', 'resolve'] as const;
/** A scrape gives up on the database after this long and reports `kemai_db_up 0`. */
const SNAPSHOT_TIMEOUT_MS = 5000;

interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface Snapshot {
  up: boolean;
  queues?: Sample[];
  outboxPending?: number;
  outboxOldestSeconds?: number;
  sla?: Sample[];
}

/** Databases given to watchDatabase, still attached; the gauges read the latest. */
const sources: Array<{ db: Db; log: Logger | undefined }> = [];
let inFlight: Promise<Snapshot> | undefined;

/**
 * The database the scrape-time gauges read: the latest one given that is still attached (a process has one; tests
 * build several). Answers a function that detaches it again (when that database closes).
 */
export function watchDatabase(db: Db, log?: Logger): () => void {
  const mine = { db, log };
  sources.push(mine);
  return () => {
    const at = sources.indexOf(mine);
    if (at >= 0) sources.splice(at, 1);
  };
}

/** One snapshot per scrape: the gauges below share it (prom-client asks them all at once). */
function snapshot(): Promise<Snapshot> {
  inFlight ??= takeSnapshot().finally(() => (inFlight = undefined));
  return inFlight;
}

async function takeSnapshot(): Promise<Snapshot> {
  const s = sources.at(-1);
  if (!s) return { up: false };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Snapshot>((resolve) => {
    timer = setTimeout(() => {
      s.log?.warn({ timeoutMs: SNAPSHOT_TIMEOUT_MS }, 'metrics: the database did not answer in time');
      resolve({ up: false });
    }, SNAPSHOT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([readDatabase(s.db, s.log), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readDatabase(db: Db, log: Logger | undefined): Promise<Snapshot> {
  try {
    await db.execute(sql`select 1`);
  } catch {
    return { up: false };
  }
  const out: Snapshot = { up: true };
  // Each read on its own, bounded by a statement timeout: one failing (pg-boss not installed yet) skips that gauge only.
  const read = async <T>(what: string, statement: ReturnType<typeof sql>): Promise<T[] | undefined> => {
    try {
      return await db.transaction(async (tx) => {
        await tx.execute(sql`set local statement_timeout = 3000`);
        return query<T>(tx, statement);
      });
    } catch (err) {
      log?.warn({ err, metric: what }, 'metrics: a database gauge could not be read');
      return undefined;
    }
  };

  // pg-boss creates its schema when jobs first start; until then there is no queue to report.
  const boss = await read<{ present: boolean }>('kemai_job_queue_depth', sql`select to_regclass('pgboss.job') is not null as present`);
  if (boss?.[0]?.present) {
    const rows = await read<{ queue: string; state: string; n: number | string }>(
      'kemai_job_queue_depth',
      sql`select q.name as queue, s.state, count(j.id) as n
          from pgboss.queue q
          cross join unnest(array['created', 'retry', 'active']::text[]) as s(state)
          left join pgboss.job j on j.name = q.name and j.state = s.state::pgboss.job_state
          group by q.name, s.state
          order by q.name, s.state`,
    );
    if (rows) out.queues = rows.map((r) => ({ labels: { queue: r.queue, state: r.state }, value: Number(r.n) }));
  } else if (boss) out.queues = [];

  // An event is pending until every subscriber handled it (the bus then sets delivered_at): the partial index
  // outbox_pending_idx holds exactly these rows.
  const outbox = await read<{ pending: number | string; oldest: number | string | null }>(
    'kemai_outbox_pending',
    sql`select count(*) as pending, extract(epoch from (now() - min(occurred_at)))::float8 as oldest
        from platform.outbox where delivered_at is null`,
  );
  if (outbox) {
    out.outboxPending = Number(outbox[0]?.pending ?? 0);
    const oldest = outbox[0]?.oldest;
    out.outboxOldestSeconds = oldest === null || oldest === undefined ? 0 : Math.max(0, Number(oldest));
  }

  // Breaches the SLA scan raised (sla_breached) on tickets still live: one series per target.
  const sla = await read<{ kind: string; n: number | string }>(
    'kemai_sla_breaches',
    sql`select b.kind, count(*) as n
        from service.tickets t cross join unnest(t.sla_breached) as b(kind)
        where t.status in ('new', 'open', 'pending')
        group by b.kind`,
  );
  if (sla) {
    const by = new Map(sla.map((r) => [r.kind, Number(r.n)]));
    out.sla = SLA_TARGETS.map((kind) => ({ labels: { kind }, value: by.get(kind) ?? 0 }));
  }
  return out;
}

/**
 * A gauge whose samples come from the snapshot at scrape time; when the snapshot has none (database down) the
 * gauge prints no sample at all, rather than a stale value or a misleading 0.
 */
class SnapshotGauge {
  readonly type = 'gauge';
  readonly aggregator = 'omit';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: string[],
    private readonly pick: (s: Snapshot) => Sample[] | undefined,
  ) {
    registry.registerMetric(this as never);
  }

  async get() {
    const samples = this.pick(await snapshot()) ?? [];
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: samples.map((s) => ({ labels: s.labels, value: s.value })) };
  }

  reset(): void {}
}

new SnapshotGauge('kemai_db_up', 'Whether the database answered this scrape (1) or not (0); the other database gauges are left out when 0', [], (s) => [
  { labels: {}, value: s.up ? 1 : 0 },
]);
new SnapshotGauge('kemai_job_queue_depth', 'Jobs in pg-boss by queue and state (created, retry, active)', ['queue', 'state'], (s) => s.queues);
new SnapshotGauge('kemai_outbox_pending', 'Outbox events not yet delivered to all their subscribers', [], (s) =>
  s.outboxPending === undefined ? undefined : [{ labels: {}, value: s.outboxPending }],
);
new SnapshotGauge('kemai_outbox_oldest_pending_seconds', 'Age in seconds of the oldest undelivered outbox event (by occurred_at); 0 when none is pending', [], (s) =>
  s.outboxOldestSeconds === undefined ? undefined : [{ labels: {}, value: s.outboxOldestSeconds }],
);
new SnapshotGauge('kemai_sla_breaches', 'Live tickets (new, open, pending) with a breached SLA target, by target (ack, first_reply, resolve)', ['kind'], (s) => s.sla);

/** The whole registry in the text exposition format. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

/** Every counter and histogram back to zero (tests). */
export function resetMetrics(): void {
  registry.resetMetrics();
}

// ---------------------------------------------------------------------------------------------------------------
// Access.

/** Constant-time comparison of a presented bearer token with the configured one. */
function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = crypto.createHash('sha256').update(header.slice(7).trim()).digest();
  const wanted = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(given, wanted);
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export type MetricsAccess = { ok: true } | { ok: false; status: 401 | 403; code: string; message: string };

/**
 * With a token: `Authorization: Bearer <token>` or 401. Without one: loopback callers only, and not through a proxy
 * (a reverse proxy on the same host would make every caller look local), else 403.
 */
export function checkMetricsAccess(
  req: { headers: http.IncomingHttpHeaders; remoteAddress: string | undefined },
  token: string | undefined,
): MetricsAccess {
  if (token) {
    return tokenMatches(req.headers.authorization, token)
      ? { ok: true }
      : { ok: false, status: 401, code: 'metrics.unauthenticated', message: 'Send Authorization: Bearer <KEMAI_METRICS_TOKEN> to read the metrics' };
  }
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  if (isLoopback(req.remoteAddress) && !proxied) return { ok: true };
  return {
    ok: false,
    status: 403,
    code: 'metrics.forbidden',
    message: 'Metrics are served to this machine (loopback) only; set KEMAI_METRICS_TOKEN to let a scraper elsewhere read them with a bearer token',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP.

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route pattern a request matched (`/api/v1/customers/:id`), or `unmatched`: never the URL itself. */
export function routeLabel(req: FastifyRequest): string {
  if (req.is404) return 'unmatched';
  return req.routeOptions.url ?? 'unmatched';
}

/**
 * Counts every request (except scrapes of /metrics) by route pattern, and serves `GET /metrics` (public to the auth
 * layer, not rate limited, hidden from OpenAPI). `db`: the database the scrape-time gauges read.
 */
export function installMetrics(app: FastifyInstance, opts: { token?: string | undefined; db?: Db; log?: Logger }): void {
  if (opts.db) {
    const detach = watchDatabase(opts.db, opts.log);
    app.addHook('onClose', async () => detach());
  }
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.routeOptions.url === '/metrics' && !req.is404) return;
    const method = METHODS.has(req.method) ? req.method : 'other';
    const route = routeLabel(req);
    httpRequests.inc({ method, route, status: String(reply.statusCode) });
    httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { auth: 'public', rateLimit: false }, schema: { hide: true } }, async (req, reply) => {
    const access = checkMetricsAccess({ headers: req.headers, remoteAddress: req.socket.remoteAddress }, opts.token);
    if (!access.ok) {
      reply.status(access.status);
      if (access.status === 401) reply.header('www-authenticate', 'Bearer realm="kemai-metrics"');
      return { error: { code: access.code, message: access.message, requestId: req.id } };
    }
    reply.header('content-type', METRICS_CONTENT_TYPE);
    reply.header('cache-control', 'no-store');
    return metricsText();
  });
}

export interface MetricsServer {
  server: http.Server;
  /** `http://host:port` as bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

/**
 * The registry on a port of its own (`GET /metrics`), for a process without the API (the worker). Access is the
 * port's binding (default loopback) plus, when `token` is given, the bearer token. `db`: the gauges' database.
 */
export async function startMetricsServer(
  port: number,
  host = '127.0.0.1',
  opts: { token?: string | undefined; db?: Db; log?: Logger } = {},
): Promise<MetricsServer> {
  const detach = opts.db ? watchDatabase(opts.db, opts.log) : () => undefined;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      send(status, 'application/json; charset=utf-8', JSON.stringify({ error: { code, message } }), headers);
    if (path !== '/metrics') return error(404, 'route_not_found', `No route ${req.method} ${path}; metrics are at /metrics`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return error(405, 'method_not_allowed', 'Use GET /metrics', { allow: 'GET, HEAD' });
    if (opts.token && !tokenMatches(req.headers.authorization, opts.token))
      return error(401, 'metrics.unauthenticated', 'Send Authorization: Bearer <KEMAI_METRICS_TOKEN> to read the metrics', {
        'www-authenticate': 'Bearer realm="kemai-metrics"',
      });
    metricsText().then(
      (text) => send(200, METRICS_CONTENT_TYPE, text),
      (err: unknown) => {
        opts.log?.error({ err }, 'metrics: the scrape failed');
        error(500, 'internal', 'The metrics could not be collected');
      },
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        detach();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
