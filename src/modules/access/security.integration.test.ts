import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { AccessService } from './access.service.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/** Issue 13: sign-in lockout and API key rotation. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const PW = 'Lockout-Test-2025';
const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
const counters = async (username: string) =>
  (
    await query<{ failed_logins: number; locked_until: string | null }>(
      t.kemai.database.db,
      sql`select failed_logins, locked_until::text as locked_until from access.staff where username = ${username}`,
    )
  )[0]!;
const auditOf = async (action: string, targetId: string) =>
  query<{ actor: string; details: unknown }>(
    t.kemai.database.db,
    sql`select actor, details from platform.audit_log where action = ${action} and target_id = ${targetId} order by seq`,
  );

describe('sign-in lockout', () => {
  it('locks after 5 wrong passwords: the 6th attempt with the right password gets the same 401 as a wrong one', async () => {
    const { staff } = await t.kemai.access.createStaff({ username: 'lock.me', role: 'guide', password: PW });
    const wrong = await login('lock.me', 'not-the-password');
    expect(wrong.statusCode).toBe(401);
    expect(await counters('lock.me')).toEqual({ failed_logins: 1, locked_until: null });
    for (let i = 0; i < 4; i++) expect((await login('lock.me', 'not-the-password')).statusCode).toBe(401);
    const c = await counters('lock.me');
    expect(c.failed_logins).toBe(5);
    const lockedFor = Date.parse(c.locked_until!) - Date.now();
    expect(lockedFor).toBeGreaterThan(14 * 60_000);
    expect(lockedFor).toBeLessThanOrEqual(15 * 60_000);
    const right = await login('lock.me', PW);
    expect(right.statusCode).toBe(401);
    // Indistinguishable from a wrong password and from an unknown user (no user enumeration).
    const unknown = await login('nobody.here', PW);
    const strip = (b: { error: { requestId: string } }) => ({ ...b.error, requestId: undefined });
    expect(strip(right.json())).toEqual(strip(wrong.json()));
    expect(strip(right.json())).toEqual(strip(unknown.json()));
    expect(strip(right.json())).toEqual({ code: 'auth.invalid_credentials', message: 'Wrong username or password', requestId: undefined });
    expect(right.headers['set-cookie']).toBeUndefined();
    // Attempts while locked neither count nor extend the lock.
    expect(await counters('lock.me')).toEqual(c);
    expect(await auditOf('access.lockout', staff.id)).toEqual([{ actor: 'system', details: { failures: 5, minutes: 15 } }]);
    // The staff list shows the lock to an admin.
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/staff?q=lock.me', headers: t.admin });
    expect(listed.json().items[0].lockedUntil).toBe(new Date(c.locked_until!).toISOString());
  });

  it('after the lock has passed, the right password works and resets the counter', async () => {
    await t.kemai.database.db.execute(sql`update access.staff set locked_until = now() - interval '1 second' where username = 'lock.me'`);
    const ok = await login('lock.me', PW);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().staff.lockedUntil).toBeNull();
    expect(await counters('lock.me')).toEqual({ failed_logins: 0, locked_until: null });
  });

  it('a success resets the count, so only 5 failures in a row lock', async () => {
    await t.kemai.access.createStaff({ username: 'sometimes.wrong', role: 'guide', password: PW });
    for (let i = 0; i < 4; i++) await login('sometimes.wrong', 'nope-nope-nope');
    expect((await counters('sometimes.wrong')).failed_logins).toBe(4);
    expect((await login('sometimes.wrong', PW)).statusCode).toBe(200);
    expect(await counters('sometimes.wrong')).toEqual({ failed_logins: 0, locked_until: null });
    for (let i = 0; i < 4; i++) await login('sometimes.wrong', 'nope-nope-nope');
    expect((await login('sometimes.wrong', PW)).statusCode).toBe(200);
  });

  it('an admin password reset or enabling the account lifts the lock (audit access.unlock)', async () => {
    const { staff } = await t.kemai.access.createStaff({ username: 'reset.me', role: 'guide', password: PW });
    for (let i = 0; i < 5; i++) await login('reset.me', 'nope-nope-nope');
    expect((await counters('reset.me')).locked_until).not.toBeNull();
    const reset = await t.app.inject({ method: 'POST', url: '/api/v1/staff/reset.me/reset-password', headers: t.admin });
    expect(reset.statusCode).toBe(200);
    expect(await counters('reset.me')).toEqual({ failed_logins: 0, locked_until: null });
    expect((await login('reset.me', reset.json().password)).statusCode).toBe(200);

    for (let i = 0; i < 5; i++) await login('reset.me', 'nope-nope-nope');
    const enable = await t.app.inject({ method: 'PATCH', url: '/api/v1/staff/reset.me', headers: t.admin, payload: { disabled: false } });
    expect(enable.statusCode).toBe(200);
    expect(enable.json().lockedUntil).toBeNull();
    expect(await counters('reset.me')).toEqual({ failed_logins: 0, locked_until: null });
    const unlocks = await auditOf('access.unlock', staff.id);
    expect(unlocks.map((u) => u.actor)).toEqual([expect.stringMatching(/^key:/), expect.stringMatching(/^key:/)]);
    expect((await auditOf('access.lockout', staff.id)).length).toBe(2);
  });

  it('follows the configured limits and the service clock exactly', async () => {
    let now = new Date('2026-03-01T10:00:00.000Z');
    const access = new AccessService(t.kemai.database.db, 12, { maxFailures: 3, lockMinutes: 30, clock: { now: () => now } });
    await access.createStaff({ username: 'clocked', role: 'guide', password: PW });
    for (let i = 0; i < 3; i++) await expect(access.login('clocked', 'nope-nope-nope')).rejects.toMatchObject({ code: 'auth.invalid_credentials' });
    expect(await counters('clocked')).toEqual({ failed_logins: 3, locked_until: '2026-03-01 10:30:00+00' });
    now = new Date('2026-03-01T10:29:59.999Z');
    await expect(access.login('clocked', PW)).rejects.toMatchObject({ code: 'auth.invalid_credentials' });
    now = new Date('2026-03-01T10:30:00.000Z');
    // After the lock the count starts again: one wrong password does not lock at once.
    await expect(access.login('clocked', 'nope-nope-nope')).rejects.toMatchObject({ code: 'auth.invalid_credentials' });
    expect(await counters('clocked')).toEqual({ failed_logins: 1, locked_until: null });
    const s = await access.login('clocked', PW);
    expect(s.expiresAt).toBe('2026-03-01T22:30:00.000Z');
    expect(await counters('clocked')).toEqual({ failed_logins: 0, locked_until: null });
  });
});

