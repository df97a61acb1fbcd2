import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskAddress, PII_POLICY, viewerFor } from '../../src/platform/pii-policy.js';
import type { Principal } from '../../src/platform/http/auth.js';
import { ROLE_SCOPES } from '../../src/modules/access/index.js';
import { listAudit } from '../../src/platform/audit.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Purpose-based masking: the same person through the 360 (clienteling) and a ticket (service), role by role. */

const staff = (role: string): Principal => ({ kind: 'staff', id: 'x', name: role, role, scopes: ROLE_SCOPES[role as keyof typeof ROLE_SCOPES] });

describe('the policy table', () => {
  it('gives each role and purpose exactly its fields', () => {
    const shown = (role: string, purpose: Parameters<typeof viewerFor>[1]) => {
      const v = viewerFor(staff(role), purpose);
      return (['name', 'phone', 'email', 'address'] as const).filter((f) => v[f]);
    };
    expect(shown('admin', 'marketing')).toEqual(['name', 'phone', 'email', 'address']);
    expect(shown('guide', 'clienteling')).toEqual(['name', 'phone']);
    expect(shown('guide', 'fulfilment')).toEqual(['name', 'phone', 'address']);
    expect(shown('guide', 'marketing')).toEqual([]);
    expect(shown('store_manager', 'clienteling')).toEqual(['name', 'phone', 'email']);
    expect(shown('service_agent', 'service')).toEqual(['name', 'phone', 'email', 'address']);
    expect(shown('service_agent', 'analytics')).toEqual([]);
    expect(shown('marketer', 'clienteling')).toEqual([]);
    expect(shown('analyst', 'service')).toEqual([]);
    expect(Object.keys(PII_POLICY).sort()).toEqual(['admin', 'analyst', 'guide', 'marketer', 'service_agent', 'store_manager']);
  });

  it('keeps the all-or-nothing rule for keys without a role', () => {
    const key = (scopes: string[]): Principal => ({ kind: 'apikey', id: 'k', name: 'pos', scopes: new Set(scopes) as Principal['scopes'] });
    expect(viewerFor(key(['customers:read', 'pii:read']), 'marketing')).toEqual({ pii: true, name: true, phone: true, email: true, address: true });
    expect(viewerFor(key(['customers:read']), 'clienteling')).toEqual({ pii: false, name: false, phone: false, email: false, address: false });
  });

  it('masks an address down to its district', () => {
    expect(maskAddress('上海市徐汇区漕溪北路88号3楼')).toBe('上海市徐汇区***');
    expect(maskAddress('浙江省杭州市西湖区文三路 1 号')).toBe('浙江省杭州市西湖区***');
    expect(maskAddress('12 Baker Street, London')).toBe('12 ***');
  });
});

describe('through the API', () => {
  let t: TestApp;
  let id: string;
  const as: Record<string, { authorization: string }> = {};

  beforeAll(async () => {
    t = await createTestApp();
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: t.admin,
      payload: { name: '王芳', phone: '13800138000', email: 'wang.fang@example.com', address: '上海市徐汇区漕溪北路88号3楼' },
    });
    id = created.json().id;
    for (const role of ['guide', 'store_manager', 'service_agent', 'marketer']) {
      await t.kemai.access.createStaff({ username: `p-${role}`, role, storeCode: 'SH01', password: 'correct horse battery' });
      as[role] = { authorization: `Bearer ${(await t.kemai.access.login(`p-${role}`, 'correct horse battery')).token}` };
    }
    // The customer is of SH01, so its guide and manager may see them at all (store scoping).
    await t.kemai.staff.assign(id, { staffId: null, storeCode: 'SH01' }, 'test');
  }, 120_000);
  afterAll(async () => t?.close());

  const view360 = async (role: string) => {
    const r = (await t.app.inject({ method: 'GET', url: `/api/v1/customers/${id}`, headers: as[role] ?? t.admin })).json();
    const ident = (type: string) => r.identifiers.find((i: { type: string }) => i.type === type)?.value;
    return { name: r.profile.name, phone: ident('phone'), email: ident('email'), address: r.profile.address };
  };

  it('the 360 shows each role what clienteling needs', async () => {
    expect(await view360('admin')).toEqual({ name: '王芳', phone: '+8613800138000', email: 'wang.fang@example.com', address: '上海市徐汇区漕溪北路88号3楼' });
    expect(await view360('guide')).toEqual({ name: '王芳', phone: '+8613800138000', email: 'w***@example.com', address: '上海市徐汇区***' });
    expect(await view360('store_manager')).toEqual({ name: '王芳', phone: '+8613800138000', email: 'wang.fang@example.com', address: '上海市徐汇区***' });
    expect(await view360('marketer')).toEqual({ name: '王*', phone: '138****8000', email: 'w***@example.com', address: '上海市徐汇区***' });
  });

  it('audits every 360 that showed personal data in full: who, whose, which fields and why, never the values', async () => {
    const before = (await listAudit(t.kemai.database.db, { action: 'privacy.pii_view', limit: 200 })).items.length;
    await view360('guide');
    await view360('marketer');
    const after = (await listAudit(t.kemai.database.db, { action: 'privacy.pii_view', limit: 200 })).items;
    // The marketer saw everything masked: no entry.
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ action: 'privacy.pii_view', targetType: 'customer', targetId: id, actor: expect.stringMatching(/^staff:/), details: { fields: ['name', 'phone'], purpose: 'clienteling' } });
    expect(JSON.stringify(after[0])).not.toMatch(/13800138000|王芳|wang\.fang/);
  });

  it('a ticket shows the service desk the contact in full, and a guide without the email', async () => {
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service/tickets',
      headers: t.admin,
      payload: { kind: 'inquiry', channel: 'phone', subject: '尺码咨询', customerId: id, contact: { name: '王芳', phone: '13800138000', email: 'wang.fang@example.com' } },
    });
    expect(made.statusCode).toBe(201);
    const ticketId = made.json().ticket.id;
    const contact = async (role: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${ticketId}`, headers: as[role]! })).json().ticket.contact;
    expect(await contact('service_agent')).toEqual({ name: '王芳', phone: '+8613800138000', email: 'wang.fang@example.com' });
    expect(await contact('guide')).toEqual({ name: '王芳', phone: '+8613800138000', email: 'w***@example.com' });
    expect(await contact('marketer')).toEqual({ name: '王*', phone: '138****8000', email: 'w***@example.com' });
  });
});
