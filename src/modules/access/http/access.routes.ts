import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SCOPES, SESSION_COOKIE, tokenOf } from '../../../platform/http/auth.js';
import { AppError } from '../../../platform/errors.js';
import { actorOf } from '../../../platform/audit.js';
import type { AccessService } from '../access.service.js';
import { ROLE_SCOPES, ROLES } from '../domain/roles.js';
import { API_KEY_SORTS, CreateApiKeyBody, CreateStaffBody, STAFF_SORTS, UpdateStaffBody, username } from '../access.contract.js';

/** `sort=key` or `sort=-key`, one of the whitelisted keys. */
const sortOf = <K extends string>(keys: readonly K[], fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => (keys as readonly string[]).includes(v.replace(/^-/, '')), { message: `one of ${keys.join(', ')} (prefix - for descending)` });

const pageQuery = {
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  q: z.string().max(100).optional(),
};

const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  role: z.enum(ROLES).nullable(),
  storeCode: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  rotatedFrom: z.string().nullable(),
});

const StaffView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  storeCode: z.string().nullable(),
  mustChangePassword: z.boolean(),
  disabled: z.boolean(),
  lockedUntil: z.string().nullable(),
  createdAt: z.string(),
});

/** The session cookie: script cannot read it, other sites never send it, only over TLS when the server is https. */
const sessionCookie = (value: string, expiry: string, secure: boolean) =>
  `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}; ${expiry}`;

