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
    // From the console: its requests carry their Origin (see 'cross-site requests' below).
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: cookie.split(';')[0]!, origin: 'http://localhost' } });
    expect(logout.statusCode).toBe(200);
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
    // The secret is everything after km_<id>_ (base64url: it may itself hold '_').
    expect(JSON.stringify(list.json())).not.toContain(key.slice('km_'.length + 32 + 1));
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

describe('cross-site requests (CSRF)', () => {
  const PW = 'Csrf-Test-2025-pw';
  let cookie: string;
  beforeAll(async () => {
    await t.kemai.access.createStaff({ username: 'csrf.admin', role: 'admin', password: PW });
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'csrf.admin', password: PW } });
    cookie = (login.headers['set-cookie'] as string).split(';')[0]!;
  });

  const createStaff = (username: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/staff', headers, payload: { username, role: 'guide' } });
  const staffRows = async (username: string) =>
    (await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from access.staff where username = ${username}`))[0]!.n;

  it('refuses a cookie-authenticated write from another site, naming its origin, and changes nothing', async () => {
    const res = await createStaff('forged.one', { cookie, origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'csrf_rejected',
      message:
        'Cross-site request refused: it comes from https://evil.example, not from this site. Call the API with an API key (Authorization: Bearer) or from the console itself',
      details: { origin: 'https://evil.example' },
    });
    expect(await staffRows('forged.one')).toBe(0);
    // PATCH and DELETE too; an opaque origin ("null": sandboxed frames, some redirects) is foreign.
    const patch = await t.app.inject({ method: 'PATCH', url: '/api/v1/staff/csrf.admin', headers: { cookie, origin: 'null' }, payload: { displayName: 'pwned' } });
    expect(patch.statusCode).toBe(403);
    expect(patch.json().error.details).toEqual({ origin: 'null' });
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.json().staff.displayName).not.toBe('pwned');
  });

  it('accepts the same write from this site: its own origin, the public URL, the https twin behind a TLS proxy', async () => {
    const own = await createStaff('same.origin', { cookie, origin: 'http://localhost' });
    expect(own.statusCode, own.body).toBe(201);
    expect(await staffRows('same.origin')).toBe(1);
    // KEMAI_PUBLIC_URL defaults to http://localhost:3000: accepted whatever the Host header says.
    const viaPublicUrl = await createStaff('public.url', { cookie, origin: 'http://localhost:3000', host: 'internal:8080' });
    expect(viaPublicUrl.statusCode, viaPublicUrl.body).toBe(201);
    const behindProxy = await createStaff('behind.proxy', { cookie, origin: 'https://crm.internal', host: 'crm.internal' });
    expect(behindProxy.statusCode, behindProxy.body).toBe(201);
    // The same host over plain http is not this site when the request came over http on another port.
    const otherPort = await createStaff('other.port', { cookie, origin: 'http://localhost:8081' });
    expect(otherPort.statusCode).toBe(403);
    expect(await staffRows('other.port')).toBe(0);
  });

  it('without Origin, judges by Sec-Fetch-Site, then by Referer; with none of them, refuses', async () => {
    expect((await createStaff('fetch.same', { cookie, 'sec-fetch-site': 'same-origin' })).statusCode).toBe(201);
    const sameSite = await createStaff('fetch.site', { cookie, 'sec-fetch-site': 'same-site' });
    expect(sameSite.statusCode).toBe(403);
    expect(sameSite.json().error.details).toEqual({ origin: 'Sec-Fetch-Site: same-site' });
    expect((await createStaff('fetch.cross', { cookie, 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await createStaff('referer.own', { cookie, referer: 'http://localhost/settings/staff' })).statusCode).toBe(201);
    const foreignReferer = await createStaff('referer.evil', { cookie, referer: 'https://evil.example/page?x=1' });
    expect(foreignReferer.statusCode).toBe(403);
    expect(foreignReferer.json().error.details).toEqual({ origin: 'https://evil.example' });
    const bare = await createStaff('no.evidence', { cookie });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.details).toEqual({ origin: 'none (no Origin, Sec-Fetch-Site or Referer header)' });
    for (const u of ['fetch.site', 'fetch.cross', 'referer.evil', 'no.evidence']) expect(await staffRows(u)).toBe(0);
    expect(await staffRows('fetch.same')).toBe(1);
    expect(await staffRows('referer.own')).toBe(1);
  });

  it('lets API keys write from anywhere (a browser never sends a Bearer token by itself), and reads are not checked', async () => {
    const key = await createStaff('by.api.key', { ...t.admin, origin: 'https://evil.example' });
    expect(key.statusCode, key.body).toBe(201);
    expect(await staffRows('by.api.key')).toBe(1);
    // A Bearer token wins over a cookie riding along: the cookie does not authenticate this request.
    expect((await createStaff('bearer.and.cookie', { ...t.admin, cookie, origin: 'https://evil.example' })).statusCode).toBe(201);
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/staff?q=csrf', headers: { cookie, origin: 'https://evil.example' } });
    expect(read.statusCode).toBe(200);
  });

  it('refuses a sign-in posted from another site and a forged sign-out; sign-in without Origin (scripts) still works', async () => {
    const sessions = async () =>
      (await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from access.sessions s join access.staff p on p.id = s.staff_id where p.username = 'csrf.admin'`))[0]!.n;
    const before = await sessions();
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { origin: 'https://evil.example' }, payload: { username: 'csrf.admin', password: PW } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('csrf_rejected');
    expect(forged.headers['set-cookie']).toBeUndefined();
    expect(await sessions()).toBe(before);
    const fromConsole = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { origin: 'http://localhost' }, payload: { username: 'csrf.admin', password: PW } });
    expect(fromConsole.statusCode).toBe(200);
    expect(await sessions()).toBe(before + 1);

    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, origin: 'https://evil.example' } });
    expect(logout.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(200);
  });

  it('leaves the other public routes alone: the public ticket form may be posted from the brand’s own web sites', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/public/tickets',
      headers: { origin: 'https://shop.brand.example', cookie },
      payload: { submissionId: 'csrf-public-form-1', name: '顾客', email: 'csrf@example.com', subject: 'Size', description: 'Wrong size delivered' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().status).toBe('new');
  });
});
