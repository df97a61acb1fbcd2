import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/** The console's settings pages through the API: staff admin, roles, API keys with last use. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

/** Sign in through the API; the session cookie as a header, with the Origin the console's own requests carry. */
async function session(username: string, password: string): Promise<{ cookie: string; origin: string }> {
  const res = await req('POST', '/api/v1/auth/login', { username, password }, {});
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: (res.headers['set-cookie'] as string).split(';')[0]!, origin: 'http://localhost' };
}

const PW = 'Settings-Test-2025';

describe('roles', () => {
  it('lists every role with the scopes it grants, readable by any signed-in person', async () => {
    await t.kemai.access.createStaff({ username: 'reader', role: 'guide', password: PW });
    const res = await req('GET', '/api/v1/roles', undefined, await session('reader', PW));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.roles.map((r: { role: string }) => r.role)).toEqual(['admin', 'marketer', 'analyst', 'store_manager', 'guide', 'service_agent']);
    expect(body.roles[0].scopes).toEqual(body.scopes);
    expect(body.scopes).toHaveLength(40);
    expect(body.roles[2]).toEqual({ role: 'analyst', scopes: ['customers:read', 'orders:read', 'loyalty:read', 'segments:read', 'segments:write', 'insights:read', 'insights:admin', 'promotions:read', 'journeys:read', 'messaging:read', 'service:read', 'surveys:read', 'listening:read', 'events:read', 'catalog:read'] });
    expect(body.roles[4]).toEqual({
      role: 'guide',
      scopes: ['customers:read', 'customers:write', 'orders:read', 'loyalty:read', 'loyalty:write', 'segments:read', 'insights:read', 'promotions:read', 'promotions:write', 'journeys:read', 'messaging:read', 'messaging:write', 'service:read', 'service:write', 'surveys:read', 'listening:read', 'events:read', 'events:write', 'catalog:read', 'pii:read'],
    });
    expect((await req('GET', '/api/v1/roles', undefined, {})).statusCode).toBe(401);
  });
});

describe('staff list', () => {
  beforeAll(async () => {
    for (const [username, displayName, role] of [
      ['wang.fang', '王芳', 'store_manager'],
      ['li.na', '李娜', 'analyst'],
      ['zhang.wei', '张伟', 'guide'],
      ['chen.jing', '陈静', 'marketer'],
      ['liu.yang', '刘洋', 'analyst'],
    ] as const)
      await t.kemai.access.createStaff({ username, displayName, role, password: PW });
  });

  it('pages and sorts with the total, by username (code point order) by default', async () => {
    const all = await req('GET', '/api/v1/staff');
    expect(all.json().total).toBe(6);
    expect(all.json().items.map((s: { username: string }) => s.username)).toEqual(['chen.jing', 'li.na', 'liu.yang', 'reader', 'wang.fang', 'zhang.wei']);
    const page2 = await req('GET', '/api/v1/staff?sort=-username&pageSize=2&page=2');
    expect(page2.json()).toMatchObject({ total: 6, items: [{ username: 'reader' }, { username: 'liu.yang' }] });
    const byRole = await req('GET', '/api/v1/staff?sort=role&pageSize=3');
    expect(byRole.json().items.map((s: { role: string; username: string }) => `${s.role}/${s.username}`)).toEqual([
      'analyst/li.na',
      'analyst/liu.yang',
      'guide/reader',
    ]);
  });

  it('searches username and display name, filters role and status', async () => {
    const byName = await req('GET', `/api/v1/staff?q=${encodeURIComponent('李')}`);
    expect(byName.json()).toMatchObject({ total: 1, items: [{ username: 'li.na', displayName: '李娜', role: 'analyst', disabled: false }] });
    const byUser = await req('GET', '/api/v1/staff?q=LI');
    expect(byUser.json().items.map((s: { username: string }) => s.username)).toEqual(['li.na', 'liu.yang']);
    // A % is a character, not a wildcard.
    expect((await req('GET', '/api/v1/staff?q=%25')).json()).toEqual({ items: [], total: 0 });
    const analysts = await req('GET', '/api/v1/staff?role=analyst&status=active');
    expect(analysts.json().total).toBe(2);
  });

  it('refuses an unknown sort, role or page size, naming the parameter', async () => {
    const sort = await req('GET', '/api/v1/staff?sort=password');
    expect(sort.statusCode).toBe(400);
    expect(sort.json().error.details.issues[0]).toEqual({ path: 'querystring.sort', message: 'one of username, displayName, role, createdAt (prefix - for descending)' });
    const role = await req('GET', '/api/v1/staff?role=cashier');
    expect(role.json().error.details.issues[0].path).toBe('querystring.role');
    const size = await req('GET', '/api/v1/staff?pageSize=201');
    expect(size.json().error.details.issues[0].path).toBe('querystring.pageSize');
  });
});

