import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('staff accounts and sessions', () => {
  it('creates the first admin once, with a one-time password that must be changed', async () => {
    const first = await t.kemai.access.ensureInitialAdmin();
    expect(first?.username).toBe('admin');
    expect(first!.password.length).toBeGreaterThanOrEqual(16);
    expect(await t.kemai.access.ensureInitialAdmin()).toBeUndefined();
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: first!.password } });
    expect(login.statusCode).toBe(200);
    expect(login.json().staff).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: true });
    expect(login.headers['set-cookie']).toMatch(/^kemai_session=kms_[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const [stored] = await query<{ password_hash: string }>(t.kemai.database.db, sql`select password_hash from access.staff where username = 'admin'`);
    expect(stored!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('signs in with the cookie, reports the role and scopes, and signs out', async () => {
    const { password } = await t.kemai.access.createStaff({ username: 'li.na', role: 'analyst', displayName: '李娜' });
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'li.na', password } });
    const cookie = login.headers['set-cookie'] as string;
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: cookie.split(';')[0]! } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ kind: 'staff', name: 'li.na', role: 'analyst' });
    expect(me.json().scopes.sort()).toEqual(['catalog:read', 'customers:read', 'events:read', 'insights:admin', 'insights:read', 'journeys:read', 'listening:read', 'loyalty:read', 'messaging:read', 'orders:read', 'promotions:read', 'segments:read', 'segments:write', 'service:read', 'surveys:read']);
    const staffList = await t.app.inject({ method: 'GET', url: '/api/v1/staff', headers: { cookie: cookie.split(';')[0]! } });
    expect(staffList.statusCode).toBe(403);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: cookie.split(';')[0]! } });
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: cookie.split(';')[0]! } });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('auth.invalid_credentials');
  });

  it('refuses a wrong password, an unknown user, an unknown role and a taken username', async () => {
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'li.na', password: 'not-the-password' } });
    expect(wrong.statusCode).toBe(401);
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nobody', password: 'whatever-123' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.message).toBe(wrong.json().error.message);
    const badRole = await t.app.inject({ method: 'POST', url: '/api/v1/staff', headers: t.admin, payload: { username: 'x.y', role: 'cashier' } });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().error.details.issues[0].path).toBe('role');
    const taken = await t.app.inject({ method: 'POST', url: '/api/v1/staff', headers: t.admin, payload: { username: 'li.na', role: 'guide' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('access.username_taken');
  });

  it('resets a password and ends the old sessions', async () => {
    const { password } = await t.kemai.access.createStaff({ username: 'zhang.wei', role: 'guide' });
    const s = await t.kemai.access.login('zhang.wei', password);
    const fresh = await t.app.inject({ method: 'POST', url: '/api/v1/staff/zhang.wei/reset-password', headers: t.admin });
    expect(fresh.statusCode).toBe(200);
    expect(await t.kemai.access.authenticate(s.token)).toBeUndefined();
    await expect(t.kemai.access.login('zhang.wei', password)).rejects.toMatchObject({ code: 'auth.invalid_credentials' });
    expect((await t.kemai.access.login('zhang.wei', fresh.json().password)).staff.mustChangePassword).toBe(true);
  });
});

describe('API keys', () => {
  it('returns the key once, stores only its hash, grants exactly its scopes, and stops working when revoked', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: t.admin,
      payload: { name: 'pos', scopes: ['orders:write', 'customers:read'] },
    });
    expect(res.statusCode).toBe(201);
    const { key, apiKey } = res.json();
    expect(key).toMatch(/^km_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const [row] = await query<{ secret_hash: string }>(t.kemai.database.db, sql`select secret_hash from access.api_keys where id = ${apiKey.id}`);
    expect(row!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain(row!.secret_hash);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: t.admin });
    expect(JSON.stringify(list.json())).not.toContain(key.split('_')[2]);
    const auth = { authorization: `Bearer ${key}` };
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/stores', headers: auth });
    expect(read.statusCode).toBe(403);
    expect(read.json().error.details).toEqual({ scope: 'catalog:read' });
    const tampered = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key.slice(0, -2)}xx` } });
    expect(tampered.statusCode).toBe(401);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: auth });
    expect(me.json()).toMatchObject({ kind: 'apikey', name: 'pos', scopes: ['orders:write', 'customers:read'] });
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${apiKey.id}`, headers: t.admin })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: auth })).statusCode).toBe(401);
  });

  it('refuses unknown scopes naming them', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.admin, payload: { name: 'x', scopes: ['orders:delete'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0].path).toBe('scopes.0');
    await expect(t.kemai.access.createApiKey({ name: 'x', scopes: ['orders:delete'] })).rejects.toMatchObject({ code: 'access.unknown_scope' });
  });
});