describe('API key rotation', () => {
  const rotate = (id: string, payload?: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/api-keys/${id}/rotate`, headers: t.admin, ...(payload ? { payload } : {}) });
  const me = (key: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key}` } });

  it('makes a new key with the same name, role and scopes; the old one works until its grace ends, then 401', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.admin, payload: { name: 'pos', role: 'analyst' } })).json();
    const before = Date.now();
    const res = await rotate(created.apiKey.id, { graceHours: 2 });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.key).toMatch(/^km_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(body.apiKey).toMatchObject({ name: 'pos', role: 'analyst', scopes: created.apiKey.scopes, rotatedFrom: created.apiKey.id, expiresAt: null, revokedAt: null, createdBy: 'local-cli' });
    expect(body.apiKey.id).not.toBe(created.apiKey.id);
    const graceEnd = Date.parse(body.previous.expiresAt);
    expect(graceEnd).toBeGreaterThanOrEqual(before + 2 * 3600_000);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + 2 * 3600_000);
    expect((await me(created.key)).statusCode).toBe(200);
    expect((await me(body.key)).json()).toMatchObject({ kind: 'apikey', id: body.apiKey.id, name: 'pos' });
    // The grace period ends (moved into the past in the table): the old key is refused, the new one goes on.
    await t.kemai.database.db.execute(sql`update access.api_keys set expires_at = now() - interval '1 second' where id = ${created.apiKey.id}`);
    const old = await me(created.key);
    expect(old.statusCode).toBe(401);
    expect(old.json().error.code).toBe('auth.invalid_credentials');
    expect((await me(body.key)).statusCode).toBe(200);
    expect(await auditOf('access.apikey_rotate', created.apiKey.id)).toEqual([
      { actor: expect.stringMatching(/^key:/), details: { newKeyId: body.apiKey.id, graceHours: 2 } },
    ]);
  });

  it('defaults to 24 hours of grace; 0 stops the old key at once', async () => {
    const a = await t.kemai.access.createApiKey({ name: 'ecom', scopes: ['orders:write'] });
    const before = Date.now();
    const res = await rotate(a.apiKey.id);
    expect(res.statusCode).toBe(201);
    expect(Date.parse(res.json().previous.expiresAt) - before).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(Date.parse(res.json().previous.expiresAt) - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    const b = await t.kemai.access.createApiKey({ name: 'mini', scopes: ['orders:write'] });
    expect((await rotate(b.apiKey.id, { graceHours: 0 })).statusCode).toBe(201);
    expect((await me(b.key)).statusCode).toBe(401);
  });

  it('refuses a revoked, expired or already rotated key (409 naming why), an unknown id (404), a bad grace (400)', async () => {
    const k = await t.kemai.access.createApiKey({ name: 'old-pos', scopes: ['orders:write'] });
    await t.kemai.access.revokeApiKey(k.apiKey.id);
    const revoked = await rotate(k.apiKey.id);
    expect(revoked.statusCode).toBe(409);
    expect(revoked.json().error).toMatchObject({ code: 'access.api_key_revoked', message: `API key ${k.apiKey.id} is revoked; a revoked key cannot be rotated — create a new one` });

    const r = await t.kemai.access.createApiKey({ name: 'twice', scopes: ['orders:write'] });
    const first = await rotate(r.apiKey.id);
    const second = await rotate(r.apiKey.id);
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'access.api_key_rotated', message: `API key ${r.apiKey.id} was already rotated to ${first.json().apiKey.id}; rotate that one instead` });

    const e = await t.kemai.access.createApiKey({ name: 'expired', scopes: ['orders:write'] });
    await t.kemai.database.db.execute(sql`update access.api_keys set expires_at = now() - interval '1 minute' where id = ${e.apiKey.id}`);
    expect((await rotate(e.apiKey.id)).json().error.code).toBe('access.api_key_expired');

    const unknown = await rotate('00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('access.api_key_not_found');
    const g = await t.kemai.access.createApiKey({ name: 'grace', scopes: ['orders:write'] });
    const bad = await rotate(g.apiKey.id, { graceHours: 169 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('graceHours');
    const noScope = await t.app.inject({ method: 'POST', url: `/api/v1/api-keys/${g.apiKey.id}/rotate`, headers: await t.keyWith(['staff:admin']) });
    expect(noScope.statusCode).toBe(403);
  });
});