/** `secureCookie`: the public URL is https, so the session cookie is marked `Secure`. */
export function registerAccessRoutes(root: FastifyInstance, access: AccessService, opts: { secureCookie?: boolean } = {}) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['access'];
  const secure = opts.secureCookie ?? false;

  app.post(
    '/api/v1/auth/login',
    {
      // Public, yet never from another site's page (login CSRF): a foreign Origin is refused (platform/http/csrf.ts).
      // Also at most KEMAI_RATE_LIMIT_SIGN_IN attempts per IP a minute (platform/http/rate-limit.ts).
      config: { auth: 'public', sameOrigin: true, rateLimit: 'sign_in' },
      schema: {
        tags,
        summary: 'Sign in with a staff account; sets the session cookie and returns the token',
        body: z.object({ username: z.string().min(1), password: z.string().min(1) }),
      },
    },
    async (req, reply) => {
      const session = await access.login(req.body.username, req.body.password);
      reply.header('set-cookie', sessionCookie(encodeURIComponent(session.token), `Expires=${new Date(session.expiresAt).toUTCString()}`, secure));
      return session;
    },
  );

  app.post('/api/v1/auth/logout', { schema: { tags, summary: 'End the current session' } }, async (req, reply) => {
    const token = tokenOf(req);
    if (token) await access.logout(token);
    reply.header('set-cookie', sessionCookie('', 'Max-Age=0', secure));
    return { ok: true };
  });

  app.get('/api/v1/auth/me', { schema: { tags, summary: 'Who is calling, with their permissions' } }, async (req) => {
    const p = req.principal!;
    return { kind: p.kind, id: p.id, name: p.name, role: p.role ?? null, scopes: [...p.scopes], staff: (await access.me(p)) ?? null };
  });

  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        tags,
        summary: 'Change your own password',
        body: z.object({ currentPassword: z.string(), newPassword: z.string().min(10) }),
      },
    },
    async (req) => {
      const p = req.principal!;
      if (p.kind !== 'staff') throw new AppError('forbidden', 'auth.staff_only', 'Only staff accounts have passwords');
      await access.changePassword(p.id, req.body.currentPassword, req.body.newPassword);
      return { ok: true };
    },
  );

  app.get(
    '/api/v1/roles',
    {
      schema: {
        tags,
        summary: 'The roles and the scopes each one grants, and every scope there is',
        response: { 200: z.object({ roles: z.array(z.object({ role: z.enum(ROLES), scopes: z.array(z.enum(SCOPES)) })), scopes: z.array(z.enum(SCOPES)) }) },
      },
    },
    async () => ({
      roles: ROLES.map((role) => ({ role, scopes: SCOPES.filter((s) => ROLE_SCOPES[role].has(s)) })),
      scopes: [...SCOPES],
    }),
  );

  app.get(
    '/api/v1/staff',
    {
      config: { scope: 'staff:admin' },
      schema: {
        tags,
        summary: 'List staff accounts: search username or display name, filter by role and status, sort and page',
        querystring: z.object({
          ...pageQuery,
          role: z.enum(ROLES).optional(),
          status: z.enum(['active', 'disabled']).optional(),
          sort: sortOf(STAFF_SORTS, 'username'),
        }),
        response: { 200: z.object({ items: z.array(StaffView), total: z.number().int() }) },
      },
    },
    async (req) => access.pageStaff(req.query),
  );

  app.post(
    '/api/v1/staff',
    {
      config: { scope: 'staff:admin' },
      schema: {
        tags,
        summary: 'Create a staff account; without a password one is generated and returned once',
        body: CreateStaffBody,
      },
    },
    async (req, reply) => {
      const result = await access.createStaff(req.body, actorOf(req.principal));
      reply.status(201);
      return { staff: result.staff, password: req.body.password ? undefined : result.password };
    },
  );

  app.patch(
    '/api/v1/staff/:username',
    {
      config: { scope: 'staff:admin' },
      schema: {
        tags,
        summary: 'Change display name, role or store, or disable/enable the account (disabling ends its sessions)',
        description: 'The last active administrator can be neither demoted nor disabled (409 access.last_admin).',
        params: z.object({ username }),
        body: UpdateStaffBody,
        response: { 200: StaffView },
      },
    },
    async (req) => access.updateStaff(req.params.username, req.body, actorOf(req.principal)),
  );

  app.post(
    '/api/v1/staff/:username/reset-password',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'Reset a password; the new one is returned once', params: z.object({ username: z.string() }) } },
    async (req) => ({ username: req.params.username, password: await access.resetPassword(req.params.username, actorOf(req.principal)) }),
  );

  app.get(
    '/api/v1/api-keys',
    {
      config: { scope: 'apikeys:admin' },
      schema: {
        tags,
        summary: 'List API keys (never the secrets): who made them, their scopes, when last used (to the minute), revoked or not',
        querystring: z.object({
          ...pageQuery,
          status: z.enum(['active', 'revoked']).optional(),
          sort: sortOf(API_KEY_SORTS, '-createdAt'),
        }),
        response: { 200: z.object({ items: z.array(ApiKeyView), total: z.number().int() }) },
      },
    },
    async (req) => access.pageApiKeys(req.query),
  );

  app.post(
    '/api/v1/api-keys',
    {
      config: { scope: 'apikeys:admin' },
      schema: {
        tags,
        summary: 'Create an API key with a role’s scopes or scopes of its own; the key is returned once and stored hashed',
        body: CreateApiKeyBody,
      },
    },
    async (req, reply) => {
      const result = await access.createApiKey({ ...req.body, createdBy: req.principal!.name, actor: actorOf(req.principal) });
      reply.status(201);
      return result;
    },
  );

  app.delete(
    '/api/v1/api-keys/:id',
    {
      config: { scope: 'apikeys:admin' },
      schema: { tags, summary: 'Revoke an API key; it stops working at once', params: z.object({ id: z.uuid() }), response: { 200: z.object({ ok: z.literal(true), apiKey: ApiKeyView }) } },
    },
    async (req) => ({ ok: true as const, apiKey: await access.revokeApiKey(req.params.id, actorOf(req.principal)) }),
  );

  app.post(
    '/api/v1/api-keys/:id/rotate',
    {
      config: { scope: 'apikeys:admin' },
      schema: {
        tags,
        summary: 'Rotate an API key: a new key with the same name, role and scopes (returned once); the old one works for graceHours more',
        description:
          'graceHours 0–168, default 24: the old key’s expiresAt becomes now + graceHours (or stays, when sooner). 409 for a revoked, expired or already rotated key.',
        params: z.object({ id: z.uuid() }),
        body: z.object({ graceHours: z.number().min(0).max(168).optional() }).nullish(),
        response: { 201: z.object({ apiKey: ApiKeyView, key: z.string(), previous: ApiKeyView }) },
      },
    },
    async (req, reply) => {
      const result = await access.rotateApiKey(req.params.id, { graceHours: req.body?.graceHours, createdBy: req.principal!.name, actor: actorOf(req.principal) });
      reply.status(201);
      return result;
    },
  );
}
