import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SCOPES, SESSION_COOKIE, tokenOf } from '../../../platform/http/auth.js';
import { AppError } from '../../../platform/errors.js';
import type { AccessService } from '../access.service.js';
import { ROLES } from '../domain/roles.js';

const StaffView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  storeCode: z.string().nullable(),
  mustChangePassword: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.string(),
});

export function registerAccessRoutes(root: FastifyInstance, access: AccessService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['access'];

  app.post(
    '/api/v1/auth/login',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Sign in with a staff account; sets the session cookie and returns the token',
        body: z.object({ username: z.string().min(1), password: z.string().min(1) }),
      },
    },
    async (req, reply) => {
      const session = await access.login(req.body.username, req.body.password);
      reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${encodeURIComponent(session.token)}; Path=/; HttpOnly; SameSite=Strict; Expires=${new Date(session.expiresAt).toUTCString()}`,
      );
      return session;
    },
  );

  app.post('/api/v1/auth/logout', { schema: { tags, summary: 'End the current session' } }, async (req, reply) => {
    const token = tokenOf(req);
    if (token) await access.logout(token);
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
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
    '/api/v1/staff',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'List staff accounts', response: { 200: z.object({ items: z.array(StaffView) }) } } },
    async () => ({ items: await access.listStaff() }),
  );

  app.post(
    '/api/v1/staff',
    {
      config: { scope: 'staff:admin' },
      schema: {
        tags,
        summary: 'Create a staff account; without a password one is generated and returned once',
        body: z.object({
          username: z.string(),
          displayName: z.string().optional(),
          role: z.enum(ROLES),
          storeCode: z.string().nullable().optional(),
          password: z.string().min(10).optional(),
        }),
      },
    },
    async (req, reply) => {
      const result = await access.createStaff(req.body);
      reply.status(201);
      return { staff: result.staff, password: req.body.password ? undefined : result.password };
    },
  );

  app.post(
    '/api/v1/staff/:username/reset-password',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'Reset a password; the new one is returned once', params: z.object({ username: z.string() }) } },
    async (req) => ({ username: req.params.username, password: await access.resetPassword(req.params.username) }),
  );

  app.get(
    '/api/v1/api-keys',
    { config: { scope: 'apikeys:admin' }, schema: { tags, summary: 'List API keys (never the secrets)' } },
    async () => ({ items: await access.listApiKeys() }),
  );

  app.post(
    '/api/v1/api-keys',
    {
      config: { scope: 'apikeys:admin' },
      schema: {
        tags,
        summary: 'Create an API key for a partner system; the key is returned once and stored hashed',
        body: z.object({ name: z.string().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1) }),
      },
    },
    async (req, reply) => {
      const result = await access.createApiKey({ ...req.body, createdBy: req.principal!.name });
      reply.status(201);
      return result;
    },
  );

  app.delete(
    '/api/v1/api-keys/:id',
    { config: { scope: 'apikeys:admin' }, schema: { tags, summary: 'Revoke an API key', params: z.object({ id: z.uuid() }) } },
    async (req) => {
      await access.revokeApiKey(req.params.id);
      return { ok: true };
    },
  );
}