describe('changing a staff account', () => {
  it('changes role and display name; the new role applies to the open session at once', async () => {
    await t.kemai.access.createStaff({ username: 'zhou.min', displayName: '周敏', role: 'analyst', password: PW });
    const s = await session('zhou.min', PW);
    expect((await req('GET', '/api/v1/customers?q=x', undefined, s)).statusCode).toBe(200);
    expect((await req('GET', '/api/v1/auth/me', undefined, s)).json().scopes).not.toContain('pii:read');
    const res = await req('PATCH', '/api/v1/staff/zhou.min', { role: 'service_agent', displayName: '周敏（客服）', storeCode: 'SH01' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ username: 'zhou.min', displayName: '周敏（客服）', role: 'service_agent', storeCode: 'SH01', disabled: false });
    const me = (await req('GET', '/api/v1/auth/me', undefined, s)).json();
    expect(me.role).toBe('service_agent');
    expect(me.scopes).toContain('pii:read');
    expect((await req('PATCH', '/api/v1/staff/zhou.min', { storeCode: null })).json().storeCode).toBeNull();
  });

  it('refuses bad changes naming the field and changes nothing', async () => {
    const before = (await req('GET', '/api/v1/staff?q=zhou.min')).json().items[0];
    for (const [body, path] of [
      [{ role: 'cashier' }, 'role'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'x'.repeat(101) }, 'displayName'],
      [{ disabled: 'yes' }, 'disabled'],
      [{}, '(root)'],
    ] as const) {
      const res = await req('PATCH', '/api/v1/staff/zhou.min', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.details.issues[0].path).toBe(path);
    }
    expect((await req('GET', '/api/v1/staff?q=zhou.min')).json().items[0]).toEqual(before);
    const missing = await req('PATCH', '/api/v1/staff/nobody', { role: 'guide' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('access.staff_not_found');
  });

  it('is refused to a role without staff:admin', async () => {
    await t.kemai.access.createStaff({ username: 'sun.li', role: 'store_manager', password: PW });
    const res = await req('PATCH', '/api/v1/staff/zhou.min', { role: 'admin' }, await session('sun.li', PW));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details).toEqual({ scope: 'staff:admin' });
    expect((await req('GET', '/api/v1/staff?q=zhou.min')).json().items[0].role).toBe('service_agent');
  });

  it('disabling ends the sessions and refuses sign-in; enabling lets the person back in', async () => {
    const s = await session('zhou.min', PW);
    const off = await req('PATCH', '/api/v1/staff/zhou.min', { disabled: true });
    expect(off.json()).toMatchObject({ username: 'zhou.min', disabled: true });
    const after = await req('GET', '/api/v1/auth/me', undefined, s);
    expect(after.statusCode).toBe(401);
    const [left] = await query<{ n: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as n from access.sessions s join access.staff p on p.id = s.staff_id where p.username = 'zhou.min'`,
    );
    expect(left!.n).toBe(0);
    const refused = await req('POST', '/api/v1/auth/login', { username: 'zhou.min', password: PW }, {});
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('Wrong username or password');
    expect((await req('GET', '/api/v1/staff?status=disabled')).json()).toMatchObject({ total: 1, items: [{ username: 'zhou.min' }] });
    expect((await req('PATCH', '/api/v1/staff/zhou.min', { disabled: false })).json().disabled).toBe(false);
    expect((await req('POST', '/api/v1/auth/login', { username: 'zhou.min', password: PW }, {})).statusCode).toBe(200);
  });
});

describe('the last active administrator', () => {
  it('cannot be demoted or disabled, by anyone including themselves', async () => {
    await t.kemai.access.createStaff({ username: 'boss', displayName: 'Boss', role: 'admin', password: PW });
    const boss = await session('boss', PW);
    const demote = await req('PATCH', '/api/v1/staff/boss', { role: 'analyst' }, boss);
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error).toMatchObject({
      code: 'access.last_admin',
      message: 'boss is the last active administrator; make another person an administrator before changing this role',
    });
    const disable = await req('PATCH', '/api/v1/staff/boss', { disabled: true });
    expect(disable.statusCode).toBe(409);
    expect(disable.json().error.message).toBe('boss is the last active administrator; make another person an administrator before disabling this account');
    // Renaming is fine; the role and the session stay.
    expect((await req('PATCH', '/api/v1/staff/boss', { displayName: '老板', role: 'admin' }, boss)).statusCode).toBe(200);
    expect((await req('GET', '/api/v1/auth/me', undefined, boss)).json()).toMatchObject({ role: 'admin', staff: { displayName: '老板', disabled: false } });
  });

  it('a disabled admin does not count; with a second active admin the first may step down', async () => {
    await t.kemai.access.createStaff({ username: 'deputy', role: 'admin', password: PW });
    expect((await req('PATCH', '/api/v1/staff/deputy', { disabled: true })).statusCode).toBe(200);
    expect((await req('PATCH', '/api/v1/staff/boss', { role: 'marketer' })).statusCode).toBe(409);
    expect((await req('PATCH', '/api/v1/staff/deputy', { disabled: false })).statusCode).toBe(200);
    const boss = await session('boss', PW);
    const down = await req('PATCH', '/api/v1/staff/boss', { role: 'marketer' }, boss);
    expect(down.statusCode).toBe(200);
    expect(down.json().role).toBe('marketer');
    // The session now carries the marketer's scopes: no more staff admin.
    expect((await req('GET', '/api/v1/staff', undefined, boss)).statusCode).toBe(403);
    expect((await req('PATCH', '/api/v1/staff/deputy', { role: 'guide' })).statusCode).toBe(409);
  });

  it('two admins demoting each other at the same moment: exactly one succeeds', async () => {
    expect((await req('PATCH', '/api/v1/staff/boss', { role: 'admin' })).statusCode).toBe(200);
    const results = await Promise.all([
      req('PATCH', '/api/v1/staff/deputy', { role: 'analyst' }),
      req('PATCH', '/api/v1/staff/boss', { role: 'analyst' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const [admins] = await query<{ n: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as n from access.staff where role = 'admin' and disabled_at is null`,
    );
    expect(admins!.n).toBe(1);
  });
});

