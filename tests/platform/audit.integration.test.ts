import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../src/platform/db/database.js';
import { ROLE_SCOPES, ROLES } from '../../src/modules/access/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The audit log over HTTP: each wired sensitive action writes exactly one entry; list and verify need audit:read. */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

type Headers = { authorization: string };
const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

/** A key with these scopes and the actor the audit log names it by (`key:<id>`). */
async function caller(scopes: string[]): Promise<{ headers: Headers; actor: string }> {
  const headers = await t.keyWith(scopes);
  const me = await req('GET', '/api/v1/auth/me', headers);
  return { headers, actor: `key:${me.json().id}` };
}

/** The entries of these actions on this target, oldest first. */
async function entries(actionLike: string, targetId?: string) {
  const rows = await query<{ actor: string; action: string; target_type: string; target_id: string; details: unknown }>(
    t.kemai.database.db,
    sql`select actor, action, target_type, target_id, details from platform.audit_log
        where action like ${actionLike} ${targetId === undefined ? sql`` : sql`and target_id = ${targetId}`} order by seq`,
  );
  return rows.map((r) => ({ actor: r.actor, action: r.action, target: `${r.target_type}:${r.target_id}`, details: r.details }));
}

async function customer(phone: string): Promise<string> {
  const res = await req('POST', '/api/v1/customers', t.admin, { phone });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('wired actions write exactly one entry each', () => {
  it('access: a role change, disabling, a new API key and its revocation', async () => {
    const { staff } = await t.kemai.access.createStaff({ username: 'zhang.wei', role: 'guide', password: 'Audit-Test-2026' });
    const admin = await caller(['staff:admin', 'apikeys:admin']);
    expect((await req('PATCH', '/api/v1/staff/zhang.wei', admin.headers, { role: 'store_manager' })).statusCode).toBe(200);
    expect((await req('PATCH', '/api/v1/staff/zhang.wei', admin.headers, { displayName: '张伟' })).statusCode).toBe(200);
    expect((await req('PATCH', '/api/v1/staff/zhang.wei', admin.headers, { disabled: true })).statusCode).toBe(200);
    expect(await entries('access.%', staff.id)).toEqual([
      { actor: 'system', action: 'access.staff_create', target: `staff:${staff.id}`, details: { role: 'guide', storeCode: null } },
      { actor: admin.actor, action: 'access.role_change', target: `staff:${staff.id}`, details: { from: 'guide', to: 'store_manager' } },
      { actor: admin.actor, action: 'access.staff_disable', target: `staff:${staff.id}`, details: {} },
    ]);

    const created = await req('POST', '/api/v1/api-keys', admin.headers, { name: 'POS 门店收银', role: 'analyst' });
    expect(created.statusCode, created.body).toBe(201);
    const keyId = created.json().apiKey.id as string;
    expect((await req('DELETE', `/api/v1/api-keys/${keyId}`, admin.headers)).statusCode).toBe(200);
    expect((await req('DELETE', `/api/v1/api-keys/${keyId}`, admin.headers)).statusCode).toBe(404);
    expect(await entries('access.apikey_%', keyId)).toEqual([
      { actor: admin.actor, action: 'access.apikey_create', target: `api_key:${keyId}`, details: { role: 'analyst', storeCode: null, scopes: created.json().apiKey.scopes } },
      { actor: admin.actor, action: 'access.apikey_revoke', target: `api_key:${keyId}`, details: {} },
    ]);
    expect(created.json().apiKey.scopes).toHaveLength(15);
  });

  it('customers: a merge and its unmerge', async () => {
    const a = await customer('13800000101');
    const b = await customer('13800000102');
    const merger = await caller(['customers:merge']);
    const merged = await req('POST', `/api/v1/customers/${a}/merge`, merger.headers, { otherId: b, reason: '同一人，客服核实' });
    expect(merged.statusCode, merged.body).toBe(200);
    const mergeId = merged.json().mergeId as string;
    expect(await entries('customers.%')).toEqual([{ actor: merger.actor, action: 'customers.merge', target: `customer:${a}`, details: { mergeId, absorbedId: b } }]);
    const undone = await req('POST', `/api/v1/customers/${a}/unmerge`, merger.headers, { mergeId });
    expect(undone.statusCode, undone.body).toBe(200);
    expect(await entries('customers.%')).toEqual([
      { actor: merger.actor, action: 'customers.merge', target: `customer:${a}`, details: { mergeId, absorbedId: b } },
      { actor: merger.actor, action: 'customers.unmerge', target: `customer:${a}`, details: { mergeId, absorbedId: b } },
    ]);
  });

  it('loyalty: a manual adjustment (its replay writes nothing)', async () => {
    const c = await customer('13800000103');
    const staff = await caller(['loyalty:write']);
    const body = { points: 120, reason: '开卡礼', idempotencyKey: 'audit-adjust-1' };
    const first = await req('POST', `/api/v1/loyalty/members/${c}/adjustments`, staff.headers, body);
    expect(first.statusCode, first.body).toBe(201);
    expect((await req('POST', `/api/v1/loyalty/members/${c}/adjustments`, staff.headers, body)).statusCode).toBe(200);
    expect(await entries('loyalty.%')).toEqual([
      { actor: staff.actor, action: 'loyalty.adjust', target: `customer:${c}`, details: { entryId: first.json().entryId, points: 120 } },
    ]);
  });

  it('segments: a CSV export of members', async () => {
    const ids = [await customer('13800000104'), await customer('13800000105')];
    const list = await req('POST', '/api/v1/segments/static', t.admin, { code: 'audit_vip', name: 'Audit VIP', of: 'id', content: ids.join('\n') });
    expect(list.statusCode, list.body).toBe(201);
    const exporter = await caller(['segments:write']);
    const csv = await req('GET', '/api/v1/segments/audit_vip/export.csv', exporter.headers);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.body.trim().split('\n')).toHaveLength(3);
    expect(await entries('export.%')).toEqual([
      { actor: exporter.actor, action: 'export.segment', target: 'segment:audit_vip', details: { segmentId: list.json().segment.id, rows: 2 } },
    ]);
  });
});

