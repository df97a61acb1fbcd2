import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { nulPath } from './nul.js';
import { AppError, HTTP_STATUS, type FieldIssue } from '../errors.js';
import { newId } from '../ids.js';
import { pgCode } from '../db/database.js';

export type HttpApp = FastifyInstance;

export interface HttpOptions {
  logger: Logger;
  bodyLimitBytes: number;
  version: string;
  /** The public address people reach this server at (KEMAI_PUBLIC_URL); `https:` turns on HSTS. */
  publicUrl?: string;
  /**
   * While closing, Fastify answers every new request 503 itself before any hook runs (default true). The API server
   * turns it off and sheds load in its own hook, so /readyz can still say `stopping` (app/server.ts).
   */
  return503OnClosing?: boolean;
}

/** Served over TLS (by itself or a proxy in front): HSTS and `Secure` cookies. */
export function isHttpsUrl(publicUrl: string | undefined): boolean {
  return !!publicUrl && publicUrl.toLowerCase().startsWith('https://');
}

/**
 * Headers on every response: no MIME sniffing, no framing, no Referer leaving the site (URLs may carry
 * ids or tokens), a browsing context of our own; HSTS when served over https. API answers are never
 * cached (they carry personal data); the console's files set their own caching (app/console.ts).
 */
function securityHeaders(reply: FastifyReply, url: string, https: boolean) {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  if (https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  if ((url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')) && !reply.hasHeader('cache-control')) {
    reply.header('cache-control', 'no-store');
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The bare Fastify app every module registers on: one error format, request ids, OpenAPI. */
export async function createHttpApp(opts: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    },
    ajv: { customOptions: { coerceTypes: false } },
    return503OnClosing: opts.return503OnClosing ?? true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // PostgreSQL text cannot hold U+0000: refuse it at the edge, naming the field, instead of failing in the database.
  app.addHook('preValidation', async (req) => {
    // Batch envelopes ({items: [...]}) answer per item instead (batch.ts splitValid), so one bad item sinks nothing.
    const batch = (req.routeOptions.url ?? '').endsWith('/batch');
    const body = batch && req.body && typeof req.body === 'object' && 'items' in req.body ? { ...req.body, items: [] } : req.body;
    const where = nulPath(req.params, 'params') ?? nulPath(req.query, 'query') ?? nulPath(body, '');
    if (where !== undefined)
      throw new AppError('validation', 'validation_failed', `Invalid request: ${where}: contains a NUL character (U+0000)`, {
        issues: [{ path: where, message: 'contains a NUL character (U+0000)' }],
      });
  });
  const https = isHttpsUrl(opts.publicUrl);
  app.addHook('onSend', async (req, reply, payload) => {
    securityHeaders(reply, req.url, https);
    return payload;
  });

  app.setErrorHandler((error, req, reply) => sendError(error, req, reply));
  app.setNotFoundHandler((req, reply) =>
    sendError(new AppError('not_found', 'route_not_found', `No route ${req.method} ${req.url.split('?')[0]}`), req, reply),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kemai API',
        version: opts.version,
        description:
          'Kemai (客脉) retail customer operations. Authenticate with `Authorization: Bearer <api key>` (partner systems) or a console session.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key (km_…) or session token (kms_…)' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());
  return app;
}

function pathOf(instancePath: string, context?: string): string {
  const inner = instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (context && context !== 'body') return inner ? `${context}.${inner}` : context;
  return inner || '(root)';
}

export function errorBody(code: string, message: string, requestId: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }), requestId } };
}

function sendError(error: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    const status = HTTP_STATUS[error.kind];
    if (status >= 500) req.log.error({ err: error }, 'request failed');
    return reply.status(status).send(errorBody(error.code, error.message, req.id, error.details));
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues: FieldIssue[] = error.validation.map((v) => ({
      path: pathOf(v.instancePath, error.validationContext),
      message: v.message ?? 'invalid',
    }));
    const first = issues[0];
    return reply
      .status(400)
      .send(
        errorBody(
          'validation_failed',
          first ? `Invalid request: ${first.path}: ${first.message}` : 'Invalid request',
          req.id,
          { issues },
        ),
      );
  }
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) {
    return reply
      .status(413)
      .send(errorBody('payload_too_large', 'Request body is larger than the server accepts; split it into batches', req.id));
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.statusCode === 415) {
    return reply.status(415).send(errorBody('unsupported_media_type', e.message ?? 'Unsupported media type', req.id));
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return reply.status(e.statusCode).send(errorBody('bad_request', e.message ?? 'Bad request', req.id));
  }
  const unavailable = storageUnavailable(error);
  if (unavailable) {
    req.log.error({ err: error, reason: unavailable.code }, 'database unavailable');
    return reply.status(503).header('retry-after', '5').send(errorBody(unavailable.code, unavailable.message, req.id));
  }
  req.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send(errorBody('internal', 'Internal error; quote the request id when reporting it', req.id));
}

/**
 * Database conditions a client should retry rather than report as a bug: the disk is full (53100), the server is out
 * of memory or connections (53200, 53300), restarting or shutting down (57P01–57P03), or the connection broke (class
 * 08, or node-postgres losing its socket). Nothing of the request was committed (its transaction failed), so the same
 * request — idempotent by its keys — can be sent again after Retry-After.
 */
export function storageUnavailable(error: unknown): { code: string; message: string } | undefined {
  const code = pgCode(error);
  if (code === '53100')
    return { code: 'storage_full', message: 'The database is out of disk space; nothing of this request was saved. Retry once space is freed' };
  if (code === '53200' || code === '53300' || code === '57P01' || code === '57P02' || code === '57P03' || code?.startsWith('08') || code === 'ECONNREFUSED' || code === 'ECONNRESET')
    return { code: 'database_unavailable', message: 'The database is unavailable (restarting, overloaded or unreachable); nothing of this request was saved. Retry shortly' };
  for (let e = error as { message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message))
      return { code: 'database_unavailable', message: 'The database is unavailable (restarting, overloaded or unreachable); nothing of this request was saved. Retry shortly' };
  }
  return undefined;
}