describe('API keys in the console', () => {
  it('creates a key from a role: the role and its scopes are kept, with who made it', async () => {
    const res = await req('POST', '/api/v1/api-keys', { name: ' BI dashboard ', role: 'analyst' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().apiKey).toMatchObject({
      name: 'BI dashboard',
      role: 'analyst',
      scopes: ['customers:read', 'orders:read', 'loyalty:read', 'segments:read', 'segments:write', 'insights:read', 'insights:admin', 'promotions:read', 'journeys:read', 'messaging:read', 'service:read', 'surveys:read', 'listening:read', 'events:read', 'catalog:read'],
      createdBy: 'local-cli',
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
    });
    const me = await req('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${res.json().key}` });
    expect(me.json()).toMatchObject({ kind: 'apikey', name: 'BI dashboard', scopes: ['customers:read', 'orders:read', 'loyalty:read', 'segments:read', 'segments:write', 'insights:read', 'insights:admin', 'promotions:read', 'journeys:read', 'messaging:read', 'service:read', 'surveys:read', 'listening:read', 'events:read', 'catalog:read'] });
  });

  it('refuses a key with both a role and scopes, with neither, or with an empty name', async () => {
    for (const [body, path] of [
      [{ name: 'x', role: 'analyst', scopes: ['orders:read'] }, 'scopes'],
      [{ name: 'x' }, 'scopes'],
      [{ name: '  ', role: 'guide' }, 'name'],
      [{ name: 'x', role: 'cashier' }, 'role'],
    ] as const) {
      const res = await req('POST', '/api/v1/api-keys', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.details.issues[0].path).toBe(path);
    }
    expect((await req('GET', '/api/v1/api-keys?q=x')).json().total).toBe(0);
  });

  it('records the last use at most once a minute', async () => {
    const { apiKey, key } = (await req('POST', '/api/v1/api-keys', { name: 'pos-sh01', scopes: ['orders:write'] })).json();
    const auth = { authorization: `Bearer ${key}` };
    const lastUsed = async () =>
      (await query<{ at: string | null }>(t.kemai.database.db, sql`select last_used_at::text as at from access.api_keys where id = ${apiKey.id}`))[0]!.at;
    const before = Date.now();
    await req('GET', '/api/v1/auth/me', undefined, auth);
    const first = (await req('GET', `/api/v1/api-keys?q=pos-sh01`)).json().items[0].lastUsedAt as string;
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(first)).toBeLessThanOrEqual(Date.now());
    const stored = await lastUsed();
    await req('GET', '/api/v1/auth/me', undefined, auth);
    await req('GET', '/api/v1/auth/me', undefined, auth);
    expect(await lastUsed()).toBe(stored);
    // Two minutes later (moved back in the table), the next use writes again.
    await t.kemai.database.db.execute(sql`update access.api_keys set last_used_at = last_used_at - interval '2 minutes' where id = ${apiKey.id}`);
    const moved = await lastUsed();
    await req('GET', '/api/v1/auth/me', undefined, auth);
    const again = await lastUsed();
    expect(again).not.toBe(moved);
    expect(Date.parse(again!)).toBeGreaterThanOrEqual(Date.parse(first));
  });

  it('lists with paging, sorting, search and status; revokes once', async () => {
    await req('POST', '/api/v1/api-keys', { name: 'wechat-mini', role: 'guide', storeCode: 'SH01' });
    const byName = await req('GET', '/api/v1/api-keys?sort=name');
    expect(byName.json().total).toBe(3);
    expect(byName.json().items.map((k: { name: string }) => k.name)).toEqual(['BI dashboard', 'pos-sh01', 'wechat-mini']);
    expect(JSON.stringify(byName.json())).not.toMatch(/secret|hash/i);
    const newest = await req('GET', '/api/v1/api-keys?pageSize=1');
    expect(newest.json()).toMatchObject({ total: 3, items: [{ name: 'wechat-mini', role: 'guide' }] });
    const used = await req('GET', '/api/v1/api-keys?sort=-lastUsedAt&pageSize=2');
    expect(used.json().items.map((k: { name: string }) => k.name)).toEqual(['pos-sh01', 'BI dashboard']);
    const id = newest.json().items[0].id as string;
    const revoked = await req('DELETE', `/api/v1/api-keys/${id}`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().apiKey).toMatchObject({ id, name: 'wechat-mini' });
    expect(revoked.json().apiKey.revokedAt).not.toBeNull();
    const again = await req('DELETE', `/api/v1/api-keys/${id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('access.api_key_not_found');
    expect((await req('GET', '/api/v1/api-keys?status=revoked')).json()).toMatchObject({ total: 1, items: [{ id }] });
    expect((await req('GET', '/api/v1/api-keys?status=active')).json().total).toBe(2);
    expect((await req('GET', '/api/v1/api-keys?sort=secretHash')).statusCode).toBe(400);
  });
});