describe('GET /api/v1/audit and /audit/verify', () => {
  it('needs audit:read, which only the admin role has', async () => {
    expect(ROLES.filter((r) => ROLE_SCOPES[r].has('audit:read'))).toEqual(['admin']);
    const manager = await t.keyWith(['staff:admin', 'apikeys:admin', 'pii:read']);
    for (const url of ['/api/v1/audit', '/api/v1/audit/verify']) {
      const res = await req('GET', url, manager);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'audit:read' } });
    }
    expect((await req('GET', '/api/v1/audit', await t.keyWith(['audit:read']))).statusCode).toBe(200);
  });

  it('lists with filters and pages, refuses bad input naming the field, and verifies the chain', async () => {
    const auditor = await t.keyWith(['audit:read']);
    const adjustments = await req('GET', '/api/v1/audit?action=loyalty.adjust', auditor);
    expect(adjustments.statusCode, adjustments.body).toBe(200);
    expect(adjustments.json().items.map((e: { action: string; targetType: string }) => [e.action, e.targetType])).toEqual([['loyalty.adjust', 'customer']]);
    expect(adjustments.json().nextBefore).toBeNull();
    const customersPage = await req('GET', '/api/v1/audit?action=customers.*&limit=1', auditor);
    expect(customersPage.json().items.map((e: { action: string }) => e.action)).toEqual(['customers.unmerge']);
    const next = await req('GET', `/api/v1/audit?action=customers.*&limit=1&before=${customersPage.json().nextBefore}`, auditor);
    expect([next.json().items.map((e: { action: string }) => e.action), next.json().nextBefore]).toEqual([['customers.merge'], null]);
    expect((await req('GET', '/api/v1/audit?from=2000-01-01&to=2000-01-02', auditor)).json().items).toEqual([]);

    const zero = await req('GET', '/api/v1/audit?limit=0', auditor);
    expect(zero.statusCode).toBe(400);
    expect(zero.json().error.details.issues[0].path).toBe('querystring.limit');
    const badFrom = await req('GET', '/api/v1/audit?from=yesterday', auditor);
    expect(badFrom.statusCode).toBe(400);
    expect(badFrom.json().error).toMatchObject({ code: 'audit.invalid_instant', details: { issues: [{ path: 'from', message: 'not a valid date or instant' }] } });
    expect((await req('GET', '/api/v1/audit?colour=red', auditor)).statusCode).toBe(400);

    const [{ n }] = (await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from platform.audit_log`)) as [{ n: number }];
    const intact = await req('GET', '/api/v1/audit/verify', auditor);
    expect(intact.json()).toMatchObject({ ok: true, rows: n, headSeq: n });
    await t.kemai.database.db.execute(sql`update platform.audit_log set details = '{"points": 99999}'::jsonb where action = 'loyalty.adjust'`);
    const [{ seq }] = (await query<{ seq: number }>(t.kemai.database.db, sql`select seq from platform.audit_log where action = 'loyalty.adjust'`)) as [{ seq: number }];
    const broken = await req('GET', '/api/v1/audit/verify', auditor);
    expect(broken.json()).toEqual({
      ok: false,
      rows: Number(seq) - 1,
      headSeq: null,
      headHash: null,
      firstBadSeq: Number(seq),
      problem: 'hash_mismatch',
      reason: 'its content does not match its hash: the row was edited',
    });
  });
});
